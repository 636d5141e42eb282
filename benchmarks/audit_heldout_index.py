"""Held-out audit on TEI files fetched from public repositories (not in ../shared): every file
is parsed as an archivist would, then checked against the source read independently with lxml.

    .venv/bin/python benchmarks/audit_heldout_index.py [--dir /tmp/heldout-tei] [--json OUT]

Checks per file: record count (one per file, per FRUS document division, per teiCorpus TEI),
title, authors, year, language, profile, the reading text's words against the source's own words
(order and multiset), spaces before commas/full stops, glued words, rejects; for plays the
speaker turns (one paragraph "SPEAKER..." per <sp>, in order), the stage directions (each one
bracketed or in its own parentheses) and DraCor's normalized year from the print/premiere/written
events. Prints a Markdown table; the `problems` column lists what failed. Round 2 (EarlyPrint,
RusDraCor, DTA letters): --dir /tmp/heldout-tei2. See docs/heldout-index-tei.md.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.audit_heldout import dracor_year as normalized_year  # noqa: E402
from ingest import get_adapter  # noqa: E402
from ingest.record import Record, Reject, SourceError  # noqa: E402

TEI = "http://www.tei-c.org/ns/1.0"
NS = {"t": TEI}
# audit's own word definition (letters/digits with inner hyphens or apostrophes)
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
# never reading text in the audit's naive extraction
_NOT_TEXT = {"teiHeader", "note", "fw", "figDesc", "standOff", "facsimile", "idno"}
_SPACED_STOP = re.compile(r"\w [,.](?=\s|$)")  # "word ," / "word ." never right in any language


def local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def naive_words(el: etree._Element, skip: set[etree._Element] | None = None) -> list[str]:
    """The source's words: all text under `el` minus header/notes/forme work; <lb/> = space."""
    out: list[str] = []

    def walk(e: etree._Element) -> None:
        name = local(e)
        if name in _NOT_TEXT or (skip and e in skip) or not isinstance(e.tag, str):
            return
        # ELTeC level 2 / EarlyPrint: one token per <w>/<pc>; their text is the token
        out.append(e.text or "")
        kids = list(e)
        if name == "choice":
            # the edited reading only (expan/corr/reg), as a reader of the edition sees it
            edited = [c for c in kids if local(c) in ("expan", "corr", "reg")]
            kids = edited[:1] or kids[:1]
        for i, c in enumerate(kids):
            walk(c)
            out.append(" " if local(c) == "lb" else "")
            tail = c.tail or ""
            nxt = kids[i + 1] if i + 1 < len(kids) else None
            # TEI @join: no word break between this token and the next
            if tail.isspace() and (
                c.get("join") in ("right", "both")
                or (nxt is not None and nxt.get("join") in ("left", "both"))
            ):
                tail = ""
            out.append(tail)

    walk(el)
    text = "".join(out)
    return _WORD.findall(text)


def first_text(root: etree._Element, xpath: str) -> str:
    for el in root.xpath(xpath, namespaces=NS):
        text = " ".join("".join(el.itertext()).split()) if isinstance(el, etree._Element) else el
        if text.strip():
            return str(text).strip()
    return ""


def dracor_year(root: etree._Element) -> str:
    """DraCor's documented "normalized year" (the rule as audit_heldout.dracor_year writes it),
    from the events in standOff, or in sourceDesc bibl/date[@type] (older files)."""
    years: dict[str, tuple[int | None, int | None]] = {}
    events = root.xpath("t:standOff/t:listEvent/t:event", namespaces=NS) or root.xpath(
        "t:teiHeader//t:sourceDesc//t:bibl/t:date[@type]", namespaces=NS
    )
    for ev in events:
        typ = ev.get("type", "")
        found = [
            int(m)
            for a in ("when", "notBefore", "notAfter")
            for m in re.findall(r"-?\d{4}", ev.get(a) or "")[:1]
        ]
        if typ in ("print", "premiere", "written") and found and typ not in years:
            years[typ] = (min(found), max(found))  # a period: first and last year
    year, _kind = normalized_year(years)
    return str(year) if year is not None else ""


