"""Held-out audit of the ALTO/METS adapter: ingest real files that are not in ../shared the way an
archivist adds a collection, then check counts, words, WC, page sizes, MODS facts and rejects
with a reader written apart from ingest/alto.py. Specs: https://www.loc.gov/standards/alto/ ,
https://www.loc.gov/standards/mets/

    .venv/bin/python benchmarks/audit_heldout_alto.py [--dir /tmp/heldout-alto]

Every sub-folder of --dir named `<owner>__<repo>` is one collection (its SOURCE.txt says where the
files come from); `baseline*`/`after*` folders are skipped.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest import Page, Record, Reject, get_adapter  # noqa: E402

logger = logging.getLogger(__name__)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_PER_INCH = {"mm10": 254.0, "inch1200": 1200.0}
_ISO3 = {"ger": "de", "deu": "de", "fre": "fr", "fra": "fr", "eng": "en", "lat": "la",
         "ita": "it", "dut": "nl", "nld": "nl", "ltz": "lb"}


def local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


@dataclass
class Expected:
    """What the source files say, read directly."""

    files: list[Path] = field(default_factory=list)  # ALTO files of the unit, in page order
    broken: list[Path] = field(default_factory=list)  # files lxml cannot read
    pages: int = 0  # <Page> elements of the readable files
    words: list[str] = field(default_factory=list)
    confs: list[float] = field(default_factory=list)  # per word (pair = mean of parts)
    hyphen_pairs: int = 0
    ordered_by_ids: bool = False  # ReadingOrder/IDNEXT present: order compared as a multiset
    sizes: list[tuple[float | None, float | None]] = field(default_factory=list)
    units: set[str] = field(default_factory=set)
    versions: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)
    mets_pages: int | None = None
    mets_articles: int = 0
    # DFG/Kitodo METS: logical div ID -> (IDs of its ancestor divs) for divs smLinked to pages
    linked_parts: dict[str, list[str]] = field(default_factory=dict)


def read_alto(path: Path, exp: Expected, mets_dpi: float | None) -> None:
    """Words in layout order, HypPart pairs joined (SUBS_CONTENT when given), HYP-marked line
    ends joined with the next line's first word when it starts in lower case."""
    root = etree.parse(str(path), _PARSER).getroot()
    ns = etree.QName(root).namespace or "(none)"
    exp.versions.add(ns.rsplit("/", 1)[-1] or ns)
    unit_el = next((e for e in root.iter() if local(e) == "MeasurementUnit"), None)
    unit = (unit_el.text or "pixel").strip() if unit_el is not None else "pixel"
    exp.units.add(unit)
    settings = " ".join(e.text or "" for e in root.iter() if local(e) == "processingStepSettings")
    m = re.search(r"xdpi\s*[:=]\s*(\d+)", settings)
    dpi = float(m[1]) if m else mets_dpi or 300.0
    for page in (e for e in root.iter() if local(e) == "Page"):
        exp.pages += 1
        size = []
        for attr in ("WIDTH", "HEIGHT"):
            raw = page.get(attr)
            if raw is None:
                size.append(None)
            elif unit == "pixel":
                size.append(float(raw))
            else:
                size.append(round(float(raw) / _PER_INCH[unit] * dpi, 1))
        exp.sizes.append((size[0], size[1]))
    if any(local(e) == "ReadingOrder" for e in root.iter()) or any(
            e.get("IDNEXT") for e in root.iter() if local(e) == "TextBlock"):
        exp.ordered_by_ids = True
    for block in (e for e in root.iter() if local(e) == "TextBlock"):
        if any(local(a) == "TextBlock" for a in block.iterancestors()):
            continue
        open_word: int | None = None  # index of a word waiting for its second part
        open_has_subs = False
        carry: int | None = None  # HYP-marked line end
        mark_carry: int | None = None  # line ending on a hyphen written in the String
        for line in (e for e in block if local(e) == "TextLine"):
            items = [e for e in line if local(e) in ("String", "HYP")]
            strings = [e for e in items if local(e) == "String"]
            for k, s in enumerate(strings):
                text = (s.get("CONTENT") or "").strip()
                subs = s.get("SUBS_TYPE")
                wc = s.get("WC")
                conf = float(wc) if wc not in (None, "") else None
                if subs == "HypPart2" and open_word is not None:
                    if not open_has_subs:
                        exp.words[open_word] += text
                    exp.hyphen_pairs += 1
                    if conf is not None:
                        exp.confs[open_word] = (exp.confs[open_word] + conf) / 2
                    open_word = None
                    continue
                if k == 0 and carry is not None and text and not text[0].isupper():
                    exp.words[carry] += text
                    exp.hyphen_pairs += 1
                    carry = None
                    continue
                if k == 0 and mark_carry is not None and text:
                    # a hyphen left in the text at the line end (eScriptorium, ground truths):
                    # a word split in two, unless the next part is capitalised or hyphenated
                    # itself, which makes it a compound that keeps its hyphen
                    first, _, rest = text.partition(" ")
                    compound = first[0].isupper() or "-" in first.rstrip("-¬⸗")
                    exp.words[mark_carry] = exp.words[mark_carry][:-1] + (
                        exp.words[mark_carry][-1] + first if compound else first)
                    exp.hyphen_pairs += 1
                    mark_carry = None
                    for w in rest.split(" "):
                        if w:
                            exp.words.append(w)
                            exp.confs.append(conf)  # type: ignore[arg-type]
                    continue
                carry = mark_carry = None
                word = (s.get("SUBS_CONTENT") or "").strip() if subs == "HypPart1" else ""
                for w in (word or text).split(" "):
                    if w:
                        exp.words.append(w)
                        exp.confs.append(conf)  # type: ignore[arg-type]
                if subs == "HypPart1" and (word or text):
                    open_word, open_has_subs = len(exp.words) - 1, bool(word)
            if items and local(items[-1]) == "HYP" and strings and \
                    strings[-1].get("SUBS_TYPE") != "HypPart1":
                carry = len(exp.words) - 1
            elif strings and strings[-1].get("SUBS_TYPE") is None and exp.words and \
                    re.search(r"[^\W\d_][-¬⸗]$", exp.words[-1]):
                mark_carry = len(exp.words) - 1


