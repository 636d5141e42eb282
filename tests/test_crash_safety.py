"""Crash safety: a stage killed mid-run leaves the previous output or nothing, never a half one.

Stages run as subprocesses of a scratch copy of the repository and are SIGKILLed mid-run: at a
fixed point inside the atomic output directory (a hook pauses the real run there), or as soon as
the temporary directory appears. Spec: pipeline/io.py atomic_dir/atomic_path; issue 8.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from pipeline import ingest
from pipeline.params import load_params
from tests.conftest import ROOT
from warehouse.build import build
from warehouse.queries import Warehouse

TABLES = ("documents", "pages", "rejects")
CODE = ("ingest", "pipeline", "models", "warehouse")
RAW = ("tcp", "frus")


def make_scratch(dest: Path, raw: tuple[str, ...] = RAW) -> Path:
    """A copy of the code, params.yaml and the raw folders these tests ingest."""
    for name in CODE:
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["collections"] = {k: v for k, v in params["collections"].items() if k in raw}
    (dest / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    for name in raw:
        shutil.copytree(ROOT / "data" / "raw" / name, dest / "data" / "raw" / name)
    return dest


def scratch_env(repo: Path) -> dict[str, str]:
    env = dict(
        os.environ,
        LONGUE_ROOT=str(repo),
        LONGUE_DASK_SCHEDULER="synchronous",
        LONGUE_PROGRESS="0",
        PYTHONPATH=str(repo),
    )
    env.pop("LONGUE_DASK_ADDRESS", None)
    return env


# Runs the real stage; the hook pauses it right after `PAUSE_AFTER` is written inside the
# stage's temporary output directory, and says so on stdout.
PAUSING_INGEST = """
import os, sys, time
import pipeline.ingest as stage
real = stage.write_parquet
def pausing(table, path):
    real(table, path)
    if path.name == os.environ["PAUSE_AFTER"]:
        print("PAUSED", path.parent, flush=True)
        time.sleep(600)
stage.write_parquet = pausing
sys.exit(stage.main([sys.argv[1]]))
"""

PAUSING_BUILD = """
import sys, time
from pathlib import Path
import warehouse.build as wb
real = wb.check_unique_documents
def pausing(con):
    real(con)
    print("PAUSED", flush=True)
    time.sleep(600)
