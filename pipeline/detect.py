"""Which source format a folder holds, from a sample of its files (for `longue add-collection`).

Reads root elements (ingest/_xml.py), JSON keys, CSV first rows and file types; one sniffing
function per format in SNIFFERS. Spec: https://github.com/longue-duree (issue 9).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ingest import available_formats
from ingest._xml import iterparse, localname
from ingest.record import SourceError

logger = logging.getLogger(__name__)

MAX_SAMPLED = 300  # files opened per survey; the rest are only counted
IMAGE_SUFFIXES = (".tif", ".tiff", ".png", ".jpg", ".jpeg", ".jp2")
PDF_SUFFIXES = (".pdf",)
# files that document a folder rather than hold its records
_NOTES = {".md", ".rst", ".dvc", ".gitignore", ".log", ".sha256", ".md5"}
_NOTE_NAMES = {"readme", "licence", "license", "copying", "manifest", "changelog"}
_TEI_NS = "http://www.tei-c.org/ns/1.0"
_LIDO_NS = "http://www.lido-schema.org"
# keys of a Tate artwork record (JSON export) and of its CSV export's header
_TATE_JSON_KEYS = {"acno", "dateText", "contributors", "acquisitionYear", "all_artists"}
_TATE_CSV_KEYS = {"accession_number", "artist", "dateText"}
_CABLE_CSV_COLUMNS = 8  # id, date, reference id, origin, classification, refs, header, body


@dataclass
class FileSniff:
    """What one sampled file is, as far as its first bytes tell."""

    path: Path
    kind: str  # "xml", "json", "csv", "image", "pdf", "text", "other", "unreadable"
    root: str = ""  # XML root local name
    namespace: str = ""  # XML root namespace
    keys: frozenset[str] = frozenset()  # JSON object keys or CSV header fields
    n_columns: int = 0  # CSV: fields in the first row
    problem: str = ""  # why it could not be read


@dataclass
class Survey:
    """Every file under a folder counted, a sample of them sniffed."""

    root: Path
    n_files: int
    n_bytes: int
    suffixes: Counter[str]
    sampled: list[FileSniff]
    n_notes: int = 0  # README, licence and similar files, not records

    @property
    def unreadable(self) -> list[FileSniff]:
        return [s for s in self.sampled if s.kind == "unreadable"]

    def share(self, n: int) -> float:
        """Share of the sampled record files that `n` of them make."""
        data = [s for s in self.sampled if s.kind != "unreadable"]
        return n / len(data) if data else 0.0


@dataclass
class Evidence:
    """How well one format explains a folder."""

    format: str
    score: float  # share of the sampled data files this format would read, 0..1
    summary: str  # "3 METS files, 12 ALTO pages"
    available: bool = True  # an adapter ingest/<format>.py exists
    notes: list[str] = field(default_factory=list)


def survey(root: Path, max_sampled: int = MAX_SAMPLED) -> Survey:
    """Count the files under `root` and sniff an evenly spread sample of them."""
    root = Path(root)
    if root.is_file():
        files = [root]
    else:
        files = sorted(
            p
            for p in root.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
        )
    notes = [p for p in files if _is_note(p)]
    data = [p for p in files if not _is_note(p)]
    step = max(1, len(data) / max_sampled) if data else 1
    sample = [data[int(i * step)] for i in range(min(len(data), max_sampled))]
    return Survey(
        root=root,
        n_files=len(files),
        n_bytes=sum(p.stat().st_size for p in files),
        suffixes=Counter(_suffix(p) for p in data),
        sampled=[sniff_file(p) for p in sample],
        n_notes=len(notes),
    )


def _is_note(path: Path) -> bool:
    stem = path.name.lower().split(".")[0]
    return path.suffix.lower() in _NOTES or stem in _NOTE_NAMES or stem.endswith("_manifest")


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return ".jsonl.gz" if name.endswith(".jsonl.gz") else path.suffix.lower()


def sniff_file(path: Path) -> FileSniff:
    """Look at the start of one file: XML root, JSON keys, CSV shape or file type."""
    suffix = _suffix(path)
    try:
        if path.stat().st_size == 0:
            return FileSniff(path, "unreadable", problem="empty file")
        if suffix == ".xml":
            return _sniff_xml(path)
        if suffix in (".json", ".jsonl", ".jsonl.gz"):
            return _sniff_json(path, suffix)
        if suffix in (".csv", ".tsv"):
            return _sniff_csv(path, "\t" if suffix == ".tsv" else ",")
        if suffix in IMAGE_SUFFIXES:
            return FileSniff(path, "image")
        if suffix in PDF_SUFFIXES:
            return FileSniff(path, "pdf")
        if suffix == ".txt":
            with path.open("rb") as f:
                f.read(4096).decode("utf-8")
            return FileSniff(path, "text")
        return FileSniff(path, "other")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return FileSniff(path, "unreadable", problem=f"{type(exc).__name__}: {exc}"[:300])


def _sniff_xml(path: Path) -> FileSniff:
    try:
        for _event, el in iterparse(path, events=("start",)):
            return FileSniff(
                path, "xml", root=localname(el), namespace=etree.QName(el).namespace or ""
            )
    except SourceError as exc:
        return FileSniff(path, "unreadable", problem=f"{exc.reason}: {exc.detail}"[:300])
    return FileSniff(path, "unreadable", problem="no root element")


def _sniff_json(path: Path, suffix: str) -> FileSniff:
    if suffix == ".json":
        with path.open("rb") as f:
            head = f.read(8 << 20)
        obj = json.loads(head)
    else:
        opener = gzip.open if suffix.endswith(".gz") else open
        with opener(path, "rb") as f:  # type: ignore[operator]
            obj = json.loads(f.readline())
    if isinstance(obj, list):
        obj = obj[0] if obj else {}
    keys = frozenset(obj) if isinstance(obj, dict) else frozenset()
    return FileSniff(path, "json", keys=keys)


def _sniff_csv(path: Path, delimiter: str) -> FileSniff:
    with path.open("rb") as f:
        head = f.read(256 << 10).decode("utf-8-sig", errors="strict")
    rows = csv.reader(io.StringIO(head), delimiter=delimiter, escapechar="\\")
    first = next(rows, [])
    return FileSniff(path, "csv", keys=frozenset(h.strip() for h in first), n_columns=len(first))


# --------------------------------------------------------------------------------------------
# One function per format: how much of the survey it explains


def sniff_alto(s: Survey) -> Evidence | None:
    roots = Counter(f.root.lower() for f in s.sampled if f.kind == "xml")
    n_mets, n_alto = roots["mets"], roots["alto"]
    if not n_alto:
        return None
    parts = ([f"{n_mets} METS file{'s' * (n_mets != 1)}"] if n_mets else []) + [
        f"{n_alto} ALTO page{'s' * (n_alto != 1)}"
    ]
    return Evidence("alto", s.share(n_mets + n_alto), ", ".join(parts))


def sniff_tei(s: Survey) -> Evidence | None:
    n = sum(
        1
        for f in s.sampled
        if f.kind == "xml"
        and f.root in ("TEI", "teiCorpus", "TEI.2")
        and f.namespace in (_TEI_NS, "")
    )
    return Evidence("tei", s.share(n), f"{n} TEI file{'s' * (n != 1)}") if n else None


def sniff_lido(s: Survey) -> Evidence | None:
    n = sum(
        1
        for f in s.sampled
        if f.kind == "xml" and f.root in ("lido", "lidoWrap") and f.namespace == _LIDO_NS
    )
    return Evidence("lido", s.share(n), f"{n} LIDO file{'s' * (n != 1)}") if n else None


def sniff_tate(s: Survey) -> Evidence | None:
    n_json = sum(1 for f in s.sampled if f.kind == "json" and len(f.keys & _TATE_JSON_KEYS) >= 2)
    n_csv = sum(1 for f in s.sampled if f.kind == "csv" and "accession_number" in f.keys)
    # artist records sit beside the artworks in the Tate export; the adapter skips them
    n_artists = sum(
        1
        for f in s.sampled
        if f.kind == "json" and {"birthYear", "fc"} <= f.keys and "acno" not in f.keys
    )
    n_artists += sum(1 for f in s.sampled if f.kind == "csv" and {"name", "yearOfBirth"} <= f.keys)
    if not n_json and not n_csv:
        return None
    parts = [f"{n_json} Tate artwork JSON file(s)"] if n_json else []
    parts += [f"{n_csv} Tate artwork CSV export(s)"] if n_csv else []
    parts += [f"{n_artists} artist file(s), skipped"] if n_artists else []
    return Evidence("tate", s.share(n_json + n_csv + n_artists), ", ".join(parts))


def sniff_tesseract(s: Survey) -> Evidence | None:
    n_img = sum(1 for f in s.sampled if f.kind == "image")
    n_pdf = sum(1 for f in s.sampled if f.kind == "pdf")
    if not n_img and not n_pdf:
        return None
    parts = [f"{n_img} page image(s)"] if n_img else []
    parts += [f"{n_pdf} PDF file(s)"] if n_pdf else []
    ev = Evidence("tesseract", s.share(n_img + n_pdf), ", ".join(parts) + " to OCR")
    n_txt = sum(1 for f in s.sampled if f.kind == "text")
    if n_txt:
        ev.notes.append(f"{n_txt} .txt file(s) beside the images (ground truth?) are not read")
    return ev


def sniff_cables_csv(s: Survey) -> Evidence | None:
    # the Cablegate export has no header row: its first row is a cable with 8 fields
    n = sum(
        1
        for f in s.sampled
        if f.kind == "csv" and f.n_columns == _CABLE_CSV_COLUMNS and not f.keys & _TATE_CSV_KEYS
    )
    return Evidence("cables_csv", s.share(n), f"{n} cable CSV file(s) (8 columns)") if n else None


def sniff_plaintext(s: Survey) -> Evidence | None:
    n = sum(1 for f in s.sampled if f.kind == "text")
    return Evidence("plaintext", s.share(n), f"{n} plain-text file(s)") if n else None


SNIFFERS: dict[str, Callable[[Survey], Evidence | None]] = {
    "alto": sniff_alto,
    "tei": sniff_tei,
    "lido": sniff_lido,
    "tate": sniff_tate,
    "tesseract": sniff_tesseract,
    "cables_csv": sniff_cables_csv,
    "plaintext": sniff_plaintext,
}


def detect_formats(s: Survey) -> list[Evidence]:
    """Every format with some evidence in the survey, best first (formats without adapter last)."""
    formats = set(available_formats())
    found = []
    for name, sniff in SNIFFERS.items():
        ev = sniff(s)
        if ev is not None:
            ev.available = name in formats
            found.append(ev)
    return sorted(found, key=lambda e: (not e.available, -e.score, e.format))


def describe_roots(s: Survey, limit: int = 4) -> str:
    """What the sampled files are, for messages when no format explains them."""
    kinds = Counter(
        f"<{f.root}> XML" if f.kind == "xml" else f.kind
        for f in s.sampled
        if f.kind != "unreadable"
    )
    return ", ".join(f"{n} {k}" for k, n in kinds.most_common(limit)) or "no readable files"
