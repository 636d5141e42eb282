"""The box of one word on an ALTO page, for the document view.

The warehouse keeps each page's size, image and ALTO path but not word coordinates, so the box
is read from the ALTO file when it is at hand (under the raw folder). The word is found by
order: the n-th occurrence of the word in the page's text before the passage is the n-th
String element with that content. Coordinates are returned as fractions of the page, so the
ALTO's MeasurementUnit (pixel, mm10, inch1200) does not matter.
ALTO: https://www.loc.gov/standards/alto/
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest._xml import parse_xml
from ingest.record import SourceError

_WORD = re.compile(r"\w+", re.UNICODE)


def norm(word: str) -> str:
    return "".join(_WORD.findall(word.casefold()))


def find_box(
    path: Path, page_text: str, offset: int, word: str
) -> tuple[dict[str, float] | None, str]:
    """(box as fractions x, y, w, h of the page, note) of the word at `offset` in page_text."""
    target = norm(word.split()[0]) if word.split() else ""
    if not target:
        return None, "no word box: the passage has no letters to look for"
    before = sum(1 for w in page_text[:offset].split() if norm(w) == target)
    try:
        tree = parse_xml(path)
    except SourceError as exc:
        return None, f"no word box: the ALTO file could not be read ({exc})"
    root = tree.getroot()
    page = next((el for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "Page"), None)
    try:
        page_w = float(page.get("WIDTH")) if page is not None else 0.0
        page_h = float(page.get("HEIGHT")) if page is not None else 0.0
    except (TypeError, ValueError):
        page_w = page_h = 0.0
    if page_w <= 0 or page_h <= 0:
        return None, "no word box: the ALTO page has no size"
    seen = 0
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] != "String":
            continue
        content = el.get("SUBS_CONTENT") or el.get("CONTENT") or ""
        if norm(content) != target:
            continue
        if seen == before:
            try:
                x, y = float(el.get("HPOS", "")), float(el.get("VPOS", ""))
                w, h = float(el.get("WIDTH", "")), float(el.get("HEIGHT", ""))
            except ValueError:
                return None, "no word box: the ALTO String has no coordinates"
            box = {"x": x / page_w, "y": y / page_h, "w": w / page_w, "h": h / page_h}
            return box, f"word box read from {path.name} (occurrence {before + 1} on the page)"
        seen += 1
    return None, f"no word box: {word!r} not found {before + 1} times in {path.name}"