def read_mets(mets: Path, exp: Expected) -> tuple[list[Path], float | None]:
    tree = etree.parse(str(mets), _PARSER)
    files: dict[str, str] = {}
    mimes: dict[str, str] = {}
    for f in (e for e in tree.iter() if local(e) == "file"):
        loc = next((c for c in f if local(c) == "FLocat"), None)
        if loc is not None:
            files[f.get("ID", "")] = loc.get("{http://www.w3.org/1999/xlink}href", "")
            mimes[f.get("ID", "")] = f.get("MIMETYPE", "")
    paths: list[Path] = []
    phys = [e for e in tree.iter() if local(e) == "structMap" and e.get("TYPE") == "PHYSICAL"]
    for div in (d for sm in phys[:1] for d in sm.iter() if local(d) == "div"):
        ids = [p.get("FILEID") for p in div if local(p) == "fptr"]
        alto = [files[i] for i in ids if i in files and "xml" in mimes.get(i, "")]
        if alto:
            href = unquote(alto[0])
            name = href.rsplit("/", 1)[-1] if "://" in href and not href.startswith("file:") \
                else href.removeprefix("file://")
            paths.append((mets.parent / name).resolve())
    exp.mets_pages = len(paths)
    for t in (e for e in tree.iter() if local(e) == "title"):
        if any(local(a) == "titleInfo" for a in t.iterancestors()) and not any(
                local(a) == "relatedItem" for a in t.iterancestors()) and t.text:
            exp.titles.add(" ".join(t.text.split()))
    exp.dates |= {" ".join(e.text.split()) for e in tree.iter()
                  if local(e) == "dateIssued" and e.text}
    for e in (e for e in tree.iter() if local(e) == "languageTerm" and e.text):
        code = e.text.strip().lower()
        exp.languages.add(_ISO3.get(code, code[:2]))
    exp.mets_articles = sum(1 for sm in tree.iter() if local(sm) == "structMap"
                            and sm.get("TYPE") == "LOGICAL" for d in sm.iter()
                            if local(d) == "div" and (d.get("TYPE") or "").lower() == "article")
    xlink = "{http://www.w3.org/1999/xlink}"
    page_ids = {d.get("ID") for sm in phys[:1] for d in sm.iter() if local(d) == "div"
                and any(local(c) == "fptr" for c in d)}
    has_area = any(local(e) == "area" for e in tree.iter())
    logical = {d.get("ID"): d for sm in tree.iter() if local(sm) == "structMap"
               and sm.get("TYPE") == "LOGICAL" for d in sm.iter() if local(d) == "div"}
    for link in (e for e in tree.iter() if local(e) == "smLink"):
        src, dst = link.get(f"{xlink}from"), link.get(f"{xlink}to")
        if not has_area and src in logical and dst in page_ids:
            exp.linked_parts[src] = [a.get("ID") for a in logical[src].iterancestors()
                                     if local(a) == "div" and a.get("ID")]
    mix = next((e for e in tree.iter() if local(e) in ("xSamplingFrequency",
                                                       "XphysScanResolution")), None)
    return paths, float(mix.text) if mix is not None and mix.text else None


def expect(unit: Path) -> Expected:
    exp = Expected()
    mets_dpi = None
    if unit.is_dir():
        exp.files = sorted(p for p in unit.iterdir() if p.suffix.lower() == ".xml")
    elif b"METS" in unit.read_bytes()[:2000].upper() and b"<mets" in unit.read_bytes()[:4000]:
        exp.files, mets_dpi = read_mets(unit, exp)
    else:
        exp.files = [unit]
    for f in exp.files:
        try:
            read_alto(f, exp, mets_dpi)
        except (etree.XMLSyntaxError, OSError):
            exp.broken.append(f)
    return exp


