"""LIDO 1.0 / 1.1 museum object records: single `lido:lido` files and `lido:lidoWrap` batches.

Spec: https://lido-schema.org/ (v1.0 and v1.1 share the namespace http://www.lido-schema.org).
Batches (also inside an OAI-PMH response) are streamed: memory stays flat whatever the size.

One Record per `lido:lido`. The *primary* descriptive metadata is the first
`lido:descriptiveMetadata`; its `xml:lang` is the record language, and of its terms only those
in that language (or without a language) are used; other-language descriptive metadata add
their titles to metadata["other_titles"]. The production event is every event whose type is
production or creation (LIDO vocabulary lido00007/lido00012, eventType/production or a term
such as Production, Herstellung, creation, Hergestellt, and museum-digital's making types such
as Gezeichnet, Gemalt, Verfasst, Gedruckt; option `production_types` adds terms).
- authors = the actors of the production events (preferred name, else the display name);
- date: earliestDate..latestDate of the production events (empty elements ignored; the interval
  spans all production events); when they are missing, displayDate is read by ingest.dates;
  a displayDate giving an exact day or month inside those bounds narrows them to it.
  metadata["date_flag"] says why a date given by the source was not kept: "implausible_year"
  (a year outside option plausible_years, such as 0) or "unparsed" (not understood);
  date_text = the displayDate(s) as written, else "earliest/latest"; approximate when the
  displayDate says so ("um 1939/1940?") or a date is typed approximate/estimated;
- place = the first place of a production event; publisher = the current repository's name;
  classification = the classification terms (europeana:type kept in metadata only).

Reading text (Record.text), one line each, in this order, only from what the record says
(the rule of ingest/tate.py carried over to LIDO's fields):
  1. the preferred title; 2. the other titles of the primary descriptive metadata;
  3. one line per production actor: "By <name> (<role>)." ("By <name>." without a role);
  4. "Dated <date_text>." (not when only an earliest/latest gives no date, e.g. KMSKA's "0");
  5. "Made in <place>." for each production place;
  6. materials and techniques: "<term>, <term>." (display form when the source gives one);
  7. each object description (descriptiveNoteValue), as written;
  8. one line per inscription: "Inscription: <transcription> (<description>)";
  9. one line per subject: displaySubject, else the concept's terms (a term equal to the
     concept id is a notation such as Iconclass "23 D 42": its first added term is used),
     subject actors, places, dates and events.
Object type, measurements, repository, identifiers, related works and other events (with their
dates, actors and places) are catalogue facts, kept in metadata only.
doc_id = `<collection>:<lidoRecID>`; a record without lidoRecID gets `rec-<hash>` from the
file's relative path and the record's position, stable run after run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from ingest import dates
from ingest._paths import relative_source
from ingest._text import normalise_space
from ingest._xml import iterparse, localname, sha256_file
from ingest.language import normalise_code
from ingest.record import Record, Reject, SourceError

logger = logging.getLogger(__name__)

LIDO_NS = "http://www.lido-schema.org"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
L = f"{{{LIDO_NS}}}"
NS = {"l": LIDO_NS, "skos": SKOS_NS}
STAGE = "ingest"

OPTIONS: dict[str, object] = {
    "production_types": "",  # extra event type terms or URIs meaning production, comma-separated
    "plausible_years": "1-2100",
    "glob": "*.xml",
}
_MD_MAKING = (1, 7, 9, 10, 12, 14, 19, 26, 29, 30, 31, 35, 37, 38, 39)
_PRODUCTION = {
    "production",
    "creation",
    "herstellung",
    "hergestellt",
    "entstehung",
    "fabrication",
    "création",
    "produzione",
    "creazione",
    "realizzazione",
    "http://terminology.lido-schema.org/lido00007",
    "http://terminology.lido-schema.org/lido00012",
    "http://terminology.lido-schema.org/eventtype/production",
    "http://terminology.lido-schema.org/eventtype/creation",
    # museum-digital's event types (handbook "Ereignistypen") that make the object: 1
    # Hergestellt, 7 Verfasst (letters, books), 9 Gemalt, 10 Aufgenommen (a photograph taken),
    # 12 Druckplatte hergestellt, 14 Ausgefertigt (charters), 19 Gezeichnet, 26 Gedruckt,
    # 29 Dekor entworfen, 30 Form entworfen, 31 Modelliert, 35 Geistige Schöpfung, 37 Bemalt,
    # 38 Illustriert, 39 Zusammengefügt. Exports give the URI, the German term, or only the term.
    *(f"https://event-types.museum-digital.org/{n}" for n in _MD_MAKING),
    "aufgenommen",
    "verfasst",
    "gemalt",
    "druckplatte hergestellt",
    "ausgefertigt",
    "gezeichnet",
    "gedruckt",
    "dekor entworfen",
    "form entworfen",
    "modelliert",
    "geistige schöpfung",
    "bemalt",
    "illustriert",
    "zusammengefügt",
    # Deutsche Fotothek (SLUB) records describe the negative or print itself: taking the
    # photograph makes the object (as museum-digital's 10 Aufgenommen)
    "fotografische aufnahme",
}
_PREFERRED = {"preferred", "http://terminology.lido-schema.org/lido00169"}
_APPROX_TYPES = ("approximate", "estimated", "circa")


def _check_options(options: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"unknown lido option(s) {unknown}; accepted: {sorted(OPTIONS)}")
    opts = {**OPTIONS, **options}
    try:
        lo, hi = (int(x) for x in str(opts["plausible_years"]).split("-"))
    except ValueError as exc:
        raise ValueError(
            f"lido option plausible_years={opts['plausible_years']!r}: write 'first-last'"
        ) from exc
    opts["plausible_years"] = (lo, hi)
    extra = {t.strip().lower() for t in str(opts["production_types"]).split(",") if t.strip()}
    opts["production"] = frozenset(_PRODUCTION | extra)
    return opts


def find(root: Path, **options: Any) -> Iterator[Path]:
    """Yield every XML file under root, sorted (a file that is not LIDO becomes a rejects row)."""
    opts = _check_options(options)
    yield from sorted(p for p in Path(root).rglob(str(opts["glob"])) if p.is_file())


def _root_name(path: Path) -> tuple[str, str]:
    """(namespace, local name) of the root element, read from the first start event."""
    for _event, el in iterparse(path, events=("start",)):
        try:
            q = etree.QName(el)
        except ValueError as exc:  # libxml2 reports the start of "<lido:" before its error
            detail = f"{path}: root element {el.tag!r} cut off or with an undeclared prefix"
            raise SourceError("bad_xml", detail) from exc
        return q.namespace or "", q.localname
    raise SourceError("bad_xml", f"{path}: no root element")


def parse(
    path: Path, *, root: Path, collection: str, kind: str = "museum", **options: Any
) -> Iterator[Record | Reject]:
    """Stream the `lido:lido` records of one file (single record, lidoWrap or OAI-PMH)."""
    opts = _check_options(options)
    path, root = Path(path), Path(root)
    if path.stat().st_size == 0:
        raise SourceError("empty_file", str(path))
    namespace, name = _root_name(path)
    if not (namespace == LIDO_NS or name == "OAI-PMH"):
        raise SourceError("not_lido", f"{path}: root element {{{namespace}}}{name}")
    source, sha = relative_source(path, root), sha256_file(path)
    n = 0
    for _event, el in iterparse(path, tag=f"{L}lido", events=("end",)):
        n += 1
        try:
            yield _record(
                el, n, collection=collection, kind=kind, source=source, sha=sha, opts=opts
            )
        finally:
            _release(el)
    if n == 0:
        raise SourceError("no_records", f"{path}: no lido:lido element")


def _release(el: etree._Element) -> None:
    """Free a finished record and everything before it (also in OAI-PMH wrappers)."""
    el.clear(keep_tail=False)
    node: etree._Element | None = el
    while node is not None:
        parent = node.getparent()
        if parent is None:
            break
        while node.getprevious() is not None:
            del parent[0]
        node = parent


# --- small readers ---------------------------------------------------------------------------


# eMuseum/dkult and museum-digital exports write HTML line breaks as text inside CDATA
# ("B <br/>Ritzmarke: I", "Kerben.<br/> <br/> Die Oberfläche"); one break is a line (" / "
# as for inscription lines), two or more a paragraph
_BR = re.compile(r"(?:\s*<br\s*/?>\s*)+", re.IGNORECASE)
_BR_PARAGRAPH = re.compile(r"\s*<br\s*/?>(?:\s*<br\s*/?>)+\s*", re.IGNORECASE)


def _clean(text: str | None) -> str:
    if not text:
        return ""
    if "<" in text:
        text = _BR.sub(" / ", text)
    return " ".join(text.split())


def _text_of(el: etree._Element | None) -> str:
    return _clean("".join(el.itertext())) if el is not None else ""


def _lang(el: etree._Element) -> str | None:
    value = el.get(XML_LANG)
    return normalise_code(value) if value else None


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return list(seen)


def _children(el: etree._Element | None, name: str) -> list[etree._Element]:
    return [] if el is None else list(el.iterchildren(f"{L}{name}"))


def _child(el: etree._Element | None, name: str) -> etree._Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _path(el: etree._Element | None, *names: str) -> list[etree._Element]:
    nodes = [] if el is None else [el]
    for name in names:
        nodes = [c for n in nodes for c in _children(n, name)]
    return nodes


def _in_lang(els: list[etree._Element], lang: str | None) -> list[etree._Element]:
    """Elements in the record language or without one; all of them if none match."""
    if lang is None:
        return els
    matching = [e for e in els if _lang(e) in (None, lang)]
    return matching or els


def labels(concept: etree._Element | None, lang: str | None) -> list[str]:
    """Labels of a LIDO concept element (term, skos:prefLabel) in the record language."""
    if concept is None:
        return []
    terms = [t for t in _children(concept, "term") if t.get(f"{L}addedSearchTerm") != "yes"]
    pref = concept.findall("skos:Concept/skos:prefLabel", NS)
    chosen = _in_lang(terms, lang) if terms else _in_lang(pref, lang)
    if not chosen:
        chosen = _children(concept, "term")[:1]
    ids = {_clean(c.text) for c in _children(concept, "conceptID")}
    out = []
    for t in chosen:
        value = _clean(t.text)
        if value in ids:  # a notation (Iconclass "23 D 42"): its first added term says it
            added = _added_terms(concept)
            value = added[0] if added else value
        if "( )" in value:
            value = value.replace("( )", f"({_bracket_text(concept)})", 1)
        out.append(value)
    return _unique(out)


def _bracket_text(concept: etree._Element) -> str:
    """What fills an Iconclass key's empty bracket: "trees ( )" is a label for every
    "25G3(...)"; the record names the tree in the notation ("25G3(Bitter Orange-Tree)") and in
    an added search term. A blank bracket is kept when neither says it."""
    for note in concept.iterfind("skos:Concept/skos:notation", NS):
        m = re.search(r"\((.*[^\s)].*)\)\s*$", _clean(note.text))
        if m:
            return m[1].strip()
    added = _added_terms(concept)
    return added[0] if added else " "


def _added_terms(concept: etree._Element) -> list[str]:
    """The concept's added search terms (lido:addedSearchTerm="yes"), as written."""
    return [
        _clean(a.text)
        for a in _children(concept, "term")
        if a.get(f"{L}addedSearchTerm") == "yes" and _clean(a.text)
    ]


