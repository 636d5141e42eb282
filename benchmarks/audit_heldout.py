"""Held-out audit (issue 3): run the TEI and Tate adapters over the full bench corpora and check
every record against the source itself, read independently with lxml xpath / json.

    nice -n 10 .venv/bin/python benchmarks/audit_heldout.py [--cache /tmp/heldout] [--out F.json]

Corpora: /work/shared/bench (FRUS, ELTeC-fra, ELTeC-eng, FreDraCor, Tate; bench/README.md).
The archives are extracted once into --cache (never into the repository). Prints a Markdown
summary per corpus; --out writes every count and every mismatch (file, value) as JSON.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest import get_adapter  # noqa: E402
from ingest.record import Record, Reject  # noqa: E402

logger = logging.getLogger(__name__)

BENCH = ROOT.parent / "shared" / "bench"
TEI = "http://www.tei-c.org/ns/1.0"
FRUS = "http://history.state.gov/frus/ns/1.0"
NS = {"t": TEI, "frus": FRUS}
ARCHIVES = {
    "frus": "frus.tar.gz",
    "eltec-fra": "eltec-fra.tar.gz",
    "eltec-eng": "eltec-eng.tar.gz",
    "fredracor": "fredracor.tar.gz",
}
TATE = "tate-artworks.jsonl.gz"
# the word definition of the audit: letters/digits with inner hyphens or apostrophes
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
# Documents in a FRUS volume may predate its year (the 1919 Paris Peace Conference volumes
# print 1918 papers; annual volumes print enclosures of earlier years): accepted window.
FRUS_YEARS_BEFORE, FRUS_YEARS_AFTER = 15, 1
WORD_TOLERANCE = 0.03  # ELTeC / DraCor: record words within 3 % of the body's own count


# ---------------------------------------------------------------- extraction


def extract(archive: Path, cache: Path) -> Path:
    """Extract one bench archive into `cache` (once; a marker file records completion)."""
    marker = cache / f".{archive.name}.done"
    if not marker.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            tar.extractall(cache, filter="data")
        marker.write_text("ok\n")
    return cache


def corpus_dir(name: str, cache: Path, bench: Path = BENCH) -> Path:
    """The extracted folder of one corpus (frus/volumes, eltec-*/level1, fredracor/tei)."""
    extract(bench / ARCHIVES[name], cache)
    sub = {"frus": "frus/volumes", "fredracor": "fredracor/tei"}.get(name, f"{name}/level1")
    return cache / sub


# ---------------------------------------------------------------- independent readers


def read_tree(path: Path) -> etree._Element:
    """The source parsed with lxml alone (no entities, no network), for independent checks."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return etree.parse(str(path), parser).getroot()


def count_words(text: str) -> int:
    return sum(1 for _ in _WORD.finditer(text))


def body_words(tei: etree._Element) -> int:
    """Words of text/body (every <text> of a group) minus notes, speakers kept."""
    skip = {f"{{{TEI}}}{n}" for n in ("note", "fw", "figDesc")}

    def walk(el: etree._Element) -> int:
        if not isinstance(el.tag, str) or el.tag in skip:
            return 0
        n = count_words(el.text or "")
        for child in el:
            n += walk(child) + count_words(child.tail or "")
        return n

    return sum(walk(b) for b in tei.xpath("t:text//t:body[not(ancestor::t:body)]", namespaces=NS))


def div_words(div: etree._Element) -> int:
    """Words of a FRUS document division minus its own heads, notes and margin notes."""
    skip = {f"{{{TEI}}}{n}" for n in ("note", "fw", "figDesc")}
    # hold the elements: an lxml proxy's id() is reused once it is garbage
    heads = {c for c in div if c.tag == f"{{{TEI}}}head"}

    def walk(el: etree._Element) -> int:
        if (not isinstance(el.tag, str) or el.tag in skip or el in heads
                or (el.tag == f"{{{TEI}}}seg" and el.get("type") == "margin")):
            return 0
        n = count_words(el.text or "")
        for child in el:
            n += walk(child) + count_words(child.tail or "")
        return n

    return walk(div)


