"""METS newspaper issues (MODS inside): files, pages, issue metadata and articles.
Spec: https://www.loc.gov/standards/mets/
"""

from __future__ import annotations

import functools
import logging
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lxml import etree

from ingest._paths import relative_source
from ingest._xml import (
    localname,
    parse_xml,
    sha256_file,
)
from ingest.alto.common import _date_from_path, _local_id, _sniff
from ingest.alto.page import AltoPage, _Accumulator, _alto_metadata, _page_row, read_alto
from ingest.dates import parse_date
from ingest.language import normalise_code
from ingest.record import Page, Record, Reject, SourceError

logger = logging.getLogger(__name__)


# METS div types that describe the issue itself rather than a part of it
_ISSUE_DIV_TYPES = {
    "newspaper",
    "volume",
    "issue",
    "physsequence",
    "periodical",
    "year",
    "month",
    "day",
}
_ARTICLE_DIV_TYPES = {"article"}
_LANGUAGE_NAMES = {
    "french": "fr",
    "german": "de",
    "english": "en",
    "italian": "it",
    "latin": "la",
    "dutch": "nl",
    "luxembourgish": "lb",
    "spanish": "es",
    "français": "fr",
    "deutsch": "de",
}
_PLACEHOLDERS = {"DOCUMENT_TITLE_PLACEHOLDER", "Untitled", ""}
_DMY = re.compile(r"^\s*(\d{1,2})[./](\d{1,2})[./](\d{4})\s*$")

# --------------------------------------------------------------------------------------------
# METS issues


@dataclass
class _MetsFile:
    id: str
    href: str | None
    mimetype: str
    use: str


@dataclass
class _MetsPage:
    number: int  # 1-based position in the physical structMap
    alto: _MetsFile | None
    image: _MetsFile | None
    div_id: str


@dataclass
class _Mods:
    title: str | None = None
    date: str | None = None
    languages: list[str] = field(default_factory=list)
    publisher: str | None = None
    place: str | None = None
    number: str | None = None


def _mets_files(tree: etree._ElementTree) -> dict[str, _MetsFile]:
    files: dict[str, _MetsFile] = {}
    for el in tree.iter():
        if localname(el) != "file" or not el.get("ID"):
            continue
        href = None
        for loc in el:
            if localname(loc) == "FLocat":
                href = next(
                    (v for k, v in loc.attrib.items() if etree.QName(k).localname == "href"), None
                )
                break
        uses = [
            a.get("USE", "") + " " + a.get("ID", "")
            for a in el.iterancestors()
            if localname(a) == "fileGrp"
        ]
        files[el.get("ID", "")] = _MetsFile(
            el.get("ID", ""), href, (el.get("MIMETYPE") or "").lower(), " ".join(uses)
        )
    return files


def _is_alto_file(f: _MetsFile) -> bool:
    href = (f.href or "").lower()
    return "xml" in f.mimetype or href.endswith(".xml")


def _is_image_file(f: _MetsFile) -> bool:
    return f.mimetype.startswith("image/")


def _structmaps(tree: etree._ElementTree, kind: str) -> list[etree._Element]:
    return [
        e
        for e in tree.iter()
        if localname(e) == "structMap" and (e.get("TYPE") or "").upper() == kind
    ]


def _div_file_ids(div: etree._Element) -> list[str]:
    """FILEIDs a div points to itself (fptr@FILEID or areas under its fptr), not via sub-divs."""
    ids: list[str] = []
    for fptr in div:
        if localname(fptr) != "fptr":
            continue
        if fptr.get("FILEID"):
            ids.append(fptr.get("FILEID", ""))
        ids.extend(
            a.get("FILEID", "") for a in fptr.iter() if localname(a) == "area" and a.get("FILEID")
        )
    return ids


def _mets_pages(tree: etree._ElementTree, files: dict[str, _MetsFile]) -> list[_MetsPage]:
    """Pages in physical structMap order, each with its ALTO (and image) file."""
    pages: list[tuple[int, int, etree._Element, list[str]]] = []

    def walk(div: etree._Element) -> None:
        for child in div:
            if localname(child) != "div":
                continue
            ids = [i for i in _div_file_ids(child) if i in files]
            if any(_is_alto_file(files[i]) for i in ids):
                order = child.get("ORDER")
                pages.append(
                    (
                        int(order) if order and order.isdigit() else len(pages) + 1,
                        len(pages),
                        child,
                        ids,
                    )
                )
            else:
                walk(child)

    for smap in _structmaps(tree, "PHYSICAL")[:1]:
        walk(smap)
    if not pages:
        # no physical structMap: the ALTO files in fileSec order are the pages
        texts = [f for f in files.values() if _is_alto_file(f)]
        return [_MetsPage(n, f, None, "") for n, f in enumerate(texts, start=1)]
    pages.sort(key=lambda p: (p[0], p[1]))
    out = []
    for n, (_order, _pos, div, ids) in enumerate(pages, start=1):
        alto = next(files[i] for i in ids if _is_alto_file(files[i]))
        image = next((files[i] for i in ids if _is_image_file(files[i])), None)
        out.append(_MetsPage(n, alto, image, div.get("ID", "")))
    return out


