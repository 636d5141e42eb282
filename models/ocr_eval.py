"""OCR evaluation: character and word error rates (CER, WER) and long-s (ſ -> f) confusions.

CER/WER as in the ICDAR/OCR-D evaluation practice: https://ocr-d.de/en/spec/ocrd_eval
(edit distance over the reference length; aggregates weighted by reference length).
"""

from __future__ import annotations

import difflib
import itertools
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.alto import read_alto

logger = logging.getLogger(__name__)

LONG_S = "\u017f"  # ſ, kept by the OCR17 and many early-modern ground truths
# Above this many DP cells an alignment is anchored on exact matching blocks first (difflib)
# and only the gaps between blocks are aligned cell by cell; keeps memory bounded on long pages.
_MAX_ALIGN_CELLS = 40_000_000  # ~80 MB of uint16, ~1 s

# a letter, a hyphen (ASCII, not sign, double oblique hyphen), a line break, a letter
_LINE_HYPHEN = re.compile(r"(\w)[-\u00ac\u2e17][ \t]*\n\s*(\w)")
_TOKENS = re.compile(r"\s*\S+\s*|\s+")  # a word with the spaces around it

Op = tuple[str | None, str | None]  # (reference item, hypothesis item); None for a gap


def normalise_text(
    text: str,
    *,
    nfc: bool = True,
    collapse_whitespace: bool = True,
    casefold: bool = False,
    strip_punctuation: bool = False,
    fold_long_s: bool = False,
    join_hyphens: bool = False,
) -> str:
    """Normalise a text before scoring; by default only NFC and whitespace, keeping case.

    `fold_long_s` writes ſ as s: the reading the NLP stage sees (it normalises long s).
    `join_hyphens` joins words broken at a line end (`ex-⏎plain` -> `explain`), as the ALTO
    reader does: for line-faithful plain-text ground truth such as the Tesseract test pages.
    """
    if join_hyphens:
        text = _LINE_HYPHEN.sub(r"\1\2", text)
    if nfc:
        # NFC, never NFKC: NFKC folds ſ into s and would hide the long-s confusions.
        text = unicodedata.normalize("NFC", text)
    if fold_long_s:
        text = text.replace(LONG_S, "s")
    if casefold:
        text = text.casefold()
    if strip_punctuation:
        text = "".join(c for c in text if not unicodedata.category(c).startswith("P"))
    if collapse_whitespace:
        text = " ".join(text.split())
    return text


