"""Topic model of the corpus: gensim LDA, prevalence over periods, per-period topic vocabulary.

Spec: https://radimrehurek.com/gensim/models/ldamodel.html (Hoffman et al. 2010, online LDA).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from gensim.corpora import Dictionary
from gensim.models import CoherenceModel, LdaModel, LdaSeqModel

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


MODELS = ("lda", "ldaseq")
ALL_LANGUAGES = "*"  # key of extra_stopwords applied to documents of every language


@dataclass(frozen=True)
class TopicConfig:
    """Everything that decides the topic model; mirrors the `topics:` section of params.yaml.

    `extra_stopwords` adds to spaCy's stop lists (the tokens' `is_stop`): either a list, applied
    to every document, or a mapping language -> list ({"fr": [...], "en": [...], "*": [...]}),
    applied to the documents of that language ("*" to all).
    """

    num_topics: int = 10
    passes: int = 5
    iterations: int = 100
    chunksize: int = 2000
    no_below: int = 2  # keep terms in at least this many documents
    no_above: float = 0.5  # ... and in at most this fraction of documents
    keep_n: int = 50000
    pos: tuple[str, ...] = ("NOUN", "PROPN", "ADJ", "VERB")  # () keeps every part of speech
    min_token_len: int = 3
    extra_stopwords: Any = ()
    seed: int = 42
    top_terms: int = 20
    coherence: tuple[str, ...] = ("c_v", "u_mass", "c_npmi")
    bootstrap: int = 1000
    ci: float = 0.95
    # Documents longer than this many kept tokens are cut into segments for LDA (a novel is not
    # one bag of words); doc-topic weights are aggregated back per document. 0 = no cut.
    segment_tokens: int = 1000
    model: str = "lda"  # "lda", or "ldaseq" (gensim DTM, small corpora only: gensim#1545)
    ldaseq_max_docs: int = 300  # "ldaseq" refuses more (segmented) documents than this
    ldaseq_em_max_iter: int = 20

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(
                f"topics.model {self.model!r} is not supported; use one of {', '.join(MODELS)}"
            )
        if self.segment_tokens < 0:
            raise ValueError("topics.segment_tokens must be >= 0 (0 keeps documents whole)")
        object.__setattr__(self, "extra_stopwords", _stopword_map(self.extra_stopwords))

    def stopwords_for(self, language: str | None) -> frozenset[str]:
        """Extra stopwords (lowercased) for documents of `language`."""
        table: dict[str, frozenset[str]] = self.extra_stopwords
        return table.get(ALL_LANGUAGES, frozenset()) | table.get(language or "", frozenset())


def _stopword_map(value: Any) -> dict[str, frozenset[str]]:
    if isinstance(value, Mapping):
        out: dict[str, frozenset[str]] = {}
        for lang, words in value.items():
            if isinstance(words, str) or not isinstance(words, Iterable):
                raise ValueError(
                    f"topics.extra_stopwords.{lang} must be a list of words, got {words!r}"
                )
            out[str(lang)] = frozenset(str(w).lower() for w in words)
        return out
    if isinstance(value, str):
        raise ValueError(
            "topics.extra_stopwords must be a list of words or a mapping language -> list, "
            f"got the string {value!r}"
        )
    words = frozenset(str(w).lower() for w in value or ())
    return {ALL_LANGUAGES: words} if words else {}


@dataclass
class TopicResult:
    """A trained topic model and its tidy tables."""

    model: LdaModel | LdaSeqModel
    dictionary: Dictionary
    doc_topics: pa.Table  # DOC_TOPIC_SCHEMA, one set of rows per document (segments aggregated)
    topic_terms: pa.Table  # TOPIC_TERM_SCHEMA
    coherence: dict[str, float]
    counts: dict[str, int]
    doc_ids: list[str] = field(default_factory=list)  # documents that reached the model
    # the units the model was trained on: segment texts and the document each comes from
    segment_texts: list[list[str]] = field(default_factory=list)
    segment_docs: list[str] = field(default_factory=list)
    period_terms: pa.Table | None = None  # TOPIC_PERIOD_TERM_SCHEMA, set by ldaseq only


def prepare_documents(
    tokens: pa.Table, config: TopicConfig, doc_languages: Mapping[str, str] | None = None
) -> tuple[list[str], list[list[str]]]:
    """Doc ids (sorted) and their bags of lowercased lemmas, filtered for topic modelling.

    Drops stopwords (the token's `is_stop`, i.e. spaCy's list for the document's language, and
    `config.extra_stopwords` for the language given by `doc_languages`, "*" for all), tokens
    whose POS is
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
            pc.or_(
                pc.is_null(pos),
                pc.fill_null(pc.is_in(pos, value_set=pa.array(list(config.pos))), False),
            ),
        )
    keep = pc.and_(keep, pc.greater_equal(pc.utf8_length(words), config.min_token_len))
    if config.extra_stopwords:
        keep = pc.and_(keep, pc.invert(_extra_stop_mask(tokens, words, config, doc_languages)))
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


