"""Historical date normalisation: dates as sources write them -> an interval with a precision.

Conventions follow EDTF (https://www.loc.gov/standards/datetime/) and RDA bracket usage:
- the first stated date: "1786 or 1800" is 1786 (approximate); "1850, published 1852",
  "2001, reproduced 2007", "1850, with additions 1852" are 1850/2001 (later events are not
  part of the interval); "1833 and 1836" and "c.1803, c.1805-10" still span every date named;
- open intervals have one open end: "before/vor/avant/ante 1850" has no start and ends
  1850-12-31, "after/nach/après/post 1850" and "1596 or after" start on 1 January and have no
  end; `year` is the stated year, the flag "before"/"after" names the open side, approximate;
  "c./circa/um/vers" are approximate, not open;
- "Nth century" is N-1 00..N-1 99 (catalogue use); "16th and 17th century", "XVIe-XVIIe
  siècle", "16./17. Jh." span both; "1858-12" and "[1871-03]" are a month, not a range;
- Roman numerals as title pages print them ("M. DCC. LXXXIX.", "M DCC LXXXIX", "CIƆ IƆ CC");
- a DateContext (volume or issue year, preceding document's date, the record's other dates)
  gives a day and month without a year its year ("year_from_context") and flags a year
  impossible there ("out_of_context", not kept); Old Style dates are left as written.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from convertdate import french_republican

from ingest._month_names import MONTH_NAMES

_MONTH_TABLE = Path(__file__).with_name("_month_names.py")

logger = logging.getLogger(__name__)

MIN_YEAR, MAX_YEAR = 1, 2100  # outside this a year is flagged implausible, not kept


@dataclass(frozen=True, slots=True)
class DateInfo:
    """A normalised date interval; `year` is the representative year used for binning.

    `start is None` means no usable date: either the text gave none (UNKNOWN) or it gave one
    that cannot be kept, in which case `flags` says why ("implausible_year", "impossible_date").
    Flags may also annotate a kept date ("roman_mismatch", "year_from_context") or say which end
    of it is open ("before": no start, "after": no end).
    """

    start: dt.date | None = None
    end: dt.date | None = None
    year: int | None = None
    precision: str | None = None  # day, month, year, decade, century, range
    approximate: bool = False
    flags: tuple[str, ...] = ()  # e.g. ("implausible_year",)

    @property
    def known(self) -> bool:
        """True when the interval is set (an open interval has one end only)."""
        return self.start is not None or self.end is not None

    def record_fields(self, date_text: str | None) -> dict[str, Any]:
        """The Record keyword arguments for this date."""
        return {
            "date_text": date_text,
            "date_start": self.start,
            "date_end": self.end,
            "year": self.year,
            "date_precision": self.precision,
            "date_approximate": self.approximate,
        }


@dataclass(frozen=True, slots=True)
class DateContext:
    """What a reader knows around a date: its volume's or issue's year, the preceding
    document's date, the record's other dates. Gives a year-less dateline its year and flags a
    year that is impossible there (`window`: years allowed before and after the anchor)."""

    year: int | None = None
    previous: dt.date | None = None
    others: tuple[int, ...] = ()
    window: tuple[int, int] = (150, 50)

    @property
    def anchor(self) -> int | None:
        """The year a date is checked against: the volume's, else the middle of the other
        dates, else the preceding date's."""
        if self.year is not None:
            return self.year
        if self.others:
            return sorted(self.others)[len(self.others) // 2]
        return self.previous.year if self.previous is not None else None

    def allows(self, year: int) -> bool:
        """False for a year impossible here (the 1670s, or a typed "0201", in an 1870s volume)."""
        anchor = self.anchor
        return anchor is None or anchor - self.window[0] <= year <= anchor + self.window[1]


UNKNOWN = DateInfo()
IMPLAUSIBLE = DateInfo(flags=("implausible_year",))
IMPOSSIBLE = DateInfo(flags=("impossible_date",))


def _mid_year(start: dt.date, end: dt.date) -> int:
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return (start.year + end.year) // 2
    return (start + (end - start) / 2).year


def from_dates(
    start: dt.date,
    end: dt.date,
    precision: str,
    *,
    approximate: bool = False,
    flags: tuple[str, ...] = (),
) -> DateInfo:
    """An interval between two dates (inclusive), checked against the plausible years."""
    if end < start:
        start, end = end, start
    if start.year < MIN_YEAR or end.year > MAX_YEAR:
        return IMPLAUSIBLE
    return DateInfo(start, end, _mid_year(start, end), precision, approximate, flags)


def from_years(
    first: int, last: int | None = None, *, approximate: bool = False, precision: str | None = None
) -> DateInfo:
    """An interval covering whole years `first`..`last`."""
    last = first if last is None else last
    if last < first:
        first, last = last, first
    if first < MIN_YEAR or last > MAX_YEAR:
        return IMPLAUSIBLE
    prec = precision or ("year" if first == last else "range")
    return DateInfo(
        dt.date(first, 1, 1), dt.date(last, 12, 31), (first + last) // 2, prec, approximate
    )


def from_ymd(
    year: int, month: int | None = None, day: int | None = None, *, approximate: bool = False
) -> DateInfo:
    """An interval for a year, a month or a day."""
    if not (MIN_YEAR <= year <= MAX_YEAR):
        return IMPLAUSIBLE
    if month is None:
        return from_years(year, approximate=approximate)
    if not 1 <= month <= 12:
        return IMPOSSIBLE
    last_day = calendar.monthrange(year, month)[1]
    if day is None:
        return DateInfo(
            dt.date(year, month, 1), dt.date(year, month, last_day), year, "month", approximate
        )
    if not 1 <= day <= last_day:
        return IMPOSSIBLE
    d = dt.date(year, month, day)
    return DateInfo(d, d, year, "day", approximate)


# --- Roman numerals -------------------------------------------------------------------------

_ROMAN = [
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
]
_ROMAN_ADDITIVE = [(1000, "m"), (500, "d"), (100, "c"), (50, "l"), (10, "x"), (5, "v"), (1, "i")]
_ROMAN_VALUE = {"m": 1000, "d": 500, "c": 100, "l": 50, "x": 10, "v": 5, "i": 1}


def format_roman(n: int, *, additive: bool = False) -> str:
    """1793 -> 'MDCCXCIII' (additive: 'MDCCLXXXXIII', as some early printers wrote)."""
    if not 0 < n < 4000:
        raise ValueError(f"{n} has no Roman numeral")
    out = []
    for value, letters in _ROMAN_ADDITIVE if additive else _ROMAN:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out).upper()