def year_of(value: str | None) -> int | None:
    m = re.search(r"(?<!\d)(\d{4})(?!\d)", value or "")
    return int(m[1]) if m else None


def run_adapter(fmt: str, path: Path, root: Path, collection: str, kind: str,
                **options: Any) -> tuple[list[Record], list[Reject], str | None]:
    """All records and rejects of one unit; a SourceError becomes the third value."""
    adapter = get_adapter(fmt)
    records: list[Record] = []
    rejects: list[Reject] = []
    try:
        for item in adapter.parse(path, root=root, collection=collection, kind=kind, **options):
            (records if isinstance(item, Record) else rejects).append(item)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - the audit reports every failure
        return records, rejects, f"{type(exc).__name__}: {exc}"
    return records, rejects, None


def share(n: int, total: int) -> float:
    return round(100.0 * n / total, 2) if total else 0.0


# ---------------------------------------------------------------- FRUS


def frus_expected(path: Path) -> dict[str, dict[str, Any]]:
    """Top-level document divisions of a volume: xml:id -> independent facts."""
    root = read_tree(path)
    out: dict[str, dict[str, Any]] = {}
    docs = root.xpath(
        "//t:div[@type='document' or @subtype='historical-document']"
        "[not(ancestor::t:div[@type='document' or @subtype='historical-document'])]",
        namespaces=NS,
    )
    for i, div in enumerate(docs, 1):
        xml_id = div.get("{http://www.w3.org/XML/1998/namespace}id") or f"doc{i}"
        when = div.xpath(
            "(.//t:dateline[not(ancestor::t:note)][not(ancestor::t:attachment)]//t:date/@when)[1]",
            namespaces=NS,
        )
        head = div.xpath("string(t:head[1])", namespaces=NS)
        dateline = div.xpath(
            "string((.//t:dateline[not(ancestor::t:note)][not(ancestor::t:attachment)])[1])",
            namespaces=NS,
        )
        out[xml_id] = {
            "head": " ".join(str(head).split()),
            "dateline": " ".join(str(dateline).split()),
            "words": div_words(div),
            "when": str(when[0]) if when else None,
            "min": div.get(f"{{{FRUS}}}doc-dateTime-min"),
            "max": div.get(f"{{{FRUS}}}doc-dateTime-max"),
            "type": div.get("type"),
        }
    return out


