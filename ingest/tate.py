"""Tate collection artworks: per-artwork JSON, JSON Lines (.jsonl, .jsonl.gz) and the CSV export.

Source and field meanings: https://github.com/tategallery/collection (CC0). One Record per artwork.

Reading text (Record.text), one line each, in this order, only from what the record says:
  1. the title; 2. the foreign-language title, then the group (series) title, when present;
  3. one line per contributor: "By <name> (<life dates>)." for role artist, otherwise the role
     capitalised before the name ("After Joseph Mallord William Turner (1775–1851).");
  4. "Dated <dateText>." (or "Date not known." as Tate writes it); 5. "<medium>.";
  6. one line per subject leaf, the hierarchy flattened: "religion and belief: universal
     religious imagery: angel"; 7. "Movements: <name> (<era>); ...".
Dimensions, credit line and the inscription flag (always the bare words "date inscribed" in the
2014 dump, no inscribed text) are catalogue facts, kept in metadata only.

Artist records (artists/*.json, artist_data.csv) describe people, not works: `find` skips them by
design (they are not rejected). Given to `parse` anyway, an artist record yields a Reject.
Tate artwork records hold no place of making, so `place` stays None; depicted places are in
the subject lines and in metadata["places_depicted"].
"""

from __future__ import annotations

import csv
import gzip
import json
import logging
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, cast

from ingest import dates
from ingest._paths import relative_source
from ingest._xml import sha256_file
from ingest.record import Record, Reject, SourceError

logger = logging.getLogger(__name__)

OPTIONS: dict[str, object] = {
    "language": "en",  # Tate catalogue text is English
    "use_date_range": True,  # fall back to dateRange (CSV: year) when dateText is unreadable
}
STAGE = "ingest"
_SKIPPED_DIRS = {"artists"}
_UNKNOWN_DATES = {"date not known", "no date", ""}


def _check_options(options: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"unknown tate option(s) {unknown}; accepted: {sorted(OPTIONS)}")
    return {**OPTIONS, **options}


def _is_artwork_csv(path: Path) -> bool:
    """The artwork export has accession_number; artist_data.csv (people) has not."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError):
        return True  # unreadable: let parse() report it
    return "accession_number" in header


def find(root: Path, **options: Any) -> Iterator[Path]:
    """Yield artwork files under root, sorted: *.json, *.jsonl(.gz), artwork CSV exports."""
    _check_options(options)
    root = Path(root)
    for p in sorted(root.rglob("*")):
        if not p.is_file() or _SKIPPED_DIRS & set(p.relative_to(root).parts[:-1]):
            continue
        name = p.name.lower()
        if name.endswith((".json", ".jsonl", ".jsonl.gz")) or (
                name.endswith(".csv") and _is_artwork_csv(p)):
            yield p


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value not in (None, "") else ""


def flatten_subjects(node: Mapping[str, Any] | None) -> list[str]:
    """Tate's subject tree (root "subject") as "category: subcategory: term" lines, in order."""
    lines: list[str] = []

    def walk(n: Mapping[str, Any], path: list[str]) -> None:
        children = n.get("children") or []
        if not children:
            if path:
                lines.append(": ".join(path))
            return
        for child in children:
            walk(child, [*path, _text(child.get("name"))])

    if node:
        walk(node, [])  # the root node is the generic "subject"
    return lines


def _places(node: Mapping[str, Any] | None) -> list[str]:
    """Leaf terms under the 'places' category (what the work depicts, not where it was made)."""
    out = []
    for child in (node or {}).get("children") or []:
        if child.get("name") == "places":
            out += [line.split(": ")[-1] for line in flatten_subjects(child)]
    return out


def _contributor_line(c: Mapping[str, Any]) -> str:
    name = _text(c.get("fc"))
    role = _text(c.get("role")) or "artist"
    life = _text(c.get("date"))
    who = f"{name} ({life})" if life else name
    return f"By {who}." if role == "artist" else f"{role[0].upper()}{role[1:]} {who}."


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else f"{text}."


