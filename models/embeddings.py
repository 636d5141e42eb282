"""Diachronic word embeddings: word2vec per period, Procrustes alignment, drift and its stability.

Method: Hamilton, Leskovec & Jurafsky 2016, https://aclanthology.org/P16-1141/ (HistWords);
gensim Word2Vec: https://radimrehurek.com/gensim/models/word2vec.html
"""

from __future__ import annotations

import logging
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from gensim.models import KeyedVectors, Word2Vec
from scipy.linalg import orthogonal_procrustes
from scipy.stats import spearmanr

from models.periods import Period
from models.schemas import DRIFT_SCHEMA, NEIGHBOUR_SCHEMA, PERIOD_SCHEMA, STABILITY_SCHEMA

logger = logging.getLogger(__name__)

# One row per (pair of periods, pair of seeds): how far the drift ranking survives retraining
# with another random seed. `spearman` is the rank correlation of the words' cosine distances
# (over the `n_words` words that are not low-frequency in that pair); `top_overlap` is the
# Jaccard overlap of the two seeds' `top_drift` most-drifted words.


@dataclass(frozen=True)
class EmbeddingConfig:
    """Everything that decides the embeddings; mirrors the `embeddings:` section of params.yaml.

    `workers=1` makes training reproducible with a fixed seed (also in corpus_file mode, and
    across processes); more workers train faster but the order in which threads update the
    shared vectors, hence the vectors, varies per run. Measured (benchmarks/bench_embeddings.py,
    1.94 M words of 12 ELTeC-eng novels, loadavg 2-5): 1 worker, lists 454k words/s, corpus_file
    458k, raw gensim corpus_file 419k (a tie); 2 workers, lists 590k (one Python thread feeds
    the workers), corpus_file 613-845k, raw gensim corpus_file 680-868k (noisy under load).
    corpus_file is the default: as fast with 1 worker, and the fastest mode once `workers: 2`
    is chosen and run-to-run identity is given up.
    """

    vector_size: int = 100
    window: int = 5
    min_count: int = 5
    sg: int = 1  # 1 skip-gram (HistWords SGNS), 0 CBOW
    negative: int = 5
    epochs: int = 5
    workers: int = 1
    seed: int = 42
    min_period_tokens: int = 5000  # thinner periods are reported but not trained
    top_k: int = 10  # neighbours per word
    anchor_min_count: int = 10  # words this frequent in both periods anchor the alignment
    watch_terms: tuple[str, ...] = ()
    seeds: tuple[int, ...] = (42, 43, 44)  # retrainings for the stability table
    use_lemma: bool = True
    corpus_file: bool = True  # train from a LineSentence temp file (gensim's corpus_file mode)
    drift_exclude: frozenset[str] = frozenset()  # e.g. stopwords: kept as anchors, not ranked
    top_drift: int = 20  # most-drifted words given neighbours and compared across seeds


@dataclass
class EmbeddingResult:
    """Per-period vectors and the tidy tables describing them."""

    models: dict[str, KeyedVectors]  # trained periods, in period order
    aligned: dict[str, KeyedVectors]  # each trained period rotated into the latest one's space
    counts: dict[str, Counter[str]]
    periods: pa.Table  # PERIOD_SCHEMA
    neighbours: pa.Table  # NEIGHBOUR_SCHEMA
    drift: pa.Table  # DRIFT_SCHEMA
    stability: pa.Table  # STABILITY_SCHEMA
    seed_models: dict[int, dict[str, KeyedVectors]] = field(default_factory=dict)


