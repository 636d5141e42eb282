"""Historians' query API over the DuckDB warehouse, opened read-only from notebooks.

Every value is bound as a parameter; identifiers come from allow-lists. DuckDB Python API:
https://duckdb.org/docs/stable/clients/python/dbapi
"""

from __future__ import annotations

import logging
import os
import warnings
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from warehouse.terms import Match, Term, TermError, match, parse_term, term_ids

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATH = ROOT / "data" / "warehouse" / "longue.duckdb"
ENV_VAR = "LONGUE_WAREHOUSE"

BINS: dict[str, int] = {"year": 1, "decade": 10, "quarter-century": 25, "century": 100}
SPLITS: dict[str, str] = {"kind": "d.kind", "collection": "d.collection", "language": "d.language"}
FIELDS: dict[str, str] = {"lemma": "t.lemma", "text": "t.text"}
# term queries (warehouse.terms): "auto" = lemma for one word, word forms for a phrase
TERM_FIELDS = ("auto", *FIELDS)
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
    "top_share",  # the largest single document's share of the count (breakdown() lists them)
]
MEASURES = ("pmi", "llr")
# token_blocks holds the token stream in blocks of this many positions (schema.sql).
BLOCK = 64
# Above this many documents without the term in a period, their summed length in a bootstrap
# replicate is drawn from its normal approximation (draw_documents_with_terms).
EXACT_OTHER_DOCS = 200
# Run on every reader connection once the warehouse is attached, so that sql() can touch no
# file but the attached warehouse. enable_external_access=false alone is not enough: DuckDB
# then allow-lists the attached file and its WAL, so `COPY ... TO '<warehouse>' (USE_TMP_FILE
# false)` could overwrite the warehouse, and DETACH + ATTACH could reopen it writable. With the
# local file system disabled, nothing opens a new file; the attached warehouse keeps its handle.
# The price: a query larger than memory fails instead of spilling to a temporary directory.
# https://duckdb.org/docs/stable/operations_manual/securing_duckdb/overview
SANDBOX = (
    "SET enable_external_access = false",  # no extensions, no COPY/EXPORT, no file readers
    "SET disabled_filesystems = 'LocalFileSystem'",
    "SET lock_configuration = true",  # and no SET/RESET to undo the two above
)
SANDBOX_HINT = (
    "Warehouse.sql() runs on a read-only, sandboxed connection: it cannot read or write files, "
    "attach databases or load extensions. To export a result, call .to_parquet()/.to_csv() on "
    "the DataFrame it returns."
)


class QueryWarning(UserWarning):
    """Something a reader of the result must know: a word the corpus never holds, hits left
    out of the denominator's language. Also kept in the result's `attrs["notes"]`."""


