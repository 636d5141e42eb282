"""Concurrency: read-only warehouse connections while the pipeline rebuilds the warehouse.

Reader processes and threads open `Warehouse.open()` in a loop while `warehouse.build.build`
rebuilds the same path several times (TCP books, then FRUS cables): every read sees one whole
warehouse, old or new, never an error; a reader opened after a rebuild sees the new data.
Spec: warehouse/build.py (temporary file + os.replace); issue 8.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pipeline import ingest
from pipeline.params import load_params
from tests.conftest import ROOT
from warehouse.build import build
from warehouse.queries import Warehouse

logger = logging.getLogger(__name__)

SYNC = {"scheduler": "synchronous"}
EXPECTED = {7: "tcp", 287: "frus"}  # documents in each version of the warehouse

READER = """
import json, sys, time
from pathlib import Path
from warehouse.queries import Warehouse
db, stop = Path(sys.argv[1]), Path(sys.argv[2])
seen, errors = [], []
while not stop.exists() or not seen:
    try:
        with Warehouse.open(db) as wh:
            n = int(wh.sql("select count(*) n from documents")["n"][0])
            kinds = set(wh.sql("select distinct kind from documents")["kind"])
            # one connection sees one file: its documents agree with its own count
            again = int(wh.sql("select count(*) n from documents where kind = ?",
                               [next(iter(kinds))])["n"][0])
            seen.append([n, sorted(kinds), again])
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
print(json.dumps({"seen": seen, "errors": errors}))
"""


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict[str, list[Path]]]:
    params = load_params(ROOT / "params.yaml")
    out = {}
    for n, name in EXPECTED.items():
        dest = tmp_path_factory.mktemp(name)
        ingest.run(params.collections[name], dest, dask_section=SYNC)
        out[n] = {t: [dest / f"{t}.parquet"] for t in ("documents", "pages", "rejects")}
    return out


def check_view(n: int, kinds: list[str], again: int) -> None:
    assert n in EXPECTED, n
    assert kinds == (["book"] if EXPECTED[n] == "tcp" else ["cable"])
    assert again == n


def test_readers_never_see_a_half_built_warehouse(
    tmp_path: Path, sources: dict[int, dict[str, list[Path]]]
) -> None:
    db = tmp_path / "longue.duckdb"
    stop = tmp_path / "stop"
    build(db, sources[7])
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(db), str(stop)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    thread_seen: list[list[object]] = []
    thread_errors: list[str] = []

    def read_in_thread() -> None:
        while not stop.exists() or not thread_seen:
            try:
                with Warehouse.open(db) as wh:
                    n = int(wh.sql("select count(*) n from documents")["n"][0])
                    kinds = sorted(set(wh.sql("select distinct kind from documents")["kind"]))
                    thread_seen.append([n, kinds, n])
            except Exception as exc:  # recorded and asserted below
                thread_errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=read_in_thread) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for i in range(6):
            counts = build(db, sources[287 if i % 2 == 0 else 7])
            assert counts["documents"] == (287 if i % 2 == 0 else 7)
            # a reader opened after the rebuild sees the new data
            with Warehouse.open(db) as wh:
                assert wh.sql("select count(*) n from documents")["n"][0] == counts["documents"]
    finally:
        stop.touch()
        for t in threads:
            t.join(timeout=120)
    results = []
    for proc in readers:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        results.append(json.loads(out))
    for result in results:
        assert result["errors"] == []
        for view in result["seen"]:
            check_view(*view)
    assert thread_errors == []
    for view in thread_seen:
        check_view(*view)  # type: ignore[arg-type]
    seen = {v[0] for r in results for v in r["seen"]} | {v[0] for v in thread_seen}
    logger.info(
        "reads: %d in processes, %d in threads; versions seen %s",
        sum(len(r["seen"]) for r in results),
        len(thread_seen),
        seen,
    )
    assert seen == set(EXPECTED)  # the reads did span the rebuilds
    assert sorted(p.name for p in tmp_path.iterdir()) == ["longue.duckdb", "stop"]


def test_a_connection_opened_before_a_rebuild_keeps_its_whole_view(
    tmp_path: Path, sources: dict[int, dict[str, list[Path]]]
) -> None:
    db = tmp_path / "longue.duckdb"
    build(db, sources[7])
    with Warehouse.open(db) as old:
        build(db, sources[287])
        assert old.sql("select count(*) n from documents")["n"][0] == 7
        with Warehouse.open(db) as new:
            assert new.sql("select count(*) n from documents")["n"][0] == 287