def build_text(obj: Mapping[str, Any]) -> str:
    """The reading text of one artwork record (rule in the module docstring)."""
    lines = [_text(obj.get("title"))]
    lines += [_text(obj.get("foreignTitle")), _text(obj.get("groupTitle"))]
    lines += [_contributor_line(c) for c in obj.get("contributors") or [] if _text(c.get("fc"))]
    date_text = _text(obj.get("dateText"))
    if date_text.lower() in _UNKNOWN_DATES - {""}:
        lines.append(_sentence(date_text[0].upper() + date_text[1:]))
    elif date_text:
        lines.append(_sentence(f"Dated {date_text}"))
    medium = _text(obj.get("medium"))
    lines.append(_sentence(medium) if medium else "")
    lines += flatten_subjects(obj.get("subjects"))
    movements = [_movement(m) for m in obj.get("movements") or [] if _text(m.get("name"))]
    if movements:
        lines.append(_sentence("Movements: " + "; ".join(movements)))
    return "\n".join(line for line in lines if line)


def _movement(m: Mapping[str, Any]) -> str:
    era = _text((m.get("era") or {}).get("name"))
    return f"{_text(m.get('name'))} ({era})" if era else _text(m.get("name"))


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _date(obj: Mapping[str, Any], use_range: bool) -> tuple[dates.DateInfo, str]:
    """The date of the work from dateText, else from dateRange; and which field gave it."""
    text = _text(obj.get("dateText"))
    if text.lower() in _UNKNOWN_DATES and text:
        return dates.UNKNOWN, ""
    info = dates.parse_date(text)
    if info.known or info.flags or not use_range:
        return info, "dateText" if info.known else ""
    rng = obj.get("dateRange") or {}
    first, last = _int_or_none(rng.get("startYear")), _int_or_none(rng.get("endYear"))
    if first is None:
        return info, ""
    approximate = _text(rng.get("text")).lower().startswith("c.")
    return dates.from_years(first, last, approximate=approximate), "dateRange"


def _reject(obj: Mapping[str, Any], where: str, collection: str, source: str) -> Reject | None:
    acno, title = _text(obj.get("acno")), _text(obj.get("title"))
    if acno and title:
        return None
    if not acno and ("birthYear" in obj or "totalWorks" in obj):
        reason = "artist_record"
    else:
        reason = "no_acno" if not acno else "no_title"
    label = f"{where}: " if where else ""
    return Reject(collection, source, STAGE, reason, f"{label}{acno or obj.get('id') or '?'}")


def build_record(obj: Mapping[str, Any], *, collection: str, kind: str, source_path: str,
                 source_format: str, sha256: str, opts: Mapping[str, Any],
                 line: int | None = None, unit: str = "line") -> Record:
    """One Record from one Tate artwork object (JSON shape; CSV rows are mapped to it)."""
    acno = _text(obj.get("acno"))
    contributors = obj.get("contributors") or []
    authors = tuple(_text(c.get("fc")) for c in contributors
                    if (c.get("role") or "artist") == "artist" and _text(c.get("fc")))
    if not authors and _text(obj.get("all_artists")):
        authors = (_text(obj.get("all_artists")),)
    info, date_source = _date(obj, bool(opts["use_date_range"]))
    subjects = flatten_subjects(obj.get("subjects"))
    meta: dict[str, str] = {"acno": acno}
    for key in ("id", "classification", "medium", "dimensions", "creditLine", "acquisitionYear",
                "url", "inscription", "foreignTitle", "groupTitle", "thumbnailUrl"):
        value = _text(obj.get(key))
        if value:
            meta[key] = value
    movements = [_movement(m) for m in obj.get("movements") or [] if _text(m.get("name"))]
    if movements:
        meta["movements"] = "; ".join(movements)
    if subjects:
        meta["subjects"] = "\n".join(subjects)
    places = _places(obj.get("subjects"))
    if places:
        meta["places_depicted"] = "; ".join(places)
    others = [f"{c.get('role')}: {_text(c.get('fc'))}" for c in contributors
              if (c.get("role") or "artist") != "artist"]
    if others:
        meta["contributor_roles"] = "; ".join(others)
    if date_source:
        meta["date_source"] = date_source
    if info.flags:
        meta["date_flag"] = ",".join(info.flags)
    if line is not None:
        meta[unit] = str(line)  # line of a JSONL file, row of a CSV, item of a JSON list
    return Record(
        doc_id=f"{collection}:{acno}", collection=collection, kind=kind,  # type: ignore[arg-type]
        text=build_text(obj), source_path=source_path, source_format=source_format,
        source_sha256=sha256, title=_text(obj.get("title")), authors=authors,
        language=str(opts["language"]) if opts["language"] else None,
        classification=_text(obj.get("classification")) or None,
        metadata=meta, **info.record_fields(_text(obj.get("dateText")) or None),
    ).finalize()


