"""Warehouse benchmark: >= 50M token rows from ../shared/bench, the API against pandas.

Issue 7. python benchmarks/bench_warehouse.py [--cache DIR] [--min-rows N]
Spec: https://duckdb.org/docs/stable/guides/performance/how_to_tune_workloads
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import resource
import subprocess
import sys
import tarfile
import time
import zlib
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
    "fredracor": (
        "fredracor.tar.gz",
        "fredracor/tei/*.xml",
        "tei",
        "book",
        {"profile": "dracor"},
        "fr",
    ),
    "eltec-fra": (
        "eltec-fra.tar.gz",
        "eltec-fra/level1/*.xml",
        "tei",
        "book",
        {"profile": "eltec"},
        "fr",
    ),
    "eltec-eng": (
        "eltec-eng.tar.gz",
        "eltec-eng/level1/*.xml",
        "tei",
        "book",
        {"profile": "eltec"},
        "en",
    ),
    "frus": ("frus.tar.gz", "frus/volumes/*.xml", "tei", "cable", {"profile": "frus"}, "en"),
    "tate": ("tate-artworks.jsonl.gz", "", "tate", "museum", {}, "en"),
}
FILES_PER_TASK = 40
# Words, or one punctuation mark; apostrophe elisions stay with the first word ("l'", "qu'").
TOKEN_RE = re.compile(r"\w+['’]?|[^\w\s]")
TERM = "roi"  # traced in the timeline, KWIC and collocates (French plays and novels, FRUS "roi")
KWIC_LINES = 1000
SYNTHETIC_DEPS = ("amod", "nsubj", "obj", "conj", "appos", "nmod", "obl", "advmod")
DESCRIBE_DEPS = {"amod": ("child", "amod"), "nsubj": ("head", "nsubj"), "obj": ("head", "obj")}
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
        k: []
        for k in ("position", "sentence", "start_char", "text", "lemma", "is_stop", "is_alpha")
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
    add_synthetic_parse(cols)
    return cols


def add_synthetic_parse(cols: dict[str, list[Any]]) -> None:
    """dep/head for the describe rows: sizes, not linguistics (no parser runs here).

    Each token hangs on the previous token of its sentence (the first is the root); an
    alphabetic non-stop word gets a relation of SYNTHETIC_DEPS chosen by a hash of its lemma,
    so every relation has arcs in the proportions of a real parse's main relations.
    """
    heads, deps = [], []
    for i, (sent, lemma, alpha, stop) in enumerate(
        zip(cols["sentence"], cols["lemma"], cols["is_alpha"], cols["is_stop"], strict=True)
    ):
        first = i == 0 or cols["sentence"][i - 1] != sent
        heads.append(i if first else i - 1)
        if first:
            deps.append("ROOT")
        elif alpha and not stop:
            deps.append(SYNTHETIC_DEPS[zlib.crc32(lemma.encode()) % len(SYNTHETIC_DEPS)])
        else:
            deps.append("dep")
    cols["head"], cols["dep"] = heads, deps
    cols["morph"] = [None] * len(heads)


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
            items = list(
                module.parse(path, root=path.parent, collection=corpus, kind=kind, **options)
            )
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
            for name in ("dep", "head", "morph"):  # no parser in this benchmark
                cols[name] = [None] * n
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


def build_warehouse(cache: Path, sources: dict[str, list[Path]], memory_limit: str) -> Path:
    """The benchmark warehouse (built once per cache; delete it to rebuild)."""
    from warehouse.build import build

    db = cache / "longue.duckdb"
    if not db.exists():
        started = time.perf_counter()
        counts = build(db, sources, memory_limit=memory_limit)
        elapsed = time.perf_counter() - started
        print(
            f"built {db} in {elapsed:.0f} s ({db.stat().st_size / 1e9:.2f} GB): "
            + ", ".join(f"{k}={v:,}" for k, v in counts.items() if v)
        )
    return db


def timed(fn: Any, repeat: int) -> tuple[Any, list[float]]:
    """Run fn `repeat` times; its last result and every wall time."""
    times: list[float] = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return result, times


def side_api(db: Path, repeat: int) -> dict[str, Any]:
    """The warehouse API as a notebook calls it (bootstrap CIs included in the timeline)."""
    from warehouse import Warehouse

    started = time.perf_counter()
    wh = Warehouse.open(db)
    out: dict[str, Any] = {"open_s": time.perf_counter() - started}
    timeline, out["timeline_s"] = timed(lambda: wh.frequency(TERM, by="decade"), repeat)
    kwic, out["kwic_s"] = timed(lambda: wh.kwic(TERM, window=WINDOW, limit=KWIC_LINES), repeat)
    coll, out["collocates_s"] = timed(
        lambda: wh.collocates(TERM, window=WINDOW, min_count=5, top=20), repeat
    )
    from warehouse.describe import NoParse

    try:
        desc, out["describe_s"] = timed(
            lambda: wh.describe(TERM, relations=list(DESCRIBE_DEPS), n_boot=200), repeat
        )
        out["describe_arcs"] = int(desc["count"].sum())
    except NoParse:  # a bench cache prepared before the synthetic parse: delete it
        out["describe_s"], out["describe_arcs"] = [float("nan")], 0
    trend, out["trends_s"] = timed(lambda: wh.trends(language="fr", min_count=100), repeat)
    out["trends_top"] = trend["word"].head(5).tolist()
    out["n_periods"] = len(timeline)
    out["timeline_count"] = int(timeline["count"].sum())
    out["kwic_lines"] = len(kwic)
    out["kwic_first"] = " ".join(
        [kwic["left"].iloc[0], f"[{kwic['match'].iloc[0]}]", kwic["right"].iloc[0]]
    )
    out["collocates_top"] = coll["collocate"].head(8).tolist()
    wh.close()
    return out


def read_tokens(files: list[Path], columns: list[str]) -> pd.DataFrame:
    """Token Parquet as a notebook user reads it: dictionary-encoded strings -> categoricals."""
    strings = [c for c in columns if c in ("doc_id", "text", "lemma")]
    return pq.read_table(files, columns=columns, read_dictionary=strings).to_pandas()


def side_pandas(sources: dict[str, list[Path]], repeat: int) -> dict[str, Any]:
    """The same three questions in pandas on the same Parquet, reading included."""
    docs_files, tok_files = sources["documents"], sources["tokens"]

    def read_docs() -> pd.Series:
        docs = pq.read_table(docs_files, columns=["doc_id", "year"]).to_pandas()
        return docs.set_index("doc_id")["year"]

    def timeline() -> pd.DataFrame:
        year = read_docs()
        tok = read_tokens(tok_files, ["doc_id", "lemma", "is_alpha"])
        decade = tok["doc_id"].map(year // 10 * 10)  # categorical map: once per document
        frame = pd.DataFrame(
            {
                "decade": decade.astype("float64"),
                "alpha": tok["is_alpha"],
                "hit": tok["lemma"] == TERM,
            }
        ).dropna(subset=["decade"])
        g = frame.groupby("decade").agg(total=("alpha", "sum"), count=("hit", "sum"))
        g["per_million"] = 1e6 * g["count"] / g["total"]
        return g

    def bounds(tok: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        codes = tok["doc_id"].cat.codes.to_numpy()
        change = np.flatnonzero(np.diff(codes)) + 1
        starts = np.concatenate([[0], change])
        ends = np.concatenate([change, [len(codes)]]) - 1
        run = np.repeat(np.arange(len(starts)), np.diff(np.concatenate([starts, [len(codes)]])))
        return starts[run], ends[run]

    def kwic() -> pd.DataFrame:
        year = read_docs()
        tok = read_tokens(tok_files, ["doc_id", "text", "lemma"])
        hits = np.flatnonzero((tok["lemma"] == TERM).to_numpy())
        hit_year = tok["doc_id"].iloc[hits].map(year).astype("float64").to_numpy()
        order = np.lexsort((hits, np.nan_to_num(hit_year, nan=np.inf)))
        hits = hits[order][:KWIC_LINES]
        first, last = bounds(tok)
        text = tok["text"]
        lines = []
        for h in hits:
            lo, hi = max(first[h], h - WINDOW), min(last[h], h + WINDOW)
            lines.append(
                (" ".join(text.iloc[lo:h]), text.iloc[h], " ".join(text.iloc[h + 1 : hi + 1]))
            )
        return pd.DataFrame(lines, columns=["left", "match", "right"])

    def collocates() -> pd.DataFrame:
        tok = read_tokens(tok_files, ["doc_id", "lemma", "is_alpha", "is_stop"])
        lemma = tok["lemma"]
        hits = np.flatnonzero((lemma == TERM).to_numpy())
        first, last = bounds(tok)
        pos = hits[:, None] + np.concatenate([np.arange(-WINDOW, 0), np.arange(1, WINDOW + 1)])
        ok = (pos >= first[hits][:, None]) & (pos <= last[hits][:, None])
        codes = lemma.cat.codes.to_numpy()
        # the API's definition: a position inside two overlapping windows is one slot, and
        # occurrences of the node term are not slots
        ctx = np.unique(pos[ok])
        ctx = ctx[lemma.cat.categories[codes[ctx]] != TERM]
        counts = pd.Series(codes[ctx]).value_counts()
        totals = pd.Series(codes).value_counts()
        frame = pd.DataFrame({"count": counts, "total": totals.reindex(counts.index)})
        frame = frame[frame["count"] >= 5]
        frame["collocate"] = lemma.cat.categories[frame.index]
        word = tok["is_alpha"].to_numpy() & ~tok["is_stop"].to_numpy()
        good = pd.Series(word).groupby(codes).mean()
        frame = frame[good.reindex(frame.index).fillna(0).to_numpy() >= 0.5]
        frame = frame[frame["collocate"] != TERM]
        frame["pmi"] = np.log2(frame["count"] * len(codes) / (len(ctx) * frame["total"]))
        return frame.sort_values(
            ["pmi", "count", "collocate"], ascending=[False, False, True], kind="stable"
        ).head(20)

    def describe() -> pd.DataFrame:
        return describe_duckdb(docs_files, tok_files)

    def trends() -> pd.DataFrame:
        return trends_duckdb(docs_files, tok_files)

    out: dict[str, Any] = {}
    d, out["describe_s"] = timed(describe, repeat)
    out["describe_arcs"] = int(d["n"].sum())
    tr, out["trends_s"] = timed(trends, repeat)
    out["trends_top"] = tr["word"].head(5).tolist()
    g, out["timeline_s"] = timed(timeline, repeat)
    k, out["kwic_s"] = timed(kwic, repeat)
    c, out["collocates_s"] = timed(collocates, repeat)
    out["n_periods"] = len(g)
    out["timeline_count"] = int(g["count"].sum())
    out["kwic_lines"] = len(k)
    out["kwic_first"] = " ".join([k["left"].iloc[0], f"[{k['match'].iloc[0]}]", k["right"].iloc[0]])
    out["collocates_top"] = c["collocate"].head(8).tolist()
    return out


def describe_duckdb(docs_files: list[Path], tok_files: list[Path]) -> pd.DataFrame:
    """Baseline for describe(): plain DuckDB over the Parquet, the term's arcs of three
    relations per decade and each relation's arcs per decade (no CIs, no examples)."""
    con = duckdb.connect()
    toks, docs = [str(p) for p in tok_files], [str(p) for p in docs_files]
    arcs = con.execute(
        """
        WITH t AS (SELECT doc_id, position, head, dep, lower(lemma) AS lemma
                   FROM read_parquet(?)),
        d AS (SELECT doc_id, year // 10 * 10 AS decade FROM read_parquet(?)
              WHERE year IS NOT NULL),
        n AS (SELECT doc_id, position, head, dep FROM t WHERE lemma = ?),
        a AS (
            SELECT n.doc_id, c.dep AS rel, c.lemma AS w FROM n JOIN t AS c
                ON c.doc_id = n.doc_id AND c.head = n.position
            WHERE c.dep = 'amod' AND c.position <> n.position
            UNION ALL
            SELECT n.doc_id, n.dep, p.lemma FROM n JOIN t AS p
                ON p.doc_id = n.doc_id AND p.position = n.head
            WHERE n.dep IN ('nsubj', 'obj') AND n.head <> n.position
        )
        SELECT d.decade, a.rel, a.w, count(*) AS n FROM a JOIN d USING (doc_id) GROUP BY ALL
        """,
        [toks, docs, TERM],
    ).df()
    con.execute(
        "SELECT d.year // 10 * 10 AS decade, t.dep, count(*) FROM read_parquet(?) AS t "
        "JOIN read_parquet(?) AS d USING (doc_id) "
        "WHERE t.dep IN ('amod', 'nsubj', 'obj') AND d.year IS NOT NULL GROUP BY ALL",
        [toks, docs],
    ).fetchall()
    con.close()
    return arcs


