"""Evaluation of the semantic-change ranking: a controlled injected shift, and SemEval-2020 Task 1.

Controlled test after Shoemark et al. 2019 (https://aclanthology.org/D19-1007/) and Dubossarsky et
al. 2019 (https://aclanthology.org/P19-1044/); gold: https://competitions.codalab.org/competitions/20948
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from models import embeddings as emb
from models.periods import Period

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShiftConfig:
    """The controlled test: which words get swapped, on how much text, how it is scored."""

    n_pairs: int = 5  # word pairs swapped: 2 * n_pairs injected words
    skip_top: int = 100  # the most frequent words (function words) are never chosen
    max_tokens: int = 2_000_000  # of the source period used (its first sentences)
    ks: tuple[int, ...] = (10, 50)  # recall@k
    seed: int = 7


def swap_words(sentences: Sequence[list[str]], pairs: Sequence[tuple[str, str]]) -> list[list[str]]:
    """The sentences with every a of a pair written as b and b as a: each takes the other's
    contexts, a known meaning shift of both."""
    mapping = {a: b for a, b in pairs} | {b: a for a, b in pairs}
    return [[mapping.get(w, w) for w in s] for s in sentences]


def choose_pairs(
    counts_a: Counter[str], counts_b: Counter[str], min_count: int, config: ShiftConfig
) -> list[tuple[str, str]]:
    """Random pairs of words frequent in both halves, paired with their neighbours in frequency.

    Candidates: words seen >= min_count times in each half, outside the `skip_top` most
    frequent (function words) and at least 3 letters long. Deterministic given config.seed.
    """
    top = {w for w, _ in (counts_a + counts_b).most_common(config.skip_top)}
    candidates = sorted(
        w
        for w in counts_a
        if w not in top and len(w) >= 3 and min(counts_a[w], counts_b.get(w, 0)) >= min_count
    )
    need = 2 * config.n_pairs
    if len(candidates) < need:
        raise ValueError(
            f"controlled shift: only {len(candidates)} candidate words occur >= {min_count} "
            f"times in both halves; need {need}: lower evaluation n_pairs or add text"
        )
    rng = random.Random(config.seed)
    chosen = sorted(rng.sample(candidates, need), key=lambda w: (-counts_b[w], w))
    return [(chosen[i], chosen[i + 1]) for i in range(0, need, 2)]


def rank_metrics(ranking: Sequence[str], injected: Sequence[str], ks: Sequence[int]) -> dict:
    """Mean reciprocal rank of the injected words in a drift ranking, and recall@k.

    A word's rank counts only the words that were not injected above it (1 = no unshifted word
    drifts more), so MRR is 1 when the injected words top the ranking, whatever their number.
    recall@k is the share of injected words among the top k of the plain ranking.
    """
    shifted = set(injected)
    pos: dict[str, int] = {}
    plain: dict[str, int] = {}
    n_other = 0
    for i, w in enumerate(ranking):
        if w in shifted:
            pos[w] = n_other + 1
            plain[w] = i + 1
        else:
            n_other += 1
    ranks = [pos.get(w) for w in injected]
    out: dict[str, Any] = {
        "mrr": float(np.mean([1.0 / r if r else 0.0 for r in ranks])),
        "ranks": ranks,
    }
    for k in ks:
        out[f"recall_at_{k}"] = float(np.mean([bool(plain.get(w, k + 1) <= k) for w in injected]))
    return out


def controlled_shift(
    sentences: Sequence[list[str]],
    config: emb.EmbeddingConfig,
    shift: ShiftConfig,
    seeds: Sequence[int],
) -> dict[str, Any]:
    """Inject a known shift into real text and measure how high the drift ranking puts it.

    The period's sentences (up to `max_tokens`) are dealt alternately into two halves, so the
    only systematic difference between them is the swap applied to the second half. For each
    seed both halves are trained, aligned and ranked by `embeddings.drift`; low-frequency words
    are left out of the ranking, as a user of the drift table would.
    """
    kept: list[list[str]] = []
    n = 0
    for s in sentences:
        if n >= shift.max_tokens:
            break
        kept.append(s)
        n += len(s)
    half_a, half_b = kept[0::2], kept[1::2]
    counts_a = Counter(w for s in half_a for w in s)
    counts_b = Counter(w for s in half_b for w in s)
    min_count = 2 * config.anchor_min_count  # the drift table's low_frequency threshold
    pairs = choose_pairs(counts_a, counts_b, min_count, shift)
    injected = [w for pair in pairs for w in pair]
    half_b = swap_words(half_b, pairs)
    counts = {"A": counts_a, "B": Counter(w for s in half_b for w in s)}
    periods = [Period("A", 0, 0), Period("B", 1, 1)]
    per_seed: dict[int, dict[str, Any]] = {}
    for seed in seeds:
        cfg = replace(config, seed=seed)
        kv = {"A": emb.train_period(half_a, cfg, seed), "B": emb.train_period(half_b, cfg, seed)}
        table = emb.drift(kv, counts, periods, cfg)
        frequent = table.filter(table.column("low_frequency").to_numpy(zero_copy_only=False) == 0)
        ranking = frequent.column("word").to_pylist()
        per_seed[seed] = rank_metrics(ranking, injected, shift.ks) | {"n_ranked": len(ranking)}
    # what a random ranking of the same words would score: E[1/r] for r uniform on 1..n+1
    n_other = int(np.mean([r["n_ranked"] for r in per_seed.values()])) - len(injected)
    chance = {"mrr": float(np.mean(1.0 / np.arange(1, n_other + 2)))}
    for k in shift.ks:
        chance[f"recall_at_{k}"] = min(1.0, k / (n_other + len(injected)))
    keys = ["mrr"] + [f"recall_at_{k}" for k in shift.ks]
    summary = {
        k: {
            "mean": float(np.mean([r[k] for r in per_seed.values()])),
            "min": float(np.min([r[k] for r in per_seed.values()])),
        }
        for k in keys
    }
    return {
        "pairs": [list(p) for p in pairs],
        "n_tokens": n,
        "min_count": min_count,
        "seeds": {str(s): r for s, r in per_seed.items()},
        "chance": chance,
        **summary,
    }


# --- SemEval-2020 Task 1 ---------------------------------------------------------------------


def load_semeval_gold(root: Path, language: str = "english") -> dict[str, dict[str, float]]:
    """target -> {"binary": 0/1, "graded": score} from test_data_truth/task{1,2}/<language>.txt."""
    gold: dict[str, dict[str, float]] = {}
    for task, key in (("task1", "binary"), ("task2", "graded")):
        path = root / "test_data_truth" / task / f"{language}.txt"
        if not path.exists():
            raise FileNotFoundError(f"SemEval gold {path} not found")
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            target, value = line.split("\t")
            gold.setdefault(target.strip(), {})[key] = float(value)
    return gold


def _match(target: str, predicted: Mapping[str, Any]) -> str | None:
    """The prediction key for a gold target: "attack_nn" itself, or the bare lemma "attack"."""
    if target in predicted:
        return target
    bare = target.rsplit("_", 1)[0]
    return bare if bare in predicted else None


def score_semeval(
    graded: Mapping[str, float],
    gold: Mapping[str, Mapping[str, float]],
    binary: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Subtask 2 Spearman (graded change) and subtask 1 accuracy (binary change).

    Without explicit binary predictions, the top-ranked graded targets are called changed, as
    many as the gold has changed targets (an oracle proportion: reported as such in
    "binary_rule"). Targets missing from the predictions are listed, not guessed.
    """
    keys = {t: _match(t, graded) for t in gold}
    found = [t for t, k in keys.items() if k is not None]
    missing = sorted(t for t, k in keys.items() if k is None)
    out: dict[str, Any] = {"n_targets": len(gold), "n_scored": len(found), "missing": missing}
    if len(found) >= 3:
        x = [graded[keys[t]] for t in found]  # type: ignore[index]
        y = [gold[t]["graded"] for t in found]
        out["spearman"] = float(spearmanr(x, y).statistic)
    else:
        out["spearman"] = None
    if binary is not None:
        pred = {t: int(binary[k]) for t in found if (k := _match(t, binary)) is not None}
        out["binary_rule"] = "given"
    else:
        n_changed = int(sum(gold[t]["binary"] for t in found))
        order = sorted(found, key=lambda t: -graded[keys[t]])  # type: ignore[index]
        pred = {t: int(i < n_changed) for i, t in enumerate(order)}
        out["binary_rule"] = f"top {n_changed} graded = changed (gold proportion)"
    out["binary_accuracy"] = (
        float(np.mean([pred[t] == int(gold[t]["binary"]) for t in pred])) if pred else None
    )
    return out


