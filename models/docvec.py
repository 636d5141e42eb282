"""Document vectors for "more like this": SIF-weighted mean word vectors, or gensim Doc2Vec.

SIF: Arora, Liang & Ma 2017, https://openreview.net/forum?id=SyK00v5xx ; Doc2Vec (PV-DBOW):
https://radimrehurek.com/gensim/models/doc2vec.html
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
from gensim.models import KeyedVectors
from gensim.models.doc2vec import Doc2Vec, TaggedDocument

from models import embeddings as emb
from models.schemas import doc_vector_schema

logger = logging.getLogger(__name__)

METHODS = ("sif", "doc2vec")
SIF_A = 1e-3  # Arora et al.'s weight a / (a + p(w)); their recommended range is 1e-4..1e-3


def doc_sentences(tokens: pa.Table, use_lemma: bool = True) -> dict[str, list[list[str]]]:
    """doc_id -> its sentences of lowercased alphabetic lemmas (or texts), in order."""
    docs = {d: d for d in set(tokens.column("doc_id").to_pylist())}
    return emb.sentences_by_period(tokens, docs, use_lemma)


def train_words(sentences: Sequence[list[str]], config: emb.EmbeddingConfig) -> KeyedVectors:
    """One word2vec over every document (dated or not): the space the SIF vectors live in."""
    return emb.train_period(sentences, config, config.seed)


def sif_vectors(
    docs: Mapping[str, Sequence[list[str]]],
    kv: KeyedVectors,
    counts: Counter[str],
    a: float = SIF_A,
    remove_component: bool = True,
) -> tuple[list[str], np.ndarray, list[int]]:
    """SIF embedding of each document: sum of a/(a+p(w)) * v(w) over its in-vocabulary tokens,
    divided by their number, minus the projection on the corpus' first singular vector.

    Returns (doc ids, matrix, in-vocabulary token counts). A document with no
    in-vocabulary word gets a zero vector (n = 0).
    """
    total = sum(counts.values())
    index = kv.key_to_index
    weights = np.array(
        [a / (a + counts.get(w, 0) / total) for w in kv.index_to_key], dtype=np.float32
    )
    ids = sorted(docs)
    out = np.zeros((len(ids), kv.vector_size), dtype=np.float32)
    ns: list[int] = []
    for i, d in enumerate(ids):
        rows = np.fromiter((index[w] for s in docs[d] for w in s if w in index), dtype=np.int64)
        ns.append(len(rows))
        if len(rows):
            out[i] = (kv.vectors[rows] * weights[rows, None]).mean(axis=0)
    if remove_component and int(np.count_nonzero(ns)) > 1:
        used = out[np.array(ns) > 0]
        _, _, vt = np.linalg.svd(used, full_matrices=False)
        u = vt[0]
        out -= np.outer(out @ u, u) * (np.array(ns) > 0)[:, None]
    return ids, out, ns


def doc2vec_vectors(
    docs: Mapping[str, Sequence[list[str]]], config: emb.EmbeddingConfig
) -> tuple[list[str], np.ndarray, list[int]]:
    """PV-DBOW Doc2Vec vectors (deterministic with workers=1), one per document."""
    ids = sorted(docs)
    tagged = [TaggedDocument([w for s in docs[d] for w in s], [i]) for i, d in enumerate(ids)]
    model = Doc2Vec(
        tagged,
        dm=0,
        vector_size=config.vector_size,
        window=config.window,
        min_count=config.min_count,
        negative=config.negative,
        epochs=max(config.epochs, 20),  # PV-DBOW needs more passes than word2vec (gensim docs)
        workers=config.workers,
        seed=config.seed,
    )
    vocab = model.wv.key_to_index
    ns = [sum(1 for w in t.words if w in vocab) for t in tagged]
    return ids, np.asarray(model.dv.vectors, dtype=np.float32), ns


def tabulate(ids: Sequence[str], matrix: np.ndarray, ns: Sequence[int], method: str) -> pa.Table:
    """The doc_vectors table (doc_vector_schema(dim))."""
    dim = matrix.shape[1]
    flat = pa.array(matrix.astype(np.float32).ravel(), pa.float32())
    return pa.table(
        {
            "doc_id": pa.array(list(ids), pa.string()),
            "method": pa.array([method] * len(ids), pa.string()),
            "n_words": pa.array(list(ns), pa.int64()),
            "vector": pa.FixedSizeListArray.from_arrays(flat, dim),
        },
        schema=doc_vector_schema(dim),
    )


def more_like_this(
    table: pa.Table, doc_id: str, k: int = 10, method: str | None = None
) -> list[tuple[str, float]]:
    """The k documents whose vectors are closest (cosine) to `doc_id`'s, best first.

    `method` picks the rows of one method when the table holds several (required then).
    Documents with a zero vector (no known word) are never returned.
    """
    methods = sorted(set(table.column("method").to_pylist()))
    if method is None:
        if len(methods) > 1:
            raise ValueError(f"the table holds methods {methods}: pass method=")
        method = methods[0] if methods else None
    if method not in methods:
        raise ValueError(f"method {method!r} not in the table; available: {methods}")
    rows = table.filter(pa.compute.equal(table.column("method"), method))
    ids = rows.column("doc_id").to_pylist()
    if doc_id not in ids:
        raise KeyError(f"{doc_id!r} has no {method} vector")
    dim = rows.schema.field("vector").type.list_size
    m = rows.column("vector").combine_chunks().flatten().to_numpy().reshape(-1, dim)
    norms = np.linalg.norm(m, axis=1)
    unit = m / np.where(norms == 0, 1.0, norms)[:, None]
    i = ids.index(doc_id)
    sims = unit @ unit[i]
    sims[i] = -np.inf
    sims[norms == 0] = -np.inf
    order = np.argsort(-sims, kind="stable")[:k]
    return [(ids[j], float(sims[j])) for j in order if np.isfinite(sims[j])]


def neighbour_agreement(
    table: pa.Table, labels: Mapping[str, Any], k: int = 5, method: str | None = None
) -> float:
    """Mean share of each labelled document's k nearest neighbours that carry its label."""
    ids = [d for d in table.column("doc_id").to_pylist() if d in labels]
    if method is not None:
        rows = table.filter(pa.compute.equal(table.column("method"), method))
        ids = [d for d in rows.column("doc_id").to_pylist() if d in labels]
    else:
        rows = table
    shares = []
    for d in dict.fromkeys(ids):
        nb = more_like_this(rows, d, k, method)
        if nb:
            shares.append(np.mean([labels.get(o) == labels[d] for o, _ in nb]))
    return float(np.mean(shares)) if shares else float("nan")