def parse_roman(text: str) -> int | None:
    """'MDCCXCIII', 'M.DCC.XCIII' or 'M DCC XCIII' -> 1793; None unless well-formed."""
    s = re.sub(r"[.\s]", "", text.lower())
    if not s or any(ch not in _ROMAN_VALUE for ch in s):
        return None
    total = 0
    for i, ch in enumerate(s):
        value = _ROMAN_VALUE[ch]
        total += -value if i + 1 < len(s) and _ROMAN_VALUE[s[i + 1]] > value else value
    if not 0 < total < 4000:
        return None
    # only canonical or purely additive spellings: 'mill' or 'civil' are words, not numbers
    if s.upper() in (format_roman(total), format_roman(total, additive=True)):
        return total
    return None


# --- French Republican calendar -------------------------------------------------------------

# Day arithmetic is convertdate's (https://convertdate.readthedocs.io/): its default rule puts
# 1 vendémiaire on the autumn equinox at Paris, as the decree of 4 frimaire an II did, which gives
# the sextile years III, VII and XI of the years the calendar was in use (I-XIV, until 10 nivôse
# an XIV = 31 December 1805). The Paris Commune dated by it again in 1871 (an LXXIX).
REPUBLICAN_YEARS = frozenset((*range(1, 15), 79))
REPUBLICAN_MONTHS = (
    "vendemiaire",
    "brumaire",
    "frimaire",
    "nivose",
    "pluviose",
    "ventose",
    "germinal",
    "floreal",
    "prairial",
    "messidor",
    "thermidor",
    "fructidor",
)


def republican_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """First and last Gregorian day of Republican year `year` (I-XIV or LXXIX)."""
    if year not in REPUBLICAN_YEARS:
        raise ValueError(f"Republican year {year} outside an I-XIV and an LXXIX")
    first = dt.date(*french_republican.to_gregorian(year, 1, 1))
    following = dt.date(*french_republican.to_gregorian(year + 1, 1, 1))
    return first, following - dt.timedelta(days=1)


def republican_to_gregorian(year: int, month: int, day: int) -> dt.date:
    """Gregorian date of `day` `month` an `year`; month 13 is the jours complémentaires."""
    first, last = republican_year_bounds(year)
    if not (1 <= month <= 13 and 1 <= day <= 30):
        raise ValueError(f"no day {day} in Republican month {month}")
    d = dt.date(*french_republican.to_gregorian(year, month, day))
    if d > last:  # convertdate rolls a sixth complementary day of a common year over
        raise ValueError(f"an {year} has no complementary day {day}")
    return d


# --- Month names ------------------------------------------------------------------------------

# Month names come from the Unicode CLDR through Babel (https://babel.pocoo.org/): every wide and
# abbreviated form, formatting and stand-alone, of the locales below; other languages give only
# their full names (their 3-letter abbreviations collide with words: Portuguese "out", Spanish
# "ago"). Matched on accent-folded lower case without the abbreviation dot.
MONTH_LOCALES = ("fr", "en", "de", "de_AT")
MONTH_FULL_NAME_LOCALES = ("it", "es", "pt", "nl")
# Forms CLDR does not give: 7bre/8bre/9bre/Xbre, the old French and English way of writing
# Septembre..Décembre (Latin septem, octo, novem, decem); "febr", "fev", the German transliteration
# "maerz". Left out: full names that are also common names in English and French texts.
_NOT_MONTHS = frozenset({"marco", "mayo"})  # Portuguese março, Spanish mayo: Marco, County Mayo
_HISTORIC_MONTHS = {
    1: "jan",
    2: "febr fev",
    3: "maerz",
    9: "sept 7bre 7ber",
    10: "8bre 8ber",
    11: "9bre 9ber",
    12: "xbre xber 10bre",
}


def fold_month(name: str) -> str:
    """Accent-folded, lower-case month name without its abbreviation dot ("Févr." -> "fevr")."""
    folded = unicodedata.normalize("NFD", name).encode("ascii", "ignore").decode()
    return folded.lower().strip(". ")