def _resolve(href: str | None, base: Path) -> Path | None:
    """A FLocat href ('file://./text/x.xml', 'x.xml', URL-encoded) as a path under `base`."""
    if not href:
        return None
    h = unquote(href.strip())
    if _is_remote(href):
        return _local_copy(h, base)
    if h.lower().startswith("file://"):
        h = h[7:]
    return Path(os.path.normpath(base / h))


def _is_remote(href: str | None) -> bool:
    h = unquote((href or "").strip()).lower()
    return "://" in h and not h.startswith("file://")


def _local_copy(url: str, base: Path) -> Path | None:
    """The collection's copy of a file a METS names by URL: DFG-viewer and OCR-D METS point
    at the library's server (https://.../00000170.xml) while the archivist delivers the files
    beside the METS, or in a folder per fileGrp. Found by the URL's file name; None when no
    file or more than one file has that name."""
    name = url.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    if not name or name in (".", "..") or _n_mets(base) > 1:
        # Kitodo/DFG name the pages of every object 00000001.xml...: with two METS in one
        # folder a file name cannot tell whose page it is
        return None
    here = base / name
    if here.is_file():
        return Path(os.path.normpath(here))
    below = [p for p in base.glob(f"*/{_glob_escape(name)}") if p.is_file()]
    return Path(os.path.normpath(below[0])) if len(below) == 1 else None


def _n_mets(folder: Path) -> int:
    """How many METS files lie directly in `folder` (cached while the folder is unchanged)."""
    try:
        return _count_mets(str(folder), folder.stat().st_mtime_ns)
    except OSError:
        return 0


@functools.lru_cache(maxsize=256)
def _count_mets(folder: str, _mtime_ns: int) -> int:
    return sum(1 for p in Path(folder).glob("*.xml") if p.is_file() and _sniff(p) == "mets")


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _mets_alto_paths(mets: Path) -> list[Path | None]:
    tree = parse_xml(mets)
    files = _mets_files(tree)
    return [
        _resolve(p.alto.href if p.alto else None, mets.parent) for p in _mets_pages(tree, files)
    ]


def _dmd_mods(tree: etree._ElementTree) -> dict[str, etree._Element]:
    out: dict[str, etree._Element] = {}
    for sec in tree.iter():
        if localname(sec) == "dmdSec" and sec.get("ID"):
            mods = next((e for e in sec.iter() if localname(e) == "mods"), None)
            if mods is not None:
                out[sec.get("ID", "")] = mods
    return out


def _issue_dmd_ids(tree: etree._ElementTree, dmd: dict[str, etree._Element]) -> list[str]:
    """dmdSec IDs describing the issue, most specific (ISSUE) first, then title-level ones."""
    ranked: list[tuple[int, int, str]] = []
    for pos, div in enumerate(e for e in tree.iter() if localname(e) == "div"):
        dtype = (div.get("TYPE") or "").lower()
        if dtype in _ISSUE_DIV_TYPES and div.get("DMDID"):
            rank = 0 if dtype == "issue" else 1
            ranked.extend((rank, pos, i) for i in (div.get("DMDID") or "").split())
    ids: list[str] = []
    for _r, _p, i in sorted(ranked):
        if i in dmd and i not in ids:
            ids.append(i)
    # profiles that name issue-level sections by convention (docWorks: MODSMD_PRINT/ISSUE)
    ids.extend(i for i in dmd if i not in ids and re.search(r"PRINT|ISSUE|COLLECTION", i, re.I))
    if not ids:
        # DFG-viewer/Kitodo METS of other objects (monograph, letters, a volume): the
        # outermost logical div that has a DMDID describes the whole object
        for smap in _structmaps(tree, "LOGICAL")[:1]:
            top = next((d for d in smap.iter() if localname(d) == "div" and d.get("DMDID")), None)
            if top is not None:
                ids.extend(i for i in (top.get("DMDID") or "").split() if i in dmd)
    return ids


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if localname(c) == name]


