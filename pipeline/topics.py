"""Stage `topics`: an LDA topic model on lemmas, and topic prevalence over time with CIs.

python -m pipeline.topics
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

import pyarrow as pa

from models import topics as topic_models
from models.periods import assign_period, make_periods
from pipeline.corpus import doc_years, nlp_dirs, read_many, staged_files
from pipeline.errors import configure_logging, exit_with
from pipeline.io import atomic_dir, write_parquet
from pipeline.params import MODELS, REPORTS, ConfigError, Params, load_params
from pipeline.reports import write_report

logger = logging.getLogger(__name__)

TOKEN_COLUMNS = ["doc_id", "position", "lemma", "text", "pos", "is_stop", "is_alpha"]


def config_from_params(section: dict[str, Any]) -> tuple[topic_models.TopicConfig, Any]:
    names = {f.name for f in fields(topic_models.TopicConfig)}
    unknown = set(section) - names - {"period"}
    if unknown:
        raise ConfigError(
            f"params.yaml topics: unknown key(s) {sorted(unknown)}; "
            f"allowed: {sorted(names | {'period'})}"
        )
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in section.items() if k in names}
    try:
        config = topic_models.TopicConfig(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"params.yaml topics: {exc}") from exc
    return config, section.get("period", "century")


def doc_languages(params: Params) -> dict[str, str]:
    """doc_id -> language of the staged documents that have one (for per-language stopwords)."""
    docs = read_many(staged_files(params, "documents"), columns=["doc_id", "language"])
    return {
        d: lang
        for d, lang in zip(
            docs.column("doc_id").to_pylist(), docs.column("language").to_pylist(), strict=True
        )
        if lang
    }


def run(params: Params, out: Path) -> dict[str, Any]:
    started = time.perf_counter()
    config, period_spec = config_from_params(params.section("topics"))
    tokens = read_many(nlp_dirs(params, "tokens"), columns=TOKEN_COLUMNS)
    languages = doc_languages(params) if config.extra_stopwords else None
    doc_ids, texts = topic_models.prepare_documents(tokens, config, languages)
    del tokens
    years = doc_years(params)
    periods = make_periods(period_spec, years.values())
    doc_periods = {
        d: p for d in doc_ids if d in years and (p := assign_period(years[d], periods)) is not None
    }
    try:
        if config.model == "ldaseq":
            result = topic_models.train_ldaseq(doc_ids, texts, doc_periods, periods, config)
        else:
            result = topic_models.train(doc_ids, texts, config)
    except ValueError as exc:  # too little input for these params, or ldaseq on a big corpus
        raise ConfigError(f"params.yaml topics: {exc}") from exc
    del texts
    prevalence = topic_models.prevalence_over_time(
        result.doc_topics,
        doc_periods,
        periods,
        config.bootstrap,
        config.ci,
        config.seed,
        num_topics=config.num_topics,
    )
    by_period = result.period_terms
    if by_period is None:
        by_period = topic_models.period_terms(
            result.model,
            result.dictionary,
            result.segment_texts,
            doc_periods,
            result.segment_docs,
            periods,
            top_terms=config.top_terms,
            seed=config.seed,
        )
    with atomic_dir(out) as tmp:
        topic_models.save(result, tmp)
        write_parquet(result.doc_topics, tmp / "doc_topics.parquet")
        write_parquet(result.topic_terms, tmp / "topic_terms.parquet")
        write_parquet(prevalence, tmp / "topic_prevalence.parquet")
        write_parquet(by_period, tmp / "topic_period_terms.parquet")
    top = {}
    for t in range(config.num_topics):
        rows = result.topic_terms.filter(pa.compute.equal(result.topic_terms["topic"], t))
        top[str(t)] = " ".join(rows.column("term").to_pylist()[:8])
    return {
        "coherence": result.coherence,
        **result.counts,
        "num_topics": config.num_topics,
        "model": config.model,
        "segment_tokens": config.segment_tokens,
        "n_periods": len(periods),
        "n_docs_dated": len(doc_periods),
        "top_terms": top,
        "elapsed_s": round(time.perf_counter() - started, 2),
    }


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="longue topics", description=__doc__).parse_args(argv)
    configure_logging()
    metrics = run(load_params(), MODELS / "topics")
    write_report(metrics, REPORTS / "topics.json")
    print(
        f"topics: {metrics['num_topics']} topics over {metrics.get('n_docs')} documents; "
        f"coherence {metrics['coherence']}"
    )
    return 0


if __name__ == "__main__":
    exit_with(main, "longue topics")
