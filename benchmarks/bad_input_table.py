"""The closing table of issue 8: each bad-input class, records lost, and the reason reported.

    .venv/bin/python benchmarks/bad_input_table.py [--markdown]

Runs the real ingest stage over the cases of tests/test_bad_input.py (good sample + bad files,
generated in a temporary folder) and over the good sample alone; "records lost" counts good
records missing or changed. Spec: issue 8.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_bad_input import CASES, FORMATS, rejects_of, run_format  # noqa: E402

logger = logging.getLogger(__name__)


def build_rows() -> list[dict[str, str | int]]:
    """One row per case: input class, format, records lost, reason and detail as reported."""
    rows: list[dict[str, str | int]] = []
    with tempfile.TemporaryDirectory(prefix="bad-input-") as tmp:
        for fmt in FORMATS:
            good = run_format(Path(tmp) / f"good-{fmt}", fmt, with_bad=False)
            bad = run_format(Path(tmp) / f"bad-{fmt}", fmt, with_bad=True)
            texts = {d["doc_id"]: d["text"] for d in bad["documents"]}
            lost = sum(1 for d in good["documents"] if texts.get(d["doc_id"]) != d["text"])
            for case in (c for c in CASES if c.fmt == fmt):
                found = rejects_of(case, bad["rejects"])
                kept = any(d["source_path"].endswith(case.name) for d in bad["documents"])
                rows.append(
                    {
                        "input class": case.label,
                        "format": fmt,
                        "good records": len(good["documents"]),
                        "records lost": lost,
                        "rejects rows": len(found),
                        "reason": ", ".join(r["reason"] for r in found)
                        or ("(kept as a record)" if kept else "(none)"),
                        "detail": " | ".join(r["detail"] for r in found)[:110],
                    }
                )
    return rows


def print_table(rows: list[dict[str, str | int]], markdown: bool) -> None:
    """Print the rows as a Markdown table or aligned columns."""
    keys = list(rows[0])
    if markdown:
        print("| " + " | ".join(keys) + " |")
        print("|" + "---|" * len(keys))
        for row in rows:
            print("| " + " | ".join(str(row[k]).replace("|", "/") for k in keys) + " |")
        return
    widths = {k: min(60, max(len(k), *(len(str(r[k])) for r in rows))) for k in keys}
    print("  ".join(k.ljust(widths[k]) for k in keys))
    for row in rows:
        print("  ".join(str(row[k])[: widths[k]].ljust(widths[k]) for k in keys))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("LONGUE_PROGRESS", "0")
    rows = build_rows()
    print_table(rows, args.markdown)
    lost = sum(int(r["records lost"]) for r in {str(r["format"]): r for r in rows}.values())
    one_each = all(
        r["rejects rows"] == (0 if r["reason"] == "(kept as a record)" else 1) for r in rows
    )
    print(
        f"\n{len(rows)} input classes, records lost: {lost}, one rejects row per bad file: "
        f"{one_each}; load average {os.getloadavg()}"
    )
    return 0 if lost == 0 and one_each else 1


if __name__ == "__main__":
    sys.exit(main())
