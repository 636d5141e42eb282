"""`longue add-collection / validate / status / remove-collection` in a scratch copy of the repo.

Never touches /work/main's params.yaml: every test works in a fresh git + DVC copy of the tracked
files, on real folders (committed samples, ../shared/corpora when present).
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.collections import (
    Project,
    add_entry,
    add_main,
    remove_entry,
    remove_main,
    status_main,
    validate_main,
)
from pipeline.detect import detect_formats, survey
from pipeline.params import ConfigError
from tests.conftest import SAMPLES, copy_repository, shared_path

VENV_BIN = Path(sys.executable).parent
CORPUS_STAGES = {"topics", "embeddings", "evaluate_ocr", "warehouse"}


def _env(repo: Path) -> dict[str, str]:
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}", LONGUE_PROGRESS="0")
    env.update(LONGUE_ROOT=str(repo), LONGUE_DASK_SCHEDULER="synchronous")
    return env


def _run(args: list[str], repo: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        args, cwd=repo, env=_env(repo), capture_output=True, text=True, timeout=600
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh git + DVC copy of the repository's files, without the pipeline's outputs."""
    dest = tmp_path_factory.mktemp("collections") / "longue-duree"
    dest.mkdir()
    return copy_repository(dest)


BASELINE: set[str] = set()  # stages out of date in the copy before any test changed it


@pytest.fixture
def clean_repo(reproduced_repo: Path, tmp_path: Path) -> Path:
    """A copy of the session's fully reproduced repository: `dvc status` is clean there."""
    repo = tmp_path / "longue-duree"
    shutil.copytree(reproduced_repo, repo, symlinks=True)
    BASELINE.clear()
    BASELINE.update(_status(repo))
    assert set() == BASELINE, BASELINE
    return repo


def _status(repo: Path) -> set[str]:
    return set(json.loads(_run(["dvc", "status", "--json"], repo).stdout or "{}"))


def _only_insertions(before: str, after: str) -> list[str]:
    """Lines added to params.yaml; fails if any existing line changed or moved."""
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    assert not [d for d in diff if d.startswith("- ")], "existing lines were changed"
    return [d[2:] for d in diff if d.startswith("+ ")]


def test_detection_on_committed_samples() -> None:
    assert detect_formats(survey(SAMPLES / "alto"))[0].format == "alto"
    assert detect_formats(survey(SAMPLES / "tei"))[0].format == "tei"
    best = detect_formats(survey(SAMPLES / "tate"))[0]
    assert best.format == "tate" and "JSON" in best.summary and "CSV" in best.summary