def _text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    t = " ".join("".join(el.itertext()).split())
    return t or None


def _read_mods(mods: etree._Element) -> _Mods:
    out = _Mods()
    for ti in _children(mods, "titleInfo"):
        title = _text(next(iter(_children(ti, "title")), None))
        if title and title not in _PLACEHOLDERS:
            non_sort = _text(next(iter(_children(ti, "nonSort")), None))
            out.title = f"{non_sort} {title}" if non_sort else title
            break
    for oi in _children(mods, "originInfo"):
        dates = [d for d in oi if localname(d) in ("dateIssued", "dateCreated") and _text(d)]
        dates.sort(key=lambda d: d.get("keyDate") != "yes")
        if dates and out.date is None:
            out.date = _text(dates[0])
        for pub in _children(oi, "publisher"):
            out.publisher = out.publisher or _text(pub)
        for place in _children(oi, "place"):
            out.place = out.place or _text(next(iter(_children(place, "placeTerm")), None))
    for lang in _children(mods, "language"):
        for term in _children(lang, "languageTerm"):
            raw = _text(term)
            code = (
                normalise_code(raw)
                if term.get("type") == "code"
                else _LANGUAGE_NAMES.get((raw or "").lower()) or normalise_code(raw)
            )
            if code and code not in out.languages:
                out.languages.append(code)
    for ti in _children(mods, "titleInfo"):
        out.number = out.number or _text(next(iter(_children(ti, "partNumber")), None))
    for part in _children(mods, "part"):
        for detail in part.iter():
            if localname(detail) == "number":
                out.number = out.number or _text(detail)
    return out


def _mets_dpi(tree: etree._ElementTree) -> float | None:
    # NISO MIX in amdSec: MIX 2.0 xSamplingFrequency / xOpticalResolution, MIX 1.0 (NDNP)
    # XphysScanResolution
    for el in tree.iter():
        if localname(el) in (
            "xSamplingFrequency",
            "xOpticalResolution",
            "XphysScanResolution",
            "XSamplingFrequency",
        ):
            try:
                value = float((el.text or "").strip())
            except ValueError:
                continue
            if value > 0:
                return value
    return None


def _normalised_date(text: str | None) -> str | None:
    """The form parse_date understands: docWorks writes day-first '01.08.1821'."""
    if text is None:
        return None
    m = _DMY.match(text)
    if m:
        return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"
    return text


@dataclass
class _Issue:
    doc_id: str
    title: str | None
    newspaper: str | None
    date_text: str | None
    date_iso: str | None
    language: str | None
    place: str | None
    metadata: dict[str, str]


def _read_issue(
    tree: etree._ElementTree, mets: Path, *, root: Path, collection: str, opts: dict[str, Any]
) -> _Issue:
    dmd = _dmd_mods(tree)
    issue_mods = [_read_mods(dmd[i]) for i in _issue_dmd_ids(tree, dmd)]
    metadata: dict[str, str] = {}
    newspaper = next((m.title for m in issue_mods if m.title), None)
    if newspaper is None and opts.get("newspaper_title"):
        newspaper = str(opts["newspaper_title"])
        metadata["title_source"] = "options"
    date_text = next((m.date for m in issue_mods if m.date), None)
    rel_dir = Path(os.path.relpath(mets.parent, root))
    if date_text:
        metadata["date_source"] = "mods"
        date_iso = _normalised_date(date_text)
    else:
        date_text, date_iso = _date_from_path(rel_dir / mets.name)
        if date_text:
            metadata["date_source"] = "path"
    languages: list[str] = next((m.languages for m in issue_mods if m.languages), [])
    if languages:
        metadata["language_source"] = "mods"
    else:
        # BL puts languages on the articles only: take the one most of them declare
        counts = Counter(code for i, el in dmd.items() for code in _read_mods(el).languages)
        if counts:
            languages = [c for c, _n in counts.most_common()]
            metadata["language_source"] = "mods-articles"
    if languages:
        metadata["languages"] = ",".join(languages)
    printer = next((m.publisher for m in issue_mods if m.publisher), None)
    if printer:
        metadata["printer"] = printer
    number = next((m.number for m in issue_mods if m.number), None)
    if number:
        metadata["issue_number"] = number
    mroot = tree.getroot()
    for attr in ("OBJID", "LABEL", "PROFILE"):
        value = mroot.get(attr)
        if value and value not in _PLACEHOLDERS:
            metadata[f"mets_{attr.lower()}"] = value
    if len(rel_dir.parts) >= 1 and rel_dir.as_posix() != ".":
        parent = rel_dir.parent.as_posix()
        if parent != ".":
            metadata["journal_folder"] = parent
    # two METS in one folder would share the folder id: then the METS name is the id
    siblings = [p for p in mets.parent.glob("*.xml") if p != mets and _sniff(p) == "mets"]
    local = _local_id(mets if siblings else mets.parent, root)
    day = parse_date(date_iso).start if date_iso else None
    when = day.isoformat() if day and parse_date(date_iso).precision == "day" else date_text
    title = f"{newspaper.rstrip('. ')}, {when}" if newspaper and when else newspaper
    return _Issue(
        f"{collection}:{local}",
        title,
        newspaper,
        date_text,
        date_iso,
        languages[0] if languages else None,
        next((m.place for m in issue_mods if m.place), None),
        metadata,
    )


