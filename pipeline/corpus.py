"""Reading the per-collection outputs of the registry's collections as one corpus."""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.params import NLP, STAGED, ConfigError, Params

logger = logging.getLogger(__name__)


def staged_files(params: Params, name: str, root: Path = STAGED) -> list[Path]:
    """`name`.parquet of every registered collection, in registry order."""
    paths = []
    for collection in params.collections:
        path = root / collection / f"{name}.parquet"
        if not path.exists():
            raise ConfigError(f"{path} is missing: run `dvc repro ingest@{collection}` first")
        paths.append(path)
    return paths


def nlp_dirs(params: Params, name: str, root: Path = NLP) -> list[Path]:
    """The `name` part-file directory of every registered collection."""
    paths = []
    for collection in params.collections:
        path = root / collection / name
        if not path.is_dir():
            raise ConfigError(f"{path} is missing: run `dvc repro nlp@{collection}` first")
        paths.append(path)
    return paths


def part_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("part-*.parquet"))


def read_many(paths: list[Path], columns: list[str] | None = None) -> pa.Table:
    """Concatenate Parquet files (or directories of parts), in the order given."""
    files: list[Path] = []
    for p in paths:
        files.extend(part_files(p) if p.is_dir() else [p])
    tables = [pq.read_table(f, columns=columns) for f in files]
    if not tables:
        raise ConfigError("no input tables: is the collection registry in params.yaml empty?")
    return pa.concat_tables(tables, promote_options="default")


def doc_years(params: Params) -> dict[str, int]:
    """doc_id -> representative year, for the dated documents of the registry."""
    docs = read_many(staged_files(params, "documents"), columns=["doc_id", "year"])
    return {
        d: y
        for d, y in zip(
            docs.column("doc_id").to_pylist(), docs.column("year").to_pylist(), strict=True
        )
        if y is not None
    }
