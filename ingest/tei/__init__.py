"""TEI P5 adapter: ELTeC novels, TCP books, FRUS volumes, DraCor plays, teiCorpus letters.

Spec: https://tei-c.org/release/doc/tei-p5-doc/en/html/ ; profiles documented in `parse`.
One module per profile (eltec, dracor, tcp, frus, teicorpus, generic), each with `PROFILE` and
`detect(sniff)`; file profiles add `fields(tei, header, opts, meta)`. A new TEI flavour is one
such module plus its place in `_DETECTORS` (the order in which profiles are tried).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from ingest._paths import relative_source
from ingest._xml import localname, parse_xml, sha256_file
from ingest.record import Record, Reject
from ingest.tei import dracor, eltec, frus, generic, tcp, teicorpus
from ingest.tei.common import (
    OPTIONS,
    PROFILES,
    TEI_NS,
    XML_ID,
    _all_notes,
    _apparatus_meta,
    _authors,
    _Context,
    _first,
    _language,
    _options,
    _Sniff,
    _sniff,
    _subtitles,
    _text_parts,
    _title,
)
from ingest.tei.frus import _frus_classification as _frus_classification  # tests, audits
from ingest.tei.frus import _frus_document as _frus_document
from ingest.tei.render import GAP_MARK, _render
from ingest.tei.render import _Builder as _Builder

__all__ = ["GAP_MARK", "OPTIONS", "PROFILES", "TEI_NS", "XML_ID", "find", "parse"]

logger = logging.getLogger(__name__)

# tried in this order; the first whose detect() holds names the profile, else generic
_DETECTORS = (teicorpus, frus, eltec, tcp, dracor)
_FIELDS = {m.PROFILE: m.fields for m in (eltec, tcp, dracor)}


# ---------------------------------------------------------------- adapter protocol


def find(root: Path, **options: Any) -> Iterator[Path]:
    """Every *.xml file under root, sorted."""
    return iter(sorted(p for p in root.rglob("*.xml") if p.is_file()))


def parse(
    path: Path, *, root: Path, collection: str, kind: str, **options: Any
) -> Iterator[Record | Reject]:
    """Parse one TEI file into Records (one per file, per FRUS document, per corpus TEI).

    Reading text: paragraphs, heads, verse groups and divisions are separated by a blank line;
    verse lines, list items, datelines and signatures by a line break; spaces are normalised.
    `<note>` and FRUS marginal `<seg type="margin">` are left out of the text and kept in
    metadata["notes"] (a JSON list); `<gap>` becomes "[…]" and is counted by reason in
    metadata["gaps"]; TCP `<g ref="char:EOLhyphen"/>` joins the two halves of a word;
    `<choice>` gives the corrected/regularised/expanded reading. Speeches are "SPEAKER. text"
    with further lines below; stage directions are on their own line in square brackets.
    persName/placeName/orgName (and FRUS from/to glosses, typed <name>) become
    metadata["markup_entities"]: JSON [[text, PER|LOC|ORG, start, end], ...] into the text.

    Dates: ELTeC = first edition (sourceDesc bibl[@type=firstEdition]/date); TCP = imprint
    date of the source bibl (EarlyPrint: biblFull[@n="printed source"], its publication_date);
    DraCor = DraCor's "normalized year" rule (earlier of print and premiere; the written date
    when it is more than 10 years earlier, or when neither exists), from standOff events or,
    in older files, sourceDesc bibl/date[@type=print|premiere|written];
    FRUS = dateline date/@when, else frus:doc-dateTime-min/max as an interval; teiCorpus =
    correspAction[@type=sent]/date. Years outside `plausible_years` leave the date fields
    empty and set metadata["date_flag"].
    """
    opts = _options(options)
    sniff = _sniff(path)
    profile = opts["profile"] if opts["profile"] != "auto" else _detect(sniff)
    ctx = _Context(
        path=path,
        root=root,
        collection=collection,
        kind=kind,
        opts=opts,
        profile=profile,
        sha256=sha256_file(path),
        source_path=relative_source(path, root),
    )
    logger.debug("%s: profile %s", path, profile)
    if profile == "frus" and opts["split"] != "none":
        yield from frus.parse_volume(ctx, sniff)
        return
    tree = parse_xml(path)
    tei = tree.getroot()
    if localname(tei) == "teiCorpus" and opts["split"] != "none":
        yield from teicorpus.parse_corpus(ctx, tei)
        return
    yield _file_record(ctx, tei)


def _detect(s: _Sniff) -> str:
    """Pick the profile from the root element and the header."""
    return next((m.PROFILE for m in _DETECTORS if m.detect(s)), generic.PROFILE)


# ---------------------------------------------------------------- one record per file


def _file_record(ctx: _Context, tei: etree._Element) -> Record | Reject:
    header = _first(tei, "t:teiHeader")
    meta: dict[str, str] = {}
    fields: dict[str, Any] = {}
    if header is not None:
        fields["title"] = _title(header)
        authors, raw_authors = _authors(header)
        fields["authors"] = tuple(authors)
        if raw_authors != authors:
            meta["authors_as_written"] = json.dumps(raw_authors, ensure_ascii=False)
        subs = _subtitles(header)
        if subs:
            meta["subtitle"] = " / ".join(subs)
    fields["language"] = _language(tei, header)
    if tei.get(XML_ID):
        meta["tei_id"] = tei.get(XML_ID, "")
    fill = _FIELDS.get(ctx.profile, generic.fields)
    fields.update(fill(tei, header, ctx.opts, meta))
    parts = _text_parts(tei, ctx.profile, ctx.opts)
    text, ents, app = _render(parts)
    _apparatus_meta(app, meta, _all_notes(tei, parts))
    if ents:
        meta["markup_entities"] = json.dumps(ents, ensure_ascii=False)
    if not text:
        return ctx.reject("no_text", f"{ctx.profile}: no text in {'/'.join(map(localname, parts))}")
    return ctx.record(ctx.local_id, text, meta, **fields)