def sentences_by_period(
    tokens: pa.Table, doc_periods: Mapping[str, str], use_lemma: bool = True
) -> dict[str, list[list[str]]]:
    """Lowercased lemma (or text) sequences, one per sentence, grouped by the document's period.

    Only alphabetic tokens are kept; documents without a period are left out (logged).
    Sentences come in (doc_id, sentence, position) order.
    """
    docs = pa.array(sorted(doc_periods), pa.string())
    keep = pc.and_(
        pc.fill_null(tokens.column("is_alpha"), False),
        pc.is_in(tokens.column("doc_id"), value_set=docs),
    )
    n_undated = len(set(pc.unique(tokens.column("doc_id")).to_pylist()) - set(doc_periods))
    if n_undated:
        logger.info("%d documents have no period; their tokens are not embedded", n_undated)
    words = _words(tokens, use_lemma)
    table = pa.table(
        {
            "doc_id": tokens.column("doc_id"),
            "sentence": tokens.column("sentence"),
            "position": tokens.column("position"),
            "word": words,
        }
    ).filter(keep)
    table = table.sort_by(
        [("doc_id", "ascending"), ("sentence", "ascending"), ("position", "ascending")]
    )
    out: dict[str, list[list[str]]] = {}
    if table.num_rows == 0:
        return out
    doc = table.column("doc_id").combine_chunks()
    sent = table.column("sentence").combine_chunks()
    change = pc.or_(pc.not_equal(doc[1:], doc[:-1]), pc.not_equal(sent[1:], sent[:-1]))
    starts = np.concatenate([[0], np.flatnonzero(change.to_numpy(zero_copy_only=False)) + 1])
    ends = np.append(starts[1:], table.num_rows)
    word_list = table.column("word").to_pylist()
    doc_list = doc.take(pa.array(starts)).to_pylist()
    for doc_id, a, b in zip(doc_list, starts.tolist(), ends.tolist(), strict=True):
        out.setdefault(doc_periods[doc_id], []).append(word_list[a:b])
    return out


def _words(tokens: pa.Table, use_lemma: bool) -> pa.ChunkedArray:
    text = tokens.column("text")
    if not use_lemma:
        return pc.utf8_lower(text)
    lemma = tokens.column("lemma")
    usable = pc.and_(pc.is_valid(lemma), pc.not_equal(pc.fill_null(lemma, ""), ""))
    return pc.utf8_lower(pc.if_else(usable, lemma, text))


def train_period(
    sentences: Sequence[list[str]], config: EmbeddingConfig, seed: int
) -> KeyedVectors:
    """Word2Vec vectors of one period's sentences (reproducible with workers=1)."""
    kwargs: dict[str, Any] = {
        "vector_size": config.vector_size,
        "window": config.window,
        "min_count": config.min_count,
        "sg": config.sg,
        "negative": config.negative,
        "epochs": config.epochs,
        "workers": config.workers,
        "seed": seed,
    }
    if not config.corpus_file:
        return Word2Vec(sentences=sentences, **kwargs).wv
    # corpus_file mode reads a LineSentence file: one sentence per line, space-separated tokens
    with tempfile.TemporaryDirectory(prefix="longue-w2v-") as tmp:
        path = Path(tmp) / "sentences.txt"
        with path.open("w", encoding="utf-8") as f:
            for sentence in sentences:
                if sentence:
                    f.write(" ".join(sentence))
                    f.write("\n")
        return Word2Vec(corpus_file=str(path), **kwargs).wv


def _unit(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms == 0, 1.0, norms)


def fit_rotation(
    base: KeyedVectors, other: KeyedVectors, anchors: Iterable[str] | None = None
) -> np.ndarray:
    """Orthogonal matrix R taking unit(other) onto unit(base), fitted on shared (anchor) words.

    Vectors are unit-normalised and mean-centered over the anchors before the Procrustes fit
    (HistWords); R is then applied to the unit vectors themselves.
    """
    wanted = None if anchors is None else set(anchors)
    shared = [
        w for w in base.index_to_key if w in other.key_to_index and (wanted is None or w in wanted)
    ]
    if len(shared) < 2:
        raise ValueError(
            f"only {len(shared)} shared anchor words between the two periods; lower "
            "embeddings.anchor_min_count or embeddings.min_count, or widen the periods"
        )
    if len(shared) < base.vector_size:
        logger.warning(
            "alignment on %d anchor words for %d dimensions: the rotation is poorly determined",
            len(shared),
            base.vector_size,
        )
    b = _unit(base[shared])
    o = _unit(other[shared])
    matrix, _ = orthogonal_procrustes(o - o.mean(axis=0), b - b.mean(axis=0))
    return np.asarray(matrix)


