"""What both ALTO units (page files, METS issues) need: the root sniffed, local ids, dates in
folder and file names."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from pathlib import Path

from ingest._xml import (
    iterparse,
    localname,
)
from ingest.record import SourceError

logger = logging.getLogger(__name__)


_PATH_YMD = re.compile(r"(?<!\d)(1[4-9]\d{2}|20\d{2})-?(\d{2})-?(\d{2})(?!\d)")
_PATH_YEAR = re.compile(r"^(1[4-9]\d{2}|20\d{2})$")


def _sniff(path: Path) -> str | None:
    """Local name of the root element; None when the file is not well-formed from the start."""
    try:
        for _event, el in iterparse(path, events=("start",)):
            return localname(el)
    except (SourceError, OSError):
        return None
    return None


def _local_id(path: Path, root: Path) -> str:
    rel = Path(os.path.relpath(path, root)).as_posix()
    if rel == ".":
        return root.name
    return rel[:-4] if rel.lower().endswith(".xml") else rel


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