def read_semeval_corpus(directory: Path) -> list[list[str]]:
    """One SemEval-2020 corpus: lemmatised, one sentence per line, in .txt or .txt.gz files."""
    import gzip

    out: list[list[str]] = []
    for path in sorted(directory.rglob("*.txt*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            out.extend(line.split() for line in f if line.strip())
    return out


def evaluate_semeval(
    corpus_root: Path,
    gold_root: Path,
    language: str,
    config: emb.EmbeddingConfig,
) -> dict[str, Any] | None:
    """Train corpus1/ and corpus2/ of a SemEval language folder with our embeddings code and
    score the drift ranking against the gold; None when the corpora are not there.

    The corpora are distributed separately from the gold (the English ones derive from COHA);
    put a language's corpus1/ and corpus2/ folders under `corpus_root`. The graded score is the
    cosine distance after Procrustes alignment (`embeddings.drift`); the binary call is the
    top of that ranking, as many as the gold has changed targets (see `score_semeval`).
    """
    c1, c2 = corpus_root / "corpus1", corpus_root / "corpus2"
    if not (c1.is_dir() and c2.is_dir()):
        logger.warning("SemEval-2020 %s: no corpus1/ and corpus2/ under %s", language, corpus_root)
        return None
    gold = load_semeval_gold(gold_root, language)
    s1, s2 = read_semeval_corpus(c1), read_semeval_corpus(c2)
    counts = {"1": Counter(w for s in s1 for w in s), "2": Counter(w for s in s2 for w in s)}
    kv = {
        "1": emb.train_period(s1, config, config.seed),
        "2": emb.train_period(s2, config, config.seed),
    }
    table = emb.drift(kv, counts, [Period("1", 0, 0), Period("2", 1, 1)], config)
    graded = dict(zip(table["word"].to_pylist(), table["cosine_distance"].to_pylist(), strict=True))
    return score_semeval(graded, gold) | {
        "language": language,
        "n_tokens": {"corpus1": sum(counts["1"].values()), "corpus2": sum(counts["2"].values())},
    }