def _parse_issue(
    mets: Path, *, root: Path, collection: str, kind: str, opts: dict[str, Any]
) -> Iterator[Record | Page | Reject]:
    tree = parse_xml(mets)
    files = _mets_files(tree)
    pages = _mets_pages(tree, files)
    if not pages:
        raise SourceError("no_pages", f"{mets.name} references no ALTO file")
    issue = _read_issue(tree, mets, root=root, collection=collection, opts=opts)
    use_wc = bool(opts["use_word_confidence"])
    mets_dpi = _mets_dpi(tree)
    by_article = opts["granularity"] == "article"
    kept: dict[str, AltoPage] = {}  # FILEID -> page, kept only for article granularity
    texts: list[str] = []
    words: list[tuple[str, float | None]] = []
    acc = _Accumulator()
    first: dict[str, str] | None = None  # ALTO facts of the first page read
    n_missing = 0
    n_by_name = 0  # pages the METS names by remote URL, found in the collection by file name
    for page in pages:
        href = page.alto.href if page.alto else None
        path = _resolve(href, mets.parent)
        shown = relative_source(path, root) if path else href or ""
        problem = _page_problem(path, root, href, mets.parent)
        if problem is None and _is_remote(href):
            n_by_name += 1
        alto: AltoPage | None = None
        if problem is None and path is not None:
            try:
                alto = read_alto(path, dpi=mets_dpi, default_dpi=float(opts["default_dpi"]))
            except SourceError as exc:
                problem = f"{exc.reason}: {exc.detail}"
        if alto is None:
            n_missing += 1
            yield Reject(
                collection,
                shown or relative_source(mets, root),
                "ingest",
                "missing_page",
                f"{issue.doc_id} page {page.number}: {problem}",
            )
            continue
        first = first or _alto_metadata(alto)
        if alto.pages:
            logger.warning(
                "%s: ALTO file %s holds %d pages; METS page %d gets them all",
                issue.doc_id,
                shown,
                len(alto.pages),
                page.number,
            )
        acc.add(alto)
        texts.append(alto.text)
        if use_wc and not by_article:
            words.extend(alto.words)
        image = _resolve(page.image.href, mets.parent) if page.image else None
        yield _page_row(
            alto,
            doc_id=issue.doc_id,
            page_number=page.number,
            alto_path=shown,
            image_path=relative_source(image, root) if image else None,
            use_wc=use_wc,
        )
        if by_article and page.alto is not None:
            kept[page.alto.id] = alto
    yield from _unreferenced(mets, pages, root=root, collection=collection)
    if first is None:
        yield Reject(
            collection,
            relative_source(mets, root),
            "ingest",
            "no_text",
            f"none of the {len(pages)} pages of {issue.doc_id} could be read",
        )
        return
    metadata = {
        **first,
        **issue.metadata,
        "n_pages": str(len(pages)),
        "n_pages_missing": str(n_missing),
    }
    if n_by_name:
        metadata["n_pages_found_by_url_name"] = str(n_by_name)
    language = issue.language
    if language is None and acc.language():
        # no MODS language anywhere: the one the ALTO pages declare for most words
        language = acc.language()
        metadata["language_source"] = "alto"
    if metadata.get("dpi_source") == "given":
        metadata["dpi_source"] = "mets"
    common: dict[str, Any] = {
        "collection": collection,
        "kind": kind,
        "source_path": relative_source(mets, root),
        "source_format": "mets+alto",
        "source_sha256": sha256_file(mets),
        "publisher": issue.newspaper,
        "language": language,
        "place": issue.place,
        **parse_date(issue.date_iso).record_fields(issue.date_text),
    }
    if not by_article:
        yield Record(
            doc_id=issue.doc_id,
            title=issue.title,
            text="\n\n".join(t for t in texts if t),
            ocr_confidence=acc.mean() if use_wc else None,
            metadata=metadata,
            words=tuple(words),
            **common,
        ).finalize()
        return
    yield from _articles(
        tree,
        files,
        kept,
        issue=issue,
        common=common,
        metadata=metadata,
        use_wc=use_wc,
        collection=collection,
        mets=mets,
        root=root,
        mets_pages=pages,
    )


