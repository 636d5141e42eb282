"""Tests for models.ocr_eval: edit distances, CER/WER, long-s confusions, ground-truth reading."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.ocr_eval import (
    aggregate,
    align,
    cer,
    compute_levenshtein,
    count_long_s,
    count_spurious_long_s,
    evaluate,
    find_pairs,
    long_s_errors,
    normalise_text,
    read_ground_truth,
    wer,
)

try:
    from tests.conftest import RAW, SAMPLES, shared_path
except ModuleNotFoundError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from conftest import RAW, SAMPLES, shared_path  # type: ignore[no-redef]

OCR = SAMPLES / "ocr"


def levenshtein_reference(a: str, b: str) -> int:
    """Textbook O(n*m) dynamic programme, to check the vectorised one against."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        cur = [i]
        for j, y in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


TEXTS = st.text(alphabet="abſfs é\u0301", max_size=25)


@settings(max_examples=300, deadline=None)
@given(TEXTS, TEXTS)
def test_levenshtein_matches_textbook_dp(a: str, b: str) -> None:
    d = compute_levenshtein(a, b)
    assert d == levenshtein_reference(a, b)
    assert d == compute_levenshtein(b, a)


@settings(max_examples=200, deadline=None)
@given(TEXTS, TEXTS)
def test_alignment_spells_both_texts_at_minimal_cost(a: str, b: str) -> None:
    ops = align(a, b)
    assert "".join(r or "" for r, _ in ops) == a
    assert "".join(h or "" for _, h in ops) == b
    assert sum(r != h for r, h in ops) == levenshtein_reference(a, b)


def test_long_alignment_falls_back_to_anchored_blocks() -> None:
    # 8000 x 8000 chars is above the exact-DP cell budget: anchored on matching words
    base = "".join(f"ligne {i} de la gazette, ſans faute. " for i in range(250))[:8000]
    hyp = base.replace("ſ", "f")
    ops = align(base, hyp)
    assert "".join(r or "" for r, _ in ops) == base
    assert sum(r != h for r, h in ops) == base.count("ſ") == long_s_errors(base, hyp)


def test_cer_and_wer_known_values() -> None:
    assert cer("kitten", "sitting") == pytest.approx(3 / 6)
    assert wer("le chat noir dort", "le chat noir dort") == 0.0
    assert wer("le chat noir dort", "le chut noir") == pytest.approx(2 / 4)
    assert cer("", "") == 0.0
    assert cer("", "abc") == 3.0  # insertions over a denominator of one
    assert cer("abc", "") == 1.0


def test_normalisation_defaults_keep_case_and_punctuation() -> None:
    decomposed, composed = "re\u0301publique", "république"
    assert cer(composed, decomposed) == 0.0  # NFC on both sides
    assert cer(composed, decomposed, nfc=False) > 0
    assert cer("Paris,  le 3\nmai", "Paris, le 3 mai") == 0.0  # whitespace collapsed
    assert cer("Paris", "paris") == pytest.approx(1 / 5)  # case kept by default
    assert cer("Paris", "paris", casefold=True) == 0.0
    assert wer("Paris, le", "Paris le") == pytest.approx(1 / 2)  # punctuation kept
    assert wer("Paris, le", "Paris le", strip_punctuation=True) == 0.0
    assert normalise_text("ſoleil") == "ſoleil"  # NFC, not NFKC: long s survives


def test_long_s_errors_via_alignment() -> None:
    # OCR17 Descartes 1637, line 3, and what stock Tesseract (fra) read for it
    reference = "Pour bien conduire ſa raiſon, & chercher"
    hypothesis = "Pour bien conduire fa raifon,& chercher"
    assert long_s_errors(reference, hypothesis) == 2
    assert count_long_s("ſeul et ſans", "seul et fans") == {"s": 1, "f": 1}
    assert count_long_s("eſt", "et") == {"": 1}  # deleted
    assert long_s_errors("sans fin", "sans fin") == 0


def test_evaluate_weights_by_reference_length() -> None:
    result = evaluate(
        [("short", "ab", "xb"), ("long", "abcdefghij", "abcdefghij"), ("longs", "ſa", "fa")]
    )
    assert [i["id"] for i in result["items"]] == ["short", "long", "longs"]
    assert result["items"][0]["cer"] == pytest.approx(0.5)
    assert result["n_ref_chars"] == 14
    assert result["char_errors"] == 2
    assert result["cer"] == pytest.approx(2 / 14)  # micro average, not mean of item CERs
    assert result["mean_item_cer"] == pytest.approx((0.5 + 0 + 0.5) / 3)
    assert result["n_long_s"] == 1 and result["long_s_as_f"] == 1
    assert result["wer"] == pytest.approx(2 / 3)
    assert evaluate([])["n_items"] == 0