def audit_frus_volume(path: Path, root: Path) -> dict[str, Any]:
    """Records vs document divisions, date coverage and plausibility, people, place, texts."""
    volume_year = year_of(path.stem) or 0
    lo, hi = volume_year - FRUS_YEARS_BEFORE, volume_year + FRUS_YEARS_AFTER
    expected = frus_expected(path)
    records, rejects, error = run_adapter("tei", path, root, "frus", "cable", profile="frus")
    n_divs = len(expected)
    out: dict[str, Any] = {
        "file": path.name,
        "document_divs": n_divs,
        "records": len(records),
        "rejects": [f"{r.reason}: {r.detail}" for r in rejects],
        "error": error,
        "mismatches": [],
    }
    m = out["mismatches"]
    got_ids = {r.doc_id.rsplit("/", 1)[-1] for r in records}
    for missing in sorted(set(expected) - got_ids):
        m.append({"doc": missing, "problem": "no_record"})
    dated = flagged = no_date = 0
    sources: Counter[str] = Counter()
    word_pairs: list[tuple[int, int]] = []
    undated_why: Counter[str] = Counter()
    for r in records:
        doc = r.doc_id.rsplit("/", 1)[-1]
        exp = expected.get(doc, {})
        flag = r.metadata.get("date_flag")
        where = r.metadata.get("date_source", "none")
        sources[where] += 1
        written = f"{exp.get('head', '')} {exp.get('dateline', '')}"
        if r.date_start is not None:
            dated += 1
            src = exp.get("when") or exp.get("min")
            if not (lo <= r.date_start.year and r.date_end.year <= hi):  # type: ignore[union-attr]
                # an older paper printed in the volume: fine when the source encodes that year
                confirmed = year_of(src) == r.date_start.year or str(r.date_start.year) in written
                m.append({"doc": doc, "problem": "outside_volume_range_"
                          + ("as_in_source" if confirmed else "UNCONFIRMED"),
                          "value": f"{r.date_text!r} -> {r.date_start}..{r.date_end}"})
            src_year = year_of(src)
            if src_year and src_year != r.date_start.year and lo <= src_year <= hi:
                m.append({"doc": doc, "problem": "date_differs_from_source",
                              "value": f"record {r.date_start} vs source {src}"})
            if where in ("head", "dateline_text") and str(r.date_start.year) not in written:
                m.append({"doc": doc, "problem": "year_not_written_in_head_or_dateline",
                          "value": f"{r.date_text!r} -> {r.date_start}"})
        else:
            years = [y for y in map(int, re.findall(r"(?<!\d)(1[6-9]\d\d)(?!\d)", written))
                     if lo <= y <= hi]
            why = ("when_implausible" if flag and "implausible" in flag else
                   "year_in_head_or_dateline" if years else
                   "dateline_without_year" if exp.get("dateline") else "no_dateline_no_year")
            undated_why[why] += 1
            if flag:
                flagged += 1
            else:
                no_date += 1
            if why in ("year_in_head_or_dateline", "when_implausible"):
                m.append({"doc": doc, "problem": f"undated:{why}",
                          "value": f"date_text={r.date_text!r} head={exp.get('head', '')[:90]!r}"})
        if not r.text.strip():
            m.append({"doc": doc, "problem": "empty_text"})
        src_words = exp.get("words", 0)
        if src_words and abs(r.n_words - src_words) > max(3, WORD_TOLERANCE * src_words):
            m.append({"doc": doc, "problem": "words_differ",
                      "value": f"record {r.n_words} vs division {src_words}"})
        word_pairs.append((r.n_words, src_words))
    n = len(records)
    out.update({
        "dated": dated,
        "date_flagged": flagged,
        "no_date": no_date,
        "date_coverage_pct": share(dated, n),
        "sender_pct": share(sum(1 for r in records if r.sender), n),
        "recipient_pct": share(sum(1 for r in records if r.recipient), n),
        "place_pct": share(sum(1 for r in records if r.place), n),
        "empty_text": sum(1 for r in records if not r.text.strip()),
        "words": sum(r.n_words for r in records),
        "division_words": sum(w for _, w in word_pairs),
        "words_differ": sum(1 for x in m if x["problem"] == "words_differ"),
        "volume_range": [lo, hi],
        "date_sources": dict(sources),
        "undated_why": dict(undated_why),
    })
    return out


# ---------------------------------------------------------------- ELTeC


def eltec_expected(path: Path) -> dict[str, Any]:
    """Header facts of one ELTeC novel, read with xpath only."""
    tei = read_tree(path)
    h = tei.find(f"{{{TEI}}}teiHeader")

    def first(xp: str) -> Any:
        found = h.xpath(xp, namespaces=NS) if h is not None else []
        return found[0] if found else None

    title = first("t:fileDesc/t:titleStmt/t:title")
    date = first("t:fileDesc/t:sourceDesc//t:bibl[@type='firstEdition']/t:date")
    no_first_edition = date is None or not ("".join(date.itertext()).strip() or date.get("when"))
    if no_first_edition:  # only the print source is described: its date is the first known
        date = first("t:fileDesc/t:sourceDesc//t:bibl[@type='printSource']/t:date")
    years: list[int] = []
    if date is not None:
        written = date.get("when") or "".join(date.itertext())
        years = [int(y) for y in re.findall(r"(?<!\d)(\d{4})(?!\d)", written)]
    year = min(years) if years else None
    lang = first("t:profileDesc/t:langUsage/t:language/@ident") or tei.get(
        "{http://www.w3.org/XML/1998/namespace}lang"
    )
    authors = h.xpath("t:fileDesc/t:titleStmt/t:author", namespaces=NS) if h is not None else []
    measure = first("t:fileDesc/t:extent/t:measure[@unit='words']")
    return {
        "title": " ".join("".join(title.itertext()).split()) if title is not None else None,
        "first_edition_year": year,
        "first_edition_last_year": max(years) if years else None,
        "no_first_edition_bibl": no_first_edition,
        "first_edition_text": " ".join("".join(date.itertext()).split()) if date is not None
        else None,
        "language": str(lang)[:2].lower() if lang else None,
        "n_authors": len(authors),
        "author_surname": _surname(authors[0]) if authors else None,
        "body_words": body_words(tei),
        "header_words": int(measure.text) if measure is not None and (measure.text or "")
        .strip().isdigit() else None,
    }


