"""ALTO page XML (v1.x to v4, any namespace) and METS newspaper issues, to issue/article records.

Specs: https://www.loc.gov/standards/alto/ and https://www.loc.gov/standards/mets/ (MODS inside).
An ALTO file holding several <Page> elements (whole-book exports) is read as one text; without
METS each of its pages becomes a Page row (AltoPage.pages), with METS the METS page is the row.
Modules: `page` reads one ALTO file (words, confidence, blocks, sizes); `mets` reads a METS
issue's structure (files, pages, MODS, articles); this module finds and parses units.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ingest._paths import relative_source
from ingest._xml import sha256_file
from ingest.alto.common import _date_from_path, _local_id, _sniff
from ingest.alto.mets import _mets_alto_paths, _parse_issue
from ingest.alto.page import (
    AltoPage,
    AltoPagePart,
    _Accumulator,
    _alto_metadata,
    _page_row,
    parse_page,
    read_alto,
)
from ingest.alto.page import _WordBuilder as _WordBuilder  # tests count its block reads
from ingest.dates import parse_date
from ingest.record import Page, Record, Reject, SourceError

__all__ = [
    "GRANULARITIES",
    "OPTIONS",
    "AltoPage",
    "AltoPagePart",
    "find",
    "parse",
    "parse_page",
    "read_alto",
]

logger = logging.getLogger(__name__)


OPTIONS: dict[str, object] = {
    "granularity": "issue",  # "issue": one Record per issue; "article": one per METS article
    "use_word_confidence": True,  # False for producers writing a constant placeholder WC
    "default_dpi": 300,  # converts mm10/inch1200 to pixels when neither ALTO nor METS says
    "newspaper_title": None,  # for METS profiles that name no title (RERO/NDNP issues)
}
GRANULARITIES = ("issue", "article")

# --------------------------------------------------------------------------------------------
# Finding units


def find(root: Path, **options: Any) -> Iterator[Path]:
    """Yield the units to parse, sorted: METS files, folders of ALTO pages, lone ALTO files.

    ALTO files a METS references, or that sit in a folder holding a METS or its pages, belong to
    that issue and are not yielded. XML files that cannot be read are yielded alone, so `parse`
    reports them.
    """
    _check_options(options)
    root = Path(root)
    kinds = {
        p: _sniff(p) for p in sorted(root.rglob("*")) if p.is_file() and p.suffix.lower() == ".xml"
    }
    mets = [p for p, k in kinds.items() if k == "mets"]
    claimed: set[Path] = set()
    for m in mets:
        try:
            claimed.update(p for p in _mets_alto_paths(m) if p is not None)
        except SourceError:
            continue
    # an issue's own folders (the METS's and its pages'): other ALTO there is reported by
    # parse() as an unreferenced page of that issue, not made into a document of its own
    mets_dirs = {m.parent for m in mets} | {p.parent for p in claimed}
    folders: dict[Path, list[Path]] = {}
    units: list[Path] = list(mets)
    for p, kind in kinds.items():
        if kind == "mets" or p in claimed or p.parent in mets_dirs:
            continue
        if kind == "alto":
            folders.setdefault(p.parent, []).append(p)
        elif kind is None:
            units.append(p)
        else:
            logger.info("skipping %s: root element <%s> is neither ALTO nor METS", p, kind)
    for folder, pages in folders.items():
        units.append(pages[0] if len(pages) == 1 else folder)
    yield from sorted(units, key=lambda u: u.as_posix())


def _check_options(options: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"unknown alto option(s) {unknown}; accepted: {sorted(OPTIONS)}")
    merged = {**OPTIONS, **options}
    if merged["granularity"] not in GRANULARITIES:
        raise ValueError(f"granularity {merged['granularity']!r} not in {GRANULARITIES}")
    return merged


# --------------------------------------------------------------------------------------------
# Parsing units


def parse(
    path: Path, *, root: Path, collection: str, kind: str = "press", **options: Any
) -> Iterator[Record | Page | Reject]:
    """Parse one unit from `find` into issue (or article) Records, Pages and Rejects."""
    opts = _check_options(options)
    path, root = Path(path), Path(root)
    if path.is_dir():
        pages = sorted(
            p
            for p in path.iterdir()
            if p.is_file() and p.suffix.lower() == ".xml" and _sniff(p) == "alto"
        )
        yield from _parse_pages(path, pages, root=root, collection=collection, kind=kind, opts=opts)
    elif _sniff(path) == "mets":
        yield from _parse_issue(path, root=root, collection=collection, kind=kind, opts=opts)
    else:
        yield from _parse_pages(
            path, [path], root=root, collection=collection, kind=kind, opts=opts
        )


def _parse_pages(
    unit: Path, pages: list[Path], *, root: Path, collection: str, kind: str, opts: dict[str, Any]
) -> Iterator[Record | Page | Reject]:
    """ALTO pages without METS: a folder of pages (one document) or a single page file."""
    doc_id = f"{collection}:{_local_id(unit, root)}"
    single = unit.is_file()
    use_wc = bool(opts["use_word_confidence"])
    texts: list[str] = []
    words: list[tuple[str, float | None]] = []
    acc = _Accumulator()
    first: dict[str, str] | None = None  # ALTO facts of the first page read
    number = 0  # Page rows and unreadable files so far
    for page_path in pages:
        try:
            # no METS: no area will look up a String or block ID
            alto = read_alto(page_path, default_dpi=float(opts["default_dpi"]), ids=False)
        except SourceError as exc:
            if single:
                raise
            number += 1
            yield Reject(
                collection,
                relative_source(page_path, root),
                "ingest",
                "missing_page",
                f"{exc.reason}: {exc.detail}",
            )
            continue
        first = first or _alto_metadata(alto)
        acc.add(alto)
        texts.append(alto.text)
        if use_wc:
            if words:
                words.extend(alto.words)
            else:  # the first (for a single file, only) page: its list, not a copy
                words = alto.words
        shown = relative_source(page_path, root)
        for part in alto.pages or (alto,):  # a multi-page file (whole book): one row a page
            number += 1
            yield _page_row(
                part,
                doc_id=doc_id,
                page_number=number,
                alto_path=shown,
                image_path=None,
                use_wc=use_wc,
            )
        del alto, part  # its words and text are in `words` and `texts`
    if first is None:
        yield Reject(
            collection,
            relative_source(unit, root),
            "ingest",
            "no_text",
            f"none of {len(pages)} ALTO pages could be read",
        )
        return
    date_text, iso = _date_from_path(Path(os.path.relpath(unit, root)))
    metadata = {**first, "n_pages": str(number), "n_pages_missing": str(len(pages) - acc.n_pages)}
    if date_text:
        metadata["date_source"] = "path"
    record = Record(
        doc_id=doc_id,
        collection=collection,
        kind=kind,  # type: ignore[arg-type]
        text=texts[0] if len(texts) == 1 else "\n\n".join(t for t in texts if t),
        source_path=relative_source(unit, root),
        source_format="alto",
        source_sha256=sha256_file(unit) if single else _sha256_of_files(pages),
        language=acc.language(),
        ocr_confidence=acc.mean() if use_wc else None,
        metadata=metadata,
        words=tuple(words),
        **parse_date(iso).record_fields(date_text),
    ).finalize()
    del texts, words  # a whole-book file: the record alone holds its words
    yield record


def _sha256_of_files(paths: Sequence[Path]) -> str:
    import hashlib

    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode() + b"\0" + sha256_file(p).encode() + b"\n")
    return h.hexdigest()