def _concept_ids(concept: etree._Element | None) -> list[str]:
    if concept is None:
        return []
    ids = [_clean(c.text) for c in _children(concept, "conceptID")]
    ids += [
        c.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about") or ""
        for c in concept.findall("skos:Concept", NS)
    ]
    return [i for i in ids if i]


def _appellations(el: etree._Element | None, lang: str | None) -> list[str]:
    """appellationValue texts, preferred ones first, in the record language."""
    return _preferred_first(_children(el, "appellationValue"), lang)


def _preferred_first(values: list[etree._Element], lang: str | None) -> list[str]:
    """Texts of appellationValues in the record language, the preferred ones first."""
    values = _in_lang(values, lang)
    preferred = [v for v in values if v.get(f"{L}pref", "preferred") in _PREFERRED]
    rest = [v for v in values if v not in preferred]
    return _unique(_clean(v.text) for v in preferred + rest)


def _actor_name(actor: etree._Element | None, lang: str | None) -> str:
    """The preferred name of an actor over all its nameActorSets, else its first name.

    Exports give one nameActorSet per authority (KMSKA: an "alternate" local form first, then
    the VIAF and RKD forms marked "preferred"); the first preferred appellation wins.
    """
    names = _preferred_first(
        [v for ns in _children(actor, "nameActorSet") for v in _children(ns, "appellationValue")],
        lang,
    )
    return names[0] if names else ""


