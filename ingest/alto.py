"""ALTO page XML (v1.x to v4, any namespace) and METS newspaper issues, to issue/article records.

Specs: https://www.loc.gov/standards/alto/ and https://www.loc.gov/standards/mets/ (MODS inside).
An ALTO file holding several <Page> elements (whole-book exports) is read as one text; without
METS each of its pages becomes a Page row (AltoPage.pages), with METS the METS page is the row.
"""

from __future__ import annotations

import datetime as dt
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
    LOCALNAMES,
    iterparse,
    localname,
    parse_xml,
    sha256_file,
)
from ingest.dates import parse_date
from ingest.language import normalise_code
from ingest.record import Page, Record, Reject, SourceError

logger = logging.getLogger(__name__)

OPTIONS: dict[str, object] = {
    "granularity": "issue",  # "issue": one Record per issue; "article": one per METS article
    "use_word_confidence": True,  # False for producers writing a constant placeholder WC
    "default_dpi": 300,  # converts mm10/inch1200 to pixels when neither ALTO nor METS says
    "newspaper_title": None,  # for METS profiles that name no title (RERO/NDNP issues)
}
GRANULARITIES = ("issue", "article")

_NUMBER_WORDS = frozenset({  # French number words: compounds across a line end keep the hyphen
    "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze",
    "treize", "quatorze", "quinze", "seize", "vingt", "vingts", "trente", "quarante",
    "cinquante", "soixante", "cent", "cents", "mille",
})
_HYPHENS = "-¬⸗\u00ad"  # line-end marks: ASCII, Fraktur "¬", double hyphen U+2E17, soft hyphen
_UNITS_PER_INCH = {"mm10": 254.0, "inch1200": 1200.0}
_XDPI = re.compile(r"\bxdpi\s*[:=]\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
_SCHEMA_VERSION = re.compile(r"alto[-_]?v?(\d)[-_.](\d)", re.IGNORECASE)
_NS_VERSION = re.compile(r"ns-v(\d)#?")
# ALTO structure elements that can hold TextBlocks (ComposedBlock handled apart)
_CONTAINERS = {"Layout", "Page", "PrintSpace", "TopMargin", "LeftMargin", "RightMargin",
               "BottomMargin"}
# METS div types that describe the issue itself rather than a part of it
_ISSUE_DIV_TYPES = {"newspaper", "volume", "issue", "physsequence", "periodical", "year",
                    "month", "day"}
_ARTICLE_DIV_TYPES = {"article"}
_LANGUAGE_NAMES = {"french": "fr", "german": "de", "english": "en", "italian": "it",
                   "latin": "la", "dutch": "nl", "luxembourgish": "lb", "spanish": "es",
                   "français": "fr", "deutsch": "de"}
_PLACEHOLDERS = {"DOCUMENT_TITLE_PLACEHOLDER", "Untitled", ""}
_DMY = re.compile(r"^\s*(\d{1,2})[./](\d{1,2})[./](\d{4})\s*$")
_PATH_YMD = re.compile(r"(?<!\d)(1[4-9]\d{2}|20\d{2})-?(\d{2})-?(\d{2})(?!\d)")
_PATH_YEAR = re.compile(r"^(1[4-9]\d{2}|20\d{2})$")


# --------------------------------------------------------------------------------------------
# ALTO pages


@dataclass(frozen=True, slots=True)
class AltoPagePart:
    """One <Page> of an ALTO file that holds several (whole-book exports, e.g. ABBYY)."""

    page_id: str  # the Page's ID ("" when absent)
    text: str  # its blocks in the file's reading order, as in AltoPage.text
    n_words: int
    word_confidence: float | None  # mean WC of its words (0..1)
    width: float | None  # in pixels, like AltoPage.width
    height: float | None


@dataclass(frozen=True, slots=True)
class AltoPage:
    """The reading text and measures of one ALTO file (any version or namespace)."""

    text: str  # blocks separated by blank lines, lines joined by spaces, hyphenation joined
    n_words: int
    word_confidence: float | None  # mean WC of the words, 0..1; None when the file has none
    width: float | None  # in pixels (converted from mm10/inch1200 with `dpi`)
    height: float | None
    unit: str  # MeasurementUnit as written: pixel, mm10, inch1200
    version: str  # "1.1", "1.4", "2", "3", "4.1"...
    language: str | None  # most common LANG (v1/2: language) attribute, ISO 639-1, or None
    words: list[tuple[str, float | None]]  # word after hyphen joining, its WC (0..1)
    namespace: str = ""
    dpi: float | None = None  # resolution used for unit conversion (None for pixel units)
    dpi_source: str = ""  # "alto", "given" (by the caller, e.g. METS), "default", "" for pixel
    software: str = ""
    blocks: dict[str, str] = field(default_factory=dict)  # TextBlock/ComposedBlock ID -> text
    string_index: dict[str, int] = field(default_factory=dict)  # String ID -> index in words
    word_blocks: list[str] = field(default_factory=list)  # TextBlock ID of each word
    block_parents: dict[str, tuple[str, ...]] = field(default_factory=dict)  # -> ComposedBlocks
    pages: tuple[AltoPagePart, ...] = ()  # one per <Page> when the file has 2 or more, else ()


def read_alto(source: Path | bytes, *, dpi: float | None = None,
              default_dpi: float = 300.0, ids: bool = True) -> AltoPage:
    """Read one ALTO file (path or bytes) into an AltoPage; SourceError when it is not ALTO.

    The file is streamed: each TextBlock is turned into words when it ends and then dropped,
    so memory follows the words kept, not the size of the XML.

    Args:
        dpi: image resolution known from elsewhere (METS); used when the ALTO states none.
        default_dpi: assumed when a non-pixel unit has no resolution anywhere.
        ids: keep what METS areas point at (String and block IDs: `string_index`, `blocks`,
            `word_blocks`, `block_parents`). Without METS nothing reads them, and on a real
            book, whose every String has its own ID, they are most of the memory.
    """
    scan = _AltoScan(ids=ids)
    scan.run(_events(source))
    return scan.page(dpi=dpi, default_dpi=default_dpi)


def parse_page(path: Path, *, doc_id: str, page_number: int, alto_path: str,
               image_path: str | None = None, dpi: float | None = None) -> Page:
    """Read one ALTO file into a Page row (width/height in pixels, mean WC 0..1)."""
    alto = read_alto(path, dpi=dpi)
    return _page_row(alto, doc_id=doc_id, page_number=page_number, alto_path=alto_path,
                     image_path=image_path, use_wc=True)


def _page_row(alto: AltoPage | AltoPagePart, *, doc_id: str, page_number: int,
              alto_path: str, image_path: str | None, use_wc: bool) -> Page:
    return Page(doc_id=doc_id, page_number=page_number, text=alto.text, alto_path=alto_path,
                image_path=image_path, width=alto.width, height=alto.height,
                word_confidence=alto.word_confidence if use_wc else None,
                n_words=alto.n_words)


_EVENTS = ("start", "end")


def _events(source: Path | bytes) -> Iterator[tuple[str, etree._Element]]:
    if isinstance(source, bytes | bytearray):
        return iterparse(bytes(source), events=_EVENTS)  # same checks as a file
    return iterparse(Path(source), events=_EVENTS)


# what an open element is for the block walk: TextBlocks are read under Layout, its
# containers (Page, PrintSpace, margins) and ComposedBlocks, nowhere else
_ROOT, _WALK, _SKIP, _BLOCK = range(4)
# facts read from anywhere in the file, also when they sit inside a TextBlock
_HEADER_TAGS = ("{*}Page", "{*}MeasurementUnit", "{*}processingStepSettings", "{*}ElementRef")


@dataclass(slots=True)
class _BlockWords:
    """The words of one TextBlock read on its own (see _WordBuilder.result)."""

    texts: list[str]
    means: list[float | None]  # raw mean WC of each word, before the 0..100 scale check
    first_confs: list[float]  # raw WCs of word 0 (the placeholder, for `_Block.join`)
    string_ids: list[str]  # String IDs in the order first met (a dict's keys, made smaller)
    string_words: list[int]  # index in texts of each (the last met for a repeated ID)
    raw_max: float
    has_string: bool  # False: the block leaves an open HypPart1 to the next block
    pending: int | None  # word left open by a HypPart1 at the block's end
    pending_has_subs: bool
    pending_confs: list[float]  # raw WCs of that word


@dataclass(slots=True)
class _Block:
    """A TextBlock already turned into words: what reading order and METS areas need."""

    id: str | None
    idnext: str | None
    composed: tuple[str, ...]  # IDs of the ComposedBlocks around it, outermost first
    page: int  # index of the <Page> it lies in
    words: _BlockWords | None  # None once _join_blocks has taken them
    # read again with the previous block's HypPart1 open: only when the first String is a
    # HypPart2, whose text then completes that word (word 0 stands for it)
    join: _BlockWords | None


class _AltoScan:
    """Streams one ALTO file, keeping its header facts and the words of each TextBlock."""

    def __init__(self, ids: bool = True) -> None:
        self.ids = ids  # keep String/block IDs for METS areas (read_alto's `ids`)
        self.namespace = ""
        self.version = ""
        self.unit: str | None = None
        self.unit_seen = False
        self.own_dpi: float | None = None
        self.pages: list[tuple[str, str | None, str | None]] = []  # ID, WIDTH, HEIGHT
        self.refs: list[str] = []  # ElementRef@REF inside ReadingOrder, in document order
        self.langs: Counter[str] = Counter()  # LANG values as written, in document order
        self.steps: list[list[str]] = []  # software names/versions of each ocrProcessingStep
        self.blocks: list[_Block] = []  # in layout (document) order
        self.block_page = 0  # index of the <Page> around the open TextBlock
        self.raw_max = 0.0  # largest WC written (0..100 scale when above 1)
        # one object per distinct word and WC: on a long page most words recur
        self.shared: dict[Any, Any] = {}

    def run(self, events: Iterator[tuple[str, etree._Element]]) -> None:
        it = iter(events)
        first = next(it, None)
        if first is None:
            raise SourceError("bad_xml", "no root element")
        root = first[1]
        if localname(root) != "alto":
            for event, el in it:  # a broken file is reported as broken, as before
                if event == "end":
                    _discard(el)
            raise SourceError("not_alto", f"root element is <{localname(root)}>")
        self.namespace = etree.QName(root).namespace or ""
        self.version = _alto_version(root, self.namespace)
        self._count_lang(root.get("LANG") or root.get("language"))
        kinds: list[int] = [_ROOT]
        composed: list[tuple[str, ...]] = [()]
        in_order = 0  # open ReadingOrder elements
        open_steps: list[list[str]] = []
        block: etree._Element | None = None
        for event, el in it:
            if block is not None:
                # inside a TextBlock: nothing to do until it ends
                if el is block and event == "end":
                    self._end_block(el, composed[-1])
                    block = None
                    kinds.pop()
                    composed.pop()
                    _discard(el)
                continue
            name = localname(el)
            if event == "start":
                parent = kinds[-1]
                comp = composed[-1]
                if parent == _ROOT:
                    kind = _WALK if name == "Layout" else _SKIP
                elif parent == _WALK:
                    if name == "TextBlock":
                        kind = _BLOCK
                    elif name == "ComposedBlock":
                        kind, comp = _WALK, (*comp, el.get("ID", ""))
                    else:
                        kind = _WALK if name in _CONTAINERS else _SKIP
                else:
                    kind = _SKIP
                kinds.append(kind)
                composed.append(comp)
                # ALTO 1.x/2.0 named the attribute `language` (ABBYY, iArchives, Europeana
                # Newspapers write it on every TextBlock); ALTO 2.1+ calls it LANG
                self._count_lang(el.get("LANG") or el.get("language"))
                if kind == _BLOCK:
                    block = el
                    self.block_page = max(0, len(self.pages) - 1)
                elif name == "Page":
                    self.pages.append((el.get("ID", ""), el.get("WIDTH"), el.get("HEIGHT")))
                elif name == "ReadingOrder":
                    in_order += 1
                elif name == "ElementRef" and in_order:
                    self.refs.append(el.get("REF", ""))
                elif name == "ocrProcessingStep":
                    open_steps.append([])
                    self.steps.append(open_steps[-1])
                continue
            if name == "MeasurementUnit" or name == "processingStepSettings":
                self._header_text(el, name)
            elif name == "softwareName" or name == "softwareVersion":
                if el.text:
                    for names in open_steps:
                        names.append(el.text.strip())
            elif name == "ReadingOrder":
                in_order -= 1
            elif name == "ocrProcessingStep":
                open_steps.pop()
            kinds.pop()
            composed.pop()
            _discard(el)

    def _count_lang(self, value: str | None) -> None:
        if value:
            self.langs[value] += 1

    def _header_text(self, el: etree._Element, name: str) -> None:
        if name == "MeasurementUnit":
            if not self.unit_seen:
                self.unit_seen = True
                self.unit = (el.text or "").strip() or None
        elif self.own_dpi is None and el.text:
            # OmniPage/docWorks (BL) write "xdpi: 400" into processingStepSettings
            m = _XDPI.search(el.text)
            if m and float(m[1]) > 0:
                self.own_dpi = float(m[1])

    def _end_block(self, el: etree._Element, composed: tuple[str, ...]) -> None:
        for value in el.xpath("descendant::*/@LANG | descendant::*[not(@LANG)]/@language",
                              smart_strings=False):
            self._count_lang(value)
        for sub in el.iter(*_HEADER_TAGS):  # header elements misplaced inside a block
            name = localname(sub)
            if name == "Page":
                self.pages.append((sub.get("ID", ""), sub.get("WIDTH"), sub.get("HEIGHT")))
            elif name == "ElementRef":
                if any(localname(a) == "ReadingOrder" for a in sub.iterancestors()):
                    self.refs.append(sub.get("REF", ""))
            else:
                self._header_text(sub, name)
        first = next((s for line in el if localname(line) == "TextLine" for s in line
                      if localname(s) == "String"), None)
        words = _WordBuilder.read_block(el, after_part1=False, shared=self.shared,
                                        ids=self.ids)
        self.raw_max = max(self.raw_max, words.raw_max)
        join = None
        if first is not None and first.get("SUBS_TYPE") == "HypPart2":
            join = _WordBuilder.read_block(el, after_part1=True, shared=self.shared,
                                           ids=self.ids)
        self.blocks.append(_Block(el.get("ID"), el.get("IDNEXT"), composed, self.block_page,
                                  words, join))

    def page(self, *, dpi: float | None, default_dpi: float) -> AltoPage:
        unit = (self.unit or "pixel").strip().lower()
        if unit == "pixel":
            used_dpi, dpi_source = None, ""
        elif self.own_dpi:
            used_dpi, dpi_source = self.own_dpi, "alto"
        elif dpi:
            used_dpi, dpi_source = float(dpi), "given"
        else:
            used_dpi, dpi_source = float(default_dpi), "default"
        sizes = [(pid, _to_pixels(w, unit, used_dpi), _to_pixels(h, unit, used_dpi))
                 for pid, w, h in self.pages]
        width, height = sizes[0][1:] if sizes else (None, None)

        blocks = _reading_order(self.blocks, self.refs)
        self.blocks = []
        # WC is 0..1 in the ALTO schema; some producers write percentages (0..100)
        scale = 100.0 if self.raw_max > 1.0 else 1.0
        words, counts, string_index = _join_blocks(blocks, scale)
        self.shared = {}
        block_texts: list[str] = []
        start = 0
        for n in counts:  # a block's words are consecutive
            block_texts.append(" ".join([w for w, _c in words[start:start + n]]))
            start += n
        by_id: dict[str, str] = {}
        word_blocks: list[str] = []
        block_parents: dict[str, tuple[str, ...]] = {}
        if self.ids:  # what METS areas look up (read_alto's `ids`)
            composed_parts: dict[str, list[str]] = {}
            for block, text, n in zip(blocks, block_texts, counts, strict=True):
                if block.id:
                    by_id[block.id] = text
                    block_parents[block.id] = block.composed
                for cid in block.composed:
                    composed_parts.setdefault(cid, []).append(text)
                word_blocks.extend([block.id or ""] * n)
            for cid, parts in composed_parts.items():
                if cid and cid not in by_id:
                    by_id[cid] = "\n\n".join(p for p in parts if p)
        n_confs = sum(1 for _t, c in words if c is not None)
        codes: Counter[str] = Counter()
        for value, n in self.langs.items():
            code = normalise_code(value)
            if code:
                codes[code] += n
        page_parts = _page_parts(blocks, block_texts, words, counts, sizes)
        names = [n for names in self.steps for n in names]
        return AltoPage(
            text="\n\n".join(t for t in block_texts if t),
            n_words=len(words),
            word_confidence=(sum(c for _t, c in words if c is not None) / n_confs
                             if n_confs else None),
            width=width,
            height=height,
            unit=unit,
            version=self.version,
            language=codes.most_common(1)[0][0] if codes else None,
            words=words,
            namespace=self.namespace,
            dpi=used_dpi,
            dpi_source=dpi_source,
            software=" ".join(n for n in names if n and n != "NA"),
            blocks=by_id,
            string_index=string_index,
            word_blocks=word_blocks,
            block_parents=block_parents,
            pages=page_parts,
        )


def _discard(el: etree._Element) -> None:
    """Drop an element that has been read, and its earlier siblings: the tree stays small."""
    el.clear()
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def _join_blocks(blocks: list[_Block], scale: float
                 ) -> tuple[list[tuple[str, float | None]], list[int], dict[str, int]]:
    """Words of the blocks in their final order, a HypPart1 joined with the next block's
    HypPart2: ((word, WC 0..1) pairs, number of words of each block, String ID -> word index).
    A joined word counts in the block where it starts. The blocks' own lists are dropped."""
    words: list[tuple[str, float | None]] = []
    counts: list[int] = []
    string_index: dict[str, int] = {}
    scaled: dict[float, float] = {}  # raw mean WC -> WC 0..1
    # half the (word, WC) pairs of a newspaper page recur: one tuple for each
    pairs: dict[tuple[str, float | None], tuple[str, float | None]] = {}

    def pair_of(text: str, mean: float | None) -> tuple[str, float | None]:
        conf = None if mean is None else scaled.get(mean) if mean else None
        if conf is None and mean is not None:
            conf = round(min(1.0, mean / scale), 4)
            if mean:  # 0.0 and -0.0 are one key
                scaled[mean] = conf
        pair = (text, conf)
        return pairs.setdefault(pair, pair) if conf != 0.0 else pair

    pending: int | None = None  # word left open by a HypPart1, awaiting its HypPart2
    pending_has_subs = False
    pending_confs: list[float] = []
    for block in blocks:
        bw = block.words
        skip = 0
        if bw is None:
            raise ValueError("blocks already joined")
        joined_to = -1
        if pending is not None and block.join is not None:
            bw, skip, joined_to = block.join, 1, pending
            text = words[pending][0]
            if not pending_has_subs:
                text += bw.texts[0]
            pending_confs = [*pending_confs, *bw.first_confs]
            words[pending] = pair_of(text, sum(pending_confs) / len(pending_confs)
                                     if pending_confs else None)
        offset = len(words) - skip
        texts, means = bw.texts, bw.means
        for i in range(skip, len(texts)):
            words.append(pair_of(texts[i], means[i]))
        counts.append(len(texts) - skip)
        for sid, i in zip(bw.string_ids, bw.string_words, strict=True):
            string_index[sid] = joined_to if skip and i == 0 else offset + i
        if bw.has_string:  # a String resets or completes the open HypPart1
            pending = None if bw.pending is None else offset + bw.pending
            pending_has_subs = bw.pending_has_subs
            pending_confs = bw.pending_confs
        block.words = block.join = None  # their words now live in `words`
    return words, counts, string_index


def _page_parts(blocks: list[_Block], block_texts: list[str],
                words: list[tuple[str, float | None]], counts: list[int],
                sizes: list[tuple[str, float | None, float | None]]
                ) -> tuple[AltoPagePart, ...]:
    """Each <Page> of a multi-page file: its blocks' text in reading order, words, size."""
    if len(sizes) < 2:
        return ()
    texts: list[list[str]] = [[] for _ in sizes]
    n_words = [0] * len(sizes)
    confs: list[list[float]] = [[] for _ in sizes]
    start = 0
    for block, text, n in zip(blocks, block_texts, counts, strict=True):
        if text:
            texts[block.page].append(text)
        n_words[block.page] += n
        confs[block.page].extend(c for _w, c in words[start:start + n] if c is not None)
        start += n
    return tuple(
        AltoPagePart(page_id=pid, text="\n\n".join(texts[i]), n_words=n_words[i],
                     word_confidence=sum(confs[i]) / len(confs[i]) if confs[i] else None,
                     width=w, height=h)
        for i, (pid, w, h) in enumerate(sizes))


def _alto_version(root: etree._Element, namespace: str) -> str:
    if root.get("SCHEMAVERSION"):
        return str(root.get("SCHEMAVERSION"))
    for name, value in root.attrib.items():
        if etree.QName(name).localname in ("schemaLocation", "noNamespaceSchemaLocation"):
            m = _SCHEMA_VERSION.search(value.rsplit("/", 1)[-1])
            if m:
                return f"{m[1]}.{m[2]}"
    m = _NS_VERSION.search(namespace)
    if m:
        return m[1]
    return "1" if namespace.startswith("http://schema.ccs-gmbh.com") or not namespace else ""


def _to_pixels(value: str | None, unit: str, dpi: float | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if unit == "pixel":
        return number
    per_inch = _UNITS_PER_INCH.get(unit)
    if per_inch is None or dpi is None:
        return None
    return round(number / per_inch * dpi, 1)


def _reading_order(blocks: list[_Block], refs: list[str]) -> list[_Block]:
    """TextBlocks in reading order: ALTO 3+ <ReadingOrder>, else IDNEXT chains, else layout."""
    if refs:
        return _apply_reading_order(blocks, refs)
    if any(b.idnext for b in blocks):
        return _apply_idnext(blocks)
    return blocks


def _apply_reading_order(blocks: list[_Block], refs: list[str]) -> list[_Block]:
    # ALTO 3+ <ReadingOrder>: ElementRef@REF names TextBlocks or ComposedBlocks; blocks it
    # does not name keep their layout order after the named ones (nothing dropped)
    named: dict[str, list[int]] = {}  # ID of a block or of a ComposedBlock around it
    for i, b in enumerate(blocks):
        keys = {*b.composed, *((b.id,) if b.id is not None else ())}
        for key in keys:
            named.setdefault(key, []).append(i)
    ordered: list[_Block] = []
    used: set[int] = set()
    for ref in refs:
        for i in named.get(ref, ()):
            if i not in used:
                ordered.append(blocks[i])
                used.add(i)
    return ordered + [b for i, b in enumerate(blocks) if i not in used]


def _apply_idnext(blocks: list[_Block]) -> list[_Block]:
    # ALTO 1.x/2 chain blocks with IDNEXT; start chains at blocks nobody points to
    index = {b.id: i for i, b in enumerate(blocks) if b.id}
    pointed = {index[b.idnext] for b in blocks if b.idnext in index}
    ordered: list[int] = []
    seen: set[int] = set()
    starts = [i for i in range(len(blocks)) if i not in pointed] + list(range(len(blocks)))
    for start in starts:
        i: int | None = start
        while i is not None and i not in seen:
            seen.add(i)
            ordered.append(i)
            i = index.get(blocks[i].idnext)  # type: ignore[arg-type]
    return [blocks[i] for i in ordered]


class _WordBuilder:
    """Turns ALTO Strings into words, joining line-end hyphenation once.

    Three encodings occur: SUBS_TYPE=HypPart1/HypPart2 with the whole word in SUBS_CONTENT
    (docWorks, Tesseract-free producers); a <HYP> element after the last String of a line; and
    ground truths that leave the hyphen ("¬", "⸗" or "-") at the end of the last String.
    """

    def __init__(self, ids: bool = True) -> None:
        self.ids = ids  # False: String IDs are not collected (nothing will look them up)
        self.texts: list[str] = []
        self.confs: list[list[float]] = []
        self.string_index: dict[str, int] = {}
        self.raw_max = 0.0
        self.pending: int | None = None  # word emitted at HypPart1, awaiting its HypPart2
        self.pending_has_subs = False

    def add_block(self, block: etree._Element) -> None:
        eol: tuple[int, int, str] | None = None  # (word index, chars to strip, hyphen mark)
        for line in block:
            if localname(line) != "TextLine":
                continue
            first = True
            last: int | None = None  # index of the last word emitted on this line
            last_is_part1 = False
            hyp_mark: str | None = None
            for el in line:
                name = LOCALNAMES.get(el.tag) or localname(el)
                if name == "HYP":
                    hyp_mark = el.get("CONTENT") or "-"
                    continue
                if name != "String":
                    continue
                content = (el.get("CONTENT") or "").strip()
                subs = el.get("SUBS_TYPE")
                conf = self._conf(el.get("WC"))
                sid = el.get("ID") if self.ids else None
                more: list[str] = []  # further words of a String that holds several
                if subs is None and " " in content:
                    # line- or block-level exports (OCR-D page-to-alto "dummy-Word",
                    # Transkribus line mode) put a whole line or paragraph in one String
                    more = [w for w in content.split(" ") if w]
                    content = more.pop(0)
                if subs == "HypPart2" and self.pending is not None:
                    i = self.pending
                    if not self.pending_has_subs:
                        self.texts[i] += content
                    self._add_conf(i, conf, sid)
                    self.pending = None
                    first, last, hyp_mark = False, None, None
                    continue
                if first:
                    self.pending = None  # a HypPart2 must open the next line with text
                if first and eol is not None and content:
                    i, strip, mark = eol
                    head = self.texts[i][: len(self.texts[i]) - strip]
                    # a capital after the break ("Königlich-Großherzogl.", "Mourmelon-le-|
                    # Grand") or a French number word before it with more compound after
                    # ("quatre-|vingt-cinq", "mille-|neuf-cent-quatorze") is a compound: keep
                    # the printed mark; otherwise it was a word split by the line end, also
                    # when the rest carries a hyphen of its own ("ce-|lui-ci", "pen-|sa-t-elle")
                    keep = content[0].isupper() or (
                        "-" in content.rstrip(_HYPHENS)
                        and head.rsplit("-", 1)[-1].lower() in _NUMBER_WORDS)
                    self.texts[i] = head + (mark + content if keep else content)
                    self._add_conf(i, conf, sid)
                    eol = None
                    first, last, last_is_part1, hyp_mark = False, i, False, None
                    if subs == "HypPart1":
                        self._start_pending(i, el, content)
                        last_is_part1 = True
                    for w in more:
                        last = self._emit(w, conf, None)
                    continue
                first = False
                eol = None
                if subs == "HypPart1":
                    word = (el.get("SUBS_CONTENT") or "").strip() or content
                else:
                    word = content
                if not word:
                    continue
                i = self._emit(word, conf, sid)
                last, last_is_part1, hyp_mark = i, subs == "HypPart1", None
                if subs == "HypPart1":
                    self._start_pending(i, el, content)
                for w in more:
                    last = self._emit(w, conf, None)
            if last is not None and not last_is_part1:
                text = self.texts[last]
                if hyp_mark is not None:
                    eol = (last, 0, hyp_mark)
                elif len(text) > 1 and text[-1] in _HYPHENS and text[-2].isalpha():
                    eol = (last, 1, text[-1])
        if eol is not None and eol[1] == 0:
            # a <HYP> with nothing to join in this block: keep the printed mark
            self.texts[eol[0]] += eol[2]

    def _start_pending(self, i: int, el: etree._Element, content: str) -> None:
        self.pending = i
        self.pending_has_subs = bool((el.get("SUBS_CONTENT") or "").strip())

    def _conf(self, raw: str | None) -> float | None:
        if raw is None or raw == "":
            return None
        try:
            value = float(raw)
        except ValueError:
            return None
        if value < 0:
            return None
        self.raw_max = max(self.raw_max, value)
        return value

    def _emit(self, word: str, conf: float | None, sid: str | None) -> int:
        self.texts.append(word)
        self.confs.append([conf] if conf is not None else [])
        if sid:
            self.string_index[sid] = len(self.texts) - 1
        return len(self.texts) - 1

    def _add_conf(self, i: int, conf: float | None, sid: str | None) -> None:
        if conf is not None:
            self.confs[i].append(conf)
        if sid:
            self.string_index[sid] = i

    @classmethod
    def read_block(cls, block: etree._Element, *, after_part1: bool,
                   shared: dict[Any, Any], ids: bool = True) -> _BlockWords:
        """The words of one TextBlock on its own; `after_part1`: as if the block before it in
        reading order had ended on a HypPart1, which is word 0 here (an empty placeholder)."""
        builder = cls(ids)
        if after_part1:
            builder._emit("", None, None)
            builder.pending, builder.pending_has_subs = 0, False
        builder.add_block(block)
        has_string = any(localname(s) == "String" for line in block
                         if localname(line) == "TextLine" for s in line)
        pending = builder.pending
        means: list[float | None] = []
        for confs in builder.confs:
            mean = sum(confs) / len(confs) if confs else None
            means.append(shared.setdefault(mean, mean) if mean else mean)  # not 0.0 for -0.0
        return _BlockWords(
            texts=[shared.setdefault(t, t) for t in builder.texts],
            means=means,
            first_confs=builder.confs[0] if builder.confs else [],
            string_ids=[shared.setdefault(k, k) for k in builder.string_index],
            string_words=list(builder.string_index.values()),
            raw_max=builder.raw_max,
            has_string=has_string,
            pending=pending,
            pending_has_subs=builder.pending_has_subs,
            pending_confs=builder.confs[pending] if pending is not None else [],
        )


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
    kinds = {p: _sniff(p) for p in sorted(root.rglob("*")) if p.is_file()
             and p.suffix.lower() == ".xml"}
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


def _sniff(path: Path) -> str | None:
    """Local name of the root element; None when the file is not well-formed from the start."""
    try:
        for _event, el in iterparse(path, events=("start",)):
            return localname(el)
    except (SourceError, OSError):
        return None
    return None


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


def parse(path: Path, *, root: Path, collection: str, kind: str = "press",
          **options: Any) -> Iterator[Record | Page | Reject]:
    """Parse one unit from `find` into issue (or article) Records, Pages and Rejects."""
    opts = _check_options(options)
    path, root = Path(path), Path(root)
    if path.is_dir():
        pages = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".xml"
                       and _sniff(p) == "alto")
        yield from _parse_pages(path, pages, root=root, collection=collection, kind=kind,
                                opts=opts)
    elif _sniff(path) == "mets":
        yield from _parse_issue(path, root=root, collection=collection, kind=kind, opts=opts)
    else:
        yield from _parse_pages(path, [path], root=root, collection=collection, kind=kind,
                                opts=opts)


def _local_id(path: Path, root: Path) -> str:
    rel = Path(os.path.relpath(path, root)).as_posix()
    if rel == ".":
        return root.name
    return rel[:-4] if rel.lower().endswith(".xml") else rel


def _parse_pages(unit: Path, pages: list[Path], *, root: Path, collection: str, kind: str,
                 opts: dict[str, Any]) -> Iterator[Record | Page | Reject]:
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
            yield Reject(collection, relative_source(page_path, root), "ingest", "missing_page",
                         f"{exc.reason}: {exc.detail}")
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
            yield _page_row(part, doc_id=doc_id, page_number=number, alto_path=shown,
                            image_path=None, use_wc=use_wc)
        del alto, part  # its words and text are in `words` and `texts`
    if first is None:
        yield Reject(collection, relative_source(unit, root), "ingest", "no_text",
                     f"none of {len(pages)} ALTO pages could be read")
        return
    date_text, iso = _date_from_path(Path(os.path.relpath(unit, root)))
    metadata = {**first, "n_pages": str(number),
                "n_pages_missing": str(len(pages) - acc.n_pages)}
    if date_text:
        metadata["date_source"] = "path"
    record = Record(
        doc_id=doc_id, collection=collection, kind=kind,  # type: ignore[arg-type]
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


@dataclass
class _Accumulator:
    """Issue-level word confidence (weighted by words) and page languages."""

    conf_sum: float = 0.0
    conf_n: int = 0
    n_pages: int = 0
    langs: Counter[str] = field(default_factory=Counter)

    def add(self, alto: AltoPage) -> None:
        self.n_pages += 1
        for _w, c in alto.words:
            if c is not None:
                self.conf_sum += c
                self.conf_n += 1
        if alto.language:
            self.langs[alto.language] += alto.n_words

    def mean(self) -> float | None:
        return round(self.conf_sum / self.conf_n, 4) if self.conf_n else None

    def language(self) -> str | None:
        return self.langs.most_common(1)[0][0] if self.langs else None


def _alto_metadata(alto: AltoPage) -> dict[str, str]:
    meta = {"alto_version": alto.version, "alto_namespace": alto.namespace or "(none)",
            "measurement_unit": alto.unit}
    if alto.dpi is not None:
        meta["dpi"] = f"{alto.dpi:g}"
        meta["dpi_source"] = alto.dpi_source
    if alto.software:
        meta["ocr_software"] = alto.software
    return meta


def _date_from_path(rel: Path) -> tuple[str | None, str | None]:
    """A date written in folder or file names (RERO '18451228_01', ONB '.../1772/...')."""
    for part in reversed(rel.parts):
        for m in _PATH_YMD.finditer(part):
            try:
                d = dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                continue
            return m[0], d.isoformat()
    for part in reversed(rel.parts):
        if _PATH_YEAR.match(part):
            return part, part
    return None, None


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
                href = next((v for k, v in loc.attrib.items()
                             if etree.QName(k).localname == "href"), None)
                break
        uses = [a.get("USE", "") + " " + a.get("ID", "") for a in el.iterancestors()
                if localname(a) == "fileGrp"]
        files[el.get("ID", "")] = _MetsFile(el.get("ID", ""), href,
                                            (el.get("MIMETYPE") or "").lower(), " ".join(uses))
    return files


def _is_alto_file(f: _MetsFile) -> bool:
    href = (f.href or "").lower()
    return "xml" in f.mimetype or href.endswith(".xml")


def _is_image_file(f: _MetsFile) -> bool:
    return f.mimetype.startswith("image/")


def _structmaps(tree: etree._ElementTree, kind: str) -> list[etree._Element]:
    return [e for e in tree.iter() if localname(e) == "structMap"
            and (e.get("TYPE") or "").upper() == kind]


def _div_file_ids(div: etree._Element) -> list[str]:
    """FILEIDs a div points to itself (fptr@FILEID or areas under its fptr), not via sub-divs."""
    ids: list[str] = []
    for fptr in div:
        if localname(fptr) != "fptr":
            continue
        if fptr.get("FILEID"):
            ids.append(fptr.get("FILEID", ""))
        ids.extend(a.get("FILEID", "") for a in fptr.iter()
                   if localname(a) == "area" and a.get("FILEID"))
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
                pages.append((int(order) if order and order.isdigit() else len(pages) + 1,
                              len(pages), child, ids))
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
    return [_resolve(p.alto.href if p.alto else None, mets.parent)
            for p in _mets_pages(tree, files)]


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
            top = next((d for d in smap.iter() if localname(d) == "div" and d.get("DMDID")),
                       None)
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
            code = (normalise_code(raw) if term.get("type") == "code"
                    else _LANGUAGE_NAMES.get((raw or "").lower()) or normalise_code(raw))
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
        if localname(el) in ("xSamplingFrequency", "xOpticalResolution", "XphysScanResolution",
                             "XSamplingFrequency"):
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


def _read_issue(tree: etree._ElementTree, mets: Path, *, root: Path, collection: str,
                opts: dict[str, Any]) -> _Issue:
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
    return _Issue(f"{collection}:{local}", title, newspaper, date_text, date_iso,
                  languages[0] if languages else None,
                  next((m.place for m in issue_mods if m.place), None), metadata)


def _parse_issue(mets: Path, *, root: Path, collection: str, kind: str,
                 opts: dict[str, Any]) -> Iterator[Record | Page | Reject]:
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
            yield Reject(collection, shown or relative_source(mets, root), "ingest", "missing_page",
                         f"{issue.doc_id} page {page.number}: {problem}")
            continue
        first = first or _alto_metadata(alto)
        if alto.pages:
            logger.warning("%s: ALTO file %s holds %d pages; METS page %d gets them all",
                           issue.doc_id, shown, len(alto.pages), page.number)
        acc.add(alto)
        texts.append(alto.text)
        if use_wc and not by_article:
            words.extend(alto.words)
        image = _resolve(page.image.href, mets.parent) if page.image else None
        yield _page_row(alto, doc_id=issue.doc_id, page_number=page.number, alto_path=shown,
                        image_path=relative_source(image, root) if image else None, use_wc=use_wc)
        if by_article and page.alto is not None:
            kept[page.alto.id] = alto
    yield from _unreferenced(mets, pages, root=root, collection=collection)
    if first is None:
        yield Reject(collection, relative_source(mets, root), "ingest", "no_text",
                     f"none of the {len(pages)} pages of {issue.doc_id} could be read")
        return
    metadata = {**first, **issue.metadata, "n_pages": str(len(pages)),
                "n_pages_missing": str(n_missing)}
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
        "collection": collection, "kind": kind, "source_path": relative_source(mets, root),
        "source_format": "mets+alto", "source_sha256": sha256_file(mets),
        "publisher": issue.newspaper, "language": language, "place": issue.place,
        **parse_date(issue.date_iso).record_fields(issue.date_text),
    }
    if not by_article:
        yield Record(doc_id=issue.doc_id, title=issue.title,
                     text="\n\n".join(t for t in texts if t),
                     ocr_confidence=acc.mean() if use_wc else None,
                     metadata=metadata, words=tuple(words), **common).finalize()
        return
    yield from _articles(tree, files, kept, issue=issue, common=common, metadata=metadata,
                         use_wc=use_wc, collection=collection, mets=mets, root=root,
                         mets_pages=pages)


def _page_problem(path: Path | None, root: Path, href: str | None = None,
                  mets_dir: Path | None = None) -> str | None:
    if path is None and _is_remote(href):
        n_mets = _n_mets(mets_dir) if mets_dir is not None else 0
        if n_mets > 1:
            return (f"remote URL {href}: {n_mets} METS files share this folder, so a file "
                    "name cannot tell whose page it is; give each METS its own folder")
        return f"remote URL {href} and no file of that name in the collection"
    if path is None:
        return "no file location in METS"
    if not Path(os.path.abspath(path)).is_relative_to(Path(os.path.abspath(root))):
        return f"file location {path} is outside the collection"
    if not path.is_file():
        return f"file {path.name} not found"
    return None


def _unreferenced(mets: Path, pages: list[_MetsPage], *, root: Path,
                  collection: str) -> Iterator[Reject]:
    """ALTO files beside the issue's pages that its METS does not list (else silently lost)."""
    listed = {_resolve(p.alto.href, mets.parent) for p in pages if p.alto}
    folders = {p.parent for p in listed if p is not None} | {mets.parent}
    for folder in sorted(folders):
        if not folder.is_dir():
            continue
        for p in sorted(folder.glob("*.xml")):
            if p not in listed and p != mets and _sniff(p) == "alto":
                yield Reject(collection, relative_source(p, root), "ingest", "unreferenced_page",
                             f"ALTO file not listed in {mets.name}")


# --------------------------------------------------------------------------------------------
# Articles (granularity: article)


def _articles(tree: etree._ElementTree, files: dict[str, _MetsFile],
              pages: dict[str, AltoPage], *, issue: _Issue, common: dict[str, Any],
              metadata: dict[str, str], use_wc: bool, collection: str, mets: Path,
              root: Path, mets_pages: Sequence[_MetsPage] = ()) -> Iterator[Record | Reject]:
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
    has_areas = any(_areas_of(d) or any(area_index.get(r) for r in links.get(d.get("ID", ""), ()))
                    for d in arts)
    page_links = _page_links(tree) if not has_areas else {}
    if page_links:
        yield from _page_articles(tree, pages, mets_pages, page_links, dmd, issue=issue,
                                  common=common, metadata=metadata, use_wc=use_wc,
                                  collection=collection, mets=mets, root=root)
        return
    if not arts:
        yield Reject(collection, relative_source(mets, root), "ingest", "no_articles",
                     f"{issue.doc_id}: METS has no logical article structure")
        return
    covered: dict[str, set[int]] = {fid: set() for fid in pages}
    seen: set[str] = set()
    for n, div in enumerate(arts, start=1):
        art_id = div.get("ID") or f"article{n:04d}"
        if art_id in seen:
            continue
        seen.add(art_id)
        areas = _areas_of(div) + [a for ref in links.get(art_id, ()) for a in
                                  area_index.get(ref, [])]
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
            text = (" ".join(alto.words[i][0] for i in indices) if is_range
                    else alto.blocks.get(begin, ""))
            if text:
                chunks.append((is_range, text))
                words.extend(alto.words[i] for i in indices)
        mods = next((_read_mods(dmd[i]) for i in (div.get("DMDID") or "").split() if i in dmd),
                    _Mods())
        text = _join_chunks(chunks)
        if not text:
            yield Reject(collection, relative_source(mets, root), "ingest", "no_text",
                         f"{issue.doc_id}/{art_id}: article has no readable text "
                         f"({unresolved} of {len(areas)} areas unresolved)")
            continue
        art_meta = {**metadata, "issue_id": issue.doc_id, "article_id": art_id,
                    "article_type": div.get("TYPE", ""), "n_areas": str(len(areas)),
                    "n_areas_unresolved": str(unresolved)}
        fields = dict(common)
        if mods.languages:
            art_meta["languages"] = ",".join(mods.languages)
            fields["language"] = mods.languages[0]
        yield Record(doc_id=f"{issue.doc_id}/{art_id}", title=mods.title or _label(div),
                     text=text, ocr_confidence=_mean(confs) if use_wc else None,
                     metadata=art_meta, words=tuple(words) if use_wc else (),
                     **fields).finalize()
    yield from _rest(pages, covered, issue=issue, common=common, metadata=metadata,
                     use_wc=use_wc)


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
    return top or dtype in _ISSUE_DIV_TYPES or dtype == "multivolume_work" or any(
        localname(c) == "mptr" for c in div)


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


def _page_articles(tree: etree._ElementTree, pages: dict[str, AltoPage],
                   mets_pages: Sequence[_MetsPage], page_links: dict[str, list[str]],
                   dmd: dict[str, etree._Element], *, issue: _Issue, common: dict[str, Any],
                   metadata: dict[str, str], use_wc: bool, collection: str, mets: Path,
                   root: Path) -> Iterator[Record | Reject]:
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
                below[div.get("ID", "")] = [d.get("ID", "") for d in div.iter()
                                            if localname(d) == "div" and d.get("ID") in by_div]
    parts: list[tuple[etree._Element, list[_MetsPage]]] = []
    for div in _logical_parts(tree):
        ids = [div.get("ID", "")] + [d.get("ID", "") for d in div.iter()
                                     if localname(d) == "div" and d is not div]
        linked = {pid for i in ids for dst in page_links.get(i, ()) for pid in below.get(dst, ())}
        if linked:
            parts.append((div, sorted((by_div[p] for p in linked), key=lambda p: p.number)))
    if not parts:
        yield Reject(collection, source, "ingest", "no_articles",
                     f"{issue.doc_id}: METS has no logical article structure")
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
            yield Reject(collection, source, "ingest", "shared_pages_only",
                         f"{issue.doc_id}/{art_id}: its page(s) "
                         f"{', '.join(str(p.number) for p in linked_pages)} are read with "
                         f"{', '.join(given)}, the earlier part on the same page(s)")
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
            yield Reject(collection, source, "ingest", "no_text",
                         f"{issue.doc_id}/{art_id}: its page(s) "
                         f"{', '.join(str(p.number) for p in own)} hold no readable text"
                         + (f" ({missing} missing)" if missing else ""))
            continue
        mods = next((_read_mods(dmd[i]) for i in (div.get("DMDID") or "").split() if i in dmd),
                    _Mods())
        art_meta = {**metadata, "issue_id": issue.doc_id, "article_id": art_id,
                    "article_type": div.get("TYPE", ""), "article_boundary": "page",
                    "article_pages": ",".join(str(p.number) for p in own),
                    "article_pages_missing": str(missing)}
        if shared:
            art_meta["pages_shared"] = ",".join(str(n) for n in shared)
        if given:
            art_meta["pages_given_to"] = ",".join(given)
        fields = dict(common)
        if mods.languages:
            art_meta["languages"] = ",".join(mods.languages)
            fields["language"] = mods.languages[0]
        confs = [c for _w, c in words if c is not None]
        yield Record(doc_id=f"{issue.doc_id}/{art_id}", title=mods.title or _label(div),
                     text=text, ocr_confidence=_mean(confs) if use_wc else None,
                     metadata=art_meta, words=tuple(words) if use_wc else (),
                     **fields).finalize()
    yield from _rest(pages, covered, issue=issue, common=common, metadata=metadata,
                     use_wc=use_wc)


def _rest(pages: dict[str, AltoPage], covered: dict[str, set[int]], *, issue: _Issue,
          common: dict[str, Any], metadata: dict[str, str], use_wc: bool) -> Iterator[Record]:
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
        yield Record(doc_id=f"{issue.doc_id}/other", title=f"{issue.title or issue.doc_id}: "
                     "text outside articles", text="\n\n".join(blocks),
                     ocr_confidence=_mean(confs) if use_wc else None,
                     metadata={**metadata, "issue_id": issue.doc_id, "article_id": "other",
                               "article_type": "outside_articles"},
                     words=tuple(words) if use_wc else (), **common).finalize()


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
    return [(a.get("FILEID", ""), a.get("BEGIN", ""), a.get("END")) for a in div.iter()
            if localname(a) == "area" and a.get("BEGIN")]


def _area_index(tree: etree._ElementTree) -> dict[str, list[tuple[str, str, str | None]]]:
    """Physical page-area div ID -> its ALTO areas (BL links articles to these)."""
    out: dict[str, list[tuple[str, str, str | None]]] = {}
    for smap in _structmaps(tree, "PHYSICAL"):
        for div in smap.iter():
            if localname(div) == "div" and div.get("ID"):
                areas = [(a.get("FILEID", ""), a.get("BEGIN", ""), a.get("END"))
                         for fptr in _children(div, "fptr") for a in fptr.iter()
                         if localname(a) == "area" and a.get("BEGIN")]
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


def _area_words(alto: AltoPage, begin: str, end: str | None
                ) -> tuple[bool, list[int]] | None:
    """Word indices of an area: a block (BEGIN = block ID) or a String range BEGIN..END."""
    if begin in alto.blocks and (not end or end == begin):
        return False, [i for i, b in enumerate(alto.word_blocks)
                       if b == begin or begin in alto.block_parents.get(b, ())]
    i = alto.string_index.get(begin)
    j = alto.string_index.get(end or begin)
    if i is None or j is None:
        return None
    return True, list(range(min(i, j), max(i, j) + 1))