def expected_year(root: etree._Element, frus_doc: etree._Element | None) -> str:
    """The year an archivist would expect, read straight from the source."""
    if frus_doc is not None:
        when = frus_doc.xpath(".//t:dateline//t:date/@when", namespaces=NS)
        return str(when[0])[:4] if when else ""
    if expected_profile(root) == "dracor":
        return dracor_year(root)
    for xp in (
        # EarlyPrint: the printed book, not the 2001 TCP transcription described before it
        "t:teiHeader//t:sourceDesc/t:biblFull[@n='printed source']//t:date"
        "[@type='publication_date']",
        "t:teiHeader//t:sourceDesc//t:bibl[@type='firstEdition']/t:date",
        "t:teiHeader//t:sourceDesc//t:bibl[@type='printSource']/t:date",
        "t:teiHeader//t:sourceDesc//t:date",
    ):
        for el in root.xpath(xp, namespaces=NS):
            value = el.get("when") or "".join(el.itertext())
            m = re.search(r"\d{4}", value)
            if m:
                return m[0]
    return ""


def expected_language(root: etree._Element) -> str:
    value = (
        first_text(root, "t:teiHeader/t:profileDesc/t:langUsage/t:language/@ident")
        or root.get("{http://www.w3.org/XML/1998/namespace}lang")
        or first_text(root, "t:text/@xml:lang")
    )
    code = (value or "").split("-")[0].lower()
    # ISO 639-2/3 as ELTeC teams write them ("SPA", "LAT"), to the ISO 639-1 records carry
    iso3 = {
        "eng": "en", "deu": "de", "ger": "de", "rus": "ru", "fra": "fr", "fre": "fr",
        "spa": "es", "srp": "sr", "ron": "ro", "rum": "ro", "por": "pt", "slv": "sl",
        "ita": "it", "hun": "hu", "pol": "pl", "ces": "cs", "cze": "cs", "nor": "no",
        "swe": "sv", "lat": "la", "ukr": "uk", "hrv": "hr", "lit": "lt", "gre": "el",
    }  # fmt: skip
    return iso3.get(code, code)


def expected_profile(root: etree._Element) -> str:
    """Which kind of TEI an archivist sees in the header (EarlyPrint/TCP, DraCor/DLINA)."""
    h = root.xpath("t:teiHeader", namespaces=NS)
    if local(root) == "teiCorpus" or not h:
        return ""
    publishers = " ".join(first_text(p, ".") for p in h[0].xpath(".//t:publisher", namespaces=NS))
    if "EarlyPrint" in publishers or "Text Creation Partnership" in publishers:
        return "tcp"
    if h[0].xpath(".//t:particDesc", namespaces=NS) and (
        root.xpath("t:standOff//t:event", namespaces=NS)
        or h[0].xpath(".//t:sourceDesc//t:bibl/t:date[@type='print']", namespaces=NS)
    ):
        return "dracor"
    return ""


def expected_authors(root: etree._Element) -> list[str]:
    """How each author's name starts: "Surname," for a catalogue heading (plain text, or a
    persName whose <surname> comes first, as DTA writes it); the forename for a persName
    written forename first (DraCor). One per author element, or per ';' part of its text."""
    out: list[str] = []
    for a in root.xpath("t:teiHeader/t:fileDesc/t:titleStmt/t:author", namespaces=NS):
        parts = a.xpath("t:persName[1]/t:*", namespaces=NS)
        if parts and {"surname", "forename"} <= {local(c) for c in parts}:
            first = first_text(parts[0], ".")
            out.append(f"{first}," if local(parts[0]) == "surname" else first)
            continue
        text = " ".join("".join(a.itertext()).split())
        out += [part.split(",")[0].strip() for part in text.split(";") if part.strip()]
    return out


