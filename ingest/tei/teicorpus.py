"""teiCorpus files (letters): one record per <TEI>, sender/recipient from correspDesc."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from lxml import etree

from ingest.record import Record, Reject, SourceError
from ingest.tei.common import (
    NS,
    XML_ID,
    _all_notes,
    _apparatus_meta,
    _authors,
    _Context,
    _date_fields,
    _first,
    _language,
    _Sniff,
    _text_parts,
    _title,
)
from ingest.tei.render import _inline, _render

logger = logging.getLogger(__name__)


PROFILE = "teicorpus"


def detect(s: _Sniff) -> bool:
    return s.root_tag == "teiCorpus"


def parse_corpus(ctx: _Context, corpus: etree._Element) -> Iterator[Record | Reject]:
    """One record per <TEI> in a <teiCorpus>; sender/recipient from correspDesc."""
    corpus_header = _first(corpus, "t:teiHeader")
    corpus_title = _title(corpus_header) if corpus_header is not None else None
    teis = corpus.xpath("t:TEI", namespaces=NS)
    if not teis:
        raise SourceError("no_documents", "teiCorpus without TEI children")
    for i, tei in enumerate(teis, 1):
        local = tei.get(XML_ID) or tei.get("n") or f"tei{i}"
        header = _first(tei, "t:teiHeader")
        meta: dict[str, str] = {"corpus_title": corpus_title or "", "tei_n": tei.get("n", "")}
        fields: dict[str, Any] = {
            "title": _title(header) if header is not None else None,
            "language": _language(tei, header) or _language(corpus, None),
        }
        if header is not None:
            fields["authors"] = tuple(_authors(header)[0])
            sent = _first(header, "t:profileDesc/t:correspDesc/t:correspAction[@type='sent']")
            recv = _first(header, "t:profileDesc/t:correspDesc/t:correspAction[@type='received']")
            if sent is not None:
                fields["sender"] = _inline(_first(sent, "t:persName|t:orgName|t:name")) or None
                fields["place"] = _inline(_first(sent, "t:placeName|t:settlement")) or None
                date = _first(sent, "t:date")
                if date is not None:
                    fields.update(
                        _date_fields(_inline(date) or None, ctx.opts, date.get("when"), meta)
                    )
            if recv is not None:
                fields["recipient"] = _inline(_first(recv, "t:persName|t:orgName|t:name")) or None
                meta["recipient_place"] = _inline(_first(recv, "t:placeName|t:settlement"))
            if not fields.get("authors") and fields.get("sender"):
                fields["authors"] = (fields["sender"],)
        parts = _text_parts(tei, "teicorpus", ctx.opts)
        text, ents, app = _render(parts)
        _apparatus_meta(app, meta, _all_notes(tei, parts))
        if ents:
            meta["markup_entities"] = json.dumps(ents, ensure_ascii=False)
        if not text:
            yield ctx.reject("no_text", f"TEI {local}: no text")
            continue
        yield ctx.record(f"{ctx.local_id}/{local}", text, meta, **fields)
