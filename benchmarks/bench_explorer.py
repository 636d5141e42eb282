"""Explorer benchmark: milliseconds per view of `longue explore`, through its HTTP API.

Issue 19: every view should answer in under a second on the ~50 M-token bench warehouse.

    python benchmarks/bench_explorer.py               # the test fixture, built in a tmp dir
    python benchmarks/bench_explorer.py --warehouse /tmp/longue-bench-warehouse/longue.duckdb

The real application (warehouse/explorer/app.py) is served by uvicorn in a thread on a free port
and each view is fetched as the page fetches it (JSON, and CSV for the timeline), `--repeat`
times; the first call of each view is reported apart (cold: DuckDB reads its blocks), then the
median of the others. Terms: `--term` (repeatable), else the warehouse's most frequent
alphabetic non-stop lemma, a wildcard of its first letters and a two-word phrase of a KWIC line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pipeline.explore import free_port  # noqa: E402
from warehouse.explorer.api import Explorer  # noqa: E402
from warehouse.explorer.app import create_app  # noqa: E402
from warehouse.queries import Warehouse  # noqa: E402


def fetch(base: str, view: str, params: list[tuple[str, str]]) -> tuple[float, Any]:
    url = f"{base}/api/{view}?{urllib.parse.urlencode(params)}"
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=300) as r:
        body = r.read()
    elapsed = (time.perf_counter() - start) * 1000
    is_json = r.headers.get("content-type", "").startswith("application/json")
    return elapsed, json.loads(body) if is_json else body


def default_terms(wh: Warehouse) -> list[str]:
    top = wh.sql(
        "SELECT term FROM terms WHERE field = 'lemma' AND is_alpha AND NOT is_stop "
        "AND length(term) >= 5 ORDER BY n_occurrences DESC LIMIT 1"
    )["term"].iloc[0]
    return [str(top), f"{str(top)[:4]}*"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="DuckDB file (default: build the fixture)")
    parser.add_argument("--raw", type=Path, default=ROOT / "data" / "raw")
    parser.add_argument("--term", action="append", help="term to time (repeatable)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    if args.warehouse is None:
        from warehouse_fixture import make_fixture_warehouse

        tmp = Path(tempfile.mkdtemp(prefix="bench-explorer-"))
        print(f"building the fixture warehouse in {tmp} ...", flush=True)
        db = make_fixture_warehouse(tmp).db_path
    else:
        db = args.warehouse
    import uvicorn

    start = time.perf_counter()
    wh = Warehouse.open(db)
    explorer = Explorer(wh, args.raw)
    explorer.warm()
    ready_s = time.perf_counter() - start
    tokens = int(wh.sql("SELECT sum(n_tokens) AS n FROM doc_lengths")["n"].iloc[0] or 0)
    n_docs = int(wh.sql("SELECT count(*) AS n FROM documents")["n"].iloc[0])
    terms = args.term or default_terms(wh)

    port = free_port("127.0.0.1")
    server = uvicorn.Server(
        uvicorn.Config(create_app(explorer), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    while not server.started:
        time.sleep(0.05)

    print(f"warehouse {db}: {n_docs:,} documents, {tokens:,} tokens; ready in {ready_s:.1f} s")
    print(f"terms: {terms}")
    # the views a historian goes through, in order; later ones use what earlier ones returned
    _, timeline = fetch(base, "timeline", [("term", t) for t in terms] + [("by", "decade")])
    rows = [r for r in timeline["rows"] if r["term"] == terms[0] and r["count"]]
    peak = max(rows, key=lambda r: r["count"])
    period = [("start", str(peak["period"])), ("end", str(peak["period_end"]))]
    _, kwic = fetch(base, "kwic", [("term", terms[0]), *period])
    line = kwic["rows"][0]
    after, before = line["right"].split()[:1], line["left"].split()[-1:]
    if after and after[0].isalpha():
        phrase = f"{line['match']} {after[0]}".lower()
    elif before and before[0].isalpha():
        phrase = f"{before[0]} {line['match']}".lower()
    else:
        phrase = terms[0]
    plan: list[tuple[str, str, list[tuple[str, str]]]] = [
        ("meta", "meta", []),
        ("timeline (terms, decade)", "timeline", [("term", t) for t in terms]),
        (
            "timeline (split kind, smooth 2)",
            "timeline",
            [("term", terms[0]), ("split", "kind"), ("smooth", "2")],
        ),
        (f"timeline (phrase {phrase!r})", "timeline", [("term", phrase), ("by", "decade")]),
        ("timeline CSV", "timeline", [("term", terms[0]), ("format", "csv")]),
        ("composition (decade, kind)", "composition", [("by", "decade")]),
        ("kwic (peak period)", "kwic", [("term", terms[0]), *period]),
        ("kwic (all periods, 500 lines)", "kwic", [("term", terms[0]), ("limit", "500")]),
        (
            "document (with passage)",
            "document",
            [("doc_id", line["doc_id"]), ("gpos", str(line["gpos"])), ("length", "1")],
        ),
        ("neighbours", "neighbours", [("word", terms[0])]),
        ("drift", "drift", []),
        ("topics", "topics", []),
        ("actors", "actors", []),
    ]
    print(f"{'view':40} {'cold ms':>9} {'median ms':>10} {'max ms':>8}  rows")
    worst = 0.0
    for label, view, params in plan:
        times = []
        n_rows: Any = "-"
        for _ in range(args.repeat):
            ms, body = fetch(base, view, params)
            times.append(ms)
            if isinstance(body, dict):
                n_rows = len(body.get("rows", []))
        warm = times[1:] or times
        worst = max(worst, max(times))
        print(
            f"{label:40} {times[0]:9.1f} {statistics.median(warm):10.1f} {max(warm):8.1f}  {n_rows}"
        )
    print(f"slowest call: {worst:.0f} ms ({'under' if worst < 1000 else 'OVER'} 1 s)")
    server.should_exit = True
    thread.join(timeout=10)
    wh.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
