"""ELTeC novels (https://distantreading.github.io/ELTeC/): first-edition date and imprint."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from lxml import etree

from ingest import dates
from ingest._xml import localname
from ingest.tei.common import NS, _date_fields, _first, _Sniff, _title
from ingest.tei.render import _inline

logger = logging.getLogger(__name__)


# ISBD area 4 written whole in <publisher>: "Place : Publisher, 1851"
_ISBD_IMPRINT = re.compile(r"^(?P<place>[^:,;]+?) : (?P<publisher>[^:]+?), \[?\d{4}\]?\.?$")

PROFILE = "eltec"

# ELTeC samples novels by the first edition's year in four time slots
# (https://distantreading.github.io/sampling_proposal.html); a few novels sit a few years outside
# theirs (ENG18970_Phillpots 1897 in T4, FRA00302_Aimard 1894 in T2), so the slot is widened by
# TIME_SLOT_MARGIN years: a date further out (a modern reprint read as the novel's date) is
# flagged "out_of_context" and not kept.
TIME_SLOTS = {"T1": (1840, 1859), "T2": (1860, 1879), "T3": (1880, 1899), "T4": (1900, 1920)}
TIME_SLOT_MARGIN = 20


def date_context(header: etree._Element) -> dates.DateContext | None:
    """The novel's ELTeC time slot as a date context (years allowed: the slot +- the margin)."""
    slot = _first(header, "t:profileDesc/t:textDesc/e:timeSlot")
    bounds = TIME_SLOTS.get((slot.get("key") or "").strip()) if slot is not None else None
    if bounds is None:
        return None
    first, last = bounds
    return dates.DateContext(year=first, window=(TIME_SLOT_MARGIN, last - first + TIME_SLOT_MARGIN))


def detect(s: _Sniff) -> bool:
    """ELTeC's encodingDesc/@n ("eltec-1") or any element in the ELTeC namespace."""
    h = s.header
    return h is not None and bool(
        h.xpath("t:encodingDesc[starts-with(@n, 'eltec')]", namespaces=NS)
        or h.xpath(".//e:*", namespaces=NS)
    )


def fields(
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
        context = date_context(header)
        fields.update(_date_fields(_inline(first) or None, opts, first.get("when"), meta, context))
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