# --- events ----------------------------------------------------------------------------------


@dataclass
class _Event:
    type_labels: list[str]
    is_production: bool
    display_date: str
    earliest: str
    latest: str
    date_types: list[str]
    actors: list[tuple[str, str]]  # (name, role)
    places: list[str]
    materials: list[str]
    culture: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [self.type_labels[0] if self.type_labels else "event"]
        when = self.display_date or "/".join(_unique([self.earliest, self.latest]))
        if when:
            parts.append(when)
        parts += [f"{n} ({r})" if r else n for n, r in self.actors]
        parts += self.places + self.materials
        return ": ".join(parts[:1]) + (" " + ", ".join(parts[1:]) if parts[1:] else "")


def _event(ev: etree._Element, lang: str | None, production: frozenset[str]) -> _Event:
    etype = _child(ev, "eventType")
    type_labels = labels(etype, lang)
    keys = {t.lower() for t in _concept_ids(etype)}
    keys |= {_clean(t.text).lower() for t in _children(etype, "term")}
    keys |= (
        {_clean(t.text).lower() for t in etype.findall("skos:Concept/skos:prefLabel", NS)}
        if etype is not None
        else set()
    )
    ev_date = _child(ev, "eventDate")
    display = _clean(
        " ".join(_clean(d.text) for d in _in_lang(_children(ev_date, "displayDate"), lang)[:1])
    )
    date_el = _child(ev_date, "date")
    earliest_el, latest_el = _child(date_el, "earliestDate"), _child(date_el, "latestDate")
    actors = []
    for air in _path(ev, "eventActor", "actorInRole"):
        name = _actor_name(_child(air, "actor"), lang)
        if not name:
            name = _text_of(_child(air.getparent(), "displayActorInRole"))
        role = ", ".join(labels(_child(air, "roleActor"), lang))
        if name:
            actors.append((name, role))
    for ea in _children(ev, "eventActor"):  # display form only, no actorInRole
        if not _children(ea, "actorInRole"):
            display_name = _text_of(_child(ea, "displayActorInRole"))
            if display_name:
                actors.append((display_name, ""))
    places = []
    for ep in _children(ev, "eventPlace"):
        shown = _in_lang(_children(ep, "displayPlace"), lang)
        names: list[str] = []
        for nps in _path(ep, "place", "namePlaceSet"):
            names += _appellations(nps, lang)
        place = _clean(shown[0].text) if shown else (names[0] if names else "")
        if place:
            places.append(place)
    materials: list[str] = []
    for emt in _children(ev, "eventMaterialsTech"):
        shown = _in_lang(_children(emt, "displayMaterialsTech"), lang)
        if shown:
            materials += [_clean(s.text) for s in shown]
        else:
            for tmt in _path(emt, "materialsTech", "termMaterialsTech"):
                materials += labels(tmt, lang)
    date_types = [
        (e.get(f"{L}type") or "").lower() for e in (earliest_el, latest_el) if e is not None
    ]
    return _Event(
        type_labels=type_labels,
        is_production=bool(keys & production),
        display_date=display,
        earliest=_clean(earliest_el.text) if earliest_el is not None else "",
        latest=_clean(latest_el.text) if latest_el is not None else "",
        date_types=date_types,
        actors=actors,
        places=_unique(places),
        materials=_unique(m for m in materials if m),
        culture=[x for c in _children(ev, "culture") for x in labels(c, lang)],
        periods=[x for c in _children(ev, "periodName") for x in labels(c, lang)],
    )