def align(
    base: KeyedVectors, other: KeyedVectors, anchors: Iterable[str] | None = None
) -> KeyedVectors:
    """`other` rotated into `base`'s space by orthogonal Procrustes on the shared vocabulary.

    The returned vectors are unit length; a rotation keeps every cosine within `other`, so its
    neighbourhoods are unchanged and its words can be compared with unit(base[word]).
    """
    rotation = fit_rotation(base, other, anchors)
    out = KeyedVectors(vector_size=other.vector_size, count=len(other), dtype=np.float32)
    out.add_vectors(list(other.index_to_key), (_unit(other.vectors) @ rotation).astype(np.float32))
    return out


def neighbours(
    kv_by_period: Mapping[str, KeyedVectors], words: Sequence[str], top_k: int
) -> pa.Table:
    """Top-k nearest neighbours (cosine) of each word in each period's own space.

    Words outside a period's vocabulary get no rows for that period.
    """
    rows: dict[str, list[Any]] = {n: [] for n in NEIGHBOUR_SCHEMA.names}
    for period, kv in kv_by_period.items():
        for word in dict.fromkeys(words):
            if word not in kv.key_to_index:
                continue
            for rank, (other, sim) in enumerate(kv.most_similar(word, topn=top_k), 1):
                rows["period"].append(period)
                rows["word"].append(word)
                rows["rank"].append(rank)
                rows["neighbour"].append(other)
                rows["similarity"].append(float(sim))
    return pa.table(rows, schema=NEIGHBOUR_SCHEMA)


def _pairs(trained: Sequence[str]) -> list[tuple[str, str]]:
    pairs = list(zip(trained, trained[1:], strict=False))
    if len(trained) > 2:
        pairs.append((trained[0], trained[-1]))
    return pairs


def _shared_words(
    a: str,
    b: str,
    kv_by_period: Mapping[str, KeyedVectors],
    counts_by_period: Mapping[str, Counter[str]],
    min_count: int,
) -> list[str]:
    ca, cb = counts_by_period[a], counts_by_period[b]
    kb = kv_by_period[b].key_to_index
    return [
        w
        for w in kv_by_period[a].index_to_key
        if w in kb and ca.get(w, 0) >= min_count and cb.get(w, 0) >= min_count
    ]


def _pair_distances(
    a: str,
    b: str,
    kv_by_period: Mapping[str, KeyedVectors],
    counts_by_period: Mapping[str, Counter[str]],
    config: EmbeddingConfig,
) -> tuple[list[str], np.ndarray]:
    """Shared words of periods a -> b and their cosine distances after aligning a onto b."""
    words = _shared_words(a, b, kv_by_period, counts_by_period, config.min_count)
    ca, cb = counts_by_period[a], counts_by_period[b]
    anchors = [w for w in words if min(ca[w], cb[w]) >= config.anchor_min_count]
    if len(anchors) < 2:
        logger.warning(
            "%s -> %s: %d anchor words; aligning on all shared words", a, b, len(anchors)
        )
        anchors = words
    rotation = fit_rotation(kv_by_period[b], kv_by_period[a], anchors)
    # Cosine of the uncentered unit vectors: on two ELTeC novels with two words swapped in one
    # period, this ranked the swapped words 1st/2nd in 16 of 16 runs; the cosine of centered
    # vectors ranked them within the top 5 in only 14 of 16 (centering inflates the distance
    # of words near the mean direction).
    moved = _unit(kv_by_period[a][words]) @ rotation
    cos = np.sum(_unit(moved) * _unit(kv_by_period[b][words]), axis=1)
    return words, 1.0 - cos