def month_names(
    locales: tuple[str, ...] = MONTH_LOCALES,
    full_name_locales: tuple[str, ...] = MONTH_FULL_NAME_LOCALES,
) -> dict[str, int]:
    """Folded month name -> month number from CLDR; a name two months share is left out."""
    import babel.dates  # only here: its locale data costs 11 MB in every process that keeps it

    found: dict[str, set[int]] = {}
    widths: list[tuple[str, tuple[Literal["wide", "abbreviated"], ...]]] = [
        (loc, ("wide", "abbreviated")) for loc in locales
    ]
    widths += [(loc, ("wide",)) for loc in full_name_locales]
    for loc, kinds in widths:
        for kind in kinds:
            for context in ("format", "stand-alone"):
                cldr = babel.dates.get_month_names(kind, context, locale=loc)
                for number, name in cldr.items():
                    found.setdefault(fold_month(name), set()).add(number)
    for number, historic in _HISTORIC_MONTHS.items():
        for name in historic.split():
            found.setdefault(name, set()).add(number)
    return {
        name: next(iter(n))
        for name, n in found.items()
        if len(n) == 1 and len(name) > 2 and name not in _NOT_MONTHS
    }


def write_month_table(path: Path = _MONTH_TABLE) -> None:
    """Regenerate ingest/_month_names.py from CLDR (`python -m ingest.dates`); a test checks
    that the committed table equals month_names() with the installed Babel."""
    names = month_names()
    lines = [
        '"""Folded month name -> month number, generated from the Unicode CLDR by',
        "`python -m ingest.dates` (ingest.dates.month_names); do not edit by hand.",
        "",
        "Kept as a table so that no process holds Babel's locale data (11 MB) to read dates.",
        '"""',
        "",
        "MONTH_NAMES: dict[str, int] = {",
        *(f'    "{name}": {number},' for name, number in sorted(names.items())),
        "}",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


_MONTH = "|".join(sorted(MONTH_NAMES, key=len, reverse=True))
_REP_MONTH = "|".join((*REPUBLICAN_MONTHS, r"jours? complementaires?", r"sans-?culottides"))

# --- Patterns over folded, lower-case text ----------------------------------------------------

_UNKNOWN_TEXT = re.compile(
    r"(date )?(not known|unknown)|no date|undated|n\.? ?d\.?|s\.? ?d\.?|sans date|"
    r"o\.? ?j\.?|ohne jahr|inconnue?|date inconnue|non date[e]?|\?+|-+"
)
_ISO = re.compile(r"^\s*(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T[\d:.+\-Z]*)?\s*([?~%]?)\s*$")
_ISO_INTERVAL = re.compile(r"^\s*(\d{4}(?:-\d{2}){0,2})\s*/\s*(\d{4}(?:-\d{2}){0,2})\s*$")
_DMY_NUMERIC = re.compile(r"^\s*(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\s*$")
# "07/2015", and German "10.1923" / "8.1923" (month.year, as LIDO displayDate writes it)
_MY_NUMERIC = re.compile(r"^\s*(\d{1,2})[/.]\s?(\d{4})\s*$")
# German day ranges in LIDO displayDate: "22.8.1923-1.10.1923"
_DMY_NUMERIC_RANGE = re.compile(
    r"^\s*(\d{1,2}\.\s?\d{1,2}\.\s?\d{4})\s*[-–/]\s*(\d{1,2}\.\s?\d{1,2}\.\s?\d{4})\s*$"
)
_APPROX = re.compile(
    r"(?<![a-z])(?:c|ca|ci|cca|circ)\.?\s*(?=[\d?\[])|\b(?:circa|vers|um|about|around|environ|"
    r"env|approx|approximately|probably|probablement|etwa|gegen|wohl)\b|\?|~|"
    r"\bor (?:later|earlier|after|before)\b|\b(?:or|ou|oder)\b"
)
# Tate: "1825, reprinted 1874", "1913, cast 1956": the first date is the making of the work; a
# later event is another date, not part of the interval.
_EVENT = re.compile(
    r"\b(?:first |later |posthumous )?(?:re-?printed|printed|published|cast|exhibited|engraved|"
    r"reworked|remade|replica|editioned|edition|enlarged|reconstructed|reconstruction|restored|"
    r"reassembled|assembled|re-?fabricated|repaired|annotated|dated|this version|reproduced|"
    r"reissued|(?:with )?additions|revised|retouched|gedruckt|publie|imprime|reimprime)\b"
)
_OPEN = re.compile(
    r"\b(not before|not after|nicht vor|nicht nach|pas avant|pas apres|after|before|by|nach|"
    r"vor|avant|apres|ante|post|bis)\s+(?:(?:the|dem|le|la|l'|of)\s*)?(?=c\.|ca\.|\?|\[|\d)"
)
# "1596 or after", "1831 or later", "1850 oder später", "1850 ou plus tard"
_OPEN_AFTER = re.compile(
    r"^\s*[,;]?\s*(?:or|ou|oder)\s+(later|after|plus tard|apres|spater|danach|before|earlier|"
    r"avant|fruher)\b"
)
_BEFORE_WORDS = frozenset(
    {
        "before",
        "by",
        "vor",
        "avant",
        "ante",
        "bis",
        "not after",
        "nicht nach",
        "pas apres",
        "earlier",
        "fruher",
    }
)

_QUAL_CENTURY = {
    "early": (0, 32),
    "beginning of the": (0, 32),
    "beginning of": (0, 32),
    "debut du": (0, 32),
    "debut": (0, 32),
    "anfang des": (0, 32),
    "fruhes": (0, 32),
    "fruhe": (0, 32),
    "mid": (33, 66),
    "mid-": (33, 66),
    "middle of the": (33, 66),
    "milieu du": (33, 66),
    "mitte des": (33, 66),
    "late": (67, 99),
    "end of the": (67, 99),
    "fin du": (67, 99),
    "ende des": (67, 99),
    "spates": (67, 99),
    "spate": (67, 99),
    "first half of the": (0, 49),
    "first half": (0, 49),
    "premiere moitie du": (0, 49),
    "1. halfte des": (0, 49),
    "erste halfte des": (0, 49),
    "second half of the": (50, 99),
    "second half": (50, 99),
    "seconde moitie du": (50, 99),
    "deuxieme moitie du": (50, 99),
    "2. halfte des": (50, 99),
    "zweite halfte des": (50, 99),
    "first quarter of the": (0, 24),
    "premier quart du": (0, 24),
    "last quarter of the": (75, 99),
    "dernier quart du": (75, 99),
    # Romanian, Italian, Spanish, Portuguese catalogues (INP Romania LIDO: "Începutul sec. XX")
    "inceputul": (0, 32),
    "mijlocul": (33, 66),
    "sfarsitul": (67, 99),
    "inizio del": (0, 32),
    "inizio": (0, 32),
    "meta del": (33, 66),
    "fine del": (67, 99),
    "principios del": (0, 32),
    "mediados del": (33, 66),
    "finales del": (67, 99),
    "inicio do": (0, 32),
    "meados do": (33, 66),
    "finais do": (67, 99),
}
_QUAL_DECADE = {
    "early": (0, 3),
    "mid": (4, 6),
    "mid-": (4, 6),
    "late": (7, 9),
    "debut des": (0, 3),
    "milieu des": (4, 6),
    "fin des": (7, 9),
    "anfang der": (0, 3),
    "mitte der": (4, 6),
    "ende der": (7, 9),
}
_QC = "|".join(re.escape(q) for q in sorted(_QUAL_CENTURY, key=len, reverse=True))
_QD = "|".join(re.escape(q) for q in sorted(_QUAL_DECADE, key=len, reverse=True))

_ATOMS: list[tuple[str, re.Pattern[str]]] = [
    (
        "republican",
        re.compile(
            rf"(?:(\d{{1,2}}|1er|premier)\s+)?(?:({_REP_MONTH})\s+)?(?:de\s+)?(?<![a-z])"
            r"(?:l['’]\s*)?an\s+([ivxl]+|\d{1,2})\b(?:\s+de\s+la\s+republique(?:\s+francaise)?)?"
        ),
    ),
    (  # several centuries: "16th and 17th century", "XVIe-XVIIe siècle", "16./17. Jh."
        "centuries",
        re.compile(
            r"(?<![a-z\d])(\d{1,2})(?:st|nd|rd|th)?\s*(?:and|or|to|-|/|&)\s*(\d{1,2})(?:st|nd|rd|th)"
            r"\s*(?:centuries|century|cent\.|c\b\.?)"
            r"|(?<![a-z\d])([ivxl]+|\d{1,2})(?:e|eme|er)?\s*(?:-|/|et|ou|au|a)\s*([ivxl]+|\d{1,2})"
            r"(?:e|eme)\s+(?:siecles?|s\.)"
            r"|(?<![a-z\d])(\d{1,2})\.?\s*(?:/|-|und|oder|bis)\s*(\d{1,2})\.\s*(?:jahrhundert\w*|jh\b\.?)"
        ),
    ),
    (
        "century",
        re.compile(
            rf"(?:({_QC})\s*)?(?:([ivxl]+)(?:e|eme|er)|(\d{{1,2}})(?:e|eme|er))\s+(?:siecle|s\.)"
            rf"|(?:({_QC})\s*)?(\d{{1,2}})(?:st|nd|rd|th)[\s-]*(?:century|centuries|cent\.|c\b\.?)"
            rf"|(?:({_QC})\s*)?(\d{{1,2}})\.\s*(?:jahrhundert\w*|jh\b\.?)"
            # Romance languages put the Roman number after the word: "secolul al XV-lea",
            # "sec. XX", "secolo XIX", "siglo XVIII", "s. XIX", "seculo XVII"
            # ("s." only before two or more numerals: "s.l." and "s.v." are not centuries)
            # and ranges of them ("sec. XVIII-XIX", "siglos XVI-XVII", "secolele XVIII-XIX");
            # Italian also writes the number first ("XIX secolo", "fine del XIX secolo")
            rf"|(?:({_QC})\s*)?(?<![a-z])(?:secolele|secolul|secol[oi]|siglos?|seculos?|sec\.|"
            r"s\.(?=\s*[ivx]{2}))(?:\s+al)?\s*([ivx]+)(?:-?lea|-?le)?"
            r"(?:\s*-\s*([ivx]+)(?:-?lea|-?le)?)?(?![a-z])"
            rf"|(?:({_QC})\s*)?(?<![a-z])([ivx]+)\s+secol[oi](?![a-z])"
        ),
    ),
    (
        "decade",
        re.compile(
            rf"(?:({_QD})\s*)?(?:(?:les\s+)?annees\s+(\d{{3}})0\b|(\d{{3}})0\s*(?:'?s\b|er\b(?:\s+jahre)?))"
        ),
    ),
    (
        "dmy",
        re.compile(
            rf"(?:the\s+)?\b(\d{{1,2}})(?:er|st|nd|rd|th|d|e)?\.?\s*(?:day\s+of\s+|of\s+|de\s+)?"
            rf"\b({_MONTH})\b\.?,?\s*(?:of\s+|de\s+|in\s+|a\.\s?d\.\s*)?(\d{{4}})(?!\d)"
        ),
    ),
    (
        "mdy",
        re.compile(
            # FRUS datelines as printed and OCRed: "March25, 1864", "Nov, 12, 1864", "July 13,.
            # 1864", "November 4 and 6, 1863", "May 11, (23,) 1861" and "November 20 (December
            # 2), 1897" (Old Style first, New Style in brackets: the first stated date), "March
            # 21, (?) 1897", "October 3, (1863.)"
            rf"\b({_MONTH})(?![a-z])\.?,?\s*(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th|d)?"
            r"(?:\s*(?:-|and|&)\s*(\d{1,2})(?:st|nd|rd|th|d)?)?"
            rf"(?:,?\s*\((?:(?:{_MONTH})\.?\s*)?\d{{1,2}},?\))?"
            r"\s*[,.]{0,2}\s*(?:\(\?\)\s*)?\(?(\d{4})(?!\d)"
        ),
    ),
    ("my", re.compile(rf"\b({_MONTH})\b\.?,?\s*(?:of\s+|de\s+)?(\d{{4}})(?!\d)")),
    ("ym", re.compile(rf"(?<!\d)(\d{{4}}),?\s+({_MONTH})\b")),
    # ISO dates inside longer text ("[1871-03]", "1871-03-15, Paris"): a month, not 1871-1903
    ("iso", re.compile(r"(?<![\d-])(\d{4})-(0[1-9]|1[0-2])(?:-([0-3]\d))?(?![\d])")),
    # library catalogues (AACR2, MARC 008) write unknown digits as "-" or "u": "[16--?]" is a
    # year of the 1600s, "168-" or "168u" one of the 1680s (TCP imprints, Evans, ESTC)
    (
        "unknown_digits",  # only bracketed, or the whole date: "p. 123-" is a page range
        re.compile(r"(?:^|\[)\s*(?:(1\d|20)(?:--|uu)|(1\d\d|20\d)[-u])\s*\??\s*(?:\]|$)"),
    ),
    (
        "years",
        re.compile(
            r"(\[\s*)?(?<!\d)(\d{4})(?!\d)(?:\s*(-|/|to|bis|a|au|or|ou|oder|till|until)\s*"
            r"(?:c\.\s*|\?\s*)?(\d{1,4})(?!\d)(?:\s*-\s*(\d{1,2})(?!\d))?)?"
        ),
    ),
    # title pages print points and spaces between the groups: "M. DCC. LXXXIX.", "M DCC XI"
    ("roman", re.compile(r"\b(m\.?(?:\s?[mdclxvi]\.?){2,})(?![a-z])")),
]
_JOINERS = re.compile(
    r"^[\s,;:.()\[\]?~-]*(?:(?:and|or|to|et|ou|und|oder|bis|a|au|till|until)"
    r"[\s,;:.()\[\]?~-]*)?(?:c\.|ca\.|circa|vers|um)?[\s?]*$"
)


@dataclass(frozen=True, slots=True)
class _Atom:
    kind: str
    start: int
    end: int
    info: DateInfo
    bracketed: bool = False


# apostrophic numerals of old title pages: CIↃ = 1000, IↃ = 500 ("CIƆ IƆ CC" = 1700)
_APOSTROPHIC_M = re.compile(r"C\s?I\s?[ƆↃɔↄ]", re.IGNORECASE)
_APOSTROPHIC_D = re.compile(r"(?<![CcIi])I\s?[ƆↃɔↄ]", re.IGNORECASE)


def _fold(text: str) -> str:
    if any(ch in text for ch in "ƆↃɔↄ"):
        text = _APOSTROPHIC_D.sub("D", _APOSTROPHIC_M.sub("M", text))
    s = unicodedata.normalize("NFD", text)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    s = re.sub(r"[–—‒−‐]", "-", s).replace("\\", "").replace("’", "'")
    return re.sub(r"\s+", " ", s).strip()


def _expand_short(first: int, tail: str) -> int:
    """'1859-61' -> 1861, '1823-4' -> 1824, '1899-01' -> 1901 (a short second year)."""
    if len(tail) >= 4:
        return int(tail)
    last = int(str(first)[: 4 - len(tail)] + tail)
    return last + 10 ** len(tail) if last < first else last


def _century(number: int, qualifier: str | None) -> DateInfo:
    """The 17th century as 1600-1699 (catalogue use), narrowed by early/mid/late and halves."""
    if not 1 <= number <= 21:
        return IMPLAUSIBLE
    base = (number - 1) * 100
    lo, hi = _QUAL_CENTURY[qualifier] if qualifier else (0, 99)
    return from_years(
        max(base + lo, MIN_YEAR), base + hi, approximate=qualifier is not None, precision="century"
    )


def _atom_info(kind: str, m: re.Match[str]) -> DateInfo:
    g = m.groups()
    if kind == "republican":
        an = parse_roman(g[2]) if not g[2].isdigit() else int(g[2])
        if an is None or an < 1:
            return UNKNOWN
        if an not in REPUBLICAN_YEARS:
            return DateInfo(flags=("unsupported_calendar",))
        month = None
        if g[1]:
            month = REPUBLICAN_MONTHS.index(g[1]) + 1 if g[1] in REPUBLICAN_MONTHS else 13
        if month and g[0]:
            day = 1 if g[0] in ("1er", "premier") else int(g[0])
            try:
                d = republican_to_gregorian(an, month, day)
            except ValueError:
                return IMPOSSIBLE
            return from_dates(d, d, "day")
        if month:
            month_start = republican_to_gregorian(an, month, 1)
            month_end = (
                republican_year_bounds(an)[1] if month == 13 else month_start + dt.timedelta(29)
            )
            return from_dates(month_start, month_end, "month")
        return from_dates(*republican_year_bounds(an), "year")
    if kind == "centuries":
        a_text, b_text = next((g[i], g[i + 1]) for i in (0, 2, 4) if g[i])
        n_first = int(a_text) if a_text.isdigit() else parse_roman(a_text)
        n_last = int(b_text) if b_text.isdigit() else parse_roman(b_text)
        if not n_first or not n_last or n_last <= n_first:
            return UNKNOWN
        first_c, last_c = _century(n_first, None), _century(n_last, None)
        if first_c.start is None or last_c.end is None:
            return IMPLAUSIBLE
        return from_years(first_c.start.year, last_c.end.year, precision="century")
    if kind == "iso":
        year, month = int(g[0]), int(g[1])
        if g[2]:
            return from_ymd(year, month, int(g[2]))
        # "1858-12" is December 1858; "1805-06" stays the range 1805-1806
        return from_ymd(year, month) if month < year % 100 else UNKNOWN
    if kind == "century":
        if g[1] or g[2]:
            number = parse_roman(g[1]) if g[1] else int(g[2])
            return _century(number, g[0]) if number else UNKNOWN
        if g[4]:
            return _century(int(g[4]), g[3])
        if g[6]:
            return _century(int(g[6]), g[5])
        if g[11]:  # "XIX secolo"
            number = parse_roman(g[11])
            return _century(number, g[10]) if number else UNKNOWN
        first, last = parse_roman(g[8]), parse_roman(g[9]) if g[9] else None
        if not first:
            return UNKNOWN
        if last and last > first:  # "sec. XVIII-XIX": from the first century to the end of the last
            a, b = _century(first, g[7]), _century(last, None)
            if a.start is None or b.end is None:
                return a if a.start is None else b
            return from_years(
                a.start.year, b.end.year, approximate=a.approximate, precision="century"
            )
        return _century(first, g[7])
    if kind == "decade":
        start = int(g[1] or g[2]) * 10
        lo, hi = _QUAL_DECADE[g[0]] if g[0] else (0, 9)
        return from_years(start + lo, start + hi, approximate=g[0] is not None, precision="decade")
    if kind == "dmy":
        return from_ymd(int(g[2]), MONTH_NAMES[g[1]], int(g[0]))
    if kind == "mdy":
        span_start = from_ymd(int(g[3]), MONTH_NAMES[g[0]], int(g[1]))
        if not g[2] or span_start.start is None:
            return span_start
        # FRUS "June 5–17, 1864": a span of days within one month
        span_end = from_ymd(int(g[3]), MONTH_NAMES[g[0]], int(g[2]))
        if span_end.start is None or span_end.start < span_start.start:
            return IMPOSSIBLE if span_end.start is None else span_start
        return from_dates(span_start.start, span_end.start, "range")
    if kind == "my":
        return from_ymd(int(g[1]), MONTH_NAMES[g[0]])
    if kind == "ym":
        return from_ymd(int(g[0]), MONTH_NAMES[g[1]])
    if kind == "unknown_digits":
        if g[0]:
            return from_years(int(g[0]) * 100, int(g[0]) * 100 + 99, precision="century")
        return from_years(int(g[1]) * 10, int(g[1]) * 10 + 9, precision="decade")
    if kind == "years":
        first = int(g[1])
        if g[3] is None:
            return from_years(first)
        if g[2] in ("or", "ou", "oder"):  # "1786 or 1800", "1831 or 2": the first stated date
            return from_years(first, approximate=True)
        last = _expand_short(first, g[3])
        if g[4] and len(g[3]) == 4:
            # Tate "1794–c.1830–5": begun 1794, finished at some time in c.1830–1835
            last = _expand_short(last, g[4])
        return from_years(first, last)
    value = parse_roman(g[0])  # roman
    return from_years(value) if value and value >= 1000 else UNKNOWN


def _find_atoms(s: str) -> list[_Atom]:
    taken = [False] * len(s)
    atoms = []
    for kind, pattern in _ATOMS:
        for m in pattern.finditer(s):
            a, b = m.span()
            if a == b or any(taken[a:b]):
                continue
            info = _atom_info(kind, m)
            if info == UNKNOWN:
                continue
            for i in range(a, b):
                taken[i] = True
            bracketed = kind == "years" and (m.group(1) is not None or s[b : b + 2].startswith("]"))
            atoms.append(_Atom(kind, a, b, info, bracketed))
    return sorted(atoms, key=lambda at: at.start)


def _drop_roman(atoms: list[_Atom]) -> tuple[list[_Atom], tuple[str, ...]]:
    """'MDCCXCIII. [1793]': prefer the arabic (often bracketed, supplied) year, check both agree."""
    roman = [a for a in atoms if a.kind == "roman"]
    arabic = [a for a in atoms if a.kind == "years"]
    if not roman or not arabic:
        return atoms, ()
    preferred = [a for a in arabic if a.bracketed] or arabic
    same = {a.info.year for a in roman} <= {a.info.year for a in preferred}
    kept = [a for a in atoms if a.kind != "roman"]
    return kept, () if same else ("roman_mismatch",)


def states_unknown(text: str) -> bool:
    """True for a text that says there is no date ("date not known", "n.d.", "s.d.", "?")."""
    return bool(_UNKNOWN_TEXT.fullmatch(_fold(text).strip(" .[]()")))


def _parse_free(s: str) -> DateInfo:
    """`s` is the text already folded (_fold)."""
    if _UNKNOWN_TEXT.fullmatch(s.strip(" .[]()")):
        return UNKNOWN
    # keep the first stretch of text that holds a date; later event clauses are other dates
    segments, last = [], 0
    for m in _EVENT.finditer(s):
        segments.append(s[last : m.start()])
        last = m.start()
    segments.append(s[last:])
    atoms: list[_Atom] = []
    segment = s
    for segment in segments:
        atoms = _find_atoms(segment)
        if atoms:
            break
    if not atoms:
        return UNKNOWN
    atoms, flags = _drop_roman(atoms)
    bad = [a.info for a in atoms if a.info.start is None]
    if bad:
        return bad[0]
    approximate = bool(_APPROX.search(segment)) or any(a.info.approximate for a in atoms)
    if len(atoms) > 1 and re.fullmatch(
        r"[\s,;]*(?:or|ou|oder)[\s,;]*(?:c\.|ca\.|circa|vers|um)?\s*",
        segment[atoms[0].end : atoms[1].start],
    ):
        atoms = atoms[:1]  # "March 1850 or April 1851": the first stated date
    open_end = _OPEN.search(segment[: atoms[0].start + 3])
    open_after = _OPEN_AFTER.match(segment[atoms[0].end :]) if len(atoms) == 1 else None
    side = open_end[1] if open_end else open_after[1] if open_after else None
    if side is not None:
        flags += ("before",) if side in _BEFORE_WORDS else ("after",)
        approximate = True
    starts = [a.info.start for a in atoms if a.info.start]
    ends = [a.info.end for a in atoms if a.info.end]
    start, end = min(starts), max(ends)
    single = [a for a in atoms if (a.info.start, a.info.end) == (start, end)]
    precision = single[0].info.precision if single else "range"
    if precision is None:  # pragma: no cover - every atom sets a precision
        precision = "range"
    info = from_dates(start, end, precision, approximate=approximate, flags=flags)
    if info.start is not None and "before" in flags:  # one open end: no start
        return DateInfo(None, info.end, info.year, info.precision, True, info.flags)
    if info.start is not None and "after" in flags:  # one open end: no end
        return DateInfo(info.start, None, info.year, info.precision, True, info.flags)
    return info


_YEARLESS = (
    re.compile(rf"\b({_MONTH})\b\.?\s+(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th|d)?(?!\d)"),
    re.compile(
        rf"(?<!\d)(\d{{1,2}})(?:er|st|nd|rd|th|d|e)?\.?\s*(?:day\s+of\s+|of\s+|de\s+)?\b({_MONTH})\b"
    ),
)


def _parse_yearless(folded: str, context: DateContext) -> DateInfo:
    """A day and month without a year ("October 12—3 p. m.", "12 octobre"): the year is the
    one that puts it nearest the preceding document's date, else the volume's year."""
    for i, pattern in enumerate(_YEARLESS):
        m = pattern.search(folded)
        if not m:
            continue
        month, day = (MONTH_NAMES[m[1]], int(m[2])) if i == 0 else (MONTH_NAMES[m[2]], int(m[1]))
        prev = context.previous
        years = (prev.year - 1, prev.year, prev.year + 1) if prev else (context.anchor,)
        found = [from_ymd(y, month, day) for y in years if y is not None]
        found = [f for f in found if f.start is not None]
        if not found:
            return IMPOSSIBLE
        if prev is not None:
            found.sort(key=lambda f: abs((f.start - prev).days) if f.start else 0)
        best = found[0]
        return DateInfo(
            best.start, best.end, best.year, "day", best.approximate, ("year_from_context",)
        )
    return UNKNOWN


# Years before the Christian era: a Python date cannot hold them, so the date is flagged "bce"
# (never read as the same year AD): "83 a.Chr.", "44 BC", "av. J.-C.", "v. Chr.", "î.Hr."
_BCE = re.compile(
    # after a number or a century (Arabic or Roman, or the century word), so that "Victoria,
    # B.C., May 4, 1898" stays a date: "83 a.Chr.", "sec. V î.Hr.", "siglo IV a.C.", "44 BC"
    r"(?:\d|(?<![a-z])[ivxl]+(?:-?lea|-?le)?|siecle|century|jahrhundert|jh\.)\s*,?\s*"
    r"(?:a\.?\s?chr\b|ante\s+christum|b\.?\s?c\.?(?:e\.?)?(?![a-z])|before\s+christ|"
    r"av(?:ant|\.)\s*j\.?-?\s?c\b|v\.\s?chr\b|vor\s+christus|i\.\s?hr\b|i\.\s?e\.\s?n\b|"
    r"a\.\s?c(?![a-z]))"
)


# Early years AD written with their era, where a 1-3 digit number alone would be ambiguous:
# "211-244 n. Chr." (a Roman coin, Uni Köln), "um 250 n. Chr.", "A.D. 410", "476 AD", "sec. I d.Hr."
_AD = re.compile(
    r"^(?:(um|ca\.?|c\.|circa|vers)\s*)?(?:a\.?\s?d\.?\s+)?(\d{1,4})"
    r"(?:\s*(?:-|bis|to|a)\s*(\d{1,4}))?"
    r"\s*(n\.\s?chr\.?|nach\s+christus|a\.?\s?d\.?|d\.\s?hr\.?|apr(?:es|\.)\s*j\.?-?\s?c\.?|"
    r"d\.\s?c\.?)?$"
)


def _parse_ad(folded: str) -> DateInfo | None:
    m = _AD.match(folded)
    if not m or not (m[4] or folded.startswith(("a.d", "ad "))):
        return None  # no era written: left to the general rules
    first, last = int(m[2]), int(m[3]) if m[3] else None
    if last is not None and last < first:
        return None
    return from_years(first, last, approximate=bool(m[1]))


def _parse_text(text: str) -> DateInfo:
    folded = _fold(text)
    if _BCE.search(folded):
        return DateInfo(flags=("bce",))
    ad = _parse_ad(folded)
    if ad is not None:
        return ad
    m = _ISO.match(text)
    if m:
        if m[1].startswith("-") and int(m[1]) < 0:  # ISO 8601 / EDTF "-0500": 501 BC
            return DateInfo(flags=("bce",))
        y, mo, d = int(m[1]), m[2] and int(m[2]), m[3] and int(m[3])
        return from_ymd(y, mo or None, d or None, approximate=bool(m[4]))
    m = _ISO_INTERVAL.match(text)
    if m:
        a, b = _parse_text(m[1]), _parse_text(m[2])
        if a.start is None or b.start is None or b.end is None:
            return a if a.start is None else b
        if a.start == dt.date(a.start.year, 1, 1) and a.precision == b.precision == "year":
            return from_years(a.start.year, b.start.year)
        return from_dates(a.start, b.end, "range")
    m = _DMY_NUMERIC.match(text)
    if m:
        return from_ymd(int(m[3]), int(m[2]), int(m[1]))
    m = _DMY_NUMERIC_RANGE.match(text)
    if m:
        a, b = _parse_text(m[1]), _parse_text(m[2])
        if a.start is None or b.end is None:
            return a if a.start is None else b
        return from_dates(a.start, b.end, "range")
    m = _MY_NUMERIC.match(text)
    if m:
        return from_ymd(int(m[2]), int(m[1]))
    return _parse_free(folded)


def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFD", ch)[:1] or ch
    low = base.lower()
    low = low if len(low) == 1 else base
    if low in "–—‒−‐":
        return "-"
    return "'" if low == "’" else " " if low.isspace() else low


def find_day_dates(text: str) -> list[tuple[int, int, DateInfo]]:
    """Dates written to the day in free text ("January 31, 1919", "the 15th day of June, 1872",
    "14 mars 1859", "April 10–11, 1930"): (start, end, info), offsets into `text`."""
    # a one-to-one fold keeps the offsets of the source text
    folded = "".join(_fold_char(ch) for ch in text)
    out = []
    for atom in _find_atoms(folded):
        if atom.kind in ("dmy", "mdy") and atom.info.start is not None:
            out.append((atom.start, atom.end, atom.info))
    return out


def parse_date(
    text: str | None,
    *,
    plausible: tuple[int, int] | None = None,
    context: DateContext | None = None,
) -> DateInfo:
    """Normalise a date as a source wrote it; UNKNOWN (all None) when nothing is recognised.

    Args:
        text: the date as written ("c.1799", "15 brumaire an VIII", "XVIIe siècle"...).
        plausible: (first, last) years a caller accepts; dates outside are flagged
            "implausible_year" and lose their interval (FRUS: a typed "0201" for 1920).
        context: what the reader knows around the date (volume year, preceding date): a
            day and month without a year take their year from it ("year_from_context"), and
            a year impossible in it is flagged "out_of_context" and not kept.
    """
    if text is None or not text.strip():
        return UNKNOWN
    try:
        info = _parse_text(text)
        if context is not None and not info.known and not info.flags:
            info = _parse_yearless(_fold(text), context)
    except (ValueError, OverflowError, KeyError) as exc:  # a defect here must not stop ingest
        logger.warning("date %r not understood: %s", text, exc)
        return DateInfo(flags=("unparsed",))
    first = info.start or info.end
    last = info.end or info.start
    if (
        plausible
        and first
        and last
        and not (plausible[0] <= first.year <= last.year <= plausible[1])
    ):
        return IMPLAUSIBLE
    if (
        context is not None
        and first
        and last
        and not (context.allows(first.year) and context.allows(last.year))
    ):
        return DateInfo(flags=(*info.flags, "out_of_context"))
    return info


if __name__ == "__main__":
    write_month_table()
    print(f"wrote {_MONTH_TABLE}")