def _precision(start: dt.date, end: dt.date) -> str:
    """day, month or year when the interval is exactly one of them, else range."""
    if start == end:
        return "day"
    whole_month = start.day == 1 and (end + dt.timedelta(days=1)).day == 1
    if whole_month and (start.year, start.month) == (end.year, end.month):
        return "month"
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return "year" if start.year == end.year else "range"
    return "range"


def _event_date(events: list[_Event], plausible: tuple[int, int]) -> tuple[dates.DateInfo, str]:
    """The production date interval and its date_text (rule in the module docstring)."""
    displays = _unique(e.display_date for e in events)
    starts, ends = [], []
    flags: list[str] = []
    approximate = any(
        t.endswith(_APPROX_TYPES) or "estimat" in t or "approx" in t
        for e in events
        for t in e.date_types
    )
    for e in events:
        first = _bound(e.earliest, plausible, flags)
        last = _bound(e.latest, plausible, flags)
        if first is None or not first.known:
            first = last
        if last is None or not last.known:
            last = first
        if first is None or not first.known or last is None or not last.known:
            continue
        if first.start is not None and last.end is not None:
            starts.append(first.start)
            ends.append(last.end)
    shown = dates.parse_date("; ".join(displays), plausible=plausible) if displays else None
    # the earliest/latest dates as written, the date_text when there is no displayDate
    bounds_text = "; ".join(
        "/".join(_unique([e.earliest, e.latest])) for e in events if e.earliest or e.latest
    )
    if shown is not None and shown.approximate:
        approximate = True
    if starts:
        start, end = min(starts), max(ends)
        precision = _precision(start, end)
        # museum-digital writes the year in earliest/latestDate and the day in displayDate
        # ("10.03.1869", 1869..1869): an exact day or month inside the bounds is kept
        if (
            shown is not None
            and shown.start is not None
            and shown.end is not None
            and not shown.approximate
            and shown.precision in ("day", "month")
            and start <= shown.start
            and shown.end <= end
        ):
            start, end, precision = shown.start, shown.end, shown.precision
        info = dates.from_dates(
            start,
            end,
            precision,
            approximate=approximate,
            flags=tuple(_unique(flags)),
        )
        return info, "; ".join(displays) or bounds_text
    if shown is not None:
        if not shown.known and not shown.flags:
            flags.append("unparsed")  # a displayDate ingest.dates does not read ("83 a.Chr.")
        flags = _unique([*shown.flags, *flags])
        return dataclasses.replace(shown, flags=tuple(flags)), "; ".join(displays)
    return dates.DateInfo(flags=tuple(_unique(flags))), bounds_text


