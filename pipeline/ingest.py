"""Stage `ingest@<collection>`: raw source files -> documents, pages and rejects Parquet.

    python -m pipeline.ingest <collection>

Every unit the format's `find` yields is parsed on the Dask cluster; a unit or record that
cannot be used becomes a rejects row with its reason, never a crash and never a silent skip.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ingest import get_adapter
from ingest.language import detect, normalise_code
from ingest.record import (
    DOCUMENT_SCHEMA,
    PAGE_SCHEMA,
    REJECT_SCHEMA,
    Page,
    Record,
    Reject,
    SourceError,
    to_table,
)
from pipeline import cluster as clusters
from pipeline.errors import configure_logging, exit_with
from pipeline.io import atomic_dir, write_documents, write_json, write_parquet
from pipeline.params import REPORTS, STAGED, CollectionConfig, ConfigError, load_params

logger = logging.getLogger(__name__)

STAGE = "ingest"


@dataclass(frozen=True)
class Task:
    """One partition of a collection's units, shipped to a worker."""

    collection: str
    kind: str
    format: str
    root: str
    units: tuple[str, ...]
    options: tuple[tuple[str, Any], ...]
    languages: tuple[str, ...]
    detect_language: bool


def parse_units(task: Task) -> dict[str, Any]:
    """Parse a partition of units into Arrow tables (runs on a worker)."""
    adapter = get_adapter(task.format)
    root = Path(task.root)
    options = dict(task.options)
    records: list[Record] = []
    pages: list[Page] = []
    rejects: list[Reject] = []
    for unit in task.units:
        path = Path(unit)
        rel = _relative(path, root)
        try:
            for item in adapter.parse(
                path, root=root, collection=task.collection, kind=task.kind, **options
            ):
                if isinstance(item, Record):
                    _add_record(item, task, rel, records, rejects)
                elif isinstance(item, Page):
                    pages.append(item)
                elif isinstance(item, Reject):
                    rejects.append(item)
                else:
                    raise TypeError(f"adapter {task.format!r} yielded {type(item).__name__}")
        except SourceError as exc:
            rejects.append(Reject(task.collection, rel, STAGE, exc.reason, exc.detail[:2000]))
        except Exception as exc:  # a parser bug must not kill the run or lose the file
            logger.exception("unexpected error parsing %s", path)
            rejects.append(
                Reject(
                    task.collection,
                    rel,
                    STAGE,
                    "parser_error",
                    f"{type(exc).__name__}: {exc}"[:2000],
                )
            )
    return {
        "documents": to_table(records, Record),
        "pages": to_table(pages, Page),
        "rejects": to_table(rejects, Reject),
    }


def _add_record(
    record: Record, task: Task, rel: str, records: list[Record], rejects: list[Reject]
) -> None:
    try:
        record = record.finalize()
    except ValueError as exc:
        rejects.append(
            Reject(
                task.collection,
                record.source_path or rel,
                STAGE,
                "invalid_record",
                f"{record.doc_id}: {exc}",
            )
        )
        return
    if not record.text.strip():
        rejects.append(
            Reject(
                task.collection,
                record.source_path or rel,
                STAGE,
                "no_text",
                f"{record.doc_id} has no reading text",
            )
        )
        return
    language = normalise_code(record.language)
    metadata = dict(record.metadata)
    if language is None and task.detect_language:
        candidates = tuple(sorted({c for c in map(normalise_code, task.languages) if c}))
        # With one declared language there is nothing to choose: detection would only add noise.
        if len(candidates) == 1:
            language = candidates[0]
            metadata["language_source"] = "params"
        else:
            language, prob = detect(record.text, candidates or None)
            metadata["language_source"] = f"py3langid:{prob:.3f}"
    records.append(replace(record, language=language, metadata=metadata))


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def partition(units: list[Path], n_workers: int, max_size: int = 64) -> list[list[Path]]:
    """Contiguous chunks, about four per worker, so order (and output) stays deterministic."""
    if not units:
        return []
    size = max(1, min(max_size, math.ceil(len(units) / (4 * max(1, n_workers)))))
    return [units[i : i + size] for i in range(0, len(units), size)]


