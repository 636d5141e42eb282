"""Warehouse stage: load the pipeline's Parquet tables into one self-contained DuckDB file.

Tables are created from the Arrow schemas (ingest/record.py, models/schemas.py), then
`schema.sql` derives the query layout. Spec: https://duckdb.org/docs/stable/data/parquet/overview
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ingest.record import (
    DOCUMENT_SCHEMA,
    ENTITY_SCHEMA,
    PAGE_SCHEMA,
    REJECT_SCHEMA,
    TOKEN_SCHEMA,
)
from models.actors import build_actors, to_arrow
from models.schemas import (
    ASSOCIATION_SCHEMA,
    DOC_STATS_SCHEMA,
    DOC_TOPIC_SCHEMA,
    DRIFT_SCHEMA,
    NEIGHBOUR_SCHEMA,
    PERIOD_SCHEMA,
    TOPIC_PERIOD_SCHEMA,
    TOPIC_PERIOD_TERM_SCHEMA,
    TOPIC_TERM_SCHEMA,
)
from warehouse.duplicates import MIN_CHARS, document_fingerprint

logger = logging.getLogger(__name__)

SCHEMA_SQL = Path(__file__).with_name("schema.sql")


# Every input table, in load order. schema.sql reads them as temporary `_src_<name>` tables.
TABLE_SCHEMAS: dict[str, pa.Schema] = {
    "documents": DOCUMENT_SCHEMA,
    "pages": PAGE_SCHEMA,
    "rejects": REJECT_SCHEMA,
    "tokens": TOKEN_SCHEMA,
    "entities": ENTITY_SCHEMA,
    "doc_stats": DOC_STATS_SCHEMA,
    "doc_topics": DOC_TOPIC_SCHEMA,
    "topic_terms": TOPIC_TERM_SCHEMA,
    "topic_prevalence": TOPIC_PERIOD_SCHEMA,
    "topic_period_terms": TOPIC_PERIOD_TERM_SCHEMA,
    "periods": PERIOD_SCHEMA,
    "neighbours": NEIGHBOUR_SCHEMA,
    "drift": DRIFT_SCHEMA,
    "association": ASSOCIATION_SCHEMA,
    # vectors of any dimension: the embeddings stage writes fixed-size lists (vector_size)
    "doc_vectors": pa.schema(
        [
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("method", pa.string(), nullable=False),
            pa.field("n_words", pa.int64(), nullable=False),
            pa.field("vector", pa.list_(pa.float32()), nullable=False),
        ]
    ),
}

# Tables schema.sql derives from the inputs (reported in the row counts too).
DERIVED_TABLES: tuple[str, ...] = (
    "duplicates",
    "doc_index",
    "doc_lengths",
    "terms",
    "term_positions",
    "token_blocks",
    "term_doc_counts",
    "term_year_counts",
    "year_totals",
    "dependencies",
    "dependencies_by_dependent",
    "dependency_year_counts",
)
# Tables build.py derives in Python after schema.sql (models/actors.py).
ACTOR_TABLES: tuple[str, ...] = ("actors", "actor_mentions")

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quote_identifier(name: str) -> str:
    """Double-quote a column or table name, refusing anything that is not a plain identifier."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"refusing identifier {name!r}: only letters, digits and _ allowed")
    return f'"{name}"'


