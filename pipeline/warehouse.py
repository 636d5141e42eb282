"""Stage `warehouse`: every Parquet output -> one DuckDB file, plus the watch-terms plot.

python -m pipeline.warehouse
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

from pipeline.corpus import nlp_dirs, part_files, staged_files
from pipeline.errors import configure_logging, exit_with
from pipeline.io import atomic_path
from pipeline.params import MODELS, REPORTS, WAREHOUSE, Params, load_params
from pipeline.reports import write_report
from warehouse.build import build
from warehouse.duplicates import MIN_CHARS
from warehouse.queries import Warehouse

logger = logging.getLogger(__name__)

MODEL_TABLES = {
    "doc_topics": "topics/doc_topics.parquet",
    "topic_terms": "topics/topic_terms.parquet",
    "topic_prevalence": "topics/topic_prevalence.parquet",
    "topic_period_terms": "topics/topic_period_terms.parquet",
    "periods": "embeddings/periods.parquet",
    "neighbours": "embeddings/neighbours.parquet",
    "drift": "embeddings/drift.parquet",
    "association": "embeddings/association.parquet",
    "doc_vectors": "embeddings/doc_vectors.parquet",
}


def sources(params: Params, models: Path = MODELS) -> dict[str, list[Path]]:
    """Table name -> Parquet files, for the registry's collections and the corpus-wide models."""
    out: dict[str, list[Path]] = {
        name: staged_files(params, name) for name in ("documents", "pages", "rejects")
    }
    for name in ("tokens", "entities", "doc_stats"):
        out[name] = [f for d in nlp_dirs(params, name) for f in part_files(d)]
    for name, rel in MODEL_TABLES.items():
        path = models / rel
        out[name] = [path] if path.exists() else []
    return out


def write_watch_terms(db: Path, terms: list[str], by: str, csv: Path, png: Path) -> int:
    """Frequency timeline of the watch terms: CSV for `dvc plots`, PNG for offline viewing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from warehouse.plots import plot_timeline

    with Warehouse.open(db) as wh:
        df = wh.frequency(terms, by=by)
    with atomic_path(csv) as tmp:
        df.to_csv(tmp, index=False, float_format="%.4f")
    # `dvc plots` draws one line per y column: one column per term, periods as rows.
    wide = df.pivot_table(index="period", columns="term", values="per_million", aggfunc="sum")
    with atomic_path(csv.with_name(f"{csv.stem}_wide.csv")) as tmp:
        wide.reindex(columns=terms).reset_index().to_csv(tmp, index=False, float_format="%.4f")
    ax = plot_timeline(df)
    ax.set_title(f"Watch terms per million tokens, by {by} (95% bootstrap CI)")
    with atomic_path(png) as tmp:
        ax.figure.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(ax.figure)
    return len(df)


def report_duplicates(db: Path) -> dict[str, Any]:
    """Duplicate copies per (collection, collection of the canonical copy), logged and returned."""
    with Warehouse.open(db) as wh:
        pairs = wh.sql(
            "SELECT collection, duplicate_of_collection, count(*) AS n FROM duplicates "
            "GROUP BY ALL ORDER BY n DESC, collection, duplicate_of_collection"
        )
    for row in pairs.itertuples(index=False):
        logger.warning(
            "%d documents of %s have the same text as documents of %s: counted once, in %s "
            "(Warehouse(...).duplicates() lists them; include_duplicates=True counts them)",
            row.n,
            row.collection,
            row.duplicate_of_collection,
            row.duplicate_of_collection,
        )
    return {
        "n_documents": int(pairs["n"].sum()) if len(pairs) else 0,
        "by_collection": [
            {"collection": c, "duplicate_of_collection": o, "n_documents": int(n)}
            for c, o, n in pairs.itertuples(index=False)
        ],
    }


def run(params: Params, db: Path = WAREHOUSE) -> dict[str, Any]:
    started = time.perf_counter()
    section = params.section("warehouse")
    counts = build(
        db,
        sources(params),
        collections=list(params.collections),
        min_chars=int(section.get("duplicate_min_chars", MIN_CHARS)),
    )
    duplicates = report_duplicates(db)
    terms = [str(t) for t in section.get("watch_terms", [])]
    n_points = 0
    if terms:
        n_points = write_watch_terms(
            db,
            terms,
            str(section.get("plot_by", "century")),
            REPORTS / "plots" / "watch_terms.csv",
            REPORTS / "plots" / "watch_terms.png",
        )
    return {
        "tables": counts,
        "duplicates": duplicates,
        "watch_terms": terms,
        "n_plot_points": n_points,
        "size_mb": round(db.stat().st_size / 1e6, 2),
        "elapsed_s": round(time.perf_counter() - started, 2),
    }


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="longue warehouse", description=__doc__).parse_args(argv)
    configure_logging()
    metrics = run(load_params())
    write_report(metrics, REPORTS / "warehouse.json")
    print(
        f"warehouse: {WAREHOUSE} ({metrics['size_mb']} MB) "
        + ", ".join(f"{k}={v}" for k, v in metrics["tables"].items())
    )
    return 0


if __name__ == "__main__":
    exit_with(main, "longue warehouse")