def _bound(text: str, plausible: tuple[int, int], flags: list[str]) -> dates.DateInfo | None:
    """One earliestDate/latestDate; a value that gives no date adds its reason to `flags`.

    Some exports write 0 for an unknown year (KMSKA: earliestDate 0, latestDate 0).
    """
    if not text:
        return None
    info = dates.parse_date(text, plausible=plausible)
    if not info.known:
        if info.flags:
            flags.extend(info.flags)
        elif re.fullmatch(r"-?\d+", text) and not plausible[0] <= int(text) <= plausible[1]:
            flags.append("implausible_year")
        else:
            flags.append("unparsed")
    return info


# --- one record ------------------------------------------------------------------------------


def _record_id(el: etree._Element, n: int, source: str) -> tuple[str, bool]:
    rec_id = _clean(_text_of(_child(el, "lidoRecID")))
    if rec_id:
        return rec_id, True
    digest = hashlib.sha1(f"{source}#{n}".encode(), usedforsecurity=False).hexdigest()[:16]
    return f"rec-{digest}", False


def _record(
    el: etree._Element,
    n: int,
    *,
    collection: str,
    kind: str,
    source: str,
    sha: str,
    opts: Mapping[str, Any],
) -> Record | Reject:
    local, stable = _record_id(el, n, source)
    descriptive = _children(el, "descriptiveMetadata")
    if not descriptive:
        return Reject(
            collection,
            source,
            STAGE,
            "no_descriptive_metadata",
            f"record {n} ({local}): no lido:descriptiveMetadata",
        )
    dm = descriptive[0]
    lang = _lang(dm)
    meta: dict[str, str] = {"record": str(n), "lidoRecID": local if stable else ""}
    version = (
        "1.1"
        if "v1.1"
        in (
            el.getroottree()
            .getroot()
            .get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
            or ""
        )
        else ""
    )
    if version:
        meta["lido_version"] = version
    ident = _child(dm, "objectIdentificationWrap")
    titles: list[str] = []
    for ts in _path(ident, "titleWrap", "titleSet"):
        titles += _appellations(ts, lang)
    titles = _unique(titles)
    title = titles[0] if titles else None
    other_titles = titles[1:]
    foreign = []
    for other in descriptive[1:]:
        for ts in _path(other, "objectIdentificationWrap", "titleWrap", "titleSet"):
            foreign += _appellations(ts, _lang(other))
    foreign = [t for t in _unique(foreign) if t not in titles]
    if other_titles or foreign:
        meta["other_titles"] = "; ".join(other_titles + foreign)

    classification_wrap = _child(dm, "objectClassificationWrap")
    work_types = [
        x
        for wt in _path(classification_wrap, "objectWorkTypeWrap", "objectWorkType")
        for x in labels(wt, lang)
    ]
    classes: list[str] = []
    europeana: list[str] = []
    for c in _path(classification_wrap, "classificationWrap", "classification"):
        (europeana if "europeana" in (c.get(f"{L}type") or "") else classes).extend(labels(c, lang))
    if work_types:
        meta["object_type"] = "; ".join(_unique(work_types))
    if europeana:
        meta["europeana_type"] = "; ".join(_unique(europeana))
    category = labels(_child(el, "category"), lang)
    if category:
        meta["category"] = "; ".join(category)

    events = [
        _event(ev, lang, opts["production"]) for ev in _path(dm, "eventWrap", "eventSet", "event")
    ]
    production = [e for e in events if e.is_production]
    others = [e for e in events if not e.is_production]
    authors = tuple(_unique(name for e in production for name, _role in e.actors))
    info, date_text = _event_date(production, opts["plausible_years"])
    places = _unique(p for e in production for p in e.places)
    materials = _unique(m for e in production for m in e.materials)
    for mts in _path(ident, "objectMaterialsTechWrap", "objectMaterialsTechSet"):
        shown = _in_lang(_children(mts, "displayMaterialsTech"), lang)
        materials += (
            [_clean(s.text) for s in shown]
            if shown
            else [
                x for t in _path(mts, "materialsTech", "termMaterialsTech") for x in labels(t, lang)
            ]
        )
    materials = _unique(m for m in materials if m)
    if others:
        meta["other_events"] = "\n".join(e.summary() for e in others)
    roles = [f"{r}: {n}" for e in production for n, r in e.actors if r]
    if roles:
        meta["actor_roles"] = "; ".join(_unique(roles))
    culture = _unique(c for e in production for c in e.culture + e.periods)
    if culture:
        meta["culture_period"] = "; ".join(culture)
    if materials:
        meta["materials"] = "; ".join(materials)
    if info.flags:
        meta["date_flag"] = ",".join(info.flags)

    descriptions = []
    for ds in _path(ident, "objectDescriptionWrap", "objectDescriptionSet"):
        for note in _in_lang(_children(ds, "descriptiveNoteValue"), lang):
            # line breaks inside a paragraph are the cataloguer's wrapping; blank lines part
            value = "\n\n".join(
                _clean(par)
                for par in re.split(r"\n\s*\n", _BR_PARAGRAPH.sub("\n\n", "".join(note.itertext())))
            ).strip()
            if value:
                descriptions.append(value)
    inscriptions = []
    for ins in _path(ident, "inscriptionsWrap", "inscriptions"):
        transcription = "; ".join(
            " / ".join(
                _clean(line)
                for line in normalise_space("".join(t.itertext())).splitlines()
                if _clean(line)
            )
            for t in _in_lang(_children(ins, "inscriptionTranscription"), lang)
        )
        # Deutsches Museum writes "-" for "no description": a placeholder, not text
        described = "; ".join(
            _clean(d.text)
            for d in _path(ins, "inscriptionDescription", "descriptiveNoteValue")
            if re.search(r"[^\W_]", _clean(d.text))
        )
        if transcription and described:
            inscriptions.append(f"Inscription: {transcription} ({described})")
        elif transcription or described:
            inscriptions.append(f"Inscription: {transcription or described}")
    subjects = _subjects(dm, lang)
    if subjects:
        meta["subjects"] = "\n".join(subjects)

    publisher = None
    for rs in _path(ident, "repositoryWrap", "repositorySet"):
        name = _appellations(_child(_child(rs, "repositoryName"), "legalBodyName"), lang)
        work_ids = [_clean(w.text) for w in _children(rs, "workID") if _clean(w.text)]
        where = _in_lang(_children(rs, "displayRepository"), lang)
        location = [
            x
            for nps in _path(rs, "repositoryLocation", "namePlaceSet")
            for x in _appellations(nps, lang)
        ]
        if name and publisher is None:
            publisher = name[0]
        if work_ids and "inventory_number" not in meta:
            meta["inventory_number"] = "; ".join(work_ids)
        if (where or location) and "repository_place" not in meta:
            meta["repository_place"] = _clean(where[0].text) if where else location[0]
    # SMB gives each displayObjectMeasurements in de and en ("Breite: 54 cm", "54 cm")
    measurements = [
        _clean(m.text)
        for ms in _path(ident, "objectMeasurementsWrap", "objectMeasurementsSet")
        for m in _in_lang(_children(ms, "displayObjectMeasurements"), lang)
    ]
    if any(measurements):
        meta["measurements"] = "; ".join(m for m in measurements if m)
    record_source = [
        x
        for ls in _path(el, "administrativeMetadata", "recordWrap", "recordSource")
        for x in _appellations(_child(ls, "legalBodyName"), lang)
    ]
    if record_source:
        meta["record_source"] = record_source[0]
    related = [
        _related_work(rws)
        for rws in dm.iterfind("l:objectRelationWrap/l:relatedWorksWrap/l:relatedWorkSet", NS)
    ]
    if any(related):
        meta["related_works"] = "\n".join(_unique(r for r in related if r))
    published = [_clean(p.text) for p in _children(el, "objectPublishedID") if _clean(p.text)]
    if published:
        meta["published_id"] = published[0]

    lines = [title or "", *other_titles]
    lines += [f"By {n} ({r})." if r else f"By {n}." for e in production for n, r in e.actors]
    lines = _unique(lines)  # the same actor in two production events: one line
    # a bare earliest/latest that gives no date (KMSKA's "0") stays in date_text, not the text
    if date_text and (info.known or any(e.display_date for e in production)):
        lines.append(_sentence(f"Dated {date_text}"))
    lines += [_sentence(f"Made in {p}") for p in places]
    if materials:
        lines.append(_sentence(", ".join(materials)))
    lines += descriptions + inscriptions + subjects
    text = "\n".join(line for line in lines if line)
    if not text.strip():
        return Reject(
            collection,
            source,
            STAGE,
            "no_text",
            f"record {n} ({local}): no title, actor, date, description or subject",
        )
    return Record(
        doc_id=f"{collection}:{local}",
        collection=collection,
        kind=kind,  # type: ignore[arg-type]
        text=text,
        source_path=source,
        source_format="lido",
        source_sha256=sha,
        title=title,
        authors=authors,
        language=lang,
        place=places[0] if places else None,
        publisher=publisher,
        classification="; ".join(_unique(classes)) or None,
        metadata={k: v for k, v in meta.items() if v},
        **info.record_fields(date_text or None),
    )