def _open_lines(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _from_objects(objs: Iterable[tuple[int | None, Any]], *, path: Path, root: Path,
                  collection: str, kind: str, fmt: str, opts: Mapping[str, Any],
                  unit: str = "line") -> Iterator[Record | Reject]:
    source, sha = relative_source(path, root), sha256_file(path)
    for line, obj in objs:
        where = f"{unit} {line}" if line is not None else ""
        if isinstance(obj, Reject):
            yield obj
            continue
        if not isinstance(obj, dict):
            yield Reject(collection, source, STAGE, "not_an_object",
                         f"{where}: {type(obj).__name__}".lstrip(": "))
            continue
        rejected = _reject(obj, where, collection, source)
        if rejected:
            yield rejected
            continue
        yield build_record(obj, collection=collection, kind=kind, source_path=source,
                           source_format=fmt, sha256=sha, opts=opts, line=line, unit=unit)


def _jsonl_objects(path: Path, collection: str, source: str) -> Iterator[tuple[int | None, Any]]:
    """One object per line; a line that does not parse becomes a Reject, the rest go on."""
    try:
        with _open_lines(path) as fh:
            for n, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                try:
                    yield n, json.loads(raw)
                except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
                    yield n, Reject(collection, source, STAGE, "bad_json", f"line {n}: {exc}")
    except (OSError, EOFError, zlib.error) as exc:  # truncated or corrupt gzip stream
        raise SourceError("bad_gzip", f"{path}: {exc}") from exc


def _csv_artist_name(name: str) -> str:
    """The CSV writes "Blake, William" (Tate's mda form); the JSON's fc form is "William Blake"."""
    parts = [p.strip() for p in name.split(",")]
    return f"{parts[1]} {parts[0]}" if len(parts) == 2 and all(parts) else name.strip()


def _csv_objects(path: Path) -> Iterator[tuple[int | None, Any]]:
    """Rows of artwork_data.csv mapped to the JSON field names (row numbers count the header)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            for n, row in enumerate(csv.DictReader(f), start=2):
                artist = _csv_artist_name(row.get("artist") or "")
                obj: dict[str, Any] = {
                    "acno": row.get("accession_number"), "id": row.get("id"),
                    "title": row.get("title"), "all_artists": artist,
                    "contributors": [{"fc": artist, "role": row.get("artistRole") or "artist"}]
                    if artist else [],
                    "dateText": row.get("dateText"),
                    "dateRange": {"startYear": row.get("year")} if row.get("year") else None,
                }
                for key in ("medium", "creditLine", "acquisitionYear", "dimensions", "url",
                            "inscription", "thumbnailUrl"):
                    obj[key] = row.get(key)
                yield n, obj
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SourceError("bad_csv", f"{path}: {exc}") from exc


def parse(path: Path, *, root: Path, collection: str, kind: str = "museum",
          **options: Any) -> Iterator[Record | Reject]:
    """Parse one Tate file (JSON object or list, JSON Lines, CSV export) into Records."""
    opts = _check_options(options)
    path, root = Path(path), Path(root)
    name = path.name.lower()
    common: dict[str, Any] = {"path": path, "root": root, "collection": collection, "kind": kind,
                              "opts": opts}
    if name.endswith((".jsonl", ".jsonl.gz")):
        objs = _jsonl_objects(path, collection, relative_source(path, root))
        yield from _from_objects(objs, fmt="tate-jsonl", **common)
    elif name.endswith(".csv"):
        yield from _from_objects(_csv_objects(path), fmt="tate-csv", unit="row", **common)
    else:
        try:
            data = json.loads(path.read_bytes())
        except ValueError as exc:
            raise SourceError("bad_json", f"{path}: {exc}") from exc
        items = data if isinstance(data, list) else [data]
        seq: list[tuple[int | None, Any]] = [
            (i + 1 if isinstance(data, list) else None, o) for i, o in enumerate(items)]
        yield from _from_objects(seq, fmt="tate-json", unit="item", **common)
