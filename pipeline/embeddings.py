"""Stage `embeddings`: word2vec per period, aligned by orthogonal Procrustes, with drift.

python -m pipeline.embeddings
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import time
from collections import Counter
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from models import association as assoc
from models import docvec, evaluation
from models import embeddings as emb
from models.periods import assign_period, make_periods
from pipeline.corpus import doc_years, nlp_dirs, read_many
from pipeline.errors import configure_logging, exit_with
from pipeline.io import atomic_dir, write_parquet
from pipeline.params import MODELS, REPORTS, ConfigError, Params, load_params
from pipeline.reports import write_report

logger = logging.getLogger(__name__)

TOKEN_COLUMNS = ["doc_id", "sentence", "position", "text", "lemma", "is_alpha", "is_stop"]


EXTRA_SECTIONS = {"period", "association", "evaluation", "docvec"}


def config_from_params(section: dict[str, Any]) -> tuple[emb.EmbeddingConfig, Any]:
    names = {f.name for f in fields(emb.EmbeddingConfig)}
    unknown = set(section) - names - EXTRA_SECTIONS
    if unknown:
        raise ConfigError(
            f"params.yaml embeddings: unknown key(s) {sorted(unknown)}; "
            f"allowed: {sorted(names | EXTRA_SECTIONS)}"
        )
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in section.items() if k in names}
    return emb.EmbeddingConfig(**kwargs), section.get("period", "century")


def _sub(section: dict[str, Any], key: str, cls: Any) -> Any:
    """The dataclass `cls` from embeddings.<key> (defaults when absent), failing on bad keys."""
    value = section.get(key) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"params.yaml embeddings.{key} must be a mapping")
    allowed = {f.name for f in fields(cls)}
    bad = set(value) - allowed
    if bad:
        raise ConfigError(
            f"params.yaml embeddings.{key}: unknown key(s) {sorted(bad)}; "
            f"allowed: {sorted(allowed)}"
        )
    kwargs = {k: tuple(tuple(x) if isinstance(x, list) else x for x in v)
              if isinstance(v, list) else v for k, v in value.items()}  # fmt: skip
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"params.yaml embeddings.{key}: {exc}") from exc


@dataclasses.dataclass(frozen=True)
class DocvecConfig:
    """`embeddings.docvec`: which document-vector methods to build and how to compare them."""

    methods: tuple[str, ...] = docvec.METHODS
    k: int = 5  # neighbours in the same-collection agreement metric

    def __post_init__(self) -> None:
        bad = set(self.methods) - set(docvec.METHODS)
        if bad:
            raise ValueError(f"unknown method(s) {sorted(bad)}; use {', '.join(docvec.METHODS)}")


def stopword_forms(tokens: pa.Table) -> frozenset[str]:
    """Lowercased lemmas and forms of the tokens spaCy marked as stop words."""
    stops = tokens.filter(pc.fill_null(tokens.column("is_stop"), False))
    forms = set(pc.utf8_lower(stops.column("text")).to_pylist())
    forms |= {w for w in pc.utf8_lower(stops.column("lemma")).to_pylist() if w}
    return frozenset(forms)


def run(params: Params, out: Path) -> dict[str, Any]:
    started = time.perf_counter()
    section = params.section("embeddings")
    config, period_spec = config_from_params(section)
    assoc_config = _sub(section, "association", assoc.AssociationConfig)
    shift_config = _sub(section, "evaluation", evaluation.ShiftConfig)
    docvec_config = _sub(section, "docvec", DocvecConfig)
    tokens = read_many(nlp_dirs(params, "tokens"), columns=TOKEN_COLUMNS)
    if not config.drift_exclude:
        # spaCy's stop words stay alignment anchors but are not ranked as semantic change
        config = replace(config, drift_exclude=stopword_forms(tokens))
    years = doc_years(params)
    periods = make_periods(period_spec, years.values())
    doc_periods = {d: p for d, y in years.items() if (p := assign_period(y, periods)) is not None}
    result = emb.train_all(tokens, doc_periods, periods, config)
    timings = {"train_all": round(time.perf_counter() - started, 2)}

    t = time.perf_counter()
    associations = assoc.associations(
        result.models, result.counts, periods, assoc_config, seed_models=result.seed_models
    )
    timings["association"] = round(time.perf_counter() - t, 2)

    t = time.perf_counter()
    shift = controlled_shift(tokens, doc_periods, result, config, shift_config)
    timings["controlled_shift"] = round(time.perf_counter() - t, 2)

    t = time.perf_counter()
    doc_vectors, docvec_metrics = document_vectors(tokens, config, docvec_config)
    timings["docvec"] = round(time.perf_counter() - t, 2)

    with atomic_dir(out) as tmp:
        emb.save(result, tmp)
        write_parquet(result.periods, tmp / "periods.parquet")
        write_parquet(result.neighbours, tmp / "neighbours.parquet")
        write_parquet(result.drift, tmp / "drift.parquet")
        write_parquet(result.stability, tmp / "stability.parquet")
        write_parquet(associations, tmp / "association.parquet")
        write_parquet(doc_vectors, tmp / "doc_vectors.parquet")
    table = result.periods.to_pylist()
    top = result.drift.slice(0, 10).to_pylist()
    return {
        "periods": {
            r["period"]: {
                "n_docs": r["n_docs"],
                "n_tokens": r["n_tokens"],
                "vocabulary": r["vocabulary"],
                "trained": r["trained"],
            }
            for r in table
        },
        "n_trained": sum(r["trained"] for r in table),
        "thin_periods": [r["period"] for r in table if not r["trained"]],
        "min_period_tokens": config.min_period_tokens,
        "workers": config.workers,
        "corpus_file": config.corpus_file,
        "top_drift": [
            f"{r['word']} {r['from_period']}->{r['to_period']} {r['cosine_distance']:.3f}"
            for r in top
        ],
        "stability": summarise_stability(result.stability),
        "controlled_shift": shift,
        "association": {
            "n_rows": associations.num_rows,
            "n_targets": len(set(associations.column("target").to_pylist())),
            "periods": sorted(set(associations.column("period").to_pylist())),
        },
        "docvec": docvec_metrics,
        "timings_s": timings,
        "elapsed_s": round(time.perf_counter() - started, 2),
    }


def summarise_stability(table: pa.Table) -> dict[str, Any]:
    """Mean Spearman and top-overlap across seed pairs, per pair of periods."""
    out: dict[str, Any] = {}
    for r in table.to_pylist():
        key = f"{r['from_period']}->{r['to_period']}"
        out.setdefault(key, {"spearman": [], "top_overlap": [], "n_words": r["n_words"]})
        if r["spearman"] is not None:
            out[key]["spearman"].append(r["spearman"])
        if r["top_overlap"] is not None:
            out[key]["top_overlap"].append(r["top_overlap"])
    for v in out.values():
        for m in ("spearman", "top_overlap"):
            v[f"{m}_mean"] = round(sum(v[m]) / len(v[m]), 4) if v[m] else None
            del v[m]
    return out


def controlled_shift(
    tokens: pa.Table,
    doc_periods: dict[str, str],
    result: emb.EmbeddingResult,
    config: emb.EmbeddingConfig,
    shift: evaluation.ShiftConfig,
) -> dict[str, Any]:
    """The injected-shift test on the trained period with the most tokens (or why not run)."""
    sizes = {r["period"]: r["n_tokens"] for r in result.periods.to_pylist() if r["trained"]}
    if not sizes:
        return {"status": "skipped: no trained period"}
    largest = max(sizes, key=lambda p: (sizes[p], p))
    members = {d: p for d, p in doc_periods.items() if p == largest}
    mine = tokens.filter(pc.is_in(tokens.column("doc_id"), value_set=pa.array(sorted(members))))
    sentences = emb.sentences_by_period(mine, members, config.use_lemma).get(largest, [])
    seeds = list(dict.fromkeys(config.seeds)) or [config.seed]
    try:
        metrics = evaluation.controlled_shift(sentences, config, shift, seeds)
    except ValueError as exc:
        logger.warning("controlled shift not run: %s", exc)
        return {"status": f"skipped: {exc}", "period": largest}
    return {"status": "ok", "period": largest, **metrics}


def document_vectors(
    tokens: pa.Table, config: emb.EmbeddingConfig, dv: DocvecConfig
) -> tuple[pa.Table, dict[str, Any]]:
    """Vectors of every document for each method, and each method's same-collection@k."""
    docs = docvec.doc_sentences(tokens, config.use_lemma)
    labels = {d: d.split(":", 1)[0] for d in docs}
    tables = []
    metrics: dict[str, Any] = {"n_docs": len(docs), "k": dv.k}
    for method in dv.methods:
        if method == "sif":
            sentences = [s for d in sorted(docs) for s in docs[d]]
            kv = docvec.train_words(sentences, config)
            counts = Counter(w for s in sentences for w in s)
            ids, matrix, ns = docvec.sif_vectors(docs, kv, counts)
        else:
            ids, matrix, ns = docvec.doc2vec_vectors(docs, config)
        table = docvec.tabulate(ids, matrix, ns, method)
        tables.append(table)
        metrics[method] = {
            "same_collection_at_k": round(docvec.neighbour_agreement(table, labels, dv.k), 4),
            "n_empty": sum(1 for n in ns if n == 0),
        }
    return pa.concat_tables(tables), metrics


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="longue embeddings", description=__doc__).parse_args(argv)
    configure_logging()
    metrics = run(load_params(), MODELS / "embeddings")
    write_report(metrics, REPORTS / "embeddings.json")
    print(
        f"embeddings: {metrics['n_trained']} period model(s) trained; "
        f"periods {list(metrics['periods'])}"
    )
    return 0


if __name__ == "__main__":
    exit_with(main, "longue embeddings")
