"""ALTO page XML (v1.x to v4, any namespace): words, their confidence, blocks and reading
order, page sizes. Spec: https://www.loc.gov/standards/alto/
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from ingest._xml import (
    LOCALNAMES,
    iterparse,
    localname,
)
from ingest.language import normalise_code
from ingest.record import Page, SourceError

logger = logging.getLogger(__name__)


_NUMBER_WORDS = frozenset(
    {  # French number words: compounds across a line end keep the hyphen
        "deux",
        "trois",
        "quatre",
        "cinq",
        "six",
        "sept",
        "huit",
        "neuf",
        "dix",
        "onze",
        "douze",
        "treize",
        "quatorze",
        "quinze",
        "seize",
        "vingt",
        "vingts",
        "trente",
        "quarante",
        "cinquante",
        "soixante",
        "cent",
        "cents",
        "mille",
    }
)
_HYPHENS = "-¬⸗\u00ad"  # line-end marks: ASCII, Fraktur "¬", double hyphen U+2E17, soft hyphen
_UNITS_PER_INCH = {"mm10": 254.0, "inch1200": 1200.0}
_XDPI = re.compile(r"\bxdpi\s*[:=]\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
_SCHEMA_VERSION = re.compile(r"alto[-_]?v?(\d)[-_.](\d)", re.IGNORECASE)
_NS_VERSION = re.compile(r"ns-v(\d)#?")
# ALTO structure elements that can hold TextBlocks (ComposedBlock handled apart)
_CONTAINERS = {
    "Layout",
    "Page",
    "PrintSpace",
    "TopMargin",
    "LeftMargin",
    "RightMargin",
    "BottomMargin",
}

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


def read_alto(
    source: Path | bytes, *, dpi: float | None = None, default_dpi: float = 300.0, ids: bool = True
) -> AltoPage:
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


def parse_page(
    path: Path,
    *,
    doc_id: str,
    page_number: int,
    alto_path: str,
    image_path: str | None = None,
    dpi: float | None = None,
) -> Page:
    """Read one ALTO file into a Page row (width/height in pixels, mean WC 0..1)."""
    alto = read_alto(path, dpi=dpi)
    return _page_row(
        alto,
        doc_id=doc_id,
        page_number=page_number,
        alto_path=alto_path,
        image_path=image_path,
        use_wc=True,
    )


def _page_row(
    alto: AltoPage | AltoPagePart,
    *,
    doc_id: str,
    page_number: int,
    alto_path: str,
    image_path: str | None,
    use_wc: bool,
) -> Page:
    return Page(
        doc_id=doc_id,
        page_number=page_number,
        text=alto.text,
        alto_path=alto_path,
        image_path=image_path,
        width=alto.width,
        height=alto.height,
        word_confidence=alto.word_confidence if use_wc else None,
        n_words=alto.n_words,
    )


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
        for value in el.xpath(
            "descendant::*/@LANG | descendant::*[not(@LANG)]/@language", smart_strings=False
        ):
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
        first = next(
            (
                s
                for line in el
                if localname(line) == "TextLine"
                for s in line
                if localname(s) == "String"
            ),
            None,
        )
        words = _WordBuilder.read_block(el, after_part1=False, shared=self.shared, ids=self.ids)
        self.raw_max = max(self.raw_max, words.raw_max)
        join = None
        if first is not None and first.get("SUBS_TYPE") == "HypPart2":
            join = _WordBuilder.read_block(el, after_part1=True, shared=self.shared, ids=self.ids)
        self.blocks.append(
            _Block(el.get("ID"), el.get("IDNEXT"), composed, self.block_page, words, join)
        )

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
        sizes = [
            (pid, _to_pixels(w, unit, used_dpi), _to_pixels(h, unit, used_dpi))
            for pid, w, h in self.pages
        ]
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
            block_texts.append(" ".join([w for w, _c in words[start : start + n]]))
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
            word_confidence=(
                sum(c for _t, c in words if c is not None) / n_confs if n_confs else None
            ),
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


def _join_blocks(
    blocks: list[_Block], scale: float
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
            words[pending] = pair_of(
                text, sum(pending_confs) / len(pending_confs) if pending_confs else None
            )
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


def _page_parts(
    blocks: list[_Block],
    block_texts: list[str],
    words: list[tuple[str, float | None]],
    counts: list[int],
    sizes: list[tuple[str, float | None, float | None]],
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
        confs[block.page].extend(c for _w, c in words[start : start + n] if c is not None)
        start += n
    return tuple(
        AltoPagePart(
            page_id=pid,
            text="\n\n".join(texts[i]),
            n_words=n_words[i],
            word_confidence=sum(confs[i]) / len(confs[i]) if confs[i] else None,
            width=w,
            height=h,
        )
        for i, (pid, w, h) in enumerate(sizes)
    )


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
                        and head.rsplit("-", 1)[-1].lower() in _NUMBER_WORDS
                    )
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
    def read_block(
        cls, block: etree._Element, *, after_part1: bool, shared: dict[Any, Any], ids: bool = True
    ) -> _BlockWords:
        """The words of one TextBlock on its own; `after_part1`: as if the block before it in
        reading order had ended on a HypPart1, which is word 0 here (an empty placeholder)."""
        builder = cls(ids)
        if after_part1:
            builder._emit("", None, None)
            builder.pending, builder.pending_has_subs = 0, False
        builder.add_block(block)
        has_string = any(
            localname(s) == "String"
            for line in block
            if localname(line) == "TextLine"
            for s in line
        )
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
    meta = {
        "alto_version": alto.version,
        "alto_namespace": alto.namespace or "(none)",
        "measurement_unit": alto.unit,
    }
    if alto.dpi is not None:
        meta["dpi"] = f"{alto.dpi:g}"
        meta["dpi_source"] = alto.dpi_source
    if alto.software:
        meta["ocr_software"] = alto.software
    return meta
