"""Warehouse benchmark: >= 50M token rows from ../shared/bench, the API against pandas.

Issue 7. python benchmarks/bench_warehouse.py [--cache DIR] [--min-rows N]
Spec: https://duckdb.org/docs/stable/guides/performance/how_to_tune_workloads
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import re
import resource
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.record import TOKEN_SCHEMA, Record, Reject, to_table  # noqa: E402

logger = logging.getLogger(__name__)

BENCH = ROOT.parent / "shared" / "bench"
DEFAULT_CACHE = Path(os.environ.get("LONGUE_BENCH_CACHE", "/tmp/longue-bench-warehouse"))
# corpus -> (archive, glob inside it, adapter, collection kind, options, default language)
CORPORA: dict[str, tuple[str, str, str, str, dict[str, str], str]] = {
    "fredracor": ("fredracor.tar.gz", "fredracor/tei/*.xml", "tei", "book", {"profile": "dracor"}, "fr"),
    "eltec-fra": ("eltec-fra.tar.gz", "eltec-fra/level1/*.xml", "tei", "book", {"profile": "eltec"}, "fr"),
    "eltec-eng": ("eltec-eng.tar.gz", "eltec-eng/level1/*.xml", "tei", "book", {"profile": "eltec"}, "en"),
    "frus": ("frus.tar.gz", "frus/volumes/*.xml", "tei", "cable", {"profile": "frus"}, "en"),
    "tate": ("tate-artworks.jsonl.gz", "", "tate", "museum", {}, "en"),
}
FILES_PER_TASK = 40
# Words, or one punctuation mark; apostrophe elisions stay with the first word ("l'", "qu'").
TOKEN_RE = re.compile(r"\w+['’]?|[^\w\s]")
TERM = "roi"  # traced in the timeline, KWIC and collocates (French plays and novels, FRUS "roi")
KWIC_LINES = 1000
WINDOW = 5

_LEMMAS: dict[str, dict[str, str]] = {}
_STOPS: dict[str, frozenset[str]] = {}


# --- preparation: real corpora -> documents + tokens Parquet ------------------------------


def load_lemmas(lang: str) -> tuple[dict[str, str], frozenset[str]]:
    """spaCy's lookup lemma table (spacy-lookups-data) and stop words for one language."""
    if lang not in _LEMMAS:
        import spacy
        from spacy.lookups import load_lookups

        table = load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")
        lemmas: dict[str, str] = {}
        for key, value in table.items():
            if isinstance(key, str):
                lemmas[key] = value[0] if isinstance(value, list) else value
        _LEMMAS[lang] = lemmas
        _STOPS[lang] = frozenset(spacy.blank(lang).Defaults.stop_words)
    return _LEMMAS[lang], _STOPS[lang]


def tokenise_record(rec: Record, lang: str) -> dict[str, list[Any]]:
    """Regex tokens with lookup lemmas (lowercased; the lowercase form when not in the table)."""
    lemmas, stops = load_lemmas(lang)
    cols: dict[str, list[Any]] = {
        k: [] for k in ("position", "sentence", "start_char", "text", "lemma", "is_stop", "is_alpha")
    }
    sentence = 0
    for i, m in enumerate(TOKEN_RE.finditer(rec.text)):
        tok = m.group()
        low = tok.lower()
        cols["position"].append(i)
        cols["sentence"].append(sentence)
        cols["start_char"].append(m.start())
        cols["text"].append(tok)
        cols["lemma"].append(lemmas.get(tok) or lemmas.get(low) or low)
        cols["is_stop"].append(low in stops)
        cols["is_alpha"].append(tok.isalpha())
        if tok in ".!?":
            sentence += 1
    return cols


def process_files(task: tuple[str, list[str], str, int]) -> tuple[int, int]:
    """Parse files with the repository's adapter, tokenise, write one documents+tokens part."""
    from ingest import tate, tei

    corpus, files, out_dir, part = task
    _, _, adapter, kind, options, default_lang = CORPORA[corpus]
    module = tei if adapter == "tei" else tate
    records: list[Record] = []
    token_tables: list[pa.Table] = []
    for name in files:
        path = Path(name)
        try:
            items = list(module.parse(path, root=path.parent, collection=corpus, kind=kind, **options))
        except Exception as exc:  # a broken benchmark file is reported, not fatal
            logger.warning("%s: %s", path, exc)
            continue
        for rec in items:
            if isinstance(rec, Reject):
                continue
            records.append(rec)
            lang = rec.language if rec.language in ("fr", "en") else default_lang
            cols = tokenise_record(rec, lang)
            n = len(cols["text"])
            cols["doc_id"] = [rec.doc_id] * n
            cols["pos"] = [None] * n
            cols["entity_type"] = [""] * n
            cols["word_confidence"] = [None] * n
            token_tables.append(pa.Table.from_pydict(cols, schema=TOKEN_SCHEMA))
    seen: set[str] = set()
    unique = [r for r in records if not (r.doc_id in seen or seen.add(r.doc_id))]
    out = Path(out_dir)
    pq.write_table(to_table(unique, Record), out / f"documents-{part:04d}.parquet")
    tokens = pa.concat_tables(token_tables) if token_tables else TOKEN_SCHEMA.empty_table()
    pq.write_table(tokens, out / f"tokens-{part:04d}.parquet", row_group_size=1_000_000)
    return len(unique), tokens.num_rows