def test_read_ground_truth_text_and_alto_agree() -> None:
    txt = read_ground_truth(OCR / "bnl_1858_antiqua_4lines.gt.txt")
    alto = read_ground_truth(OCR / "bnl_1858_antiqua_4lines.gt.xml")
    assert txt == alto
    assert txt.startswith("»A ce titre, nos lecteurs")
    assert "coïncidence" in txt  # "coïnci-" / "dence" joined by the ALTO reader
    assert txt.endswith("dans lesquels nous")


def test_read_ground_truth_strips_final_newline(tmp_path: Path) -> None:
    p = tmp_path / "line.gt.txt"
    p.write_text("Et qui nos dous fruitiers\n", encoding="utf-8")
    assert read_ground_truth(p) == "Et qui nos dous fruitiers"


@pytest.mark.shared
def test_ocr17_ground_truth_keeps_long_s() -> None:
    d = shared_path(
        "ocr",
        "ocr17",
        "Training_data",
        "72dpi",
        "Descartes1637_Discours_btv1b86069594_corrected",
        "extracted",
    )
    lines = [read_ground_truth(p) for p in sorted(d.glob("*.gt.txt"))]
    assert len(lines) == 120
    assert lines[2] == "Pour bien conduire ſa raiſon, & chercher"
    assert sum(line.count("ſ") for line in lines) == 215


@pytest.mark.shared
def test_bnl_production_ocr_against_ground_truth() -> None:
    # The BnL's own OCR ("ori") of three 1858-59 text blocks scored against their ground truth
    base = shared_path("ocr", "bnl-textblocks")
    result = evaluate(
        (
            i,
            read_ground_truth(base / "gt" / f"{i}.xml"),
            read_ground_truth(base / "ori" / f"{i}.xml"),
        )
        for i in "012"
    )
    assert result["n_ref_chars"] == 757 + 300 + 314
    assert [i["char_errors"] for i in result["items"]] == [38, 8, 3]
    assert result["cer"] == pytest.approx(49 / 1371)


def test_long_s_folding_and_spurious_long_s() -> None:
    # BnL Fraktur block 0 ground truth writes round s; the frk model may print ſ
    assert normalise_text("ſoleil", fold_long_s=True) == "soleil"
    assert count_spurious_long_s("sans fin", "ſans fin") == 1
    assert count_spurious_long_s("ſans fin", "ſans ſin") == 1  # f read as ſ
    assert count_spurious_long_s("ſans", "ſans") == 0
    result = evaluate([("a", "ſa raiſon", "ſa raison"), ("b", "sans", "ſans")])
    assert result["char_errors"] == 2
    assert result["char_errors_long_s_folded"] == 0
    assert result["cer_long_s_folded"] == 0.0
    assert (result["n_long_s"], result["long_s_as_s"], result["spurious_long_s"]) == (2, 1, 1)
    assert result["long_s_as_f_share"] == 0.0


def test_find_pairs_by_stem() -> None:
    lines = find_pairs(RAW / "ocr-gt" / "ocr17" / "xix")
    assert len(lines) == 25
    assert lines[0][0] == "000002" and lines[0][2].name == "000002.gt.txt"
    blocks = find_pairs(RAW / "bnl-ocr" / "images", RAW / "bnl-ocr" / "gt")
    assert [(s, i.name, g.name) for s, i, g in blocks] == [
        ("0", "0.tif", "0.xml"),
        ("1", "1.tif", "1.xml"),
        ("2", "2.tif", "2.xml"),
    ]
    # OCR17 XIX writes accents decomposed (e + U+0301); scoring composes them (NFC)
    assert normalise_text(read_ground_truth(lines[0][2])) == "vieux oiseaux du désert, ils mêlent"


def test_aggregate_is_a_micro_average_over_sources() -> None:
    one = evaluate([("x", "abcd", "abce")])  # 1 error in 4 chars
    two = evaluate([("y", "abcdefghijkl", "abcdefghijkl"), ("z", "ſi", "fi")])
    total = aggregate({"one": one, "two": two})
    assert total["n_items"] == 3 and total["n_ref_chars"] == 18
    assert total["cer"] == pytest.approx(2 / 18)
    assert total["long_s_as_f"] == 1 and total["long_s_as_f_share"] == 1.0
    assert total["sources"]["one"]["cer"] == pytest.approx(0.25)
    assert total["sources"]["two"]["cer"] == pytest.approx(1 / 14)


def test_join_hyphens_for_line_faithful_ground_truth() -> None:
    # Tesseract test page 8071_093.3B.txt keeps line-end hyphens; the ALTO reader joins them
    reference = "How could she ex-\nplain she was desperately"
    joined = "How could she explain she was desperately"
    assert normalise_text(reference, join_hyphens=True) == joined
    assert cer(reference, joined, join_hyphens=True) == 0.0
    assert normalise_text("vingt-\ndeux", join_hyphens=True) == "vingtdeux"
    assert normalise_text("pour¬\n  suivre", join_hyphens=True) == "poursuivre"
    assert normalise_text("a - b", join_hyphens=True) == "a - b"  # no line break: untouched