def build(
    db_path: Path,
    sources: dict[str, list[Path]],
    memory_limit: str | None = None,
    collections: Sequence[str] | None = None,
    min_chars: int = MIN_CHARS,
) -> dict[str, int]:
    """Build the warehouse at `db_path` from Parquet files; return row counts per table.

    Args:
        db_path: the DuckDB file to (re)place; written to a temporary file next to it first and
            moved into place with os.replace, so a reader never sees a half-built warehouse.
        memory_limit: DuckDB's memory_limit for the build (e.g. "4GB"); beyond it the sorts
            spill to disk next to the file. None = DuckDB's default (80% of RAM).
        sources: table name (a key of TABLE_SCHEMAS) -> Parquet files; missing keys and empty
            lists give empty tables with the schema's columns.
        collections: the registry order, which decides the canonical copy of a text found in
            several collections (the first listed wins); None = the order of the documents
            files in `sources`.
        min_chars: texts shorter than this (normalised) are never taken for duplicates.
    """
    unknown = sorted(set(sources) - set(TABLE_SCHEMAS))
    if unknown:
        raise ValueError(f"unknown tables {unknown}; known: {', '.join(TABLE_SCHEMAS)}")
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = db_path.with_name(f".{db_path.name}.{os.getpid()}.building")
    remove_stale_builds(db_path)
    remove_database(tmp_path)
    try:
        con = duckdb.connect(str(tmp_path))
        try:
            if memory_limit is not None:
                con.execute(f"SET memory_limit = '{parse_memory_limit(memory_limit)}'")
            for name, schema in TABLE_SCHEMAS.items():
                paths = [Path(p) for p in sources.get(name, [])]
                load_source(con, name, schema, paths)
            check_unique_documents(con)
            order = list(collections) if collections is not None else []
            order += [c for c in collections_in(sources.get("documents", [])) if c not in order]
            load_fingerprints(con, order, min_chars)
            con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
            load_actors(con)
            for name in TABLE_SCHEMAS:
                con.execute(f"DROP TABLE temp.{quote_identifier('_src_' + name)}")
            counts = count_rows(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp_path, db_path)
    except BaseException:
        remove_database(tmp_path)
        raise
    logger.info("warehouse %s built: %s", db_path, counts)
    return counts


def parse_memory_limit(value: str) -> str:
    """A DuckDB size such as '4GB' or '512MB', refusing anything else (it is set as a literal)."""
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value.strip()):
        raise ValueError(f"memory_limit={value!r}; write a size such as '4GB'")
    return value.strip()


def load_source(
    con: duckdb.DuckDBPyConnection, name: str, schema: pa.Schema, paths: Sequence[Path]
) -> None:
    """Create temp table `_src_<name>` with the Arrow schema and insert the Parquet files."""
    src = quote_identifier(f"_src_{name}")
    con.register("_empty_source", pa.Table.from_batches([], schema=schema))
    try:
        con.execute(f"CREATE TEMP TABLE {src} AS SELECT * FROM _empty_source")
    finally:
        con.unregister("_empty_source")
    for f in schema:
        if not f.nullable:
            con.execute(f"ALTER TABLE {src} ALTER COLUMN {quote_identifier(f.name)} SET NOT NULL")
    if not paths:
        logger.info("%s: no Parquet files, table left empty", name)
        return
    file_columns = read_parquet_columns(paths)
    missing = [f.name for f in schema if not f.nullable and f.name not in file_columns]
    files = [str(p) for p in paths]
    if missing:
        raise ValueError(f"{name}: required columns {missing} absent from {files}")
    # A producer may add columns the schema does not know yet: keep them rather than lose them.
    extra = [c for c in file_columns if c not in schema.names]
    if extra:
        described = con.execute(
            f"DESCRIBE SELECT {', '.join(map(quote_identifier, extra))} "
            "FROM read_parquet(?, union_by_name = true)",
            [files],
        ).fetchall()
        for column, column_type, *_ in described:
            logger.warning(
                "%s: column %r is not in the Arrow schema; kept as %s", name, column, column_type
            )
            con.execute(f"ALTER TABLE {src} ADD COLUMN {quote_identifier(column)} {column_type}")
    present = [c for c in file_columns if c in schema.names] + extra
    columns = ", ".join(map(quote_identifier, present))
    con.execute(
        f"INSERT INTO {src} BY NAME SELECT {columns} FROM read_parquet(?, union_by_name = true)",
        [files],
    )


def read_parquet_columns(paths: Sequence[Path]) -> list[str]:
    """Column names over all files, in first-seen order."""
    seen: dict[str, None] = {}
    for path in paths:
        for column in pq.read_schema(path).names:
            seen.setdefault(column, None)
    return list(seen)


