"""Reading text of TEI elements: layout, notes, gaps, choices and markup entities."""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from ingest._xml import localname

logger = logging.getLogger(__name__)


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
    spans: list[tuple[int, int, str, str | None]] = field(default_factory=list)
    # the markup id (@corresp, @ref, @key) of each entity result() returns, in the same order
    entity_ids: list[str | None] = field(default_factory=list)
    # where the reading text crosses a page (<pb n>) or opens a chapter (<div> with a <head>):
    # [kind, value, offset of the next character emitted] (offset None until it is emitted)
    marks: list[list[Any]] = field(default_factory=list)

    def mark(self, kind: str, value: str) -> None:
        self.marks.append([kind, value, None])

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
        for m in self.marks:
            if m[2] is None:
                m[2] = self.length
        self.parts.append(piece)
        self.length += len(piece)

    def brk(self, level: int) -> None:
        if self.same_line and level > 1:
            self.same_line = False
            level = 1
        self.pending = max(self.pending, level)
        self.glue = False

    def open_entity(self, label: str, ref: str | None = None) -> None:
        self.stack.append([label, None, ref])

    def close_entity(self) -> None:
        label, start, ref = self.stack.pop()
        if start is not None and self.length > start:
            self.spans.append((start, self.length, label, ref))

    def result(self) -> tuple[str, list[list[Any]]]:
        text = "".join(self.parts)
        entities: list[list[Any]] = []
        self.entity_ids = []
        for start, end, label, ref in sorted(self.spans, key=lambda s: s[:3]):
            # the source often puts the following comma inside the name element
            while end > start and text[end - 1] in ",;: ":
                end -= 1
            while start < end and text[start] in "([ ":
                start += 1
            if end > start:
                entities.append([text[start:end], label, start, end])
                self.entity_ids.append(ref)
        return text, entities


@dataclass
class _Apparatus:
    """What the renderer set aside or counted instead of putting into the reading text."""

    notes: list[str] = field(default_factory=list)
    gaps: Counter[str] = field(default_factory=Counter)
    n_eol_hyphens: int = 0
    n_abbr_marks: int = 0
    entity_ids: list[str | None] = field(default_factory=list)  # aligned with the entities
    # [offset, page @n] of each <pb/> and [offset, head] of each chapter, in text order
    page_breaks: list[list[Any]] = field(default_factory=list)
    chapters: list[list[Any]] = field(default_factory=list)


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
            if name == "pb":  # the page as printed, else the image it is on (TCP, EEBO)
                n = " ".join((el.get("n") or "").split())
                facs = " ".join((el.get("facs") or "").split())
                self.out.mark("page", n or (f"facs {facs}" if facs else ""))
            self.out.add(el.tail)
            return
        if name == "div" and self.entities:
            head = next((c for c in el if localname(c) == "head"), None)
            if head is not None and id(head) not in self.skip and _plain(head):
                self.out.mark("chapter", " ".join(_plain(head).split())[:200])
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
            ref = el.get("corresp") or el.get("ref") or el.get("key")
            self.out.open_entity(label, " ".join(ref.split()) if ref else None)
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
    r.app.entity_ids = r.out.entity_ids
    for kind, value, offset in r.out.marks:
        if offset is None or offset >= len(text):  # a mark after the last word: no page
            continue
        found = r.app.page_breaks if kind == "page" else r.app.chapters
        if found and found[-1][0] == offset:  # two breaks before one word: the last holds it
            found.pop()
        found.append([offset, value])
    return text, ents, r.app