wb.check_unique_documents = pausing
wb.build(Path(sys.argv[1]), {"documents": [Path(sys.argv[2])]})
"""


def run_stage(repo: Path, collection: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.ingest", collection],
        cwd=repo,
        env=scratch_env(repo),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


def kill_when_paused(args: list[str], repo: Path, env: dict[str, str]) -> str:
    """Start `args`, wait for its PAUSED line, SIGKILL it; return that line."""
    proc = subprocess.Popen(
        args, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("PAUSED"):
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
                return line
        raise AssertionError(f"the run ended ({proc.wait()}) without pausing")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def snapshot(out: Path) -> dict[str, object]:
    """The output directory as the tables and file names it holds."""
    if not out.exists():
        return {}
    return {
        "files": sorted(p.relative_to(out).as_posix() for p in out.rglob("*")),
        **{t: pq.read_table(out / f"{t}.parquet") for t in TABLES},
    }


def same(a: dict[str, object], b: dict[str, object]) -> bool:
    return a.keys() == b.keys() and all(
        a[k] == b[k] if k == "files" else a[k].equals(b[k])  # type: ignore[union-attr]
        for k in a
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_scratch(tmp_path / "repo")


def test_a_killed_ingest_keeps_the_previous_output_and_a_rerun_equals_a_clean_run(
    repo: Path,
) -> None:
    out = repo / "data" / "staged" / "tcp"
    run_stage(repo, "tcp")
    reference = snapshot(out)
    assert reference and reference["documents"].num_rows == 7  # type: ignore[union-attr]
    report = json.loads((repo / "reports" / "ingest" / "tcp.json").read_text())

    # killed with documents.parquet written and rejects.parquet not yet: a half-built output
    env = dict(scratch_env(repo), PAUSE_AFTER="pages.parquet")
    line = kill_when_paused([sys.executable, "-c", PAUSING_INGEST, "tcp"], repo, env)
    half = Path(line.split(maxsplit=1)[1].strip())
    assert half.name.startswith(".tcp.") and half.name.endswith(".tmp")
    assert (half / "documents.parquet").exists() and not (half / "rejects.parquet").exists()
    assert same(snapshot(out), reference)  # the previous output, untouched
    assert json.loads((repo / "reports" / "ingest" / "tcp.json").read_text()) == report

    # and with no previous output, a killed run leaves nothing under the output's name
    shutil.rmtree(out)
    kill_when_paused([sys.executable, "-c", PAUSING_INGEST, "tcp"], repo, env)
    assert not out.exists()

    run_stage(repo, "tcp")
    assert same(snapshot(out), reference)
    assert list(out.parent.glob(".tcp.*")) == []  # the half-written directory was cleared


def test_a_stage_killed_as_soon_as_its_tmp_dir_appears(repo: Path) -> None:
    staged = repo / "data" / "staged"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.ingest", "frus"],
        cwd=repo,
        env=scratch_env(repo),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not list(staged.glob(".frus.*.tmp")) and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    if proc.returncode != -signal.SIGKILL:
        pytest.skip("the stage finished before it could be killed")
    assert not (staged / "frus").exists()
    run_stage(repo, "frus")
    interrupted_then_rerun = snapshot(staged / "frus")
    clean = repo / "clean-frus"
    params = load_params(repo / "params.yaml")
    ingest.run(params.collections["frus"], clean, dask_section={"scheduler": "synchronous"})
    assert same(interrupted_then_rerun, snapshot(clean))
    assert interrupted_then_rerun["documents"].num_rows == 287  # type: ignore[union-attr]


def test_atomic_dir_restores_the_previous_output_after_a_kill_between_the_renames(
    tmp_path: Path,
) -> None:
    from pipeline.io import atomic_dir

    out = tmp_path / "out"
    with atomic_dir(out) as tmp:
        (tmp / "a.txt").write_text("first", encoding="utf-8")
    # the state a SIGKILL leaves right after `os.replace(path, old)`
    os.replace(out, tmp_path / ".out.old.tmp")
    (tmp_path / ".out.x1.tmp").mkdir()
    with pytest.raises(RuntimeError), atomic_dir(out) as tmp:
        assert (out / "a.txt").read_text(encoding="utf-8") == "first"
        raise RuntimeError("the second run fails too")
    assert (out / "a.txt").read_text(encoding="utf-8") == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _staged_documents(tmp: Path, name: str) -> Path:
    params = load_params(ROOT / "params.yaml")
    ingest.run(params.collections[name], tmp / name, dask_section={"scheduler": "synchronous"})
    return tmp / name / "documents.parquet"


def test_a_killed_warehouse_rebuild_leaves_readers_the_old_file(repo: Path, tmp_path: Path) -> None:
    db = tmp_path / "wh" / "longue.duckdb"
    old_docs = _staged_documents(tmp_path, "tcp")
    new_docs = _staged_documents(tmp_path, "frus")
    build(db, {"documents": [old_docs]})
    before = db.read_bytes()
    env = scratch_env(repo)
    kill_when_paused([sys.executable, "-c", PAUSING_BUILD, str(db), str(new_docs)], repo, env)
    assert db.read_bytes() == before
    with Warehouse.open(db) as wh:
        assert wh.sql("select count(*) n from documents")["n"][0] == 7
    build(db, {"documents": [new_docs]})
    with Warehouse.open(db) as wh:
        assert wh.sql("select count(*) n from documents")["n"][0] == 287


def test_a_rebuild_clears_a_killed_builds_temporary_file(repo: Path, tmp_path: Path) -> None:
    db = tmp_path / "wh" / "longue.duckdb"
    docs = _staged_documents(tmp_path, "tcp")
    kill_when_paused(
        [sys.executable, "-c", PAUSING_BUILD, str(db), str(docs)], repo, scratch_env(repo)
    )
    assert list(db.parent.glob(".*.building*"))  # the killed build's half-written file
    build(db, {"documents": [docs]})
    assert sorted(p.name for p in db.parent.iterdir()) == ["longue.duckdb"]


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def run_nlp(repo: Path, collection: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.nlp", collection],
        cwd=repo,
        env=scratch_env(repo),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_a_killed_nlp_stage_resumes_its_finished_parts_and_gives_byte_identical_output(
    repo: Path,
) -> None:
    """kill -9 mid-annotation; the re-run reuses the finished parts (their files untouched)
    and the output equals an uninterrupted run's byte for byte. Spec: pipeline/resume.py."""
    run_stage(repo, "frus")
    out = repo / "data" / "nlp" / "frus"
    work = repo / "data" / "nlp" / ".frus.resume"
    run_nlp(repo, "frus")
    reference = _files(out)
    assert not work.exists()  # a finished run leaves no work folder
    assert any(name.startswith("tokens/part-") for name in reference)
    shutil.rmtree(out)

    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.nlp", "frus"],
        cwd=repo,
        env=scratch_env(repo),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 600
        while len(list((work / "done").glob("*.json"))) < 2 and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != -signal.SIGKILL:
        pytest.skip("the stage finished before it could be killed")
    assert not out.exists()  # never a half-written output
    done = sorted(p.stem for p in (work / "done").glob("*.json"))
    plan = json.loads((work / "resume.json").read_text(encoding="utf-8"))["plan"]
    assert 2 <= len(done) < len(plan)
    kept = {name: (work / "tokens" / f"{name}.parquet").stat().st_mtime_ns for name in done}

    rerun = run_nlp(repo, "frus")
    assert f"{len(done)} of {len(plan)} tasks already done" in rerun.stderr
    assert _files(out) == reference  # byte-identical to the uninterrupted run
    for name, mtime in kept.items():  # the finished parts were reused, not recomputed
        assert (out / "tokens" / f"{name}.parquet").stat().st_mtime_ns == mtime
    assert not work.exists()