def _page_problem(
    path: Path | None, root: Path, href: str | None = None, mets_dir: Path | None = None
) -> str | None:
    if path is None and _is_remote(href):
        n_mets = _n_mets(mets_dir) if mets_dir is not None else 0
        if n_mets > 1:
            return (
                f"remote URL {href}: {n_mets} METS files share this folder, so a file "
                "name cannot tell whose page it is; give each METS its own folder"
            )
        return f"remote URL {href} and no file of that name in the collection"
    if path is None:
        return "no file location in METS"
    if not Path(os.path.abspath(path)).is_relative_to(Path(os.path.abspath(root))):
        return f"file location {path} is outside the collection"
    if not path.is_file():
        return f"file {path.name} not found"
    return None


def _unreferenced(
    mets: Path, pages: list[_MetsPage], *, root: Path, collection: str
) -> Iterator[Reject]:
    """ALTO files beside the issue's pages that its METS does not list (else silently lost)."""
    listed = {_resolve(p.alto.href, mets.parent) for p in pages if p.alto}
    folders = {p.parent for p in listed if p is not None} | {mets.parent}
    for folder in sorted(folders):
        if not folder.is_dir():
            continue
        for p in sorted(folder.glob("*.xml")):
            if p not in listed and p != mets and _sniff(p) == "alto":
                yield Reject(
                    collection,
                    relative_source(p, root),
                    "ingest",
                    "unreferenced_page",
                    f"ALTO file not listed in {mets.name}",
                )


# --------------------------------------------------------------------------------------------
# Articles (granularity: article)


def _articles(
    tree: etree._ElementTree,
    files: dict[str, _MetsFile],
    pages: dict[str, AltoPage],
    *,
    issue: _Issue,
    common: dict[str, Any],
    metadata: dict[str, str],
    use_wc: bool,
    collection: str,
    mets: Path,
    root: Path,
    mets_pages: Sequence[_MetsPage] = (),
) -> Iterator[Record | Reject]:
    """One Record per logical article, plus one for the words no article claims.

    BnL/BnF/RERO articles point to ALTO blocks (area BEGIN = TextBlock or ComposedBlock ID);
    BL articles link (structLink smLinkGrp) to physical page areas whose BEGIN..END are
    String IDs. DFG/Kitodo/OCR-D METS link their parts (chapters, letters, articles) to whole
    pages only (structLink smLink): see _page_articles. Words outside every article
    (mastheads, section headings, adverts) go to a record `<issue>/other`, so choosing article
    granularity loses no text.
    """
    dmd = _dmd_mods(tree)
    arts = _article_divs(tree)
    area_index = _area_index(tree)
    links = _struct_links(tree)
    has_areas = any(
        _areas_of(d) or any(area_index.get(r) for r in links.get(d.get("ID", ""), ())) for d in arts
    )
    page_links = _page_links(tree) if not has_areas else {}
    if page_links:
        yield from _page_articles(
            tree,
            pages,
            mets_pages,
            page_links,
            dmd,
            issue=issue,
            common=common,
            metadata=metadata,
            use_wc=use_wc,
            collection=collection,
            mets=mets,
            root=root,
        )
        return
    if not arts:
        yield Reject(
            collection,
            relative_source(mets, root),
            "ingest",
            "no_articles",
            f"{issue.doc_id}: METS has no logical article structure",
        )
        return
    covered: dict[str, set[int]] = {fid: set() for fid in pages}
    seen: set[str] = set()
    for n, div in enumerate(arts, start=1):
        art_id = div.get("ID") or f"article{n:04d}"
        if art_id in seen:
            continue
        seen.add(art_id)
        areas = _areas_of(div) + [
            a for ref in links.get(art_id, ()) for a in area_index.get(ref, [])
        ]
        chunks: list[tuple[bool, str]] = []  # (is a word range, text)
        confs: list[float] = []
        words: list[tuple[str, float | None]] = []  # in the order of the text's chunks
        unresolved = 0
        for file_id, begin, end in areas:
            alto = pages.get(file_id)
            found = _area_words(alto, begin, end) if alto else None
            if alto is None or found is None:
                unresolved += 1
                continue
            is_range, indices = found
            covered[file_id].update(indices)
            confs.extend(c for i in indices if (c := alto.words[i][1]) is not None)
            text = (
                " ".join(alto.words[i][0] for i in indices)
                if is_range
                else alto.blocks.get(begin, "")
            )
            if text:
                chunks.append((is_range, text))
                words.extend(alto.words[i] for i in indices)
        mods = next(
            (_read_mods(dmd[i]) for i in (div.get("DMDID") or "").split() if i in dmd), _Mods()
        )
        text = _join_chunks(chunks)
        if not text:
            yield Reject(
                collection,
                relative_source(mets, root),
                "ingest",
                "no_text",
                f"{issue.doc_id}/{art_id}: article has no readable text "
                f"({unresolved} of {len(areas)} areas unresolved)",
            )
            continue
        art_meta = {
            **metadata,
            "issue_id": issue.doc_id,
            "article_id": art_id,
            "article_type": div.get("TYPE", ""),
            "n_areas": str(len(areas)),
            "n_areas_unresolved": str(unresolved),
        }
        fields = dict(common)
        if mods.languages:
            art_meta["languages"] = ",".join(mods.languages)
            fields["language"] = mods.languages[0]
        yield Record(
            doc_id=f"{issue.doc_id}/{art_id}",
            title=mods.title or _label(div),
            text=text,
            ocr_confidence=_mean(confs) if use_wc else None,
            metadata=art_meta,
            words=tuple(words) if use_wc else (),
            **fields,
        ).finalize()
    yield from _rest(pages, covered, issue=issue, common=common, metadata=metadata, use_wc=use_wc)


