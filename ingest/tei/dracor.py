"""DraCor plays (https://dracor.org/doc/): dated events and DraCor's normalized year."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from lxml import etree

from ingest import dates
from ingest._xml import localname
from ingest.tei.common import NS, XML_ID, _first, _plausible, _publishers, _Sniff
from ingest.tei.render import _inline

logger = logging.getLogger(__name__)


PROFILE = "dracor"


def detect(s: _Sniff) -> bool:
    """DraCor's publisher or play id ("ger000001"), or a cast list with dated events."""
    h = s.header
    return h is not None and bool(
        "DraCor" in _publishers(h)
        or re.fullmatch(r"[a-z]{2,8}\d{6}", s.root_attrib.get(XML_ID, ""))
        or (s.next_sibling == "standOff" and h.xpath(".//t:particDesc", namespaces=NS))
        # DLINA-era plays (GerDraCor's first files): print/premiere/written dates in sourceDesc
        or (h.xpath(".//t:particDesc", namespaces=NS) and _header_events(h))
    )


def fields(
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