def check_play(unit: etree._Element, text: str) -> tuple[dict[str, Any], list[str]]:
    """Speaker turns: one paragraph per <sp> opening with its speaker, in order; stage
    directions: each one's text in the record, bracketed or in its own parentheses."""
    sps = unit.xpath(".//t:body//t:sp", namespaces=NS)
    stages = unit.xpath(".//t:body//t:stage[not(ancestor::t:speaker)]", namespaces=NS)
    if not sps and not stages:
        return {}, []
    pos, found = 0, 0
    squeezed = re.sub(r"\s+", "", text)
    for sp in sps:
        label = " ".join("".join(sp.xpath("string(t:speaker)", namespaces=NS)).split())
        if not label:
            continue
        i = ("\n\n" + text).find("\n\n" + label, pos)
        if i >= 0:
            found += 1
            pos = i + len(label)
    with_label = sum(1 for sp in sps if sp.xpath("string(t:speaker)", namespaces=NS).strip())
    marked = 0
    for st in stages:
        # compared without spaces: tokenised texts put one <w>/<pc> per line
        s = re.sub(r"\s+", "", "".join(st.itertext()))
        if f"[{s}]" in squeezed or (s[:1] == "(" and s in squeezed):
            marked += 1
    info = {"sp": f"{found}/{with_label}", "stage": f"{marked}/{len(stages)}"}
    problems = []
    if found != with_label:
        problems.append(f"speaker turns {found}/{with_label} found in order")
    if marked != len(stages):
        problems.append(f"stage directions marked {marked}/{len(stages)}")
    return info, problems


def units(root: etree._Element) -> list[tuple[str, etree._Element, set[etree._Element]]]:
    """(label, element, ids to skip) per expected record, found without the adapter."""
    if local(root) == "teiCorpus":
        return [(t.get("n", ""), t, set()) for t in root.xpath("t:TEI", namespaces=NS)]
    if root.xpath("t:teiHeader//t:idno[@type='frus']", namespaces=NS):
        docs = root.xpath(
            "//t:div[@type='document'][not(ancestor::t:div[@type='document'])]", namespaces=NS
        )
        return [
            (
                d.get("{http://www.w3.org/XML/1998/namespace}id", ""),
                d,
                set(d.xpath("t:head", namespaces=NS)),
            )
            for d in docs
        ]
    return [("", root, set())]


def body_of(el: etree._Element) -> etree._Element:
    if local(el) == "div":
        return el
    body = el.xpath("t:text/t:body", namespaces=NS)
    return body[0] if body else el


def compare_words(src: list[str], rec: list[str]) -> dict[str, Any]:
    s, r = Counter(w.lower() for w in src), Counter(w.lower() for w in rec)
    missing = sum((s - r).values())
    extra = sum((r - s).values())
    n = min(50, len(src), len(rec))
    return {
        "src_words": len(src),
        "rec_words": len(rec),
        "missing": missing,
        "extra": extra,
        "first50": [w.lower() for w in src[:n]] == [w.lower() for w in rec[:n]],
        "last50": [w.lower() for w in src[-n:]] == [w.lower() for w in rec[-n:]] if n else True,
        "missing_sample": sorted((s - r).keys())[:8],
        "extra_sample": sorted((r - s).keys())[:8],
    }


