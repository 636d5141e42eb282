"""Tests for pipeline.evaluate_ocr: sets OCRed by the stage, per-source scores, pipeline pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest import tesseract
from models.ocr_eval import read_ground_truth
from pipeline import evaluate_ocr
from pipeline.params import ConfigError

try:
    from tests.conftest import RAW, SAMPLES
except ModuleNotFoundError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from conftest import RAW, SAMPLES  # type: ignore[no-redef]

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract binary not installed"
)
OCR17 = RAW / "ocr-gt" / "ocr17"


def test_committed_sets_are_complete() -> None:
    names = [s.name for s in evaluate_ocr.COMMITTED_SETS]
    assert names == [
        "ocr17-descartes1637",
        "ocr17-pascal1647",
        "ocr17-xvi",
        "ocr17-xix",
        "bnl-blocks",
    ]
    for spec in evaluate_ocr.COMMITTED_SETS:
        evaluate_ocr.check_set(spec, spec.name)
    counts = {
        s.name: len(evaluate_ocr.find_pairs(s.images, s.ground_truth))
        for s in evaluate_ocr.COMMITTED_SETS
    }
    assert counts == {
        "ocr17-descartes1637": 25,
        "ocr17-pascal1647": 25,
        "ocr17-xvi": 25,
        "ocr17-xix": 25,
        "bnl-blocks": 3,
    }
    long_s = sum(
        read_ground_truth(g).count("ſ")
        for _, _, g in evaluate_ocr.find_pairs(OCR17 / "descartes1637")
    )
    assert long_s == 51


def test_parse_set_fails_with_the_key_to_fix(tmp_path: Path) -> None:
    spec = evaluate_ocr.parse_set("x", {"images": "data/raw/ocr-gt/ocr17/xix", "psm": 7})
    assert spec.images == OCR17 / "xix" and spec.psm == 7
    assert spec.preprocess == tesseract.OPTIONS["preprocess"]
    with pytest.raises(ConfigError, match="images"):
        evaluate_ocr.parse_set("x", {"ground_truth": "gt"})
    with pytest.raises(ConfigError, match="unknown key"):
        evaluate_ocr.parse_set("x", {"images": "data/raw/ocr-gt/ocr17/xix", "lang": "fra"})
    with pytest.raises(ConfigError, match="long_s"):
        evaluate_ocr.parse_set("x", {"images": "data/raw/ocr-gt/ocr17/xix", "long_s": "yes"})
    with pytest.raises(ConfigError, match="not a folder"):
        evaluate_ocr.parse_set("x", {"images": str(tmp_path / "absent")})
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no image with ground truth"):
        evaluate_ocr.ocr_set(evaluate_ocr.GroundTruthSet("e", tmp_path / "empty"))
    assert evaluate_ocr.shared_sets(tmp_path) == []  # absent shared corpora: nothing, no failure


@needs_tesseract
def test_set_scores_per_source_with_and_without_long_s_correction(tmp_path: Path) -> None:
    for name in ("000002", "000015", "000030"):  # 7 long s in these Descartes lines
        for suffix in (".png", ".gt.txt"):
            shutil.copy(OCR17 / "descartes1637" / f"{name}{suffix}", tmp_path)
    spec = evaluate_ocr.GroundTruthSet(
        "descartes", tmp_path, languages="fra", psm=7, preprocess="none", long_s="lexicon"
    )
    results = evaluate_ocr.evaluate_sets([spec])
    result = results["descartes"]
    assert result["n_items"] == 3 and result["n_long_s"] == 7
    assert result["settings"]["long_s"] == "lexicon"
    none, lexicon = result["by_long_s"]["none"], result["by_long_s"]["lexicon"]
    # measured (Tesseract 5.3.0): all 7 ſ read as f, none after the correction; CER about .08 -> .02
    assert none["long_s_as_f"] >= 5
    assert lexicon["long_s_as_f"] < none["long_s_as_f"]
    assert lexicon["cer"] < none["cer"] < 0.3
    assert result["cer"] == lexicon["cer"]
    assert [i["id"] for i in result["items"]] == [
        "descartes:000002",
        "descartes:000015",
        "descartes:000030",
    ]
    total = evaluate_ocr.aggregate(results)
    assert total["cer"] == pytest.approx(result["cer"])


def test_run_scores_the_pipeline_pages(tmp_path: Path) -> None:
    # pages.parquet as the ingest stage writes it for the BnL sample; text as Tesseract read it
    staged = tmp_path / "staged"
    staged.mkdir()
    gt_folder = tmp_path / "gt"
    gt_folder.mkdir()
    shutil.copy(SAMPLES / "ocr" / "bnl_1858_antiqua_4lines.gt.txt", gt_folder)
    reference = read_ground_truth(gt_folder / "bnl_1858_antiqua_4lines.gt.txt")
    hypothesis = reference.replace("lecteurs", "lecleurs")
    table = pa.table(
        {
            "doc_id": ["c:a", "c:b"],
            "page_number": [1, 1],
            "image_path": ["c/bnl_1858_antiqua_4lines.png", "c/other.png"],
            "text": [hypothesis, "x"],
        }
    )
    pq.write_table(table, staged / "pages.parquet")
    result = evaluate_ocr.run("c", staged, gt_folder)
    assert result["n_items"] == 1 and result["n_pages_without_ground_truth"] == 1
    assert result["char_errors"] == 1
    assert result["cer"] == pytest.approx(1 / len(" ".join(reference.split())))


def test_comparison_table_formatting() -> None:
    rows = [
        {
            "set": "s",
            "preprocess": "none",
            "long_s": "none",
            "n_items": 2,
            "cer": 0.1,
            "wer": 0.2,
            "cer_long_s_folded": 0.05,
            "n_long_s": 4,
            "long_s_as_f": 3,
            "spurious_long_s": 0,
        }
    ]
    table = evaluate_ocr.format_table(rows, ["preprocess"])
    assert table.splitlines()[2] == "| s | none | none | 2 | 0.1000 | 0.2000 | 0.0500 | 3/4 | 0 |"
