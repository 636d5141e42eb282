"""`dvc repro` outside the project's .venv fails with the fix, not a ModuleNotFoundError.

Every stage command of dvc.yaml is run as DVC runs it (a shell, `python` first on PATH) with
the `python` of a fresh virtual environment that has no packages, and with older interpreters
where this machine has them. pipeline/__init__.py holds the check; issue 20.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import pipeline
from tests.conftest import ROOT

SETUP = "bash scripts/setup.sh"


@pytest.fixture(scope="module")
def empty_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment of this Python's base interpreter without any package."""
    where = tmp_path_factory.mktemp("empty") / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(where)], check=True)
    return where


def stage_commands() -> list[str]:
    """Each stage's cmd in dvc.yaml, `${key}` filled with the first collection of params.yaml."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    key = next(iter(params["collections"]))
    cmds = [(s.get("do") or s)["cmd"].replace("${key}", key) for s in stages.values()]
    # a command may set environment variables first ("PYTHONHASHSEED=0 python -m ...")
    assert cmds and all(re.match(r"(?:\w+=\S+ )*python -m pipeline\.", c) for c in cmds), cmds
    return cmds


def run_in_shell(cmd: str, bin_dir: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        ["/bin/sh", "-c", cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("cmd", stage_commands())
def test_every_stage_names_the_fix_without_the_packages(
    cmd: str, empty_venv: Path, tmp_path: Path
) -> None:
    # a checkout without .venv (a fresh clone): the advice is to set up, then activate
    done = run_in_shell(cmd, empty_venv / "bin", cwd=copy_of_the_package(tmp_path))
    assert done.returncode == 1, done
    assert "ModuleNotFoundError" not in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.startswith("longue-duree: this Python lacks the project's packages: ")
    assert "spacy" in done.stderr and "duckdb" in done.stderr
    assert str(empty_venv / "bin" / "python") in done.stderr  # which Python it was
    assert SETUP in done.stderr and "source .venv/bin/activate" in done.stderr
    assert done.stdout == ""


def find_python(version: str) -> str | None:
    """An interpreter of that version on PATH or installed by pyenv, if it runs."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [shutil.which(f"python{version}")]
    candidates += [str(p / "bin" / "python") for p in sorted(pyenv.glob(f"{version}.*"))]
    for python in filter(None, candidates):
        done = subprocess.run([python, "-c", "pass"], capture_output=True, env={}, timeout=30)
        if done.returncode == 0:
            return python
    return None


@pytest.mark.parametrize("version", ["2.7", "3.6", "3.10"])
def test_an_old_python_is_told_the_version_needed(version: str, tmp_path: Path) -> None:
    python = find_python(version)
    if python is None:
        pytest.skip(f"no python{version} on this machine")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(python)
    done = run_in_shell(stage_commands()[0], bin_dir, cwd=copy_of_the_package(tmp_path))
    assert done.returncode == 1, done
    assert done.stderr.startswith("longue-duree: Python 3.11 or newer is needed"), done.stderr
    assert SETUP in done.stderr


def copy_of_the_package(tmp_path: Path) -> Path:
    """A repository holding only pipeline/__init__.py: the check needs nothing else."""
    repo = tmp_path / "repo"
    (repo / "pipeline").mkdir(parents=True)
    shutil.copy(Path(pipeline.__file__), repo / "pipeline" / "__init__.py")
    return repo


def test_an_existing_venv_that_is_not_active_is_named(tmp_path: Path, empty_venv: Path) -> None:
    repo = copy_of_the_package(tmp_path)
    (repo / ".venv" / "bin").mkdir(parents=True)
    (repo / ".venv" / "bin" / "python").symlink_to(empty_venv / "bin" / "python")
    done = run_in_shell("python -m pipeline.ingest x", empty_venv / "bin", cwd=repo)
    assert done.returncode == 1
    assert "The project's .venv exists but this is another Python" in done.stderr
    assert "source .venv/bin/activate" in done.stderr and SETUP not in done.stderr


def test_an_incomplete_project_venv_is_told_to_rerun_setup(tmp_path: Path) -> None:
    repo = copy_of_the_package(tmp_path)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(repo / ".venv")], check=True)
    done = run_in_shell("python -m pipeline.ingest x", repo / ".venv" / "bin", cwd=repo)
    assert done.returncode == 1
    assert "The project's .venv is incomplete" in done.stderr and SETUP in done.stderr


def test_the_project_venv_passes_the_check() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "longue-duree:" not in done.stderr