def extract(cache: Path) -> dict[str, list[Path]]:
    """Unpack the archives once; corpus -> input files."""
    src = cache / "src"
    out: dict[str, list[Path]] = {}
    for corpus, (archive, pattern, *_rest) in CORPORA.items():
        if not pattern:
            out[corpus] = [BENCH / archive]
            continue
        marker = src / f".{corpus}.done"
        if not marker.exists():
            with tarfile.open(BENCH / archive) as tar:
                tar.extractall(src, filter="data")
            marker.touch()
        out[corpus] = sorted(src.glob(pattern))
    return out


def prepare(cache: Path, min_rows: int, workers: int) -> dict[str, list[Path]]:
    """Documents and tokens Parquet of every corpus, replicated to >= min_rows token rows."""
    parquet = cache / "parquet"
    done = parquet / ".done"
    if not done.exists():
        files = extract(cache)
        tasks: list[tuple[str, list[str], str, int]] = []
        for corpus, paths in files.items():
            out = parquet / corpus
            out.mkdir(parents=True, exist_ok=True)
            for i in range(0, len(paths), FILES_PER_TASK):
                chunk = [str(p) for p in paths[i : i + FILES_PER_TASK]]
                tasks.append((corpus, chunk, str(out), i // FILES_PER_TASK))
        # big files first so the pool ends together
        tasks.sort(key=lambda t: -sum(os.path.getsize(f) for f in t[1]))
        started = time.perf_counter()
        n_docs = n_tokens = 0
        with Pool(workers) as pool:
            for docs, toks in pool.imap_unordered(process_files, tasks):
                n_docs += docs
                n_tokens += toks
                print(f"  prepared {n_docs:,} documents, {n_tokens:,} tokens", flush=True)
        elapsed = time.perf_counter() - started
        print(f"tokenised {n_tokens:,} tokens in {elapsed:.0f} s ({n_tokens / elapsed:,.0f}/s)")
        replicate(parquet, min_rows)
        done.touch()
    return {
        "documents": sorted(parquet.rglob("documents-*.parquet")),
        "tokens": sorted(parquet.rglob("tokens-*.parquet")),
    }


def replicate(parquet: Path, min_rows: int) -> None:
    """Copy whole documents (doc_id + '~copy') until the token rows reach min_rows."""
    con = duckdb.connect()
    tokens = [str(p) for p in parquet.rglob("tokens-*.parquet")]
    docs = [str(p) for p in parquet.rglob("documents-*.parquet")]
    n = con.execute("SELECT count(*) FROM read_parquet(?)", [tokens]).fetchone()[0]
    missing = min_rows - n
    if missing <= 0:
        return
    # the longest ELTeC and DraCor texts first: a real mix of years and both languages
    chosen = con.execute(
        "SELECT doc_id FROM (SELECT doc_id, count(*) AS n FROM read_parquet(?) GROUP BY doc_id) "
        "QUALIFY sum(n) OVER (ORDER BY hash(doc_id) ROWS UNBOUNDED PRECEDING) - n < ?",
        [tokens, missing],
    ).fetchall()
    ids = [r[0] for r in chosen]
    out = parquet / "replica"
    out.mkdir(exist_ok=True)
    con.execute(
        "COPY (SELECT * REPLACE (doc_id || '~copy' AS doc_id) FROM read_parquet(?) "
        "WHERE list_contains(?, doc_id)) TO '" + str(out / "documents-0000.parquet") + "'",
        [docs, ids],
    )
    con.execute(
        "COPY (SELECT * REPLACE (doc_id || '~copy' AS doc_id) FROM read_parquet(?) "
        "WHERE list_contains(?, doc_id)) TO '"
        + str(out / "tokens-0000.parquet")
        + "' (ROW_GROUP_SIZE 1000000)",
        [tokens, ids],
    )
    print(f"replicated {len(ids):,} documents to pass {min_rows:,} token rows")


def iter_lines(cmd: list[str]) -> Iterator[str]:
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    yield from proc.stdout.splitlines()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--min-rows", type=int, default=50_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--prepare-only", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    sources = prepare(args.cache, args.min_rows, args.workers)
    print({k: len(v) for k, v in sources.items()})
    if args.prepare_only:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