def _surname(author: etree._Element) -> str:
    text = " ".join("".join(author.itertext()).split())
    text = re.sub(r"\s*\(.*$", "", text)  # life dates "(1812-1870)"
    return text.split(",")[0].strip() if "," in text else (text.split() or [""])[-1]


def audit_book(path: Path, root: Path, profile: str) -> dict[str, Any]:
    """One ELTeC novel or DraCor play: header facts equal, text present and of the right size."""
    collection = {"eltec": "eltec", "dracor": "fredracor"}[profile]
    records, rejects, error = run_adapter("tei", path, root, collection, "book", profile=profile)
    exp = eltec_expected(path) if profile == "eltec" else dracor_expected(path)
    row: dict[str, Any] = {"file": path.name, "error": error,
                           "rejects": [f"{r.reason}: {r.detail}" for r in rejects],
                           "problems": []}
    p = row["problems"]
    if len(records) != 1:
        p.append(f"records={len(records)}")
        return row
    r = records[0]
    row.update({"title": r.title, "year": r.year, "n_words": r.n_words,
                "date_rule": r.metadata.get("date_rule"),
                "body_words": exp["body_words"], "language": r.language,
                "authors": list(r.authors), "date_text": r.date_text})
    if not r.title:
        p.append("no_title")
    elif exp["title"] and not _title_matches(r.title, exp["title"]):
        p.append(f"title {r.title!r} vs header {exp['title']!r}")
    if not r.authors:
        p.append("no_author")
    elif exp.get("author_surname") and not any(
        exp["author_surname"].lower() in a.lower() for a in r.authors
    ):
        p.append(f"author {list(r.authors)} vs header surname {exp['author_surname']!r}")
    if profile == "eltec":
        row["no_first_edition_bibl"] = exp["no_first_edition_bibl"]
        if r.year is None:
            p.append(f"no year (header first edition {exp['first_edition_text']!r})")
        elif (r.date_start.year, r.date_end.year) != (  # type: ignore[union-attr]
            exp["first_edition_year"], exp["first_edition_last_year"]
        ):
            p.append(f"year {r.year} ({r.date_text!r}) vs header first edition "
                     f"{exp['first_edition_year']} ({exp['first_edition_text']!r})")
    else:
        if r.year != exp["year"]:
            p.append(f"year {r.year} ({r.metadata.get('date_rule')}) vs DraCor rule "
                     f"{exp['year']} ({exp['rule']}); events {exp['events']}")
        row["n_sp"] = exp["n_sp"]
        if exp["n_sp"] == 0:
            row["no_speeches"] = True  # pantomime or ballet: stage directions only
        missing = _missing_in_order(r.text, exp["speakers"])
        row["speaker_turns_found"] = len(exp["speakers"]) - len(missing)
        if missing:
            p.append(f"{len(missing)} of {len(exp['speakers'])} speaker turns not in the text "
                     f"in order, first {missing[0]!r}")
    if not r.language:
        p.append("no_language")
    elif exp["language"] and r.language != exp["language"]:
        p.append(f"language {r.language} vs header {exp['language']}")
    if not r.text.strip():
        p.append("empty_text")
    bw = exp["body_words"]
    if bw and abs(r.n_words - bw) / bw > WORD_TOLERANCE:
        p.append(f"words {r.n_words} vs body {bw} ({100 * (r.n_words - bw) / bw:+.1f} %)")
    row["word_diff_pct"] = round(100 * (r.n_words - bw) / bw, 2) if bw else None
    return row


