"""Held-out audit on TEI files fetched from public repositories (not in ../shared): every file
is parsed as an archivist would, then checked against the source read independently with lxml.

    .venv/bin/python benchmarks/audit_heldout_index.py [--dir /tmp/heldout-tei] [--json OUT]

Checks per file: record count (one per file, per FRUS document division, per teiCorpus TEI),
title, first author, year, language, the reading text's words against the source's own words
(order and multiset), spaces before commas/full stops, glued words, and rejects. Prints a
Markdown table; the `problems` column lists what failed. See docs/heldout-index-tei.md.
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
        for c in e:
            walk(c)
            out.append(" " if local(c) == "lb" else "")
            out.append(c.tail or "")

    walk(el)
    text = "".join(out)
    return _WORD.findall(text)


def first_text(root: etree._Element, xpath: str) -> str:
    for el in root.xpath(xpath, namespaces=NS):
        text = " ".join("".join(el.itertext()).split()) if isinstance(el, etree._Element) else el
        if text.strip():
            return str(text).strip()
    return ""


def expected_year(root: etree._Element, frus_doc: etree._Element | None) -> str:
    """The year an archivist would expect, read straight from the source."""
    if frus_doc is not None:
        when = frus_doc.xpath(".//t:dateline//t:date/@when", namespaces=NS)
        return str(when[0])[:4] if when else ""
    for xp in (
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
    value = first_text(root, "t:teiHeader/t:profileDesc/t:langUsage/t:language/@ident") or (
        root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    )
    return value.split("-")[0].lower()


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
            if src_author and (
                not rec.authors
                or src_author.split(",")[0].strip() not in rec.authors[0]
                or re.search(r"\(.*\)", rec.authors[0])
            ):
                problems.append(f"author {rec.authors} (source {src_author!r})")
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
    files = sorted(p for p in args.dir.rglob("*.xml") if "baseline" not in p.parts)
    rows = [row for p in files for row in audit_file(p, args.dir)]
    print(
        "| file | unit | title | year rec/src | lang rec/src | words src/rec | missing/extra"
        " | spaced , . | problems |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['file']} | {r.get('unit', '')} | {str(r.get('title', ''))[:40]} "
            f"| {r.get('year', '')} | {r.get('language', '')} "
            f"| {r.get('src_words', '')}/{r.get('rec_words', '')} "
            f"| {r.get('missing', '')}/{r.get('extra', '')} | {r.get('spaced_punct', '')} "
            f"| {'; '.join(r['problems']) or 'ok'} |"
        )
    bad = sum(1 for r in rows if r["problems"])
    print(f"\n{len(rows)} records from {len(files)} files; {bad} with problems")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main()
