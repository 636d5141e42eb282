"""The canonical records every adapter yields: Record (a document), Page and Reject.

Defined once here; the Arrow schemas next to them are what every Parquet file is written with,
and `warehouse/schema.sql` is checked against them by the tests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.metadata
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import pyarrow as pa


def read_version() -> str:
    """The project's version: pyproject.toml beside the package (a checkout), else the installed
    distribution's. Bump it in pyproject.toml whenever outputs change; it is in every row."""
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    if pyproject.is_file():
        with pyproject.open("rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    return importlib.metadata.version("longue-duree")


PIPELINE_VERSION = read_version()

Kind = Literal["book", "press", "cable", "museum"]
KINDS: tuple[str, ...] = get_args(Kind)
Precision = Literal["day", "month", "year", "decade", "century", "range"]
PRECISIONS: tuple[str, ...] = get_args(Precision)

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


def count_words(text: str) -> int:
    """Count word-like runs (letters/digits, with inner hyphens or apostrophes)."""
    # finditer, not findall or subn: those are 10-20 % faster but build a list of every word
    # (or of every gap between words) first, +50 MB for a 200 MB one-page ALTO file
    return sum(1 for _ in _WORD.finditer(text))


class SourceError(Exception):
    """A source file (or one record in it) cannot be used; `reason` is a short machine key."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Record:
    """One document: a book, a newspaper issue or article, a cable, a museum object."""

    doc_id: str  # "<collection>:<local id>", stable across runs
    collection: str
    kind: Kind
    text: str  # reading text: hyphenation joined, layout noise removed, nothing invented
    source_path: str = ""
    source_format: str = ""
    source_sha256: str = ""
    title: str | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None  # ISO 639-1; detected by the pipeline when the source has none
    date_text: str | None = None  # as the source wrote it; normalised fields sit beside it
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    year: int | None = None
    date_precision: str | None = None  # one of PRECISIONS
    date_approximate: bool = False
    place: str | None = None
    publisher: str | None = None  # publisher, or newspaper title for press
    sender: str | None = None
    recipient: str | None = None
    classification: str | None = None
    ocr_confidence: float | None = None  # mean word confidence 0..1, None when not OCR
    metadata: Mapping[str, str] = field(default_factory=dict)
    n_chars: int = -1  # filled by finalize() when left at -1
    n_words: int = -1
    pipeline_version: str = PIPELINE_VERSION
    # OCR words of `text` in reading order with their WC 0..1 (None when unknown); not in
    # documents.parquet (ingest writes them as WORD_CONFIDENCE_SCHEMA rows) nor in equality
    words: tuple[tuple[str, float | None], ...] = field(default=(), compare=False, repr=False)

    def finalize(self) -> Record:
        """Fill derived counts; validate what a schema cannot check."""
        if self.kind not in KINDS:
            raise ValueError(f"kind {self.kind!r} not in {KINDS}")
        if not self.doc_id.startswith(f"{self.collection}:"):
            raise ValueError(f"doc_id {self.doc_id!r} must start with '{self.collection}:'")
        if self.date_precision is not None and self.date_precision not in PRECISIONS:
            raise ValueError(f"date_precision {self.date_precision!r} not in {PRECISIONS}")
        return dataclasses.replace(
            self,
            n_chars=len(self.text) if self.n_chars < 0 else self.n_chars,
            n_words=count_words(self.text) if self.n_words < 0 else self.n_words,
            authors=tuple(self.authors),
            metadata={str(k): str(v) for k, v in self.metadata.items() if v is not None},
            words=tuple(self.words),
        )


@dataclass(frozen=True, slots=True)
class Page:
    """One page image or ALTO page of a document (press and OCR sources)."""

    doc_id: str
    page_number: int  # 1-based, in reading order of the document
    text: str
    alto_path: str | None = None
    image_path: str | None = None
    width: float | None = None  # in the ALTO's own MeasurementUnit, converted to pixels when known
    height: float | None = None
    word_confidence: float | None = None  # mean WC of the page's words, 0..1
    n_words: int = 0


@dataclass(frozen=True, slots=True)
class Reject:
    """A file or record that could not be used, with a reason a person understands."""

    collection: str
    source_path: str
    stage: str
    reason: str  # short key, e.g. "bad_xml", "missing_page", "no_text"
    detail: str = ""


# Explicit Arrow schemas: the single source of truth for every Parquet file.
DOCUMENT_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("collection", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("source_path", pa.string()),
        pa.field("source_format", pa.string()),
        pa.field("source_sha256", pa.string()),
        pa.field("title", pa.string()),
        pa.field("authors", pa.list_(pa.string())),
        pa.field("language", pa.string()),
        pa.field("date_text", pa.string()),
        pa.field("date_start", pa.date32()),
        pa.field("date_end", pa.date32()),
        pa.field("year", pa.int32()),
        pa.field("date_precision", pa.string()),
        pa.field("date_approximate", pa.bool_()),
        pa.field("place", pa.string()),
        pa.field("publisher", pa.string()),
        pa.field("sender", pa.string()),
        pa.field("recipient", pa.string()),
        pa.field("classification", pa.string()),
        pa.field("text", pa.large_string(), nullable=False),
        pa.field("n_chars", pa.int64()),
        pa.field("n_words", pa.int64()),
        pa.field("ocr_confidence", pa.float64()),
        pa.field("metadata", pa.map_(pa.string(), pa.string())),
        pa.field("pipeline_version", pa.string()),
    ]
)

PAGE_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("page_number", pa.int32(), nullable=False),
        pa.field("text", pa.large_string()),
        pa.field("alto_path", pa.string()),
        pa.field("image_path", pa.string()),
        pa.field("width", pa.float64()),
        pa.field("height", pa.float64()),
        pa.field("word_confidence", pa.float64()),
        pa.field("n_words", pa.int64()),
    ]
)

REJECT_SCHEMA = pa.schema(
    [
        pa.field("collection", pa.string(), nullable=False),
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string()),
    ]
)

# One row per OCR word with a confidence: its [start, end) character offsets in Record.text.
WORD_CONFIDENCE_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("start", pa.int64(), nullable=False),
        pa.field("end", pa.int64(), nullable=False),
        pa.field("confidence", pa.float32(), nullable=False),
    ]
)

_SCHEMAS: dict[type, pa.Schema] = {
    Record: DOCUMENT_SCHEMA,
    Page: PAGE_SCHEMA,
    Reject: REJECT_SCHEMA,
}


def _row(obj: Record | Page | Reject) -> dict[str, Any]:
    row = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, Record):
        row["authors"] = list(obj.authors)
        row["metadata"] = sorted(obj.metadata.items())
    return row


def to_table(items: Iterable[Record | Page | Reject], cls: type) -> pa.Table:
    """Build an Arrow table with the explicit schema of `cls` (Record, Page or Reject)."""
    schema = _SCHEMAS[cls]
    rows = [_row(i) for i in items]
    names = schema.names
    return pa.Table.from_pydict({n: [r[n] for r in rows] for n in names}, schema=schema)


def from_table(table: pa.Table, cls: type) -> list[Any]:
    """Rebuild records from an Arrow table (the inverse of to_table)."""
    out = []
    for row in table.to_pylist():
        if cls is Record:
            row["authors"] = tuple(row["authors"] or ())
            row["metadata"] = dict(row["metadata"] or [])
        out.append(cls(**row))
    return out


# NLP outputs (written by the nlp stage, one row per token / entity mention).
TOKEN_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("sentence", pa.int32(), nullable=False),  # 0-based sentence index in the doc
        pa.field("position", pa.int32(), nullable=False),  # 0-based token index in the doc
        pa.field("start_char", pa.int64(), nullable=False),  # offset into Record.text
        pa.field("text", pa.string(), nullable=False),
        pa.field("lemma", pa.string()),
        pa.field("pos", pa.string()),
        pa.field("entity_type", pa.string()),  # "" outside entities
        pa.field("is_stop", pa.bool_()),
        pa.field("is_alpha", pa.bool_()),
        pa.field("word_confidence", pa.float32()),  # OCR word confidence where known
        # syntax where the pipeline parses (null otherwise): the dependency relation, the
        # `position` of the token's head in the same document (itself for a sentence root) and
        # the morphological features in UD FEATS form ("Gender=Fem|Number=Sing"; "" if none)
        pa.field("dep", pa.string()),
        pa.field("head", pa.int32()),
        pa.field("morph", pa.string()),
    ]
)

ENTITY_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),  # PER, LOC, ORG, MISC (spaCy labels kept)
        pa.field("start_char", pa.int64()),
        pa.field("end_char", pa.int64()),
        pa.field("origin", pa.string(), nullable=False),  # "ner" or "markup"
    ]
)
