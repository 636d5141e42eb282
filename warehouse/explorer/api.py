"""The explorer's views: typed calls of the Warehouse API with validated parameters.

The browser never sends SQL. Each view takes the query string's values (strings), checks them
against allow-lists and ranges, calls `Warehouse` (warehouse/queries.py) and returns a View: a
DataFrame (what the chart or table shows, and what its CSV holds) plus the notes a reader must
see (`df.attrs["notes"]`: unknown words, hits left out by the denominator's language).

The few reads the Warehouse API has no call for (corpus composition by an arbitrary split, the
OCR confidence behind a timeline point, a document with its passage, its pages) are here, as
fixed SQL with bound parameters over the read-only, sandboxed connection.
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from warehouse.queries import BINS, SPLITS, Warehouse, bin_width
from warehouse.terms import TermError

MAX_TERMS = 8
MAX_TERM_CHARS = 200
MAX_KWIC = 500
MAX_SMOOTH = 10
# characters of text shown on each side of the passage in the document view
CONTEXT_CHARS = 3000
ACTOR_KINDS = ("person", "org", "place", "role")
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


class BadRequest(ValueError):
    """A parameter the explorer refuses, with the reason shown to the user."""


@dataclass
class View:
    """What one view answers: a table (the chart's data and its CSV), notes, extra fields."""

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    elapsed_ms: float = 0.0


Params = Mapping[str, Sequence[str]]


def one(params: Params, name: str, default: str | None = None) -> str | None:
    values = params.get(name) or []
    value = values[-1].strip() if values else ""
    return value if value else default


def choice(params: Params, name: str, allowed: Sequence[str], default: str | None) -> str | None:
    value = one(params, name, default)
    if value is not None and value not in allowed:
        raise BadRequest(f"{name}={value!r}; use one of {', '.join(allowed)}")
    return value


def integer(params: Params, name: str, default: int | None, low: int, high: int) -> int | None:
    value = one(params, name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{name}={value!r} is not a whole number") from None
    if not low <= number <= high:
        raise BadRequest(f"{name}={number} must be between {low} and {high}")
    return number


def text(params: Params, name: str, required: bool = True, max_chars: int = 200) -> str | None:
    value = one(params, name)
    if value is None:
        if required:
            raise BadRequest(f"{name} is missing")
        return None
    if len(value) > max_chars:
        raise BadRequest(f"{name} is longer than {max_chars} characters")
    return value


def terms_of(params: Params) -> list[str]:
    terms = [t.strip() for t in params.get("term", []) if t.strip()]
    if not terms:
        raise BadRequest("type a term (several: one per box, or separated by commas)")
    if len(terms) > MAX_TERMS:
        raise BadRequest(f"at most {MAX_TERMS} terms at once")
    for t in terms:
        if len(t) > MAX_TERM_CHARS:
            raise BadRequest(f"a term is longer than {MAX_TERM_CHARS} characters")
    return terms


class Explorer:
    """The views over one open Warehouse. Calls are serialised: a DuckDB connection is not
    meant for concurrent use, and the machine this runs on has few cores anyway."""

    def __init__(self, wh: Warehouse, raw_root: Path | None = None) -> None:
        self.wh = wh
        self.raw_root = raw_root
        self.lock = threading.Lock()
        self.views: dict[str, Callable[[Params], View]] = {
            "meta": self.meta,
            "timeline": self.timeline,
            "composition": self.composition,
            "kwic": self.kwic,
            "document": self.document,
            "neighbours": self.neighbours,
            "drift": self.drift,
            "topics": self.topics,
            "topic_terms": self.topic_terms,
            "actors": self.actors,
            "network": self.network,
        }
        self._meta: View | None = None

    def run(self, name: str, params: Params) -> View:
        """Answer one view; BadRequest for an unknown view or a refused parameter."""
        if name not in self.views:
            raise BadRequest(f"no view {name!r}; views: {', '.join(self.views)}")
        start = time.perf_counter()
        with self.lock, warnings.catch_warnings():
            # notes travel in the answer (View.notes), not as warnings in the server's log
            warnings.simplefilter("ignore")
            try:
                view = self.views[name](params)
            except TermError as exc:
                raise BadRequest(str(exc)) from exc
        view.elapsed_ms = (time.perf_counter() - start) * 1000
        return view

    def warm(self) -> None:
        """Pay the first-call costs (each language's tokenizer for phrases, the metadata) at
        start-up rather than in the first question (3.4 s on the fixture, then 0.08 s)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.meta({})
            with contextlib.suppress(TermError, ValueError):
                self.wh.parse_term("the explorer")

    def count(self, table: str) -> int:
        if not self.wh.has_table(table):
            return 0
        # table names come from this module's literals only
        return int(self.wh.sql(f"SELECT count(*) AS n FROM {table}")["n"].iloc[0])

    # -- what the warehouse holds ---------------------------------------------------------

    def meta(self, params: Params) -> View:
        if self._meta is None:
            docs = self.wh.sql(
                "SELECT kind, collection, language, count(*) AS n_docs, min(year) AS first_year,"
                " max(year) AS last_year FROM documents WHERE duplicate_of IS NULL "
                "GROUP BY ALL ORDER BY kind, collection, language"
            )
            models = {
                t: self.count(t)
                for t in ("neighbours", "drift", "topic_prevalence", "actors", "pages")
            }
            self._meta = View(
                docs,
                extra={
                    "warehouse": str(self.wh.path),
                    "kinds": sorted(docs["kind"].dropna().unique().tolist()),
                    "collections": sorted(docs["collection"].dropna().unique().tolist()),
                    "languages": list(self.wh.languages()),
                    "bins": list(BINS),
                    "splits": list(SPLITS),
                    "rows": models,
                    "n_ocr_docs": int(
                        self.wh.sql(
                            "SELECT count(*) AS n FROM documents WHERE ocr_confidence IS NOT NULL"
                        )["n"].iloc[0]
                    ),
                },
            )
        return self._meta

    # -- timelines ------------------------------------------------------------------------

    def filters(self, params: Params) -> dict[str, Any]:
        meta = self.meta(params).extra
        out: dict[str, Any] = {}
        kind = choice(params, "kind", meta["kinds"], None)
        if kind:
            out["kinds"] = [kind]
        collection = choice(params, "collection", meta["collections"], None)
        if collection:
            out["collections"] = [collection]
        return out

    def timeline(self, params: Params) -> View:
        """Rate per million of each term per period (frequency()), smoothed on request, with
        the OCR confidence of the documents holding its hits."""
        terms = terms_of(params)
        by = choice(params, "by", list(BINS), "decade")
        split = choice(params, "split", list(SPLITS), None)
        languages = [*self.meta(params).extra["languages"], "all"]
        language = choice(params, "language", languages, None)
        smooth = integer(params, "smooth", 0, 0, MAX_SMOOTH) or 0
        n_boot = integer(params, "n_boot", 1000, 100, 5000) or 1000
        filters = self.filters(params)
        freq = self.wh.frequency(
            terms, by=by or "decade", split=split, language=language, n_boot=n_boot, **filters
        )
        notes = list(freq.attrs.get("notes", []))
        if freq.empty:
            notes.append("no dated document with words matches this query")
            return View(freq, notes)
        freq = freq.copy()
        freq["split"] = freq[split].astype(str) if split else ""
        freq["period_end"] = freq["period"] + bin_width(by or "decade") - 1
        freq["smoothed"] = smoothed(freq, smooth, bin_width(by or "decade"))
        if self.meta(params).extra["n_ocr_docs"]:
            freq = freq.merge(
                self.ocr_behind(terms, by or "decade", split, filters),
                on=["term", "period", "split"],
                how="left",
            )
        else:  # no OCRed document: no second pass over the hits
            freq["ocr_confidence"] = np.nan
            freq["n_ocr_docs"] = 0
        freq["n_ocr_docs"] = freq["n_ocr_docs"].fillna(0).astype(int)
        return View(freq, notes, {"by": by, "split": split, "smooth": smooth})

    def ocr_behind(
        self, terms: list[str], by: str, split: str | None, filters: dict[str, Any]
    ) -> pd.DataFrame:
        """Per term, period and split value: mean OCR confidence of the documents holding the
        term's hits, weighted by hits, over those that were OCRed (n_ocr_docs)."""
        columns = ["term", "period", "split", "ocr_confidence", "n_ocr_docs"]
        _, counts, _ = self.wh.term_counts(terms)
        if counts.empty:
            return pd.DataFrame(columns=columns)
        width = bin_width(by)
        where, params = self.wh.filter_documents(**filters)
        glue = " AND " if where else " WHERE "
        split_sql = SPLITS[split] if split else "''"
        return self.wh.sql(
            f"SELECT c.term, CAST(floor(d.year / ?) * ? AS INTEGER) AS period, "
            f"CAST({split_sql} AS VARCHAR) AS split, "
            "sum(d.ocr_confidence * c.n) / sum(c.n) FILTER (WHERE d.ocr_confidence IS NOT NULL)"
            " AS ocr_confidence, count(d.ocr_confidence) AS n_ocr_docs "
            "FROM documents AS d JOIN (SELECT unnest(?) AS term, unnest(?) AS doc_idx, "
            "unnest(?) AS n) AS c ON c.doc_idx = d.doc_idx"
            f"{where}{glue}d.year IS NOT NULL GROUP BY ALL",
            [
                width,
                width,
                counts["term"].astype(str).tolist(),
                counts["doc_idx"].astype("int64").tolist(),
                counts["n_occurrences"].astype("int64").tolist(),
                *params,
            ],
        )[columns]

    def composition(self, params: Params) -> View:
        """Dated documents and tokens per period and kind (or language, collection): what
        every rate of the same period is divided by. Duplicate copies left out."""
        by = choice(params, "by", list(BINS), "decade") or "decade"
        split = choice(params, "split", list(SPLITS), "kind") or "kind"
        width = bin_width(by)
        where, bound = self.wh.filter_documents(**self.filters(params))
        glue = " AND " if where else " WHERE "
        frame = self.wh.sql(
            f"SELECT CAST(floor(d.year / ?) * ? AS INTEGER) AS period, "
            f"CAST({SPLITS[split]} AS VARCHAR) AS {split}, count(*) AS n_docs, "
            "CAST(sum(l.n_tokens) AS BIGINT) AS n_tokens, CAST(sum(l.n_alpha) AS BIGINT) "
            "AS n_alpha, avg(d.ocr_confidence) AS mean_ocr_confidence, "
            "count(d.ocr_confidence) AS n_ocr_docs "
            "FROM documents AS d JOIN doc_lengths AS l ON l.doc_idx = d.doc_idx"
            f"{where}{glue}d.year IS NOT NULL GROUP BY ALL ORDER BY period, {split}",
            [width, width, *bound],
        )
        return View(frame, extra={"by": by, "split": split})

    # -- from a point to the sources ------------------------------------------------------

    def kwic(self, params: Params) -> View:
        term = text(params, "term", max_chars=MAX_TERM_CHARS)
        start = integer(params, "start", None, -10_000, 10_000)
        end = integer(params, "end", None, -10_000, 10_000)
        if (start is None) != (end is None):
            raise BadRequest("give both start and end of the period, or neither")
        period = (start, end) if start is not None and end is not None else None
        if period and period[0] > period[1]:
            raise BadRequest(f"start {start} is after end {end}")
        meta = self.meta(params).extra
        split = choice(params, "split", list(SPLITS), None)
        value = text(params, "value", required=False)
        filters = self.filters(params)
        languages = None
        if split and value:
            allowed = {"kind": meta["kinds"], "collection": meta["collections"]}.get(
                split, meta["languages"]
            )
            if value not in allowed:
                raise BadRequest(f"{split}={value!r}; use one of {', '.join(allowed)}")
            key = {"kind": "kinds", "collection": "collections"}.get(split)
            if key:
                filters[key] = [value]
            else:
                languages = [value]
        language = choice(params, "language", [*meta["languages"], "all"], None)
        if language and language != "all" and languages is None:
            languages = [language]
        window = integer(params, "window", 8, 1, 30) or 8
        limit = integer(params, "limit", 200, 1, MAX_KWIC) or 200
        frame = self.wh.kwic(
            str(term), window=window, period=period, limit=limit, languages=languages, **filters
        )
        notes = []
        if frame.empty:
            notes.append("no line: the term has no hit in these documents")
        else:
            # tokens of each match (a phrase's tokens are joined by spaces in `match`)
            frame = frame.assign(length=[len(m.split()) for m in frame["match"]])
        if len(frame) >= limit:
            notes.append(f"the first {limit} lines in year order (raise limit to see more)")
        return View(frame, notes, {"period": list(period) if period else None})

    def document(self, params: Params) -> View:
        """One document's metadata, provenance, an excerpt with the passage marked, its pages."""
        doc_id = text(params, "doc_id", max_chars=500)
        gpos = integer(params, "gpos", None, 0, 2**62)
        length = integer(params, "length", 1, 1, 10) or 1
        row = self.wh.sql(
            "SELECT d.doc_id, d.title, d.authors, d.date_text, d.date_start, d.date_end, d.year,"
            " d.date_precision, d.date_approximate, d.collection, d.kind, d.language, d.place,"
            " d.publisher, d.sender, d.recipient, d.source_path, d.source_format,"
            " d.source_sha256, d.ocr_confidence, d.n_words, d.duplicate_of, d.doc_idx, d.text "
            "FROM documents AS d WHERE d.doc_id = ?",
            [doc_id],
        )
        if row.empty:
            raise BadRequest(f"no document {doc_id!r} in this warehouse")
        record = row.iloc[0].to_dict()
        body = str(record.pop("text") or "")
        doc_idx = int(record.pop("doc_idx"))
        authors = record["authors"]
        record["authors"] = "; ".join(str(a) for a in authors) if authors is not None else ""
        for key in ("date_start", "date_end"):
            value = record[key]
            record[key] = None if value is None or pd.isna(value) else str(value)[:10]
        passage: dict[str, Any] = {"start": None, "end": None}
        if gpos is not None:
            tokens = self.wh.sql(
                "SELECT start_char, text FROM tokens WHERE gpos BETWEEN ? AND ? "
                "AND doc_idx = ? ORDER BY gpos",
                [gpos, gpos + length - 1, doc_idx],
            )
            if tokens.empty:
                raise BadRequest(f"position {gpos} is not in {doc_id!r}")
            start = int(tokens["start_char"].iloc[0])
            end = int(tokens["start_char"].iloc[-1]) + len(str(tokens["text"].iloc[-1]))
            passage = {"start": start, "end": end, "match": body[start:end]}
        else:
            start = end = 0
        lo = max(0, start - CONTEXT_CHARS)
        hi = min(len(body), end + CONTEXT_CHARS)
        excerpt = {
            "before": body[lo:start],
            "match": body[start:end],
            "after": body[end:hi],
            "offset": lo,
            "n_chars": len(body),
        }
        pages = self.pages(str(doc_id), body, start, end, passage.get("match"))
        fields = pd.DataFrame([{"field": k, "value": v} for k, v in record.items()])
        return View(
            fields,
            extra={"document": record, "passage": passage, "excerpt": excerpt, "pages": pages},
        )

    def pages(
        self, doc_id: str, body: str, start: int, end: int, word: str | None
    ) -> list[dict[str, Any]]:
        """The document's pages; the one holding the passage is marked `has_passage`, with the
        word's box read from its ALTO file when that file is at hand (the warehouse keeps
        page sizes, not word boxes)."""
        rows = self.wh.sql(
            "SELECT page_number, image_path, alto_path, width, height, word_confidence, "
            "n_words, text FROM pages WHERE doc_id = ? ORDER BY page_number",
            [doc_id],
        )
        out = []
        where = locate_page(rows["text"].fillna("").tolist(), body, start, end)
        for i, r in enumerate(rows.itertuples(index=False)):
            page = {
                "page_number": int(r.page_number),
                "image_path": r.image_path,
                "alto_path": r.alto_path,
                "width": None if pd.isna(r.width) else float(r.width),
                "height": None if pd.isna(r.height) else float(r.height),
                "word_confidence": None if pd.isna(r.word_confidence) else float(r.word_confidence),
                "n_words": None if pd.isna(r.n_words) else int(r.n_words),
                "has_passage": where is not None and where[0] == i,
                "image_available": self.resolve(r.image_path) is not None,
                "box": None,
                "box_note": None,
            }
            if page["has_passage"] and word and where is not None:
                page["box"], page["box_note"] = self.word_box(
                    r.alto_path, str(r.text), where[1], word
                )
            out.append(page)
        return out

    def resolve(self, relative: str | None) -> Path | None:
        """A source path of the warehouse as a file under the raw root, if it is there."""
        if not relative or self.raw_root is None:
            return None
        root = self.raw_root.resolve()
        path = (root / relative).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        return path

    def word_box(
        self, alto_path: str | None, page_text: str, offset: int, word: str
    ) -> tuple[dict[str, float] | None, str]:
        from warehouse.explorer.alto import find_box

        path = self.resolve(alto_path)
        if path is None:
            return None, (
                "no word box: the warehouse keeps page sizes but not word coordinates, and the "
                f"ALTO file {alto_path!r} is not under the raw folder"
                if alto_path
                else "no word box: this page has no ALTO file"
            )
        return find_box(path, page_text, offset, word)

    def page_image(self, doc_id: str, page: int) -> tuple[Path, str]:
        """The image file of one page (path from the warehouse, never from the browser)."""
        with self.lock:
            rows = self.wh.sql(
                "SELECT image_path FROM pages WHERE doc_id = ? AND page_number = ?",
                [doc_id, int(page)],
            )
        if rows.empty:
            raise BadRequest(f"no page {page} of {doc_id!r}")
        path = self.resolve(rows["image_path"].iloc[0])
        if path is None or path.suffix.lower() not in IMAGE_TYPES:
            raise BadRequest(
                f"the image {rows['image_path'].iloc[0]!r} is not under the raw folder "
                "or is not a format browsers show (TIFF pages are listed by path only)"
            )
        return path, IMAGE_TYPES[path.suffix.lower()]

    # -- the models -----------------------------------------------------------------------

    def neighbours(self, params: Params) -> View:
        word = str(text(params, "word", max_chars=100))
        top = integer(params, "top", 10, 1, 50) or 10
        frame = self.wh.neighbours(word, top=top)
        notes = []
        if frame.empty:
            notes.append(
                f"no neighbours of {word!r}: "
                + (
                    "the embeddings stage has not run for this warehouse"
                    if self.count("neighbours") == 0
                    else "the word is not in the vocabulary of any period's embedding"
                )
            )
        return View(frame, notes)

    def drift(self, params: Params) -> View:
        top = integer(params, "top", 30, 1, 500) or 30
        low = one(params, "low_frequency", "0") == "1"
        frame = self.wh.drift(top=top, include_low_frequency=low)
        notes = [] if not frame.empty else ["no drift table: the embeddings stage has not run"]
        return View(frame, notes)

    def topics(self, params: Params) -> View:
        frame = self.wh.topics_over_time()
        notes = [] if not frame.empty else ["no topics: the topics stage has not run"]
        return View(frame, notes)

    def topic_terms(self, params: Params) -> View:
        topic = integer(params, "topic", None, 0, 10_000)
        if topic is None:
            raise BadRequest("topic is missing")
        top = integer(params, "top", 20, 1, 100) or 20
        return View(self.wh.topic_terms(topic, top=top))

    def actors(self, params: Params) -> View:
        kind = choice(params, "kind", ACTOR_KINDS, None)
        name = text(params, "name", required=False, max_chars=100)
        limit = integer(params, "limit", 100, 1, 1000) or 100
        frame = self.wh.actors(kind=kind, name=name).head(limit)
        frame = frame.drop(
            columns=[
                c
                for c in frame.columns
                if frame[c].dtype == object
                and frame[c].map(lambda v: isinstance(v, list | np.ndarray)).any()
            ]
        )
        notes = [] if not frame.empty else ["no actor matches"]
        return View(frame, notes)

    def network(self, params: Params) -> View:
        """Who wrote to whom (sender_recipient) or who is named with whom (co_mention) in a
        period: Warehouse.cable_network's edge list, heaviest first."""
        start = integer(params, "start", None, -10_000, 10_000)
        end = integer(params, "end", None, -10_000, 10_000)
        period = (start, end) if start is not None and end is not None else None
        mode = choice(params, "mode", ("sender_recipient", "co_mention"), "sender_recipient")
        min_weight = integer(params, "min_weight", 1, 1, 1000) or 1
        limit = integer(params, "limit", 200, 1, 5000) or 200
        frame = self.wh.cable_network(
            period=period, mode=mode or "sender_recipient", min_weight=min_weight
        )
        notes = [] if not frame.empty else ["no edge: no cable in this period has both ends"]
        if len(frame) > limit:
            notes.append(f"the {limit} heaviest of {len(frame)} edges (raise limit for more)")
        return View(frame.head(limit), notes)


def smoothed(freq: pd.DataFrame, k: int, width: int) -> pd.Series:
    """Mean of per_million over the periods within k bins on each side, in each term (and
    split) series; k = 0 gives the rates unchanged. A period without documents has no rate,
    so it is left out of the mean, never counted as zero."""
    if k <= 0:
        return freq["per_million"].astype(float)
    out = pd.Series(np.nan, index=freq.index, dtype=float)
    for _, part in freq.groupby(["term", "split"], sort=False):
        periods = part["period"].to_numpy(dtype=float)
        rates = part["per_million"].to_numpy(dtype=float)
        near = np.abs(periods[:, None] - periods[None, :]) <= k * width
        out.loc[part.index] = (near * rates[None, :]).sum(axis=1) / near.sum(axis=1)
    return out


def locate_page(page_texts: list[str], body: str, start: int, end: int) -> tuple[int, int] | None:
    """(page index, offset in that page's text) of the document's characters start..end.

    An issue's text is its pages' texts joined by blank lines: offsets add up. An article's
    text is a part of its pages: the passage with some context is searched in each page."""
    if not page_texts or end <= start:
        return None
    joined = "\n\n".join(t for t in page_texts if t)
    if joined == body:
        offset = start
        for i, t in enumerate(page_texts):
            if not t:
                continue
            if offset <= len(t):
                return i, offset
            offset -= len(t) + 2
        return None
    for width in (40, 20, 0):
        left = body[max(0, start - width) : start]
        needle = left + body[start:end]
        hits = [(i, t.find(needle)) for i, t in enumerate(page_texts)]
        found = [(i, at + len(left)) for i, at in hits if at >= 0]
        if len(found) == 1:
            return found[0]
    return None
