"""The collection registry from the command line: add, validate, inspect and remove collections.

`longue add-collection`, `validate`, `status`, `remove-collection` (docs/archivists.md, issue 9).
params.yaml is edited with ruamel.yaml so its comments and order survive; writes are atomic.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ingest import UnknownFormat, available_formats, get_adapter
from ingest.record import KINDS
from pipeline import ingest as ingest_stage
from pipeline.detect import Evidence, Survey, describe_roots, detect_formats, survey
from pipeline.io import atomic_path
from pipeline.params import ROOT, CollectionConfig, ConfigError, load_params, parse_collection

logger = logging.getLogger(__name__)

NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# the kind a format implies; formats missing here (tei, tesseract, plaintext) need --kind
DEFAULT_KINDS = {"alto": "press", "tate": "museum", "lido": "museum", "cables_csv": "cable"}
CORPUS_STAGES = ("topics", "embeddings", "evaluate_ocr", "warehouse")
SAMPLE_UNITS = 5
MISMATCH_MARGIN = 0.25  # another format must explain this much more of the folder to object


@dataclass(frozen=True)
class Project:
    """Where one checkout keeps its registry and outputs (the repository root)."""

    root: Path

    @property
    def params(self) -> Path:
        return self.root / "params.yaml"

    def outputs(self, name: str) -> list[Path]:
        """Everything the per-collection stages write for `name`."""
        return [
            self.root / "data" / "staged" / name,
            self.root / "data" / "nlp" / name,
            self.root / "reports" / "ingest" / f"{name}.json",
            self.root / "reports" / "nlp" / f"{name}.json",
        ]


@dataclass
class Problem:
    level: str  # "error" stops add-collection (unless --force); "warning" is only shown
    message: str


@dataclass
class SampleReport:
    """What parsing a few units gave: the same code path as the ingest stage, in-process."""

    n_units: int
    sampled: list[str]
    n_records: int = 0
    n_pages: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    reject_examples: list[tuple[str, str, str]] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    languages: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0

    @property
    def reject_share(self) -> float:
        # the same rule as the stage: date rows keep their record, so they lose nothing
        kept = ingest_stage.KEPT_REASONS
        n_rej = sum(n for reason, n in self.rejects.items() if reason not in kept)
        return n_rej / (n_rej + self.n_records) if n_rej + self.n_records else 0.0


@dataclass
class Inspection:
    survey: Survey
    evidence: list[Evidence]
    sample: SampleReport | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]


# --------------------------------------------------------------------------------------------
# Checking a would-be entry


def check_name(name: str) -> None:
    """Collection names are kebab-case: they become paths, stage names and doc_id prefixes."""
    if not NAME.match(name):
        suggestion = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "my-collection"
        raise ConfigError(
            f"collection name {name!r} is not kebab-case (lower-case letters, digits and "
            f"single hyphens); try {suggestion!r}"
        )


def parse_option(text: str) -> tuple[str, Any]:
    """`key=value` from --option; the value is read as YAML (numbers, booleans, null)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--option {text!r}: write key=value, e.g. --option profile=tcp")
    try:
        parsed = yaml.safe_load(value) if value.strip() else ""
    except yaml.YAMLError:
        parsed = value
    return key.strip(), parsed


def registry_path(path: Path, root: Path) -> str:
    """How params.yaml names `path`: relative to the project when inside it, else absolute."""
    path = path.resolve()
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def build_entry(
    *,
    kind: str,
    fmt: str,
    path: str,
    languages: list[str] | None = None,
    options: dict[str, Any] | None = None,
    allow_outside: bool = False,
    description: str = "",
) -> dict[str, Any]:
    """A registry entry with its keys in the order the hand-written ones use."""
    entry: dict[str, Any] = {"kind": kind, "format": fmt, "path": path}
    if languages:
        entry["languages"] = list(languages)
    if options:
        entry["options"] = dict(options)
    if allow_outside:
        entry["allow_outside"] = True
    if description:
        entry["description"] = description
    return entry


