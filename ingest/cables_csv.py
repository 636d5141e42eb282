"""Diplomatic cables as CSV (the cablegate layout): one Record per row.

Format: RFC 4180 CSV as exported by the cablegate dumps, https://www.rfc-editor.org/rfc/rfc4180 ,
except that quotes inside fields are escaped with a backslash (\\") and there is no header row.

Column mapping (option `columns`, comma-separated, in file order) defaults to the cablegate
layout: id, date, reference_id, origin, classification, refs, header, body. Roles understood:
`id`, `reference_id` (doc id: `<collection>:<id>`, else `<collection>:<reference_id>`), `date`
(read with option `date_format`, else by ingest.dates), `origin`, `classification`, `refs`,
`header`, `body`, `skip` (column dropped); any other name is kept in metadata as is.

Field rules, all from what the row says:
- text = body (the telegram); the header is kept in metadata["header"], never in the text.
- sender = origin ("Embassy Buenos Aires"); place = origin without a leading post type
  (Embassy, Consulate, Consulate General, Mission, US Mission, USUN, Office, Liaison Office,
  Interests Section): "Buenos Aires". Origins such as "Secretary of State" give no place.
- recipient: the addressees of the header's TO line and the lines that follow it until the
  INFO/XMT/BT/ZEN line or the end of the header, one addressee per line, with the precedence
  (PRIORITY, IMMEDIATE, ROUTINE, NIACT, FLASH, OPERATIONAL IMMEDIATE) and the trailing message
  serial number removed, joined with "; ". INFO addressees go to metadata["info"], the FM
  line to metadata["from"]. No TO line: recipient stays None.
- title = the SUBJECT line of the body (continued on the next line while it is indented or the
  line ends with a hyphen), else None.
- A row with the wrong number of fields, no id, or an empty body is a Reject naming its first
  line number; the other rows are kept. An unreadable file raises SourceError.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ingest import dates
from ingest._paths import relative_source
from ingest._text import normalise_space
from ingest._xml import sha256_file
from ingest.record import Record, Reject, SourceError

logger = logging.getLogger(__name__)

STAGE = "ingest"
CABLEGATE_COLUMNS = "id,date,reference_id,origin,classification,refs,header,body"
OPTIONS: dict[str, object] = {
    "columns": CABLEGATE_COLUMNS,  # column roles in file order (see module docstring)
    "date_format": "%m/%d/%Y %H:%M",  # cablegate writes US month/day/year and a 24 h time
    "header_row": False,  # True: the first row names the columns and is skipped
    "delimiter": ",",
    "encoding": "utf-8",
    "language": "",  # ISO code when the whole file is in one language; "" = detect later
    "plausible_years": "1900-2100",
    "glob": "*.csv",
}
_ROLES = {"id", "date", "reference_id", "origin", "classification", "refs", "header", "body"}
_POST = re.compile(
    r"^(?:American\s+)?(?:Embassy|Consulate\s+General|Consulate|US\s*Mission|Mission|USUN|"
    r"Office|Liaison\s+Office|Interests\s+Section|Consul)\b\s*",
    re.IGNORECASE,
)
_PRECEDENCE = re.compile(
    r"\s+(?:OPERATIONAL\s+IMMEDIATE|IMMEDIATE|PRIORITY|ROUTINE|NIACT|FLASH)\b.*$|\s+\d+\s*$"
)
_HEADER_STOP = re.compile(r"^(?:XMT|BT|ZEN|ZFF|ZEM|E\.?O\.?|SUBJECT|TAGS)\b|\bGRNC$")
_SUBJECT = re.compile(r"^\s*SUBJ(?:ECT)?\s*:\s*(.*)$", re.IGNORECASE)


def _check_options(options: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"unknown cables_csv option(s) {unknown}; accepted: {sorted(OPTIONS)}")
    opts = {**OPTIONS, **options}
    columns = opts["columns"]
    names = [c.strip() for c in (columns.split(",") if isinstance(columns, str) else columns)]
    if "body" not in names or not {"id", "reference_id"} & set(names):
        raise ValueError(
            f"cables_csv option columns={columns!r} must name a 'body' column and an 'id' or "
            f"'reference_id' column, e.g. {CABLEGATE_COLUMNS!r}"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"cables_csv option columns={columns!r} names a column twice")
    opts["columns"] = names
    try:
        lo, hi = (int(x) for x in str(opts["plausible_years"]).split("-"))
    except ValueError as exc:
        raise ValueError(
            f"cables_csv option plausible_years={opts['plausible_years']!r}: write 'first-last', "
            "e.g. '1900-2100'"
        ) from exc
    opts["plausible_years"] = (lo, hi)
    return opts


def find(root: Path, **options: Any) -> Iterator[Path]:
    """Yield the CSV files under root, sorted."""
    opts = _check_options(options)
    yield from sorted(p for p in Path(root).rglob(str(opts["glob"])) if p.is_file())


def place_of(origin: str) -> str | None:
    """'Embassy Buenos Aires' -> 'Buenos Aires'; None when the origin names no post."""
    stripped = _POST.sub("", origin.strip())
    return stripped if stripped and stripped != origin.strip() else None


def read_header(header: str) -> dict[str, str]:
    """Addressees of a telegram header: {'to': 'A; B', 'info': 'C; D', 'from': 'E'}."""
    out: dict[str, list[str]] = {"to": [], "info": [], "from": []}
    current: str | None = None
    for raw in header.splitlines():
        line = raw.strip()
        if not line:
            continue
        m = re.match(r"^(FM|FROM|TO|INFO)\b\s*(.*)$", line)
        if m:
            current = {"FM": "from", "FROM": "from", "TO": "to", "INFO": "info"}[m[1]]
            line = m[2].strip()
            if not line:
                continue
        elif _HEADER_STOP.search(line):
            current = None
            continue
        if current is None:
            continue
        name = _PRECEDENCE.sub("", line).strip()
        if name:
            out[current].append(name)
    return {k: "; ".join(v) for k, v in out.items() if v}


def subject_of(body: str) -> str | None:
    """The SUBJECT line of a telegram body, continuation lines joined."""
    lines = body.splitlines()
    for i, line in enumerate(lines):
        m = _SUBJECT.match(line)
        if not m:
            continue
        parts = [m[1].strip()]
        for nxt in lines[i + 1 :]:
            if not nxt.strip() or not (nxt.startswith((" ", "\t")) or parts[-1].endswith("-")):
                break
            parts.append(nxt.strip())
        text = " ".join(parts)
        text = re.sub(r"(\w)- (\w)", r"\1\2", text)  # "JURIS- DICTION" broken at line end
        return " ".join(text.split()) or None
    return None


def _date(value: str, opts: Mapping[str, Any]) -> dates.DateInfo:
    fmt = str(opts["date_format"] or "")
    if fmt:
        try:
            d = dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            pass
        else:
            info = dates.from_ymd(d.year, d.month, d.day)
            lo, hi = opts["plausible_years"]
            return info if info.start and lo <= d.year <= hi else dates.IMPLAUSIBLE
    return dates.parse_date(value, plausible=opts["plausible_years"])


def _rows(path: Path, opts: Mapping[str, Any]) -> Iterator[tuple[int, list[str] | None, str]]:
    """(first line number, fields or None, error) for each CSV row."""
    try:
        fh = path.open(encoding=str(opts["encoding"]), newline="")
    except OSError as exc:
        raise SourceError("unreadable", f"{path}: {exc}") from exc
    with fh:
        reader = csv.reader(
            fh,
            delimiter=str(opts["delimiter"]),
            escapechar="\\",
            doublequote=False,
            strict=True,
        )
        start = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # the reader resumes on the next physical line after an error
                yield start, None, str(exc)
            except UnicodeDecodeError as exc:
                raise SourceError("bad_encoding", f"{path}: {exc}") from exc
            else:
                yield start, row, ""
            start = reader.line_num + 1


def parse(
    path: Path, *, root: Path, collection: str, kind: str = "cable", **options: Any
) -> Iterator[Record | Reject]:
    """One Record per CSV row; a bad row is a Reject with its line number."""
    opts = _check_options(options)
    path, root = Path(path), Path(root)
    if path.stat().st_size == 0:
        raise SourceError("empty_file", str(path))
    source, sha = relative_source(path, root), sha256_file(path)
    names: list[str] = opts["columns"]
    first = True
    for line, row, error in _rows(path, opts):
        if first and opts["header_row"]:
            first = False
            continue
        first = False
        if row is None:
            yield Reject(collection, source, STAGE, "bad_csv_row", f"line {line}: {error}")
            continue
        if not any(field.strip() for field in row):
            continue  # a blank line between rows holds nothing
        if len(row) != len(names):
            yield Reject(
                collection,
                source,
                STAGE,
                "wrong_field_count",
                f"line {line}: {len(row)} fields, expected {len(names)} ({','.join(names)})",
            )
            continue
        yield _record(dict(zip(names, row, strict=True)), line, collection, kind, source, sha, opts)


def _record(
    row: dict[str, str],
    line: int,
    collection: str,
    kind: str,
    source: str,
    sha: str,
    opts: Mapping[str, Any],
) -> Record | Reject:
    local = row.get("id", "").strip() or row.get("reference_id", "").strip()
    if not local:
        return Reject(collection, source, STAGE, "no_id", f"line {line}: no id or reference id")
    body = normalise_space(row.get("body", ""))
    if not body.strip():
        return Reject(collection, source, STAGE, "no_text", f"line {line}: {local} has no body")
    origin = row.get("origin", "").strip()
    header = row.get("header", "").replace("\r\n", "\n").strip()
    addressees = read_header(header) if header else {}
    date_text = row.get("date", "").strip() or None
    info = _date(date_text, opts) if date_text else dates.UNKNOWN
    meta: dict[str, str] = {"line": str(line)}
    for name, value in row.items():
        if name in ("body", "skip") or name in ("id", "date", "origin", "classification"):
            continue
        if value.strip():
            meta[name] = value.strip() if name != "header" else header
    if "refs" in meta:
        meta["refs"] = "; ".join(r for r in meta["refs"].split("|") if r)
    if addressees.get("info"):
        meta["info"] = addressees["info"]
    if addressees.get("from"):
        meta["from"] = addressees["from"]
    if info.flags:
        meta["date_flag"] = ",".join(info.flags)
    return Record(
        doc_id=f"{collection}:{local}",
        collection=collection,
        kind=kind,  # type: ignore[arg-type]
        text=body,
        source_path=source,
        source_format="cables_csv",
        source_sha256=sha,
        title=subject_of(body),
        language=str(opts["language"]) or None,
        place=place_of(origin) if origin else None,
        sender=origin or None,
        recipient=addressees.get("to"),
        classification=row.get("classification", "").strip() or None,
        metadata=meta,
        **info.record_fields(date_text),
    )