def audit_file(path: Path, root_dir: Path) -> list[dict[str, Any]]:
    tei = get_adapter("tei")
    rows: list[dict[str, Any]] = []
    kind = "cable" if "frus" in path.name else "book"
    try:
        out = list(tei.parse(path, root=path.parent, collection="heldout", kind=kind))
    except SourceError as exc:
        return [{"file": str(path.relative_to(root_dir)), "problems": [f"SourceError {exc}"]}]
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    root = tree.getroot()
    expected = units(root)
    records = [r for r in out if isinstance(r, Record)]
    rejects = [r for r in out if isinstance(r, Reject)]
    header = root.xpath("t:teiHeader", namespaces=NS)
    src_title = first_text(root, "t:teiHeader/t:fileDesc/t:titleStmt/t:title")
    src_author = first_text(root, "t:teiHeader/t:fileDesc/t:titleStmt/t:author")
    for i, (label, unit, skip) in enumerate(expected):
        problems: list[str] = []
        rec = records[i] if i < len(records) else None
        row: dict[str, Any] = {"file": str(path.relative_to(root_dir)), "unit": label}
        if i == 0 and len(records) + len(rejects) != len(expected):
            problems.append(f"count {len(records)}+{len(rejects)} rejects != {len(expected)}")
        if rec is None:
            problems.append("no record")
            row["problems"] = problems
            rows.append(row)
            continue
        frus = unit if local(unit) == "div" else None
        src = naive_words(body_of(unit), skip)
        words = compare_words(src, _WORD.findall(rec.text))
        row.update(words)
        if src and not rec.text.strip():
            problems.append("empty text")
        if words["missing"] > max(2, 0.01 * len(src)):
            problems.append(f"{words['missing']} source words missing {words['missing_sample']}")
        if words["extra"] > max(2, 0.01 * len(src)):
            problems.append(f"{words['extra']} words not in source {words['extra_sample']}")
        if not (words["first50"] and words["last50"]):
            problems.append("word order differs at start or end")
        spaced = len(_SPACED_STOP.findall(rec.text))
        row["spaced_punct"] = spaced
        if spaced:
            problems.append(f"{spaced} spaces before , or .")
        row["title"] = rec.title
        if frus is None and header:
            if not rec.title or re.search(r"eltec", rec.title, re.IGNORECASE):
                problems.append(f"title {rec.title!r} (source {src_title!r})")
            row["author"] = "; ".join(rec.authors)
            surnames = expected_authors(root) if local(root) != "teiCorpus" else []
            if src_author and (
                not rec.authors
                or src_author.split(",")[0].strip().rstrip(".") not in rec.authors[0]
                and not rec.authors[0].startswith(surnames[0] if surnames else "\0")
                or re.search(r"\(\s*[\d?]", rec.authors[0])  # life dates left in the name
            ):
                problems.append(f"author {rec.authors} (source {src_author!r})")
            if surnames and (
                len(rec.authors) != len(surnames)
                or any(
                    not (a + ",").startswith(sn.rstrip("."))
                    for a, sn in zip(rec.authors, surnames, strict=False)
                )
            ):
                problems.append(f"authors {list(rec.authors)} (source surnames {surnames})")
            play, play_problems = check_play(unit, rec.text)
            row.update(play)
            problems += play_problems
            want = expected_profile(root)
            row["profile"] = rec.metadata.get("tei_profile", "")
            if want and row["profile"] != want:
                problems.append(f"profile {row['profile']} != {want}")
        year = expected_year(root, frus)
        row["year"] = f"{rec.year} / {year or '-'}"
        if year and str(rec.year) != year:
            problems.append(f"year {rec.year} != source {year}")
        lang = expected_language(root)
        row["language"] = f"{rec.language} / {lang or '-'}"
        if lang and rec.language != lang:
            problems.append(f"language {rec.language} != {lang}")
        if frus is not None:
            row["sender"], row["recipient"] = rec.sender, rec.recipient
            row["classification"] = rec.classification
            if unit.xpath("t:head//t:note[@type='source']", namespaces=NS) and not (
                rec.metadata.get("source_notes")
            ):
                problems.append("source note in head lost")
        row["rejects"] = [f"{r.reason}: {r.detail}" for r in rejects]
        row["problems"] = problems
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("/tmp/heldout-tei"))
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    files = sorted(
        p
        for p in args.dir.rglob("*.xml")
        if not {"baseline", "before"} & set(p.parts) and not p.name.startswith("after")
    )
    rows = [row for p in files for row in audit_file(p, args.dir)]
    print(
        "| file | unit | profile | title | authors | year rec/src | lang rec/src | words src/rec"
        " | missing/extra | spaced , . | sp / stage | problems |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['file']} | {r.get('unit', '')} | {r.get('profile', '')} "
            f"| {str(r.get('title', ''))[:40]} | {str(r.get('author', ''))[:40]} "
            f"| {r.get('year', '')} | {r.get('language', '')} "
            f"| {r.get('src_words', '')}/{r.get('rec_words', '')} "
            f"| {r.get('missing', '')}/{r.get('extra', '')} | {r.get('spaced_punct', '')} "
            f"| {r.get('sp', '')} {r.get('stage', '')} "
            f"| {'; '.join(r['problems']) or 'ok'} |"
        )
    bad = sum(1 for r in rows if r["problems"])
    print(f"\n{len(rows)} records from {len(files)} files; {bad} with problems")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main()