def _extra_stop_mask(
    tokens: pa.Table,
    words: pa.ChunkedArray,
    config: TopicConfig,
    doc_languages: Mapping[str, str] | None,
) -> pa.ChunkedArray:
    """True where a token is an extra stopword for its document's language."""
    table: dict[str, frozenset[str]] = config.extra_stopwords
    everywhere = table.get(ALL_LANGUAGES, frozenset())
    mask = pc.is_in(words, value_set=pa.array(sorted(everywhere), pa.string()))
    by_lang = {lang: ws for lang, ws in table.items() if lang != ALL_LANGUAGES and ws}
    if by_lang and doc_languages is None:
        logger.warning(
            "topics.extra_stopwords has per-language lists %s but no document languages were "
            "given; only the '*' list is applied",
            sorted(by_lang),
        )
        return mask
    for lang, ws in by_lang.items():
        docs = pa.array(sorted(d for d, x in (doc_languages or {}).items() if x == lang))
        in_lang = pc.is_in(tokens.column("doc_id"), value_set=docs)
        hit = pc.is_in(words, value_set=pa.array(sorted(ws), pa.string()))
        mask = pc.or_(mask, pc.and_(in_lang, hit))
    return mask


def segment_documents(
    doc_ids: Sequence[str], texts: Sequence[list[str]], segment_tokens: int
) -> tuple[list[str], list[list[str]]]:
    """Cut each text into consecutive segments of `segment_tokens` tokens.

    Returns (parent doc id per segment, segment texts). A last piece shorter than half a
    segment is joined to the one before, so no segment is a short tail; 0 keeps texts whole.
    """
    parents: list[str] = []
    segments: list[list[str]] = []
    for doc_id, text in zip(doc_ids, texts, strict=True):
        if segment_tokens <= 0 or len(text) <= segment_tokens:
            parents.append(doc_id)
            segments.append(list(text))
            continue
        pieces = [text[i : i + segment_tokens] for i in range(0, len(text), segment_tokens)]
        if len(pieces) > 1 and len(pieces[-1]) < segment_tokens / 2:
            tail = pieces.pop()
            pieces[-1] = pieces[-1] + tail
        parents.extend([doc_id] * len(pieces))
        segments.extend(pieces)
    return parents, segments


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


def _check_input(doc_ids: Sequence[str], texts: Sequence[list[str]]) -> None:
    if len(doc_ids) != len(texts):
        raise ValueError(f"{len(doc_ids)} doc ids for {len(texts)} texts")
    if len(texts) < 2:
        raise ValueError(
            f"topic modelling needs at least 2 documents with tokens, got {len(texts)}; add "
            "documents, or relax topics.pos / topics.min_token_len if filtering emptied them"
        )


