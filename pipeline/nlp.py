"""Stage `nlp@<collection>`: documents -> tokens, entities and per-document statistics.

    python -m pipeline.nlp <collection>

Each Dask task reads one row group of the collection's documents.parquet (a few million
characters), annotates it with spaCy (models loaded once per worker process, cached in
models.nlp) and writes its own Parquet part files, so memory is bounded by the row group,
not by the collection.
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.record import ENTITY_SCHEMA
from models import nlp as nlp_models
from pipeline import cluster as clusters
from pipeline.errors import configure_logging, exit_with
from pipeline.io import atomic_dir, write_json, write_parquet
from pipeline.params import NLP, REPORTS, STAGED, ConfigError, load_params

logger = logging.getLogger(__name__)

TABLES = ("tokens", "entities", "doc_stats")


@dataclass(frozen=True)
class Task:
    documents: str  # path of documents.parquet
    row_group: int
    start: int  # slice of the row group's rows
    stop: int
    out: str  # directory receiving tokens/, entities/, doc_stats/ part files
    config: nlp_models.NlpConfig
    default_language: str


def annotate_row_group(task: Task) -> dict[str, Any]:
    """Annotate one row group and write its part files (runs on a worker)."""
    table = (
        pq.ParquetFile(task.documents)
        .read_row_group(task.row_group, columns=["doc_id", "text", "language", "metadata"])
        .slice(task.start, task.stop - task.start)
    )
    ids = table.column("doc_id").to_pylist()
    docs = zip(
        ids, table.column("text").to_pylist(), table.column("language").to_pylist(), strict=True
    )
    tokens, entities, stats, described = nlp_models.annotate(
        docs, task.config, task.default_language
    )
    markup: list[dict[str, Any]] = []
    for doc_id, meta in zip(ids, table.column("metadata").to_pylist(), strict=True):
        markup.extend(nlp_models.markup_entities(doc_id, dict(meta or []).get("markup_entities")))
    if markup:
        entities = pa.concat_tables([entities, pa.Table.from_pylist(markup, schema=ENTITY_SCHEMA)])
    name = f"part-{task.row_group:05d}-{task.start:06d}.parquet"
    for sub, t in zip(TABLES, (tokens, entities, stats), strict=True):
        write_parquet(t, Path(task.out) / sub / name)
    return {
        "n_documents": len(ids),
        "n_tokens": len(tokens),
        "n_entities_ner": len(entities) - len(markup),
        "n_entities_markup": len(markup),
        "pipelines": described,
    }


def plan_tasks(
    documents: Path, n_workers: int, min_chars: int = 50_000
) -> list[tuple[int, int, int]]:
    """(row group, start, stop) slices: row groups bound memory; slicing them keeps every
    worker busy when a collection has fewer row groups than workers."""
    f = pq.ParquetFile(documents)
    sizes = [
        f.read_row_group(g, columns=["n_chars"]).column(0).to_pylist()
        for g in range(f.num_row_groups)
    ]
    total = sum(sum(s) for s in sizes)
    target = max(min_chars, total // max(1, 3 * n_workers))
    tasks = []
    for group, chars in enumerate(sizes):
        start, acc = 0, 0
        for i, n in enumerate(chars):
            if acc and acc + n > target:
                tasks.append((group, start, i))
                start, acc = i, 0
            acc += n
        if start < len(chars):
            tasks.append((group, start, len(chars)))
    return tasks


def run(
    collection: str,
    documents: Path,
    out: Path,
    config: nlp_models.NlpConfig,
    *,
    default_language: str = "en",
    dask_section: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Annotate one collection's documents into `out`; return the metrics."""
    started = time.perf_counter()
    with atomic_dir(out) as tmp, clusters.cluster(dask_section or {}) as runner:
        for sub in TABLES:
            (tmp / sub).mkdir()
        tasks = [
            Task(str(documents), group, lo, hi, str(tmp), config, default_language)
            for group, lo, hi in plan_tasks(documents, runner.info["workers"])
        ]
        results = runner.map(annotate_row_group, tasks, desc=f"nlp {collection}")
        if not results:  # an empty collection still gets readable (empty) tables
            tokens, entities, stats, _ = nlp_models.annotate([], config, default_language)
            for sub, t in zip(TABLES, (tokens, entities, stats), strict=True):
                write_parquet(t, tmp / sub / "part-00000.parquet")
        info = runner.info
    elapsed = time.perf_counter() - started
    n_tokens = sum(r["n_tokens"] for r in results)
    pipelines: dict[str, dict[str, Any]] = {}
    for r in results:
        for d in r["pipelines"]:
            pipelines[d["language"]] = d
    return {
        "collection": collection,
        "n_documents": sum(r["n_documents"] for r in results),
        "n_tokens": n_tokens,
        "n_entities_ner": sum(r["n_entities_ner"] for r in results),
        "n_entities_markup": sum(r["n_entities_markup"] for r in results),
        "n_tasks": len(results),
        "pipelines": dict(sorted(pipelines.items())),
        "fallbacks": sorted(lang for lang, d in pipelines.items() if d.get("fallback")),
        "cluster": info["scheduler"],
        "workers": info["workers"],
        "elapsed_s": round(elapsed, 2),
        "tokens_per_s": round(n_tokens / elapsed, 1) if elapsed > 0 else None,
    }


def config_from_params(section: dict[str, Any]) -> nlp_models.NlpConfig:
    """Build the NlpConfig from params.yaml `nlp:`."""
    allowed = {
        "models",
        "disable",
        "fallback",
        "batch_size",
        "max_chars",
        "normalise",
        "default_language",
    }
    unknown = set(section) - allowed
    if unknown:
        raise ConfigError(
            f"params.yaml nlp: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}"
        )
    kwargs: dict[str, Any] = {
        k: v for k, v in section.items() if k in allowed - {"default_language"}
    }
    for key in ("disable", "normalise"):
        if key in kwargs:
            kwargs[key] = tuple(kwargs[key] or ())
    if "models" in kwargs:
        kwargs["models"] = dict(kwargs["models"])
    return nlp_models.NlpConfig(**kwargs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="longue nlp", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("collection", help="a collection name from params.yaml")
    args = parser.parse_args(argv)
    configure_logging()
    params = load_params()
    if args.collection not in params.collections:
        raise ConfigError(f"no collection {args.collection!r} in params.yaml")
    section = params.section("nlp")
    config = config_from_params(section)
    documents = STAGED / args.collection / "documents.parquet"
    if not documents.exists():
        raise ConfigError(f"{documents} is missing: run `dvc repro ingest@{args.collection}` first")
    metrics = run(
        args.collection,
        documents,
        NLP / args.collection,
        config,
        default_language=str(section.get("default_language", "en")),
        dask_section=params.section("dask"),
    )
    write_json(metrics, REPORTS / "nlp" / f"{args.collection}.json")
    print(
        f"nlp {args.collection}: {metrics['n_documents']} documents, {metrics['n_tokens']} tokens "
        f"({metrics['tokens_per_s']} tok/s), languages {sorted(metrics['pipelines'])}, fallbacks "
        f"{metrics['fallbacks'] or 'none'}"
    )
    return 0


if __name__ == "__main__":
    exit_with(main, "longue nlp")
