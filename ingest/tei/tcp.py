"""TCP and EarlyPrint books (https://textcreationpartnership.org/, https://earlyprint.org/):
ids and the imprint of the printed source."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from lxml import etree

from ingest.tei.common import (
    EARLYPRINT_NS,
    NS,
    _clean_imprint,
    _date_fields,
    _first,
    _publishers,
    _Sniff,
)
from ingest.tei.render import _inline

logger = logging.getLogger(__name__)


PROFILE = "tcp"


def detect(s: _Sniff) -> bool:
    """TCP's publisher or DLPS id; EarlyPrint's publisher or xenoData."""
    h = s.header
    return h is not None and bool(
        "Text Creation Partnership" in _publishers(h)
        or h.xpath("t:fileDesc/t:publicationStmt/t:idno[@type='DLPS']", namespaces=NS)
        # EarlyPrint: tokenised EEBO-TCP texts; the TCP id is in sourceDesc, not publicationStmt
        or "EarlyPrint" in _publishers(h)
        or h.xpath("t:xenoData/*[namespace-uri() = $ns]", namespaces=NS, ns=EARLYPRINT_NS)
    )


def fields(
    tei: etree._Element,
    header: etree._Element | None,
    opts: Mapping[str, Any],
    meta: dict[str, str],
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if header is None:
        return fields
    # EarlyPrint headers describe two books: biblFull[@n="TCP source"] is the TCP transcription
    # (Ann Arbor, 2001) and carries its ids; biblFull[@n="printed source"] is the printed book.
    bibls = header.xpath("t:fileDesc/t:sourceDesc/t:biblFull", namespaces=NS)
    printed = [b for b in bibls if (b.get("n") or "").strip().lower() == "printed source"]
    tcp_src = [b for b in bibls if (b.get("n") or "").strip().lower() == "tcp source"]
    idnos = header.xpath("t:fileDesc/t:publicationStmt/t:idno", namespaces=NS)
    if tcp_src:
        idnos += tcp_src[0].xpath("t:publicationStmt/t:idno", namespaces=NS)
    for idno in idnos:
        typ = (idno.get("type") or "idno").lower().replace("-", "_")
        key = "tcp_id" if typ == "dlps" else typ
        meta[key] = "; ".join(filter(None, [meta.get(key), _inline(idno)]))
    series = _first(header, "t:fileDesc/t:seriesStmt/t:title")
    if series is not None:
        meta["series"] = _inline(series)
    # the imprint of the printed source: biblFull/publicationStmt (publisher, pubPlace, date)
    source = printed[0] if printed else (bibls[0] if bibls else None)
    imprint = _first(source, "t:publicationStmt") if source is not None else None
    if imprint is not None:
        pub = _first(imprint, "t:publisher")
        place = _first(imprint, "t:pubPlace")
        # EarlyPrint: date[@type=publication_date] "1647." and date[@type=creation_date] "1605"
        date = _first(imprint, "t:date[@type='publication_date']")
        if date is None:
            date = _first(imprint, "t:date")
        created = _first(imprint, "t:date[@type='creation_date']")
        if created is not None and _inline(created):
            meta["creation_date"] = _inline(created)
        fields["publisher"] = _clean_imprint(_inline(pub)) if pub is not None else None
        fields["place"] = _clean_imprint(_inline(place)) if place is not None else None
        meta["imprint"] = " ".join(_inline(e) for e in (place, pub, date) if e is not None)
        if date is not None:
            fields.update(_date_fields(_inline(date) or None, opts, None, meta))
    if fields.get("date_text") is None:
        ed = _first(header, "t:fileDesc/t:editionStmt/t:edition/t:date")
        if ed is not None:
            fields.update(_date_fields(_inline(ed) or None, opts, ed.get("when"), meta))
    return fields
