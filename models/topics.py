"""Topic model of the corpus: gensim LDA, prevalence over periods, per-period topic vocabulary.

Spec: https://radimrehurek.com/gensim/models/ldamodel.html (Hoffman et al. 2010, online LDA).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from gensim.corpora import Dictionary
from gensim.models import CoherenceModel, LdaModel

from models.periods import Period
from models.schemas import (
    DOC_TOPIC_SCHEMA,
    TOPIC_PERIOD_SCHEMA,
    TOPIC_PERIOD_TERM_SCHEMA,
    TOPIC_TERM_SCHEMA,
)

logger = logging.getLogger(__name__)

MIN_DOC_TOPIC_WEIGHT = 0.01  # doc_topics rows below this are dropped (and read back as 0)
MODEL_FILE = "lda.model"
DICTIONARY_FILE = "lda.dictionary"

# One row per (period, topic, rank): the topic's vocabulary re-estimated from the documents of
# one period, so a topic's words can be followed through time. `expected_count` is the number
# of the period's tokens of `term` that LDA assigns to `topic` (sum over documents of
# count * phi, from the variational E-step); `weight` is that count normalised over the topic's
# vocabulary in the period, i.e. P(term | topic, period).


@dataclass(frozen=True)
class TopicConfig:
    """Everything that decides the topic model; mirrors the `topics:` section of params.yaml."""

    num_topics: int = 10
    passes: int = 5
    iterations: int = 100
    chunksize: int = 2000
    no_below: int = 2  # keep terms in at least this many documents
    no_above: float = 0.5  # ... and in at most this fraction of documents
    keep_n: int = 50000
    pos: tuple[str, ...] = ("NOUN", "PROPN", "ADJ", "VERB")  # () keeps every part of speech
    min_token_len: int = 3
    extra_stopwords: tuple[str, ...] = ()
    seed: int = 42
    top_terms: int = 20
    coherence: tuple[str, ...] = ("c_v", "u_mass")
    bootstrap: int = 1000
    ci: float = 0.95
    model: str = "lda"  # "lda" only; LdaSeqModel (DTM) takes days on real corpora (gensim#1545)


@dataclass
class TopicResult:
    """A trained topic model and its tidy tables."""

    model: LdaModel
    dictionary: Dictionary
    doc_topics: pa.Table  # DOC_TOPIC_SCHEMA
    topic_terms: pa.Table  # TOPIC_TERM_SCHEMA
    coherence: dict[str, float]
    counts: dict[str, int]
    doc_ids: list[str] = field(default_factory=list)  # documents that reached the model


def prepare_documents(tokens: pa.Table, config: TopicConfig) -> tuple[list[str], list[list[str]]]:
    """Doc ids (sorted) and their bags of lowercased lemmas, filtered for topic modelling.

    Drops stopwords (the token's `is_stop` and `config.extra_stopwords`), tokens whose POS is
    not in `config.pos` (when given), non-alphabetic tokens and tokens shorter than
    `config.min_token_len`. A lemma that is null or empty falls back to the token text.
    Documents left with no token are not returned (logged).
    """
    all_docs = set(pc.unique(tokens.column("doc_id")).to_pylist())
    words = _lower_lemmas(tokens)
    keep = pc.fill_null(tokens.column("is_alpha"), False)
    keep = pc.and_(keep, pc.invert(pc.fill_null(tokens.column("is_stop"), False)))
    if config.pos:
        # Tokens from a pipeline without a tagger (the English lookup fallback) have no POS:
        # keep them rather than silently dropping a whole language from the model.
        pos = tokens.column("pos")
        keep = pc.and_(
            keep,
            pc.or_(pc.is_null(pos), pc.fill_null(
                pc.is_in(pos, value_set=pa.array(list(config.pos))), False)),
        )
    keep = pc.and_(keep, pc.greater_equal(pc.utf8_length(words), config.min_token_len))
    if config.extra_stopwords:
        extra = pa.array(sorted({w.lower() for w in config.extra_stopwords}))
        keep = pc.and_(keep, pc.invert(pc.is_in(words, value_set=extra)))
    kept = pa.table(
        {"doc_id": tokens.column("doc_id"), "position": tokens.column("position"), "word": words}
    ).filter(keep)
    kept = kept.sort_by([("doc_id", "ascending"), ("position", "ascending")])
    doc_ids: list[str] = []
    texts: list[list[str]] = []
    ids = kept.column("doc_id").to_pylist()
    ws = kept.column("word").to_pylist()
    for i, (doc_id, word) in enumerate(zip(ids, ws, strict=True)):
        if i == 0 or doc_id != ids[i - 1]:
            doc_ids.append(doc_id)
            texts.append([])
        texts[-1].append(word)
    n_empty = len(all_docs) - len(doc_ids)
    if n_empty:
        logger.info(
            "%d of %d documents have no token left after filtering; not modelled",
            n_empty,
            len(all_docs),
        )
    return doc_ids, texts


def _lower_lemmas(tokens: pa.Table) -> pa.ChunkedArray:
    lemma = tokens.column("lemma")
    text = tokens.column("text")
    usable = pc.and_(pc.is_valid(lemma), pc.not_equal(pc.fill_null(lemma, ""), ""))
    return pc.utf8_lower(pc.if_else(usable, lemma, text))


def build_dictionary(texts: Sequence[list[str]], config: TopicConfig) -> Dictionary:
    """The gensim Dictionary of `texts`, pruned by document frequency."""
    dictionary = Dictionary(texts)
    n_before = len(dictionary)
    dictionary.filter_extremes(
        no_below=config.no_below, no_above=config.no_above, keep_n=config.keep_n
    )
    logger.info(
        "dictionary: %d terms kept of %d (no_below=%d, no_above=%.2f, keep_n=%d)",
        len(dictionary),
        n_before,
        config.no_below,
        config.no_above,
        config.keep_n,
    )
    return dictionary


def train(doc_ids: Sequence[str], texts: Sequence[list[str]], config: TopicConfig) -> TopicResult:
    """Train LDA on prepared documents and tabulate doc-topic weights, top terms and coherence."""
    if config.model != "lda":
        raise ValueError(
            f"topic model {config.model!r} is not supported; use model='lda' (LdaSeqModel takes "
            "days on real corpora, gensim#1545; topics over time come from prevalence_over_time "
            "and period_terms)"
        )
    if len(doc_ids) != len(texts):
        raise ValueError(f"{len(doc_ids)} doc ids for {len(texts)} texts")
    if len(texts) < 2:
        raise ValueError(
            f"topic modelling needs at least 2 documents with tokens, got {len(texts)}; add "
            "documents, or relax topics.pos / topics.min_token_len if filtering emptied them"
        )
    dictionary = build_dictionary(texts, config)
    if len(dictionary) < config.num_topics:
        raise ValueError(
            f"only {len(dictionary)} terms survive the dictionary filter for {config.num_topics} "
            f"topics ({len(texts)} documents); lower topics.no_below (now {config.no_below}), "
            f"raise topics.no_above (now {config.no_above}), or add documents"
        )
    corpus = [dictionary.doc2bow(t) for t in texts]
    keep = [i for i, bow in enumerate(corpus) if bow]
    if len(keep) < len(corpus):
        logger.info(
            "%d documents have no term left in the dictionary; not modelled",
            len(corpus) - len(keep),
        )
    kept_ids = [doc_ids[i] for i in keep]
    corpus = [corpus[i] for i in keep]
    n_tokens = sum(c for bow in corpus for _, c in bow)
    logger.info(
        "training LDA: %d topics, %d documents, %d terms, %d tokens",
        config.num_topics,
        len(corpus),
        len(dictionary),
        n_tokens,
    )
    # LdaModel, not LdaMulticore: on 3,577 documents (2000-token segments of 40 ELTeC-eng
    # novels, 23k terms, 20 topics, 5 passes) on 2 cores LdaModel took 13.5 s, LdaMulticore
    # 13.7 s with 2 workers and 16.4 s with 1; LdaModel is also reproducible with a seed.
    model = LdaModel(
        corpus=corpus,
        id2word=dictionary,
        num_topics=config.num_topics,
        passes=config.passes,
        iterations=config.iterations,
        chunksize=config.chunksize,
        random_state=config.seed,
        eval_every=None,
    )
    doc_topics = infer_doc_topics(model, kept_ids, corpus, seed=config.seed)
    coherence = score_coherence(model, dictionary, corpus, [texts[i] for i in keep], config)
    counts = {
        "n_docs": len(corpus),
        "n_docs_input": len(doc_ids),
        "n_terms": len(dictionary),
        "n_tokens": n_tokens,
    }
    return TopicResult(
        model=model,
        dictionary=dictionary,
        doc_topics=doc_topics,
        topic_terms=tabulate_topic_terms(model, config.top_terms),
        coherence=coherence,
        counts=counts,
        doc_ids=kept_ids,
    )


def infer_doc_topics(
    model: LdaModel, doc_ids: Sequence[str], corpus: Sequence[list[Any]], seed: int = 42
) -> pa.Table:
    """P(topic | doc) for each document (DOC_TOPIC_SCHEMA), rows below 0.01 dropped.

    Inference starts from random gammas; the generator is reset from `seed` so the same model
    gives the same table whatever was inferred before.
    """
    model.random_state = np.random.RandomState(seed)
    ids: list[str] = []
    topics: list[int] = []
    weights: list[float] = []
    for doc_id, bow in zip(doc_ids, corpus, strict=True):
        for topic, weight in model.get_document_topics(
            bow, minimum_probability=MIN_DOC_TOPIC_WEIGHT
        ):
            ids.append(doc_id)
            topics.append(int(topic))
            weights.append(float(weight))
    return pa.table({"doc_id": ids, "topic": topics, "weight": weights}, schema=DOC_TOPIC_SCHEMA)


def tabulate_topic_terms(model: LdaModel, top_terms: int) -> pa.Table:
    """The `top_terms` most probable terms of every topic (TOPIC_TERM_SCHEMA)."""
    rows: dict[str, list[Any]] = {"topic": [], "rank": [], "term": [], "weight": []}
    for topic in range(model.num_topics):
        for rank, (term_id, prob) in enumerate(model.get_topic_terms(topic, topn=top_terms), 1):
            rows["topic"].append(topic)
            rows["rank"].append(rank)
            rows["term"].append(model.id2word[term_id])
            rows["weight"].append(float(prob))
    return pa.table(rows, schema=TOPIC_TERM_SCHEMA)


def score_coherence(
    model: LdaModel,
    dictionary: Dictionary,
    corpus: Sequence[list[Any]],
    texts: Sequence[list[str]],
    config: TopicConfig,
) -> dict[str, float]:
    """Mean topic coherence for each measure in `config.coherence` (c_v, u_mass, c_npmi...)."""
    scores: dict[str, float] = {}
    for measure in config.coherence:
        # one process: CoherenceModel otherwise forks cpu_count-1 workers for sliding windows
        cm = CoherenceModel(
            model=model,
            texts=list(texts),
            corpus=list(corpus),
            dictionary=dictionary,
            coherence=measure,
            topn=10,
            processes=1,
        )
        value = float(cm.get_coherence())
        if not math.isfinite(value):
            logger.warning("coherence %s is not finite (%s)", measure, value)
        scores[measure] = value
    return scores


def prevalence_over_time(
    doc_topics: pa.Table,
    doc_periods: Mapping[str, str],
    periods: Sequence[Period],
    bootstrap: int = 1000,
    ci: float = 0.95,
    seed: int = 42,
    num_topics: int | None = None,
) -> pa.Table:
    """Mean P(topic | doc) per period with a percentile bootstrap CI over documents.

    The documents are those of `doc_topics` that have a period; a topic's missing row for a
    document (weight < 0.01 dropped) counts as 0. The interval is widened to include the point
    estimate in the rare skewed case where the percentiles exclude it (tiny periods).
    """
    doc_col = doc_topics.column("doc_id").to_pylist()
    topic_col = np.asarray(doc_topics.column("topic").to_numpy(), dtype=np.int64)
    weight_col = np.asarray(doc_topics.column("weight").to_numpy(), dtype=np.float64)
    k = int(
        num_topics if num_topics is not None else (topic_col.max() + 1 if len(topic_col) else 0)
    )
    docs = sorted(set(doc_col))
    row_of = {d: i for i, d in enumerate(docs)}
    dense = np.zeros((len(docs), k))
    dense[[row_of[d] for d in doc_col], topic_col] = weight_col
    undated = [d for d in docs if d not in doc_periods]
    if undated:
        logger.info(
            "%d of %d modelled documents have no period; left out of prevalence",
            len(undated),
            len(docs),
        )
    rng = np.random.default_rng(seed)
    alpha = (1.0 - ci) / 2.0
    out: dict[str, list[Any]] = {n: [] for n in TOPIC_PERIOD_SCHEMA.names}
    for period in periods:
        rows = [row_of[d] for d in docs if doc_periods.get(d) == period.label]
        if not rows:
            continue
        x = dense[rows]
        point = x.mean(axis=0)
        low, high = _bootstrap_mean_ci(x, bootstrap, alpha, rng)
        low, high = np.minimum(low, point), np.maximum(high, point)
        for topic in range(k):
            out["period"].append(period.label)
            out["period_start"].append(period.start)
            out["topic"].append(topic)
            out["prevalence"].append(float(point[topic]))
            out["ci_low"].append(float(low[topic]) if bootstrap else None)
            out["ci_high"].append(float(high[topic]) if bootstrap else None)
            out["n_docs"].append(len(rows))
    return pa.table(out, schema=TOPIC_PERIOD_SCHEMA)


def _bootstrap_mean_ci(
    x: np.ndarray, n_boot: int, alpha: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    n = x.shape[0]
    if n_boot <= 0:
        return x.mean(axis=0), x.mean(axis=0)
    # resample documents as multinomial counts: (B x n) @ (n x K) keeps memory at B*n, not B*n*K
    means = np.empty((n_boot, x.shape[1]))
    block = max(1, min(n_boot, 2_000_000 // max(n, 1)))
    for start in range(0, n_boot, block):
        b = min(block, n_boot - start)
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=b)
        means[start : start + b] = counts @ x / n
    return np.quantile(means, alpha, axis=0), np.quantile(means, 1.0 - alpha, axis=0)


def period_terms(
    model: LdaModel,
    dictionary: Dictionary,
    texts: Sequence[list[str]],
    doc_periods: Mapping[str, str],
    doc_ids: Sequence[str],
    periods: Sequence[Period],
    top_terms: int = 20,
    seed: int = 42,
    chunksize: int = 2000,
) -> pa.Table:
    """Each topic's top terms re-estimated per period (TOPIC_PERIOD_TERM_SCHEMA).

    For the documents of a period, the E-step's sufficient statistics sum count * phi over
    documents: the expected number of the period's tokens of each term assigned to each topic.
    """
    if len(doc_ids) != len(texts):
        raise ValueError(f"{len(doc_ids)} doc ids for {len(texts)} texts")
    by_period: dict[str, list[int]] = {}
    for i, doc_id in enumerate(doc_ids):
        label = doc_periods.get(doc_id)
        if label is not None:
            by_period.setdefault(label, []).append(i)
    model.random_state = np.random.RandomState(seed)
    out: dict[str, list[Any]] = {n: [] for n in TOPIC_PERIOD_TERM_SCHEMA.names}
    for period in periods:
        members = by_period.get(period.label, [])
        corpus = [bow for bow in (dictionary.doc2bow(texts[i]) for i in members) if bow]
        if not corpus:
            continue
        sstats = np.zeros((model.num_topics, model.num_terms))
        for start in range(0, len(corpus), chunksize):
            _, chunk_stats = model.inference(corpus[start : start + chunksize], collect_sstats=True)
            sstats += chunk_stats
        totals = sstats.sum(axis=1)
        for topic in range(model.num_topics):
            if totals[topic] <= 0:
                continue
            order = np.argsort(-sstats[topic], kind="stable")[:top_terms]
            for rank, term_id in enumerate(order, 1):
                if sstats[topic, term_id] <= 0:
                    break
                out["period"].append(period.label)
                out["period_start"].append(period.start)
                out["topic"].append(topic)
                out["rank"].append(rank)
                out["term"].append(dictionary[int(term_id)])
                out["weight"].append(float(sstats[topic, term_id] / totals[topic]))
                out["expected_count"].append(float(sstats[topic, term_id]))
    return pa.table(out, schema=TOPIC_PERIOD_TERM_SCHEMA)


def save(result: TopicResult, directory: Path) -> None:
    """Write the gensim model and dictionary under `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    result.model.save(str(directory / MODEL_FILE))
    result.dictionary.save(str(directory / DICTIONARY_FILE))


def load(directory: Path) -> tuple[LdaModel, Dictionary]:
    """Read back the model and dictionary written by `save`."""
    model = LdaModel.load(str(directory / MODEL_FILE))
    dictionary = Dictionary.load(str(directory / DICTIONARY_FILE))
    return model, dictionary
