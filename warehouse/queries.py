"""Historians' query API over the DuckDB warehouse, opened read-only from notebooks.

Every value is bound as a parameter; identifiers come from allow-lists. DuckDB Python API:
https://duckdb.org/docs/stable/clients/python/dbapi
"""

from __future__ import annotations

import logging
import os
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATH = ROOT / "data" / "warehouse" / "longue.duckdb"
ENV_VAR = "LONGUE_WAREHOUSE"

BINS: dict[str, int] = {"year": 1, "decade": 10, "quarter-century": 25, "century": 100}
SPLITS: dict[str, str] = {"kind": "d.kind", "collection": "d.collection", "language": "d.language"}
FIELDS: dict[str, str] = {"lemma": "t.lemma", "text": "t.text"}
FREQUENCY_COLUMNS = [
    "term",
    "period",
    "count",
    "total",
    "per_million",
    "ci_low",
    "ci_high",
    "n_docs",
    "n_docs_with_term",
]
# Keep one bootstrap weight matrix below this many cells (n_boot x documents in a period).
MAX_DRAW_CELLS = 4_000_000


def resolve_path(path: Path | str | None = None) -> Path:
    """The warehouse file: the argument, else $LONGUE_WAREHOUSE, else data/warehouse/."""
    if path is not None:
        return Path(path)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_PATH


def bin_width(by: str | int) -> int:
    """Years per period for a `by` name or an integer width."""
    if isinstance(by, bool):
        raise ValueError(f"by={by!r}")
    if isinstance(by, int | np.integer):
        if by < 1:
            raise ValueError(f"bin width must be >= 1, got {by}")
        return int(by)
    if by not in BINS:
        raise ValueError(f"by={by!r}; use one of {', '.join(BINS)} or an integer width")
    return BINS[by]


def normalise_terms(terms: str | Iterable[str]) -> list[str]:
    """Lowercased, stripped, de-duplicated terms in the order given."""
    items = [terms] if isinstance(terms, str) else list(terms)
    out: dict[str, None] = {}
    for t in items:
        if not isinstance(t, str):
            raise TypeError(f"terms must be strings, got {t!r}")
        if t.strip():
            out.setdefault(t.strip().lower(), None)
    if not out:
        raise ValueError("no term given")
    return list(out)


def as_list(values: str | Iterable[str] | None) -> list[str] | None:
    """A filter argument as a list of strings (None = no filter)."""
    if values is None:
        return None
    return [values] if isinstance(values, str) else [str(v) for v in values]


def draw_period_seed(seed: int, period: int, split: str | None) -> np.random.Generator:
    """A generator for one period, independent of which other periods a query covers."""
    key = zlib.crc32((split or "").encode("utf-8"))
    return np.random.default_rng([seed, period + 10_000, key])