def _missing_in_order(text: str, needles: list[str]) -> list[str]:
    """The needles not found in `text` one after the other (speaker turns in reading order)."""
    missing, pos = [], 0
    for needle in needles:
        if not needle:
            continue
        at = text.find(needle, pos)
        if at < 0:
            missing.append(needle)
        else:
            pos = at + len(needle)
    return missing


def _title_matches(record_title: str, header_title: str) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"\W+", " ", s).strip().lower()

    a, b = norm(record_title), norm(header_title)
    return a == b or b.startswith(a) or a.startswith(b)


# ---------------------------------------------------------------- DraCor


def dracor_year(events: dict[str, tuple[int | None, int | None]]) -> tuple[int | None, str]:
    """DraCor's yearNormalized rule, written from its documentation, not from ingest/tei.py.

    The earlier of print and premiere; the written year instead when it is more than 10 years
    before that, or when neither exists (a writing period counts by its last year).
    """
    published = [(v[0], k) for k, v in events.items() if k in ("print", "premiere") and v[0]]
    written = events.get("written", (None, None))
    w = written[1] or written[0]
    if published:
        year, kind = min(published)
        if w is not None and year - w > 10:
            return w, "written"
        return year, kind
    if w is not None:
        return w, "written"
    return None, "none"


def dracor_expected(path: Path) -> dict[str, Any]:
    tei = read_tree(path)
    h = tei.find(f"{{{TEI}}}teiHeader")
    events: dict[str, tuple[int | None, int | None]] = {}
    raw: dict[str, str] = {}
    for ev in tei.xpath("t:standOff/t:listEvent/t:event", namespaces=NS):
        typ = ev.get("type") or "event"
        if typ in events:
            continue
        when = ev.get("when")
        lo, hi = ev.get("notBefore"), ev.get("notAfter")
        raw[typ] = when or f"{lo}/{hi}"
        events[typ] = (year_of(when or lo or hi), year_of(when or hi or lo))
    year, rule = dracor_year(events)
    title = tei.xpath("t:teiHeader/t:fileDesc/t:titleStmt/t:title[@type='main']", namespaces=NS)
    title = title or tei.xpath("t:teiHeader/t:fileDesc/t:titleStmt/t:title", namespaces=NS)
    authors = h.xpath("t:fileDesc/t:titleStmt/t:author", namespaces=NS) if h is not None else []
    surname = None
    if authors:
        sn = authors[0].xpath(".//t:surname", namespaces=NS)
        pers = authors[0].xpath("t:persName", namespaces=NS)
        surname = (" ".join("".join(sn[0].itertext()).split()) if sn
                   else _surname(pers[0]) if pers else _surname(authors[0]))
    lang = tei.get("{http://www.w3.org/XML/1998/namespace}lang")
    return {
        "title": " ".join("".join(title[0].itertext()).split()) if title else None,
        "author_surname": surname,
        "year": year,
        "rule": rule,
        "events": raw,
        "n_sp": len(tei.xpath("//t:sp", namespaces=NS)),
        "speakers": [
            " ".join("".join(sp.itertext()).split())
            for sp in tei.xpath("t:text//t:body//t:sp/t:speaker", namespaces=NS)
        ],
        "language": str(lang)[:2].lower() if lang else None,
        "body_words": body_words(tei),
    }


# ---------------------------------------------------------------- Tate


def tate_lines(path: Path) -> Iterator[tuple[int, dict[str, Any] | None]]:
    with gzip.open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            if raw.strip():
                try:
                    yield n, json.loads(raw)
                except ValueError:
                    yield n, None