def audit(collection_dir: Path) -> list[dict[str, Any]]:
    """One row per unit of one held-out collection."""
    alto = get_adapter("alto")
    rows = []
    for unit in alto.find(collection_dir):
        exp = expect(unit)
        got: dict[str, list[Any]] = {"Record": [], "Page": [], "Reject": []}
        error = ""
        try:
            for item in alto.parse(unit, root=collection_dir, collection="heldout", kind="press"):
                got[type(item).__name__].append(item)
            by_article = list(alto.parse(unit, root=collection_dir, collection="heldout",
                                         kind="press", granularity="article"))
            arts = [i for i in by_article
                    if isinstance(i, Record) and not i.doc_id.endswith("/other")]
        except Exception as exc:  # the audit reports every failure, it does not stop
            error, arts, by_article = f"{type(exc).__name__}: {exc}", [], []
        recs: list[Record] = got["Record"]
        pages: list[Page] = got["Page"]
        rejects: list[Reject] = got["Reject"]
        rec = recs[0] if recs else None
        words = rec.text.split() if rec else []
        same = words == exp.words
        if not same and exp.ordered_by_ids and sorted(words) == sorted(exp.words):
            same = True
        exp_wc = [c for c in exp.confs if c is not None]
        exp_mean = round(sum(exp_wc) / len(exp_wc), 4) if exp_wc else None
        got_sizes = [(p.width, p.height) for p in pages]
        rejected = {Path(r.source_path).name for r in rejects}
        meta_ok = True
        notes = []
        if exp.titles and rec is not None:
            meta_ok &= any((rec.title or "").startswith(t) for t in exp.titles)
            notes.append(f"title={rec.title!r}")
        if exp.dates and rec is not None:
            meta_ok &= rec.date_text in exp.dates
            notes.append(f"date={rec.date_text}")
        if exp.languages and rec is not None:
            meta_ok &= rec.language in exp.languages
        notes.append(f"lang={rec.language if rec else None}")
        parts_ok = True
        if exp.linked_parts:
            # parts linked to whole pages: their records (and <issue>/other) hold the issue's
            # words, none twice; every linked part is a record, a reject, or inside one
            part_words = sorted(w for i in by_article if isinstance(i, Record)
                                for w in i.text.split())
            ids = {i.metadata.get("article_id") for i in by_article if isinstance(i, Record)}
            said = " ".join(i.detail for i in by_article if isinstance(i, Reject))
            accounted = all(p in ids or f"/{p}:" in said or any(a in ids for a in anc)
                            for p, anc in exp.linked_parts.items())
            parts_ok = part_words == sorted(words) and accounted
        checks = {
            "pages": len(pages) == exp.pages,
            "rejects": rejected == {p.name for p in exp.broken},
            "words": same,
            "wc": (rec is not None and exp_mean == rec.ocr_confidence),
            "size": got_sizes == exp.sizes[:len(got_sizes)] and len(got_sizes) == exp.pages,
            "mods": meta_ok,
            "articles": len(arts) >= exp.mets_articles,
            "page parts": parts_ok,
        }
        rows.append({
            "unit": Path(unit).relative_to(collection_dir.parent).as_posix(),
            "alto": ",".join(sorted(exp.versions)), "unit_of_measure": ",".join(sorted(exp.units)),
            "pages": f"{len(pages)}/{exp.pages}",
            "rejects": f"{len(rejects)}/{len(exp.broken)}",
            "words": f"{len(words)}/{len(exp.words)}", "hyph": exp.hyphen_pairs,
            "wc": f"{rec.ocr_confidence if rec else None}/{exp_mean}",
            "size": f"{got_sizes[0] if got_sizes else None}/{exp.sizes[0] if exp.sizes else None}",
            "articles": f"{len(arts)}/{exp.mets_articles}",
            "page_parts": (f"{len(arts)} rec, {len(exp.linked_parts)} linked"
                           if exp.linked_parts else "–"),
            "meta": " ".join(notes), "error": error,
            "verdict": "ok" if all(checks.values()) and not error else
            "FAIL " + ",".join(k for k, v in checks.items() if not v),
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("/tmp/heldout-alto"))
    args = ap.parse_args(argv)
    cols = ["unit", "alto", "unit_of_measure", "pages", "rejects", "words", "hyph", "wc", "size",
            "articles", "page_parts", "meta", "verdict"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    failed = 0
    for d in sorted(p for p in args.dir.iterdir() if p.is_dir() and "__" in p.name):
        for row in audit(d):
            failed += row["verdict"] != "ok"
            print("| " + " | ".join(str(row[c]) for c in cols) + " |")
            if row["error"]:
                print(f"|   error: {row['error']} |")
    print(f"\n(got/expected; {failed} unit(s) failing)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
