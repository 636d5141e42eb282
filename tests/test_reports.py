"""pipeline.reports: committed stage metrics hold no run-dependent value; the run's part goes
to reports/runs/ (git-ignored) with the git commit; the run command ends with a summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pipeline import reports
from tests.conftest import ROOT


def test_timings_memory_and_addresses_leave_the_committed_metrics() -> None:
    metrics = {
        "n_documents": 287,
        "elapsed_s": 21.6,
        "tokens_per_s_annotate": 8917.8,
        "peak_rss_mb": 500.1,
        "cluster": {"address": "tcp://127.0.0.1:46445", "kind": "local", "n_workers": 2},
        "workers": {"tcp://127.0.0.1:1": {"pid": 1, "busy_s": 3.0}},
        "pipelines": {"fr": {"loaded": "fr_core_news_md", "n_sentences": 4}},
        "long_s_as_f": 12,  # the letter ſ of the OCR scores, not seconds
        "timings_s": {"docvec": 13.5},
    }
    stable, run = reports.split_run(metrics)
    assert stable == {
        "n_documents": 287,
        "cluster": {"kind": "local", "n_workers": 2},
        "pipelines": {"fr": {"loaded": "fr_core_news_md", "n_sentences": 4}},
        "long_s_as_f": 12,
    }
    assert run["cluster"] == {"address": "tcp://127.0.0.1:46445"}
    assert run["elapsed_s"] == 21.6 and run["workers"]["tcp://127.0.0.1:1"]["pid"] == 1


def test_write_report_puts_the_run_beside_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(reports, "REPORTS", tmp_path)
    path = tmp_path / "nlp" / "frus.json"
    reports.write_report({"n_tokens": 10, "elapsed_s": 1.5}, path)
    assert json.loads(path.read_text()) == {"n_tokens": 10}
    run = json.loads((tmp_path / "runs" / "nlp" / "frus.json").read_text())
    assert run["elapsed_s"] == 1.5 and "pipeline_version" in run and "git_commit" in run
    # two runs, same outputs: the committed file is the same bytes
    before = path.read_bytes()
    reports.write_report({"n_tokens": 10, "elapsed_s": 9.9}, path)
    assert path.read_bytes() == before


def test_committed_reports_hold_no_run_dependent_value() -> None:
    for path in sorted((ROOT / "reports").rglob("*.json")):
        if reports.RUNS in path.relative_to(ROOT / "reports").parts:
            continue
        _, run = reports.split_run(json.loads(path.read_text(encoding="utf-8")))
        assert not run, f"{path}: run-dependent values {sorted(run)} in a committed metric"


def test_summary_names_collections_and_how_to_open_the_warehouse() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pipeline.reports"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "collection" in out.stdout and "frus" in out.stdout
    assert "longue explore" in out.stdout and "Warehouse.open()" in out.stdout
    assert "python -m pipeline.reports" in (ROOT / "scripts" / "run.sh").read_text()
