"""Topics over time on FreDraCor (1,928 French plays, ~17M words) vs a 10-minute target.

Runs our path end to end (TEI adapter -> tokens -> prepare_documents -> LDA on segments ->
prevalence with bootstrap CIs -> per-period terms) and gensim's LdaSeqModel on a small slice,
time-capped, with its per-EM-iteration time extrapolated. python benchmarks/bench_topics.py
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import os
import random
import re
import sys
import tarfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest import tei  # noqa: E402
from ingest.record import Record  # noqa: E402
from models import topics  # noqa: E402
from models.periods import Period, assign_period, make_periods  # noqa: E402

logger = logging.getLogger(__name__)

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench" / "fredracor.tar.gz"
CACHE = Path(os.environ.get("LONGUE_BENCH_CACHE", "/tmp/longue-bench"))
TARGET_S = 600.0
COLUMNS = ["doc_id", "position", "lemma", "text", "pos", "is_stop", "is_alpha"]

_NLP: Any = None
_LEMMAS: dict[str, str] = {}


def extract(archive: Path, cache: Path) -> Path:
    """The fredracor/tei folder, extracted once into the cache folder (never into the repo)."""
    root = cache / "fredracor" / "tei"
    if not root.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            tar.extractall(cache, filter="data")
    return root


def _worker_init() -> None:
    """One blank French tokenizer and lookup table per process (the fast, honest tokenizer)."""
    global _NLP, _LEMMAS
    import spacy
    from spacy.lookups import load_lookups

    _NLP = spacy.blank("fr")
    table = load_lookups("fr", ["lemma_lookup"]).get_table("lemma_lookup")
    # spacy-lookups-data 1.0.5 stores every French lemma as a one-element list
    _LEMMAS = {}
    _LEMMAS["__table__"] = table  # type: ignore[assignment]


def _lemma(form: str, cache: dict[str, str]) -> str:
    found = cache.get(form)
    if found is not None:
        return found
    table: Any = _LEMMAS["__table__"]
    value = table.get(form)
    if value is None:
        value = table.get(form.lower())
    if isinstance(value, list):
        value = value[0] if value else None
    result = (value or form).lower()
    cache[form] = result
    return result


def tokenise(records: Sequence[Record]) -> pa.Table:
    """spaCy blank('fr') tokens with lookup lemmas, is_stop and is_alpha (no POS: null).

    All-capital tokens (speaker labels of the plays) are marked as stopwords.

    Token attributes come out of Doc.to_array as hashes; each distinct form is decoded and
    lemmatised once per batch.
    """
    from spacy.attrs import IS_ALPHA, IS_STOP, IS_UPPER, ORTH

    strings = _NLP.vocab.strings
    cache: dict[str, str] = {}
    parts: list[pa.Table] = []
    for rec, doc in zip(records, _NLP.tokenizer.pipe(r.text for r in records), strict=True):
        arr = doc.to_array([ORTH, IS_ALPHA, IS_STOP, IS_UPPER])
        if not len(arr):
            continue
        uniq, inverse = np.unique(arr[:, 0], return_inverse=True)
        forms = [strings[int(h)] for h in uniq]
        lemmas = [_lemma(f, cache) for f in forms]
        n = len(arr)
        parts.append(
            pa.table(
                {
                    "doc_id": pa.array([rec.doc_id], pa.string()).take(np.zeros(n, np.int64)),
                    "position": pa.array(np.arange(n, dtype=np.int32)),
                    "lemma": pa.array(lemmas, pa.string()).take(inverse.ravel()),
                    "text": pa.array(forms, pa.string()).take(inverse.ravel()),
                    "pos": pa.nulls(n, pa.string()),
                    # DraCor speaker labels ("FABRICE. Non, mais...") are all capitals: as
                    # stopwords, or every character name tops some topic
                    "is_stop": pa.array((arr[:, 2] | arr[:, 3]).astype(bool)),
                    "is_alpha": pa.array(arr[:, 1].astype(bool)),
                }
            )
        )
    return pa.concat_tables(parts)


def process_batch(args: tuple[list[Path], Path, topics.TopicConfig]) -> dict[str, Any]:
    """Parse a batch of plays with our TEI adapter, tokenise, and prepare LDA documents."""
    paths, root, config = args
    t0 = time.process_time()
    records: list[Record] = []
    for path in paths:
        for r in tei.parse(path, root=root, collection="fredracor", kind="book", profile="dracor"):
            if isinstance(r, Record) and r.text:
                records.append(r)
    t1 = time.process_time()
    tokens = tokenise(records)
    t2 = time.process_time()
    doc_ids, texts = topics.prepare_documents(tokens, config)
    t3 = time.process_time()
    return {
        "doc_ids": doc_ids,
        "texts": texts,
        "years": {r.doc_id: r.year for r in records},
        "n_words": sum(r.n_words or 0 for r in records),
        "n_tokens": tokens.num_rows,
        "parse_s": t1 - t0,
        "tokenise_s": t2 - t1,
        "prepare_s": t3 - t2,
    }


def read_corpus(root: Path, config: topics.TopicConfig, limit: int | None, procs: int) -> dict:
    paths = sorted(root.glob("*.xml"))[:limit]
    batches = [(paths[i : i + 16], root, config) for i in range(0, len(paths), 16)]
    out: dict[str, Any] = {"doc_ids": [], "texts": [], "years": {}, "n_words": 0, "n_tokens": 0}
    cpu = {"parse_s": 0.0, "tokenise_s": 0.0, "prepare_s": 0.0}
    with mp.get_context("fork").Pool(procs, initializer=_worker_init) as pool:
        for part in pool.imap(process_batch, batches):
            out["doc_ids"].extend(part["doc_ids"])
            out["texts"].extend(part["texts"])
            out["years"].update(part["years"])
            out["n_words"] += part["n_words"]
            out["n_tokens"] += part["n_tokens"]
            for k in cpu:
                cpu[k] += part[k]
    out["cpu"] = cpu
    out["n_plays"] = len(paths)
    return out


def run_topics(
    doc_ids: list[str],
    texts: list[list[str]],
    years: dict[str, int | None],
    config: topics.TopicConfig,
    period_spec: str,
) -> tuple[dict[str, float], topics.TopicResult, Any]:
    """Our topics-over-time: LDA, prevalence with bootstrap CIs, per-period terms; timed."""
    timings: dict[str, float] = {}
    t, c = time.perf_counter(), time.process_time()
    result = topics.train(doc_ids, texts, config)
    timings["lda+coherence"] = time.perf_counter() - t
    timings["lda+coherence CPU"] = time.process_time() - c
    periods = make_periods(period_spec, [y for y in years.values() if y])
    doc_periods = {
        d: p for d in result.doc_ids if (p := assign_period(years.get(d), periods)) is not None
    }
    t, c = time.perf_counter(), time.process_time()
    prevalence = topics.prevalence_over_time(
        result.doc_topics,
        doc_periods,
        periods,
        config.bootstrap,
        config.ci,
        config.seed,
        num_topics=config.num_topics,
    )
    timings["prevalence"] = time.perf_counter() - t
    timings["prevalence CPU"] = time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    by_period = topics.period_terms(
        result.model,
        result.dictionary,
        result.segment_texts,
        doc_periods,
        result.segment_docs,
        periods,
        top_terms=config.top_terms,
        seed=config.seed,
    )
    timings["period_terms"] = time.perf_counter() - t
    timings["period_terms CPU"] = time.process_time() - c
    return timings, result, (prevalence, by_period)


def _ldaseq_child(corpus, dictionary, time_slice, num_topics, seed, em_iter, log_path) -> None:
    from gensim.models import LdaSeqModel

    handler = logging.FileHandler(log_path)
    handler.setFormatter(logging.Formatter("%(created)f %(message)s"))
    gl = logging.getLogger("gensim.models.ldaseqmodel")
    gl.setLevel(logging.INFO)
    gl.propagate = False
    gl.addHandler(handler)
    gl.info("START")
    LdaSeqModel(
        corpus=corpus,
        id2word=dictionary,
        time_slice=time_slice,
        num_topics=num_topics,
        random_state=seed,
        em_min_iter=em_iter,
        em_max_iter=em_iter,
        chunksize=100,
    )
    gl.info("DONE")


def bench_ldaseq(
    doc_ids: list[str],
    texts: list[list[str]],
    years: dict[str, int | None],
    config: topics.TopicConfig,
    n_plays: int,
    cap_s: float,
) -> dict[str, Any]:
    """LdaSeqModel on n_plays plays in 3 periods (whole plays), capped; vs our path on the same."""
    spans = [Period.span(1600, 1699), Period.span(1700, 1799), Period.span(1800, 1899)]
    rng = random.Random(config.seed)
    chosen: list[int] = []
    for p in spans:
        members = [
            i for i, d in enumerate(doc_ids) if (y := years.get(d)) and p.start <= y <= p.end
        ]
        chosen += sorted(rng.sample(members, min(len(members), n_plays // 3)))
    ids = [doc_ids[i] for i in chosen]
    sub = [texts[i] for i in chosen]
    doc_periods = {d: assign_period(years[d], spans) for d in ids}
    ours_cfg = topics.TopicConfig(**{**config.__dict__, "extra_stopwords": {}})
    t = time.perf_counter()
    ours, _, _ = run_topics(ids, sub, {d: years[d] for d in ids}, ours_cfg, "century")
    ours_s = time.perf_counter() - t
    dictionary = topics.build_dictionary(sub, config)
    corpus = [dictionary.doc2bow(x) for x in sub]
    time_slice = [sum(1 for d in ids if doc_periods[d] == p.label) for p in spans]
    log_path = CACHE / "ldaseq.log"
    log_path.unlink(missing_ok=True)
    proc = mp.get_context("fork").Process(
        target=_ldaseq_child,
        args=(corpus, dictionary, time_slice, config.num_topics, config.seed, 20, str(log_path)),
    )
    t = time.perf_counter()
    proc.start()
    proc.join(cap_s)
    finished = not proc.is_alive()
    if not finished:
        proc.terminate()
        proc.join()
    wall = time.perf_counter() - t
    marks: list[tuple[float, str]] = []
    for line in log_path.read_text().splitlines() if log_path.exists() else []:
        stamp, _, msg = line.partition(" ")
        marks.append((float(stamp), msg.strip()))
    start = next((s for s, m in marks if m == "START"), None)
    iters = [s for s, m in marks if re.match(r"EM iter \d+", m)]
    per_iter = [b - a for a, b in zip(iters, iters[1:], strict=False)]
    init_s = (iters[0] - start) if iters and start else None
    # inside an unfinished iteration: E-step time, then one "Fitting topic number k" per topic
    estep = next((s for s, m in reversed(marks) if m == "M Step"), None)
    fits = [s for s, m in marks if m.startswith("Fitting topic number")]
    if iters and estep and estep > iters[-1] and len(fits) >= 2:
        fits = [s for s in fits if s >= estep]
        per_topic = (fits[-1] - fits[0]) / (len(fits) - 1)
        iter_estimate = (estep - iters[-1]) + per_topic * config.num_topics
    else:
        iter_estimate = None
    return {
        "n_docs": len(ids),
        "n_tokens": sum(len(x) for x in sub),
        "time_slice": time_slice,
        "ours_s": ours_s,
        "ours_parts": ours,
        "ldaseq_wall_s": wall,
        "ldaseq_finished": finished,
        "ldaseq_init_s": init_s,
        "ldaseq_em_iters_started": len(iters),
        "ldaseq_iter_s": per_iter,
        "ldaseq_iter_estimate_s": iter_estimate,
        "cap_s": cap_s,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=None, help="first N plays only")
    ap.add_argument("--num-topics", type=int, default=20)
    ap.add_argument("--segment-tokens", type=int, default=1000)
    ap.add_argument("--period", default="quarter-century")
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument(
        "--compare-segments",
        type=int,
        default=300,
        help="plays for the coherence comparison with/without segments (0 = skip)",
    )
    ap.add_argument("--ldaseq-plays", type=int, default=100)
    ap.add_argument("--ldaseq-cap", type=float, default=300.0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print(f"loadavg at start {os.getloadavg()}")
    config = topics.TopicConfig(
        num_topics=args.num_topics,
        segment_tokens=args.segment_tokens,
        pos=(),
        no_below=5,
        no_above=0.5,
        passes=5,
        iterations=100,
        bootstrap=1000,
    )
    t_all = time.perf_counter()
    root = extract(BENCH, CACHE)
    t = time.perf_counter()
    corpus = read_corpus(root, config, args.limit, args.procs)
    read_s = time.perf_counter() - t
    n_kept = sum(len(x) for x in corpus["texts"])
    tok_rate = corpus["n_tokens"] / max(corpus["cpu"]["tokenise_s"], 1e-9)
    print(
        f"read {corpus['n_plays']} plays: {corpus['n_words']:,} words ({corpus['n_tokens']:,} "
        f"spaCy tokens, {n_kept:,} kept for LDA) in {read_s:.1f} s wall with {args.procs} "
        f"processes; CPU-s: parse {corpus['cpu']['parse_s']:.0f}, tokenise "
        f"{corpus['cpu']['tokenise_s']:.0f} ({tok_rate:,.0f} tok/CPU-s), prepare "
        f"{corpus['cpu']['prepare_s']:.0f}"
    )
    timings, result, (prevalence, by_period) = run_topics(
        corpus["doc_ids"], corpus["texts"], corpus["years"], config, args.period
    )
    total = time.perf_counter() - t_all
    topics_s = sum(v for k, v in timings.items() if not k.endswith("CPU"))
    topics_cpu = sum(v for k, v in timings.items() if k.endswith("CPU"))
    read_cpu = sum(corpus["cpu"].values())
    print(
        f"LDA {config.num_topics} topics on {result.counts['n_segments']:,} segments of "
        f"{config.segment_tokens} tokens ({result.counts['n_docs']} plays, "
        f"{result.counts['n_terms']:,} terms, {result.counts['n_tokens']:,} tokens)"
    )
    print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    print(f"  coherence { ({k: round(v, 3) for k, v in result.coherence.items()}) }")
    print(
        f"  prevalence rows {prevalence.num_rows} over "
        f"{len(set(prevalence['period'].to_pylist()))} periods, period_terms rows "
        f"{by_period.num_rows}"
    )
    for k in range(min(5, config.num_topics)):
        terms = result.topic_terms.filter(pa.compute.equal(result.topic_terms["topic"], k))
        print(f"  topic {k}: {' '.join(terms['term'].to_pylist()[:8])}")
    print(
        f"TOPICS OVER TIME end to end {total:.0f} s wall (read+tokenise {read_s:.0f} s, topics "
        f"{topics_s:.0f} s) vs target {TARGET_S:.0f} s: ratio {total / TARGET_S:.2f} "
        f"[loadavg {os.getloadavg()}]"
    )
    # on a shared machine wall time includes waiting for the CPU; the work itself, spread over
    # 2 cores for the read and 1 for the (single-process) topics, would take:
    unloaded = read_cpu / args.procs + topics_cpu
    print(
        f"  CPU: read+tokenise {read_cpu:.0f} CPU-s in {args.procs} processes, topics "
        f"{topics_cpu:.0f} CPU-s -> {unloaded:.0f} s on an idle machine: ratio "
        f"{unloaded / TARGET_S:.2f} of the target"
    )
    if args.compare_segments:
        n = args.compare_segments
        rng = random.Random(1)
        pick = sorted(rng.sample(range(len(corpus["doc_ids"])), min(n, len(corpus["doc_ids"]))))
        ids = [corpus["doc_ids"][i] for i in pick]
        sub = [corpus["texts"][i] for i in pick]
        for seg in (0, args.segment_tokens):
            cfg = topics.TopicConfig(
                **{**config.__dict__, "segment_tokens": seg, "extra_stopwords": {}}
            )
            t = time.perf_counter()
            res = topics.train(ids, sub, cfg)
            print(
                f"segments={seg}: {len(ids)} plays -> {res.counts['n_segments']} units, "
                f"coherence { ({k: round(v, 3) for k, v in res.coherence.items()}) } "
                f"in {time.perf_counter() - t:.0f} s"
            )
    if args.ldaseq_plays:
        lcfg = topics.TopicConfig(
            **{**config.__dict__, "num_topics": 10, "segment_tokens": 0, "extra_stopwords": {}}
        )
        r = bench_ldaseq(
            corpus["doc_ids"],
            corpus["texts"],
            corpus["years"],
            lcfg,
            args.ldaseq_plays,
            args.ldaseq_cap,
        )
        print(
            f"LdaSeqModel slice: {r['n_docs']} plays, slices {r['time_slice']}, "
            f"{r['n_tokens']:,} tokens, 10 topics"
        )
        print(f"  ours on the same slice: {r['ours_s']:.1f} s ({r['ours_parts']})")
        if r["ldaseq_finished"]:
            print(f"  LdaSeqModel finished in {r['ldaseq_wall_s']:.0f} s")
        else:
            iters = r["ldaseq_iter_s"]
            init = r["ldaseq_init_s"]
            print(
                f"  LdaSeqModel stopped at the {r['cap_s']:.0f} s cap: init (LDA + sslm) "
                f"{init if init is None else round(init)} s, EM iterations started "
                f"{r['ldaseq_em_iters_started']}, completed iteration times {iters}"
            )
            if iters:
                per = sum(iters) / len(iters)
            elif r["ldaseq_iter_estimate_s"] is not None:
                per = r["ldaseq_iter_estimate_s"]
            else:
                per = None
            if per is not None:
                lo = (init or 0) + 6 * per
                hi = (init or 0) + 20 * per
                kind = (
                    "measured"
                    if iters
                    else "estimated: E-step + topics x mean M-step time per topic so far"
                )
                print(
                    f"  per EM iteration {per:.0f} s ({kind}); gensim runs 6 to 20 EM "
                    f"iterations: {lo / 60:.0f}-{hi / 60:.0f} min extrapolated, vs ours "
                    f"{r['ours_s']:.0f} s: {lo / max(r['ours_s'], 1e-9):.0f}-"
                    f"{hi / max(r['ours_s'], 1e-9):.0f}x"
                )
    print(f"loadavg at end {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
