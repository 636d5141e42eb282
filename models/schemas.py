"""Arrow schemas of the tidy model tables (topics, embeddings) that the warehouse loads."""

import pyarrow as pa

DOC_TOPIC_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("topic", pa.int32(), nullable=False),
        pa.field(
            "weight", pa.float64(), nullable=False
        ),  # P(topic | doc); rows with weight < 0.01 dropped
    ]
)

TOPIC_TERM_SCHEMA = pa.schema(
    [
        pa.field("topic", pa.int32(), nullable=False),
        pa.field("rank", pa.int32(), nullable=False),  # 1 = most probable term
        pa.field("term", pa.string(), nullable=False),
        pa.field("weight", pa.float64(), nullable=False),  # P(term | topic)
    ]
)

TOPIC_PERIOD_SCHEMA = pa.schema(
    [
        pa.field("period", pa.string(), nullable=False),  # e.g. "1850-1899"
        pa.field("period_start", pa.int32(), nullable=False),
        pa.field("topic", pa.int32(), nullable=False),
        pa.field("prevalence", pa.float64(), nullable=False),  # mean doc-topic weight in the period
        pa.field("ci_low", pa.float64()),  # bootstrap over documents
        pa.field("ci_high", pa.float64()),
        pa.field("n_docs", pa.int64(), nullable=False),
    ]
)

PERIOD_SCHEMA = pa.schema(
    [
        pa.field("period", pa.string(), nullable=False),
        pa.field("period_start", pa.int32(), nullable=False),
        pa.field("period_end", pa.int32(), nullable=False),  # inclusive
        pa.field("n_docs", pa.int64(), nullable=False),
        pa.field("n_tokens", pa.int64(), nullable=False),
        pa.field(
            "vocabulary", pa.int64(), nullable=False
        ),  # words kept by min_count (0 if not trained)
        pa.field("trained", pa.bool_(), nullable=False),  # False when the period is too thin
    ]
)

NEIGHBOUR_SCHEMA = pa.schema(
    [
        pa.field("period", pa.string(), nullable=False),
        pa.field("word", pa.string(), nullable=False),
        pa.field("rank", pa.int32(), nullable=False),
        pa.field("neighbour", pa.string(), nullable=False),
        pa.field("similarity", pa.float64(), nullable=False),
    ]
)

DRIFT_SCHEMA = pa.schema(
    [
        pa.field("word", pa.string(), nullable=False),
        pa.field("from_period", pa.string(), nullable=False),
        pa.field("to_period", pa.string(), nullable=False),
        pa.field("cosine_distance", pa.float64(), nullable=False),  # after Procrustes alignment
        pa.field("neighbour_overlap", pa.float64()),  # Jaccard of top-k neighbours, 0..1
        pa.field("count_from", pa.int64()),
        pa.field("count_to", pa.int64()),
        pa.field("low_frequency", pa.bool_()),
    ]
)

DOC_STATS_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("language", pa.string(), nullable=False),  # the language the doc was annotated as
        pa.field("model", pa.string(), nullable=False),  # package name or "blank:en+lookups"
        pa.field("n_tokens", pa.int64(), nullable=False),  # whitespace tokens excluded
        pa.field("n_sentences", pa.int64(), nullable=False),
        pa.field("n_entities", pa.int64(), nullable=False),  # origin "ner" only
        pa.field("n_alpha", pa.int64(), nullable=False),
        pa.field("n_chunks", pa.int64(), nullable=False),  # pieces of <= max_chars fed to spaCy
    ]
)

TOPIC_PERIOD_TERM_SCHEMA = pa.schema(
    [
        pa.field("period", pa.string(), nullable=False),
        pa.field("period_start", pa.int32(), nullable=False),
        pa.field("topic", pa.int32(), nullable=False),
        pa.field("rank", pa.int32(), nullable=False),  # 1 = heaviest term in the period
        pa.field("term", pa.string(), nullable=False),
        pa.field("weight", pa.float64(), nullable=False),  # P(term | topic, period)
        pa.field("expected_count", pa.float64(), nullable=False),
    ]
)

STABILITY_SCHEMA = pa.schema(
    [
        pa.field("from_period", pa.string(), nullable=False),
        pa.field("to_period", pa.string(), nullable=False),
        pa.field("seed_a", pa.int64(), nullable=False),
        pa.field("seed_b", pa.int64(), nullable=False),
        pa.field("n_words", pa.int64(), nullable=False),
        pa.field("spearman", pa.float64()),  # null when fewer than 3 words
        pa.field("top_overlap", pa.float64()),
    ]
)

# Garg et al. 2018 association of a target word with two word groups, per period (tidy: one row
# per period, target, group pair and measure). relative_norm_distance = ||t - mean(B)|| -
# ||t - mean(A)|| on unit vectors (> 0: t is closer to group A); cosine_difference =
# cos(t, mean(A)) - cos(t, mean(B)) (> 0: closer to A). CI: percentile bootstrap over the
# group words; seed_sd: standard deviation of the value across the retraining seeds.
ASSOCIATION_SCHEMA = pa.schema(
    [
        pa.field("period", pa.string(), nullable=False),
        pa.field("period_start", pa.int32(), nullable=False),
        pa.field("target", pa.string(), nullable=False),
        pa.field("group_a", pa.string(), nullable=False),
        pa.field("group_b", pa.string(), nullable=False),
        pa.field("measure", pa.string(), nullable=False),  # see the comment above
        pa.field("value", pa.float64(), nullable=False),
        pa.field("ci_low", pa.float64()),
        pa.field("ci_high", pa.float64()),
        pa.field("seed_sd", pa.float64()),  # null with a single seed
        pa.field("n_group_a", pa.int32(), nullable=False),  # group words in the period's vocabulary
        pa.field("n_group_b", pa.int32(), nullable=False),
        pa.field("target_count", pa.int64(), nullable=False),  # occurrences in the period
    ]
)


# One row per document: a fixed-size vector for "more like this" (models/docvec.py); the list
# size is the embedding dimension (embeddings.vector_size).
def doc_vector_schema(dim: int) -> pa.Schema:
    """DOC_VECTOR schema for vectors of `dim` float32."""
    return pa.schema(
        [
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("method", pa.string(), nullable=False),  # "sif" or "doc2vec"
            pa.field("n_words", pa.int64(), nullable=False),  # in-vocabulary tokens used
            pa.field("vector", pa.list_(pa.float32(), dim), nullable=False),
        ]
    )