def audit_tate(path: Path, limit: int | None = None) -> dict[str, Any]:
    """Records == input objects; years vs dateRange; empty texts; rejects."""
    source: dict[str, dict[str, Any]] = {}
    n_lines = 0
    for n, obj in tate_lines(path):
        if limit and n > limit:
            break
        n_lines += 1
        if obj is not None:
            source[str(obj.get("acno"))] = obj
    adapter = get_adapter("tate")
    records: list[Record] = []
    rejects: list[Reject] = []
    for item in adapter.parse(path, root=path.parent, collection="tate", kind="museum"):
        if isinstance(item, Record):
            line = int(item.metadata.get("line", "0"))
            if limit and line > limit:
                break
            records.append(item)
        else:
            if limit and _reject_line(item) > limit:
                break
            rejects.append(item)
    out: dict[str, Any] = {"input_lines": n_lines, "records": len(records),
                           "rejects": Counter(r.reason for r in rejects),
                           "reject_details": [r.detail for r in rejects][:50]}
    mism: list[dict[str, Any]] = []
    by_source: Counter[str] = Counter()
    no_date_with_range = malformed = unknown_with_range = 0
    for r in records:
        obj = source.get(r.metadata.get("acno", ""), {})
        rng = obj.get("dateRange") or {}
        start, end = _source_year(rng.get("startYear")), _source_year(rng.get("endYear"))
        if isinstance(rng.get("startYear"), str):
            malformed += 1  # Tate wrote a date text into the year field: "c.1997-9"
        by_source[r.metadata.get("date_source", "none")] += 1
        if not r.text.strip():
            mism.append({"acno": obj.get("acno"), "problem": "empty_text"})
        if r.date_start is None:
            if start is not None and _text_of(obj.get("dateText")) in ("date not known", ""):
                # the 2014 dump gives every "date not known" work the same dateRange 1814-1825
                # (text null): a placeholder, rightly not used
                unknown_with_range += 1
            elif start is not None:
                no_date_with_range += 1
                mism.append({"acno": obj.get("acno"), "problem": "no_date_but_dateRange",
                             "value": f"{obj.get('dateText')!r} range {start}-{end}"})
            continue
        if start is None:
            continue
        end = end if end is not None else start
        got = (r.date_start.year, r.date_end.year)  # type: ignore[union-attr]
        if got != (int(start), int(end)):
            # inside the source range counts as agreeing when dateText is more precise
            inside = int(start) <= got[0] and got[1] <= int(end)
            mism.append({"acno": obj.get("acno"),
                         "problem": "year_inside_range" if inside else "year_differs",
                         "value": f"{obj.get('dateText')!r} -> {got} vs dateRange "
                                  f"{start}-{end} ({rng.get('text')!r})"})
    n = len(records)
    dated = sum(1 for r in records if r.date_start is not None)
    src_dated = sum(1 for o in source.values() if (o.get("dateRange") or {}).get("startYear"))
    out.update({
        "dated": dated,
        "date_coverage_pct": share(dated, n),
        "source_with_dateRange": src_dated,
        "date_source": dict(by_source),
        "year_differs": sum(1 for x in mism if x["problem"] == "year_differs"),
        "year_inside_range": sum(1 for x in mism if x["problem"] == "year_inside_range"),
        "no_date_but_dateRange": no_date_with_range,
        "source_dateRange_as_text": malformed,
        "date_not_known_with_placeholder_dateRange": unknown_with_range,
        "empty_text": sum(1 for x in mism if x["problem"] == "empty_text"),
        "missing_records": n_lines - n - len(rejects),
        "mismatches": mism,
    })
    out["rejects"] = dict(out["rejects"])
    return out


def _text_of(value: Any) -> str:
    return " ".join(str(value or "").split()).lower()