def bootstrap_rates(
    counts: np.ndarray, lengths: np.ndarray, n_boot: int, ci: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Percentile CIs of per-million rates, resampling documents (count and length together).

    Args:
        counts: documents x terms occurrence counts.
        lengths: words per document (all > 0).
    Returns (estimate, low, high) per term; an interval is widened if needed to contain its
    estimate.
    """
    n_docs, n_terms = counts.shape
    point = 1e6 * counts.sum(axis=0) / lengths.sum()
    if n_boot <= 0:
        return point, np.full(n_terms, np.nan), np.full(n_terms, np.nan)
    rates = np.empty((n_boot, n_terms))
    step = max(1, MAX_DRAW_CELLS // max(n_docs, 1))
    probs = np.full(n_docs, 1.0 / n_docs)
    for start in range(0, n_boot, step):
        size = min(step, n_boot - start)
        # how many times each document is drawn in each replicate
        weights = rng.multinomial(n_docs, probs, size=size).astype(np.float64)
        rates[start : start + size] = 1e6 * (weights @ counts) / (weights @ lengths)[:, None]
    alpha = (1.0 - ci) / 2.0
    low, high = np.quantile(rates, [alpha, 1.0 - alpha], axis=0)
    # a percentile interval of a skewed statistic can miss the estimate by a rounding hair
    return point, np.minimum(low, point), np.maximum(high, point)


class Warehouse:
    """A read-only connection to the warehouse; use as a context manager or call close()."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path) -> None:
        self.con = con
        self.path = path

    @classmethod
    def open(cls, path: Path | str | None = None) -> Warehouse:
        """Open the warehouse read-only; many notebooks may do this at once."""
        db = resolve_path(path)
        if not db.exists():
            raise FileNotFoundError(
                f"no warehouse at {db}; build it with `dvc repro warehouse` "
                f"or point ${ENV_VAR} at one"
            )
        # duckdb.connect(path) reuses an already open instance of the same path in this
        # process, which would keep serving the old file after a rebuild replaced it; a fresh
        # in-memory instance attaching the file read-only always reads the current file.
        con = duckdb.connect(":memory:")
        try:
            con.execute("ATTACH ? AS warehouse (READ_ONLY)", [str(db)])
            con.execute("USE warehouse")
        except BaseException:
            con.close()
            raise
        logger.debug("opened %s read-only", db)
        return cls(con, db)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def sql(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run any read-only SQL with bound parameters (`?` or `$name`)."""
        return self.con.execute(query, params).df() if params else self.con.execute(query).df()

    def tables(self) -> list[str]:
        """Tables and views of the warehouse."""
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? "
            "ORDER BY table_name",
            ["warehouse"],
        ).fetchall()
        return [r[0] for r in rows]

    def has_table(self, name: str) -> bool:
        return name in self.tables()

    def documents(
        self,
        kinds: str | Iterable[str] | None = None,
        collections: str | Iterable[str] | None = None,
        period: tuple[int, int] | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Documents (without their text) in year order; `period` is inclusive (start, end)."""
        where, params = self.filter_documents(kinds, collections, period)
        query = (
            "SELECT d.doc_id, d.collection, d.kind, d.title, d.authors, d.year, d.decade, "
            "d.century, d.date_text, d.date_precision, d.language, d.ocr_confidence, "
            "d.n_words FROM documents AS d"
            f"{where} ORDER BY d.year NULLS LAST, d.doc_id"
        )
        if limit is not None:
            query += " LIMIT ?"
            params.append(int(limit))
        return self.sql(query, params)

    def rejects(self) -> pd.DataFrame:
        """Every file or record the pipeline could not use, with its reason."""
        return self.sql("SELECT * FROM rejects ORDER BY collection, stage, source_path")

    @staticmethod
    def filter_documents(
        kinds: str | Iterable[str] | None = None,
        collections: str | Iterable[str] | None = None,
        period: tuple[int, int] | None = None,
        min_ocr_confidence: float | None = None,
    ) -> tuple[str, list[Any]]:
        """A WHERE clause on documents `d` and its bound parameters."""
        clauses: list[str] = []
        params: list[Any] = []
        kind_list = as_list(kinds)
        if kind_list is not None:
            clauses.append("list_contains(?, d.kind)")
            params.append(kind_list)
        collection_list = as_list(collections)
        if collection_list is not None:
            clauses.append("list_contains(?, d.collection)")
            params.append(collection_list)
        if period is not None:
            clauses.append("d.year BETWEEN ? AND ?")
            params.extend([int(period[0]), int(period[1])])
        if min_ocr_confidence is not None:
            # documents that were not OCRed (confidence NULL) are kept
            clauses.append("(d.ocr_confidence IS NULL OR d.ocr_confidence >= ?)")
            params.append(float(min_ocr_confidence))
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def frequency(
        self,
        terms: str | Iterable[str],
        by: str | int = "decade",
        field: str = "lemma",
        split: str | None = None,
        kinds: str | Iterable[str] | None = None,
        collections: str | Iterable[str] | None = None,
        min_ocr_confidence: float | None = None,
        ci: float = 0.95,
        n_boot: int = 1000,
        seed: int = 0,
    ) -> pd.DataFrame:
        """Relative frequency per period with bootstrap confidence intervals.

        Terms are lowercased and matched against lowercased lemmas (field="lemma") or word
        forms (field="text"). `total` is the number of alphabetic tokens of the period's dated
        documents; per_million = 1e6 * count / total. The CI resamples the period's documents
        (a document's count and length together) `n_boot` times; a one-document period has a
        zero-width interval, so read n_docs next to it.

        Returns columns term, period (start year), [split column], count, total, per_million,
        ci_low, ci_high, n_docs, n_docs_with_term; one row per term and period with documents.
        """
        width = bin_width(by)
        if field not in FIELDS:
            raise ValueError(f"field={field!r}; use one of {', '.join(FIELDS)}")
        if split is not None and split not in SPLITS:
            raise ValueError(f"split={split!r}; use one of {', '.join(SPLITS)}")
        if not 0.0 < ci < 1.0:
            raise ValueError(f"ci must be in (0, 1), got {ci}")
        words = normalise_terms(terms)
        where, params = self.filter_documents(kinds, collections, None, min_ocr_confidence)
        split_sql = SPLITS[split] if split else "NULL"
        docs = self.sql(
            f"SELECT d.doc_idx, CAST(floor(d.year / ?) * ? AS INTEGER) AS period, "
            f"CAST({split_sql} AS VARCHAR) AS split, l.n_alpha "
            f"FROM documents AS d JOIN doc_lengths AS l ON l.doc_idx = d.doc_idx{where}"
            f"{' AND' if where else ' WHERE'} d.year IS NOT NULL AND l.n_alpha > 0",
            [width, width, *params],
        )
        placeholders = ", ".join("?" for _ in words)
        hits = self.sql(
            "SELECT term, doc_idx, n_occurrences FROM term_doc_counts "
            f"WHERE field = ? AND term IN ({placeholders})",
            [field, *words],
        )
        columns = FREQUENCY_COLUMNS[:2] + ([split] if split else []) + FREQUENCY_COLUMNS[2:]
        if docs.empty:
            return pd.DataFrame(columns=columns)
        matrix = np.zeros((len(docs), len(words)))
        row_of = pd.Series(np.arange(len(docs)), index=docs["doc_idx"].to_numpy())
        hits = hits[hits["doc_idx"].isin(row_of.index)]
        col_of = {w: i for i, w in enumerate(words)}
        np.add.at(
            matrix,
            (
                row_of.loc[hits["doc_idx"].to_numpy()].to_numpy(),
                hits["term"].map(col_of).to_numpy(),
            ),
            hits["n_occurrences"].to_numpy(dtype=np.float64),
        )
        lengths = docs["n_alpha"].to_numpy(dtype=np.float64)
        docs["split"] = docs["split"].fillna("")
        rows: list[dict[str, Any]] = []
        for (period, split_value), group in docs.groupby(["period", "split"], sort=True):
            idx = group.index.to_numpy()
            counts, lens = matrix[idx], lengths[idx]
            rng = draw_period_seed(seed, int(period), split_value if split else None)
            point, low, high = bootstrap_rates(counts, lens, n_boot, ci, rng)
            total = int(lens.sum())
            for j, word in enumerate(words):
                count = int(counts[:, j].sum())
                row = {
                    "term": word,
                    "period": int(period),
                    "count": count,
                    "total": total,
                    "per_million": float(point[j]),
                    "ci_low": float(low[j]),
                    "ci_high": float(high[j]),
                    "n_docs": len(idx),
                    "n_docs_with_term": int((counts[:, j] > 0).sum()),
                }
                if split:
                    row[split] = split_value
                rows.append(row)
        out = pd.DataFrame(rows, columns=columns)
        order = ["term"] + ([split] if split else []) + ["period"]
        return out.sort_values(order, kind="stable").reset_index(drop=True)

    def kwic(
        self,
        term: str,
        window: int = 8,
        period: tuple[int, int] | None = None,
        field: str = "lemma",
        limit: int = 1000,
        kinds: str | Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Keyword in context: `window` tokens each side of every hit, in year order."""
        if field not in FIELDS:
            raise ValueError(f"field={field!r}; use one of {', '.join(FIELDS)}")
        window = int(window)
        if window < 0:
            raise ValueError(f"window must be >= 0, got {window}")
        word = normalise_terms(term)[0]
        where, params = self.filter_documents(kinds, None, period)
        where = where.replace(" WHERE ", " AND ", 1)
        # hits come from term_doc_counts first: only documents holding the term are scanned
        query = f"""
            WITH hit_docs AS (
                SELECT c.doc_idx FROM term_doc_counts AS c JOIN documents AS d
                    ON d.doc_idx = c.doc_idx
                WHERE c.field = ? AND c.term = ?{where}
            ), hits AS (
                SELECT t.doc_idx, t.gpos AS hit, d.year
                FROM tokens AS t JOIN documents AS d ON d.doc_idx = t.doc_idx
                WHERE t.doc_idx IN (SELECT doc_idx FROM hit_docs)
                  AND lower({FIELDS[field]}) = ?
                ORDER BY d.year NULLS LAST, t.gpos
                LIMIT ?
            ), context AS (
                SELECT h.doc_idx, h.hit, h.year, c.gpos, c.text
                FROM hits AS h
                CROSS JOIN range(?, ?) AS r(off)
                JOIN tokens AS c ON c.gpos = h.hit + r.off AND c.doc_idx = h.doc_idx
            )
            SELECT d.doc_id, d.title, d.year, d.kind,
                   coalesce(string_agg(x.text, ' ' ORDER BY x.gpos)
                            FILTER (WHERE x.gpos < x.hit), '') AS "left",
                   max(x.text) FILTER (WHERE x.gpos = x.hit) AS "match",
                   coalesce(string_agg(x.text, ' ' ORDER BY x.gpos)
                            FILTER (WHERE x.gpos > x.hit), '') AS "right"
            FROM context AS x JOIN documents AS d ON d.doc_idx = x.doc_idx
            GROUP BY d.doc_id, d.title, d.year, d.kind, x.hit
            ORDER BY d.year NULLS LAST, x.hit
        """
        return self.sql(query, [field, word, *params, word, int(limit), -window, window + 1])

    def topics_over_time(self) -> pd.DataFrame:
        """Topic prevalence per period with its label (five top terms)."""
        return self.sql("""
            SELECT p.period, p.period_start, p.topic, l.label, p.prevalence, p.ci_low,
                   p.ci_high, p.n_docs
            FROM topic_prevalence AS p LEFT JOIN topic_labels AS l ON l.topic = p.topic
            ORDER BY p.topic, p.period_start""")

    def topic_terms(self, topic: int, top: int = 20) -> pd.DataFrame:
        """The most probable terms of one topic."""
        return self.sql(
            "SELECT topic, rank, term, weight FROM topic_terms "
            "WHERE topic = ? AND rank <= ? ORDER BY rank",
            [int(topic), int(top)],
        )

    def neighbours(
        self, word: str, periods: str | Iterable[str] | None = None, top: int = 10
    ) -> pd.DataFrame:
        """Nearest words of `word` in each period's embedding."""
        query = (
            "SELECT n.period, n.word, n.rank, n.neighbour, n.similarity FROM neighbours AS n "
            "LEFT JOIN periods AS p ON p.period = n.period "
            "WHERE n.word = ? AND n.rank <= ?"
        )
        params: list[Any] = [word.strip().lower(), int(top)]
        period_list = as_list(periods)
        if period_list is not None:
            query += " AND list_contains(?, n.period)"
            params.append(period_list)
        return self.sql(query + " ORDER BY p.period_start NULLS LAST, n.period, n.rank", params)

    def drift(self, top: int = 20, include_low_frequency: bool = False) -> pd.DataFrame:
        """Words whose aligned embeddings moved most between periods."""
        query = (
            "SELECT word, from_period, to_period, cosine_distance, neighbour_overlap, "
            "count_from, count_to, low_frequency FROM drift"
        )
        if not include_low_frequency:
            query += " WHERE NOT coalesce(low_frequency, false)"
        return self.sql(query + " ORDER BY cosine_distance DESC, word LIMIT ?", [int(top)])
