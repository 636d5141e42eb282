"""Benchmark: OCR pages/min of the pipeline (ingest.tesseract on a Dask LocalCluster) against
N x the single-thread `tesseract` CLI and pytesseract with default OpenMP threads; and CER.

    .venv/bin/python benchmarks/bench_ocr.py [--workers 2] [--copies 6] [--languages fra]

Pages: the BnL text blocks (data/raw/bnl-ocr) and, when ../shared/corpora/ocr is present, the
Tesseract test pages, each copied `--copies` times. Tesseract: https://tesseract-ocr.github.io/
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyarrow.parquet as pq  # noqa: E402
import pytesseract  # noqa: E402

from ingest import tesseract  # noqa: E402  (sets OMP_THREAD_LIMIT=1 for its own runs)
from models.ocr_eval import evaluate, find_pairs, read_ground_truth  # noqa: E402
from pipeline import ingest as ingest_stage  # noqa: E402
from pipeline.params import CollectionConfig  # noqa: E402

logger = logging.getLogger(__name__)

SHARED_OCR = ROOT.parent / "shared" / "corpora" / "ocr"


def collect_sources() -> list[tuple[str, Path, Path]]:
    """(name, image, ground truth) of the benchmark's distinct pages."""
    pages = [
        (f"bnl-{s}", i, g)
        for s, i, g in find_pairs(ROOT / "data/raw/bnl-ocr/images", ROOT / "data/raw/bnl-ocr/gt")
    ]
    if (SHARED_OCR / "tesseract-test").is_dir():
        pages += [(f"tt-{s}", i, g) for s, i, g in find_pairs(SHARED_OCR / "tesseract-test")]
    return pages


def replicate(sources: list[tuple[str, Path, Path]], copies: int, folder: Path) -> list[Path]:
    """`copies` copies of every page in `folder` (names <copy>-<source>.<ext>)."""
    folder.mkdir(parents=True)
    out = []
    for copy in range(copies):
        for name, image, _gt in sources:
            target = folder / f"{copy:02d}-{name}{image.suffix}"
            shutil.copy(image, target)
            out.append(target)
    return out


def run_cli(images: list[Path], languages: str, out: Path) -> float:
    """Seconds for the tesseract CLI, one thread, one page after the other (ALTO and text)."""
    out.mkdir(parents=True)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    started = time.perf_counter()
    for image in images:
        subprocess.run(
            ["tesseract", str(image), str(out / image.stem), "-l", languages, "alto", "txt"],
            env=env,
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - started


def run_pytesseract_default_threads(images: list[Path], languages: str, workers: int) -> float:
    """Seconds for pytesseract, `workers` pages at a time, Tesseract's default OpenMP threads."""
    saved = os.environ.pop("OMP_THREAD_LIMIT", None)  # pytesseract's subprocess inherits environ
    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda p: pytesseract.image_to_alto_xml(str(p), lang=languages), images))
        return time.perf_counter() - started
    finally:
        if saved is not None:
            os.environ["OMP_THREAD_LIMIT"] = saved


def run_pipeline(folder: Path, languages: str, workers: int, out: Path) -> tuple[float, dict]:
    """Seconds for pipeline.ingest.run over the folder (cluster start-up included)."""
    cfg = CollectionConfig(
        name="bench-ocr",
        kind="press",
        format="tesseract",
        path=folder,
        options={"languages": languages, "unit": "file"},
    )
    started = time.perf_counter()
    metrics = ingest_stage.run(cfg, out, dask_section={"n_workers": workers, "dashboard": False})
    return time.perf_counter() - started, metrics


def format_cers(pipe: list[tuple[str, str, str]], cli: list[tuple[str, str, str]]) -> str:
    raw = f"{evaluate(pipe)['cer']:.4f} | {evaluate(cli)['cer']:.4f}"
    joined = (
        f"{evaluate(pipe, join_hyphens=True)['cer']:.4f} / "
        f"{evaluate(cli, join_hyphens=True)['cer']:.4f}"
    )
    return f"{raw} | {joined}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--copies", type=int, default=6)
    parser.add_argument("--languages", default="fra")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("LONGUE_PROGRESS", "0")
    sources = collect_sources()
    n = args.workers
    print(
        f"tesseract {tesseract.get_tesseract_version()}, -l {args.languages}, "
        f"{len(sources)} distinct pages x {args.copies} copies, N = {n} workers, "
        f"pipeline preprocess = {tesseract.OPTIONS['preprocess']!r}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp_name:
        tmp = Path(tmp_name)
        images = replicate(sources, args.copies, tmp / "images")
        pages = len(images)
        print(f"loadavg before: {os.getloadavg()}")
        cli_s = run_cli(images, args.languages, tmp / "cli")
        print(f"loadavg after CLI: {os.getloadavg()}")
        pipe_s, metrics = run_pipeline(tmp / "images", args.languages, n, tmp / "staged")
        print(f"loadavg after pipeline: {os.getloadavg()}")
        default_s = run_pytesseract_default_threads(images, args.languages, n)
        print(f"loadavg after pytesseract default threads: {os.getloadavg()}")

        cli_rate = pages / cli_s * 60
        pipe_rate = pages / pipe_s * 60
        default_rate = pages / default_s * 60
        print("\n| path | pages | seconds | pages/min | vs N x CLI |\n|---|---|---|---|---|")
        print(
            f"| tesseract CLI, 1 thread, sequential | {pages} | {cli_s:.1f} | {cli_rate:.1f} "
            f"| (N x = {n * cli_rate:.1f}) |"
        )
        print(
            f"| pipeline ({n} Dask workers, start-up included) | {pages} | {pipe_s:.1f} | "
            f"{pipe_rate:.1f} | {pipe_rate / (n * cli_rate):.2f} |"
        )
        print(
            f"| pytesseract, default OpenMP threads, {n} at a time | {pages} | {default_s:.1f} "
            f"| {default_rate:.1f} | {default_rate / (n * cli_rate):.2f} |"
        )
        print(f"pipeline: {metrics['n_pages']} pages, {metrics['n_rejects']} rejects")

        texts = {
            Path(r["image_path"]).stem: r["text"] or ""
            for r in pq.read_table(
                tmp / "staged" / "pages.parquet", columns=["image_path", "text"]
            ).to_pylist()
        }
        # CER as is, and with line-end hyphens joined on both sides (the ALTO reader joins
        # them; the Tesseract test pages' .txt ground truth and the CLI's txt keep them)
        print("\n| page | CER pipeline | CER tesseract CLI (txt) | same, hyphens joined |")
        print("|---|---|---|---|")
        pipe_pairs, cli_pairs = [], []
        for name, image, gt in sources:
            stem = f"00-{name}"
            reference = read_ground_truth(gt)
            cli_text = (tmp / "cli" / f"{stem}.txt").read_text(encoding="utf-8")
            pipe_pairs.append((name, reference, texts.get(stem, "")))
            cli_pairs.append((name, reference, cli_text))
            print(f"| {name} ({image.suffix}) | {format_cers(pipe_pairs[-1:], cli_pairs[-1:])} |")
        print(f"| all (micro) | {format_cers(pipe_pairs, cli_pairs)} |")
        print(f"loadavg end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
