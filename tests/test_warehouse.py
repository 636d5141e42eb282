"""Warehouse build and query API on a small real warehouse (ELTeC, Tate, FRUS, BnL press)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from warehouse import Warehouse
from warehouse.build import ACTOR_TABLES, DERIVED_TABLES, TABLE_SCHEMAS, build
from warehouse.queries import QueryWarning
from warehouse.terms import TermError

sys.path.insert(0, str(Path(__file__).parent))
from warehouse_fixture import FixtureWarehouse  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FLEURIOT = "eltec-fra:FRA01402"  # En congé, first edition 1874


def duckdb_types(schema: pa.Schema) -> dict[str, str]:
    """The DuckDB column types DuckDB itself derives from an Arrow schema."""
    con = duckdb.connect()
    con.register("empty", pa.Table.from_batches([], schema=schema))
    rows = con.execute("DESCRIBE SELECT * FROM empty").fetchall()
    con.close()
    return {r[0]: r[1] for r in rows}


# --- build --------------------------------------------------------------------------------


def test_build_counts_match_inputs(fx: FixtureWarehouse) -> None:
    # 4 novels + 20 Tate records + 21 FRUS documents + 1 newspaper issue (4 ALTO pages)
    assert fx.counts["documents"] == 46 == len(fx.documents)
    assert fx.counts["tokens"] == len(fx.tokens)
    assert fx.counts["pages"] == 4
    assert fx.counts["rejects"] == 1
    assert fx.counts["doc_lengths"] == 46
    # every token is one lemma posting (lemmas are never null here) and one word-form posting
    assert fx.counts["term_positions"] == 2 * len(fx.tokens)
    assert fx.counts["topic_terms"] == 30  # 3 topics x 10 terms
    assert set(fx.counts) == set(TABLE_SCHEMAS) | set(DERIVED_TABLES) | set(ACTOR_TABLES)
    # nothing but the warehouse is left next to it
    assert sorted(p.name for p in fx.db_path.parent.iterdir()) == ["longue.duckdb"]


def test_schema_sql_keeps_every_arrow_column(wh: Warehouse) -> None:
    for table, schema in TABLE_SCHEMAS.items():
        built = wh.sql(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_catalog = 'warehouse' AND table_name = ?",
            [table],
        )
        built_types = dict(zip(built["column_name"], built["data_type"], strict=True))
        for column, dtype in duckdb_types(schema).items():
            assert column in built_types, f"{table}.{column} missing from the warehouse"
            assert built_types[column] == dtype, f"{table}.{column}: {built_types[column]}"
    columns = set(wh.sql("DESCRIBE documents")["column_name"])
    assert {"doc_idx", "decade", "century"} <= columns
    assert {"doc_idx", "gpos"} <= set(wh.sql("DESCRIBE tokens")["column_name"])


def test_tokens_sorted_with_contiguous_global_positions(
    wh: Warehouse, fx: FixtureWarehouse
) -> None:
    t = wh.sql("SELECT doc_id, doc_idx, gpos, position FROM tokens")
    assert t["gpos"].tolist() == list(range(len(fx.tokens)))  # stored in gpos order
    assert t["doc_id"].is_monotonic_increasing
    for _, g in t.groupby("doc_idx"):
        assert g["position"].is_monotonic_increasing
        assert (np.diff(g["gpos"]) == 1).all()
    # spaCy's paragraph-break tokens were dropped, so positions have gaps but gpos has none
    fleuriot = t[t["doc_id"] == FLEURIOT]
    assert fleuriot["position"].iloc[-1] - fleuriot["position"].iloc[0] > len(fleuriot) - 1


def test_decade_and_century_columns(wh: Warehouse) -> None:
    d = wh.sql("SELECT doc_id, year, decade, century FROM documents WHERE doc_id = ?", [FLEURIOT])
    assert d.loc[0, ["year", "decade", "century"]].tolist() == [1874, 1870, 1800]
    undated = wh.sql("SELECT count(*) AS n FROM documents WHERE year IS NULL")
    assert undated["n"][0] == 2  # Tate: "date not known" twice


def test_build_refuses_missing_required_column(tmp_path: Path) -> None:
    bad = tmp_path / "docs.parquet"
    pq.write_table(pa.table({"title": ["no id"]}), bad)
    with pytest.raises(ValueError, match="doc_id"):
        build(tmp_path / "w.duckdb", {"documents": [bad]})
    assert not list(tmp_path.glob("*.duckdb")) and not list(tmp_path.glob(".*building"))
    with pytest.raises(ValueError, match="unknown tables"):
        build(tmp_path / "w.duckdb", {"tokenz": []})


def test_build_keeps_unknown_parquet_columns(tmp_path: Path, fx: FixtureWarehouse) -> None:
    rejects = pq.read_table(fx.sources["rejects"][0])
    extended = rejects.append_column("worker", pa.array(["w1"] * len(rejects)))
    path = tmp_path / "rejects.parquet"
    pq.write_table(extended, path)
    counts = build(tmp_path / "w.duckdb", {"rejects": [path]})
    assert counts["rejects"] == 1 and counts["documents"] == 0
    with Warehouse.open(tmp_path / "w.duckdb") as w:
        assert w.rejects()["worker"].tolist() == ["w1"]
        assert w.frequency("mer").empty
        assert w.kwic("mer").empty


# --- frequency ----------------------------------------------------------------------------


def expected_count(fx: FixtureWarehouse, term: str, decade: int, field: str = "lemma") -> int:
    docs = fx.documents[(fx.documents["year"] // 10 * 10) == decade]["doc_id"]
    tok = fx.tokens[fx.tokens["doc_id"].isin(docs)]
    return int((tok[field].str.lower() == term).sum())


def test_frequency_count_equals_hand_count(wh: Warehouse, fx: FixtureWarehouse) -> None:
    f = wh.frequency(["mer", "Sea"], by="decade")
    row = f[(f["term"] == "mer") & (f["period"] == 1870)].iloc[0]
    assert row["count"] == expected_count(fx, "mer", 1870) == 9
    # each term is divided by the tokens of its own language, even when compared in one call
    assert row["language"] == "fr"
    docs = fx.documents
    fr_1870 = docs[docs["year"].between(1870, 1879) & (docs["language"] == "fr")]["doc_id"]
    tok = fx.tokens[fx.tokens["doc_id"].isin(fr_1870)]
    assert row["total"] == int(tok["is_alpha"].sum())
    assert row["per_million"] == pytest.approx(1e6 * 9 / row["total"])
    assert row["n_docs"] == 1 and row["n_docs_with_term"] == 1
    sea_rows = f[f["term"] == "Sea"]
    assert set(sea_rows["language"]) == {"en"}
    sea = sea_rows.set_index("period")["count"]
    assert sea[1870] == expected_count(fx, "sea", 1870) == 2
    assert sea[2000] == 1  # "St Ives Bay and the Celtic Sea" (Tate P20231, 2001)
    # every dated decade with English words is a row, with 0 where the word is absent
    english = docs[(docs["language"] == "en") & docs["year"].notna()]
    english = english[english["doc_id"].isin(fx.tokens["doc_id"])]
    assert sea[1850] == 0 and len(sea) == english["year"].floordiv(10).nunique()
    # language="all": the old denominator, every token of the period
    everything = wh.frequency("mer", by="decade", language="all").set_index("period")
    all_1870 = docs[docs["year"].between(1870, 1879)]["doc_id"]
    tok = fx.tokens[fx.tokens["doc_id"].isin(all_1870)]
    assert everything.loc[1870, "total"] == int(tok["is_alpha"].sum())
    assert everything.loc[1870, "language"] == "all"


def test_frequency_by_word_form(wh: Warehouse, fx: FixtureWarehouse) -> None:
    f = wh.frequency("était", field="text", by="century")
    # the 1860s and 1870s novels and the 1858 newspaper
    assert f.set_index("period")["count"][1800] == sum(
        expected_count(fx, "était", decade, "text") for decade in (1850, 1860, 1870)
    )
    lemma = wh.frequency("être", by="century").set_index("period")["count"][1800]
    assert lemma > f.set_index("period")["count"][1800]  # the lemma gathers every form


def test_frequency_cis_contain_estimates_and_are_deterministic(wh: Warehouse) -> None:
    for by in ("year", "decade", "quarter-century", "century", 50):
        f = wh.frequency(["mer", "love", "sea", "petit"], by=by, split="kind", n_boot=300)
        assert (f["ci_low"] <= f["per_million"]).all()
        assert (f["per_million"] <= f["ci_high"]).all()
    a = wh.frequency(["petit", "love"], by="century", n_boot=200, seed=3)
    b = wh.frequency(["petit", "love"], by="century", n_boot=200, seed=3)
    c = wh.frequency(["petit", "love"], by="century", n_boot=200, seed=4)
    pd.testing.assert_frame_equal(a, b)
    wide = a[(a["n_docs_with_term"] > 0) & (a["n_docs"] > 1)]
    assert (wide["ci_high"] > wide["ci_low"]).all() and len(wide) >= 2
    assert not np.allclose(a["ci_high"], c["ci_high"])
    # one period's CI does not depend on which other periods the query covers
    books = wh.frequency(["petit", "love"], by="century", kinds="book", n_boot=200, seed=3)
    museum_free = a.merge(books, on=["term", "period"], suffixes=("", "_b"))
    museum_free = museum_free[museum_free["n_docs"] == museum_free["n_docs_b"]]
    assert np.allclose(museum_free["ci_low"], museum_free["ci_low_b"])


def test_frequency_split_and_filters(wh: Warehouse) -> None:
    f = wh.frequency("petit", by="century", split="language")
    assert set(f["language"]) == {"fr", "en"}  # the Luxembourg issue is detected as French
    fr = f[(f["language"] == "fr") & (f["period"] == 1800)].iloc[0]
    assert fr["count"] > 0 and fr["n_docs"] == 3  # two novels and the newspaper
    museum = wh.frequency("sea", kinds="museum", by="century")
    # two Tate records say "sea"; the undated one (T04277) cannot be placed on a timeline
    assert museum["total"].sum() < 1000 and museum["count"].sum() == 1
    cables = wh.frequency("sea", kinds="cable", by="century", split="collection")
    assert cables["collection"].unique().tolist() == ["frus"]
    eng = wh.frequency("love", collections=["eltec-eng"], by="century")
    assert eng["n_docs"].tolist() == [2]
    # only the newspaper is OCR (mean word confidence 0.7843): 0.9 drops it, 0.7 keeps it
    pd.testing.assert_frame_equal(wh.frequency("mer", min_ocr_confidence=0.7), wh.frequency("mer"))
    strict = wh.frequency("mer", min_ocr_confidence=0.9).set_index("period")
    loose = wh.frequency("mer").set_index("period")
    # "mer" is French: the newspaper is the only French document of the 1850s
    assert loose.loc[1850, "n_docs"] == 1 and 1850 not in strict.index
    assert (loose.drop(index=1850)["n_docs"] == strict["n_docs"]).all()
    every = wh.frequency("mer", language="all").set_index("period")
    every_strict = wh.frequency("mer", language="all", min_ocr_confidence=0.9)
    assert every.loc[1850, "n_docs"] - every_strict.set_index("period").loc[1850, "n_docs"] == 1
    with pytest.raises(ValueError):
        wh.frequency("mer", by="fortnight")
    with pytest.raises(ValueError):
        wh.frequency("mer", split="kind; DROP TABLE documents")
    with pytest.raises(ValueError):
        wh.frequency("mer", field="lemma OR 1=1")


def test_relfreq_macro_agrees_with_frequency(wh: Warehouse) -> None:
    # the macro divides by every token of the decade: the API's language="all"
    macro = wh.sql("SELECT * FROM relfreq(?)", ["mer"]).set_index("decade")
    api = wh.frequency("mer", n_boot=0, language="all").set_index("period")
    assert macro["count"].to_dict() == api["count"].to_dict()
    assert macro["total"].to_dict() == api["total"].to_dict()
    form = wh.sql("SELECT * FROM relfreq(?, fld := 'text')", ["Mer"]).set_index("decade")
    assert form.loc[1870, "count"] == 9


# --- kwic ---------------------------------------------------------------------------------


def test_kwic_shows_source_context(wh: Warehouse, fx: FixtureWarehouse) -> None:
    k = wh.kwic("mer", window=8, kinds="book")
    assert len(k) == 9 and set(k["doc_id"]) == {FLEURIOT}
    # and six times in the 1858 Luxembourg newspaper, which comes first in year order
    everywhere = wh.kwic("mer", window=8)
    assert len(everywhere) == 15 and everywhere["year"].tolist() == [1858] * 6 + [1874] * 9
    first = k.iloc[0]
    assert first["title"] == "En congé" and first["year"] == 1874
    # "... et nous irons jusqu'à la mer. »" then the next paragraph "Lui ai-je sauté au cou !"
    assert first["left"].endswith("et nous irons jusqu' à la")
    assert first["match"] == "mer"
    assert first["right"].startswith(". » Lui ai -je sauté au cou")
    assert len(first["left"].split(" ")) == 8 == len(first["right"].split(" "))
    text = fx.documents.set_index("doc_id").loc[FLEURIOT, "text"]
    squeezed = "".join(text.split())
    for _, row in k.iterrows():
        assert "".join((row["left"] + row["match"] + row["right"]).split()) in squeezed


def test_kwic_stays_inside_its_document(wh: Warehouse) -> None:
    k = wh.kwic("sea", window=10, field="text", kinds="museum")
    celtic = k[k["doc_id"] == "tate:P20231"].iloc[0]
    assert celtic["left"] == "St Ives Bay and the Celtic"  # the title starts the record
    assert celtic["match"] == "Sea"
    assert wh.kwic("mer", period=(1860, 1869)).empty
    assert len(wh.kwic("mer", period=(1870, 1879), limit=3)) == 3
    assert wh.kwic("mer", kinds="museum").empty


def test_kwic_macro(wh: Warehouse) -> None:
    k = wh.sql("SELECT * FROM kwic(?, width := 3)", ["mer"])
    assert len(k) == 15 and k[k["year"] == 1874].iloc[0]["left"] == "jusqu' à la"
    docs = wh.sql("SELECT * FROM docs_in(1870)")
    assert docs["title"].tolist() == ["The True History of Joshua Davidson", "En congé"]


# --- collocates, kinds, entities, network ---------------------------------------------------


def read_source(fx: FixtureWarehouse, name: str) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(p) for p in fx.sources[name]], ignore_index=True)


def window_counts(fx: FixtureWarehouse, term: str, window: int) -> tuple[pd.Series, int]:
    """Lemmas within `window` tokens of `term` inside each document, counted by hand."""
    found: dict[str, int] = {}
    for _, doc in fx.tokens.groupby("doc_id", sort=False):
        lemmas = doc["lemma"].str.lower().tolist()
        near: set[int] = set()  # positions in any window, each once
        for i, lemma in enumerate(lemmas):
            if lemma == term:
                near.update(range(max(0, i - window), min(len(lemmas), i + window + 1)))
        for j in near:
            if lemmas[j] != term:
                found[lemmas[j]] = found.get(lemmas[j], 0) + 1
    return pd.Series(found), sum(found.values())


def test_collocates_count_and_measures_by_hand(wh: Warehouse, fx: FixtureWarehouse) -> None:
    c = wh.collocates("mer", window=4, min_count=1, exclude_stopwords=False, top=None)
    by_hand, slots = window_counts(fx, "mer", 4)
    row = c.set_index("collocate").loc["le"]
    assert row["count"] == by_hand["le"] >= 3  # "jusqu'à la mer": la -> lemma "le"
    n = len(fx.tokens)
    total = int((fx.tokens["lemma"].str.lower() == "le").sum())
    assert row["collocate_total"] == total
    expected = slots * total / n
    assert row["expected"] == pytest.approx(expected)
    assert row["pmi"] == pytest.approx(np.log2(by_hand["le"] / expected))
    # Dunning's G2 from the 2x2 table, written out
    o = np.array([by_hand["le"], slots - by_hand["le"], total - by_hand["le"]], dtype=float)
    o = np.append(o, n - slots - o[2])
    e = np.array(
        [slots * total, slots * (n - total), (n - slots) * total, (n - slots) * (n - total)]
    )
    g2 = 2 * float(np.sum(o * np.log(o / (e / n))))
    assert row["llr"] == pytest.approx(g2)
    # punctuation never, stop words only when asked, the node term itself never
    assert not c["collocate"].isin([".", ",", "mer"]).any()
    assert (c["count"] <= c["collocate_total"]).all()
    content = wh.collocates("mer", window=4, min_count=1, top=None)
    assert "le" not in set(content["collocate"]) and len(content) > 0
    assert (
        content["count"]
        .le(c.set_index("collocate")["count"].reindex(content["collocate"]).to_numpy())
        .all()
    )
    llr = wh.collocates("mer", window=4, min_count=1, measure="llr", top=5)
    assert llr["llr"].is_monotonic_decreasing
    assert wh.collocates("mer", period=(1850, 1869)).empty  # only the 1874 novel has "mer"
    with pytest.raises(ValueError):
        wh.collocates("mer", measure="dice")


def test_compare_kinds_side_by_side(wh: Warehouse, fx: FixtureWarehouse) -> None:
    # by default an English word is compared over the English documents of each kind
    assert list(wh.compare_kinds("sea", field="text", n_boot=0)["kind"]) == [
        "book",
        "cable",
        "museum",
    ]
    k = wh.compare_kinds("sea", field="text", n_boot=300, language="all").set_index("kind")
    assert list(k.index) == ["book", "cable", "museum", "press"]
    kinds = fx.documents.set_index("doc_id")["kind"]
    tok = fx.tokens.assign(kind=fx.tokens["doc_id"].map(kinds))
    for kind, row in k.iterrows():
        part = tok[tok["kind"] == kind]
        assert row["count"] == int((part["text"].str.lower() == "sea").sum())
        assert row["total"] == int(part["is_alpha"].sum())
    # Tate: "St Ives Bay and the Celtic Sea" and the undated T04277 both count here
    assert k.loc["museum", "count"] == 2 and k.loc["museum", "n_docs_with_term"] == 2
    assert ((k["ci_low"] <= k["per_million"]) & (k["per_million"] <= k["ci_high"])).all()
    dated = wh.compare_kinds("sea", field="text", period=(1000, 2100)).set_index("kind")
    assert dated.loc["museum", "count"] == 1


def test_entity_timeline(wh: Warehouse, fx: FixtureWarehouse) -> None:
    ents = read_source(fx, "entities")
    years = fx.documents.set_index("doc_id")["year"]
    g = wh.entity_timeline("Gresham", by="decade").set_index("period")
    mentioned = ents[ents["text"].str.lower() == "gresham"]
    assert g.loc[1890, "n_mentions"] == len(mentioned[mentioned["doc_id"].map(years) >= 1890]) > 0
    assert g.loc[1890, "n_docs_mentioning"] == mentioned["doc_id"].nunique()
    assert g.loc[1890, "n_docs"] == 11  # the 1894 Nicaragua documents
    assert ((g["ci_low"] <= g["share"]) & (g["share"] <= g["ci_high"])).all()
    per = wh.entity_timeline("PER", by="century", origin="markup").set_index("period")
    markup_per = ents[(ents["label"] == "PER") & (ents["origin"] == "markup")]
    dated = markup_per[markup_per["doc_id"].map(years).notna()]
    assert per["n_mentions"].sum() == len(dated) > 0
    both = wh.entity_timeline("PER", by="century")
    assert both["n_mentions"].sum() > per["n_mentions"].sum()
    with pytest.raises(ValueError):
        wh.entity_timeline("PER", origin="guess")


def test_cable_network_both_modes(wh: Warehouse, fx: FixtureWarehouse) -> None:
    docs = read_source(fx, "documents")
    net = wh.cable_network()
    edge = net[(net["source"] == "Baker") & (net["target"] == "Gresham")].iloc[0]
    by_hand = docs[(docs["sender"] == "Baker") & (docs["recipient"] == "Gresham")]
    assert edge["weight"] == len(by_hand) == 4  # d3, d4, d8, d11 of the 1894 volume
    assert edge["first_year"] == edge["last_year"] == 1894
    early = wh.cable_network(period=(1800, 1849))
    assert set(early["last_year"]) <= set(range(1800, 1850)) and len(early) > 0
    assert (early["source"] == "Mr. Clay").any()  # Clay to Gallatin, 1826
    co = wh.cable_network(mode="co_mention", min_weight=1)
    assert (co["source"] < co["target"]).all() or co.empty
    ents = read_source(fx, "entities")
    frus_ids = set(docs[docs["kind"] == "cable"]["doc_id"])
    ents = ents[ents["doc_id"].isin(frus_ids) & ents["label"].isin(["PER", "ORG", "LOC"])]
    top = co.iloc[0]
    names = ents.assign(name=ents["text"].str.split().str.join(" "))
    with_source = set(names[names["name"] == top["source"]]["doc_id"])
    with_target = set(names[names["name"] == top["target"]]["doc_id"])
    assert top["weight"] == len(with_source & with_target) >= 2
    with pytest.raises(ValueError):
        wh.cable_network(mode="everyone")


# --- safety and concurrency ---------------------------------------------------------------

INJECTION = "x'; DROP TABLE documents; --"


def test_injection_attempts_are_just_values(fx: FixtureWarehouse) -> None:
    with Warehouse.open(fx.db_path) as w:
        # a term is parsed, never spliced into SQL: this one is 8 tokens, refused as a phrase
        for query in (w.kwic, w.frequency, w.hits, w.compare_kinds):
            with pytest.raises(TermError, match="phrases are matched up to 5 tokens"):
                query(INJECTION)
        short = "x' OR 1=1"  # within the phrase length: just words that never occur
        with pytest.warns(QueryWarning, match="never occurs"):
            assert w.frequency(short)["count"].sum() == 0
        assert w.kwic(short).empty and w.hits(short).empty
        assert w.kwic("mer", kinds=[INJECTION]).empty
        assert w.neighbours(INJECTION).empty
        assert w.neighbours("mer", periods=[INJECTION]).empty
        assert w.collocates(INJECTION).empty
        assert w.collocates("mer", kinds=INJECTION).empty
        with pytest.warns(QueryWarning):
            assert w.compare_kinds(short)["count"].sum() == 0
        assert w.entity_timeline(INJECTION)["n_mentions"].sum() == 0
        assert w.entity_timeline("PER", kinds=INJECTION).empty
        assert w.cable_network(kinds=INJECTION).empty
        assert w.cable_network(mode="co_mention", labels=[INJECTION]).empty
        assert w.documents(kinds=INJECTION, collections=INJECTION).empty
        assert w.frequency("mer", collections=INJECTION).empty
        assert w.term_id(INJECTION) is None
        for bad in ({"by": INJECTION}, {"field": INJECTION}, {"split": INJECTION}):
            with pytest.raises(ValueError):
                w.frequency("mer", **bad)
        with pytest.raises(ValueError):
            w.collocates("mer", measure=INJECTION)
        with pytest.raises(ValueError):
            w.entity_timeline("PER", match=INJECTION)
        assert (
            w.sql("SELECT count(*) AS n FROM documents WHERE title = ?", [INJECTION])["n"][0] == 0
        )
        with pytest.raises(duckdb.Error):
            w.sql("DROP TABLE documents")  # read-only
    with Warehouse.open(fx.db_path) as w:
        assert w.sql("SELECT count(*) AS n FROM documents")["n"][0] == 46


def test_two_readers_while_a_third_process_reads(fx: FixtureWarehouse) -> None:
    code = (
        "import sys; from warehouse import Warehouse\n"
        "with Warehouse.open(sys.argv[1]) as w:\n"
        "    print(w.frequency('mer', by='century')['count'].sum())\n"
        "    sys.stdin.read()\n"
    )
    third = subprocess.Popen(
        [sys.executable, "-c", code, str(fx.db_path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert third.stdout is not None
        assert third.stdout.readline().strip() == "15"  # the third reader is open now
        with Warehouse.open(fx.db_path) as a, Warehouse.open(fx.db_path) as b:
            assert len(a.kwic("mer")) == len(b.kwic("mer")) == 15
            assert (
                a.documents(kinds="book")["doc_id"].tolist()
                == b.documents(kinds="book")["doc_id"].tolist()
            )
    finally:
        third.communicate("", timeout=60)
    assert third.returncode == 0


def test_rebuild_replaces_file_atomically(tmp_path: Path, fx: FixtureWarehouse) -> None:
    db = tmp_path / "longue.duckdb"
    build(db, fx.sources)
    with Warehouse.open(db) as old:
        assert old.sql("SELECT count(*) AS n FROM documents")["n"][0] == 46
        only_books = {k: [p for p in v if "eltec" in str(p)] for k, v in fx.sources.items()}
        counts = build(db, only_books)
        assert counts["documents"] == 4
        # the open reader keeps its snapshot of the old file
        assert old.sql("SELECT count(*) AS n FROM documents")["n"][0] == 46
        assert len(old.kwic("sea", field="text", kinds="museum")) == 2
        with Warehouse.open(db) as new:
            assert new.sql("SELECT count(*) AS n FROM documents")["n"][0] == 4
            assert new.kwic("sea", field="text", kinds="museum").empty
    assert sorted(p.name for p in tmp_path.iterdir()) == ["longue.duckdb"]


def test_open_default_path_and_env(
    fx: FixtureWarehouse, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LONGUE_WAREHOUSE", str(fx.db_path))
    with Warehouse.open() as w:
        assert w.path == fx.db_path
    monkeypatch.setenv("LONGUE_WAREHOUSE", str(tmp_path / "absent.duckdb"))
    with pytest.raises(FileNotFoundError, match="absent.duckdb"):
        Warehouse.open()


# --- model tables and plots ---------------------------------------------------------------


def test_topics_and_absent_embedding_tables(wh: Warehouse) -> None:
    t = wh.topics_over_time()
    assert sorted(t["topic"].unique()) == [0, 1, 2]
    assert sorted(t["period_start"].unique()) == [1600, 1700, 1800, 1900, 2000]
    sums = t.groupby("period_start")["prevalence"].sum()
    assert ((sums > 0.9) & (sums <= 1.0 + 1e-6)).all()  # weights < 0.01 were dropped
    assert t["label"].str.count(", ").eq(4).all()
    terms = wh.topic_terms(0, top=5)
    assert terms["rank"].tolist() == [1, 2, 3, 4, 5]
    assert terms["term"].iloc[0] == t[t["topic"] == 0]["label"].iloc[0].split(", ")[0]
    assert wh.neighbours("mer").columns.tolist() == [
        "period",
        "word",
        "rank",
        "neighbour",
        "similarity",
    ]
    assert wh.drift().empty


def test_plots_draw_lines_and_bands(wh: Warehouse) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from warehouse.plots import plot_timeline, plot_topics

    f = wh.frequency(
        ["petit", "love"],
        by="century",
        split="kind",
        kinds=["book", "museum"],
        n_boot=100,
        language="all",  # "petit" in the (English) museum records too, so 4 lines
    )
    ax = plot_timeline(f)
    assert len(ax.get_lines()) == 4  # 2 terms x 2 kinds
    from matplotlib.collections import PolyCollection

    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 4  # one CI band each
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {
        "love · book",
        "love · museum",
        "petit · book",
        "petit · museum",
    }
    ax2 = plot_topics(wh.topics_over_time())
    assert len(ax2.get_lines()) == 3
    ax3 = plot_topics(wh.topics_over_time(), stacked=True, top=2)
    assert len(ax3.collections) == 2
    plt.close("all")


def test_network_and_neighbour_plots(wh: Warehouse) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from warehouse.plots import neighbours_table, plot_neighbours, plot_network

    ax = plot_network(wh.cable_network(), top=10)
    names = {t.get_text() for t in ax.texts}
    assert {"Baker", "Gresham"} <= names and len(names) <= 20
    # rows shaped like the pipeline's neighbours table (NEIGHBOUR_SCHEMA), two periods
    nb = pd.DataFrame(
        {
            "period": ["1800-1899"] * 2 + ["1900-1999"] * 2,
            "word": ["roi"] * 4,
            "rank": [1, 2, 1, 2],
            "neighbour": ["reine", "prince", "président", "reine"],
            "similarity": [0.9, 0.8, 0.7, 0.6],
        }
    )
    table = neighbours_table(nb)
    assert table.columns.tolist() == ["1800-1899", "1900-1999"]
    assert table.loc[1, "1900-1999"] == "président (0.70)"
    fig = plot_neighbours(nb, top=2)
    assert [a.get_title() for a in fig.axes] == ["1800-1899", "1900-1999"]
    plt.close("all")


def test_fixture_is_rebuildable_from_its_own_parquet(tmp_path: Path, fx: FixtureWarehouse) -> None:
    copies: dict[str, list[Path]] = {}
    for name, paths in fx.sources.items():
        for i, p in enumerate(paths):
            dst = tmp_path / f"{name}-{i}.parquet"
            shutil.copy(p, dst)
            copies.setdefault(name, []).append(dst)
    counts = build(tmp_path / "copy.duckdb", copies)
    assert counts == fx.counts
    assert os.path.getsize(tmp_path / "copy.duckdb") > 0