def _encode(a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[np.ndarray, np.ndarray]:
    vocab: dict[Hashable, int] = {}
    ea = np.fromiter((vocab.setdefault(x, len(vocab)) for x in a), dtype=np.int64, count=len(a))
    eb = np.fromiter((vocab.setdefault(x, len(vocab)) for x in b), dtype=np.int64, count=len(b))
    return ea, eb


def compute_levenshtein(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Edit distance (unit insert/delete/substitute) between two sequences, numpy row by row."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    ea, eb = _encode(a, b)
    m = len(eb)
    cols = np.arange(m + 1, dtype=np.int64)
    prev = cols.copy()
    for i, x in enumerate(ea, start=1):
        # Deletions and substitutions come from the previous row; insertions (left neighbour
        # in the same row) are resolved with a running minimum of (cost - column).
        cur = np.empty(m + 1, dtype=np.int64)
        cur[0] = i
        np.minimum(prev[1:] + 1, prev[:-1] + (eb != x), out=cur[1:])
        cur = np.minimum.accumulate(cur - cols) + cols
        prev = cur
    return int(prev[-1])


def _align_dp(a: Sequence[Any], b: Sequence[Any]) -> list[Op]:
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return [(x, None) for x in a] + [(None, y) for y in b]
    ea, eb = _encode(a, b)
    cols = np.arange(m + 1, dtype=np.int64)
    dtype = np.uint16 if n + m < 65_000 else np.uint32
    d = np.empty((n + 1, m + 1), dtype=dtype)
    d[0] = cols
    prev = cols.copy()
    for i in range(1, n + 1):
        cur = np.empty(m + 1, dtype=np.int64)
        cur[0] = i
        np.minimum(prev[1:] + 1, prev[:-1] + (eb != ea[i - 1]), out=cur[1:])
        cur = np.minimum.accumulate(cur - cols) + cols
        d[i] = cur
        prev = cur
    ops: list[Op] = []
    i, j = n, m
    while i > 0 or j > 0:
        here = int(d[i, j])
        if i > 0 and j > 0 and here == int(d[i - 1, j - 1]) + (ea[i - 1] != eb[j - 1]):
            ops.append((a[i - 1], b[j - 1]))
            i, j = i - 1, j - 1
        elif i > 0 and here == int(d[i - 1, j]) + 1:
            ops.append((a[i - 1], None))
            i -= 1
        else:
            ops.append((None, b[j - 1]))
            j -= 1
    ops.reverse()
    return ops


def align(reference: Sequence[Any], hypothesis: Sequence[Any]) -> list[Op]:
    """A minimal-cost alignment as (reference item, hypothesis item) pairs, None for a gap.

    Exact (Levenshtein) up to 40 M cells (two ~6000-character pages); longer pairs are first
    anchored on identical runs of words found by difflib, and only the gaps between them are
    aligned exactly: near-optimal for OCR output, in bounded memory.
    """
    if len(reference) * len(hypothesis) <= _MAX_ALIGN_CELLS:
        return _align_dp(reference, hypothesis)
    if isinstance(reference, str) and isinstance(hypothesis, str):
        units_a: list[Any] = _TOKENS.findall(reference)
        units_b: list[Any] = _TOKENS.findall(hypothesis)
    else:
        units_a, units_b = [[x] for x in reference], [[x] for x in hypothesis]
    keys_a = [tuple(u) for u in units_a]
    keys_b = [tuple(u) for u in units_b]
    # autojunk: very frequent words ("de ", "la ") are not used as anchors, which keeps
    # difflib near-linear on long pages
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=True)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if not blocks:
        # nothing in common to anchor on: position by position (cost <= the longer length)
        return list(itertools.zip_longest(reference, hypothesis))
    offsets_a = list(itertools.accumulate((len(u) for u in units_a), initial=0))
    offsets_b = list(itertools.accumulate((len(u) for u in units_b), initial=0))
    ops: list[Op] = []
    i = j = 0  # item offsets reached in reference and hypothesis
    for block in blocks:
        start_a, end_a = offsets_a[block.a], offsets_a[block.a + block.size]
        start_b, end_b = offsets_b[block.b], offsets_b[block.b + block.size]
        ops.extend(align(reference[i:start_a], hypothesis[j:start_b]))
        ops.extend(zip(reference[start_a:end_a], hypothesis[start_b:end_b], strict=True))
        i, j = end_a, end_b
    ops.extend(align(reference[i:], hypothesis[j:]))
    return ops


def cer(reference: str, hypothesis: str, **normalise: bool) -> float:
    """Character error rate: edit distance / reference length (normalised texts).

    An empty reference gives 0.0 for an empty hypothesis, else the hypothesis length (every
    character an insertion over a denominator of 1).
    """
    ref, hyp = normalise_text(reference, **normalise), normalise_text(hypothesis, **normalise)
    return compute_levenshtein(ref, hyp) / max(len(ref), 1)


def split_words(text: str) -> list[str]:
    """Whitespace tokens; punctuation stays attached, as in most OCR evaluations."""
    return text.split()


def wer(reference: str, hypothesis: str, **normalise: bool) -> float:
    """Word error rate: word-level edit distance / number of reference words."""
    ref = split_words(normalise_text(reference, **normalise))
    hyp = split_words(normalise_text(hypothesis, **normalise))
    return compute_levenshtein(ref, hyp) / max(len(ref), 1)


def count_long_s(reference: str, hypothesis: str, **normalise: bool) -> Counter[str]:
    """What each ſ of the reference was read as: {'f': 3, 's': 10, '': 1 (deleted), ...}."""
    ref, hyp = normalise_text(reference, **normalise), normalise_text(hypothesis, **normalise)
    if LONG_S not in ref:
        return Counter()
    return Counter(h or "" for r, h in align(ref, hyp) if r == LONG_S)


def count_spurious_long_s(reference: str, hypothesis: str, **normalise: bool) -> int:
    """Number of ſ in the hypothesis where the reference has something else (a correction that
    went wrong, or a stock model reading f or s as ſ)."""
    ref, hyp = normalise_text(reference, **normalise), normalise_text(hypothesis, **normalise)
    if LONG_S not in hyp:
        return 0
    return sum(1 for r, h in align(ref, hyp) if h == LONG_S and r != LONG_S)


def long_s_errors(reference: str, hypothesis: str, **normalise: bool) -> int:
    """Number of ſ in the reference aligned to an f in the hypothesis."""
    return count_long_s(reference, hypothesis, **normalise)["f"]


def read_ground_truth(path: Path) -> str:
    """Ground truth text from a `.gt.txt`/`.txt` file or a ground-truth ALTO `.xml` file."""
    path = Path(path)
    if path.suffix.lower() == ".xml":
        return str(read_alto(path).text)
    # OCR17/OCR-D .gt.txt files have one line and no trailing newline; some editors add one.
    return path.read_text(encoding="utf-8").rstrip("\n").removeprefix("\ufeff")


GT_SUFFIXES = (".gt.txt", ".txt", ".xml")  # OCR17/OCR-D lines, Tesseract test pages, ALTO GT
IMAGE_SUFFIXES = (".png", ".tif", ".tiff", ".jpg", ".jpeg")


def find_ground_truth(folder: Path, stem: str) -> Path | None:
    """The ground truth of image `<stem>.*` in `folder`: `.gt.txt`, `.txt` or ALTO `.xml`."""
    for suffix in GT_SUFFIXES:
        path = Path(folder) / f"{stem}{suffix}"
        if path.is_file():
            return path
    return None


def find_pairs(images: Path, ground_truth: Path | None = None) -> list[tuple[str, Path, Path]]:
    """(stem, image, ground truth) for every image in `images` that has a ground truth in
    `ground_truth` (default: the same folder), in name order. Images without one are skipped."""
    images = Path(images)
    gt_folder = Path(ground_truth) if ground_truth else images
    pairs = []
    for image in sorted(images.iterdir()):
        if image.suffix.lower() not in IMAGE_SUFFIXES or image.name.startswith("."):
            continue
        stem = image.name[: -len(image.suffix)]
        gt = find_ground_truth(gt_folder, stem)
        if gt is not None:
            pairs.append((stem, image, gt))
    return pairs


def evaluate(pairs: Iterable[tuple[str, str, str]], **normalise: bool) -> dict[str, Any]:
    """Per-item and aggregate CER/WER for (id, reference, hypothesis) triples.

    Aggregates are micro averages (total edits / total reference length), so long items weigh
    more; `mean_item_cer` is the unweighted mean for comparison. Long-s counts are summed:
    `long_s_as_f` (ſ read as f), `long_s_as_s`, `spurious_long_s` (ſ output where the reference
    has none); `cer_long_s_folded` scores with ſ written as s on both sides.
    """
    items: list[dict[str, Any]] = []
    long_s: Counter[str] = Counter()
    for item_id, reference, hypothesis in pairs:
        ref = normalise_text(reference, **normalise)
        hyp = normalise_text(hypothesis, **normalise)
        ref_words, hyp_words = split_words(ref), split_words(hyp)
        char_errors = compute_levenshtein(ref, hyp)
        word_errors = compute_levenshtein(ref_words, hyp_words)
        folded_errors = (
            compute_levenshtein(ref.replace(LONG_S, "s"), hyp.replace(LONG_S, "s"))
            if LONG_S in ref or LONG_S in hyp
            else char_errors
        )
        item_long_s = count_long_s(ref, hyp, nfc=False, collapse_whitespace=False)
        long_s.update(item_long_s)
        items.append(
            {
                "id": item_id,
                "n_ref_chars": len(ref),
                "n_ref_words": len(ref_words),
                "char_errors": char_errors,
                "word_errors": word_errors,
                "char_errors_long_s_folded": folded_errors,
                "cer": char_errors / max(len(ref), 1),
                "wer": word_errors / max(len(ref_words), 1),
                "n_long_s": sum(item_long_s.values()),
                "long_s_as_f": item_long_s["f"],
                "long_s_as_s": item_long_s["s"],
                "spurious_long_s": count_spurious_long_s(
                    ref, hyp, nfc=False, collapse_whitespace=False
                ),
            }
        )
    return {**summarise_items(items), "items": items}


_SUMMED = (
    "n_items",
    "n_ref_chars",
    "n_ref_words",
    "char_errors",
    "word_errors",
    "char_errors_long_s_folded",
    "n_long_s",
    "long_s_as_f",
    "long_s_as_s",
    "spurious_long_s",
)


def summarise_items(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Totals and micro-averaged rates over scored items (those of evaluate)."""
    totals = {k: sum(int(i.get(k, 0)) for i in items) for k in _SUMMED if k != "n_items"}
    out: dict[str, Any] = {"n_items": len(items), **totals}
    out.update(compute_rates(out))
    out["mean_item_cer"] = float(np.mean([i["cer"] for i in items])) if items else 0.0
    return out


def compute_rates(totals: Mapping[str, Any]) -> dict[str, float]:
    """cer, wer, cer_long_s_folded and the share of ſ read as f, from summed counts."""
    n_chars, n_words = max(int(totals["n_ref_chars"]), 1), max(int(totals["n_ref_words"]), 1)
    rates = {
        "cer": totals["char_errors"] / n_chars,
        "wer": totals["word_errors"] / n_words,
        "cer_long_s_folded": totals["char_errors_long_s_folded"] / n_chars,
    }
    if totals.get("n_long_s"):
        rates["long_s_as_f_share"] = totals["long_s_as_f"] / totals["n_long_s"]
    return rates


def aggregate(results: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Micro-averaged totals over several sources' evaluate() results (every character of every
    source counts once), with each source's CER and WER side by side."""
    totals: dict[str, Any] = {k: sum(int(r.get(k, 0)) for r in results.values()) for k in _SUMMED}
    totals.update(compute_rates(totals))
    totals["sources"] = {
        name: {"cer": r.get("cer"), "wer": r.get("wer")} for name, r in results.items()
    }
    return totals