def test_an_interrupted_runs_parts_are_discarded_when_its_inputs_differ(tmp_path: Path) -> None:
    from pipeline.resume import mark_done, resumable_dir

    out = tmp_path / "out"
    with pytest.raises(RuntimeError), resumable_dir(out, {"input": "a"}) as work:
        work.set_plan([[0, 0, 5]])
        (work.folder / "part.parquet").write_bytes(b"written from input a")
        mark_done(work.folder, "part", {"n": 1})
        raise RuntimeError("killed")
    assert not out.exists()
    with pytest.raises(RuntimeError), resumable_dir(out, {"input": "a"}) as work:
        assert work.resumed and work.plan == [[0, 0, 5]]
        assert work.finished("part") == {"n": 1} and work.finished("other") is None
        raise RuntimeError("killed again")
    with resumable_dir(out, {"input": "b"}) as work:  # another input: nothing is reused
        assert not work.resumed and work.plan is None and work.finished("part") is None
        assert not (work.folder / "part.parquet").exists()
        (work.folder / "part.parquet").write_bytes(b"written from input b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in out.iterdir()) == ["part.parquet"]  # no bookkeeping left


def test_a_killed_ocr_ingest_reocrs_only_the_pages_it_had_not_finished(tmp_path: Path) -> None:
    """kill -9 (the whole process group, Tesseract included) after the first page is OCRed;
    the re-run reuses that page and the output equals an uninterrupted run's."""
    repo = make_scratch(tmp_path / "repo", raw=("bnl-ocr",))
    staged = repo / "data" / "staged"
    cache = staged / ".bnl-ocr.ocr-resume"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.ingest", "bnl-ocr"],
        cwd=repo,
        env=scratch_env(repo),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not list(cache.glob("*.xml")) and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if proc.returncode != -signal.SIGKILL:
        pytest.skip("the stage finished before it could be killed")
    assert not (staged / "bnl-ocr").exists()
    n_cached = len(list(cache.glob("*.xml")))
    assert 1 <= n_cached < 3

    rerun = subprocess.run(
        [sys.executable, "-m", "pipeline.ingest", "bnl-ocr"],
        cwd=repo,
        env=scratch_env(repo),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert rerun.stderr.count("page(s) reused from an interrupted run's OCR") == n_cached
    assert not cache.exists()  # removed once the stage succeeded
    clean = repo / "clean"
    params = load_params(repo / "params.yaml")
    ingest.run(params.collections["bnl-ocr"], clean, dask_section={"scheduler": "synchronous"})
    assert same(snapshot(staged / "bnl-ocr"), snapshot(clean))
    assert _files(staged / "bnl-ocr" / "artefacts") == _files(clean / "artefacts")