def check_format(fmt: str | None, evidence: list[Evidence], s: Survey) -> list[Problem]:
    """Does the folder look like `fmt`? Names the likely right format when it does not."""
    problems: list[Problem] = []
    usable = [e for e in evidence if e.available]
    best = usable[0] if usable else None
    if fmt is None:
        return problems
    given = next((e for e in evidence if e.format == fmt), None)
    given_score = given.score if given else 0.0
    if best is not None and best.format != fmt and best.score >= given_score + MISMATCH_MARGIN:
        problems.append(
            Problem(
                "error",
                f"this looks like {_label(best.format)} ({best.summary}), not {_label(fmt)}: "
                f"use --format {best.format}",
            )
        )
    elif given is None:
        problems.append(
            Problem(
                "error",
                f"no file here looks like {_label(fmt)}; sampled files: {describe_roots(s)}",
            )
        )
    for e in evidence:
        if not e.available and e.score >= max(given_score, 0.5):
            problems.append(
                Problem(
                    "warning",
                    f"most files look like {_label(e.format)} ({e.summary}) but no adapter "
                    f"ingest/{e.format}.py exists; available: {', '.join(available_formats())}",
                )
            )
    return problems


def _label(fmt: str) -> str:
    return {"alto": "ALTO", "tei": "TEI", "lido": "LIDO", "tate": "Tate JSON/CSV"}.get(
        fmt, fmt.replace("_", " ")
    )


def sample_units(
    cfg: CollectionConfig, units: list[Path], n: int = SAMPLE_UNITS, *, detect_language: bool = True
) -> SampleReport:
    """Parse `n` units spread over the collection, as the ingest stage would, in this process."""
    step = max(1, len(units) / n) if units else 1
    chosen = [units[int(i * step)] for i in range(min(n, len(units)))]
    report = SampleReport(n_units=len(units), sampled=[str(u) for u in chosen])
    started = time.perf_counter()
    options = dict(cfg.options)
    with tempfile.TemporaryDirectory(prefix="longue-sample-") as tmp:
        if "artefact_dir" in getattr(get_adapter(cfg.format), "OPTIONS", {}):
            options["artefact_dir"] = str(Path(tmp) / "artefacts")
        task = ingest_stage.Task(
            cfg.name,
            cfg.kind,
            cfg.format,
            str(cfg.path),
            tuple(map(str, chosen)),
            tuple(sorted(options.items())),
            cfg.languages,
            detect_language,
        )
        tables = ingest_stage.parse_units(task)
    _summarise_tables(report, tables["documents"], tables["rejects"])
    report.n_pages = len(tables["pages"])
    report.elapsed_s = round(time.perf_counter() - started, 2)
    return report


def _summarise_tables(report: SampleReport, documents: pa.Table, rejects: pa.Table) -> None:
    report.n_records = len(documents)
    report.titles = list(dict.fromkeys(t for t in documents.column("title").to_pylist() if t))[:5]
    report.years = sorted(y for y in documents.column("year").to_pylist() if y is not None)
    report.languages = Counter(x or "unknown" for x in documents.column("language").to_pylist())
    report.rejects = Counter(rejects.column("reason").to_pylist())
    report.reject_examples = list(
        zip(
            rejects.column("reason").to_pylist(),
            rejects.column("source_path").to_pylist(),
            [d[:200] for d in rejects.column("detail").to_pylist()],
            strict=True,
        )
    )[:10]


