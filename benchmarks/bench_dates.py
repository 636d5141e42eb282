"""Date evaluation on the real files: what every reader makes of the dates its sources write.

    .venv/bin/python benchmarks/bench_dates.py [--shared ../shared/corpora] [--raw data/raw]
        [--bench DIR] [--top 25] [--json F]

Each collection is ingested as the ingest stage does (ingest.get_adapter(fmt), the options of
params.yaml) and every record's date is sorted into one class:
- parsed: the record has an interval (date_start or date_end), with its flags counted
  (approximate, year_from_context, before/after, roman_mismatch...);
- flagged: the source gave a date that was not kept (metadata["date_flag"]: out_of_context,
  implausible_year, bce, impossible_date, unparsed...);
- unparsed: the source gave a date text and nothing was recognised in it (a miss);
- undated: the source gave no date, or said it has none ("date not known", "n.d.").
Besides the record date, the other dates a reader keeps in metadata (ELTeC print edition,
DraCor events, TCP creation date, LIDO events...) are parsed as they stand and counted as
"other dates", so that their misses show too. Prints one table per kind (book, cable, museum,
press) and the most common unparsed and flagged strings, the miss classes still open.
No gold here: the share parsed is a floor on coverage, not accuracy (the held-out gold of
issue 20 scores spans); a string listed as unparsed is either a miss or a non-date.
--bench DIR also reads the extracted benchmark corpora (../shared/bench/*.tar.gz) under DIR.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest import dates, get_adapter  # noqa: E402
from ingest.record import Record, Reject, SourceError  # noqa: E402

# (name, kind, format, path below the corpora folder, options)
SHARED: list[tuple[str, str, str, str, dict[str, Any]]] = [
    ("eltec-fra", "book", "tei", "books/eltec-fra/level1", {"profile": "eltec"}),
    ("eltec-eng", "book", "tei", "books/eltec-eng/level1", {"profile": "eltec"}),
    ("fredracor", "book", "tei", "books/fredracor/tei", {}),
    ("shakedracor", "book", "tei", "books/shakedracor/tei", {}),
    ("tcp", "book", "tei", "books/tcp", {"profile": "tcp"}),
    ("frus", "cable", "tei", "cables/frus", {"profile": "frus"}),
    ("guizot-lieven", "cable", "tei", "cables/guizot-lieven", {}),
    ("cablegate", "cable", "cables_csv", "cables/cablegate-sample", {}),
    ("tate", "museum", "tate", "museum/tate/artworks", {}),
    ("lido", "museum", "lido", "museum/lido", {}),
    ("bnf-europeana", "press", "alto", "press/bnf-europeana", {}),
    ("bl-newspapers", "press", "alto", "press/bl-newspapers", {}),
    ("rero", "press", "alto", "press/rero", {}),
    ("bnl-luxembourg", "press", "alto", "press/bnl-luxembourg", {}),
    ("onb-anno", "press", "alto", "press/onb-anno", {}),
    ("chronam", "press", "alto", "press/chronam", {}),
]
# extracted ../shared/bench tarballs (name, kind, format, path below --bench, options)
BENCH: list[tuple[str, str, str, str, dict[str, Any]]] = [
    ("bench:eltec-eng", "book", "tei", "eltec-eng", {"profile": "eltec"}),
    ("bench:eltec-fra", "book", "tei", "eltec-fra", {"profile": "eltec"}),
    ("bench:fredracor", "book", "tei", "fredracor/tei", {}),
    ("bench:frus", "cable", "tei", "frus/volumes", {"profile": "frus"}),
    ("bench:tate", "museum", "tate", "tate", {}),
]
# metadata keys that hold another date as the source wrote it
_OTHER_DATE_KEY = re.compile(
    r"^(?:print_edition_date|first_edition_date|creation_date|date_(?:print|premiere|written)|"
    r"event_date_.*|date_.*_text|issue_date)$"
)
KINDS = ("book", "cable", "museum", "press")


@dataclass
class Tally:
    """Counts for one kind (or one collection)."""

    records: int = 0
    parsed: int = 0
    flagged: int = 0
    unparsed: int = 0
    undated: int = 0
    rejects: int = 0
    flags: Counter[str] = field(default_factory=Counter)
    precision: Counter[str] = field(default_factory=Counter)
    unparsed_text: Counter[str] = field(default_factory=Counter)
    flagged_text: Counter[str] = field(default_factory=Counter)
    other: Counter[str] = field(default_factory=Counter)  # parsed / unparsed other dates
    other_unparsed: Counter[str] = field(default_factory=Counter)

    def add(self, rec: Record) -> None:
        self.records += 1
        flags = [f for f in rec.metadata.get("date_flag", "").split(",") if f]
        if rec.date_approximate:
            flags.append("approximate")
        text = (rec.date_text or "").strip()
        if rec.date_start is not None or rec.date_end is not None:
            self.parsed += 1
            self.precision[rec.date_precision or "?"] += 1
            self.flags.update(f"kept:{f}" for f in flags)
        elif flags:
            self.flagged += 1
            self.flags.update(f"dropped:{f}" for f in flags)
            self.flagged_text[f"{text!r} ({','.join(flags)})"] += 1
        elif text and not dates.states_unknown(text):
            self.unparsed += 1
            self.unparsed_text[text] += 1
        else:
            self.undated += 1
        for key, value in rec.metadata.items():
            if _OTHER_DATE_KEY.match(key) and value.strip():
                info = dates.parse_date(value)
                ok = info.known
                self.other["parsed" if ok else "flagged" if info.flags else "unparsed"] += 1
                if not ok:
                    self.other_unparsed[f"{key}: {value.strip()!r}"] += 1

    def merge(self, other: Tally) -> None:
        for name in ("records", "parsed", "flagged", "unparsed", "undated", "rejects"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in (
            "flags",
            "precision",
            "unparsed_text",
            "flagged_text",
            "other",
            "other_unparsed",
        ):
            getattr(self, name).update(getattr(other, name))

    def row(self, name: str) -> str:
        n = self.records or 1
        kept_flags = {k[5:]: v for k, v in self.flags.items() if k.startswith("kept:")}
        shown = ", ".join(f"{k} {v}" for k, v in sorted(kept_flags.items(), key=lambda kv: -kv[1]))
        o = self.other
        others = f"{o['parsed']}/{sum(o.values())}" if o else "–"
        return (
            f"| {name} | {self.records} | {self.parsed / n:.1%} | {self.flagged / n:.1%} | "
            f"{self.unparsed / n:.1%} | {self.undated / n:.1%} | {shown or '–'} | {others} |"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "parsed": self.parsed,
            "flagged": self.flagged,
            "unparsed": self.unparsed,
            "undated": self.undated,
            "rejects": self.rejects,
            "flags": dict(self.flags),
            "precision": dict(self.precision),
            "unparsed_text": dict(self.unparsed_text.most_common(100)),
            "flagged_text": dict(self.flagged_text.most_common(100)),
            "other": dict(self.other),
            "other_unparsed": dict(self.other_unparsed.most_common(100)),
        }


def collect(fmt: str, kind: str, folder: Path, options: dict[str, Any]) -> Tally:
    """Ingest every unit of `folder` with the `fmt` adapter and tally the record dates."""
    adapter = get_adapter(fmt)
    tally = Tally()
    for unit in adapter.find(folder, **options):
        try:
            for item in adapter.parse(unit, root=folder, collection="bench", kind=kind, **options):
                if isinstance(item, Record):
                    tally.add(item)
                elif isinstance(item, Reject):
                    tally.rejects += 1
        except SourceError:
            tally.rejects += 1
    return tally


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--raw", type=Path, default=ROOT / "data" / "raw")
    ap.add_argument("--bench", type=Path, default=None, help="extracted ../shared/bench corpora")
    ap.add_argument("--only", default="", help="comma-separated collection names")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    import yaml

    sources = [(n, k, f, args.shared / p, o) for n, k, f, p, o in SHARED]
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    kinds = {"book": "book", "cable": "cable", "museum": "museum", "press": "press"}
    for name, coll in params["collections"].items():
        path = ROOT / coll["path"]
        if coll["format"] == "tesseract" or not path.exists():
            continue  # OCR is measured by bench_ocr; its dates come from the path
        if path.is_relative_to(args.raw):
            sources.append(
                (f"raw:{name}", kinds[coll["kind"]], coll["format"], path, coll.get("options", {}))
            )
    if args.bench:
        sources += [(n, k, f, args.bench / p, o) for n, k, f, p, o in BENCH]
    only = {s for s in args.only.split(",") if s}
    by_kind: dict[str, Tally] = defaultdict(Tally)
    by_coll: dict[str, tuple[str, Tally]] = {}
    t0 = time.perf_counter()
    for name, kind, fmt, path, options in sources:
        if (only and name not in only) or not path.exists():
            continue
        tally = collect(fmt, kind, path, dict(options))
        by_coll[name] = (kind, tally)
        by_kind[kind].merge(tally)
    header = (
        "| collection | records | parsed | flagged | unparsed | undated | kept with flag | "
        "other dates parsed |\n|---|---|---|---|---|---|---|---|"
    )
    print(header)
    for name, (_kind, tally) in sorted(by_coll.items(), key=lambda kv: (kv[1][0], kv[0])):
        print(tally.row(name))
    print()
    print(header)
    total = Tally()
    for kind in KINDS:
        if kind in by_kind:
            print(by_kind[kind].row(f"**{kind}**"))
            total.merge(by_kind[kind])
    print(total.row("**all**"))
    for kind in KINDS:
        if kind not in by_kind:
            continue
        t = by_kind[kind]
        for title, counter in (
            ("unparsed", t.unparsed_text),
            ("dropped with a flag", t.flagged_text),
            ("other dates not parsed", t.other_unparsed),
        ):
            if counter:
                print(f"\n{kind}: most common {title} ({sum(counter.values())})")
                for text, n in counter.most_common(args.top):
                    print(f"  {n:5d}  {text}")
    print(f"\n{time.perf_counter() - t0:.1f} s")
    if args.json:
        out = {
            "by_collection": {n: {"kind": k, **t.as_json()} for n, (k, t) in by_coll.items()},
            "by_kind": {k: t.as_json() for k, t in by_kind.items()},
        }
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