def _top_neighbours(kv: KeyedVectors, words: list[str], k: int) -> np.ndarray:
    """Indices (into `words`) of each word's k nearest neighbours among `words`."""
    m = _unit(kv[words]).astype(np.float32)
    k = min(k, len(words) - 1)
    out = np.empty((len(words), max(k, 0)), dtype=np.int64)
    if k <= 0:
        return out
    block = max(1, 8_000_000 // len(words))  # rows per block: similarity blocks stay ~32 MB
    for start in range(0, len(words), block):
        sims = m[start : start + block] @ m.T
        rows = np.arange(sims.shape[0])
        sims[rows, rows + start] = -np.inf  # a word is not its own neighbour
        out[start : start + block] = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    return out


def drift(
    kv_by_period: Mapping[str, KeyedVectors],
    counts_by_period: Mapping[str, Counter[str]],
    periods: Sequence[Period],
    config: EmbeddingConfig,
) -> pa.Table:
    """Semantic change between consecutive trained periods and first -> last (DRIFT_SCHEMA).

    For words with at least `min_count` occurrences in both periods: cosine distance after
    aligning the earlier period onto the later one, and the Jaccard overlap of the word's top-k
    neighbours among those shared words in each period's own space. `low_frequency` flags
    words seen fewer than 2 * anchor_min_count times in either period, whose distance is mostly
    noise (HistWords). Rows are sorted by distance, largest first.
    """
    trained = [p.label for p in periods if p.label in kv_by_period]
    rows: dict[str, list[Any]] = {n: [] for n in DRIFT_SCHEMA.names}
    for a, b in _pairs(trained):
        words, dist = _pair_distances(a, b, kv_by_period, counts_by_period, config)
        na = _top_neighbours(kv_by_period[a], words, config.top_k)
        nb = _top_neighbours(kv_by_period[b], words, config.top_k)
        ca, cb = counts_by_period[a], counts_by_period[b]
        for i, word in enumerate(words):
            if word in config.drift_exclude:  # function words: anchors, not findings
                continue
            sa, sb = set(na[i].tolist()), set(nb[i].tolist())
            union = sa | sb
            rows["word"].append(word)
            rows["from_period"].append(a)
            rows["to_period"].append(b)
            rows["cosine_distance"].append(float(dist[i]))
            rows["neighbour_overlap"].append(len(sa & sb) / len(union) if union else None)
            rows["count_from"].append(ca[word])
            rows["count_to"].append(cb[word])
            rows["low_frequency"].append(min(ca[word], cb[word]) < 2 * config.anchor_min_count)
        logger.info("drift %s -> %s: %d shared words", a, b, len(words))
    table = pa.table(rows, schema=DRIFT_SCHEMA)
    return table.sort_by(
        [("cosine_distance", "descending"), ("word", "ascending"), ("from_period", "ascending")]
    )


def stability(
    models_by_seed: Mapping[int, Mapping[str, KeyedVectors]],
    counts_by_period: Mapping[str, Counter[str]],
    periods: Sequence[Period],
    config: EmbeddingConfig,
) -> pa.Table:
    """Spearman correlation of drift distances between retrainings with different seeds."""
    rows: dict[str, list[Any]] = {n: [] for n in STABILITY_SCHEMA.names}
    seeds = sorted(models_by_seed)
    if len(seeds) < 2:
        return pa.table(rows, schema=STABILITY_SCHEMA)
    trained = [p.label for p in periods if all(p.label in models_by_seed[s] for s in seeds)]
    for a, b in _pairs(trained):
        ca, cb = counts_by_period[a], counts_by_period[b]
        by_seed: dict[int, dict[str, float]] = {}
        for s in seeds:
            words, dist = _pair_distances(a, b, models_by_seed[s], counts_by_period, config)
            by_seed[s] = {
                w: float(d)
                for w, d in zip(words, dist, strict=True)
                if min(ca[w], cb[w]) >= 2 * config.anchor_min_count
            }
        for s, t in combinations(seeds, 2):
            common = sorted(set(by_seed[s]) & set(by_seed[t]))
            x = np.array([by_seed[s][w] for w in common])
            y = np.array([by_seed[t][w] for w in common])
            rho = float(spearmanr(x, y).statistic) if len(common) >= 3 else None
            top_s = set(sorted(common, key=lambda w: -by_seed[s][w])[: config.top_drift])
            top_t = set(sorted(common, key=lambda w: -by_seed[t][w])[: config.top_drift])
            union = top_s | top_t
            rows["from_period"].append(a)
            rows["to_period"].append(b)
            rows["seed_a"].append(s)
            rows["seed_b"].append(t)
            rows["n_words"].append(len(common))
            rows["spearman"].append(rho)
            rows["top_overlap"].append(len(top_s & top_t) / len(union) if union else None)
    return pa.table(rows, schema=STABILITY_SCHEMA)


def train_all(
    tokens: pa.Table,
    doc_periods: Mapping[str, str],
    periods: Sequence[Period],
    config: EmbeddingConfig,
) -> EmbeddingResult:
    """Train, align and compare word2vec models for every period thick enough to train."""
    sentences = sentences_by_period(tokens, doc_periods, config.use_lemma)
    counts = {label: Counter(w for s in sents for w in s) for label, sents in sentences.items()}
    doc_ids = set(pc.unique(tokens.column("doc_id")).to_pylist())
    n_docs = Counter(doc_periods[d] for d in doc_ids if d in doc_periods)
    ordered = sorted(periods, key=lambda p: p.start)

    def train_seed(seed: int) -> dict[str, KeyedVectors]:
        models: dict[str, KeyedVectors] = {}
        for p in ordered:
            n_tokens = sum(counts.get(p.label, Counter()).values())
            if n_tokens < config.min_period_tokens:
                continue
            try:
                models[p.label] = train_period(sentences[p.label], config, seed)
            except RuntimeError as exc:  # gensim: no word reaches min_count
                logger.warning("period %s not trained: %s", p.label, exc)
        return models

    for p in ordered:
        n_tokens = sum(counts.get(p.label, Counter()).values())
        if n_tokens < config.min_period_tokens:
            logger.warning(
                "period %s has %d tokens (< embeddings.min_period_tokens=%d): not trained",
                p.label,
                n_tokens,
                config.min_period_tokens,
            )
    models = train_seed(config.seed)
    logger.info("trained %d of %d periods", len(models), len(ordered))
    labels = list(models)
    aligned: dict[str, KeyedVectors] = {}
    for label in labels:
        latest = labels[-1]
        if label == latest:
            aligned[label] = models[label]
            continue
        # each period is aligned straight onto the latest one: no error accumulates along a chain
        anchors = [
            w
            for w in models[label].index_to_key
            if min(counts[label][w], counts[latest].get(w, 0)) >= config.anchor_min_count
        ]
        aligned[label] = align(models[latest], models[label], anchors or None)
    drift_table = drift(models, counts, ordered, config)
    seed_models = {config.seed: models}
    for seed in config.seeds:
        if seed not in seed_models:
            seed_models[seed] = train_seed(seed)
    stability_table = stability(
        {s: seed_models[s] for s in dict.fromkeys(config.seeds)}, counts, ordered, config
    )
    neighbour_words = list(config.watch_terms) + _top_drifting(drift_table, labels, config)
    period_rows = {
        "period": [p.label for p in ordered],
        "period_start": [p.start for p in ordered],
        "period_end": [p.end for p in ordered],
        "n_docs": [n_docs.get(p.label, 0) for p in ordered],
        "n_tokens": [sum(counts.get(p.label, Counter()).values()) for p in ordered],
        "vocabulary": [len(models[p.label]) if p.label in models else 0 for p in ordered],
        "trained": [p.label in models for p in ordered],
    }
    return EmbeddingResult(
        models=models,
        aligned=aligned,
        counts=counts,
        periods=pa.table(period_rows, schema=PERIOD_SCHEMA),
        neighbours=neighbours(models, neighbour_words, config.top_k),
        drift=drift_table,
        stability=stability_table,
        seed_models=seed_models,
    )


def _top_drifting(drift_table: pa.Table, labels: list[str], config: EmbeddingConfig) -> list[str]:
    """The most-drifted frequent words from the first to the last trained period."""
    if len(labels) < 2:
        return []
    df = drift_table.filter(
        pc.and_(
            pc.and_(
                pc.equal(drift_table.column("from_period"), labels[0]),
                pc.equal(drift_table.column("to_period"), labels[-1]),
            ),
            pc.invert(drift_table.column("low_frequency")),
        )
    )
    words: list[str] = df.column("word").to_pylist()
    return words[: config.top_drift]


def save(result: EmbeddingResult, directory: Path) -> list[Path]:
    """Write one `w2v_<period>.kv` per trained period (unaligned vectors); return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for label, kv in result.models.items():
        path = directory / f"w2v_{label}.kv"
        kv.lifecycle_events = None  # no save date/host in the pickle: same inputs, same bytes
        kv.save(str(path))
        paths.append(path)
    return paths


def load(directory: Path) -> dict[str, KeyedVectors]:
    """Read back the per-period vectors written by `save`, keyed by period label."""
    return {
        p.name[len("w2v_") : -len(".kv")]: KeyedVectors.load(str(p))
        for p in sorted(directory.glob("w2v_*.kv"))
    }