def _page_links(tree: etree._ElementTree) -> dict[str, list[str]]:
    """DFG/Kitodo structLink: logical div ID -> the physical div IDs its smLinks point to."""
    out: dict[str, list[str]] = {}
    for link in tree.iter():
        if localname(link) != "smLink":
            continue
        attrs = {etree.QName(k).localname: v for k, v in link.attrib.items()}
        src, dst = attrs.get("from", "").lstrip("#"), attrs.get("to", "").lstrip("#")
        if src and dst and dst not in out.setdefault(src, []):
            out[src].append(dst)
    return out


def _is_container(div: etree._Element, top: bool) -> bool:
    """A logical div describing the whole object or a level above the parts: the structMap's
    outermost div (monograph, correspondence...), issue-level types (newspaper, year, month,
    day, issue, volume) and divs pointing to a parent METS (Kitodo anchors: mptr)."""
    dtype = (div.get("TYPE") or "").lower()
    return (
        top
        or dtype in _ISSUE_DIV_TYPES
        or dtype == "multivolume_work"
        or any(localname(c) == "mptr" for c in div)
    )


def _logical_parts(tree: etree._ElementTree) -> list[etree._Element]:
    """The outermost logical divs below the object-level ones, in logical order."""
    parts: list[etree._Element] = []

    def walk(div: etree._Element, top: bool) -> None:
        if _is_container(div, top):
            for child in _children(div, "div"):
                walk(child, False)
        else:
            parts.append(div)

    for smap in _structmaps(tree, "LOGICAL")[:1]:
        for div in _children(smap, "div"):
            walk(div, True)
    return parts


