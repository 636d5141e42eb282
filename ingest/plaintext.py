"""Plain UTF-8 text files, one document each, with an optional metadata TSV sidecar.

Formats: text/plain (https://www.rfc-editor.org/rfc/rfc2046) and tab-separated values
(https://www.iana.org/assignments/media-types/text/tab-separated-values), as ELTeC publishes
its `plain1/*.txt` texts next to `ELTeC-<lang>_metadata.tsv`.

The sidecar TSV (option `metadata_tsv`; "auto" = the one `*metadata*.tsv` in the collection
folder or its parent, "" = none) is not a document: it is read once and joined to each text by
its `key_column` (default `filename`) equal to the file name without extension. Columns named
by `title_column`, `author_column`, `date_column` (ELTeC: first-edition) and `language_column`
fill the record; every other non-empty column goes to metadata as is. "NA" means no value.
A text without a TSV row is still ingested (metadata["metadata_row"] = "missing").
Text: the file as written, spaces normalised, paragraphs (lines) kept; a BOM is dropped.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest import dates
from ingest._encoding import describe_undecodable
from ingest._paths import relative_source
from ingest._text import normalise_space
from ingest._xml import sha256_file
from ingest.language import normalise_code
from ingest.record import Record, SourceError

logger = logging.getLogger(__name__)

OPTIONS: dict[str, object] = {
    "glob": "*.txt",
    "encoding": "utf-8-sig",
    "metadata_tsv": "auto",  # path (relative to the collection folder), "auto" or ""
    "key_column": "filename",
    "title_column": "title",
    "author_column": "author-name",
    "date_column": "first-edition",
    "language_column": "language",
    "language": "",  # ISO code for every text, when the TSV gives none
    "plausible_years": "1000-2100",
}
_MISSING = {"", "NA", "N/A", "na", "missing"}


def _check_options(options: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"unknown plaintext option(s) {unknown}; accepted: {sorted(OPTIONS)}")
    opts = {**OPTIONS, **options}
    try:
        lo, hi = (int(x) for x in str(opts["plausible_years"]).split("-"))
    except ValueError as exc:
        raise ValueError(
            f"plaintext option plausible_years={opts['plausible_years']!r}: write 'first-last'"
        ) from exc
    opts["plausible_years"] = (lo, hi)
    return opts


def find(root: Path, **options: Any) -> Iterator[Path]:
    """Yield the text files under root, sorted (the TSV sidecar is not a unit)."""
    opts = _check_options(options)
    tsv = sidecar(Path(root), str(opts["metadata_tsv"]))
    if tsv is not None:
        read_tsv(tsv, str(opts["key_column"]))  # a wrong key column fails here, at once
    yield from sorted(p for p in Path(root).rglob(str(opts["glob"])) if p.is_file())


def sidecar(root: Path, setting: str) -> Path | None:
    """The metadata TSV for a collection folder: explicit, auto-discovered or none."""
    if not setting:
        return None
    if setting != "auto":
        path = Path(setting) if Path(setting).is_absolute() else Path(root) / setting
        if not path.is_file():
            raise ValueError(
                f"plaintext option metadata_tsv={setting!r}: {path} does not exist; give a "
                "path relative to the collection folder, 'auto' or ''"
            )
        return path
    for folder in (Path(root), Path(root).parent):
        found = sorted(folder.glob("*metadata*.tsv"))
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValueError(
                f"plaintext: several metadata TSVs in {folder} "
                f"({', '.join(p.name for p in found)}); name one with the option metadata_tsv"
            )
    return None


@lru_cache(maxsize=8)
def read_tsv(path: Path, key_column: str) -> dict[str, dict[str, str]]:
    """Rows of a metadata TSV keyed by `key_column`."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            if key_column not in (reader.fieldnames or []):
                raise ValueError(
                    f"plaintext: {path} has no column {key_column!r} (columns: "
                    f"{', '.join(reader.fieldnames or [])}); set the option key_column"
                )
            return {row[key_column].strip(): row for row in reader if row.get(key_column)}
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SourceError("bad_metadata_tsv", f"{path}: {exc}") from exc


def _value(row: Mapping[str, str | None], column: str) -> str | None:
    value = (row.get(column) or "").strip() if column else ""
    return None if value in _MISSING else value


def parse(
    path: Path, *, root: Path, collection: str, kind: str = "book", **options: Any
) -> Iterator[Record]:
    """One Record for one text file, joined to its metadata row when there is one."""
    opts = _check_options(options)
    path, root = Path(path), Path(root)
    try:
        raw = path.read_bytes()
        text = normalise_space(raw.decode(str(opts["encoding"])))
    except OSError as exc:
        raise SourceError("unreadable", f"{path}: {exc}") from exc
    except UnicodeDecodeError as exc:
        detail = describe_undecodable(raw, str(opts["encoding"]))
        raise SourceError("bad_encoding", f"{path}: {detail}") from exc
    tsv = sidecar(root, str(opts["metadata_tsv"]))
    rows = read_tsv(tsv, str(opts["key_column"])) if tsv else {}
    row = rows.get(path.stem)
    meta: dict[str, str] = {}
    title = authors = date_text = language = None
    if tsv is not None:
        meta["metadata_tsv"] = tsv.name
        meta["metadata_row"] = "found" if row else "missing"
    if row:
        title = _value(row, str(opts["title_column"]))
        authors = _value(row, str(opts["author_column"]))
        date_text = _value(row, str(opts["date_column"]))
        language = normalise_code(_value(row, str(opts["language_column"])))
        used = {
            opts[c]
            for c in (
                "key_column",
                "title_column",
                "author_column",
                "date_column",
                "language_column",
            )
        }
        meta.update({k: v for k, v in row.items() if k not in used and _value(row, k)})
    info = (
        dates.parse_date(date_text, plausible=opts["plausible_years"])
        if date_text
        else dates.UNKNOWN
    )
    if info.flags:
        meta["date_flag"] = ",".join(info.flags)
    yield Record(
        doc_id=f"{collection}:{path.stem}",
        collection=collection,
        kind=kind,  # type: ignore[arg-type]
        text=text,
        source_path=relative_source(path, root),
        source_format="plaintext",
        source_sha256=sha256_file(path),
        title=title,
        authors=(authors,) if authors else (),
        language=language or normalise_code(str(opts["language"])),
        metadata=meta,
        **info.record_fields(date_text),
    )