def check_unique_documents(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse to build when one doc_id names two documents (counts would be doubled)."""
    dupes = con.execute(
        "SELECT doc_id, count(*) AS n FROM _src_documents GROUP BY doc_id HAVING n > 1 "
        "ORDER BY doc_id LIMIT 5"
    ).fetchall()
    if dupes:
        raise ValueError(f"duplicate doc_id in documents, e.g. {dupes}")


def collections_in(paths: Sequence[Path]) -> list[str]:
    """Collections of the documents files, in file order (the pipeline lists them as registered)."""
    seen: dict[str, None] = {}
    for path in paths:
        column = pq.read_table(path, columns=["collection"]).column("collection")
        for value in column.unique().to_pylist():
            if value is not None:
                seen.setdefault(str(value), None)
    return list(seen)


def load_fingerprints(
    con: duckdb.DuckDBPyConnection, collections: Sequence[str], min_chars: int
) -> None:
    """Temp tables `_fingerprints` (doc_id, fingerprint) and `_collection_rank` for schema.sql.

    The texts are streamed from `_src_documents` in batches; only ids and hashes are kept.
    """
    doc_ids: list[str] = []
    hashes: list[str | None] = []
    reader = con.sql("SELECT doc_id, kind, text FROM _src_documents").to_arrow_reader(1024)
    for batch in reader:
        ids = batch.column(0).to_pylist()
        doc_ids.extend(ids)
        hashes.extend(
            document_fingerprint(d, k, t, min_chars)
            for d, k, t in zip(
                ids, batch.column(1).to_pylist(), batch.column(2).to_pylist(), strict=True
            )
        )
    tables = {
        "_fingerprints": pa.table(
            {"doc_id": pa.array(doc_ids, pa.string()), "fingerprint": pa.array(hashes, pa.string())}
        ),
        "_collection_rank": pa.table(
            {
                "collection": pa.array(list(collections), pa.string()),
                "collection_rank": pa.array(range(len(collections)), pa.int32()),
            }
        ),
    }
    for name, table in tables.items():
        con.register("_arrow_input", table)
        try:
            con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM _arrow_input")
        finally:
            con.unregister("_arrow_input")


def load_actors(con: duckdb.DuckDBPyConnection) -> None:
    """Tables `actors` and `actor_mentions` from the documents (markup entities and their ids,
    persons lists, senders, recipients, signatures) and the NER PERSON entities."""
    docs = con.sql(
        """SELECT doc_id, collection, kind, source_path, year, title, sender, recipient, metadata,
                  right(text, 600) AS text, greatest(length(text) - 600, 0) AS text_offset
           FROM documents ORDER BY doc_idx"""
    ).df()
    docs["metadata"] = [m if isinstance(m, dict) else {} for m in docs["metadata"]]
    ents = con.sql(
        "SELECT doc_id, text, label, start_char, end_char, origin FROM entities "
        "WHERE origin = 'ner' AND label IN ('PERSON', 'PER')"
    ).df()
    actors, mentions = to_arrow(*build_actors(docs, ents))
    for name, table, order in (
        ("actors", actors, "actor_id"),
        ("actor_mentions", mentions, "doc_id, start_char, source"),
    ):
        con.register("_arrow_input", table)
        try:
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM _arrow_input ORDER BY {order}")
        finally:
            con.unregister("_arrow_input")


def count_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of the input and derived tables."""
    counts: dict[str, int] = {}
    for name in (*TABLE_SCHEMAS, *DERIVED_TABLES, *ACTOR_TABLES):
        row = con.execute(f"SELECT count(*) FROM main.{quote_identifier(name)}").fetchone()
        counts[name] = int(row[0]) if row else 0
    return counts


def remove_stale_builds(db_path: Path) -> None:
    """Delete the temporary files of builds whose process is gone (a killed earlier run)."""
    for tmp in db_path.parent.glob(f".{db_path.name}.*.building*"):
        pid = tmp.name[len(db_path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and _process_alive(int(pid)):
            continue  # another build is writing it right now
        logger.info("removing %s left by a killed build", tmp.name)
        tmp.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_database(path: Path) -> None:
    """Delete a DuckDB file and its write-ahead log if present."""
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)
