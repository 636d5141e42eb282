"""Shared by the TEI profiles: namespaces, options, the parse context, the header sniffed
before a full parse, header and date helpers."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from ingest import dates
from ingest._xml import iterparse, localname, refuse_entities
from ingest.language import normalise_code
from ingest.record import Record, Reject, SourceError
from ingest.tei.render import _Apparatus, _inline, _plain

logger = logging.getLogger(__name__)


TEI_NS = "http://www.tei-c.org/ns/1.0"
FRUS_NS = "http://history.state.gov/frus/ns/1.0"
ELTEC_NS = "http://distantreading.net/eltec/ns"
EARLYPRINT_NS = "http://earlyprint.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
T = f"{{{TEI_NS}}}"
NS = {"t": TEI_NS, "frus": FRUS_NS, "e": ELTEC_NS}
XML_ID = f"{{{XML_NS}}}id"
XML_LANG = f"{{{XML_NS}}}lang"

PROFILES = ("auto", "eltec", "dracor", "tcp", "frus", "teicorpus", "generic")
OPTIONS: dict[str, object] = {
    "profile": "auto",  # one of PROFILES; auto detects it from the header
    "split": "auto",  # auto: FRUS one record per document, teiCorpus one per TEI; none: per file
    "plausible_years": "1000-2100",  # years outside are flagged in metadata["date_flag"]
    "parts": "auto",  # parts of <text> read: auto (per profile) or e.g. "front,body,back"
}
STAGE = "ingest"


@dataclass
class _Context:
    path: Path
    root: Path
    collection: str
    kind: str
    opts: dict[str, Any]
    profile: str
    sha256: str
    source_path: str
    # what a reader knows around the next date (FRUS: the volume's year, the last document's
    # date), for year-less datelines and out-of-context years
    date_context: dates.DateContext | None = None

    @property
    def local_id(self) -> str:
        try:
            rel = self.path.relative_to(self.root)
        except ValueError:
            rel = Path(self.path.name)
        return rel.with_suffix("").as_posix()

    def reject(self, reason: str, detail: str) -> Reject:
        return Reject(self.collection, self.source_path, STAGE, reason, detail)

    def record(self, local_id: str, text: str, meta: dict[str, str], **fields: Any) -> Record:
        meta = {k: v for k, v in meta.items() if v not in (None, "", "[]", "{}")}
        meta["tei_profile"] = self.profile
        return Record(
            doc_id=f"{self.collection}:{local_id}",
            collection=self.collection,
            kind=self.kind,  # type: ignore[arg-type]  # checked by Record.finalize()
            text=text,
            source_path=self.source_path,
            source_format="tei",
            source_sha256=self.sha256,
            metadata=meta,
            **fields,
        ).finalize()


def _options(options: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise ValueError(f"unknown tei options {sorted(unknown)}; valid: {sorted(OPTIONS)}")
    opts = {**OPTIONS, **options}
    if opts["profile"] not in PROFILES:
        raise ValueError(f"tei profile {opts['profile']!r} not in {PROFILES}")
    if opts["split"] not in ("auto", "none"):
        raise ValueError(f"tei split {opts['split']!r} not in ('auto', 'none')")
    m = re.fullmatch(r"\s*(-?\d+)\s*-\s*(\d+)\s*", str(opts["plausible_years"]))
    if not m:
        raise ValueError(f"tei plausible_years {opts['plausible_years']!r} is not 'YYYY-YYYY'")
    opts["_years"] = (int(m[1]), int(m[2]))
    return opts


@dataclass
class _Sniff:
    root_tag: str
    root_attrib: dict[str, str]
    nsmap: dict[str | None, str]
    header: etree._Element | None
    next_sibling: str  # local name of what follows the header (standOff, text, TEI)


def _sniff(path: Path) -> _Sniff:
    """Read the root element and the first teiHeader without parsing the whole file."""
    root: etree._Element | None = None
    header = None
    after = ""
    depth = 0
    try:
        for event, el in iterparse(path, events=("start", "end")):
            if root is None:
                root = el
                refuse_entities(el.getroottree())
            if event == "start":
                depth += 1
                if header is not None and depth == 2:
                    after = localname(el)
                    break
            else:
                depth -= 1
                if localname(el) == "teiHeader" and header is None:
                    header = el
    except OSError as exc:
        raise SourceError("unreadable", str(exc)) from exc
    if root is None:
        raise SourceError("bad_xml", f"{path}: no root element")
    namespace = etree.QName(root).namespace
    if namespace not in (TEI_NS, None) or (
        namespace is None and localname(root) not in ("TEI", "teiCorpus")
    ):
        # e.g. FreDraCor's authors.xml (<authors>, a name-normalisation table) next to the plays
        raise SourceError("not_tei", f"root element {root.tag}")
    return _Sniff(localname(root), dict(root.attrib), dict(root.nsmap), header, after)


def _publishers(header: etree._Element) -> str:
    """The publicationStmt publishers of a header, as one string (TCP, EarlyPrint, DraCor)."""
    return " ".join(
        _inline(p) for p in header.xpath(".//t:publicationStmt/t:publisher", namespaces=NS)
    )


# ---------------------------------------------------------------- header helpers


def _first(el: etree._Element, xpath: str) -> etree._Element | None:
    found = el.xpath(xpath, namespaces=NS)
    return found[0] if found else None


def _title(header: etree._Element) -> str | None:
    for xp in (
        "t:fileDesc/t:titleStmt/t:title[@type='main']",
        "t:fileDesc/t:titleStmt/t:title[@type='complete']",
        "t:fileDesc/t:titleStmt/t:title[not(@type)]",
        "t:fileDesc/t:titleStmt/t:title",
    ):
        for el in header.xpath(xp, namespaces=NS):
            text = _inline(el)
            if text:
                return text
    return None


def _subtitles(header: etree._Element) -> list[str]:
    els = header.xpath("t:fileDesc/t:titleStmt/t:title[@type='sub']", namespaces=NS)
    return [t for t in (_inline(e) for e in els) if t]


# "(1851-1918)", "(1840-)", and unknown years as ELTeC-slv writes them: "(?-?)", "(1821-?)"
_LIFE_DATES = re.compile(r"\s*\(((?:\d{3,4}\??|\?)\s*-\s*(?:\d{0,4}\??|\?))\)\.?\s*$")
_HEADING_DATES = re.compile(r",\s*((?:ca\.|fl\.|d\.|b\.|active)?\s*\d{3,4}[^,]*?)\.?\s*$")


def _authors(header: etree._Element) -> tuple[list[str], list[str]]:
    """Author names (life dates cut off) and the headings as the source wrote them."""
    names: list[str] = []
    raw: list[str] = []
    for el in header.xpath("t:fileDesc/t:titleStmt/t:author", namespaces=NS):
        pers = el.xpath("t:persName", namespaces=NS)
        # DraCor: persName next to isni/wikidata idno elements; others: plain text
        text = " ".join(_person_name(p) for p in pers) if pers else _inline(el)
        if not text:
            continue
        raw.append(text)
        # EarlyPrint puts a play's authors in one element: "Beaumont, Francis; Fletcher, John"
        for part in (p.strip() for p in text.split(";")):
            if not re.search(r"\w", part):
                continue
            name = _LIFE_DATES.sub("", part)
            name = _HEADING_DATES.sub("", name).strip()
            names.append(
                name.rstrip(".") if name.endswith(".") and not re.search(r"\b\w\.$", name) else name
            )
    return names, raw


def _person_name(pers: etree._Element) -> str:
    """A persName as one string. DTA writes <surname> before <forename>: "Kamiet, Joachim D."
    (a catalogue heading); DraCor writes forename first and reads as printed: "Alexandre Hardy"."""
    parts = [c for c in pers if localname(c)]
    if (
        parts
        and localname(parts[0]) == "surname"
        and any(localname(c) == "forename" for c in parts[1:])
        and not (pers.text or "").strip()
    ):
        rest = " ".join(t for t in (_inline(c) for c in parts[1:]) if t)
        return f"{_inline(parts[0])}, {rest}"
    return _inline(pers)


def _language(tei: etree._Element, header: etree._Element | None) -> str | None:
    candidates = [tei.get(XML_LANG)]
    if header is not None:
        candidates += header.xpath("t:profileDesc/t:langUsage/t:language/@ident", namespaces=NS)
    candidates += tei.xpath("t:text/@xml:lang", namespaces=NS)
    for c in candidates:
        code = normalise_code(str(c)) if c else None
        if code:
            return code
    return None


def _date_fields(
    text: str | None,
    opts: Mapping[str, Any],
    when: str | None = None,
    meta: dict[str, str] | None = None,
    context: dates.DateContext | None = None,
) -> dict[str, Any]:
    """Record date fields for a date as written (`text`) or encoded (`when`); flag oddities."""
    info = dates.parse_date(when if when else text, context=context)
    info = _plausible(info, opts, meta)
    return info.record_fields(text if text else when)


def _plausible(
    info: dates.DateInfo, opts: Mapping[str, Any], meta: dict[str, str] | None
) -> dates.DateInfo:
    lo, hi = opts["_years"]
    flags = list(info.flags)
    first, last = info.start or info.end, info.end or info.start  # an open interval: one end
    if first is not None and last is not None and (first.year < lo or last.year > hi):
        flags.append("implausible_year")
        info = dates.DateInfo(flags=tuple(flags))
    if flags and meta is not None:
        meta["date_flag"] = ",".join(dict.fromkeys(flags))
    return info


def _text_parts(tei: etree._Element, profile: str, opts: Mapping[str, Any]) -> list[etree._Element]:
    """The parts of <text> that make the reading text (ELTeC/DraCor: body; TCP: all)."""
    wanted = str(opts["parts"])
    if wanted == "auto":
        wanted = "front,body,back" if profile in ("tcp", "teicorpus") else "body"
    names = {w.strip() for w in wanted.split(",") if w.strip()}
    text = _first(tei, "t:text")
    if text is None:
        return []
    # a <group> holds several <text>s; take the wanted parts of each, in document order
    parts = [
        el
        for el in text.iter(f"{T}front", f"{T}body", f"{T}back")
        if localname(el) in names and not _has_ancestor(el, {"front", "body", "back"}, text)
    ]
    return parts or [text]


def _has_ancestor(el: etree._Element, names: set[str], stop: etree._Element) -> bool:
    for anc in el.iterancestors():
        if anc is stop:
            return False
        if localname(anc) in names:
            return True
    return False


def _all_notes(tei: etree._Element, parts: list[etree._Element]) -> list[str]:
    """Notes under <text> outside the rendered parts (ELTeC keeps its footnotes in <back>)."""
    text = _first(tei, "t:text")
    if text is None:
        return []
    # Hold the elements themselves: lxml proxies die when unreferenced and their id() is reused,
    # so a set of bare ids matched unrelated notes from run to run.
    inside = {n for p in parts for n in p.iter(f"{T}note")}
    return [t for n in text.iter(f"{T}note") if n not in inside and (t := _plain(n))]


def _apparatus_meta(app: _Apparatus, meta: dict[str, str], extra_notes: list[str]) -> None:
    notes = app.notes + extra_notes
    if notes:
        meta["notes"] = json.dumps(notes, ensure_ascii=False)
        meta["n_notes"] = str(len(notes))
    if app.gaps:
        meta["n_gaps"] = str(sum(app.gaps.values()))
        meta["gaps"] = json.dumps(dict(sorted(app.gaps.items())), ensure_ascii=False)
    if app.n_eol_hyphens:
        meta["n_eol_hyphens"] = str(app.n_eol_hyphens)
    if app.n_abbr_marks:
        meta["n_abbreviation_marks"] = str(app.n_abbr_marks)
    if app.page_breaks:
        # [offset into the text, page number as printed (@n)]: KWIC lines cite their page
        meta["page_breaks"] = json.dumps(app.page_breaks, ensure_ascii=False)
    if app.chapters:
        meta["chapters"] = json.dumps(app.chapters, ensure_ascii=False)
    if any(app.entity_ids):
        # markup ids (@corresp/@ref/@key) of metadata["markup_entities"], item by item (null
        # where the element has none); a key of its own so the entities' shape stays as it was
        meta["markup_entity_ids"] = json.dumps(app.entity_ids, ensure_ascii=False)


def _clean_imprint(text: str) -> str | None:
    """'[London :' -> 'London'; 'Charleston [S.C.]: :' -> 'Charleston [S.C.]'."""
    text = text.strip().rstrip(" :;,").strip()
    if text.count("[") != text.count("]"):
        text = text.replace("[", "").replace("]", "").strip().rstrip(" :;,")
    return text or None
