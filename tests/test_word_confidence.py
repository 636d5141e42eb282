"""OCR word confidence from the ALTO WC attribute down to the nlp stage's tokens (issue #5).

Real sources: the Chronicling America page (ALTO 1.1) and the BnL Luxemburger Zeitung issue
(METS + ALTO v3) of data/raw; a Tesseract line from data/raw/ocr-gt (ocr17, Descartes 1637).
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest import alto, tesseract
from ingest._xml import localname, parse_xml
from ingest.record import WORD_CONFIDENCE_SCHEMA, Record
from pipeline import ingest, nlp
from pipeline.ingest import locate_words
from pipeline.params import load_params
from tests.conftest import RAW, ROOT

SYNC = {"scheduler": "synchronous"}
PARAMS = load_params(ROOT / "params.yaml")
CHRONAM = RAW / "chronam"
BNL = RAW / "bnl-luxzeit"
DESCARTES = RAW / "ocr-gt" / "ocr17" / "descartes1637"


def read_records(unit: Path, root: Path, **options: Any) -> list[Record]:
    items = alto.parse(unit, root=root, collection="wc", kind="press", **options)
    return [i for i in items if isinstance(i, Record)]


def xml_confidences(paths: list[Path]) -> dict[str, float]:
    """WC of every String whose CONTENT occurs once in the files and is a whole word (no
    hyphenation part): what the adapter must give that word."""
    contents: Counter[str] = Counter()
    wc: dict[str, float] = {}
    for path in paths:
        for el in parse_xml(path).getroot().iter():
            if isinstance(el.tag, str) and localname(el) == "String":
                content = el.get("CONTENT", "")
                contents[content] += 1
                if el.get("WC") and not el.get("SUBS_TYPE"):
                    wc[content] = float(el.get("WC", ""))
    return {c: v for c, v in wc.items() if contents[c] == 1 and c.isalpha() and len(c) > 3}


def check_words(record: Record, expected: dict[str, float]) -> int:
    """Every word lies in the text in order; the once-only words carry the XML's WC."""
    located, missing = locate_words(record.text, record.words)
    assert missing == 0, record.doc_id
    assert len(located) == sum(1 for _w, c in record.words if c is not None)
    counts = Counter(w for w, _c in record.words)
    checked = 0
    for word, conf in record.words:
        if word in expected and counts[word] == 1:
            assert conf == pytest.approx(expected[word], abs=1e-4), word
            checked += 1
    return checked


def test_alto_page_words_carry_the_wc_of_the_xml() -> None:
    (record,) = read_records(CHRONAM / "ocr.xml", CHRONAM)
    expected = xml_confidences([CHRONAM / "ocr.xml"])
    assert expected["HARBOR"] == 0.97  # <String ID="P2_ST02177" CONTENT="HARBOR" WC="0.97"/>
    assert len(record.words) == 5020
    assert all(0.0 <= c <= 1.0 for _w, c in record.words if c is not None)
    assert dict(record.words)["HARBOR"] == pytest.approx(0.97)
    assert check_words(record, expected) > 300


def test_mets_issue_and_articles_carry_the_words_of_every_page() -> None:
    unit = next(alto.find(BNL))
    pages = sorted((BNL / unit.parent.name / "text").glob("*.xml"))
    assert len(pages) == 4
    expected = xml_confidences(pages)
    assert expected["aefetzlicken"] == 0.36  # page 1 masthead: "der Sonn- und gesetzlichen"
    (issue,) = read_records(unit, BNL)
    assert len(issue.words) == 7924
    assert check_words(issue, expected) > 500
    # a word joined across a line end can spell a String found once: keep words once in the issue
    once = {w for w, n in Counter(w for w, _c in issue.words).items() if n == 1}
    expected = {w: c for w, c in expected.items() if w in once}
    articles = read_records(unit, BNL, granularity="article")
    assert len(articles) == 13 and articles[-1].doc_id.endswith("/other")
    assert sum(check_words(a, expected) for a in articles) > 500
    # the words outside articles are in the /other record: none lost, none counted twice
    assert sum(len(a.words) for a in articles) == len(issue.words)
    assert sorted(w for a in articles for w in a.words) == sorted(issue.words)
    (without,) = read_records(unit, BNL, use_word_confidence=False)
    assert without.words == () and without.text == issue.text


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract binary not installed")
def test_tesseract_words_follow_the_long_s_correction(tmp_path: Path) -> None:
    root = tmp_path / "descartes"
    root.mkdir()
    shutil.copy(DESCARTES / "000002.png", root / "000002.png")
    items = list(
        tesseract.parse(
            root / "000002.png",
            root=root,
            collection="wc",
            kind="book",
            languages="fra",
            psm=7,
            long_s="lexicon",
        )
    )
    (record,) = [i for i in items if isinstance(i, Record)]
    assert "raiſon" in record.text
    words = dict(record.words)
    # Tesseract reads "raiſon, &" as one word "raifon,&": the word follows the corrected text
    assert "ſa" in words and "fa" not in words
    assert "raiſon,&" in words and "raifon,&" not in words
    located, missing = locate_words(record.text, record.words)
    assert missing == 0 and len(located) == len(record.words) >= 6
    assert all(0.0 <= c <= 1.0 for _a, _b, c in located)


