"""TEI P5 adapter: ELTeC novels, TCP books, FRUS volumes, DraCor plays, teiCorpus letters.

Spec: https://tei-c.org/release/doc/tei-p5-doc/en/html/ ; profiles documented in `parse`.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from ingest import dates
from ingest._paths import relative_source
from ingest._xml import iterparse, localname, parse_xml, refuse_entities, sha256_file
from ingest.language import normalise_code
from ingest.record import Record, Reject, SourceError

logger = logging.getLogger(__name__)

TEI_NS = "http://www.tei-c.org/ns/1.0"
FRUS_NS = "http://history.state.gov/frus/ns/1.0"
ELTEC_NS = "http://distantreading.net/eltec/ns"
EARLYPRINT_NS = "http://earlyprint.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
T = f"{{{TEI_NS}}}"
NS = {"t": TEI_NS, "frus": FRUS_NS, "e": ELTEC_NS}
XML_ID = f"{{{XML_NS}}}id"
XML_LANG = f"{{{XML_NS}}}lang"

PROFILES = ("auto", "eltec", "dracor", "tcp", "frus", "teicorpus", "generic")
OPTIONS: dict[str, object] = {
    "profile": "auto",  # one of PROFILES; auto detects it from the header
    "split": "auto",  # auto: FRUS one record per document, teiCorpus one per TEI; none: per file
    "plausible_years": "1000-2100",  # years outside are flagged in metadata["date_flag"]
    "parts": "auto",  # parts of <text> read: auto (per profile) or e.g. "front,body,back"
}
STAGE = "ingest"
GAP_MARK = "[…]"

# Reading-text layout. Separator levels: 1 space, 2 line break, 3 blank line (paragraph).
_PARA = {
    "p",
    "head",
    "div",
    "div1",
    "div2",
    "div3",
    "div4",
    "div5",
    "lg",
    "sp",
    "opener",
    "closer",
    "postscript",
    "trailer",
    "argument",
    "epigraph",
    "byline",
    "docTitle",
    "titlePage",
    "docImprint",
    "list",
    "table",
    "figure",
    "floatingText",
    "attachment",
    "ab",
    "castList",
    "castGroup",
    "set",
    "body",
    "front",
    "back",
    "group",
    "text",
    "quote",
    "letter",
    "performance",
    "listBibl",
}
_LINE = {
    "l",
    "item",
    "row",
    "dateline",
    "salute",
    "signed",
    "docAuthor",
    "docDate",
    "titlePart",
    "castItem",
    "stage",
}
# Never part of the reading text: identifiers, encoder descriptions, forme work (running heads,
# catchwords), DraCor/Guizot stand-off lists.
_SKIP = {
    "teiHeader",
    "figDesc",
    "idno",
    "fw",
    "standOff",
    "interpGrp",
    "desc",
    "graphic",
    "facsimile",
    "listPerson",
    "listPlace",
}
# Tokenised texts: punctuation tokens (<pc>) that attach to the word before / after them.
# ; : ! ? attach left too: French spacing before them is typography, not a word boundary.
_PC_CLOSING = set(",.;:!?)]}…%")
_PC_OPENING = set("([{¿¡„‚")
_ENTITY_TAGS = {"persName": "PER", "placeName": "LOC", "orgName": "ORG"}
_NAME_TYPES = {
    "person": "PER",
    "pers": "PER",
    "place": "LOC",
    "org": "ORG",
    "organisation": "ORG",
    "organization": "ORG",
}


# ISBD area 4 written whole in <publisher>: "Place : Publisher, 1851"
_ISBD_IMPRINT = re.compile(r"^(?P<place>[^:,;]+?) : (?P<publisher>[^:]+?), \[?\d{4}\]?\.?$")
# a comma or a single full stop (not an ellipsis) opening a text node after a line break
_SPLIT_STOP = re.compile(r"[,.](?!\.)")


@dataclass
class _Builder:
    """Accumulates reading text, normalising space on the fly so entity offsets stay exact.

    The result is what `ingest._text.normalise_space` would give (the tests check it), but
    built incrementally: normalising afterwards would shift the markup entity offsets.
    """

    parts: list[str] = field(default_factory=list)
    length: int = 0
    pending: int = 0
    glue: bool = False  # after an EOL hyphen: the next space is a line end, not a word break
    same_line: bool = False  # after a speaker: the first line of the speech follows on it
    fresh: bool = False  # the next piece opens a block even if it starts with punctuation
    stack: list[list[Any]] = field(default_factory=list)
    spans: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, text: str | None) -> None:
        if not text:
            return
        # A text node is emitted as one piece with its inner spaces collapsed (word-by-word
        # emission gave the same text 3x slower on FRUS volumes); only a leading punctuation
        # words after a line break go alone (see emit).
        words = text.split()
        if not words:
            if not self.glue:
                self.pending = max(self.pending, 1)
            return
        if text[0].isspace() and not self.glue:
            self.pending = max(self.pending, 1)
            if (
                self.pending == 1
                and self.length
                and not self.fresh
                and "\n" in text[: len(text) - len(text.lstrip())]
                and _SPLIT_STOP.match(words[0])
            ):
                # pretty-printed inline markup (ELTeC-spa, BVMC HTML2XML): "<emph>morendo</emph>
                # <newline+indent>, y que" is "morendo, y que" in print; a comma or full stop
                # never follows a word break
                self.pending = 0
        i = 0
        while (
            i < len(words)
            and self.length
            and self.pending > 1
            and not self.fresh
            and words[i][0] in ",.;:"
        ):
            self.emit(words[i])  # keeps the pending line break for what follows
            i += 1
            if i < len(words):
                self.pending = max(self.pending, 1)  # the space after that word
        if i < len(words):
            self.emit(" ".join(words[i:]))
        if text[-1].isspace():
            self.pending = max(self.pending, 1)

    def emit(self, piece: str) -> None:
        if self.length and self.pending > 1 and not self.fresh and piece[0] in ",.;:":
            # punctuation after a line-level element ("<signed>X</signed>,") ends that line
            n = len(piece) - len(piece.lstrip(",.;:"))
            pending, self.pending = self.pending, 0
            self.emit(piece[:n])
            self.pending = pending
            piece = piece[n:]
            if not piece:
                return
        if self.length and self.pending:
            sep = " " if self.pending == 1 else "\n" if self.pending == 2 else "\n\n"
            self.parts.append(sep)
            self.length += len(sep)
        self.pending = 0
        self.glue = False
        self.fresh = False
        for frame in self.stack:
            if frame[1] is None:
                frame[1] = self.length
        self.parts.append(piece)
        self.length += len(piece)

    def brk(self, level: int) -> None:
        if self.same_line and level > 1:
            self.same_line = False
            level = 1
        self.pending = max(self.pending, level)
        self.glue = False

    def open_entity(self, label: str) -> None:
        self.stack.append([label, None])

    def close_entity(self) -> None:
        label, start = self.stack.pop()
        if start is not None and self.length > start:
            self.spans.append((start, self.length, label))

    def result(self) -> tuple[str, list[list[Any]]]:
        text = "".join(self.parts)
        entities: list[list[Any]] = []
        for start, end, label in sorted(self.spans):
            # the source often puts the following comma inside the name element
            while end > start and text[end - 1] in ",;: ":
                end -= 1
            while start < end and text[start] in "([ ":
                start += 1
            if end > start:
                entities.append([text[start:end], label, start, end])
        return text, entities


@dataclass
class _Apparatus:
    """What the renderer set aside or counted instead of putting into the reading text."""

    notes: list[str] = field(default_factory=list)
    gaps: Counter[str] = field(default_factory=Counter)
    n_eol_hyphens: int = 0
    n_abbr_marks: int = 0


@dataclass
class _Render:
    """Render one TEI subtree into reading text (rules in the module's `parse` docstring)."""

    skip: set[int] = field(default_factory=set)  # ids of elements to leave out (FRUS head)
    entities: bool = True
    quote_open: bool = False  # inside a straight-quoted passage of a tokenised text
    app: _Apparatus = field(default_factory=_Apparatus)
    out: _Builder = field(default_factory=_Builder)

    def run(self, el: etree._Element) -> None:
        self.walk(el, in_stage=False)

    def walk(self, el: etree._Element, in_stage: bool) -> None:
        name = localname(el)
        if not name or name in _SKIP or id(el) in self.skip:
            self.out.add(el.tail)
            return
        if name == "note" and el.get("rend") == "inline":
            # printed in the running text: "[Inclosure in No. 2.]", "[Telegram.]"
            level = 2
        elif name == "note" or (name == "seg" and el.get("type") == "margin"):
            # footnotes, marginal notes, editorial notes: kept apart in metadata["notes"]
            note = _plain(el)
            if note:
                self.app.notes.append(note)
            self.out.add(el.tail)
            return
        if name == "gap":
            self.app.gaps[(el.get("reason") or "unspecified").split(":")[0].strip()] += 1
            self.out.emit(GAP_MARK)
            self.out.add(el.tail)
            return
        if name == "g":
            self.walk_g(el)
            return
        if name == "lb":
            self.out.add(" ")
            self.out.add(el.tail)
            return
        if name in ("pb", "cb", "anchor"):
            self.out.add(el.tail)
            return
        if name == "milestone":
            self.out.brk(3)
            self.out.add(el.tail)
            return
        if name in ("choice", "expan"):
            self.walk_choice(el, in_stage)
            self.out.add(el.tail)
            return
        if name == "sp":
            self.walk_sp(el, in_stage)
            self.out.add(el.tail)
            return
        label = self.entity_label(el, name)
        join_left, join_right = self.token_joins(el, name)
        if join_left and self.out.pending == 1:
            self.out.pending = 0
        level = 3 if name in _PARA else 2 if name in _LINE or name == "note" else 0
        if name in ("stage", "quote") and _inline_context(el):
            level = 0  # a stage direction or quotation inside a verse line or paragraph
        bracket = name == "stage" and not in_stage and not _bracketed(el)
        if level:
            self.out.brk(level)
            if level == 3:
                self.quote_open = False
        if label:
            self.out.open_entity(label)
        if bracket:
            self.out.emit("[")
            self.out.glue = True
        self.out.add(el.text)
        for child in el:
            self.walk(child, in_stage or name == "stage")
        if bracket:
            self.out.pending = 0
            self.out.emit("]")
        if label:
            self.out.close_entity()
        if level:
            self.out.brk(level)
        if join_right:
            self.out.glue = True  # the whitespace after this token is layout, not a word break
        if name == "cell":
            self.out.add(" ")
        self.out.add(el.tail)

    def walk_g(self, el: etree._Element) -> None:
        ref = el.get("ref") or ""
        if ref in ("char:EOLhyphen", "char:EOLunhyphen"):
            # TCP marks a word broken at a line end; the two halves are one word
            self.app.n_eol_hyphens += 1
            self.out.glue = True
            self.out.pending = 0 if self.out.pending == 1 else self.out.pending
        elif ref == "char:cmbAbbrStroke":
            # a combining stroke over the previous letter: keep the base letter only
            self.app.n_abbr_marks += 1
        else:
            self.out.add(el.text)
        tail = el.tail
        if self.out.glue and tail:
            tail = tail.lstrip()
        self.out.add(tail)

    def walk_choice(self, el: etree._Element, in_stage: bool) -> None:
        # <choice>: the editor's reading (corr, reg, expan) over the source's (sic, orig, abbr);
        # <expan>: the expansion <ex> without the abbreviation marker <am>.
        children = [c for c in el if localname(c)]
        if localname(el) == "expan":
            self.out.add((el.text or "").strip())
            chosen = [c for c in children if localname(c) != "am"]
        else:
            chosen = []
            for want in ("corr", "reg", "expan"):
                chosen = [c for c in children if localname(c) == want][:1]
                if chosen:
                    break
            chosen = chosen or children[:1]
        for c in chosen:
            if localname(c) == "ex":
                self.out.add((c.text or "").strip())
            else:
                self.walk(c, in_stage)

    def walk_sp(self, el: etree._Element, in_stage: bool) -> None:
        # a speech: "SPEAKER. first line" then its further lines; stage directions in [..]
        self.out.brk(3)
        for child in el:
            if localname(child) == "speaker":
                self.out.brk(3)
                # FreDraCor speakers whose name was lost: "<speaker>, à part.</speaker>" opens
                # its speech; the comma does not belong to the line before
                self.out.fresh = True
                before = self.out.length
                self.out.add(child.text)
                for sub in child:
                    self.walk(sub, in_stage)
                if self.out.length > before and self.out.parts[-1][-1] not in ".:":
                    self.out.pending = 0
                    self.out.emit(".")
                self.out.same_line = True
                self.out.add(child.tail)
            else:
                self.walk(child, in_stage)
        self.out.same_line = False
        self.out.brk(3)

    def token_joins(self, el: etree._Element, name: str) -> tuple[bool, bool]:
        """(no space before, no space after) a token of a tokenised text (ELTeC level 2,
        EarlyPrint): one <w> or <pc> per line, so the whitespace between them is layout."""
        join = el.get("join")
        if join:
            # TEI att.linguistic: join="right" = no space after the token (ELTeC-slv level 2)
            return join in ("left", "both", "overlap"), join in ("right", "both", "overlap")
        if name != "pc":
            return False, False
        text = "".join(el.itertext()).strip()
        if not text:
            return False, False
        if text == '"':
            # straight quotes (ELTeC-por level 2): open and close alternately in a paragraph
            self.quote_open = not self.quote_open
            return not self.quote_open, self.quote_open
        if all(c in _PC_CLOSING for c in text):
            return True, False
        if all(c in _PC_OPENING for c in text):
            return False, True
        return False, False

    def entity_label(self, el: etree._Element, name: str) -> str | None:
        if not self.entities:
            return None
        if name in _ENTITY_TAGS:
            return _ENTITY_TAGS[name]
        if name == "name":
            return _NAME_TYPES.get((el.get("type") or "").lower())
        if name == "gloss" and el.get("type") in ("from", "to"):
            return "PER"  # FRUS: an office standing for its holder ("the Secretary of State")
        return None


def _inline_context(el: etree._Element) -> bool:
    parent = el.getparent()
    return parent is not None and localname(parent) in (
        "p",
        "l",
        "s",
        "seg",
        "hi",
        "speaker",
        "ab",
        "q",
        "emph",
        "stage",
    )


def _bracketed(el: etree._Element) -> bool:
    text = _plain(el)
    return text.startswith(("(", "[")) and text.endswith((")", "]", ").", "].", "),", "],"))


def _plain(el: etree._Element | None) -> str:
    """Whitespace-normalised text of an element, rendered like the reading text."""
    if el is None:
        return ""
    r = _Render(entities=False)
    r.out.add(el.text)
    for child in el:
        r.walk(child, in_stage=False)
    return r.out.result()[0]


def _inline(el: etree._Element | None) -> str:
    """An element's text on one line (for titles, names, dates)."""
    return " ".join(_plain(el).split())


def _render(
    els: list[etree._Element], skip: set[int] | None = None, entities: bool = True
) -> tuple[str, list[list[Any]], _Apparatus]:
    r = _Render(skip=skip or set(), entities=entities)
    for el in els:
        r.run(el)
        r.out.brk(3)
    text, ents = r.out.result()
    return text, ents, r.app


# ---------------------------------------------------------------- adapter protocol


def find(root: Path, **options: Any) -> Iterator[Path]:
    """Every *.xml file under root, sorted."""
    return iter(sorted(p for p in root.rglob("*.xml") if p.is_file()))


def parse(
    path: Path, *, root: Path, collection: str, kind: str, **options: Any
) -> Iterator[Record | Reject]:
    """Parse one TEI file into Records (one per file, per FRUS document, per corpus TEI).

    Reading text: paragraphs, heads, verse groups and divisions are separated by a blank line;
    verse lines, list items, datelines and signatures by a line break; spaces are normalised.
    `<note>` and FRUS marginal `<seg type="margin">` are left out of the text and kept in
    metadata["notes"] (a JSON list); `<gap>` becomes "[…]" and is counted by reason in
    metadata["gaps"]; TCP `<g ref="char:EOLhyphen"/>` joins the two halves of a word;
    `<choice>` gives the corrected/regularised/expanded reading. Speeches are "SPEAKER. text"
    with further lines below; stage directions are on their own line in square brackets.
    persName/placeName/orgName (and FRUS from/to glosses, typed <name>) become
    metadata["markup_entities"]: JSON [[text, PER|LOC|ORG, start, end], ...] into the text.

    Dates: ELTeC = first edition (sourceDesc bibl[@type=firstEdition]/date); TCP = imprint
    date of the source bibl (EarlyPrint: biblFull[@n="printed source"], its publication_date);
    DraCor = DraCor's "normalized year" rule (earlier of print and premiere; the written date
    when it is more than 10 years earlier, or when neither exists), from standOff events or,
    in older files, sourceDesc bibl/date[@type=print|premiere|written];
    FRUS = dateline date/@when, else frus:doc-dateTime-min/max as an interval; teiCorpus =
    correspAction[@type=sent]/date. Years outside `plausible_years` leave the date fields
    empty and set metadata["date_flag"].
    """
    opts = _options(options)
    sniff = _sniff(path)
    profile = opts["profile"] if opts["profile"] != "auto" else _detect(sniff)
    ctx = _Context(
        path=path,
        root=root,
        collection=collection,
        kind=kind,
        opts=opts,
        profile=profile,
        sha256=sha256_file(path),
        source_path=relative_source(path, root),
    )
    logger.debug("%s: profile %s", path, profile)
    if profile == "frus" and opts["split"] != "none":
        yield from _parse_frus(ctx, sniff)
        return
    tree = parse_xml(path)
    tei = tree.getroot()
    if localname(tei) == "teiCorpus" and opts["split"] != "none":
        yield from _parse_corpus(ctx, tei)
        return
    yield _file_record(ctx, tei)


@dataclass
class _Context:
    path: Path
    root: Path
    collection: str
    kind: str
    opts: dict[str, Any]
    profile: str
    sha256: str
    source_path: str

    @property
    def local_id(self) -> str:
        try:
            rel = self.path.relative_to(self.root)
        except ValueError:
            rel = Path(self.path.name)
        return rel.with_suffix("").as_posix()

    def reject(self, reason: str, detail: str) -> Reject:
        return Reject(self.collection, self.source_path, STAGE, reason, detail)

    def record(self, local_id: str, text: str, meta: dict[str, str], **fields: Any) -> Record:
        meta = {k: v for k, v in meta.items() if v not in (None, "", "[]", "{}")}
        meta["tei_profile"] = self.profile
        return Record(
            doc_id=f"{self.collection}:{local_id}",
            collection=self.collection,
            kind=self.kind,  # type: ignore[arg-type]  # checked by Record.finalize()
            text=text,
            source_path=self.source_path,
            source_format="tei",
            source_sha256=self.sha256,
            metadata=meta,
            **fields,
        ).finalize()


def _options(options: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise ValueError(f"unknown tei options {sorted(unknown)}; valid: {sorted(OPTIONS)}")
    opts = {**OPTIONS, **options}
    if opts["profile"] not in PROFILES:
        raise ValueError(f"tei profile {opts['profile']!r} not in {PROFILES}")
    if opts["split"] not in ("auto", "none"):
        raise ValueError(f"tei split {opts['split']!r} not in ('auto', 'none')")
    m = re.fullmatch(r"\s*(-?\d+)\s*-\s*(\d+)\s*", str(opts["plausible_years"]))
    if not m:
        raise ValueError(f"tei plausible_years {opts['plausible_years']!r} is not 'YYYY-YYYY'")
    opts["_years"] = (int(m[1]), int(m[2]))
    return opts


# ---------------------------------------------------------------- profile detection


@dataclass
class _Sniff:
    root_tag: str
    root_attrib: dict[str, str]
    nsmap: dict[str | None, str]
    header: etree._Element | None
    next_sibling: str  # local name of what follows the header (standOff, text, TEI)


def _sniff(path: Path) -> _Sniff:
    """Read the root element and the first teiHeader without parsing the whole file."""
    root: etree._Element | None = None
    header = None
    after = ""
    depth = 0
    try:
        for event, el in iterparse(path, events=("start", "end")):
            if root is None:
                root = el
                refuse_entities(el.getroottree())
            if event == "start":
                depth += 1
                if header is not None and depth == 2:
                    after = localname(el)
                    break
            else:
                depth -= 1
                if localname(el) == "teiHeader" and header is None:
                    header = el
    except OSError as exc:
        raise SourceError("unreadable", str(exc)) from exc
    if root is None:
        raise SourceError("bad_xml", f"{path}: no root element")
    namespace = etree.QName(root).namespace
    if namespace not in (TEI_NS, None) or (
        namespace is None and localname(root) not in ("TEI", "teiCorpus")
    ):
        # e.g. FreDraCor's authors.xml (<authors>, a name-normalisation table) next to the plays
        raise SourceError("not_tei", f"root element {root.tag}")
    return _Sniff(localname(root), dict(root.attrib), dict(root.nsmap), header, after)


def _detect(s: _Sniff) -> str:
    """Pick the profile from the root element and the header."""
    h = s.header
    if s.root_tag == "teiCorpus":
        return "teicorpus"
    if FRUS_NS in s.nsmap.values() or (
        h is not None
        and h.xpath("t:fileDesc/t:publicationStmt/t:idno[@type='frus']", namespaces=NS)
    ):
        return "frus"
    if h is None:
        return "generic"
    if h.xpath("t:encodingDesc[starts-with(@n, 'eltec')]", namespaces=NS) or h.xpath(
        ".//e:*", namespaces=NS
    ):
        return "eltec"
    publishers = " ".join(
        _inline(p) for p in h.xpath(".//t:publicationStmt/t:publisher", namespaces=NS)
    )
    if (
        "Text Creation Partnership" in publishers
        or h.xpath("t:fileDesc/t:publicationStmt/t:idno[@type='DLPS']", namespaces=NS)
        # EarlyPrint: tokenised EEBO-TCP texts; the TCP id is in sourceDesc, not publicationStmt
        or "EarlyPrint" in publishers
        or h.xpath("t:xenoData/*[namespace-uri() = $ns]", namespaces=NS, ns=EARLYPRINT_NS)
    ):
        return "tcp"
    if (
        "DraCor" in publishers
        or re.fullmatch(r"[a-z]{2,8}\d{6}", s.root_attrib.get(XML_ID, ""))
        or (s.next_sibling == "standOff" and h.xpath(".//t:particDesc", namespaces=NS))
        # DLINA-era plays (GerDraCor's first files): print/premiere/written dates in sourceDesc
        or (h.xpath(".//t:particDesc", namespaces=NS) and _header_events(h))
    ):
        return "dracor"
    return "generic"


# ---------------------------------------------------------------- header helpers


def _first(el: etree._Element, xpath: str) -> etree._Element | None:
    found = el.xpath(xpath, namespaces=NS)
    return found[0] if found else None


def _title(header: etree._Element) -> str | None:
    for xp in (
        "t:fileDesc/t:titleStmt/t:title[@type='main']",
        "t:fileDesc/t:titleStmt/t:title[@type='complete']",
        "t:fileDesc/t:titleStmt/t:title[not(@type)]",
        "t:fileDesc/t:titleStmt/t:title",
    ):
        for el in header.xpath(xp, namespaces=NS):
            text = _inline(el)
            if text:
                return text
    return None


def _subtitles(header: etree._Element) -> list[str]:
    els = header.xpath("t:fileDesc/t:titleStmt/t:title[@type='sub']", namespaces=NS)
    return [t for t in (_inline(e) for e in els) if t]


# "(1851-1918)", "(1840-)", and unknown years as ELTeC-slv writes them: "(?-?)", "(1821-?)"
_LIFE_DATES = re.compile(r"\s*\(((?:\d{3,4}\??|\?)\s*-\s*(?:\d{0,4}\??|\?))\)\.?\s*$")
_HEADING_DATES = re.compile(r",\s*((?:ca\.|fl\.|d\.|b\.|active)?\s*\d{3,4}[^,]*?)\.?\s*$")


def _authors(header: etree._Element) -> tuple[list[str], list[str]]:
    """Author names (life dates cut off) and the headings as the source wrote them."""
    names: list[str] = []
    raw: list[str] = []
    for el in header.xpath("t:fileDesc/t:titleStmt/t:author", namespaces=NS):
        pers = el.xpath("t:persName", namespaces=NS)
        # DraCor: persName next to isni/wikidata idno elements; others: plain text
        text = " ".join(_person_name(p) for p in pers) if pers else _inline(el)
        if not text:
            continue
        raw.append(text)
        # EarlyPrint puts a play's authors in one element: "Beaumont, Francis; Fletcher, John"
        for part in (p.strip() for p in text.split(";")):
            if not re.search(r"\w", part):
                continue
            name = _LIFE_DATES.sub("", part)
            name = _HEADING_DATES.sub("", name).strip()
            names.append(
                name.rstrip(".") if name.endswith(".") and not re.search(r"\b\w\.$", name) else name
            )
    return names, raw


def _person_name(pers: etree._Element) -> str:
    """A persName as one string. DTA writes <surname> before <forename>: "Kamiet, Joachim D."
    (a catalogue heading); DraCor writes forename first and reads as printed: "Alexandre Hardy"."""
    parts = [c for c in pers if localname(c)]
    if (
        parts
        and localname(parts[0]) == "surname"
        and any(localname(c) == "forename" for c in parts[1:])
        and not (pers.text or "").strip()
    ):
        rest = " ".join(t for t in (_inline(c) for c in parts[1:]) if t)
        return f"{_inline(parts[0])}, {rest}"
    return _inline(pers)


def _language(tei: etree._Element, header: etree._Element | None) -> str | None:
    candidates = [tei.get(XML_LANG)]
    if header is not None:
        candidates += header.xpath("t:profileDesc/t:langUsage/t:language/@ident", namespaces=NS)
    candidates += tei.xpath("t:text/@xml:lang", namespaces=NS)
    for c in candidates:
        code = normalise_code(str(c)) if c else None
        if code:
            return code
    return None


def _date_fields(
    text: str | None,
    opts: Mapping[str, Any],
    when: str | None = None,
    meta: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Record date fields for a date as written (`text`) or encoded (`when`); flag oddities."""
    info = dates.parse_date(when if when else text)
    info = _plausible(info, opts, meta)
    return info.record_fields(text if text else when)


def _plausible(
    info: dates.DateInfo, opts: Mapping[str, Any], meta: dict[str, str] | None
) -> dates.DateInfo:
    lo, hi = opts["_years"]
    flags = list(info.flags)
    if (
        info.start is not None
        and info.end is not None
        and (info.start.year < lo or info.end.year > hi)
    ):
        flags.append("implausible_year")
        info = dates.DateInfo(flags=tuple(flags))
    if flags and meta is not None:
        meta["date_flag"] = ",".join(dict.fromkeys(flags))
    return info


def _text_parts(tei: etree._Element, profile: str, opts: Mapping[str, Any]) -> list[etree._Element]:
    """The parts of <text> that make the reading text (ELTeC/DraCor: body; TCP: all)."""
    wanted = str(opts["parts"])
    if wanted == "auto":
        wanted = "front,body,back" if profile in ("tcp", "teicorpus") else "body"
    names = {w.strip() for w in wanted.split(",") if w.strip()}
    text = _first(tei, "t:text")
    if text is None:
        return []
    # a <group> holds several <text>s; take the wanted parts of each, in document order
    parts = [
        el
        for el in text.iter(f"{T}front", f"{T}body", f"{T}back")
        if localname(el) in names and not _has_ancestor(el, {"front", "body", "back"}, text)
    ]
    return parts or [text]


def _has_ancestor(el: etree._Element, names: set[str], stop: etree._Element) -> bool:
    for anc in el.iterancestors():
        if anc is stop:
            return False
        if localname(anc) in names:
            return True
    return False


def _all_notes(tei: etree._Element, parts: list[etree._Element]) -> list[str]:
    """Notes under <text> outside the rendered parts (ELTeC keeps its footnotes in <back>)."""
    text = _first(tei, "t:text")
    if text is None:
        return []
    # Hold the elements themselves: lxml proxies die when unreferenced and their id() is reused,
    # so a set of bare ids matched unrelated notes from run to run.
    inside = {n for p in parts for n in p.iter(f"{T}note")}
    return [t for n in text.iter(f"{T}note") if n not in inside and (t := _plain(n))]


def _apparatus_meta(app: _Apparatus, meta: dict[str, str], extra_notes: list[str]) -> None:
    notes = app.notes + extra_notes
    if notes:
        meta["notes"] = json.dumps(notes, ensure_ascii=False)
        meta["n_notes"] = str(len(notes))
    if app.gaps:
        meta["n_gaps"] = str(sum(app.gaps.values()))
        meta["gaps"] = json.dumps(dict(sorted(app.gaps.items())), ensure_ascii=False)
    if app.n_eol_hyphens:
        meta["n_eol_hyphens"] = str(app.n_eol_hyphens)
    if app.n_abbr_marks:
        meta["n_abbreviation_marks"] = str(app.n_abbr_marks)


def _clean_imprint(text: str) -> str | None:
    """'[London :' -> 'London'; 'Charleston [S.C.]: :' -> 'Charleston [S.C.]'."""
    text = text.strip().rstrip(" :;,").strip()
    if text.count("[") != text.count("]"):
        text = text.replace("[", "").replace("]", "").strip().rstrip(" :;,")
    return text or None


# ---------------------------------------------------------------- one record per file


def _file_record(ctx: _Context, tei: etree._Element) -> Record | Reject:
    header = _first(tei, "t:teiHeader")
    meta: dict[str, str] = {}
    fields: dict[str, Any] = {}
    if header is not None:
        fields["title"] = _title(header)
        authors, raw_authors = _authors(header)
        fields["authors"] = tuple(authors)
        if raw_authors != authors:
            meta["authors_as_written"] = json.dumps(raw_authors, ensure_ascii=False)
        subs = _subtitles(header)
        if subs:
            meta["subtitle"] = " / ".join(subs)
    fields["language"] = _language(tei, header)
    if tei.get(XML_ID):
        meta["tei_id"] = tei.get(XML_ID, "")
    profile_fields = {"eltec": _eltec_fields, "tcp": _tcp_fields, "dracor": _dracor_fields}
    fill = profile_fields.get(ctx.profile, _generic_fields)
    fields.update(fill(tei, header, ctx.opts, meta))
    parts = _text_parts(tei, ctx.profile, ctx.opts)
    text, ents, app = _render(parts)
    _apparatus_meta(app, meta, _all_notes(tei, parts))
    if ents:
        meta["markup_entities"] = json.dumps(ents, ensure_ascii=False)
    if not text:
        return ctx.reject("no_text", f"{ctx.profile}: no text in {'/'.join(map(localname, parts))}")
    return ctx.record(ctx.local_id, text, meta, **fields)


def _eltec_fields(
    tei: etree._Element,
    header: etree._Element | None,
    opts: Mapping[str, Any],
    meta: dict[str, str],
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if header is None:
        return fields
    title = fields["title"] = _title(header)
    if title:
        # "En congé : édition ELTeC", "Rachel Gray : ELTec edition : ELTeC edition",
        # "Zvezdana : edicija ELTeC", "Lisboa no Ano Três Mil: Edição para o ELTeC"
        fields["title"] = (
            re.sub(
                r"(\s*:\s*[^:]*\bELTe[Cc]\b[^:]*)+$",
                "",
                title,
                flags=re.IGNORECASE,
            ).strip()
            or title
        )
    # ELTeC-fra often nests printSource and firstEdition inside the digitalSource bibl
    src = "t:fileDesc/t:sourceDesc//t:bibl"
    first = _first(header, f"{src}[@type='firstEdition']/t:date")
    if first is None or not (_inline(first) or first.get("when")):
        # some headers (ENG18400_Trollope) describe only the print source: the edition
        # transcribed is then the first one ELTeC knows of, and its date is the record's
        first = _first(header, f"{src}[@type='printSource']/t:date")
        if first is not None:
            meta["date_source"] = "printSource"
    if first is not None:
        fields.update(_date_fields(_inline(first) or None, opts, first.get("when"), meta))
    for key, typ in (("print_edition_date", "printSource"), ("first_edition_date", "firstEdition")):
        el = _first(header, f"{src}[@type='{typ}']/t:date")
        if el is not None:
            meta[key] = _inline(el) or el.get("when", "")
    # publisher = the first edition's; the print edition transcribed is described in metadata
    pub = _first(header, f"{src}[@type='firstEdition']/t:publisher")
    if pub is not None:
        fields["publisher"] = _inline(pub) or None
    place = _first(header, f"{src}[@type='firstEdition']/t:pubPlace")
    if place is not None:
        fields["place"] = _inline(place) or None
    elif fields.get("publisher"):
        # a catalogue imprint in <publisher> (ELTeC-srp, from COBISS): "У Бечу : у Штампарији
        # Јерменскога намастира, 1851" is place : publisher, year
        isbd = _ISBD_IMPRINT.match(fields["publisher"])
        if isbd:
            meta["first_edition_imprint"] = fields["publisher"]
            fields["place"], fields["publisher"] = isbd["place"], isbd["publisher"]
    for key, xp in (
        ("print_edition_publisher", "t:publisher"),
        ("print_edition_place", "t:pubPlace"),
    ):
        el = _first(header, f"{src}[@type='printSource']/{xp}")
        if el is not None:
            meta[key] = _inline(el)
    for el in header.xpath("t:profileDesc/t:textDesc/e:*", namespaces=NS):
        meta[re.sub(r"(?<!^)([A-Z])", r"_\1", localname(el)).lower()] = el.get("key", "")
    measure = _first(header, "t:fileDesc/t:extent/t:measure[@unit='words']")
    if measure is not None and measure.text:
        meta["source_word_count"] = measure.text.strip()
    for term in header.xpath("t:profileDesc/t:textClass/t:keywords/t:term[@type]", namespaces=NS):
        meta[term.get("type", "").replace("-", "_")] = _inline(term)
    return fields


def _tcp_fields(
    tei: etree._Element,
    header: etree._Element | None,
    opts: Mapping[str, Any],
    meta: dict[str, str],
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if header is None:
        return fields
    # EarlyPrint headers describe two books: biblFull[@n="TCP source"] is the TCP transcription
    # (Ann Arbor, 2001) and carries its ids; biblFull[@n="printed source"] is the printed book.
    bibls = header.xpath("t:fileDesc/t:sourceDesc/t:biblFull", namespaces=NS)
    printed = [b for b in bibls if (b.get("n") or "").strip().lower() == "printed source"]
    tcp_src = [b for b in bibls if (b.get("n") or "").strip().lower() == "tcp source"]
    idnos = header.xpath("t:fileDesc/t:publicationStmt/t:idno", namespaces=NS)
    if tcp_src:
        idnos += tcp_src[0].xpath("t:publicationStmt/t:idno", namespaces=NS)
    for idno in idnos:
        typ = (idno.get("type") or "idno").lower().replace("-", "_")
        key = "tcp_id" if typ == "dlps" else typ
        meta[key] = "; ".join(filter(None, [meta.get(key), _inline(idno)]))
    series = _first(header, "t:fileDesc/t:seriesStmt/t:title")
    if series is not None:
        meta["series"] = _inline(series)
    # the imprint of the printed source: biblFull/publicationStmt (publisher, pubPlace, date)
    source = printed[0] if printed else (bibls[0] if bibls else None)
    imprint = _first(source, "t:publicationStmt") if source is not None else None
    if imprint is not None:
        pub = _first(imprint, "t:publisher")
        place = _first(imprint, "t:pubPlace")
        # EarlyPrint: date[@type=publication_date] "1647." and date[@type=creation_date] "1605"
        date = _first(imprint, "t:date[@type='publication_date']")
        if date is None:
            date = _first(imprint, "t:date")
        created = _first(imprint, "t:date[@type='creation_date']")
        if created is not None and _inline(created):
            meta["creation_date"] = _inline(created)
        fields["publisher"] = _clean_imprint(_inline(pub)) if pub is not None else None
        fields["place"] = _clean_imprint(_inline(place)) if place is not None else None
        meta["imprint"] = " ".join(_inline(e) for e in (place, pub, date) if e is not None)
        if date is not None:
            fields.update(_date_fields(_inline(date) or None, opts, None, meta))
    if fields.get("date_text") is None:
        ed = _first(header, "t:fileDesc/t:editionStmt/t:edition/t:date")
        if ed is not None:
            fields.update(_date_fields(_inline(ed) or None, opts, ed.get("when"), meta))
    return fields


def _dracor_fields(
    tei: etree._Element,
    header: etree._Element | None,
    opts: Mapping[str, Any],
    meta: dict[str, str],
) -> dict[str, Any]:
    """DraCor events; the record date follows DraCor's documented "normalized year" rule."""
    events: dict[str, etree._Element] = {}
    found = tei.xpath("t:standOff/t:listEvent/t:event", namespaces=NS)
    if not found and header is not None:
        # older DraCor/DLINA files (RusDraCor 2017, GerDraCor "-lina"): the same three events
        # as sourceDesc bibl/date[@type]; the element text is a note on the event
        found = _header_events(header)
        if found:
            meta["date_events_from"] = "sourceDesc"
    for ev in found:
        typ = ev.get("type") or "event"
        events.setdefault(typ, ev)
        value = ev.get("when") or "/".join(filter(None, (ev.get("notBefore"), ev.get("notAfter"))))
        meta[f"date_{typ}"] = value
        desc = _inline(_first(ev, "t:desc")) if localname(ev) == "event" else _inline(ev)
        if desc:
            meta[f"date_{typ}_note"] = desc
    infos = {typ: dates.parse_date(_event_value(ev)) for typ, ev in events.items()}
    published = [
        (i.start, typ)
        for typ, i in infos.items()
        if typ in ("print", "premiere") and i.start is not None
    ]
    chosen: str | None = min(published)[1] if published else None
    written = infos.get("written")
    chosen_start = infos[chosen].start if chosen is not None else None
    if (
        written is not None
        and written.end is not None
        and (chosen_start is None or chosen_start.year - written.end.year > 10)
    ):
        chosen = "written"
    fields: dict[str, Any] = {}
    if chosen is not None:
        meta["date_rule"] = f"dracor_normalized_year:{chosen}"
        info = infos[chosen]
        if chosen == "written" and info.end is not None and info.start != info.end:
            # DraCor takes the last year of a writing period
            info = dates.from_years(info.end.year)
        info = _plausible(info, opts, meta)
        fields.update(info.record_fields(_event_value(events[chosen])))
    pr, pm = infos.get("print"), infos.get("premiere")
    if pr and pm and pr.year and pm.year and abs(pr.year - pm.year) > 50:
        # e.g. a premiere two centuries before the print of a 19th-c. play: a data error
        meta["date_flag"] = ",".join(filter(None, [meta.get("date_flag"), "events_inconsistent"]))
    return fields


def _header_events(header: etree._Element) -> list[etree._Element]:
    """DLINA-style dated events: sourceDesc bibl/date[@type=print|premiere|written] with a
    machine-readable @when/@notBefore/@notAfter (empty placeholders are left out)."""
    return [
        d
        for d in header.xpath(
            "t:fileDesc/t:sourceDesc//t:bibl/t:date[@type='print' or @type='premiere'"
            " or @type='written']",
            namespaces=NS,
        )
        if d.get("when") or d.get("notBefore") or d.get("notAfter")
    ]


def _event_value(ev: etree._Element) -> str:
    when = str(ev.get("when") or "")
    if when:
        return when
    lo, hi = ev.get("notBefore"), ev.get("notAfter")
    return f"{lo}-{hi}" if lo and hi else (lo or hi or "")


def _generic_fields(
    tei: etree._Element,
    header: etree._Element | None,
    opts: Mapping[str, Any],
    meta: dict[str, str],
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if header is None:
        return fields
    # the source's own date first, then the publication of the electronic text
    for xp in (
        "t:fileDesc/t:sourceDesc//t:date",
        "t:profileDesc//t:creation//t:date",
        "t:fileDesc/t:publicationStmt/t:date",
    ):
        el = _first(header, xp)
        if el is not None and (_inline(el) or el.get("when")):
            fields.update(_date_fields(_inline(el) or None, opts, el.get("when"), meta))
            meta["date_source"] = xp.split("/")[1]
            break
    pub = _first(header, "t:fileDesc/t:sourceDesc//t:publisher")
    if pub is not None:
        fields["publisher"] = _inline(pub) or None
    return fields


# ---------------------------------------------------------------- teiCorpus


def _parse_corpus(ctx: _Context, corpus: etree._Element) -> Iterator[Record | Reject]:
    """One record per <TEI> in a <teiCorpus>; sender/recipient from correspDesc."""
    corpus_header = _first(corpus, "t:teiHeader")
    corpus_title = _title(corpus_header) if corpus_header is not None else None
    teis = corpus.xpath("t:TEI", namespaces=NS)
    if not teis:
        raise SourceError("no_documents", "teiCorpus without TEI children")
    for i, tei in enumerate(teis, 1):
        local = tei.get(XML_ID) or tei.get("n") or f"tei{i}"
        header = _first(tei, "t:teiHeader")
        meta: dict[str, str] = {"corpus_title": corpus_title or "", "tei_n": tei.get("n", "")}
        fields: dict[str, Any] = {
            "title": _title(header) if header is not None else None,
            "language": _language(tei, header) or _language(corpus, None),
        }
        if header is not None:
            fields["authors"] = tuple(_authors(header)[0])
            sent = _first(header, "t:profileDesc/t:correspDesc/t:correspAction[@type='sent']")
            recv = _first(header, "t:profileDesc/t:correspDesc/t:correspAction[@type='received']")
            if sent is not None:
                fields["sender"] = _inline(_first(sent, "t:persName|t:orgName|t:name")) or None
                fields["place"] = _inline(_first(sent, "t:placeName|t:settlement")) or None
                date = _first(sent, "t:date")
                if date is not None:
                    fields.update(
                        _date_fields(_inline(date) or None, ctx.opts, date.get("when"), meta)
                    )
            if recv is not None:
                fields["recipient"] = _inline(_first(recv, "t:persName|t:orgName|t:name")) or None
                meta["recipient_place"] = _inline(_first(recv, "t:placeName|t:settlement"))
            if not fields.get("authors") and fields.get("sender"):
                fields["authors"] = (fields["sender"],)
        parts = _text_parts(tei, "teicorpus", ctx.opts)
        text, ents, app = _render(parts)
        _apparatus_meta(app, meta, _all_notes(tei, parts))
        if ents:
            meta["markup_entities"] = json.dumps(ents, ensure_ascii=False)
        if not text:
            yield ctx.reject("no_text", f"TEI {local}: no text")
            continue
        yield ctx.record(f"{ctx.local_id}/{local}", text, meta, **fields)


# ---------------------------------------------------------------- FRUS


def _is_document(el: etree._Element) -> bool:
    return bool(el.get("type") == "document" or el.get("subtype") == "historical-document")


def _parse_frus(ctx: _Context, sniff: _Sniff) -> Iterator[Record | Reject]:
    """Stream a FRUS volume: one record per top-level document division.

    Document divisions nested in another document (1861 volume: schedules inside an
    attachment) stay part of their parent's text. Memory stays flat: each finished
    top-level division is cleared and its earlier siblings deleted.
    """
    volume = sniff.root_attrib.get(XML_ID) or ctx.local_id
    header = sniff.header
    meta_volume = {"volume_id": volume}
    if header is not None:
        meta_volume["volume_title"] = _title(header) or ""
    heads: dict[etree._Element, str] = {}  # chapter heads, read before their siblings go
    ordinal = 0
    for _, el in iterparse(ctx.path, tag=f"{T}div", events=("end",)):
        ancestors = [a for a in el.iterancestors(f"{T}div")]
        if any(_is_document(a) for a in ancestors):
            continue  # part of a document still being read
        if _is_document(el):
            ordinal += 1
            for anc in ancestors:
                if anc not in heads:
                    heads[anc] = _inline(_first(anc, "t:head"))
            chapter = " > ".join(h for a in reversed(ancestors) if (h := heads.get(a)))
            yield _frus_document(ctx, el, volume, ordinal, chapter, meta_volume)
        el.clear(keep_tail=True)
        while el.getprevious() is not None:
            del el.getparent()[0]
    logger.info("%s: %d FRUS documents", ctx.path.name, ordinal)


def _own(doc: etree._Element, name: str) -> Iterator[etree._Element]:
    """Descendants called `name`, not inside attachments or nested documents."""
    stack = list(doc)[::-1]
    while stack:
        el = stack.pop()
        ln = localname(el)
        if ln == name:
            yield el
        if ln == "attachment" or (ln == "div" and _is_document(el)) or ln == "note":
            continue
        stack.extend(list(el)[::-1])


# FRUS classification markings; as a word ("Secretary", "Secretariat", "Personally handed
# to..." are not): a source note mentioning one may give a classification (_FRUS_CLASS), a
# sentence starting with one is it (_CLASS_SENTENCE)
_MARKINGS = (
    r"top secret|secret|confidential|strictly confidential|private|personal|eyes only|"
    r"limited official use|official use only|restricted"
)
_FRUS_CLASS = re.compile(rf"\b(?:{_MARKINGS})\b", re.IGNORECASE)
_CLASS_SENTENCE = re.compile(rf"(?:{_MARKINGS})\b", re.IGNORECASE)


def _frus_document(
    ctx: _Context,
    doc: etree._Element,
    volume: str,
    ordinal: int,
    chapter: str,
    meta_volume: dict[str, str],
) -> Record | Reject:
    doc_xml_id = doc.get(XML_ID) or f"doc{ordinal}"
    local = f"{volume}/{doc_xml_id}"
    meta: dict[str, str] = dict(meta_volume)
    meta.update({"frus_doc_id": doc_xml_id, "frus_doc_n": doc.get("n", ""), "chapter": chapter})
    heads = [c for c in doc if localname(c) == "head"]
    # later volumes (1950s on) put the source note inside the head: "<head>57. Memorandum of
    # Conversation<note type="source">Source: ... Secret. Drafted by Fisher.</note></head>"
    head_notes = [n for h in heads for n in h.iter(f"{T}note")]
    source_notes = [c for c in doc if localname(c) == "note" and c.get("type") == "source"]
    source_notes += [n for n in head_notes if n.get("type") == "source"]
    other_head_notes = [t for n in head_notes if n.get("type") != "source" and (t := _plain(n))]
    head = heads[0] if heads else None
    title = _inline(head) if head is not None else ""
    if re.fullmatch(r"\[?untitled\]?", title, flags=re.IGNORECASE):
        title = ""
    notes = [_inline(n) for n in source_notes]
    if notes:
        meta["source_notes"] = json.dumps(notes, ensure_ascii=False)
    fields: dict[str, Any] = {"title": title or None}
    fields["classification"] = _frus_classification(notes)
    fields.update(_frus_people(doc, head))
    fields.update(_frus_date(ctx, doc, meta))
    text, ents, app = _render([doc], skip={id(h) for h in heads} | {id(n) for n in source_notes})
    _apparatus_meta(app, meta, other_head_notes)
    if ents:
        meta["markup_entities"] = json.dumps(ents, ensure_ascii=False)
    if not text:
        return ctx.reject("no_text", f"FRUS document {local} has no text")
    return ctx.record(local, text, meta, **fields)


def _frus_classification(notes: list[str]) -> str | None:
    """The classification a FRUS source note gives: "[Confidential.]" whole, or the marking
    sentence of a long note ("Source: ... Secret. Drafted by Fisher." -> "Secret")."""
    for note in notes:
        if not _FRUS_CLASS.search(note):
            continue
        whole = note.strip("[]. ").rstrip(".")
        if len(whole) <= 40:
            return whole
        for sentence in re.split(r"(?<=[.;])\s+", note):
            marking = sentence.strip("[]. ").rstrip(".;")
            if _CLASS_SENTENCE.match(marking):
                return marking
        # a long note that only mentions a marking ("No classification marking.", "the
        # Secretary's personal files"): no classification, rather than the whole note
    return None


def _frus_people(doc: etree._Element, head: etree._Element | None) -> dict[str, str | None]:
    """Sender and recipient of a FRUS document.

    1. the head's elements typed from/to (persName or gloss): "Mr. <persName type='from'>Seat
       </persName> to Mr. <persName type='to'>Gresham</persName>" -> Seat, Gresham;
    2. else the head's wording: "Memorandum by X" -> sender X; "X to Y" -> X, Y;
    3. else the sender is the document's own signature (closer/signed).
    """
    sender = recipient = None
    if head is not None:
        senders = [t for e in head.xpath(".//*[@type='from']") if (t := _inline(e))]
        recipients = [t for e in head.xpath(".//*[@type='to']") if (t := _inline(e))]
        sender = "; ".join(senders) or None
        recipient = "; ".join(recipients) or None
        # some volumes type the whole heading as the sender: "<persName type='from'>Mr. Bancroft
        # to Mr. Buchanan</persName>"
        whole = re.match(r"(.+?) to (.+)$", senders[0]) if len(senders) == 1 else None
        if recipient is None and whole:
            sender, recipient = whole[1], whole[2]
        if sender is None and recipient is None:
            words = re.sub(r"^No\.\s*\d+\.?\s*", "", _inline(head)).rstrip(". ")
            if m := re.match(r"Memorandum (?:by|of) (.+)$", words):
                sender = m[1]
            elif m := re.match(r"(.+?) to (.+)$", words):
                sender, recipient = m[1], m[2]
    if sender is None:
        signed = next(_own(doc, "signed"), None)
        sender = _inline(signed).rstrip(".,") or None if signed is not None else None
    return {"sender": sender, "recipient": recipient}


_MONTH_WORD = re.compile(
    r"\b(?:jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.|\b(?:january|february|march|april|may|"
    r"june|july|august|september|october|november|december)\b",
    re.IGNORECASE,
)
_UNDATED = re.compile(r"\bundated\b", re.IGNORECASE)
_RECEIVED = re.compile(r"\breceived\b", re.IGNORECASE)
# what may follow a date that ends a FRUS head: a time of day ("at 2:15 p.m.", "10 a.m.")
_HEAD_TAIL = re.compile(
    r"[\s,]*(?:at\s+)?(?:\d{1,2}(?:[:.]\d{2})?\s*(?:o[’']clock\s*)?[ap]\.?\s?m\.?)?[\s.,;:)\]]*",
    re.IGNORECASE,
)
# what may precede a date that follows a FRUS head's first words: "Report of", "Proclamation
# No. 1885", "Executive Order No. 2585,"
_HEAD_LEAD = re.compile(
    r"\W*(?:[\w.’'-]+\s+){1,3}(?:of\s+(?:the\s+)?|No\.\s*\d+,?\s+)", re.IGNORECASE
)


def _frus_date(ctx: _Context, doc: etree._Element, meta: dict[str, str]) -> dict[str, Any]:
    """Date and place of a FRUS document, from the first of these that gives a date.

    1. the dateline's <date>: @when, else its printed text (some volumes type @when="0201-06-05"
       for "June 5–17, 1864": the printed date is kept and metadata["date_when"] says so);
    2. frus:doc-dateTime-min/max, as an interval;
    3. the dateline's text outside <placeName>: "Paris, undated. [Received December 5, 1917]"
       gives the receipt date (metadata["date_basis"] = "received", approximate); a dateline
       that says only "undated" gives date_text "undated"; a dateline holding only a place
       ("U. S. Steamer Massachusetts, Off Pensacola") gives no date_text at all;
    4. a date written to the day that ends the head ("Minutes of the Daily Meetings ...,
       Friday, January 31, 1919", "Treaty ..., Signed at Washington, December 8, 1923") or
       follows its first words ("Report of April 9, 1917, of the ..."), when it is the head's
       only such date (metadata["date_source"] = "head").
    """
    dateline = next(_own(doc, "dateline"), None)
    out: dict[str, Any] = {"place": None}
    flagged: dict[str, Any] | None = None
    if dateline is not None:
        meta["dateline"] = _inline(dateline)
        places = list(dateline.iter(f"{T}placeName"))
        if places:
            out["place"] = _inline(places[0]).rstrip(",. ") or None
        date = next(dateline.iter(f"{T}date"), None)
        text = _inline(date) if date is not None else ""
        when = date.get("when") if date is not None else None
        if when or text:
            found = _date_fields(text or None, ctx.opts, when, meta)
            if found["date_start"] is None and when and text:
                printed = _date_fields(text, ctx.opts, None, {})
                if printed["date_start"] is not None:
                    meta["date_when"] = when
                    meta["date_flag"] = "when_not_understood"
                    meta["date_source"] = "dateline_text"
                    return out | printed
            if found["date_start"] is not None:
                meta["date_source"] = "dateline"
                return out | found
            if "date_flag" in meta:
                meta["date_source"] = "dateline"
                if when:
                    meta["date_when"] = when  # "0201-10-12" for "October 12—3 p. m."
                flagged = found
    lo = doc.get(f"{{{FRUS_NS}}}doc-dateTime-min")
    hi = doc.get(f"{{{FRUS_NS}}}doc-dateTime-max")
    if (lo or hi) and flagged is None:
        first, last = dates.parse_date(lo or hi), dates.parse_date(hi or lo)
        info = dates.DateInfo(flags=first.flags + last.flags)
        if first.start is not None and last.end is not None:
            one_day = first.start == last.end
            info = dates.DateInfo(
                first.start, last.end, first.start.year, "day" if one_day else "range", False
            )
        info = _plausible(info, ctx.opts, meta)
        meta["date_source"] = "frus:doc-dateTime"
        return out | info.record_fields(meta.get("dateline") or lo)
    if flagged is not None:
        return out | flagged
    written = _dateline_date_text(dateline) if dateline is not None else None
    if written:
        found = _date_fields(written, ctx.opts, None, meta)
        if found["date_start"] is not None:
            meta["date_source"] = "dateline_text"
            if _RECEIVED.search(written) and not _received_only_after(written):
                meta["date_basis"] = "received"
                found["date_approximate"] = True
            return out | found
        if "date_flag" in meta:
            meta["date_source"] = "dateline_text"
            return out | found
    head_date = _frus_head_date(doc)
    if head_date is not None:
        date_text, info, before = head_date
        meta["date_source"] = "head"
        found = _plausible(info, ctx.opts, meta).record_fields(date_text)
        if _RECEIVED.search(before):  # "Mr. Geofroy to Mr. Seward.—Received May 26, 1864"
            meta["date_basis"] = "received"
            found["date_approximate"] = True
        elif re.search(r"\b(?:circa|about|c\.)\s*$", before, re.IGNORECASE):
            found["date_approximate"] = True
        return out | found
    if written:
        meta["date_source"] = "dateline_text"
        out["date_text"] = (
            "undated" if _UNDATED.search(written) and not re.search(r"\d", written) else written
        )
    return out


def _dateline_date_text(dateline: etree._Element) -> str | None:
    """The dateline's words outside <placeName>, when they could be a date; else None."""
    skip = {id(p) for p in dateline.iter(f"{T}placeName")}
    text = " ".join(_render([dateline], skip=skip, entities=False)[0].split())
    text = text.strip(" ,.;:")
    if not text:
        return None
    if re.search(r"\d", text) or _MONTH_WORD.search(text) or _UNDATED.search(text):
        return text
    return None  # a place outside <placeName>: "U. S. Steamer Massachusetts"


def _received_only_after(text: str) -> bool:
    """True when the dateline gives its own date before the '[Received ...]' note."""
    m = _RECEIVED.search(text)
    return bool(m and dates.parse_date(text[: m.start()]).known)


def _frus_head_date(doc: etree._Element) -> tuple[str, dates.DateInfo, str] | None:
    """The one day-precise date a FRUS head gives for its document (rule 4 of _frus_date):
    (the date as written, its interval, the head's words before it)."""
    head = next((c for c in doc if localname(c) == "head"), None)
    if head is None:
        return None
    text = _inline(head)
    found = dates.find_day_dates(text)
    if len(found) != 1:
        return None
    start, end, info = found[0]
    if _HEAD_TAIL.fullmatch(text[end:]) or _HEAD_LEAD.fullmatch(text[:start]):
        return text[start:end], info, text[:start]
    return None