def _noted(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    frame.attrs["notes"] = list(notes)
    for note in notes:
        warnings.warn(note, QueryWarning, stacklevel=3)
    return frame


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


def check_choice(name: str, value: Any, allowed: Iterable[str]) -> None:
    """Refuse a value outside an allow-list, naming the valid ones."""
    allowed = list(allowed)
    if value not in allowed:
        raise ValueError(f"{name}={value!r}; use one of {', '.join(allowed)}")


def check_ci(ci: float) -> None:
    if not 0.0 < ci < 1.0:
        raise ValueError(f"ci must be in (0, 1), got {ci}")


def wilson_interval(
    successes: np.ndarray, trials: np.ndarray, ci: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share and Wilson score interval of successes/trials (both arrays)."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + ci / 2.0)
    n = np.maximum(trials.astype(np.float64), 1e-12)
    p = successes.astype(np.float64) / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = np.clip(np.minimum(centre - half, p), 0.0, 1.0)
    return p, low, np.clip(np.maximum(centre + half, p), 0.0, 1.0)


def dunning_llr(count: np.ndarray, slots: float, totals: np.ndarray, n: float) -> np.ndarray:
    """Dunning's signed log-likelihood G2 of each collocate's 2x2 contingency table.

    Rows: window slots (slots) vs the rest of the corpus; columns: the collocate vs any
    other token. count = the collocate in windows, totals = the collocate anywhere, n = tokens.
    """
    o11 = count
    o12 = slots - count
    o21 = totals - count
    o22 = n - slots - o21
    observed = np.stack([o11, o12, o21, o22])
    inside, outside = np.full_like(o11, slots), np.full_like(o11, n - slots)
    rows = np.stack([inside, inside, outside, outside])
    cols = np.stack([totals, n - totals, totals, n - totals])
    expected = rows * cols / n
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(observed > 0, observed * np.log(observed / expected), 0.0)
    g2 = 2.0 * terms.sum(axis=0)
    return np.where(o11 >= expected[0], g2, -g2)


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
    rates = draw_documents_with_terms(counts, lengths, n_boot, rng)
    alpha = (1.0 - ci) / 2.0
    low, high = np.quantile(rates, [alpha, 1.0 - alpha], axis=0)
    # a percentile interval of a skewed statistic can miss the estimate by a rounding hair
    return point, np.minimum(low, point), np.maximum(high, point)


def draw_documents_with_terms(
    counts: np.ndarray, lengths: np.ndarray, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Bootstrap rates (n_boot x terms), resampling n documents with replacement.

    Of a replicate's n draws, m ~ Binomial(n, k/n) land on the k documents holding a term
    (drawn uniformly among them); the other n - m land on documents without any, which only add
    their length: that sum is drawn exactly when there are few such documents and otherwise
    from its normal approximation (mean and variance of n - m iid lengths). Cost ~ n_boot x k
    instead of n_boot x n: a multinomial over every document took 1.4 s for one term's
    decades on the 52M-token benchmark, this takes milliseconds.
    """
    n_docs, n_terms = counts.shape
    has = counts.any(axis=1)
    if not has.any():
        return np.zeros((n_boot, n_terms))  # no document holds a term: every replicate is 0
    hit_counts, hit_lengths, other = counts[has], lengths[has], lengths[~has]
    k = len(hit_lengths)
    m = rng.binomial(n_docs, k / n_docs, size=n_boot) if k else np.zeros(n_boot, np.int64)
    numerator = np.zeros((n_boot, n_terms))
    denominator = np.zeros(n_boot)
    if k:
        replicate = np.repeat(np.arange(n_boot), m)
        drawn = rng.integers(0, k, size=int(m.sum()))
        for j in range(n_terms):
            numerator[:, j] = np.bincount(replicate, weights=hit_counts[drawn, j], minlength=n_boot)
        denominator += np.bincount(replicate, weights=hit_lengths[drawn], minlength=n_boot)
    rest = n_docs - m
    if len(other) <= EXACT_OTHER_DOCS:
        replicate = np.repeat(np.arange(n_boot), rest)
        drawn = rng.integers(0, len(other), size=int(rest.sum()))
        denominator += np.bincount(replicate, weights=other[drawn], minlength=n_boot)
    else:
        spread = np.sqrt(rest * other.var())
        denominator += np.maximum(rng.normal(rest * other.mean(), spread), rest * other.min())
    return 1e6 * numerator / denominator[:, None]


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
            for statement in SANDBOX:
                con.execute(statement)
            # the first DataFrame conversion of a process loads DuckDB's pandas glue (~0.1 s):
            # pay it while opening rather than inside the first question
            con.execute("SELECT 1 AS ready").df()
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
        """Run any read-only SQL with bound parameters (`?` or `$name`).

        The connection is sandboxed (see SANDBOX): statements that would read or write a file,
        attach a database or load an extension fail with duckdb.PermissionException.
        """
        try:
            return self.con.execute(query, params).df() if params else self.con.execute(query).df()
        except duckdb.PermissionException as exc:
            raise duckdb.PermissionException(f"{exc}\n{SANDBOX_HINT}") from exc

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
        include_duplicates: bool = False,
    ) -> pd.DataFrame:
        """Documents (without their text) in year order; `period` is inclusive (start, end).

        A text held by several documents is listed once (its canonical copy) unless
        include_duplicates=True; `duplicate_of` names the canonical copy of a duplicate.
        """
        where, params = self.filter_documents(
            kinds, collections, period, include_duplicates=include_duplicates
        )
        query = (
            "SELECT d.doc_id, d.collection, d.kind, d.title, d.authors, d.year, d.decade, "
            "d.century, d.date_text, d.date_precision, d.language, d.ocr_confidence, "
            "d.n_words, d.duplicate_of FROM documents AS d"
            f"{where} ORDER BY d.year NULLS LAST, d.doc_id"
        )
        if limit is not None:
            query += " LIMIT ?"
            params.append(int(limit))
        return self.sql(query, params)

    def duplicates(self) -> pd.DataFrame:
        """Documents whose text is already in another document, with their canonical copy.

        Columns doc_id, collection, duplicate_of, duplicate_of_collection, rule, n_copies,
        text_fingerprint (docs/design-notes.md, "The same text twice").
        """
        return self.sql("SELECT * FROM duplicates ORDER BY duplicate_of, doc_id")

    def rejects(self) -> pd.DataFrame:
        """Every file or record the pipeline could not use, with its reason."""
        return self.sql("SELECT * FROM rejects ORDER BY collection, stage, source_path")

    @staticmethod
    def filter_documents(
        kinds: str | Iterable[str] | None = None,
        collections: str | Iterable[str] | None = None,
        period: tuple[int, int] | None = None,
        min_ocr_confidence: float | None = None,
        include_duplicates: bool = False,
        languages: str | Iterable[str] | None = None,
    ) -> tuple[str, list[Any]]:
        """A WHERE clause on documents `d` and its bound parameters.

        Every query selects its documents here, so a text held by several documents (the same
        novel in two collections) counts once, in its canonical copy, unless include_duplicates.
        """
        clauses: list[str] = [] if include_duplicates else ["d.duplicate_of IS NULL"]
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
        language_list = as_list(languages)
        if language_list is not None:
            clauses.append("list_contains(?, d.language)")
            params.append(language_list)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    # -- terms (warehouse/terms.py) -------------------------------------------------------

    def languages(self) -> tuple[str, ...]:
        """The languages of the warehouse's documents (the tokenizers a phrase is cut with)."""
        if not hasattr(self, "_languages"):
            rows = self.con.execute(
                "SELECT DISTINCT language FROM documents WHERE language IS NOT NULL "
                "ORDER BY language"
            ).fetchall()
            self._languages = tuple(str(r[0]) for r in rows)
        return self._languages

    def parse_term(self, term: str, field: str = "auto") -> Term:
        """A term of the query syntax (warehouse/terms.py) cut as this warehouse's texts are."""
        check_choice("field", field, TERM_FIELDS)
        return parse_term(term, field, self.languages())

    def term_counts(
        self, terms: str | Iterable[str], field: str = "auto"
    ) -> tuple[list[Term], pd.DataFrame, list[str]]:
        """Each term's occurrences per document (term, doc_idx, n_occurrences) and notes.

        Terms of single words (wildcards and `+` sums included) are read from term_doc_counts;
        phrases and parts of speech are matched on the token stream (warehouse.terms.match).
        """
        items = [terms] if isinstance(terms, str) else list(terms)
        if not items:
            raise TermError("no term given")
        parsed: dict[str, Term] = {}
        for item in items:
            t = self.parse_term(item, field)
            parsed.setdefault(t.label, t)
        frames, notes = [], []
        for term in parsed.values():
            words = [p.words[0] for p in term.phrases if len(p.words) == 1]
            simple = len(words) == len(term.phrases) and not any(w.pos or w.any for w in words)
            if simple:
                found_ids = {w: term_ids(self.con, w) for w in words}  # one lookup per word
                ids = sorted({i for found in found_ids.values() for i in found})
                missing = [str(w) for w, found in found_ids.items() if not found]
                if len(missing) < len(words):
                    missing = []
                ids = ids or [-1]
                # term_doc_counts is sorted by term_id: the BETWEEN lets zone maps skip the rest
                found = self.sql(
                    "SELECT doc_idx, CAST(sum(n_occurrences) AS BIGINT) AS n_occurrences "
                    "FROM term_doc_counts WHERE term_id BETWEEN ? AND ? "
                    "AND term_id IN (SELECT unnest(?)) GROUP BY doc_idx",
                    [min(ids), max(ids), ids],
                )
            else:
                m = match(self.con, term)
                missing = m.missing
                found = (
                    m.hits.groupby("doc_idx").size().rename("n_occurrences").reset_index()
                    if not m.hits.empty
                    else pd.DataFrame(columns=["doc_idx", "n_occurrences"])
                )
            if missing:
                notes.append(
                    f"{term.label!r}: {', '.join(repr(w) for w in missing)} never occurs in "
                    "this warehouse, so its count is 0 in every period (not a measured absence "
                    "of the word: check the spelling, the field, or the collections built)"
                )
            found["term"] = term.label
            frames.append(found)
        counts = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        return list(parsed.values()), counts, notes

    def term_languages(
        self, labels: list[str], counts: pd.DataFrame, language: str | None
    ) -> tuple[dict[str, list[str] | None], list[str]]:
        """Each term's denominator languages and notes: as given ("all": every document), else
        the language whose documents hold most of that term's hits (a French word is divided
        by French tokens, an English one by English tokens, even in one call)."""
        if language == "all":
            return {label: None for label in labels}, []
        known = self.languages()
        if language is not None:
            if language not in known:
                raise ValueError(
                    f"language={language!r}: no document of this warehouse is in it; "
                    f"languages here: {', '.join(known) or 'none'} (or 'all')"
                )
            return {label: [language] for label in labels}, []
        per = pd.DataFrame(columns=["term", "language", "n"])
        if not counts.empty:
            per = self.sql(
                "SELECT c.term, d.language, CAST(sum(c.n) AS BIGINT) AS n FROM documents AS d "
                "JOIN (SELECT unnest(?) AS term, unnest(?) AS doc_idx, unnest(?) AS n) AS c "
                "ON c.doc_idx = d.doc_idx WHERE d.language IS NOT NULL "
                "GROUP BY ALL ORDER BY c.term, n DESC, d.language",
                [
                    counts["term"].astype(str).tolist(),
                    counts["doc_idx"].astype("int64").tolist(),
                    counts["n_occurrences"].astype("int64").tolist(),
                ],
            )
        chosen: dict[str, list[str] | None] = {}
        notes = []
        for label in labels:
            mine = per[per["term"] == label]
            if mine.empty:
                chosen[label] = None
                notes.append(
                    f"{label!r}: no hit, so its rates are per million tokens of every language"
                )
                continue
            lang = str(mine["language"].iloc[0])
            chosen[label] = [lang]
            others = mine.iloc[1:]
            if not others.empty:
                left = ", ".join(f"{r.language}: {r.n}" for r in others.itertuples())
                notes.append(
                    f"{label!r}: rates are per million tokens of the {lang!r} documents, where "
                    f"most of its hits are; hits in other languages are not counted ({left}): "
                    "pass language='all' or another language to count them"
                )
        return chosen, notes

    def term_rates(
        self,
        terms: str | Iterable[str],
        field: str,
        language: str | None,
        group_sql: str,
        group_params: list[Any],
        split: str | None,
        filters: dict[str, Any],
        dated: bool,
        n_boot: int,
        ci: float,
        seed: int,
    ) -> pd.DataFrame:
        """The rates of each term per (group, split) over the documents of its language."""
        parsed, counts, notes = self.term_counts(terms, field)
        labels = [t.label for t in parsed]
        if split == "language":  # one row per language: each is its own denominator already
            chosen, more = self.term_languages(labels, counts, language or "all")
        else:
            chosen, more = self.term_languages(labels, counts, language)
        frames = []

        def key(label: str) -> tuple[str, ...] | None:
            value = chosen[label]
            return tuple(value) if value else None

        for langs in dict.fromkeys(key(lb) for lb in labels):
            group = [lb for lb in labels if key(lb) == langs]
            where, params = self.filter_documents(**filters, languages=list(langs or []) or None)
            docs = self.document_lengths(
                group_sql, group_params, SPLITS[split] if split else None, where, params, dated
            )
            part = self.bootstrap_groups(docs, group, counts, split, n_boot, ci, seed)
            if split != "language":
                part["language"] = langs[0] if langs else "all"
            frames.append(part)
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        order = {lb: i for i, lb in enumerate(labels)}
        keys = ["term"] + ([split] if split else []) + ["group"]
        out = out.sort_values(keys, key=lambda c: c.map(order) if c.name == "term" else c)
        return _noted(out.reset_index(drop=True), notes + more)

    def match(
        self,
        term: str,
        field: str = "auto",
        period: tuple[int, int] | None = None,
        kinds: str | Iterable[str] | None = None,
        collections: str | Iterable[str] | None = None,
        languages: str | Iterable[str] | None = None,
        include_duplicates: bool = False,
    ) -> Match:
        """Every hit of a term (phrase, wildcard, lemma/POS, `+` sum) in the selected documents.

        `Match.hits`: hit (first token's gpos), doc_idx, length, match (the forms found);
        `Match.substitutions()`: what a wildcard matched, most frequent first.
        """
        found = match(self.con, self.parse_term(term, field))
        where, params = self.filter_documents(
            kinds, collections, period, None, include_duplicates, languages
        )
        keep = self.sql(f"SELECT d.doc_idx FROM documents AS d{where}", params)["doc_idx"]
        found.hits = found.hits[found.hits["doc_idx"].isin(set(keep))].reset_index(drop=True)
        return found

    def frequency(
        self,
        terms: str | Iterable[str],
        by: str | int = "decade",
        field: str = "auto",
        split: str | None = None,
        kinds: str | Iterable[str] | None = None,
        collections: str | Iterable[str] | None = None,
        min_ocr_confidence: float | None = None,
        ci: float = 0.95,
        n_boot: int = 1000,
        seed: int = 0,
        include_duplicates: bool = False,
        language: str | None = None,
        composition: bool = False,
    ) -> pd.DataFrame:
        """Relative frequency per period with bootstrap confidence intervals.

        `terms`: one term or several compared in one call, in the query syntax of
        warehouse/terms.py: words (lemmas by default), phrases of up to 5 tokens ("droits de
        l'homme", matched on word forms), wildcards (liber*), lemma/POS (femme/NOUN) and
        `+` sums of variants (juif+juifs+israélite). field="lemma" or "text" forces a field.

        The denominator, `total`, is the number of alphabetic tokens of the period's dated
        documents in the term's language: by default the language whose documents hold most
        of that term's hits (a French word is not divided by English tokens, even next to an
        English one in the same call); `language` names one for every term, or "all".
        per_million = 1e6 * count / total. The CI resamples the period's documents (a
        document's count and length together) `n_boot` times; a one-document period has a
        zero-width interval, so read n_docs next to it.

        Returns columns term, period (start year), [split column], count, total, per_million,
        ci_low, ci_high, n_docs, n_docs_with_term, top_share (the largest document's share of
        the count), language; one row per term and period with documents. A text held by
        several documents counts once unless include_duplicates. A word the warehouse never
        saw, or hits left out by the language, come with a QueryWarning (also in
        `result.attrs["notes"]`), never as a silent zero. composition=True puts the corpus
        composition of the same documents (composition(): tokens and documents per period x
        kind x language) in `result.attrs["composition"]`.
        """
        width = bin_width(by)
        if split is not None:
            check_choice("split", split, SPLITS)
        check_ci(ci)
        filters = {
            "kinds": kinds,
            "collections": collections,
            "min_ocr_confidence": min_ocr_confidence,
            "include_duplicates": include_duplicates,
        }
        out = self.term_rates(
            terms,
            field,
            language,
            "CAST(floor(d.year / ?) * ? AS INTEGER)",
            [width, width],
            split,
            filters,
            True,
            n_boot,
            ci,
            seed,
        )
        notes = out.attrs.get("notes", [])
        out = out.rename(columns={"group": "period"})
        out.attrs["notes"] = notes
        if composition:
            out.attrs["composition"] = self.composition(
                by, ("kind", "language"), kinds, collections, None, min_ocr_confidence,
                include_duplicates,
            )  # fmt: skip
        return out

    def composition(
        self,
        by: str | int = "decade",
        split: str | Iterable[str] | None = ("kind", "language"),
        kinds: str | Iterable[str] | None = None,
        collections: str | Iterable[str] | None = None,
        languages: str | Iterable[str] | None = None,
        min_ocr_confidence: float | None = None,
        include_duplicates: bool = False,
    ) -> pd.DataFrame:
        """Corpus composition: what a timeline's denominators are made of.

        One row per period (start year; dated documents only) and value of each `split`
        column (kind, collection, language; default kind x language): n_docs (dated
        documents), n_docs_with_words (those the NLP stage reached: n_alpha > 0), n_tokens,
        n_alpha (alphabetic tokens, frequency()'s denominator) and share (of the period's
        n_alpha). Duplicate copies are left out unless include_duplicates, as everywhere.
        """
        width = bin_width(by)
        cols = [split] if isinstance(split, str) else list(split or [])
        for col in cols:
            check_choice("split", col, SPLITS)
        if len(set(cols)) < len(cols):
            raise ValueError(f"split={split!r} names a column twice")
        where, params = self.filter_documents(
            kinds, collections, None, min_ocr_confidence, include_duplicates, languages
        )
        glue = " AND " if where else " WHERE "
        keys = "".join(f", CAST({SPLITS[c]} AS VARCHAR) AS {c}" for c in cols)
        out = self.sql(
            f"SELECT CAST(floor(d.year / ?) * ? AS INTEGER) AS period{keys}, "
            "count(*) AS n_docs, count(*) FILTER (WHERE l.n_alpha > 0) AS n_docs_with_words, "
            "CAST(coalesce(sum(l.n_tokens), 0) AS BIGINT) AS n_tokens, "
            "CAST(coalesce(sum(l.n_alpha), 0) AS BIGINT) AS n_alpha "
            f"FROM documents AS d LEFT JOIN doc_lengths AS l ON l.doc_idx = d.doc_idx{where}"
            f"{glue}d.year IS NOT NULL GROUP BY ALL ORDER BY ALL",
            [width, width, *params],
        )
        period_alpha = out.groupby("period")["n_alpha"].transform("sum")
        out["share"] = (out["n_alpha"] / period_alpha.where(period_alpha > 0)).astype(float)
        return out

    def compare_kinds(
        self,
        term: str,
        field: str = "auto",
        period: tuple[int, int] | None = None,
        min_ocr_confidence: float | None = None,
        ci: float = 0.95,
        n_boot: int = 1000,
        seed: int = 0,
        include_duplicates: bool = False,
        language: str | None = None,
    ) -> pd.DataFrame:
        """One term's rate per million words in each kind of source, side by side, with CIs.

        Undated documents count unless `period` (inclusive years) is given; the term syntax
        and the `language` of the denominator are those of frequency(). Returns columns term,
        kind, count, total, per_million, ci_low, ci_high, n_docs, n_docs_with_term, language.
        """
        check_ci(ci)
        filters = {
            "period": period,
            "min_ocr_confidence": min_ocr_confidence,
            "include_duplicates": include_duplicates,
        }
        out = self.term_rates(
            [term], field, language, "0", [], "kind", filters, False, n_boot, ci, seed
        )
        notes = out.attrs.get("notes", [])
        out = out.drop(columns="group").sort_values("kind").reset_index(drop=True)
        out.attrs["notes"] = notes
        return out

    # -- representations (warehouse/describe.py; issue 16) ------------------------------------

    def describe(
        self,
        term: str,
        by: str | int = "decade",
        kinds: str | Iterable[str] | None = None,
        relations: str | Iterable[str] | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        """How `term` is described in each period: its syntactic profile from the parse.

        relations (default all): amod (adjectives modifying it), nsubj (verbs and predicates
        whose subject it is), obj (verbs whose object it is), appos, conj. Per period (and
        `split`: kind, collection or language), each descriptor (lowercased lemma) with count,
        n_docs, share of the term's arcs of that relation with a CI resampling documents
        (n_boot, ci; Wilson if n_boot=0), and its association with the term against the
        relation's arcs in the same period and documents (baseline_count of the descriptor
        in that relation with any word, baseline_total arcs): expected, signed Dunning llr,
        log_ratio (log2, +0.5 smoothing). example_doc_ids / example_gpos locate hits to read
        in kwic() (its gpos column). Sorted by llr per period and relation (top, min_count).
        Options: field, split, collections, period, languages, min_count, top, n_examples,
        ci, n_boot, seed, include_duplicates. Raises describe.NoParse when no hit has a
        dependency parse (German: no parser).
        """
        from warehouse import describe

        return describe.describe(self, term, by, kinds, relations, **options)

    def compare(self, a: dict[str, Any], b: dict[str, Any], **options: Any) -> pd.DataFrame:
        """The words that distinguish two sides, by log-odds with an informative Dirichlet
        prior (Monroe, Colaresi & Quinn 2008) and z-scores; positive z: characteristic of a.

        A side is a dict of term, period (inclusive years), kinds, collections, languages;
        options apply to both (kinds=..., period=...). Without a term, the sides' vocabularies
        (lemmas; stop words out unless exclude_stopwords=False); with a term, its descriptors
        ("relation:lemma", relations=...) or, with window=N, its collocates. prior (counts)
        and prior_strength (alpha_0) set the prior; by default alpha_w = a_w + b_w. Returns
        word, count_a, count_b, per_million_a, per_million_b, log_odds, se, z: the top (25)
        of each end.
        """
        from warehouse import describe

        return describe.compare(self, a, b, **options)

    def trends(self, by: str | int = "decade", **options: Any) -> pd.DataFrame:
        """The words whose rate rises or falls most across periods (one language: `language`,
        else the one with most words; options kinds, collections, period, field, min_count,
        top, exclude_stopwords).

        Per word, a quasi-Poisson regression of its count per document on the period (log
        link, the document's words as exposure): slope = change of log rate per period,
        rate_ratio = exp(slope), and z / p_value with the standard error inflated by the
        document-level Pearson dispersion, so a word carried by a few documents is not a
        trend. Sorted by z: the top risers, then the top fallers.
        """
        from warehouse import describe

        return describe.trends(self, by, **options)

    def breakdown(
        self, term: str, period: int | None = None, by: str = "document", **options: Any
    ) -> pd.DataFrame:
        """The documents (or author, title, collection, kind, publisher, or any metadata key)
        behind each point of frequency(term): count, share of the period's count (shares sum
        to 1), rank, period_count and top_share (the largest contributor's share). `period`:
        one period start (else every period); options time_by, field, kinds, collections,
        language (the denominator language, as frequency()), include_duplicates, top."""
        from warehouse import describe

        return describe.breakdown(self, term, period, by, **options)

    def cooccurrence(
        self, x: str, y: str, within: int = 10, by: str | int = "decade", **options: Any
    ) -> pd.DataFrame:
        """Hits of x with a hit of y within `within` tokens (same document; 1 = adjacent), per
        period: n_x, n_near, share = n_near / n_x with a CI resampling documents, per_million
        (n_near per million words of x's language), n_docs, n_docs_near."""
        from warehouse import describe

        return describe.cooccurrence(self, x, y, within, by, **options)

    def collocates_by_period(
        self, term: str, by: str | int = "decade", **options: Any
    ) -> pd.DataFrame:
        """collocates() of every period holding the term in one table, period first."""
        from warehouse import describe

        return describe.collocates_by_period(self, term, by, **options)

    def document_lengths(
        self,
        group_sql: str,
        group_params: list[Any],
        split_sql: str | None,
        where: str,
        params: list[Any],
        dated: bool,
    ) -> pd.DataFrame:
        """doc_idx, group, split, n_alpha of the documents with words (group_sql from code)."""
        conditions = ["l.n_alpha > 0"] + (["d.year IS NOT NULL"] if dated else [])
        glue = " AND " if where else " WHERE "
        return self.sql(
            f'SELECT d.doc_idx, {group_sql} AS "group", '
            f"CAST({split_sql or 'NULL'} AS VARCHAR) AS split, l.n_alpha "
            f"FROM documents AS d JOIN doc_lengths AS l ON l.doc_idx = d.doc_idx{where}"
            f"{glue}{' AND '.join(conditions)}",
            [*group_params, *params],
        )

    def bootstrap_groups(
        self,
        docs: pd.DataFrame,
        words: list[str],
        hits: pd.DataFrame,
        split: str | None,
        n_boot: int,
        ci: float,
        seed: int,
    ) -> pd.DataFrame:
        """Counts and bootstrap CIs of each term of `words` in each (group, split) of `docs`;
        `hits` holds the terms' occurrences per document (term, doc_idx, n_occurrences)."""
        columns = ["term", "group"] + ([split] if split else []) + FREQUENCY_COLUMNS[2:]
        if docs.empty:
            return pd.DataFrame(columns=columns)
        matrix = np.zeros((len(docs), len(words)))
        row_of = pd.Series(np.arange(len(docs)), index=docs["doc_idx"].to_numpy())
        if not hits.empty:
            hits = hits[hits["doc_idx"].isin(row_of.index) & hits["term"].isin(words)]
            col_of = {w: i for i, w in enumerate(words)}
            np.add.at(
                matrix,
                (
                    row_of.loc[hits["doc_idx"].to_numpy()].to_numpy(dtype=np.int64),
                    hits["term"].map(col_of).to_numpy(dtype=np.int64),
                ),
                hits["n_occurrences"].to_numpy(dtype=np.float64),
            )
        lengths = docs["n_alpha"].to_numpy(dtype=np.float64)
        docs = docs.assign(split=docs["split"].fillna(""))
        rows: list[dict[str, Any]] = []
        for (group, split_value), part in docs.groupby(["group", "split"], sort=True):
            idx = part.index.to_numpy()
            counts, lens = matrix[idx], lengths[idx]
            rng = draw_period_seed(seed, int(group), split_value if split else None)
            point, low, high = bootstrap_rates(counts, lens, n_boot, ci, rng)
            total = int(lens.sum())
            for j, word in enumerate(words):
                row = {
                    "term": word,
                    "group": int(group),
                    "count": int(counts[:, j].sum()),
                    "total": total,
                    "per_million": float(point[j]),
                    "ci_low": float(low[j]),
                    "ci_high": float(high[j]),
                    "n_docs": len(idx),
                    "n_docs_with_term": int((counts[:, j] > 0).sum()),
                    "top_share": (
                        float(counts[:, j].max() / counts[:, j].sum())
                        if counts[:, j].sum()
                        else float("nan")
                    ),
                }
                if split:
                    row[split] = split_value
                rows.append(row)
        out = pd.DataFrame(rows, columns=columns)
        order = ["term"] + ([split] if split else []) + ["group"]
        return out.sort_values(order, kind="stable").reset_index(drop=True)

    def term_id(self, term: str, field: str = "lemma") -> int | None:
        """The dictionary id of a lowercased term, None when the warehouse never saw it."""
        check_choice("field", field, FIELDS)
        row = self.con.execute(
            "SELECT term_id FROM terms WHERE field = ? AND term = ?",
            [field, normalise_terms(term)[0]],
        ).fetchone()
        return int(row[0]) if row else None

    def hits(
        self,
        term: str,
        field: str = "auto",
        period: tuple[int, int] | None = None,
        kinds: str | Iterable[str] | None = None,
        collections: str | Iterable[str] | None = None,
        limit: int | None = None,
        include_duplicates: bool = False,
        languages: str | Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Every hit of a term (query syntax of warehouse/terms.py), in year order: hit (gpos
        of its first token), length, match, doc_idx, document and its token bounds."""
        found = match(self.con, self.parse_term(term, field))
        columns = [
            "hit", "length", "match", "doc_idx", "doc_id", "title", "year", "kind",
            "first_gpos", "last_gpos",
        ]  # fmt: skip
        if found.hits.empty:
            return pd.DataFrame(columns=columns)
        where, params = self.filter_documents(
            kinds, collections, period, None, include_duplicates, languages
        )
        where = where.replace(" WHERE ", " AND ", 1)
        h = found.hits
        query = (
            "SELECT h.hit, h.length, h.match, h.doc_idx, d.doc_id, d.title, d.year, d.kind, "
            "l.first_gpos, l.first_gpos + l.n_tokens - 1 AS last_gpos "
            "FROM (SELECT unnest(?) AS hit, unnest(?) AS length, unnest(?) AS match, "
            "unnest(?) AS doc_idx) AS h "
            "JOIN documents AS d ON d.doc_idx = h.doc_idx "
            "JOIN doc_lengths AS l ON l.doc_idx = h.doc_idx "
            f"WHERE TRUE{where} ORDER BY d.year NULLS LAST, h.hit"
        )
        bound: list[Any] = [
            h["hit"].astype("int64").tolist(),
            h["length"].astype("int64").tolist(),
            h["match"].astype(str).tolist(),
            h["doc_idx"].astype("int64").tolist(),
            *params,
        ]
        if limit is not None:
            query += " LIMIT ?"
            bound.append(int(limit))
        return self.sql(query, bound)[columns]

    def read_windows(
        self, hits: pd.DataFrame, window: int, column: str
    ) -> tuple[np.ndarray, np.ndarray, Any]:
        """Positions hit-window..hit+window clipped to each hit's document, and their values.

        Returns (positions, valid mask, values) with positions and mask of shape
        hits x (2 * window + 1); values[i, j] is `column` of token_blocks at that position.
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        offsets = np.arange(-window, window + 1)
        hit = hits["hit"].to_numpy(dtype=np.int64)
        pos = hit[:, None] + offsets[None, :]
        valid = (pos >= hits["first_gpos"].to_numpy(dtype=np.int64)[:, None]) & (
            pos <= hits["last_gpos"].to_numpy(dtype=np.int64)[:, None]
        )
        wanted = np.unique(pos[valid] // BLOCK)
        table = self.con.sql(
            f"SELECT block, {column} AS v FROM token_blocks "
            "WHERE block IN (SELECT unnest(?)) ORDER BY block",
            params=[wanted.tolist()],
        ).to_arrow_table()
        blocks = table.column("block").to_numpy()
        values = table.column("v").combine_chunks()
        starts = values.offsets.to_numpy()[:-1]
        flat = values.flatten()
        safe = np.where(valid, pos, hit[:, None])
        rows = np.searchsorted(blocks, safe // BLOCK)
        index = starts[rows] + safe % BLOCK
        taken = pc.take(flat, pa.array(index.ravel()))
        return pos, valid, taken

    def kwic(
        self,
        term: str,
        window: int = 8,
        period: tuple[int, int] | None = None,
        field: str = "auto",
        limit: int | None = 1000,
        kinds: str | Iterable[str] | None = None,
        collections: str | Iterable[str] | None = None,
        include_duplicates: bool = False,
        languages: str | Iterable[str] | None = None,
        offset: int = 0,
    ) -> pd.DataFrame:
        """Keyword in context, citable: every hit with `window` tokens each side, in year order.

        The term is in the query syntax of warehouse/terms.py (a phrase's tokens are the
        match). `left`/`match`/`right` are tokens; `passage` is the same stretch as written in
        the source (its spacing, line breaks and punctuation), `start_char`/`end_char` the
        match's offsets in the document's text, `page` the printed page (TEI <pb n>, the
        page of an ALTO/OCR document) and `chapter` the chapter or section head where the
        source has them. Lines `offset` .. `offset + limit` of all hits are returned (limit
        None: all); when that is not every hit, a QueryWarning says how many there are, and
        `attrs["n_hits"]` holds the total. Context never crosses a document boundary.
        """
        window = int(window)
        if window < 0:
            raise ValueError(f"window must be >= 0, got {window}")
        if int(offset) < 0:
            raise ValueError(f"offset must be >= 0, got {offset}")
        every = self.hits(
            term, field, period, kinds, collections, None, include_duplicates, languages
        )
        n_hits = len(every)
        stop = None if limit is None else int(offset) + int(limit)
        hits = every.iloc[int(offset) : stop].reset_index(drop=True)
        columns = [
            "doc_id", "title", "year", "kind", "left", "match", "right", "gpos",
            "passage", "start_char", "end_char", "page", "chapter",
        ]  # fmt: skip
        notes = []
        if len(hits) < n_hits:
            notes.append(
                f"{term!r}: lines {int(offset)}-{int(offset) + len(hits)} of {n_hits} hits in year "
                "order; pass offset= to page through them, or limit=None for all"
            )
        if hits.empty:
            out = pd.DataFrame(columns=columns)
            out.attrs["n_hits"] = n_hits
            return _noted(out, notes)
        lengths = hits["length"].to_numpy(dtype=np.int64)
        span = int(lengths.max())
        # a window wide enough for the longest match; each line then takes its own slices
        pos, valid, taken = self.read_windows(hits, window + span - 1, "texts")
        words = np.array(taken.to_pylist(), dtype=object).reshape(valid.shape)
        centre = window + span - 1  # column of each hit's first token
        left, matched, right, first, last = [], [], [], [], []
        for w, m, p, n in zip(words, valid, pos, lengths, strict=True):
            left.append(" ".join(w[centre - window : centre][m[centre - window : centre]]))
            matched.append(" ".join(w[centre : centre + n]))
            stop_at = centre + n + window
            right.append(" ".join(w[centre + n : stop_at][m[centre + n : stop_at]]))
            shown = p[centre - window : stop_at][m[centre - window : stop_at]]
            first.append(int(shown.min()))
            last.append(int(shown.max()))
        out = hits[["doc_id", "title", "year", "kind"]].copy()
        out["left"] = left
        out["match"] = matched
        out["right"] = right
        out["gpos"] = hits["hit"].to_numpy()
        cited = self.cite(
            hits["doc_idx"].to_numpy(dtype=np.int64),
            np.asarray(first),
            np.asarray(last),
            hits["hit"].to_numpy(dtype=np.int64),
            hits["hit"].to_numpy(dtype=np.int64) + lengths - 1,
        )
        out = pd.concat([out.reset_index(drop=True), cited], axis=1)
        out.attrs["n_hits"] = n_hits
        return _noted(out[columns], notes)

    def cite(
        self,
        doc_idx: np.ndarray,
        first: np.ndarray,
        last: np.ndarray,
        match_first: np.ndarray,
        match_last: np.ndarray,
    ) -> pd.DataFrame:
        """passage, start_char, end_char, page, chapter of token stretches (gpos first..last,
        the match match_first..match_last) from the documents' own text and metadata."""
        wanted = np.unique(np.concatenate([first, last, match_first, match_last]))
        tok = self.sql(
            "SELECT gpos, start_char, start_char + length(text) AS end_char FROM tokens "
            "WHERE gpos BETWEEN ? AND ? AND gpos IN (SELECT unnest(?))",
            [int(wanted.min()), int(wanted.max()), wanted.tolist()],
        ).set_index("gpos")
        start = tok["start_char"]
        end = tok["end_char"]
        p_start = start.loc[first].to_numpy(dtype=np.int64)
        p_end = end.loc[last].to_numpy(dtype=np.int64)
        m_start = start.loc[match_first].to_numpy(dtype=np.int64)
        m_end = end.loc[match_last].to_numpy(dtype=np.int64)
        rows = self.sql(
            "SELECT h.i, substring(d.text, h.s + 1, h.e - h.s) AS passage "
            "FROM (SELECT unnest(?) AS i, unnest(?) AS doc_idx, unnest(?) AS s, unnest(?) AS e) "
            "AS h JOIN documents AS d ON d.doc_idx = h.doc_idx ORDER BY h.i",
            [list(range(len(doc_idx))), doc_idx.tolist(), p_start.tolist(), p_end.tolist()],
        )
        pages, chapters = self.locate(doc_idx, m_start)
        return pd.DataFrame(
            {
                "passage": rows["passage"].to_numpy(),
                "start_char": m_start,
                "end_char": m_end,
                "page": pages,
                "chapter": chapters,
            }
        )

    def locate(self, doc_idx: np.ndarray, offsets: np.ndarray) -> tuple[list[Any], list[Any]]:
        """The printed page and the chapter at each character offset of each document.

        TEI: metadata page_breaks/chapters ([offset, value] lists written by the reader) and
        page_start (where a FRUS document begins); ALTO/OCR: the pages table, whose texts
        joined by blank lines make the document's text (used only when they add up exactly).
        """
        import bisect
        import json

        docs = self.sql(
            "SELECT d.doc_idx, d.n_chars, d.metadata['page_breaks'] AS page_breaks, "
            "d.metadata['page_start'] AS page_start, d.metadata['chapters'] AS chapters, "
            "d.metadata['chapter'] AS chapter, "
            "(SELECT list(struct_pack(n := p.page_number, len := length(p.text)) "
            "ORDER BY p.page_number) FROM pages AS p WHERE p.doc_id = d.doc_id "
            "AND coalesce(p.text, '') <> '') AS pages "
            "FROM documents AS d WHERE d.doc_idx IN (SELECT unnest(?))",
            [sorted({int(i) for i in doc_idx})],
        ).set_index("doc_idx")
        cache: dict[int, tuple[list[int], list[Any], list[int], list[Any], Any, Any]] = {}

        def table(i: int) -> tuple[list[int], list[Any], list[int], list[Any], Any, Any]:
            if i not in cache:
                r = docs.loc[i]
                breaks = json.loads(r["page_breaks"]) if isinstance(r["page_breaks"], str) else []
                heads = json.loads(r["chapters"]) if isinstance(r["chapters"], str) else []
                pages = r["pages"] if isinstance(r["pages"], list | np.ndarray) else []
                if not breaks and len(pages):
                    total = sum(int(p["len"]) for p in pages) + 2 * (len(pages) - 1)
                    if total == int(r["n_chars"] or -1):  # "\n\n".join(page texts)
                        at = 0
                        for p in pages:
                            breaks.append([at, str(p["n"])])
                            at += int(p["len"]) + 2
                start = r["page_start"] if isinstance(r["page_start"], str) else None
                chapter = r["chapter"] if isinstance(r["chapter"], str) and r["chapter"] else None
                cache[i] = (
                    [int(b[0]) for b in breaks],
                    [b[1] for b in breaks],
                    [int(h[0]) for h in heads],
                    [h[1] for h in heads],
                    start,
                    chapter,
                )
            return cache[i]

        pages_out: list[Any] = []
        chapters_out: list[Any] = []
        for i, at in zip(doc_idx.tolist(), offsets.tolist(), strict=True):
            b_at, b_val, h_at, h_val, start, chapter = table(int(i))
            k = bisect.bisect_right(b_at, at) - 1
            pages_out.append(b_val[k] if k >= 0 else start)
            k = bisect.bisect_right(h_at, at) - 1
            chapters_out.append(h_val[k] if k >= 0 else chapter)
        return pages_out, chapters_out

    def collocates(
        self,
        term: str,
        period: tuple[int, int] | None = None,
        window: int = 5,
        measure: str = "pmi",
        min_count: int = 3,
        field: str = "lemma",
        exclude_stopwords: bool = True,
        kinds: str | Iterable[str] | None = None,
        top: int | None = 50,
        include_duplicates: bool = False,
    ) -> pd.DataFrame:
        """Words found within `window` tokens of `term` more often than chance.

        Counts the tokens at distance 1..window on either side of a hit, inside its document,
        each position once even where two windows overlap (punctuation and, by default, stop
        words are not candidates; occurrences of the node term itself are not slots). With N
        tokens in scope, W window slots, c the co-occurrences and c_y the collocate's frequency
        in scope: expected = W * c_y / N, pmi = log2(c / expected) and
        llr = Dunning's G2 on the 2x2 table (window slots vs the rest x collocate vs others),
        signed negative when c < expected. Sorted by `measure` ("pmi" or "llr").

        Returns columns collocate, count, collocate_total, expected, pmi, llr.
        """
        check_choice("field", field, FIELDS)
        check_choice("measure", measure, MEASURES)
        window = int(window)
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        columns = ["collocate", "count", "collocate_total", "expected", "pmi", "llr"]
        node = self.term_id(term, field)
        if node is None:  # one word of the dictionary (phrases: not yet)
            return pd.DataFrame(columns=columns)
        hits = self.hits(term, field, period, kinds, include_duplicates=include_duplicates)
        if hits.empty:
            return pd.DataFrame(columns=columns)
        pos, valid, taken = self.read_windows(hits, window, f"{field}_ids")
        ids = taken.to_numpy(zero_copy_only=False).reshape(valid.shape)
        ids = np.nan_to_num(ids.astype(np.float64), nan=-1).astype(np.int64)
        # a token inside two overlapping windows is one slot, so count <= collocate_total
        positions, first = np.unique(pos[valid], return_index=True)
        ids = ids[valid][first]
        ids = ids[(ids >= 0) & (ids != node)]
        slots = int(ids.size)
        found, counts = np.unique(ids, return_counts=True)
        keep = counts >= int(min_count)
        found, counts = found[keep], counts[keep]
        if not len(found):
            return pd.DataFrame(columns=columns)
        where, params = self.filter_documents(
            kinds, None, period, include_duplicates=include_duplicates
        )
        info = self.sql(
            "SELECT term_id, term, is_alpha, is_stop FROM terms "
            "WHERE term_id IN (SELECT unnest(?))",
            [found.tolist()],
        ).set_index("term_id")
        glue = " AND " if where else " WHERE "
        margins = self.sql(
            "SELECT c.term_id, CAST(sum(c.n_occurrences) AS BIGINT) AS n "
            "FROM term_doc_counts AS c JOIN documents AS d ON d.doc_idx = c.doc_idx"
            f"{where}{glue}c.term_id IN (SELECT unnest(?)) GROUP BY c.term_id",
            [*params, found.tolist()],
        ).set_index("term_id")["n"]
        total_row = self.con.execute(
            "SELECT sum(l.n_tokens) FROM documents AS d "
            f"JOIN doc_lengths AS l ON l.doc_idx = d.doc_idx{where}",
            params,
        ).fetchone()
        n_total = float(total_row[0] or 0) if total_row else 0.0
        out = pd.DataFrame({"term_id": found, "count": counts})
        out["collocate"] = out["term_id"].map(info["term"])
        out["collocate_total"] = out["term_id"].map(margins).fillna(0).astype(np.int64)
        mask = out["term_id"].map(info["is_alpha"]).fillna(False).astype(bool)
        if exclude_stopwords:
            mask &= ~out["term_id"].map(info["is_stop"]).fillna(False).astype(bool)
        out = out[mask].copy()
        c = out["count"].to_numpy(dtype=np.float64)
        cy = out["collocate_total"].to_numpy(dtype=np.float64)
        out["expected"] = slots * cy / n_total
        out["pmi"] = np.log2(c / out["expected"].to_numpy())
        out["llr"] = dunning_llr(c, slots, cy, n_total)
        # ties (words seen only next to the term share one PMI) go alphabetically
        out = out.sort_values(
            [measure, "count", "collocate"], ascending=[False, False, True], kind="stable"
        )
        if top is not None:
            out = out.head(int(top))
        return out[columns].reset_index(drop=True)

    def entity_timeline(
        self,
        entity: str,
        by: str | int = "decade",
        match: str = "auto",
        origin: str | None = None,
        kinds: str | Iterable[str] | None = None,
        ci: float = 0.95,
        include_duplicates: bool = False,
    ) -> pd.DataFrame:
        """How many dated documents mention an entity (or any entity of a label), per period.

        `entity` is an entity text or a label such as PER or LOC. match="text" compares whole
        texts (case-insensitive), "contains" finds it inside longer ones ("Baker" in "Mr.
        Baker"), "label" takes every entity of that label, and "auto" reads it as a label when
        it is one of the warehouse's labels, else as a text. `origin`
        keeps only "ner" or "markup" mentions. share = n_docs_mentioning / n_docs with a
        Wilson score interval.

        Returns columns period, n_mentions, n_docs_mentioning, n_docs, share, ci_low, ci_high.
        """
        width = bin_width(by)
        check_choice("match", match, ("auto", "label", "text", "contains"))
        check_ci(ci)
        if origin is not None:
            check_choice("origin", origin, ("ner", "markup"))
        if not isinstance(entity, str) or not entity.strip():
            raise ValueError("entity must be a non-empty string")
        if match == "auto":
            labels = set(self.sql("SELECT DISTINCT label FROM entities")["label"])
            match = "label" if entity.strip() in labels else "text"
        condition = {
            "label": "e.label = ?",
            "text": "lower(e.text) = lower(?)",
            "contains": "contains(lower(e.text), lower(?))",
        }[match]
        where, params = self.filter_documents(kinds, include_duplicates=include_duplicates)
        glue = " AND " if where else " WHERE "
        df = self.sql(
            f"""
            WITH docs AS (
                SELECT d.doc_id, CAST(floor(d.year / ?) * ? AS INTEGER) AS period
                FROM documents AS d{where}{glue}d.year IS NOT NULL
            ), mentions AS (
                SELECT e.doc_id, count(*) AS n FROM entities AS e
                WHERE {condition} AND (CAST(? AS VARCHAR) IS NULL OR e.origin = ?)
                GROUP BY e.doc_id
            )
            SELECT x.period, CAST(coalesce(sum(m.n), 0) AS BIGINT) AS n_mentions,
                   count(m.doc_id) AS n_docs_mentioning, count(*) AS n_docs
            FROM docs AS x LEFT JOIN mentions AS m ON m.doc_id = x.doc_id
            GROUP BY x.period ORDER BY x.period""",
            [width, width, *params, entity.strip(), origin, origin],
        )
        share, low, high = wilson_interval(
            df["n_docs_mentioning"].to_numpy(), df["n_docs"].to_numpy(), ci
        )
        return df.assign(share=share, ci_low=low, ci_high=high)

    def cable_network(
        self,
        period: tuple[int, int] | None = None,
        mode: str = "sender_recipient",
        kinds: str | Iterable[str] | None = "cable",
        labels: Iterable[str] = ("PER", "ORG", "LOC"),
        origin: str | None = None,
        min_weight: int = 1,
        include_duplicates: bool = False,
    ) -> pd.DataFrame:
        """The diplomatic network as an edge list: who wrote to whom, or who is named with whom.

        mode="sender_recipient": documents.sender -> documents.recipient (several names
        separated by "; " give one edge each), directed. mode="co_mention": entities of the
        given labels named in the same document, undirected (source < target). weight = the
        number of documents (a cable held twice, say by two dumps, counts once unless
        include_duplicates=True); first_year/last_year bound the dated ones.

        Returns columns source, target, weight, first_year, last_year, source_label,
        target_label (labels are null in sender_recipient mode).
        """
        check_choice("mode", mode, ("sender_recipient", "co_mention"))
        if origin is not None:
            check_choice("origin", origin, ("ner", "markup"))
        where, params = self.filter_documents(
            kinds, None, period, include_duplicates=include_duplicates
        )
        if mode == "sender_recipient":
            glue = " AND " if where else " WHERE "
            query = f"""
                WITH s AS (
                    SELECT d.doc_id, d.year, d.recipient,
                           unnest(string_split(d.sender, '; ')) AS source
                    FROM documents AS d{where}{glue}d.sender IS NOT NULL
                        AND d.recipient IS NOT NULL
                ), e AS (
                    SELECT doc_id, year, source,
                           unnest(string_split(recipient, '; ')) AS target FROM s
                )
                SELECT trim(source) AS source, trim(target) AS target, count(*) AS weight,
                       min(year) AS first_year, max(year) AS last_year,
                       CAST(NULL AS VARCHAR) AS source_label, CAST(NULL AS VARCHAR) AS target_label
                FROM e WHERE trim(source) <> '' AND trim(target) <> ''
                GROUP BY ALL HAVING count(*) >= ?
                ORDER BY weight DESC, source, target"""
            return self.sql(query, [*params, int(min_weight)])
        query = f"""
            WITH docs AS (SELECT d.doc_id, d.year FROM documents AS d{where}),
            names AS (
                SELECT DISTINCT e.doc_id, x.year,
                       regexp_replace(trim(e.text), '\\s+', ' ', 'g') AS name, e.label
                FROM entities AS e JOIN docs AS x ON x.doc_id = e.doc_id
                WHERE list_contains(?, e.label)
                  AND (CAST(? AS VARCHAR) IS NULL OR e.origin = ?)
            )
            SELECT a.name AS source, b.name AS target, count(*) AS weight,
                   min(a.year) AS first_year, max(a.year) AS last_year,
                   a.label AS source_label, b.label AS target_label
            FROM names AS a JOIN names AS b
                ON a.doc_id = b.doc_id
                AND (a.name < b.name OR (a.name = b.name AND a.label < b.label))
            GROUP BY ALL HAVING count(*) >= ?
            ORDER BY weight DESC, source, target"""
        return self.sql(query, [*params, [str(x) for x in labels], origin, origin, int(min_weight)])

    def actors(
        self,
        kind: str | None = None,
        name: str | None = None,
        min_mentions: int = 1,
        mentions: bool = False,
    ) -> pd.DataFrame:
        """Actors (persons, orgs, places, roles) linked from every source of names, most
        mentioned first (models/actors.py; rules in docs/design-notes.md, "Actors").

        kind: person, org, place or role; name: a case-insensitive part of the actor's name or
        id. mentions=True gives their mentions instead (doc_id, source, start_char, end_char,
        surface, actor_id, rule, role, source_id, year), in document order.
        """
        if kind is not None:
            check_choice("kind", kind, ("person", "org", "place", "role"))
        where = (
            " WHERE (CAST(? AS VARCHAR) IS NULL OR a.kind = ?)"
            " AND (CAST(? AS VARCHAR) IS NULL OR contains(lower(a.name || ' ' || a.actor_id),"
            " lower(?))) AND a.n_mentions >= ?"
        )
        params = [kind, kind, name, name, int(min_mentions)]
        if mentions:
            return self.sql(
                "SELECT m.* FROM actor_mentions AS m JOIN actors AS a ON a.actor_id = m.actor_id"
                f"{where} ORDER BY m.doc_id, m.start_char NULLS LAST, m.source",
                params,
            )
        return self.sql(
            f"SELECT a.* FROM actors AS a{where} ORDER BY a.n_mentions DESC, a.actor_id", params
        )

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

    def more_like_this(
        self, doc_id: str, k: int = 10, method: str = "sif", include_duplicates: bool = False
    ) -> pd.DataFrame:
        """The k documents whose embeddings are closest (cosine) to `doc_id`'s.

        Duplicate copies (the same text in another collection) are not listed unless
        include_duplicates=True.
        """
        return self.sql(
            "WITH q AS (SELECT vector FROM doc_vectors WHERE doc_id = ? AND method = ?) "
            "SELECT v.doc_id, d.title, d.year, d.kind, "
            "list_cosine_similarity(v.vector, q.vector) AS similarity "
            "FROM doc_vectors v CROSS JOIN q JOIN documents d ON d.doc_id = v.doc_id "
            "WHERE v.method = ? AND v.doc_id <> ? AND (? OR d.duplicate_of IS NULL) "
            "ORDER BY similarity DESC, v.doc_id LIMIT ?",
            [doc_id, method, method, doc_id, bool(include_duplicates), int(k)],
        )

    def associations(self, target: str | None = None) -> pd.DataFrame:
        """Garg-style association of target words with word groups, per period, with CIs."""
        query = "SELECT * FROM association"
        params: list[Any] = []
        if target is not None:
            query += " WHERE target = ?"
            params.append(target)
        return self.sql(query + " ORDER BY target, group_a, group_b, measure, period_start", params)

    def drift(self, top: int = 20, include_low_frequency: bool = False) -> pd.DataFrame:
        """Words whose aligned embeddings moved most between periods."""
        query = (
            "SELECT word, from_period, to_period, cosine_distance, neighbour_overlap, "
            "count_from, count_to, low_frequency FROM drift"
        )
        if not include_low_frequency:
            query += " WHERE NOT coalesce(low_frequency, false)"
        return self.sql(query + " ORDER BY cosine_distance DESC, word LIMIT ?", [int(top)])

    # -- actor networks (warehouse/networks.py) ------------------------------------------

    def network(
        self, mode: str = "sender_recipient", by: str | int = "decade", **options: Any
    ) -> pd.DataFrame:
        """Actor edges per period: sender_recipient, co_mention or agency (see
        warehouse.networks.network_edges for the options: period, unit, kinds, actor_kinds...)."""
        from warehouse import networks

        return networks.network_edges(self, mode=mode, by=by, **options)

    def network_centrality(
        self, mode: str = "sender_recipient", by: str | int = "decade", **options: Any
    ) -> pd.DataFrame:
        """Degree, weighted degree, betweenness and PageRank per actor and period."""
        from warehouse import networks

        edges = networks.network_edges(self, mode=mode, by=by, **options)
        ids = sorted(set(edges["source"]) | set(edges["target"]))
        actors = networks.actor_table(self, ids) if ids else None
        return networks.centrality(edges, networks.DIRECTED[mode], actors)

    def centrality_change(
        self,
        measure: str = "pagerank",
        start: int | None = None,
        end: int | None = None,
        top: int = 10,
        mode: str = "sender_recipient",
        by: str | int = "decade",
        **options: Any,
    ) -> pd.DataFrame:
        """The actors whose centrality rises or falls most between two periods."""
        from warehouse import networks

        table = self.network_centrality(mode=mode, by=by, **options)
        return networks.centrality_change(table, measure, start, end, top)

    def ego_network(
        self,
        actor: str,
        radius: int = 1,
        mode: str = "sender_recipient",
        by: str | int = "decade",
        **options: Any,
    ) -> pd.DataFrame:
        """An actor's (id or part of a name) ego-network through time: the edges among it and
        its neighbours within `radius` steps, period by period."""
        from warehouse import networks

        edges = networks.network_edges(self, mode=mode, by=by, **options)
        actor_id = networks.resolve_actor(self, actor)
        return networks.ego_edges(edges, actor_id, networks.DIRECTED[mode], radius)

    def export_network(
        self,
        out_dir: Path | str,
        mode: str = "sender_recipient",
        by: str | int = "decade",
        formats: Iterable[str] = ("gexf", "graphml", "csv"),
        **options: Any,
    ) -> list[Path]:
        """Write each period's network as GEXF, GraphML and CSV edge/node lists; the paths."""
        from warehouse import networks

        return networks.export_network(self, out_dir, mode, by, formats, **options)
