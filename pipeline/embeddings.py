"""Stage `embeddings`: word2vec per period, aligned by orthogonal Procrustes, with drift.

python -m pipeline.embeddings
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from models import embeddings as emb
from models.periods import assign_period, make_periods
from pipeline.corpus import doc_years, nlp_dirs, read_many
from pipeline.errors import configure_logging, exit_with
from pipeline.io import atomic_dir, write_json, write_parquet
from pipeline.params import MODELS, REPORTS, ConfigError, Params, load_params

logger = logging.getLogger(__name__)

TOKEN_COLUMNS = ["doc_id", "sentence", "position", "text", "lemma", "is_alpha"]


def config_from_params(section: dict[str, Any]) -> tuple[emb.EmbeddingConfig, Any]:
    names = {f.name for f in fields(emb.EmbeddingConfig)}
    unknown = set(section) - names - {"period"}
    if unknown:
        raise ConfigError(
            f"params.yaml embeddings: unknown key(s) {sorted(unknown)}; "
            f"allowed: {sorted(names | {'period'})}"
        )
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in section.items() if k in names}
    return emb.EmbeddingConfig(**kwargs), section.get("period", "century")


def run(params: Params, out: Path) -> dict[str, Any]:
    started = time.perf_counter()
    config, period_spec = config_from_params(params.section("embeddings"))
    tokens = read_many(nlp_dirs(params, "tokens"), columns=TOKEN_COLUMNS)
    years = doc_years(params)
    periods = make_periods(period_spec, years.values())
    doc_periods = {d: p for d, y in years.items() if (p := assign_period(y, periods)) is not None}
    result = emb.train_all(tokens, doc_periods, periods, config)
    with atomic_dir(out) as tmp:
        emb.save(result, tmp)
        write_parquet(result.periods, tmp / "periods.parquet")
        write_parquet(result.neighbours, tmp / "neighbours.parquet")
        write_parquet(result.drift, tmp / "drift.parquet")
        if getattr(result, "stability", None) is not None:
            write_parquet(result.stability, tmp / "stability.parquet")
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
        "top_drift": [
            f"{r['word']} {r['from_period']}->{r['to_period']} {r['cosine_distance']:.3f}"
            for r in top
        ],
        "elapsed_s": round(time.perf_counter() - started, 2),
    }


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="longue embeddings", description=__doc__).parse_args(argv)
    configure_logging()
    metrics = run(load_params(), MODELS / "embeddings")
    write_json(metrics, REPORTS / "embeddings.json")
    print(
        f"embeddings: {metrics['n_trained']} period model(s) trained; "
        f"periods {list(metrics['periods'])}"
    )
    return 0


if __name__ == "__main__":
    exit_with(main, "longue embeddings")
