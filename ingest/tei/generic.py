"""Any other TEI file: the source's own date, else its creation or publication date."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from lxml import etree

from ingest.tei.common import _date_fields, _first
from ingest.tei.render import _inline

logger = logging.getLogger(__name__)


PROFILE = "generic"


def fields(
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