def inspect_collection(
    cfg: CollectionConfig,
    *,
    sample: int = SAMPLE_UNITS,
    max_reject_share: float = 0.5,
    detect_language: bool = True,
    given_format: str | None = None,
    surveyed: Survey | None = None,
) -> Inspection:
    """Everything add-collection checks before any heavy work, cheapest first."""
    s = surveyed or survey(cfg.path)
    evidence = detect_formats(s)
    problems = check_format(given_format, evidence, s)
    if s.n_files == 0:
        problems.append(Problem("error", f"{cfg.path} holds no files"))
        return Inspection(s, evidence, None, problems)
    if s.unreadable:
        shown = "; ".join(f"{_short(f.path, cfg.path)}: {f.problem}" for f in s.unreadable[:3])
        problems.append(
            Problem(
                "warning",
                f"{len(s.unreadable)} of {len(s.sampled)} sampled files cannot be read "
                f"(they will be rejects): {shown}",
            )
        )
    if any(p.level == "error" for p in problems):
        return Inspection(s, evidence, None, problems)
    try:
        units = sorted(get_adapter(cfg.format).find(cfg.path, **cfg.options))
    except (ValueError, TypeError) as exc:
        problems.append(Problem("error", f"format {cfg.format!r} refuses the options: {exc}"))
        return Inspection(s, evidence, None, problems)
    if not units:
        problems.append(
            Problem(
                "error",
                f"format {cfg.format!r} finds nothing to parse in {cfg.path} "
                f"({s.n_files} files: {describe_roots(s)})",
            )
        )
        return Inspection(s, evidence, None, problems)
    if "artefact_dir" in getattr(get_adapter(cfg.format), "OPTIONS", {}):
        sample = min(sample, 1)  # OCR: one unit is already minutes on a large scan folder
    report = sample_units(cfg, units, sample, detect_language=detect_language)
    if report.n_records == 0:
        reasons = ", ".join(f"{r} x{n}" for r, n in report.rejects.most_common()) or "none"
        problems.append(
            Problem(
                "error",
                f"the {len(report.sampled)} sampled unit(s) gave no records (rejects: {reasons})",
            )
        )
    elif report.reject_share > max_reject_share:
        problems.append(
            Problem(
                "error",
                f"{report.reject_share:.0%} of the sample was rejected, above "
                f"ingest.max_reject_share={max_reject_share:.0%}: the stage would fail "
                f"({dict(report.rejects)})",
            )
        )
    elif report.rejects:
        problems.append(
            Problem("warning", f"sample rejects: {dict(report.rejects)} (see `longue validate`)")
        )
    return Inspection(s, evidence, report, problems)


