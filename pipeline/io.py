"""Atomic writes of Parquet, JSON and CSV outputs, and reading them back."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

logger = logging.getLogger(__name__)

PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "row_group_size": 256_000}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary sibling of `path`; it replaces `path` only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600 files; outputs are for everyone
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_dir(path: Path) -> Iterator[Path]:
    """Yield a fresh temporary directory that replaces directory `path` when the block succeeds.

    A killed run leaves only a `.tmp` sibling behind (removed by the next run), never a
    half-written `path`; killed between the two renames, the next run first puts the previous
    output back.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    old = path.parent / f".{path.name}.old.tmp"
    if old.is_dir() and not path.exists():
        # killed between moving the previous output aside and moving the new one in
        os.replace(old, path)
        logger.warning("restored %s from an interrupted run", path)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        if path.exists():
            os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_parquet(table: pa.Table, path: Path) -> Path:
    """Write `table` atomically with the project's Parquet settings."""
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, **PARQUET_OPTIONS)
    return path


def read_parquet(path: Path, columns: list[str] | None = None) -> pa.Table:
    """Read one Parquet file or a directory of part files (in name order)."""
    return pq.read_table(path, columns=columns)


def write_json(obj: Any, path: Path) -> Path:
    """Write JSON atomically, keys sorted so re-runs give identical files."""
    with atomic_path(path) as tmp:
        tmp.write_text(
            json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n",
            encoding="utf-8",
        )
    return path


def write_documents(table: pa.Table, path: Path, chars_per_group: int = 4_000_000) -> Path:
    """Write documents with row groups of about `chars_per_group` characters of text.

    Row groups are the unit of work of the nlp stage: a worker reads one group, so its memory is
    bounded by this budget, not by the size of the collection.
    """
    sizes = table.column("n_chars").to_pylist()
    bounds, start, acc = [], 0, 0
    for i, n in enumerate(sizes):
        if acc and acc + n > chars_per_group:
            bounds.append((start, i))
            start, acc = i, 0
        acc += n
    bounds.append((start, len(sizes)))
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, table.schema, compression="zstd") as w:
        for lo, hi in bounds:
            if hi > lo or len(sizes) == 0:
                w.write_table(table.slice(lo, hi - lo), row_group_size=max(1, hi - lo))
    return path
