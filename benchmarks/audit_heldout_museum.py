"""Held-out audit of the museum and cables adapters (LIDO, Tate, cables CSV) on real files
that are not in ../shared, checked against the sources read independently (lxml xpath, json, csv).

    .venv/bin/python benchmarks/audit_heldout_museum.py [--dir /tmp/heldout-museum] [--json F]

Layout of --dir (docs/heldout-index-museum.md says where each file comes from):
    lido/<owner>__<repo>/*.xml      tate/<owner>__<repo>/**/*.json, *.csv
    cables/<owner>__<repo>/*.csv    (any other folder is ignored)
Each file is ingested as an archivist would (ingest.get_adapter(fmt), default options) and every
record compared with what the source says. Prints one Markdown table row per file and every
mismatch; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest import get_adapter  # noqa: E402
from ingest.record import Record, Reject, SourceError  # noqa: E402

LIDO = "http://www.lido-schema.org"
NS = {"l": LIDO}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# event types the audit accepts as "making the object" (LIDO terms and museum-digital verbs)
MAKING = re.compile(
    r"^(production|creation|herstellung|hergestellt|gezeichnet|gemalt|verfasst|gedruckt|"
    r"aufgenommen|fotografische aufnahme|lido0000[7]|lido00012)$|/(lido00007|lido00012)$|"
    r"event-types\.museum-digital"
    r"\.org/(1|7|9|10|12|14|19|26|29|30|31|35|37|38|39)$",
    re.IGNORECASE,
)


def norm(text: str | None) -> str:
    """Whitespace-normalised text."""
    return " ".join((text or "").split())


@dataclass
class FileResult:
    """Counts and mismatches for one held-out file."""

    path: str
    fmt: str
    version: str = ""
    n_source: int = 0
    n_records: int = 0
    n_rejects: int = 0
    checks: dict[str, list[int]] = field(default_factory=dict)  # name -> [passed, total]
    problems: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> None:
        passed, total = self.checks.setdefault(name, [0, 0])
        self.checks[name] = [passed + int(ok), total + 1]
        if not ok:
            self.problems.append(f"{name}: {detail}")

    def cell(self, name: str) -> str:
        if name not in self.checks:
            return "–"
        passed, total = self.checks[name]
        return f"{passed}/{total}"


def ingest(fmt: str, path: Path, root: Path, **options: Any) -> tuple[list[Record], list[Reject]]:
    """Run the adapter the way the ingest stage does (a SourceError becomes one reject)."""
    adapter = get_adapter(fmt)
    records: list[Record] = []
    rejects: list[Reject] = []
    try:
        for item in adapter.parse(path, root=root, collection="heldout", **options):
            if isinstance(item, Reject):
                rejects.append(item)
            elif isinstance(item, Record):
                records.append(item.finalize())
    except SourceError as exc:
        rejects.append(Reject("heldout", str(path), "ingest", exc.reason, exc.detail))
    return records, rejects


def in_order(text: str, parts: Iterable[str]) -> tuple[bool, str]:
    """True when every part occurs in text, each after the previous one."""
    pos = 0
    for part in parts:
        if not part:
            continue
        found = text.find(part, pos)
        if found < 0:
            return False, f"{part[:60]!r} missing or out of order"
        pos = found
    return True, ""


# ------------------------------------------------------------------------------ LIDO


SKOS = "http://www.w3.org/2004/02/skos/core#"


def lido_terms(el: etree._Element | None, skos: bool = False) -> list[str]:
    """lido:term texts, then with `skos` (LIDO 1.1) the skos:prefLabels of its skos:Concept."""
    if el is None:
        return []
    terms = [norm(t.text) for t in el.iterfind("l:term", NS) if norm(t.text)]
    if skos:
        terms += [norm(t.text) for t in el.iterfind(f"{{{SKOS}}}Concept/{{{SKOS}}}prefLabel")
                  if norm(t.text)]
    return terms


def audit_lido(path: Path, root: Path) -> FileResult:
    res = FileResult(str(path.relative_to(root.parent)), "lido")
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    location = tree.getroot().get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", "")
    res.version = "1.1" if "v1.1" in location else "1.0"
    sources = tree.getroot().xpath("//l:lido", namespaces=NS)
    res.n_source = len(sources)
    records, rejects = ingest("lido", path, root)
    again, _ = ingest("lido", path, root)
    res.n_records, res.n_rejects = len(records), len(rejects)
    res.check("count", len(records) + len(rejects) == len(sources),
              f"{len(records)} records + {len(rejects)} rejects vs {len(sources)} lido:lido")
    ids = [r.doc_id for r in records]
    res.check("ids", len(set(ids)) == len(ids) and ids == [r.doc_id for r in again],
              "duplicate or unstable ids")
    by_id = {r.doc_id: r for r in records}
    for src in sources:
        rec_id = norm("".join(src.xpath("l:lidoRecID[1]//text()", namespaces=NS)))
        rec = by_id.get(f"heldout:{rec_id}")
        if rec is None:
            res.check("ids", any(rec_id in j.detail for j in rejects), f"{rec_id}: not found")
            continue
        dm = src.find("l:descriptiveMetadata", NS)
        lang = (dm.get(XML_LANG) or "")[:2].lower() or None
        res.check("language", rec.language == lang, f"{rec_id}: {rec.language} vs {lang}")
        titles = [norm(t) for t in dm.xpath(
            "l:objectIdentificationWrap/l:titleWrap/l:titleSet/l:appellationValue/text()",
            namespaces=NS) if norm(t)]
        res.check("title", (rec.title or "") in titles, f"{rec_id}: {rec.title!r} vs {titles}")
        types = [x for wt in dm.xpath("l:objectClassificationWrap/l:objectWorkTypeWrap/"
                                      "l:objectWorkType", namespaces=NS)
                 for x in lido_terms(wt, skos=True)]
        if types:
            got = rec.metadata.get("object_type", "")
            res.check("object type", any(t in got for t in types), f"{rec_id}: {got!r}")
        making = []
        for ev in dm.xpath("l:eventWrap/l:eventSet/l:event", namespaces=NS):
            et = ev.find("l:eventType", NS)
            keys = lido_terms(et) + [norm(c.text) for c in ev.xpath("l:eventType/l:conceptID",
                                                                    namespaces=NS)]
            keys += [c.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about", "")
                     for c in ev.xpath("l:eventType/*[local-name()='Concept']", namespaces=NS)]
            if any(MAKING.search(k) for k in keys if k):
                making.append(ev)
        actor_names = [norm(a) for ev in making for a in ev.xpath(
            "l:eventActor//l:appellationValue/text() | l:eventActor/l:displayActorInRole/text()",
            namespaces=NS) if norm(a)]
        if actor_names:
            res.check("actors", bool(rec.authors) and all(a in actor_names for a in rec.authors),
                      f"{rec_id}: {rec.authors} vs {actor_names}")
        years = [norm(y) for ev in making for y in ev.xpath(
            "l:eventDate/l:date/l:earliestDate/text() | l:eventDate/l:date/l:latestDate/text()",
            namespaces=NS) if norm(y)]
        numeric = [int(y[:4]) for y in years if re.fullmatch(r"\d{4}(-\d\d){0,2}", y)]
        if numeric and len(numeric) == len(years):
            ok = rec.date_start is not None and (rec.date_start.year, rec.date_end.year) == (
                min(numeric), max(numeric))
            res.check("dates", ok, f"{rec_id}: {rec.date_start}..{rec.date_end} vs {years}")
        elif years:  # values that are no year (0, text): kept out, with a flag
            res.check("dates", rec.date_start is not None or "date_flag" in rec.metadata,
                      f"{rec_id}: {years} gave no date and no flag")
        else:
            shown = [norm(d) for ev in making for d in ev.xpath("l:eventDate/l:displayDate/text()",
                                                                  namespaces=NS) if norm(d)]
            if shown:
                res.check("dates", rec.date_start is not None or "date_flag" in rec.metadata,
                          f"{rec_id}: displayDate {shown} gave no date and no flag")
        if rec.metadata.get("date_flag"):
            res.flags.append(f"{rec_id}: {rec.metadata['date_flag']} ({rec.date_text})")
        descriptions = [norm("".join(d.itertext())) for d in dm.xpath(
            "l:objectIdentificationWrap/l:objectDescriptionWrap/l:objectDescriptionSet/"
            "l:descriptiveNoteValue", namespaces=NS)
            if (d.get(XML_LANG) or lang or "")[:2] in ((lang or "")[:2], "")]
        subjects = [x for sc in dm.xpath("l:objectRelationWrap/l:subjectWrap/l:subjectSet/"
                                         "l:subject/l:subjectConcept", namespaces=NS)
                    for x in lido_terms(sc)[:1]]
        text = norm(rec.text)
        ok, why = in_order(text, [rec.title or "", *(f"By {a}" for a in rec.authors[:1]),
                                  *[d for d in descriptions if d]])
        res.check("text order", ok and bool(text), f"{rec_id}: {why}")
        # HTML written as text inside CDATA (dkult's "<br/>") is markup, not the record's words
        tags = [v for v in [rec.text, *map(str, rec.metadata.values())]
                if re.search(r"<\s*/?\s*[a-zA-Z][^<>]*>", v)]
        res.check("no markup", not tags, f"{rec_id}: {[t[:60] for t in tags]}")
        missing = [s for s in subjects if s not in text]
        res.check("subjects in text", not missing, f"{rec_id}: missing {missing}")
        inscriptions = dm.xpath("l:objectIdentificationWrap/l:inscriptionsWrap/l:inscriptions",
                                namespaces=NS)
        for ins in inscriptions:
            said = [norm(" ".join(t.itertext())) for t in ins.xpath(
                "l:inscriptionTranscription", namespaces=NS)]
            lines = [ln for ln in rec.text.splitlines() if ln.startswith("Inscription:")]
            found = all(any(norm(x).replace(" / ", " ") in norm(ln).replace(" / ", " ")
                            for ln in lines) for x in said if x)
            # a description that is only punctuation ("-") is a placeholder, not text
            noise = [ln for ln in lines if (m := re.search(r"\(([^()]*)\)$", ln))
                     and any(not re.search(r"\w", part) for part in m[1].split(";"))]
            res.check("inscriptions", found and not noise,
                      f"{rec_id}: {said} / placeholders {noise}")
        related_sets = dm.xpath("l:objectRelationWrap/l:relatedWorksWrap/l:relatedWorkSet",
                                namespaces=NS)
        kept = rec.metadata.get("related_works", "")
        for rws in related_sets:
            texts = [norm(x) for x in rws.xpath(
                ".//l:displayRelatedWork//text() | .//l:displayObject//text() | "
                ".//l:objectNote[not(@l:type='type')]//text() | .//l:objectID//text()",
                namespaces=NS) if norm(x)]
            if texts:
                res.check("related works", any(t[:40] in norm(kept) for t in texts),
                          f"{rec_id}: {texts[0][:60]!r} not in related_works")
    for j in rejects:
        res.problems.append(f"reject {j.reason}: {j.detail}")
    return res


# ------------------------------------------------------------------------------ Tate


def tate_leaves(node: dict[str, Any] | None) -> list[str]:
    if not node:
        return []
    kids = node.get("children") or []
    return [x for k in kids for x in (tate_leaves(k) if k.get("children") else [k["name"]])]


def audit_tate_objects(res: FileResult, objs: list[dict[str, Any]], records: list[Record]) -> None:
    by_id = {r.doc_id: r for r in records}
    for obj in objs:
        acno = norm(obj.get("acno") or obj.get("accession_number"))
        rec = by_id.get(f"heldout:{acno}")
        res.check("ids", rec is not None, f"{acno}: no record")
        if rec is None:
            continue
        res.check("title", rec.title == norm(obj.get("title")), f"{acno}: {rec.title!r}")
        res.check("language", rec.language == "en", f"{acno}: {rec.language}")
        artists = [norm(c.get("fc")) for c in obj.get("contributors") or []
                   if (c.get("role") or "artist") == "artist"]
        if "artist" in obj:  # CSV: "Blake, William" -> William Blake
            surname, _, given = norm(obj["artist"]).partition(", ")
            artists = [f"{given} {surname}".strip()]
        res.check("actors", list(rec.authors) == artists, f"{acno}: {rec.authors} vs {artists}")
        date_text = norm(obj.get("dateText"))
        rng = obj.get("dateRange") or {}
        first = rng.get("startYear") or (obj.get("year") or None)
        years = re.findall(r"\d{4}", date_text)
        if first and str(first).isdigit():
            ok = rec.date_start is not None and rec.date_start.year == int(first)
            res.check("dates", ok, f"{acno}: {rec.date_start} vs start {first} ({date_text!r})")
        elif years:
            res.check("dates", rec.date_start is not None, f"{acno}: {date_text!r} undated")
        else:
            res.check("dates", rec.date_start is None, f"{acno}: {date_text!r} got a date")
        if rec.metadata.get("date_flag"):
            res.flags.append(f"{acno}: {rec.metadata['date_flag']} ({date_text})")
        parts = [norm(obj.get("title")), *(f"By {a}" for a in artists[:1])]
        if date_text and date_text.lower() not in ("date not known", "no date"):
            parts.append(f"Dated {date_text}")
        parts += [norm(obj.get("medium")), *tate_leaves(obj.get("subjects"))]
        ok, why = in_order(norm(rec.text), parts)
        res.check("text order", ok, f"{acno}: {why}")


def audit_tate(path: Path, root: Path) -> FileResult:
    res = FileResult(str(path.relative_to(root.parent)), "tate")
    records, rejects = ingest("tate", path, root)
    again, _ = ingest("tate", path, root)
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as f:
            objs = list(csv.DictReader(f))
        res.version = "CSV export"
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
        objs = data if isinstance(data, list) else [data]
        res.version = "JSON"
    res.n_source, res.n_records, res.n_rejects = len(objs), len(records), len(rejects)
    res.check("count", len(records) + len(rejects) == len(objs),
              f"{len(records)}+{len(rejects)} vs {len(objs)}")
    ids = [r.doc_id for r in records]
    res.check("ids", len(set(ids)) == len(ids) and ids == [r.doc_id for r in again], "unstable")
    audit_tate_objects(res, objs, records)
    for j in rejects:
        res.problems.append(f"reject {j.reason}: {j.detail}")
    return res


# ------------------------------------------------------------------------------ cables


def audit_cables(path: Path, root: Path) -> FileResult:
    res = FileResult(str(path.relative_to(root.parent)), "cables_csv", "cablegate, no header")
    with path.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.reader(f, escapechar="\\", doublequote=False) if any(r)]
    records, rejects = ingest("cables_csv", path, root)
    res.n_source, res.n_records, res.n_rejects = len(rows), len(records), len(rejects)
    res.check("count", len(records) + len(rejects) == len(rows), f"{len(records)} vs {len(rows)}")
    by_id = {r.doc_id: r for r in records}
    for row in rows:
        rec = by_id.get(f"heldout:{row[0]}")
        res.check("ids", rec is not None, f"row {row[0]}: no record")
        if rec is None:
            continue
        m = re.match(r"(\d+)/(\d+)/(\d{4})", row[1])
        if m:
            ok = rec.date_start is not None and (rec.date_start.year, rec.date_start.month,
                                                 rec.date_start.day) == (int(m[3]), int(m[1]),
                                                                         int(m[2]))
            res.check("dates", ok, f"{row[0]}: {rec.date_start} vs {row[1]}")
        res.check("text order", norm(row[7]) == norm(rec.text), f"{row[0]}: body differs")
        res.check("actors", rec.sender == row[3], f"{row[0]}: sender {rec.sender!r}")
    return res


# ------------------------------------------------------------------------------ main

COLUMNS = ["count", "ids", "title", "object type", "actors", "dates", "language", "text order",
           "subjects in text", "inscriptions", "related works", "no markup"]


def run(base: Path) -> list[FileResult]:
    results = []
    for fmt, audit, pattern in (("lido", audit_lido, "*.xml"), ("tate", audit_tate, "*.json"),
                                ("tate", audit_tate, "*.csv"), ("cables", audit_cables, "*.csv")):
        folder = base / fmt
        for path in sorted(folder.rglob(pattern)) if folder.is_dir() else []:
            results.append(audit(path, folder))
    return results


def print_table(results: list[FileResult]) -> None:
    print("| file | format | source units | records | rejects | " + " | ".join(COLUMNS) + " |")
    print("|---" * (5 + len(COLUMNS)) + "|")
    for r in results:
        cells = " | ".join(r.cell(c) for c in COLUMNS)
        print(f"| {r.path} | {r.fmt} {r.version} | {r.n_source} | {r.n_records} | "
              f"{r.n_rejects} | {cells} |")
    for r in results:
        for p in r.problems:
            print(f"- MISMATCH {r.path}: {p}")
        for f in r.flags:
            print(f"- flagged {r.path}: {f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/heldout-museum"))
    parser.add_argument("--json", type=Path, help="write every count and mismatch here")
    args = parser.parse_args(argv)
    results = run(args.dir)
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=1))
    return 1 if any(r.problems and not all(p.startswith("reject") for p in r.problems)
                    for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