def _build_corpus(
    texts: Sequence[list[str]],
    parents: Sequence[str],
    segments: Sequence[list[str]],
    config: TopicConfig,
) -> tuple[Dictionary, list[list[tuple[int, int]]], list[int]]:
    """Dictionary, bags of words, and the indices of the segments that kept a term.

    Document frequencies (no_below, no_above) are counted over whole documents, not segments:
    a word of one novel is not a corpus-wide word because the novel was cut in 100 pieces.
    """
    dictionary = build_dictionary(texts, config)
    n_docs = len(texts)
    if len(dictionary) < config.num_topics:
        raise ValueError(
            f"only {len(dictionary)} terms survive the dictionary filter for {config.num_topics} "
            f"topics ({n_docs} documents, {len(segments)} segments); lower topics.no_below (now "
            f"{config.no_below}), raise topics.no_above (now {config.no_above}), or add documents"
        )
    corpus = [dictionary.doc2bow(t) for t in segments]
    keep = [i for i, bow in enumerate(corpus) if bow]
    if len(keep) < len(corpus):
        logger.info(
            "%d segments have no term left in the dictionary; not modelled",
            len(corpus) - len(keep),
        )
    return dictionary, [corpus[i] for i in keep], keep


def train(doc_ids: Sequence[str], texts: Sequence[list[str]], config: TopicConfig) -> TopicResult:
    """Train LDA on prepared documents and tabulate doc-topic weights, top terms and coherence.

    Documents longer than `config.segment_tokens` are modelled as segments; each document's
    P(topic | doc) is the token-weighted mean of its segments' (dictionary tokens as weights).
    """
    if config.model != "lda":
        raise ValueError(
            f"train() fits LDA; topics.model={config.model!r} needs document periods: call "
            "train_ldaseq(doc_ids, texts, doc_periods, periods, config)"
        )
    _check_input(doc_ids, texts)
    parents, segments = segment_documents(doc_ids, texts, config.segment_tokens)
    dictionary, corpus, keep = _build_corpus(texts, parents, segments, config)
    seg_docs = [parents[i] for i in keep]
    seg_texts = [segments[i] for i in keep]
    n_tokens = sum(c for bow in corpus for _, c in bow)
    logger.info(
        "training LDA: %d topics, %d documents in %d segments, %d terms, %d tokens",
        config.num_topics,
        len(set(seg_docs)),
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
    doc_topics = infer_doc_topics(model, seg_docs, corpus, seed=config.seed)
    coherence = score_coherence(model, dictionary, corpus, seg_texts, config)
    kept_ids = list(dict.fromkeys(seg_docs))
    counts = {
        "n_docs": len(kept_ids),
        "n_docs_input": len(doc_ids),
        "n_segments": len(corpus),
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
        segment_texts=seg_texts,
        segment_docs=seg_docs,
    )


def infer_doc_topics(
    model: LdaModel,
    doc_ids: Sequence[str],
    corpus: Sequence[list[Any]],
    seed: int = 42,
    chunksize: int = 2000,
) -> pa.Table:
    """P(topic | doc) for each document (DOC_TOPIC_SCHEMA), rows below 0.01 dropped.

    `doc_ids` may repeat: consecutive or not, the bags of one id (a document's segments) are
    averaged with their token counts as weights. Inference starts from random gammas; the
    generator is reset from `seed` so the same model gives the same table whatever was
    inferred before.
    """
    if len(doc_ids) != len(corpus):
        raise ValueError(f"{len(doc_ids)} doc ids for {len(corpus)} bags of words")
    model.random_state = np.random.RandomState(seed)
    order = list(dict.fromkeys(doc_ids))
    row_of = {d: i for i, d in enumerate(order)}
    mass = np.zeros((len(order), model.num_topics))
    for start in range(0, len(corpus), chunksize):
        chunk = list(corpus[start : start + chunksize])
        gamma, _ = model.inference(chunk)
        theta = gamma / gamma.sum(axis=1, keepdims=True)
        sizes = np.array([sum(c for _, c in bow) for bow in chunk], dtype=np.float64)
        rows = np.array([row_of[d] for d in doc_ids[start : start + chunksize]], dtype=np.int64)
        np.add.at(mass, rows, theta * sizes[:, None])
    totals = mass.sum(axis=1, keepdims=True)
    theta = mass / np.where(totals == 0, 1.0, totals)
    r, t = np.nonzero(theta >= MIN_DOC_TOPIC_WEIGHT)
    return pa.table(
        {
            "doc_id": pa.array([order[i] for i in r.tolist()], pa.string()),
            "topic": pa.array(t, pa.int32()),
            "weight": pa.array(theta[r, t], pa.float64()),
        },
        schema=DOC_TOPIC_SCHEMA,
    )


def train_ldaseq(
    doc_ids: Sequence[str],
    texts: Sequence[list[str]],
    doc_periods: Mapping[str, str],
    periods: Sequence[Period],
    config: TopicConfig,
) -> TopicResult:
    """gensim's dynamic topic model (LdaSeqModel, Blei & Lafferty 2006), for small corpora.

    Undated documents are left out; each period is a time slice. Refuses more than
    `config.ldaseq_max_docs` (segmented) documents: gensim#1545 reports days on real corpora.
    Per-period topic terms come from the model's own per-slice topic-word distributions.
    """
    dated = [(d, t) for d, t in zip(doc_ids, texts, strict=True) if d in doc_periods]
    parents, segments = segment_documents(
        [d for d, _ in dated], [t for _, t in dated], config.segment_tokens
    )
    if len(segments) > config.ldaseq_max_docs:
        raise ValueError(
            f"topics.model=ldaseq on {len(segments)} documents (segments of "
            f"{config.segment_tokens} tokens) exceeds topics.ldaseq_max_docs="
            f"{config.ldaseq_max_docs}: LdaSeqModel takes hours to days at that size "
            "(gensim#1545); use model: lda (prevalence_over_time and period_terms give topics "
            "over time in minutes), or raise ldaseq_max_docs knowingly"
        )
    _check_input(parents, segments)
    rank = {p.label: i for i, p in enumerate(periods)}
    order = sorted(range(len(segments)), key=lambda i: (rank[doc_periods[parents[i]]], i))
    parents = [parents[i] for i in order]
    segments = [segments[i] for i in order]
    dictionary, corpus, keep = _build_corpus([t for _, t in dated], parents, segments, config)
    seg_docs = [parents[i] for i in keep]
    seg_texts = [segments[i] for i in keep]
    slices = [doc_periods[d] for d in seg_docs]
    used = [p for p in periods if p.label in set(slices)]
    time_slice = [slices.count(p.label) for p in used]
    logger.info("training LdaSeqModel: %d documents in slices %s", len(corpus), time_slice)
    model = LdaSeqModel(
        corpus=corpus,
        id2word=dictionary,
        time_slice=time_slice,
        num_topics=config.num_topics,
        passes=config.passes,
        random_state=config.seed,
        chunksize=config.chunksize,
        em_max_iter=config.ldaseq_em_max_iter,
    )
    # topic_chains[k].e_log_prob: (terms x slices) log P(term | topic, slice)
    probs = np.stack([np.exp(chain.e_log_prob) for chain in model.topic_chains])  # K x V x T
    gammas = np.asarray(model.gammas, dtype=np.float64)
    theta = gammas / gammas.sum(axis=1, keepdims=True)
    mass: dict[str, np.ndarray] = {}
    for d, bow, th in zip(seg_docs, corpus, theta, strict=True):
        mass[d] = mass.get(d, 0) + th * sum(c for _, c in bow)
    rows: dict[str, list[Any]] = {"doc_id": [], "topic": [], "weight": []}
    for d, m in mass.items():
        w = m / m.sum()
        for k in np.flatnonzero(w >= MIN_DOC_TOPIC_WEIGHT).tolist():
            rows["doc_id"].append(d)
            rows["topic"].append(k)
            rows["weight"].append(float(w[k]))
    mean_probs = probs.mean(axis=2)
    topic_terms = _terms_table(mean_probs, dictionary, config.top_terms)
    by_period: dict[str, list[Any]] = {n: [] for n in TOPIC_PERIOD_TERM_SCHEMA.names}
    sizes = np.array([sum(c for _, c in bow) for bow in corpus], dtype=np.float64)
    for t, period in enumerate(used):
        in_slice = np.array([s == period.label for s in slices])
        # the slice's tokens expected in each topic; expected_count = that * P(term | topic, t)
        topic_tokens = (theta[in_slice] * sizes[in_slice, None]).sum(axis=0)
        for k in range(config.num_topics):
            top = np.argsort(-probs[k, :, t], kind="stable")[: config.top_terms]
            for r, term_id in enumerate(top.tolist(), 1):
                by_period["period"].append(period.label)
                by_period["period_start"].append(period.start)
                by_period["topic"].append(k)
                by_period["rank"].append(r)
                by_period["term"].append(dictionary[term_id])
                by_period["weight"].append(float(probs[k, term_id, t]))
                by_period["expected_count"].append(float(probs[k, term_id, t] * topic_tokens[k]))
    coherence: dict[str, float] = {}
    for measure in config.coherence:
        values = [
            float(
                CoherenceModel(
                    topics=model.dtm_coherence(time=t),
                    texts=seg_texts,
                    corpus=corpus,
                    dictionary=dictionary,
                    coherence=measure,
                    topn=10,
                    processes=1,
                ).get_coherence()
            )
            for t in range(len(used))
        ]
        coherence[measure] = float(np.mean(values))
    n_tokens = sum(c for bow in corpus for _, c in bow)
    kept_ids = list(dict.fromkeys(seg_docs))
    return TopicResult(
        model=model,
        dictionary=dictionary,
        doc_topics=pa.table(rows, schema=DOC_TOPIC_SCHEMA),
        topic_terms=topic_terms,
        coherence=coherence,
        counts={
            "n_docs": len(kept_ids),
            "n_docs_input": len(doc_ids),
            "n_segments": len(corpus),
            "n_terms": len(dictionary),
            "n_tokens": n_tokens,
        },
        doc_ids=kept_ids,
        segment_texts=seg_texts,
        segment_docs=seg_docs,
        period_terms=pa.table(by_period, schema=TOPIC_PERIOD_TERM_SCHEMA),
    )


def _terms_table(probs: np.ndarray, dictionary: Dictionary, top_terms: int) -> pa.Table:
    rows: dict[str, list[Any]] = {"topic": [], "rank": [], "term": [], "weight": []}
    for topic in range(probs.shape[0]):
        p = probs[topic] / probs[topic].sum()
        for rank, term_id in enumerate(np.argsort(-p, kind="stable")[:top_terms].tolist(), 1):
            rows["topic"].append(topic)
            rows["rank"].append(rank)
            rows["term"].append(dictionary[term_id])
            rows["weight"].append(float(p[term_id]))
    return pa.table(rows, schema=TOPIC_TERM_SCHEMA)


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
    # gensim pickles a log of "lifecycle events" with the date, host and Python of each save:
    # None stops it, so the same inputs give the same bytes (DVC outputs, dvc.lock)
    for obj in (result.model, result.model.state, result.model.id2word, result.dictionary):
        if obj is not None:
            obj.lifecycle_events = None
    result.model.save(str(directory / MODEL_FILE))
    result.dictionary.save(str(directory / DICTIONARY_FILE))


def load(directory: Path) -> tuple[LdaModel, Dictionary]:
    """Read back the model and dictionary written by `save`."""
    model = LdaModel.load(str(directory / MODEL_FILE))
    dictionary = Dictionary.load(str(directory / DICTIONARY_FILE))
    return model, dictionary
