"""Association of target words with word groups per period (Garg et al. 2018), with uncertainty.

Spec: Garg, Schiebinger, Jurafsky & Zou 2018, "Word embeddings quantify 100 years of gender and
ethnic stereotypes", PNAS 115(16), https://doi.org/10.1073/pnas.1720347115
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from gensim.models import KeyedVectors

from models.periods import Period
from models.schemas import ASSOCIATION_SCHEMA

logger = logging.getLogger(__name__)

MEASURES = ("relative_norm_distance", "cosine_difference")

# Garg et al.'s gender word lists (supplementary, "man words"/"woman words"), with French
# equivalents so bilingual corpora get rows; lemmas, lowercased, as the tokens table gives them.
DEFAULT_GROUPS: dict[str, tuple[str, ...]] = {
    "male": (
        "he", "son", "his", "him", "father", "man", "boy", "himself", "male", "brother",
        "sons", "fathers", "men", "boys", "males", "brothers", "uncle", "uncles", "nephew",
        "nephews",
        "il", "fils", "lui", "père", "homme", "garçon", "frère", "oncle", "neveu", "mari",
    ),
    "female": (
        "she", "daughter", "hers", "her", "mother", "woman", "girl", "herself", "female",
        "sister", "daughters", "mothers", "women", "girls", "females", "sisters", "aunt",
        "aunts", "niece", "nieces",
        "elle", "fille", "mère", "femme", "sœur", "soeur", "tante", "nièce", "épouse",
    ),
}  # fmt: skip
DEFAULT_TARGETS: tuple[str, ...] = (
    "doctor", "lawyer", "teacher", "servant", "nurse", "soldier", "merchant", "clerk",
    "cook", "farmer", "king", "queen", "war", "home", "money", "beauty", "strong", "weak",
    "intelligent", "gentle", "médecin", "avocat", "servante", "soldat", "marchand", "roi",
    "reine", "guerre", "maison", "argent", "beauté", "fort", "faible",
)  # fmt: skip


@dataclass(frozen=True)
class AssociationConfig:
    """Word groups, compared pairs and targets; mirrors `embeddings.association` in params."""

    groups: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_GROUPS))
    pairs: tuple[tuple[str, str], ...] = (("male", "female"),)
    targets: tuple[str, ...] = DEFAULT_TARGETS
    bootstrap: int = 1000
    ci: float = 0.95
    min_group_words: int = 2  # a group needs this many words in a period's vocabulary
    seed: int = 42

    def __post_init__(self) -> None:
        groups = {str(k): tuple(str(w).lower() for w in v) for k, v in dict(self.groups).items()}
        object.__setattr__(self, "groups", groups)
        pairs = tuple((str(a), str(b)) for a, b in self.pairs)
        missing = sorted({g for pair in pairs for g in pair} - set(groups))
        if missing:
            raise ValueError(
                f"embeddings.association.pairs name unknown group(s) {missing}; define them "
                f"under embeddings.association.groups (defined: {sorted(groups)})"
            )
        object.__setattr__(self, "pairs", pairs)
        object.__setattr__(self, "targets", tuple(str(w).lower() for w in self.targets))


def _unit(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=-1, keepdims=True)
    return m / np.where(norms == 0, 1.0, norms)


def score(targets: np.ndarray, group_a: np.ndarray, group_b: np.ndarray) -> dict[str, np.ndarray]:
    """Both measures for each target row against the two groups' mean unit vectors.

    relative_norm_distance = ||t - mean(B)|| - ||t - mean(A)|| (Garg et al. sum this over
    targets; here one value per target); cosine_difference = cos(t, mean A) - cos(t, mean B).
    Both are > 0 when the target is closer to group A.
    """
    t = _unit(targets)
    a = _unit(group_a).mean(axis=0)
    b = _unit(group_b).mean(axis=0)
    rnd = np.linalg.norm(t - b, axis=1) - np.linalg.norm(t - a, axis=1)
    cos = t @ _unit(a) - t @ _unit(b)
    return {"relative_norm_distance": rnd, "cosine_difference": cos}


def _bootstrap(
    targets: np.ndarray,
    group_a: np.ndarray,
    group_b: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """n_boot x n_targets values per measure, the group words resampled with replacement."""
    ua, ub, t = _unit(group_a), _unit(group_b), _unit(targets)
    ia = rng.integers(0, len(ua), size=(n_boot, len(ua)))
    ib = rng.integers(0, len(ub), size=(n_boot, len(ub)))
    a = ua[ia].mean(axis=1)  # n_boot x dim
    b = ub[ib].mean(axis=1)
    rnd = np.linalg.norm(t[None, :, :] - b[:, None, :], axis=2) - np.linalg.norm(
        t[None, :, :] - a[:, None, :], axis=2
    )
    cos = _unit(a) @ t.T - _unit(b) @ t.T
    return {"relative_norm_distance": rnd, "cosine_difference": cos}


def associations(
    kv_by_period: Mapping[str, KeyedVectors],
    counts_by_period: Mapping[str, Counter[str]],
    periods: Sequence[Period],
    config: AssociationConfig,
    seed_models: Mapping[int, Mapping[str, KeyedVectors]] | None = None,
) -> pa.Table:
    """ASSOCIATION_SCHEMA rows for every trained period, group pair, target and measure.

    Each period is scored in its own space (the measures are rotation-invariant, so no
    alignment is needed). A pair is skipped in a period where either group has fewer than
    `min_group_words` words in the vocabulary (logged); a target absent there gets no row.
    """
    rng = np.random.default_rng(config.seed)
    alpha = (1.0 - config.ci) / 2.0
    out: dict[str, list[Any]] = {n: [] for n in ASSOCIATION_SCHEMA.names}
    for period in sorted(periods, key=lambda p: p.start):
        kv = kv_by_period.get(period.label)
        if kv is None:
            continue
        counts = counts_by_period.get(period.label, Counter())
        targets = [w for w in dict.fromkeys(config.targets) if w in kv.key_to_index]
        if not targets:
            continue
        for name_a, name_b in config.pairs:
            words_a = [w for w in dict.fromkeys(config.groups[name_a]) if w in kv.key_to_index]
            words_b = [w for w in dict.fromkeys(config.groups[name_b]) if w in kv.key_to_index]
            if min(len(words_a), len(words_b)) < config.min_group_words:
                logger.info(
                    "association %s/%s skipped in %s: %d and %d group words in the vocabulary",
                    name_a, name_b, period.label, len(words_a), len(words_b),
                )  # fmt: skip
                continue
            values = score(kv[targets], kv[words_a], kv[words_b])
            boots = (
                _bootstrap(kv[targets], kv[words_a], kv[words_b], config.bootstrap, rng)
                if config.bootstrap > 0
                else None
            )
            per_seed: list[dict[str, np.ndarray]] = []
            for models in (seed_models or {}).values():
                skv = models.get(period.label)
                if skv is None or not all(w in skv.key_to_index for w in targets):
                    continue
                sa = [w for w in words_a if w in skv.key_to_index]
                sb = [w for w in words_b if w in skv.key_to_index]
                per_seed.append(score(skv[targets], skv[sa], skv[sb]))
            for measure in MEASURES:
                for i, target in enumerate(targets):
                    point = float(values[measure][i])
                    if boots is not None:
                        low = float(np.quantile(boots[measure][:, i], alpha))
                        high = float(np.quantile(boots[measure][:, i], 1.0 - alpha))
                        low, high = min(low, point), max(high, point)
                    else:
                        low = high = None
                    seeds = [s[measure][i] for s in per_seed]
                    out["period"].append(period.label)
                    out["period_start"].append(period.start)
                    out["target"].append(target)
                    out["group_a"].append(name_a)
                    out["group_b"].append(name_b)
                    out["measure"].append(measure)
                    out["value"].append(point)
                    out["ci_low"].append(low)
                    out["ci_high"].append(high)
                    out["seed_sd"].append(float(np.std(seeds, ddof=1)) if len(seeds) > 1 else None)
                    out["n_group_a"].append(len(words_a))
                    out["n_group_b"].append(len(words_b))
                    out["target_count"].append(int(counts.get(target, 0)))
    return pa.table(out, schema=ASSOCIATION_SCHEMA)