@pytest.fixture(scope="module")
def chronam(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("wc")
    metrics = ingest.run(PARAMS.collections["chronam"], base / "staged", dask_section=SYNC)
    config = nlp.config_from_params(
        {k: v for k, v in PARAMS.section("nlp").items() if k != "default_language"}
    )
    nlp_metrics = nlp.run(
        "chronam",
        base / "staged" / "documents.parquet",
        base / "nlp",
        config,
        default_language="en",
        dask_section=SYNC,
    )
    parts = sorted((base / "nlp" / "tokens").glob("part-*.parquet"))
    return {
        "metrics": metrics,
        "staged": base / "staged",
        "nlp_metrics": nlp_metrics,
        "tokens": pa.concat_tables(pq.read_table(p) for p in parts),
    }


def test_ingest_writes_word_confidence_rows_that_slice_back_to_the_words(
    chronam: dict[str, Any],
) -> None:
    staged = chronam["staged"]
    words = pq.read_table(staged / "word_confidence.parquet")
    assert words.schema.equals(WORD_CONFIDENCE_SCHEMA, check_metadata=False)
    assert chronam["metrics"]["n_word_confidences"] == len(words) == 5020
    assert chronam["metrics"]["n_words_not_located"] == 0
    (text,) = pq.read_table(staged / "documents.parquet").column("text").to_pylist()
    (record,) = read_records(CHRONAM / "ocr.xml", CHRONAM)
    rows = words.to_pylist()
    assert [text[r["start"] : r["end"]] for r in rows] == [w for w, _c in record.words]
    assert [r["confidence"] for r in rows] == pytest.approx([c for _w, c in record.words])
    starts = [r["start"] for r in rows]
    assert starts == sorted(starts)
    harbor = next(r for r in rows if text[r["start"] : r["end"]] == "HARBOR")
    assert harbor["confidence"] == pytest.approx(0.97)


def test_tei_collection_writes_an_empty_table(tmp_path: Path) -> None:
    metrics = ingest.run(PARAMS.collections["frus"], tmp_path / "frus", dask_section=SYNC)
    words = pq.read_table(tmp_path / "frus" / "word_confidence.parquet")
    assert metrics["n_documents"] > 100
    assert len(words) == 0 and metrics["n_word_confidences"] == 0
    assert words.schema.equals(WORD_CONFIDENCE_SCHEMA, check_metadata=False)


def test_words_of_a_dropped_duplicate_are_dropped(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    for name in ("a", "b"):  # the same page under two names: b is a duplicate_source
        (raw / name).mkdir(parents=True)
        shutil.copy(CHRONAM / "ocr.xml", raw / name / "ocr.xml")
    cfg = PARAMS.collections["chronam"]
    cfg = type(cfg)(name="dup", kind="press", format="alto", path=raw, languages=("en",))
    metrics = ingest.run(cfg, tmp_path / "dup", dask_section=SYNC)
    assert metrics["n_documents"] == 1 and metrics["rejects_by_reason"] == {"duplicate_source": 1}
    words = pq.read_table(tmp_path / "dup" / "word_confidence.parquet")
    assert len(words) == 5020 and set(words.column("doc_id").to_pylist()) == {"dup:a/ocr"}


def test_nlp_tokens_carry_the_word_confidence(chronam: dict[str, Any]) -> None:
    tokens = chronam["tokens"]
    assert tokens.schema.field("word_confidence").type == pa.float32()
    alpha = tokens.filter(tokens.column("is_alpha"))
    with_conf = len(alpha) - alpha.column("word_confidence").null_count
    assert len(alpha) > 4000 and with_conf / len(alpha) > 0.95
    values = [v for v in tokens.column("word_confidence").to_pylist() if v is not None]
    assert min(values) >= 0.0 and max(values) <= 1.0
    harbor = [r for r in tokens.to_pylist() if r["text"] == "HARBOR"]
    assert len(harbor) == 1 and harbor[0]["word_confidence"] == pytest.approx(0.97)
    metrics = chronam["nlp_metrics"]
    assert (
        metrics["n_tokens_with_confidence"]
        == len(tokens) - tokens.column("word_confidence").null_count
    )
    assert metrics["n_tokens_with_confidence"] > 0.95 * metrics["n_tokens"]
