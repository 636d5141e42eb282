"""Readers are sandboxed: Warehouse.sql() cannot write or read files, load extensions, re-attach
the warehouse writable or unlock its configuration (warehouse/queries.py SANDBOX; issue 20).

Each escape is tried on a reader of a small warehouse file; the file, its folder and a file
outside it are checked unchanged afterwards. Spec:
https://duckdb.org/docs/stable/operations_manual/securing_duckdb/overview
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from warehouse.queries import SANDBOX_HINT, Warehouse


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "wh" / "longue.duckdb"
    path.parent.mkdir()
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE documents AS SELECT 'd' || i AS doc_id, 1800 + i AS year FROM range(5) t(i)"
    )
    con.close()
    return path


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_normal_queries_still_work(db: Path) -> None:
    with Warehouse.open(db) as wh:
        assert wh.sql("SELECT count(*) AS n FROM documents")["n"][0] == 5
        got = wh.sql("SELECT doc_id FROM documents WHERE year >= ? ORDER BY doc_id", [1803])
        assert got["doc_id"].tolist() == ["d3", "d4"]
        assert wh.tables() == ["documents"]
        # temporary objects live in memory and are allowed; they vanish with the connection
        wh.sql("CREATE TEMP TABLE mine AS SELECT 1 AS x")
        assert wh.sql("SELECT x FROM mine")["x"][0] == 1
        # (duckdb_settings() shows disabled_filesystems as '' even once set: tested below)
        settings = wh.sql(
            "SELECT name, value FROM duckdb_settings() WHERE name IN "
            "('enable_external_access', 'lock_configuration')"
        )
        assert dict(zip(settings["name"], settings["value"], strict=True)) == {
            "enable_external_access": "false",
            "lock_configuration": "true",
        }


# statement (with {db}, {dir} and {outside} to fill in) -> what its error must say
FILE_ESCAPES = {
    "COPY documents TO '{outside}/out.csv'": "disabled",
    "COPY documents TO '{dir}/out.parquet' (FORMAT parquet)": "disabled",
    # enable_external_access=false alone allow-lists the attached file: this overwrote it
    "COPY (SELECT 'x') TO '{db}' (FORMAT csv, USE_TMP_FILE false)": "disabled",
    "COPY (SELECT 'x') TO '{db}.wal' (FORMAT csv, USE_TMP_FILE false)": "disabled",
    "EXPORT DATABASE '{outside}/export'": "disabled",
    "SELECT * FROM read_csv('{outside}/secret.txt')": "disabled",
    "SELECT * FROM read_text('{outside}/secret.txt')": "disabled",
    "SELECT * FROM read_parquet('{outside}/*.parquet')": "disabled",
    "SELECT * FROM glob('{outside}/*')": "disabled",
    "SELECT * FROM sniff_csv('{outside}/secret.txt')": "disabled",  # a CVE before DuckDB 1.1
    "ATTACH '{outside}/new.duckdb' AS other": "disabled",
    "INSTALL httpfs": "disabled",
    "LOAD httpfs": "disabled",
}


@pytest.mark.parametrize("statement", list(FILE_ESCAPES))
def test_file_access_is_refused_with_a_clear_error(
    db: Path, tmp_path: Path, statement: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("a,b\n1,2\n")
    before = snapshot(db.parent), snapshot(outside)
    query = statement.format(db=db, dir=db.parent, outside=outside)
    with Warehouse.open(db) as wh:
        with pytest.raises(duckdb.PermissionException, match=FILE_ESCAPES[statement]) as info:
            wh.sql(query)
        assert SANDBOX_HINT in str(info.value)  # says why and what to do instead
        assert wh.sql("SELECT count(*) AS n FROM documents")["n"][0] == 5  # still usable
    assert (snapshot(db.parent), snapshot(outside)) == before


def test_the_warehouse_cannot_be_reattached_writable(db: Path) -> None:
    before = snapshot(db.parent)
    with Warehouse.open(db) as wh:
        with pytest.raises(duckdb.Error, match="read-only"):
            wh.sql("CREATE TABLE hack AS SELECT 1 AS x")
        with pytest.raises(duckdb.Error, match="read-only"):
            wh.sql("DELETE FROM documents")
        # detaching is possible (it only affects this connection) but attaching again is not
        wh.sql("USE memory")
        wh.sql("DETACH warehouse")
        with pytest.raises(duckdb.PermissionException, match="disabled"):
            wh.sql(f"ATTACH '{db}' AS warehouse (READ_WRITE)")
        with pytest.raises(duckdb.PermissionException, match="disabled"):
            wh.sql(f"ATTACH '{db}' AS again (READ_ONLY)")
    assert snapshot(db.parent) == before
    with Warehouse.open(db) as wh:
        assert wh.tables() == ["documents"]


@pytest.mark.parametrize(
    "statement",
    [
        "SET enable_external_access = true",
        "RESET enable_external_access",
        "SET disabled_filesystems = ''",
        "RESET disabled_filesystems",
        "SET lock_configuration = false",
        "SET GLOBAL lock_configuration = false",
        "SET temp_directory = '/tmp'",
        "SET allowed_paths = ['/etc/passwd']",
    ],
)
def test_the_configuration_is_locked(db: Path, statement: str) -> None:
    with Warehouse.open(db) as wh:
        with pytest.raises(duckdb.Error, match="locked"):
            wh.sql(statement)
        assert wh.sql("SELECT current_setting('enable_external_access') AS v")["v"][0] == False  # noqa: E712


def test_the_raw_connection_is_sandboxed_too(db: Path, tmp_path: Path) -> None:
    """Notebooks that reach for wh.con get the same guarantees (DuckDB's own error)."""
    with Warehouse.open(db) as wh, pytest.raises(duckdb.PermissionException):
        wh.con.execute(f"COPY documents TO '{tmp_path}/out.csv'")
    assert not (tmp_path / "out.csv").exists()
