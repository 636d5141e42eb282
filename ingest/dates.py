"""Historical date normalisation: free-text dates to an interval with a precision.

First version: ISO partial dates, bare years, year ranges and circa markers.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

MIN_YEAR, MAX_YEAR = 1, 2100  # outside this a year is flagged implausible, not kept


@dataclass(frozen=True, slots=True)
class DateInfo:
    """A normalised date interval; `year` is the representative year used for binning."""

    start: dt.date | None = None
    end: dt.date | None = None
    year: int | None = None
    precision: str | None = None  # day, month, year, decade, century, range
    approximate: bool = False
    flags: tuple[str, ...] = ()  # e.g. ("implausible_year",)

    def record_fields(self, date_text: str | None) -> dict[str, Any]:
        """The Record keyword arguments for this date."""
        return {"date_text": date_text, "date_start": self.start, "date_end": self.end,
                "year": self.year, "date_precision": self.precision,
                "date_approximate": self.approximate}


UNKNOWN = DateInfo()


def from_years(first: int, last: int | None = None, *, approximate: bool = False,
               precision: str | None = None) -> DateInfo:
    """An interval covering whole years `first`..`last`."""
    last = first if last is None else last
    if last < first:
        first, last = last, first
    if not (MIN_YEAR <= first and last <= MAX_YEAR):
        return DateInfo(flags=("implausible_year",))
    prec = precision or ("year" if first == last else "range")
    return DateInfo(dt.date(first, 1, 1), dt.date(last, 12, 31), (first + last) // 2, prec,
                    approximate)


def from_ymd(year: int, month: int | None = None, day: int | None = None, *,
             approximate: bool = False) -> DateInfo:
    """An interval for a year, a month or a day."""
    if not (MIN_YEAR <= year <= MAX_YEAR):
        return DateInfo(flags=("implausible_year",))
    if month is None:
        return from_years(year, approximate=approximate)
    if not 1 <= month <= 12:
        return DateInfo(flags=("impossible_date",))
    last_day = calendar.monthrange(year, month)[1]
    if day is None:
        return DateInfo(dt.date(year, month, 1), dt.date(year, month, last_day), year, "month",
                        approximate)
    if not 1 <= day <= last_day:
        return DateInfo(flags=("impossible_date",))
    d = dt.date(year, month, day)
    return DateInfo(d, d, year, "day", approximate)


_ISO = re.compile(r"^\s*(-?\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:T[\d:.+\-Z]*)?\s*$")
_CIRCA = re.compile(r"\b(?:c\.|ca\.?|circa|vers|um|about|env\.?)\s*|\?", re.IGNORECASE)
_RANGE = re.compile(r"(?<!\d)(\d{4})\s*(?:-|–|—|/|to|bis|à)\s*(\d{2,4})(?!\d)")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def parse_date(text: str | None) -> DateInfo:
    """Normalise a date as a source wrote it; UNKNOWN (all None) when nothing is recognised."""
    if text is None or not text.strip():
        return UNKNOWN
    approximate = bool(_CIRCA.search(text)) or "[" in text
    m = _ISO.match(text)
    if m:
        y, mo, d = int(m[1]), m[2] and int(m[2]), m[3] and int(m[3])
        return from_ymd(y, mo or None, d or None, approximate=approximate)
    m = _RANGE.search(text)
    if m:
        first, last = m[1], m[2]
        if len(last) == 2:
            last = first[:2] + last
        return from_years(int(first), int(last), approximate=approximate)
    m = _YEAR.search(text)
    if m:
        return from_years(int(m[1]), approximate=approximate)
    return UNKNOWN
