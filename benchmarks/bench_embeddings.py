"""word2vec words/s through models.embeddings.train_period vs raw gensim corpus_file (>= 0.9).

Tokens: ELTeC-eng novels from ../shared/bench/eltec-eng.tar.gz read with our TEI adapter.
python benchmarks/bench_embeddings.py [--novels 12] [--rounds 2]
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gensim.models import Word2Vec  # noqa: E402

from ingest import tei  # noqa: E402
from ingest.record import Record  # noqa: E402
from models import embeddings as emb  # noqa: E402
from models import evaluation  # noqa: E402

logger = logging.getLogger(__name__)

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench" / "eltec-eng.tar.gz"
CACHE = Path(os.environ.get("LONGUE_BENCH_CACHE", "/tmp/longue-bench"))
TARGET = 0.9
WORD = re.compile(r"[^\W\d_]+")
SENTENCE = re.compile(r"(?<=[.!?;])\s+")


def extract(archive: Path, cache: Path) -> Path:
    """The extracted ELTeC-eng folder (once, in the cache folder, never in the repository)."""
    marker = cache / "eltec-eng.extracted"
    if not marker.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            tar.extractall(cache / "eltec-eng", filter="data")
        marker.touch()
    return cache / "eltec-eng"


def read_sentences(root: Path, n_novels: int) -> list[list[str]]:
    """Lowercased alphabetic words, one list per sentence, from the first n novels."""
    paths = sorted(root.rglob("*.xml"))[:n_novels]
    out: list[list[str]] = []
    for path in paths:
        for r in tei.parse(path, root=root, collection="eltec-eng", kind="book", profile="eltec"):
            if isinstance(r, Record):
                for s in SENTENCE.split(r.text):
                    words = [w.lower() for w in WORD.findall(s)]
                    if words:
                        out.append(words)
    return out


def time_raw(path: Path, config: emb.EmbeddingConfig, workers: int) -> float:
    t = time.perf_counter()
    Word2Vec(
        corpus_file=str(path),
        vector_size=config.vector_size,
        window=config.window,
        min_count=config.min_count,
        sg=config.sg,
        negative=config.negative,
        epochs=config.epochs,
        workers=workers,
        seed=config.seed,
    )
    return time.perf_counter() - t


def time_ours(sentences: list[list[str]], config: emb.EmbeddingConfig) -> float:
    t = time.perf_counter()
    emb.train_period(sentences, config, config.seed)
    return time.perf_counter() - t


GOLD = (
    Path(__file__).resolve().parents[2] / "shared" / "corpora" / "semantic-change" / "semeval2020"
)


def run_semeval(root: Path, language: str, config: emb.EmbeddingConfig) -> None:
    """Train both SemEval periods with our code and score the drift against the gold."""
    result = evaluation.evaluate_semeval(root, GOLD, language, config)
    if result is None:
        print(
            f"SemEval-2020 {language}: not evaluated: {root} has no corpus1/ and corpus2/ "
            "(the gold is in ../shared, the COHA-based corpora are not; no corpus in the "
            "registry covers 1810-1860 and 1960-2010: ELTeC-eng is 1840-1920)"
        )
        return
    print(f"SemEval-2020 {language}: {result}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--novels", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument(
        "--semeval",
        type=Path,
        default=GOLD / "english",
        help="a SemEval-2020 language folder holding corpus1/ and corpus2/",
    )
    ap.add_argument("--semeval-only", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(f"loadavg at start {os.getloadavg()}")
    run_semeval(args.semeval, args.semeval.name, emb.EmbeddingConfig(min_count=5, epochs=5))
    if args.semeval_only:
        return 0
    root = extract(BENCH, CACHE)
    sentences = read_sentences(root, args.novels)
    n_words = sum(len(s) for s in sentences)
    base = emb.EmbeddingConfig(vector_size=100, window=5, min_count=5, epochs=5)
    print(f"{args.novels} ELTeC-eng novels: {n_words:,} words in {len(sentences):,} sentences")
    with tempfile.TemporaryDirectory(prefix="longue-w2v-bench-") as tmp:
        path = Path(tmp) / "sentences.txt"
        with path.open("w", encoding="utf-8") as f:
            for s in sentences:
                f.write(" ".join(s) + "\n")
        runs: dict[str, list[float]] = {}
        variants = [
            ("raw gensim corpus_file, 1 worker", lambda: time_raw(path, base, 1)),
            ("ours corpus_file, 1 worker", lambda: time_ours(sentences, base.__class__(
                **{**base.__dict__, "corpus_file": True, "workers": 1}))),
            ("ours lists, 1 worker", lambda: time_ours(sentences, base.__class__(
                **{**base.__dict__, "corpus_file": False, "workers": 1}))),
            ("raw gensim corpus_file, 2 workers", lambda: time_raw(path, base, 2)),
            ("ours corpus_file, 2 workers", lambda: time_ours(sentences, base.__class__(
                **{**base.__dict__, "corpus_file": True, "workers": 2}))),
            ("ours lists, 2 workers", lambda: time_ours(sentences, base.__class__(
                **{**base.__dict__, "corpus_file": False, "workers": 2}))),
        ]  # fmt: skip
        for round_ in range(args.rounds):  # interleaved: load changes hit every variant alike
            for name, fn in variants:
                runs.setdefault(name, []).append(fn())
            print(f"round {round_ + 1} done, loadavg {os.getloadavg()}")
    rate = {name: n_words * base.epochs / min(ts) for name, ts in runs.items()}
    for name, r in rate.items():
        print(f"  {name:36s} {r:>10,.0f} words/s (best of {len(runs[name])})")
    for w in (1, 2):
        raw = rate[f"raw gensim corpus_file, {w} worker{'s' if w > 1 else ''}"]
        for mode in ("corpus_file", "lists"):
            ours = rate[f"ours {mode}, {w} worker{'s' if w > 1 else ''}"]
            print(
                f"ours {mode} / raw corpus_file, {w} worker(s): {ours / raw:.2f} "
                f"(target >= {TARGET})"
            )
    print(f"loadavg at end {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