def _related_work(rws: etree._Element) -> str:
    """What a relatedWorkSet shows: its displayRelatedWork (the 1.1 examples), else the LIDO 1.0
    relatedWork/displayObject, else the notes on the object (Deutsches Museum: the patents
    "Scherbius, Arthur Dr. (Berlin), Chiffrier-oder Dechiffriermaschine., 1921")."""
    shown = _text_of(_child(rws, "displayRelatedWork"))
    if shown:
        return shown
    work = _child(rws, "relatedWork")
    shown = _text_of(_child(work, "displayObject"))
    if shown:
        return shown
    # KENOM types each note (lido:type="type": "Objekt", "Literatur", "Sammlung"); the type
    # qualifies the other notes and a related object with no other note is named by its ID
    notes = _path(work, "object", "objectNote")
    kinds = _unique(_text_of(n) for n in notes if n.get(f"{L}type") == "type")
    said = "; ".join(
        x for x in _unique(_text_of(n) for n in notes if n.get(f"{L}type") != "type") if x
    )
    if not said:
        ids = [_text_of(i) for i in _path(work, "object", "objectID")]
        links = [_text_of(w) for w in _path(work, "object", "objectWebResource")]
        said = next((x for x in ids + links if x), "")
    kind = "; ".join(k for k in kinds if k)
    return f"{said} ({kind})" if said and kind else said


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _subjects(dm: etree._Element, lang: str | None) -> list[str]:
    """One line per subjectSet (rule 9 of the module docstring)."""
    lines = []
    for ss in dm.iterfind("l:objectRelationWrap/l:subjectWrap/l:subjectSet", NS):
        shown = _in_lang(_children(ss, "displaySubject"), lang)
        if shown:
            lines += [_clean(s.text) for s in shown]
            continue
        parts: list[str] = []
        for subject in _children(ss, "subject"):
            for child in subject:
                name = localname(child)
                if name == "subjectConcept":
                    parts += labels(child, lang)
                elif name in ("subjectActor", "subjectPlace", "subjectEvent", "subjectObject"):
                    shown_child = [c for c in child if localname(c).startswith("display")]
                    if shown_child:
                        parts.append(_text_of(shown_child[0]))
                    else:
                        parts += [_clean(a.text) for a in child.iter(f"{L}appellationValue")][:1]
                elif name == "subjectDate":
                    parts.append(_text_of(_child(child, "displayDate")) or _text_of(child))
        parts = [p for p in _unique(parts) if p]
        if parts:
            lines.append("; ".join(parts))
    return _unique(lines)