def _short(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------
# Editing params.yaml (round trip: comments, order and flow style kept)


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap long descriptions
    y.indent(mapping=2, sequence=4, offset=2)
    y.representer.add_representer(
        type(None), lambda r, _d: r.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return y


def read_registry(path: Path) -> CommentedMap:
    """params.yaml as a round-trip document."""
    with path.open(encoding="utf-8") as f:
        doc = _yaml().load(f)
    if not isinstance(doc, CommentedMap):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    if doc.get("collections") is None:
        doc["collections"] = CommentedMap()
    return doc


def write_registry(path: Path, doc: CommentedMap) -> None:
    """Write params.yaml atomically, after checking the new registry loads."""
    buf = io.StringIO()
    _yaml().dump(doc, buf)
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue(), encoding="utf-8")
        load_params(tmp, check_paths=False)  # refuse to write a registry the pipeline rejects


def _flow(entry: dict[str, Any]) -> CommentedMap:
    """An entry in the hand-written style: `languages: [fr]`, `options: {profile: tcp}`."""
    out = CommentedMap()
    for key, value in entry.items():
        if isinstance(value, list):
            seq = CommentedSeq(value)
            seq.fa.set_flow_style()
            value = seq
        elif isinstance(value, dict):
            m = CommentedMap(value)
            m.fa.set_flow_style()
            value = m
        out[key] = value
    return out


def show_entry(name: str, entry: dict[str, Any]) -> str:
    """The entry as add_entry writes it into params.yaml."""
    buf = io.StringIO()
    _yaml().dump(CommentedMap({"collections": CommentedMap({name: _flow(entry)})}), buf)
    return buf.getvalue()


def _trailing_comment(mapping: CommentedMap) -> Any:
    """Detach the comment after a mapping's last key (ruamel keeps the next section's there)."""
    if not mapping:
        return None
    last = list(mapping)[-1]
    value = mapping[last]
    if isinstance(value, CommentedMap) and value and not value.fa.flow_style():
        return _trailing_comment(value)
    slot = mapping.ca.items.get(last)
    if not slot or len(slot) < 3 or slot[2] is None:
        return None
    token = slot[2]
    slot[2] = None
    return token


def _attach_trailing(mapping: CommentedMap, token: Any) -> None:
    if token is None or not mapping:
        return
    last = list(mapping)[-1]
    value = mapping[last]
    if isinstance(value, CommentedMap) and value and not value.fa.flow_style():
        _attach_trailing(value, token)
        return
    slot = mapping.ca.items.setdefault(last, [None, None, None, None])
    slot[2] = token


def add_entry(path: Path, name: str, entry: dict[str, Any], *, replace: bool = False) -> None:
    """Add (or with `replace`, overwrite in place) collection `name` in params.yaml."""
    doc = read_registry(path)
    cols = doc["collections"]
    if name in cols and not replace:
        raise ConfigError(
            f"collection {name!r} is already in {path}; pass --replace to overwrite it, or "
            "choose another name"
        )
    if name in cols:
        cols[name] = _flow(entry)
    else:
        token = _trailing_comment(cols)
        cols[name] = _flow(entry)
        _attach_trailing(cols, token)
    write_registry(path, doc)


def remove_entry(path: Path, name: str, *, rename: str | None = None) -> dict[str, Any]:
    """Remove (or rename) collection `name`, and its `evaluate.ocr` entry; return the entry."""
    doc = read_registry(path)
    cols = doc["collections"]
    if name not in cols:
        raise ConfigError(f"no collection {name!r} in {path}; known: {', '.join(cols) or 'none'}")
    if rename is not None and rename in cols:
        raise ConfigError(f"collection {rename!r} already exists; remove it first")
    entry = dict(cols[name])
    if rename is None:
        was_last = list(cols)[-1] == name
        token = _trailing_comment(cols) if was_last else None
        del cols[name]
        _attach_trailing(cols, token)
    else:
        _rename_key(cols, name, rename)
    evaluate = (doc.get("evaluate") or {}).get("ocr")
    if isinstance(evaluate, CommentedMap) and name in evaluate:
        if rename is None:
            del evaluate[name]
        else:
            _rename_key(evaluate, name, rename)
    write_registry(path, doc)
    return entry


def _rename_key(mapping: CommentedMap, old: str, new: str) -> None:
    """Rename a key where it stands, keeping its value's comments."""
    position = list(mapping).index(old)
    comments = mapping.ca.items.pop(old, None)
    value = mapping.pop(old)
    mapping.insert(position, new, value)
    if comments is not None:
        mapping.ca.items[new] = comments


def remove_outputs(project: Project, name: str) -> list[Path]:
    """Delete what the per-collection stages wrote for `name`; return what was there."""
    removed = []
    for path in project.outputs(name):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        else:
            continue
        removed.append(path)
    return removed


# --------------------------------------------------------------------------------------------
# DVC


def prune_lock(root: Path, name: str) -> list[str]:
    """Drop `ingest@name` and `nlp@name` from dvc.lock, as `dvc remove` does for a stage.

    DVC never prunes the lock entries of foreach items that left the registry; stale entries
    are harmless to `dvc status` but would describe outputs that no longer exist.
    """
    from dvc.utils.serialize import dumps_yaml, parse_yaml_for_update

    lock = root / "dvc.lock"
    if not lock.exists():
        return []
    data = parse_yaml_for_update(lock.read_text(encoding="utf-8"), str(lock))
    stages = data.get("stages") or {}
    gone = [s for s in (f"ingest@{name}", f"nlp@{name}") if s in stages]
    if gone:
        for stage in gone:
            del stages[stage]
        with atomic_path(lock) as tmp:
            tmp.write_text(dumps_yaml(data), encoding="utf-8")
    return gone


def dvc_status(root: Path, timeout: float = 300) -> dict[str, Any] | None:
    """`dvc status --json` in `root`: changed stage -> reasons; None when DVC cannot answer."""
    dvc = shutil.which("dvc") or str(Path(sys.executable).parent / "dvc")
    try:
        proc = subprocess.run(
            [dvc, "status", "--json"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.warning("dvc status failed: %s", exc)
        return None
    if proc.returncode != 0:
        logger.warning("dvc status failed: %s", proc.stderr.strip()[-500:])
        return None
    try:
        return dict(json.loads(proc.stdout or "{}"))
    except json.JSONDecodeError:
        return None


def plan_stages(status: dict[str, Any], name: str) -> dict[str, list[str]]:
    """Split `dvc status` into this collection's stages, corpus-wide ones and anything else."""
    own = sorted(s for s in status if s.endswith(f"@{name}"))
    corpus = [s for s in CORPUS_STAGES if s in status]
    others = sorted(s for s in status if s not in own and s not in corpus)
    return {"own": own, "corpus": corpus, "others": others}


def print_plan(root: Path, name: str | None, *, expected: list[str]) -> dict[str, list[str]] | None:
    """Say what `dvc repro` will run, from `dvc status` (or from dvc.yaml when DVC is absent)."""
    status = dvc_status(root)
    if status is None:
        print(
            f"dvc status unavailable; from dvc.yaml, `dvc repro` runs: {', '.join(expected)} "
            "and the corpus-wide stages (topics, embeddings, evaluate_ocr, warehouse)"
        )
        return None
    plan = plan_stages(status, name or "")
    print("`dvc repro` will run:")
    if plan["own"]:
        print(f"  this collection: {', '.join(plan['own'])}")
    if name and not plan["own"]:
        print("  this collection: nothing to run")
    print(
        f"  corpus-wide:     {', '.join(plan['corpus']) or 'nothing yet'}"
        " (and every stage downstream of a changed output)"
    )
    if plan["others"]:
        print(f"  already out of date before this change: {', '.join(plan['others'])}")
    return plan


# --------------------------------------------------------------------------------------------
# Validate and status


def validate_collection(
    cfg: CollectionConfig, params_sections: dict[str, Any], *, synchronous: bool = False
) -> tuple[dict[str, Any], SampleReport]:
    """Run the ingest stage on every unit into a temporary folder; nothing is written to data/."""
    settings = params_sections.get("ingest") or {}
    dask_section = dict(params_sections.get("dask") or {})
    if synchronous:
        dask_section["scheduler"] = "synchronous"
    with tempfile.TemporaryDirectory(prefix=f"longue-validate-{cfg.name}-") as tmp:
        out = Path(tmp) / cfg.name
        metrics = ingest_stage.run(cfg, out, dask_section=dask_section, settings=settings)
        report = SampleReport(n_units=metrics["n_units"], sampled=[])
        _summarise_tables(
            report,
            pq.read_table(out / "documents.parquet", columns=["title", "year", "language"]),
            pq.read_table(out / "rejects.parquet"),
        )
    return metrics, report


def count_files(path: Path) -> int:
    if path.is_file():
        return 1
    return sum(1 for _root, _dirs, files in os.walk(path) for _ in files)


def collection_status(project: Project, *, with_dvc: bool = True) -> list[dict[str, Any]]:
    """Per registry collection: files, records, rejects, dates, languages, OCR, last run, DVC."""
    params = load_params(project.params, check_paths=False)
    status = dvc_status(project.root) if with_dvc else None
    rows = []
    for name, cfg in params.collections.items():
        report_path = project.root / "reports" / "ingest" / f"{name}.json"
        documents = project.root / "data" / "staged" / name / "documents.parquet"
        metrics: dict[str, Any] = {}
        if report_path.exists():
            metrics = json.loads(report_path.read_text(encoding="utf-8"))
        row: dict[str, Any] = {
            "collection": name,
            "kind": cfg.kind,
            "format": cfg.format,
            "path": str(cfg.path),
            "files": count_files(cfg.path) if cfg.path.exists() else None,
            "records": metrics.get("n_documents"),
            "rejects": metrics.get("rejects_by_reason"),
            "years": [metrics.get("year_min"), metrics.get("year_max")],
            "languages": metrics.get("languages"),
            "ocr_confidence": metrics.get("ocr_confidence_mean"),
            "last_run": (
                time.strftime("%Y-%m-%d %H:%M", time.localtime(documents.stat().st_mtime))
                if documents.exists()
                else None
            ),
        }
        if not cfg.path.exists():
            row["dvc"] = f"raw folder missing: {cfg.path}"
        elif status is None:
            row["dvc"] = "unknown" if with_dvc else "not checked"
        else:
            stale = [s for s in (f"ingest@{name}", f"nlp@{name}") if s in status]
            row["dvc"] = "up to date" if not stale else "to run: " + ", ".join(stale)
        rows.append(row)
    return rows


# --------------------------------------------------------------------------------------------
# Commands


def _print_inspection(ins: Inspection, cfg: CollectionConfig) -> None:
    s = ins.survey
    print(
        f"{cfg.path}: {s.n_files} files, {s.n_bytes / 1e6:.1f} MB"
        + (f" ({s.n_notes} README/licence/manifest files)" if s.n_notes else "")
    )
    if ins.evidence:
        looks = "; ".join(
            f"{e.format} {e.score:.0%} ({e.summary}){'' if e.available else ' [no adapter]'}"
            for e in ins.evidence
        )
        print(f"  looks like: {looks}")
    for e in ins.evidence:
        for note in e.notes:
            print(f"  note: {note}")
    r = ins.sample
    if r is not None:
        print(
            f"  format {cfg.format}: {r.n_units} unit(s) to parse; sample of {len(r.sampled)} "
            f"in {r.elapsed_s:.1f}s -> {r.n_records} records, {r.n_pages} pages, "
            f"{sum(r.rejects.values())} rejects {dict(r.rejects) or ''}"
        )
        _print_content(r)
    for p in ins.problems:
        print(f"  {p.level.upper()}: {p.message}")


def _print_content(r: SampleReport) -> None:
    if r.years:
        print(f"  years: {r.years[0]}-{r.years[-1]} ({len(r.years)} dated)")
    if r.languages:
        print(f"  languages: {dict(r.languages.most_common())}")
    for title in r.titles:
        print(f"  title: {title[:100]}")
    for reason, path, detail in r.reject_examples[:5]:
        print(f"  reject {reason}: {path}: {detail[:160]}")


def add_main(argv: list[str] | None = None, project: Project | None = None) -> int:
    """`longue add-collection`: check a folder, then register it in params.yaml."""
    project = project or Project(ROOT)
    parser = argparse.ArgumentParser(
        prog="longue add-collection",
        description="Register a folder as a collection: detect its format, parse a sample, "
        "report problems before any heavy work, write the params.yaml entry.",
    )
    parser.add_argument("name", help="kebab-case id, e.g. bl-newspapers")
    parser.add_argument("--path", required=True, help="the folder (or file) holding the sources")
    parser.add_argument(
        "--format",
        dest="fmt",
        help=f"one of {', '.join(available_formats())}; detected when omitted",
    )
    parser.add_argument("--kind", choices=KINDS, help="implied by alto/tate/lido/cables_csv")
    parser.add_argument(
        "--language",
        action="append",
        default=[],
        help="ISO 639-1 code, repeatable (--language de --language fr)",
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an adapter option, repeatable (--option profile=tcp)",
    )
    parser.add_argument(
        "--allow-outside",
        action="store_true",
        help="allow a path outside data/ (DVC then hashes it as an external "
        "dependency on every status; see docs/archivists.md)",
    )
    parser.add_argument("--description", default="")
    parser.add_argument(
        "--sample",
        type=int,
        default=SAMPLE_UNITS,
        help=f"units parsed before writing (default {SAMPLE_UNITS})",
    )
    parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    parser.add_argument("--replace", action="store_true", help="overwrite an existing entry")
    parser.add_argument("--force", action="store_true", help="write despite errors found")
    parser.add_argument("--no-dvc", action="store_true", help="skip `dvc status` afterwards")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    check_name(args.name)
    params = load_params(project.params, check_paths=False)
    if args.name in params.collections and not args.replace:
        raise ConfigError(
            f"collection {args.name!r} already exists (path {params.collections[args.name].path}); "
            "pass --replace to overwrite it, or choose another name"
        )
    path = Path(args.path).expanduser()
    if not path.is_absolute():
        path = (Path.cwd() / path).resolve()
    if not path.exists():
        raise ConfigError(f"--path {args.path}: {path} does not exist")
    fmt = args.fmt
    s = survey(path)
    if fmt is None:
        usable = [e for e in detect_formats(s) if e.available and e.score > 0]
        if not usable:
            missing = [e for e in detect_formats(s) if not e.available]
            if missing:
                raise ConfigError(
                    f"{path} looks like {_label(missing[0].format)} ({missing[0].summary}) but "
                    f"there is no adapter ingest/{missing[0].format}.py; available formats: "
                    f"{', '.join(available_formats())}"
                )
            raise ConfigError(
                f"cannot tell the format of {path} ({describe_roots(s)}); pass --format, one "
                f"of {', '.join(available_formats())}"
            )
        fmt = usable[0].format
        print(f"format: {fmt} (detected: {usable[0].summary}; override with --format)")
    try:
        get_adapter(fmt)
    except UnknownFormat as exc:
        raise ConfigError(str(exc)) from exc
    mismatch = [p for p in check_format(fmt, detect_formats(s), s) if p.level == "error"]
    if mismatch and not args.force:
        for p in mismatch:
            print(f"add-collection {args.name}: {p.message}", file=sys.stderr)
        return 1
    kind = args.kind or DEFAULT_KINDS.get(fmt)
    if kind is None:
        raise ConfigError(
            f"format {fmt!r} can hold several kinds: pass --kind, one of {', '.join(KINDS)}"
        )
    options = dict(parse_option(o) for o in args.option)
    entry = build_entry(
        kind=kind,
        fmt=fmt,
        path=registry_path(path, project.root),
        languages=args.language,
        options=options,
        allow_outside=args.allow_outside,
        description=args.description,
    )
    try:
        cfg = parse_collection(args.name, entry, project.root)  # kind, options, data/ rule
    except ConfigError as exc:
        hint = " (--allow-outside)" if "allow_outside" in str(exc) else ""
        raise ConfigError(f"{exc}{hint}") from exc
    settings = params.section("ingest")
    ins = inspect_collection(
        cfg,
        sample=max(1, args.sample),
        max_reject_share=float(settings.get("max_reject_share", 0.5)),
        detect_language=bool(settings.get("detect_language", True)),
        given_format=fmt,
        surveyed=s,
    )
    _print_inspection(ins, cfg)
    if ins.errors and not args.force:
        print(
            f"add-collection {args.name}: not written ({len(ins.errors)} error(s) above; "
            "fix them, or --force to register anyway)",
            file=sys.stderr,
        )
        return 1
    if not args.language and ins.sample and ins.sample.languages:
        langs = [x for x in ins.sample.languages if x != "unknown"]
        if langs:
            print(
                f"  hint: the sample reads as {', '.join(langs)}; declare it with "
                + " ".join(f"--language {x}" for x in langs)
            )
    shown = show_entry(args.name, entry)
    if args.dry_run:
        print(f"dry run: would add to {project.params}:\n{shown}")
        return 0
    add_entry(project.params, args.name, entry, replace=args.replace)
    print(f"added to {project.params}:\n{shown}")
    if not args.no_dvc:
        print_plan(project.root, args.name, expected=[f"ingest@{args.name}", f"nlp@{args.name}"])
    return 0


def validate_main(argv: list[str] | None = None, project: Project | None = None) -> int:
    """`longue validate NAME`: a full dry run of one collection's ingest."""
    project = project or Project(ROOT)
    parser = argparse.ArgumentParser(
        prog="longue validate",
        description="Parse every unit of a registered collection into a temporary folder: "
        "records and rejects by reason, date span, languages. Nothing is written to data/.",
    )
    parser.add_argument("name")
    parser.add_argument(
        "--synchronous",
        action="store_true",
        help="parse in this process instead of on the Dask cluster",
    )
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    params = load_params(project.params)
    if args.name not in params.collections:
        raise ConfigError(
            f"no collection {args.name!r} in params.yaml; known: "
            f"{', '.join(params.collections) or 'none'}"
        )
    cfg = params.collections[args.name]
    metrics, report = validate_collection(cfg, params.sections, synchronous=args.synchronous)
    limit = float(params.section("ingest").get("max_reject_share", 1.0))
    if args.json:
        print(json.dumps(metrics, indent=2, sort_keys=True, default=str))
    else:
        print(
            f"validate {cfg.name}: {metrics['n_units']} unit(s) -> {metrics['n_documents']} "
            f"records, {metrics['n_pages']} pages, {metrics['n_rejects']} rejects "
            f"({metrics['reject_share']:.1%}) {metrics['rejects_by_reason'] or ''}"
        )
        if metrics["year_min"] is not None:
            print(
                f"  years: {metrics['year_min']}-{metrics['year_max']} "
                f"({metrics['n_dated']} of {metrics['n_documents']} dated)"
            )
        print(f"  languages: {metrics['languages']}")
        if metrics["ocr_confidence_mean"] is not None:
            print(f"  mean OCR word confidence: {metrics['ocr_confidence_mean']:.3f}")
        for title in report.titles:
            print(f"  title: {title[:100]}")
        for reason, path, detail in report.reject_examples:
            print(f"  reject {reason}: {path}: {detail[:160]}")
    if metrics["reject_share"] > limit:
        print(
            f"validate {cfg.name}: FAILED: {metrics['reject_share']:.1%} rejected, above "
            f"ingest.max_reject_share={limit:.1%}; `dvc repro` would stop at ingest@{cfg.name}",
            file=sys.stderr,
        )
        return 1
    return 0


def status_main(argv: list[str] | None = None, project: Project | None = None) -> int:
    """`longue status`: one line per collection, from the ingest reports and DVC."""
    project = project or Project(ROOT)
    parser = argparse.ArgumentParser(
        prog="longue status",
        description="Per collection: files, records, rejects by reason, date span, languages, "
        "OCR confidence, last run, and whether DVC considers it up to date.",
    )
    parser.add_argument("--no-dvc", action="store_true", help="skip `dvc status` (faster)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = collection_status(project, with_dvc=not args.no_dvc)
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
        return 0
    for r in rows:
        years = "-".join(str(y) for y in r["years"] if y is not None) or "undated"
        rejects = ", ".join(f"{k} {v}" for k, v in (r["rejects"] or {}).items()) or "none"
        langs = ", ".join(f"{k} {v}" for k, v in (r["languages"] or {}).items()) or "?"
        ocr = f", OCR conf {r['ocr_confidence']:.2f}" if r["ocr_confidence"] is not None else ""
        records = r["records"] if r["records"] is not None else "not ingested"
        print(
            f"{r['collection']:<16} {r['kind']:<6} {r['format']:<10} files {r['files']}, "
            f"records {records}, rejects {rejects}, {years}, {langs}{ocr}; "
            f"last run {r['last_run'] or 'never'}; {r['dvc']}"
        )
    return 0


def remove_main(argv: list[str] | None = None, project: Project | None = None) -> int:
    """`longue remove-collection NAME [--rename NEW]`."""
    project = project or Project(ROOT)
    parser = argparse.ArgumentParser(
        prog="longue remove-collection",
        description="Remove a collection from params.yaml with its staged/nlp outputs and "
        "reports, so the next `dvc repro` rebuilds the warehouse without its records. The raw "
        "folder is never touched. --rename NEW keeps the entry under a new name (its records "
        "are re-ingested: doc_ids start with the collection name).",
    )
    parser.add_argument("name")
    parser.add_argument("--rename", metavar="NEW", help="rename instead of removing")
    parser.add_argument(
        "--keep-outputs", action="store_true", help="leave data/staged, data/nlp and reports alone"
    )
    parser.add_argument("--no-dvc", action="store_true", help="skip `dvc status` afterwards")
    args = parser.parse_args(argv)
    if args.rename is not None:
        check_name(args.rename)
    entry = remove_entry(project.params, args.name, rename=args.rename)
    verb = f"renamed to {args.rename!r}" if args.rename else "removed"
    print(f"{args.name}: {verb} in {project.params} (raw files left in {entry.get('path')})")
    if not args.keep_outputs:
        for path in remove_outputs(project, args.name):
            print(f"  deleted {registry_path(path, project.root)}")
        for stage in prune_lock(project.root, args.name):
            print(f"  dropped {stage} from dvc.lock")
    if not args.no_dvc:
        target = args.rename
        print_plan(
            project.root, target, expected=[f"ingest@{target}", f"nlp@{target}"] if target else []
        )
    return 0