def run(
    cfg: CollectionConfig,
    out: Path,
    *,
    dask_section: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Ingest one collection into `out` (documents/pages/rejects Parquet); return the metrics."""
    settings = settings or {}
    started = time.perf_counter()
    adapter = get_adapter(cfg.format)
    options = dict(cfg.options)
    units = sorted(adapter.find(cfg.path, **options))
    logger.info("%s: %d unit(s) to parse in %s", cfg.name, len(units), cfg.path)
    with atomic_dir(out) as tmp, clusters.cluster(dask_section or {}) as runner:
        if "artefact_dir" in getattr(adapter, "OPTIONS", {}):
            options["artefact_dir"] = str(tmp / "artefacts")
        tasks = [
            Task(
                cfg.name,
                cfg.kind,
                cfg.format,
                str(cfg.path),
                tuple(map(str, chunk)),
                tuple(sorted(options.items())),
                cfg.languages,
                bool(settings.get("detect_language", True)),
            )
            for chunk in partition(units, runner.info["workers"])
        ]
        results = runner.map(parse_units, tasks, desc=f"ingest {cfg.name}")
        documents = _concat([r["documents"] for r in results], DOCUMENT_SCHEMA)
        pages = _concat([r["pages"] for r in results], PAGE_SCHEMA)
        rejects = _concat([r["rejects"] for r in results], REJECT_SCHEMA)
        documents, duplicates = _drop_duplicate_ids(documents, cfg.name)
        rejects = pa.concat_tables([rejects, duplicates])
        write_documents(
            documents,
            tmp / "documents.parquet",
            int(settings.get("chars_per_row_group", 4_000_000)),
        )
        write_parquet(pages, tmp / "pages.parquet")
        write_parquet(rejects, tmp / "rejects.parquet")
        metrics = summarise(cfg, len(units), documents, pages, rejects)
        metrics["cluster"] = runner.info["scheduler"]
    metrics["elapsed_s"] = round(time.perf_counter() - started, 2)
    return metrics


def _concat(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    return pa.concat_tables(tables) if tables else schema.empty_table()


def _drop_duplicate_ids(documents: pa.Table, collection: str) -> tuple[pa.Table, pa.Table]:
    """Keep the first record of each doc_id; later ones become rejects (ids must be unique)."""
    ids = documents.column("doc_id").to_pylist()
    seen: set[str] = set()
    keep, dupes = [], []
    for i, doc_id in enumerate(ids):
        (dupes if doc_id in seen else keep).append(i)
        seen.add(doc_id)
    if not dupes:
        return documents, REJECT_SCHEMA.empty_table()
    paths = documents.column("source_path").to_pylist()
    rejects = [
        Reject(
            collection,
            paths[i] or "",
            STAGE,
            "duplicate_id",
            f"{ids[i]} already produced by an earlier record",
        )
        for i in dupes
    ]
    return documents.take(keep), to_table(rejects, Reject)


def summarise(
    cfg: CollectionConfig, n_units: int, documents: pa.Table, pages: pa.Table, rejects: pa.Table
) -> dict[str, Any]:
    """Counts for the DVC metrics file: what went in, what came out, what was rejected and why."""
    years = [y for y in documents.column("year").to_pylist() if y is not None]
    conf = pc.mean(documents.column("ocr_confidence")).as_py() if len(documents) else None
    n_docs, n_rej = len(documents), len(rejects)
    return {
        "collection": cfg.name,
        "kind": cfg.kind,
        "format": cfg.format,
        "n_units": n_units,
        "n_documents": n_docs,
        "n_pages": len(pages),
        "n_rejects": n_rej,
        "reject_share": round(n_rej / (n_docs + n_rej), 4) if n_docs + n_rej else 0.0,
        "rejects_by_reason": dict(sorted(Counter(rejects.column("reason").to_pylist()).items())),
        "n_words": int(pc.sum(documents.column("n_words")).as_py() or 0),
        "n_chars": int(pc.sum(documents.column("n_chars")).as_py() or 0),
        "year_min": min(years) if years else None,
        "year_max": max(years) if years else None,
        "n_dated": len(years),
        "date_precision": dict(
            sorted(
                Counter(p or "none" for p in documents.column("date_precision").to_pylist()).items()
            )
        ),
        "languages": dict(
            sorted(
                Counter(
                    lang or "unknown" for lang in documents.column("language").to_pylist()
                ).items()
            )
        ),
        "ocr_confidence_mean": round(conf, 4) if conf is not None else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="longue ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("collection", help="a collection name from params.yaml")
    args = parser.parse_args(argv)
    configure_logging()
    params = load_params()
    if args.collection not in params.collections:
        raise ConfigError(
            f"no collection {args.collection!r} in params.yaml; known: "
            f"{', '.join(params.collections) or 'none'}"
        )
    cfg = params.collections[args.collection]
    settings = params.section("ingest")
    metrics = run(cfg, STAGED / cfg.name, dask_section=params.section("dask"), settings=settings)
    write_json(metrics, REPORTS / "ingest" / f"{cfg.name}.json")
    print(
        f"ingest {cfg.name}: {metrics['n_documents']} documents, {metrics['n_pages']} pages, "
        f"{metrics['n_rejects']} rejects {metrics['rejects_by_reason'] or ''}"
    )
    limit = float(settings.get("max_reject_share", 1.0))
    if metrics["reject_share"] > limit:
        print(
            f"ingest {cfg.name}: FAILED: {metrics['reject_share']:.1%} of the units were rejected, "
            f"above ingest.max_reject_share={limit:.1%} in params.yaml; see "
            f"{STAGED / cfg.name / 'rejects.parquet'}",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    exit_with(main, "longue ingest")