def test_add_collection_writes_only_its_entry_and_dvc_runs_only_its_stages(
    clean_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = clean_repo
    src = shared_path("press", "bl-newspapers")
    shutil.copytree(src, repo / "data" / "raw" / "bl-newspapers")
    before = (repo / "params.yaml").read_text(encoding="utf-8")
    code = add_main(
        [
            "bl-newspapers",
            "--path",
            str(repo / "data" / "raw" / "bl-newspapers"),
            "--language",
            "en",
            "--description",
            "BL newspapers 1824 and 1855",
        ],
        project=Project(repo),
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "format: alto (detected: 2 METS files, 8 ALTO pages" in out
    assert "The Statesman, 1824-02-17" in out  # a title from the sampled METS issue
    assert "this collection: ingest@bl-newspapers, nlp@bl-newspapers" in out
    added = _only_insertions(before, (repo / "params.yaml").read_text(encoding="utf-8"))
    assert added == [
        "  bl-newspapers:",
        "    kind: press",
        "    format: alto",
        "    path: data/raw/bl-newspapers",
        "    languages: [en]",
        "    description: BL newspapers 1824 and 1855",
    ]
    entry = yaml.safe_load((repo / "params.yaml").read_text())["collections"]["bl-newspapers"]
    assert entry["path"] == "data/raw/bl-newspapers" and entry["kind"] == "press"
    changed = _status(repo)
    assert {"ingest@bl-newspapers", "nlp@bl-newspapers"} <= changed
    assert changed - {"ingest@bl-newspapers", "nlp@bl-newspapers"} <= CORPUS_STAGES
    assert {"topics", "embeddings", "warehouse"} <= changed | BASELINE  # they read the registry
    # a second add under the same name is refused
    with pytest.raises(ConfigError, match="already exists"):
        add_main(["bl-newspapers", "--path", str(src), "--no-dvc"], project=Project(repo))


def test_wrong_format_names_the_likely_right_one(repo: Path) -> None:
    before = (repo / "params.yaml").read_text(encoding="utf-8")
    cli = [sys.executable, "-m", "pipeline.cli", "add-collection"]
    proc = _run([*cli, "tcp-two", "--path", "data/raw/tcp", "--format", "alto"], repo, False)
    assert proc.returncode == 1
    assert "this looks like TEI (7 TEI files), not ALTO: use --format tei" in proc.stderr
    proc = _run(
        [
            *cli,
            "luxzeit-two",
            "--path",
            "data/raw/bnl-luxzeit",
            "--format",
            "tei",
            "--kind",
            "press",
        ],
        repo,
        False,
    )
    assert proc.returncode == 1
    assert "this looks like ALTO (1 METS file, 4 ALTO pages), not TEI: use --format alto" in (
        proc.stderr
    )
    proc = _run([*cli, "Bad_Name", "--path", "data/raw/tcp"], repo, False)
    assert proc.returncode == 2 and "try 'bad-name'" in proc.stderr
    assert (repo / "params.yaml").read_text(encoding="utf-8") == before


def test_validate_reports_the_broken_file_and_its_reason(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = repo / "data" / "raw" / "tcp-broken"
    folder.mkdir(parents=True)
    for name in ("tcp_A83466.xml", "broken_truncated_B10000.xml"):
        shutil.copy2(SAMPLES / "tei" / name, folder / name)
    project = Project(repo)
    add_entry(
        project.params,
        "tcp-broken",
        {"kind": "book", "format": "tei", "path": "data/raw/tcp-broken"},
    )
    code = validate_main(["tcp-broken", "--synchronous"], project=project)
    out = capsys.readouterr().out
    assert "2 unit(s) -> 1 records" in out and "{'bad_xml': 1}" in out
    assert "reject bad_xml: tcp-broken/broken_truncated_B10000.xml: Premature end of data" in out
    assert code == 0  # 50% rejected is not above ingest.max_reject_share (0.5)
    (folder / "tcp_A83466.xml").unlink()
    assert validate_main(["tcp-broken", "--synchronous"], project=project) == 1
    assert not (repo / "data" / "staged" / "tcp-broken").exists()  # a dry run writes nothing
    remove_entry(project.params, "tcp-broken")


def test_add_then_remove_restores_params_byte_for_byte(repo: Path) -> None:
    project = Project(repo)
    before = project.params.read_text(encoding="utf-8")
    add_entry(
        project.params,
        "tate-sample",
        {
            "kind": "museum",
            "format": "tate",
            "path": "data/raw/tate",
            "options": {"use_date_range": False},
        },
    )
    text = project.params.read_text(encoding="utf-8")
    assert "    options: {use_date_range: false}\n" in text
    remove_entry(project.params, "tate-sample")
    assert project.params.read_text(encoding="utf-8") == before
    # renaming keeps the entry's place and follows it into evaluate.ocr
    remove_entry(project.params, "bnl-ocr", rename="bnl-scans")
    data = yaml.safe_load(project.params.read_text(encoding="utf-8"))
    assert (
        list(data["collections"])[list(yaml.safe_load(before)["collections"]).index("bnl-ocr")]
        == "bnl-scans"
    )
    assert "bnl-scans" in data["evaluate"]["ocr"] and "bnl-ocr" not in data["evaluate"]["ocr"]
    remove_entry(project.params, "bnl-scans", rename="bnl-ocr")
    assert project.params.read_text(encoding="utf-8") == before


def test_remove_collection_removes_entry_outputs_and_lock_entries(
    clean_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = clean_repo
    project = Project(repo)
    shutil.copytree(SAMPLES / "tate", repo / "data" / "raw" / "tate-extra")
    assert (
        add_main(
            ["tate-extra", "--path", str(repo / "data" / "raw" / "tate-extra"), "--no-dvc"],
            project=project,
        )
        == 0
    )
    _run(["dvc", "repro", "-s", "ingest@tate-extra"], repo)
    staged = repo / "data" / "staged" / "tate-extra"
    assert (staged / "documents.parquet").exists()
    assert "ingest@tate-extra" in (repo / "dvc.lock").read_text(encoding="utf-8")
    capsys.readouterr()
    assert status_main(["--json"], project=project) == 0
    rows = {r["collection"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["tate-extra"]["records"] == 12  # 4 JSON artworks + 8 rows of the CSV excerpt
    assert rows["tate-extra"]["dvc"] == "to run: nlp@tate-extra"
    assert rows["tate-extra"]["last_run"] is not None

    assert remove_main(["tate-extra"], project=project) == 0
    out = capsys.readouterr().out
    assert "deleted data/staged/tate-extra" in out and "dropped ingest@tate-extra" in out
    assert not staged.exists() and not (repo / "reports" / "ingest" / "tate-extra.json").exists()
    assert "tate-extra" not in yaml.safe_load(project.params.read_text())["collections"]
    assert "tate-extra" not in (repo / "dvc.lock").read_text(encoding="utf-8")
    assert not {s for s in _status(repo) if "tate-extra" in s}
    assert (repo / "data" / "raw" / "tate-extra").is_dir()  # raw files are never touched