def _page_articles(
    tree: etree._ElementTree,
    pages: dict[str, AltoPage],
    mets_pages: Sequence[_MetsPage],
    page_links: dict[str, list[str]],
    dmd: dict[str, etree._Element],
    *,
    issue: _Issue,
    common: dict[str, Any],
    metadata: dict[str, str],
    use_wc: bool,
    collection: str,
    mets: Path,
    root: Path,
) -> Iterator[Record | Reject]:
    """One Record per logical part linked to whole pages (DFG-viewer, Kitodo, OCR-D METS).

    A part is an outermost logical div below the object-level divs (chapter, letter, article,
    section...); its pages are those its smLinks (and its sub-divs' smLinks) point to. Such a
    link says only that the part is on the page, so a page two parts share (one ends where
    the next begins) goes to the FIRST of them in logical order: the parts then divide the
    issue's text like the issue record does, and no word is counted twice in frequencies or
    topics. Every part sharing a page says so in metadata (`pages_shared`, and
    `pages_given_to` for the later ones); a part whose every page went to an earlier one is a
    `shared_pages_only` Reject naming it. Pages no part links go to `<issue>/other`.
    """
    source = relative_source(mets, root)
    by_div = {p.div_id: p for p in mets_pages if p.div_id}
    below: dict[str, list[str]] = {}  # physical div ID -> page div IDs (itself or under it)
    for smap in _structmaps(tree, "PHYSICAL"):
        for div in smap.iter():
            if localname(div) == "div" and div.get("ID"):
                below[div.get("ID", "")] = [
                    d.get("ID", "")
                    for d in div.iter()
                    if localname(d) == "div" and d.get("ID") in by_div
                ]
    parts: list[tuple[etree._Element, list[_MetsPage]]] = []
    for div in _logical_parts(tree):
        ids = [div.get("ID", "")] + [
            d.get("ID", "") for d in div.iter() if localname(d) == "div" and d is not div
        ]
        linked = {pid for i in ids for dst in page_links.get(i, ()) for pid in below.get(dst, ())}
        if linked:
            parts.append((div, sorted((by_div[p] for p in linked), key=lambda p: p.number)))
    if not parts:
        yield Reject(
            collection,
            source,
            "ingest",
            "no_articles",
            f"{issue.doc_id}: METS has no logical article structure",
        )
        return
    owner: dict[int, str] = {}  # page number -> ID of the first part linked to it
    users: Counter[int] = Counter()
    for div, linked_pages in parts:
        for p in linked_pages:
            owner.setdefault(p.number, div.get("ID", ""))
            users[p.number] += 1
    covered: dict[str, set[int]] = {fid: set() for fid in pages}
    seen: set[str] = set()
    for n, (div, linked_pages) in enumerate(parts, start=1):
        art_id = div.get("ID") or f"part{n:04d}"
        if art_id in seen:
            continue
        seen.add(art_id)
        own = [p for p in linked_pages if owner[p.number] == div.get("ID", "")]
        shared = [p.number for p in linked_pages if users[p.number] > 1]
        given = sorted({owner[p.number] for p in linked_pages if p not in own})
        if not own:
            yield Reject(
                collection,
                source,
                "ingest",
                "shared_pages_only",
                f"{issue.doc_id}/{art_id}: its page(s) "
                f"{', '.join(str(p.number) for p in linked_pages)} are read with "
                f"{', '.join(given)}, the earlier part on the same page(s)",
            )
            continue
        texts: list[str] = []
        words: list[tuple[str, float | None]] = []
        missing = 0
        for p in own:
            alto = pages.get(p.alto.id) if p.alto else None
            if alto is None:
                missing += 1
                continue
            covered[p.alto.id] = set(range(len(alto.words)))  # type: ignore[union-attr]
            if alto.text:
                texts.append(alto.text)
            words.extend(alto.words)
        text = "\n\n".join(texts)
        if not text:
            yield Reject(
                collection,
                source,
                "ingest",
                "no_text",
                f"{issue.doc_id}/{art_id}: its page(s) "
                f"{', '.join(str(p.number) for p in own)} hold no readable text"
                + (f" ({missing} missing)" if missing else ""),
            )
            continue
        mods = next(
            (_read_mods(dmd[i]) for i in (div.get("DMDID") or "").split() if i in dmd), _Mods()
        )
        art_meta = {
            **metadata,
            "issue_id": issue.doc_id,
            "article_id": art_id,
            "article_type": div.get("TYPE", ""),
            "article_boundary": "page",
            "article_pages": ",".join(str(p.number) for p in own),
            "article_pages_missing": str(missing),
        }
        if shared:
            art_meta["pages_shared"] = ",".join(str(n) for n in shared)
        if given:
            art_meta["pages_given_to"] = ",".join(given)
        fields = dict(common)
        if mods.languages:
            art_meta["languages"] = ",".join(mods.languages)
            fields["language"] = mods.languages[0]
        confs = [c for _w, c in words if c is not None]
        yield Record(
            doc_id=f"{issue.doc_id}/{art_id}",
            title=mods.title or _label(div),
            text=text,
            ocr_confidence=_mean(confs) if use_wc else None,
            metadata=art_meta,
            words=tuple(words) if use_wc else (),
            **fields,
        ).finalize()
    yield from _rest(pages, covered, issue=issue, common=common, metadata=metadata, use_wc=use_wc)