def _source_year(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    return year_of(str(value)) if value is not None else None


def _reject_line(r: Reject) -> int:
    m = re.match(r"line (\d+)", r.detail)
    return int(m[1]) if m else 0


# ---------------------------------------------------------------- driver


def summarise_books(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    ok = [r for r in rows if not r["problems"] and not r["error"]]
    diffs = [abs(r["word_diff_pct"]) for r in rows if r.get("word_diff_pct") is not None]
    return {
        "files": n,
        "records": sum(1 for r in rows if "n_words" in r),
        "all_checks_pass": len(ok),
        "with_year": sum(1 for r in rows if r.get("year")),
        "dated_from_print_source": sum(1 for r in rows if r.get("no_first_edition_bibl")),
        "with_title": sum(1 for r in rows if r.get("title")),
        "with_author": sum(1 for r in rows if r.get("authors")),
        "max_word_diff_pct": max(diffs) if diffs else None,
        "mean_word_diff_pct": round(sum(diffs) / len(diffs), 3) if diffs else None,
        "problems": {r["file"]: r["problems"] + ([r["error"]] if r["error"] else [])
                     for r in rows if r["problems"] or r["error"]},
    }


def audit_all(cache: Path, only: Iterable[str] | None = None) -> dict[str, Any]:
    wanted = set(only or ("frus", "eltec-fra", "eltec-eng", "fredracor", "tate"))
    report: dict[str, Any] = {}
    if "frus" in wanted:
        t = time.perf_counter()
        folder = corpus_dir("frus", cache)
        vols = [audit_frus_volume(p, folder) for p in sorted(folder.glob("*.xml"))]
        report["frus"] = {"volumes": vols, "seconds": round(time.perf_counter() - t, 1)}
    for name in ("eltec-fra", "eltec-eng"):
        if name in wanted:
            t = time.perf_counter()
            folder = corpus_dir(name, cache)
            rows = [audit_book(p, folder, "eltec") for p in sorted(folder.glob("*.xml"))]
            report[name] = summarise_books(rows) | {"rows": rows,
                                                    "seconds": round(time.perf_counter() - t, 1)}
    if "fredracor" in wanted:
        t = time.perf_counter()
        folder = corpus_dir("fredracor", cache)
        rows = [audit_book(p, folder, "dracor") for p in sorted(folder.glob("*.xml"))]
        report["fredracor"] = summarise_books(rows) | {
            "rows": rows,
            "no_speeches": sorted(r["file"] for r in rows if r.get("no_speeches")),
            "speaker_turns": sum(r.get("speaker_turns_found", 0) for r in rows),
            "undated": sorted(r["file"] for r in rows if "n_words" in r and not r.get("year")),
            "date_rules": dict(Counter(str(r.get("date_rule")) for r in rows)),
            "seconds": round(time.perf_counter() - t, 1)}
    if "tate" in wanted:
        t = time.perf_counter()
        report["tate"] = audit_tate(BENCH / TATE) | {"seconds": round(time.perf_counter() - t, 1)}
    return report


def print_summary(report: dict[str, Any]) -> None:
    if "frus" in report:
        vols = report["frus"]["volumes"]
        print("## FRUS\n")
        print("| volume | divs | records | dated % | flagged | no date | sender % | recipient % "
              "| place % | empty | rejects | mismatches |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for v in vols:
            print(f"| {v['file']} | {v['document_divs']} | {v['records']} | "
                  f"{v['date_coverage_pct']} | {v['date_flagged']} | {v['no_date']} | "
                  f"{v['sender_pct']} | {v['recipient_pct']} | {v['place_pct']} | "
                  f"{v['empty_text']} | {len(v['rejects'])} | {len(v['mismatches'])} |")
        tot = sum(v["records"] for v in vols)
        print(f"\ntotal records {tot}, divs {sum(v['document_divs'] for v in vols)}, dated "
              f"{share(sum(v['dated'] for v in vols), tot)} %\n")
        for v in vols:
            for m in v["mismatches"]:
                print(f"- {v['file']} {m['doc']}: {m['problem']} {m.get('value', '')}")
            for r in v["rejects"]:
                print(f"- {v['file']} reject {r}")
    for name in ("eltec-fra", "eltec-eng", "fredracor"):
        if name in report:
            s = report[name]
            print(f"\n## {name}\n")
            print({k: v for k, v in s.items() if k not in ("rows", "problems")})
            for f, probs in s["problems"].items():
                print(f"- {f}: {'; '.join(map(str, probs))}")
    if "tate" in report:
        s = report["tate"]
        print("\n## tate\n")
        print({k: v for k, v in s.items() if k not in ("mismatches", "reject_details")})
        for m in s["mismatches"][:200]:
            print(f"- {m['acno']}: {m['problem']} {m.get('value', '')}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/heldout"))
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--only", nargs="*", default=None,
                    help="frus eltec-fra eltec-eng fredracor tate")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    report = audit_all(args.cache, args.only)
    if args.out:
        args.out.write_text(json.dumps(report, indent=1, default=str, ensure_ascii=False))
    print_summary(report)


if __name__ == "__main__":
    main()