def trends_duckdb(docs_files: list[Path], tok_files: list[Path]) -> pd.DataFrame:
    """Baseline for trends(): per-document lemma counts in plain DuckDB over the Parquet, the
    same quasi-Poisson fit (warehouse.describe.quasi_poisson_slope) in numpy."""
    from warehouse.describe import quasi_poisson_slope

    con = duckdb.connect()
    toks, docs = [str(p) for p in tok_files], [str(p) for p in docs_files]
    cube = con.execute(
        """
        WITH d AS (SELECT doc_id, year // 10 * 10 AS decade FROM read_parquet(?)
                   WHERE year IS NOT NULL AND language = 'fr'),
        c AS (SELECT doc_id, lower(lemma) AS word, count(*) AS y FROM read_parquet(?)
              WHERE is_alpha AND NOT is_stop GROUP BY ALL),
        l AS (SELECT doc_id, count(*) FILTER (WHERE is_alpha) AS n FROM read_parquet(?)
              GROUP BY ALL)
        SELECT c.word, d.decade, sum(c.y) AS c, sum(c.y * c.y / l.n) AS s
        FROM c JOIN d USING (doc_id) JOIN l USING (doc_id) GROUP BY ALL
        """,
        [docs, toks, toks],
    ).df()
    totals = con.execute(
        "SELECT d.year // 10 * 10 AS decade, count(*) AS n, count(DISTINCT doc_id) AS docs "
        "FROM read_parquet(?) AS t JOIN read_parquet(?) AS d USING (doc_id) "
        "WHERE t.is_alpha AND d.year IS NOT NULL AND d.language = 'fr' GROUP BY ALL "
        "ORDER BY decade",
        [toks, docs],
    ).df()
    con.close()
    keep = cube.groupby("word")["c"].transform("sum") >= 100
    cube = cube[keep]
    periods = totals["decade"].to_numpy()
    words = pd.Index(cube["word"].unique())
    col = {p: i for i, p in enumerate(periods)}
    C = np.zeros((len(words), len(periods)))
    S = np.zeros_like(C)
    r, k = words.get_indexer(cube["word"]), cube["decade"].map(col).to_numpy()
    np.add.at(C, (r, k), cube["c"].to_numpy())
    np.add.at(S, (r, k), cube["s"].to_numpy())
    n = totals["n"].to_numpy(np.float64)
    slope, se, _, _ = quasi_poisson_slope(C, S, n, periods / 10, int(totals["docs"].sum()))
    out = pd.DataFrame({"word": words, "z": slope / se})
    return out.sort_values(["z", "word"], ascending=[False, True])


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    VmHWM of /proc/self/status, which starts afresh at exec; ru_maxrss (read too, as a check)
    keeps the parent's high-water mark across fork + exec on Linux, so a side started by a
    parent that built the warehouse would report the parent's memory.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run_side(side: str, cache: Path, repeat: int) -> dict[str, Any]:
    """One side in its own interpreter; its results and peak memory (VmHWM)."""
    proc = subprocess.run(
        [sys.executable, __file__, "--side", side, "--cache", str(cache), "--repeat", str(repeat)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fmt_times(values: float | list[float]) -> str:
    items = values if isinstance(values, list) else [values]
    return "/".join(f"{v:.3f}" for v in items) + " s"


def report(api: dict[str, Any], pdx: dict[str, Any]) -> None:
    """Side-by-side times (best of the repeats, and the first call), ratios and targets."""
    targets = {
        "timeline_s": 0.1,
        "kwic_s": 0.5,
        "collocates_s": None,
        "describe_s": 1.0,
        "trends_s": 1.0,
    }
    print(f"\n{'question':<12}{'API first':>11}{'API best':>10}{'pandas':>10}{'ratio':>9}  target")
    for key, limit in targets.items():
        a_first, a_best, p_best = api[key][0], min(api[key]), min(pdx[key])
        ratio = p_best / a_first
        verdict = [f">=10x pandas: {'met' if ratio >= 10 else 'MISSED'}"]
        if limit is not None:
            verdict.append(f"< {limit} s: {'met' if a_first < limit else 'MISSED'}")
        print(
            f"{key[:-2]:<12}{a_first:>10.3f}s{a_best:>9.3f}s{p_best:>9.2f}s{ratio:>8.0f}x  "
            + "; ".join(verdict)
        )
    print(
        f"peak memory (VmHWM): API {api['maxrss_mb']:,.0f} MB, pandas "
        f"{pdx['maxrss_mb']:,.0f} MB ({pdx['maxrss_mb'] / api['maxrss_mb']:.1f}x)"
    )
    for key in (
        "n_periods", "timeline_count", "kwic_lines", "kwic_first", "collocates_top",
        "describe_arcs", "trends_top",
    ):  # fmt: skip
        print(f"  {key}: API {api[key]!r} | pandas {pdx[key]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--min-rows", type=int, default=50_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="6GB", help="DuckDB limit for the build")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--prepare-only", action="store_true")
    parser.add_argument("--side", choices=("api", "pandas"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.side:
        sources = prepare(args.cache, args.min_rows, args.workers)
        result = (
            side_api(args.cache / "longue.duckdb", args.repeat)
            if args.side == "api"
            else side_pandas(sources, args.repeat)
        )
        result["maxrss_mb"] = peak_rss_mb()
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"load average before: {os.getloadavg()}")
    sources = prepare(args.cache, args.min_rows, args.workers)
    if args.prepare_only:
        return 0
    build_warehouse(args.cache, sources, args.memory_limit)
    con = duckdb.connect()
    n_rows = con.execute(
        "SELECT count(*) FROM read_parquet(?)", [[str(p) for p in sources["tokens"]]]
    ).fetchone()[0]
    con.close()
    print(f"token rows: {n_rows:,} in {len(sources['tokens'])} Parquet files; term {TERM!r}")
    # interleaved: API, pandas, API again (the second API run shows the warm-cache spread)
    api = run_side("api", args.cache, args.repeat)
    pdx = run_side("pandas", args.cache, 1)
    api2 = run_side("api", args.cache, args.repeat)
    for key in ("open_s", "timeline_s", "kwic_s", "collocates_s", "describe_s", "trends_s"):
        print(f"  API {key}: run 1 {fmt_times(api[key])}, run 2 {fmt_times(api2[key])}")
    print(f"  pandas: {', '.join(f'{k} {fmt_times(pdx[k])}' for k in pdx if k.endswith('_s'))}")
    for key in ("timeline_s", "kwic_s", "collocates_s", "describe_s", "trends_s"):
        # the slower run's first call and the best call of either run
        api[key] = [max(api[key][0], api2[key][0]), *api[key][1:], *api2[key][1:]]
    api["maxrss_mb"] = max(api["maxrss_mb"], api2["maxrss_mb"])
    report(api, pdx)
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