def _rest(
    pages: dict[str, AltoPage],
    covered: dict[str, set[int]],
    *,
    issue: _Issue,
    common: dict[str, Any],
    metadata: dict[str, str],
    use_wc: bool,
) -> Iterator[Record]:
    blocks: list[str] = []
    confs: list[float] = []
    words: list[tuple[str, float | None]] = []
    for fid, alto in pages.items():
        current: list[str] = []
        last_block: str | None = None
        for i, (word, conf) in enumerate(alto.words):
            if i in covered[fid]:
                continue
            if alto.word_blocks[i] != last_block and current:
                blocks.append(" ".join(current))
                current = []
            last_block = alto.word_blocks[i]
            current.append(word)
            words.append((word, conf))
            if conf is not None:
                confs.append(conf)
        if current:
            blocks.append(" ".join(current))
    if blocks:
        yield Record(
            doc_id=f"{issue.doc_id}/other",
            title=f"{issue.title or issue.doc_id}: text outside articles",
            text="\n\n".join(blocks),
            ocr_confidence=_mean(confs) if use_wc else None,
            metadata={
                **metadata,
                "issue_id": issue.doc_id,
                "article_id": "other",
                "article_type": "outside_articles",
            },
            words=tuple(words) if use_wc else (),
            **common,
        ).finalize()


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _join_chunks(chunks: list[tuple[bool, str]]) -> str:
    # BL word ranges are pieces of running text (often one line each): join them with spaces;
    # whole blocks are paragraphs and keep a blank line between them
    out = ""
    prev_range = False
    for is_range, text in chunks:
        sep = " " if is_range and prev_range else "\n\n"
        out = f"{out}{sep}{text}" if out else text
        prev_range = is_range
    return out


def _label(div: etree._Element) -> str | None:
    label = (div.get("LABEL") or "").strip()
    return label if label and label not in _PLACEHOLDERS else None


def _article_divs(tree: etree._ElementTree) -> list[etree._Element]:
    out = []
    for smap in _structmaps(tree, "LOGICAL"):
        for div in smap.iter():
            # an article nested in another article is read as part of the outer one
            if _is_article(div) and not any(_is_article(a) for a in div.iterancestors()):
                out.append(div)
    return out


def _is_article(div: etree._Element) -> bool:
    return localname(div) == "div" and (div.get("TYPE") or "").lower() in _ARTICLE_DIV_TYPES


def _areas_of(div: etree._Element) -> list[tuple[str, str, str | None]]:
    """(FILEID, BEGIN, END) of every area under a logical div, in document order."""
    return [
        (a.get("FILEID", ""), a.get("BEGIN", ""), a.get("END"))
        for a in div.iter()
        if localname(a) == "area" and a.get("BEGIN")
    ]


def _area_index(tree: etree._ElementTree) -> dict[str, list[tuple[str, str, str | None]]]:
    """Physical page-area div ID -> its ALTO areas (BL links articles to these)."""
    out: dict[str, list[tuple[str, str, str | None]]] = {}
    for smap in _structmaps(tree, "PHYSICAL"):
        for div in smap.iter():
            if localname(div) == "div" and div.get("ID"):
                areas = [
                    (a.get("FILEID", ""), a.get("BEGIN", ""), a.get("END"))
                    for fptr in _children(div, "fptr")
                    for a in fptr.iter()
                    if localname(a) == "area" and a.get("BEGIN")
                ]
                if areas:
                    out[div.get("ID", "")] = areas
    return out


def _struct_links(tree: etree._ElementTree) -> dict[str, list[str]]:
    """BL structLink: smLinkGrp locators from an article div to physical page areas."""
    out: dict[str, list[str]] = {}
    for grp in tree.iter():
        if localname(grp) != "smLinkGrp":
            continue
        locs: dict[str, str] = {}
        for loc in grp:
            if localname(loc) == "smLocatorLink":
                attrs = {etree.QName(k).localname: v for k, v in loc.attrib.items()}
                locs[attrs.get("label", "")] = attrs.get("href", "").lstrip("#")
        for arc in grp:
            if localname(arc) == "smArcLink":
                attrs = {etree.QName(k).localname: v for k, v in arc.attrib.items()}
                src, dst = locs.get(attrs.get("from", "")), locs.get(attrs.get("to", ""))
                if src and dst:
                    out.setdefault(src, []).append(dst)
    return out


def _area_words(alto: AltoPage, begin: str, end: str | None) -> tuple[bool, list[int]] | None:
    """Word indices of an area: a block (BEGIN = block ID) or a String range BEGIN..END."""
    if begin in alto.blocks and (not end or end == begin):
        return False, [
            i
            for i, b in enumerate(alto.word_blocks)
            if b == begin or begin in alto.block_parents.get(b, ())
        ]
    i = alto.string_index.get(begin)
    j = alto.string_index.get(end or begin)
    if i is None or j is None:
        return None
    return True, list(range(min(i, j), max(i, j) + 1))
