"""Stage reports: what a run produced (committed DVC metrics) apart from how the run went.

A stage's report under `reports/` is a DVC metric committed with the code, so it must be the
same bytes whenever the same inputs give the same outputs: a fresh clone's first run must leave
`git status` clean. Timings, throughput, memory peaks, worker addresses and process ids change
on every run, so `write_report` moves them (and the git commit and time of the run) to
`reports/runs/<same name>.json`, which git ignores: users still see them, benchmarks read the
metrics `run()` returns, and nothing run-dependent reaches the committed file.

    python -m pipeline.reports            # the readable end of scripts/run.sh
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from pipeline.io import write_json
from pipeline.params import REPORTS, ROOT, load_params

RUNS = "runs"
# keys whose values change from run to run: durations (`*_s`), rates (`*_per_s`,
# `*_per_cpu_s`), memory (`*_mb`), load averages, worker and scheduler addresses, process ids
_RUN_KEY = re.compile(
    r"(?:^|_)(?:s|mb|per_s|per_cpu_s)(?:_|$)|loadavg|^(?:workers|address|pid|seconds)$"
)


def is_run_key(key: str) -> bool:
    """A key whose value changes from run to run (`long_s` is the letter ſ, not seconds)."""
    return "long_s" not in key and _RUN_KEY.search(key) is not None


def split_run(metrics: Any) -> tuple[Any, Any]:
    """(stable part, run-dependent part) of a report, recursively over mappings."""
    if not isinstance(metrics, dict):
        return metrics, None
    stable: dict[str, Any] = {}
    run: dict[str, Any] = {}
    for key, value in metrics.items():
        if is_run_key(str(key)):
            run[key] = value
            continue
        kept, moved = split_run(value)
        stable[key] = kept
        if moved:
            run[key] = moved
    return stable, run


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def runs_path(path: Path) -> Path:
    """Where the run-dependent part of report `path` goes."""
    try:
        relative = path.resolve().relative_to(REPORTS.resolve())
    except ValueError:
        return path.with_name(f"{path.stem}.run.json")
    return REPORTS / RUNS / relative


def write_report(metrics: dict[str, Any], path: Path) -> Path:
    """Write the stable part of `metrics` to `path` and the run's part beside it in runs/."""
    from ingest.record import PIPELINE_VERSION

    stable, run = split_run(metrics)
    write_json(stable, path)
    write_json(
        {
            **(run or {}),
            "git_commit": _git_commit(),
            "pipeline_version": PIPELINE_VERSION,
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
        runs_path(path),
    )
    return path


def _read(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def summary() -> str:
    """Per collection: documents, rejects by reason, date span, languages and what annotated
    them; then where the warehouse is and how to open it."""
    params = load_params()
    lines = ["", "longue-durée: what the run produced", ""]
    header = f"{'collection':<14} {'kind':<7} {'docs':>7} {'rejects':>8}  {'years':<11} languages"
    lines.append(header)
    lines.append("-" * len(header))
    notes: list[str] = []
    for name in params.collections:
        ingest = _read(REPORTS / "ingest" / f"{name}.json")
        nlp = _read(REPORTS / "nlp" / f"{name}.json")
        if not ingest:
            lines.append(f"{name:<14} (not ingested yet)")
            continue
        span = f"{ingest.get('year_min') or '?'}-{ingest.get('year_max') or '?'}"
        languages = []
        pipelines = nlp.get("pipelines", {}) if nlp else {}
        for lang, n in sorted((ingest.get("languages") or {}).items(), key=lambda kv: -kv[1]):
            model = (pipelines.get(lang) or {}).get("loaded")
            languages.append(f"{lang} {n}" + (f" ({model})" if model else ""))
        lines.append(
            f"{name:<14} {ingest.get('kind', ''):<7} {ingest.get('n_documents', 0):>7} "
            f"{ingest.get('n_rejects', 0):>8}  {span:<11} {'; '.join(languages) or '-'}"
        )
        for reason, n in sorted((ingest.get("rejects_by_reason") or {}).items()):
            notes.append(f"  {name}: {n} rejected as {reason}")
        if ingest.get("n_documents_repaired"):
            notes.append(
                f"  {name}: {ingest['n_documents_repaired']} documents with repaired encoding "
                f"({ingest.get('n_chars_repaired', 0)} characters)"
            )
    if notes:
        lines += ["", "Rejected files and repairs (details: Warehouse.rejects(), reports/ingest/):"]
        lines += notes
    warehouse = ROOT / "data" / "warehouse" / "longue.duckdb"
    lines += [
        "",
        f"Warehouse: {warehouse.relative_to(ROOT)}"
        + ("" if warehouse.exists() else " (not built yet)"),
        "Explore it in the browser:  longue explore   (then open the address it prints)",
        "In a notebook:              from warehouse import Warehouse; wh = Warehouse.open()",
        "Every count and score:      dvc metrics show   (timings: reports/runs/)",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    print(summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
