"""FRUS volumes (https://history.state.gov/, https://github.com/HistoryAtState/frus):
one record per document, streamed; dates from datelines, document attributes or heads."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from ingest import dates
from ingest._xml import iterparse, localname
from ingest.record import Record, Reject
from ingest.tei.common import (
    FRUS_NS,
    NS,
    XML_ID,
    T,
    _apparatus_meta,
    _Context,
    _date_fields,
    _first,
    _plausible,
    _Sniff,
    _title,
)
from ingest.tei.render import _inline, _plain, _render

logger = logging.getLogger(__name__)


def _is_document(el: etree._Element) -> bool:
    return bool(el.get("type") == "document" or el.get("subtype") == "historical-document")


PROFILE = "frus"


def detect(s: _Sniff) -> bool:
    """The FRUS namespace, or a publicationStmt idno typed frus."""
    h = s.header
    return FRUS_NS in s.nsmap.values() or bool(
        h is not None
        and h.xpath("t:fileDesc/t:publicationStmt/t:idno[@type='frus']", namespaces=NS)
    )


def parse_volume(ctx: _Context, sniff: _Sniff) -> Iterator[Record | Reject]:
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
    # the volume's persons and terms lists (front matter), put on its next document only
    lists: dict[str, str] = {}
    # "frus1864p3", "frus1969-76v01": the volume's year places year-less datelines ("October
    # 12—3 p. m.") and flags a year impossible in it; the last dated document refines it
    year = re.match(r"frus(\d{4})", volume)
    context = ctx.date_context = dates.DateContext(year=int(year[1]) if year else None)
    page = ""  # the printed page the reading has reached (<pb n>): where a document starts
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
            page = _page_before(el, page)
            start = {"page_start": page} if page else {}
            item = _frus_document(ctx, el, volume, ordinal, chapter, meta_volume | lists | start)
            inner = [p.get("n") for p in el.iter(f"{T}pb") if p.get("n")]
            page = inner[-1] if inner else page
            if isinstance(item, Record):
                lists = {}
            if isinstance(item, Record) and item.date_start is not None:
                context = dataclasses.replace(context, previous=item.date_start)
                ctx.date_context = context
            yield item
        elif el.get(XML_ID) in ("persons", "terms"):
            found = read_persons(el) if el.get(XML_ID) == "persons" else read_terms(el)
            if found:
                lists[f"frus_{el.get(XML_ID)}"] = json.dumps(found, ensure_ascii=False)
        el.clear(keep_tail=True)
        while el.getprevious() is not None:
            del el.getparent()[0]
    logger.info("%s: %d FRUS documents", ctx.path.name, ordinal)


def _page_before(el: etree._Element, page: str) -> str:
    """The page a document starts on: the last <pb n> before it that is still in the tree
    (between documents, or earlier in its chapter), else the last page already read."""
    for node in (el, *el.iterancestors()):
        for sib in node.itersiblings(preceding=True):
            breaks = [sib] if localname(sib) == "pb" else list(sib.iter(f"{T}pb"))
            numbered = [b.get("n") for b in breaks if b.get("n")]
            if numbered:
                return " ".join(str(numbered[-1]).split())
    return page


def read_persons(div: etree._Element) -> list[list[str]]:
    """A FRUS "List of Principal Persons": [[xml:id, name, description], ...].

    "<item><persName xml:id="p_BND1">Baker, Newton D.</persName>, Secretary of War</item>" ->
    ["p_BND1", "Baker, Newton D.", "Secretary of War"]: the full names and offices behind the
    short forms of datelines and heads ("Baker", "the Secretary of War").
    """
    out: list[list[str]] = []
    for item in div.iter(f"{T}item"):
        pers = next(item.iter(f"{T}persName"), None)
        if pers is None:
            continue
        name = _inline(pers).rstrip(",")
        whole = _inline(item)
        rest = whole[len(name) :] if whole.startswith(name) else ""
        if name:
            out.append([pers.get(XML_ID) or "", name, rest.strip(" ,;:.")])
    return out


def read_terms(div: etree._Element) -> list[list[str]]:
    """A FRUS "List of Abbreviations and Terms": [[term, expansion], ...]."""
    out: list[list[str]] = []
    for item in div.iter(f"{T}item"):
        term = next(item.iter(f"{T}term"), None)
        if term is None:
            continue
        word = _inline(term)
        whole = _inline(item)
        rest = whole[len(word) :] if whole.startswith(word) else whole
        if word:
            out.append([word, rest.strip(" ,;:.")])
    return out


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
    fields.update(_frus_people(doc, head, meta))
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


def _frus_people(
    doc: etree._Element, head: etree._Element | None, meta: dict[str, str] | None = None
) -> dict[str, str | None]:
    """Sender and recipient of a FRUS document (their markup ids, where the head's elements
    carry @corresp, go to meta["sender_ids"] / meta["recipient_ids"], "; "-joined like them).

    1. the head's elements typed from/to (persName or gloss): "Mr. <persName type='from'>Seat
       </persName> to Mr. <persName type='to'>Gresham</persName>" -> Seat, Gresham;
    2. else the head's wording: "Memorandum by X" -> sender X; "X to Y" -> X, Y;
    3. else the sender is the document's own signature (closer/signed).
    """
    sender = recipient = None
    if head is not None:
        senders = [t for e in head.xpath(".//*[@type='from']") if (t := _inline(e))]
        recipients = [t for e in head.xpath(".//*[@type='to']") if (t := _inline(e))]
        for key, role in (("sender_ids", "from"), ("recipient_ids", "to")):
            ids = [
                e.get("corresp") or "" for e in head.xpath(f".//*[@type='{role}']") if _inline(e)
            ]
            if meta is not None and any(ids):
                meta[key] = "; ".join(ids)
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
            found = _date_fields(text or None, ctx.opts, when, meta, ctx.date_context)
            if found["date_start"] is None and when and text:
                printed_meta: dict[str, str] = {}
                printed = _date_fields(text, ctx.opts, None, printed_meta, ctx.date_context)
                if printed["date_start"] is not None:
                    meta["date_when"] = when
                    meta["date_flag"] = ",".join(
                        filter(None, ["when_not_understood", printed_meta.get("date_flag")])
                    )
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
        found = _date_fields(written, ctx.opts, None, meta, ctx.date_context)
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
