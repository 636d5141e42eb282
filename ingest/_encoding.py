"""Encoding damage in decoded text: find mojibake, repair it with ftfy, describe what is not.

ftfy: https://ftfy.readthedocs.io/en/latest/config.html. Only its encoding fixes run here, and
only on text where mojibake is detected: ligatures, curly quotes, long s, full-width forms,
entities, control characters and Unicode normalisation are the source's own and stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

import ftfy
from ftfy.badness import is_bad

# UTF-8 bytes read as ISO-8859-1/cp1252 ("é" -> "Ã©"): a lead byte C2-F4 then continuation bytes.
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178"
    "\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]+"
)
# C1 controls (cp1252 punctuation decoded as Latin-1) and lone surrogates never belong in text.
_DAMAGE = re.compile("[\u0080-\u009f\ud800-\udfff]")
_ESCAPED = re.compile("[\udc80-\udcff]")
FTFY_VERSION = ftfy.__version__
_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=False,
    normalization=None,
    explain=True,
)


@dataclass(frozen=True)
class Repair:
    """What repair_text changed: characters of the new text, lines, and ftfy's steps."""

    n_chars: int
    n_lines: int
    steps: tuple[str, ...]  # e.g. ("encode:sloppy-windows-1252", "decode:utf-8")

    def describe(self) -> str:
        return f"ftfy {FTFY_VERSION}: {' '.join(self.steps)}"


def decodes_as_utf8(run: str) -> bool:
    """Whether a _MOJIBAKE run is UTF-8 bytes shown as cp1252/ISO-8859-1 characters."""
    try:
        run.encode("cp1252" if any(ord(c) > 0xFF for c in run) else "latin-1").decode("utf-8")
    except UnicodeError:
        return False
    return True


def find_mojibake(text: str, min_hits: int = 3) -> str | None:
    """The first few mojibake runs when `text` is mostly UTF-8 read as a single-byte encoding.

    At least `min_hits` runs that decode back to UTF-8, covering at least half of the non-ASCII
    characters: a French or German text decoded right never looks like that.
    """
    hits = [m.group() for m in _MOJIBAKE.finditer(text) if decodes_as_utf8(m.group())]
    if len(hits) < min_hits:
        return None
    covered = sum(map(len, hits))
    non_ascii = sum(1 for c in text if ord(c) > 0x7F)
    return " ".join(dict.fromkeys(hits[:5])) if covered * 2 >= non_ascii else None


def shows_damage(text: str) -> bool:
    """C1 controls or surrogates, mojibake by find_mojibake, or ftfy's badness test agrees.

    The first tests are cheap regexes; ftfy's badness scan of a whole novel takes ~0.15 s and
    is only run when they find a run that decodes (French "é »" with a no-break space does).
    """
    if _DAMAGE.search(text) or find_mojibake(text):
        return True
    suspect = "Ã" in text or any(decodes_as_utf8(m.group()) for m in _MOJIBAKE.finditer(text))
    return suspect and is_bad(text)


def repair_text(text: str) -> tuple[str, Repair | None]:
    """The text with its encoding damage repaired line by line, and what changed (None: nothing).

    Only text that shows_damage goes to ftfy, which changes a line only where it finds mojibake
    it can decode (or C1 controls, surrogates). ftfy judges each line alone: where the whole
    text is still mojibake by find_mojibake after it (a TCP text read as Latin-1 whose "ſ" is
    sometimes an entity: lines mixing "Å¿" and "ſ" look fine to ftfy), every run that decodes
    back to UTF-8 is decoded.
    """
    if text.isascii() or not shows_damage(text):
        return text, None
    lines = text.splitlines(keepends=True)
    fixed: list[str] = []
    steps: dict[str, None] = {}
    for line in lines:
        new, explanation = ftfy.fix_and_explain(line, _CONFIG)
        if new != line:
            steps.update((f"{step.action}:{step.parameter}", None) for step in explanation or ())
        fixed.append(new)
    if find_mojibake("".join(fixed)):
        decoded = [_MOJIBAKE.sub(decode_run, line) for line in fixed]
        if decoded != fixed:
            steps.setdefault("decode-runs:utf-8", None)
            fixed = decoded
    changed = [(a, b) for a, b in zip(lines, fixed, strict=True) if a != b]
    if not changed:
        return text, None
    n_chars = sum(count_changed(a, b) for a, b in changed)
    return "".join(fixed), Repair(n_chars, len(changed), tuple(steps))


def decode_run(match: re.Match[str]) -> str:
    """A _MOJIBAKE run decoded back to UTF-8, or as it is when it does not decode."""
    run = match.group()
    if not decodes_as_utf8(run):
        return run
    return run.encode("cp1252" if any(ord(c) > 0xFF for c in run) else "latin-1").decode("utf-8")


def count_changed(old: str, new: str, exact_up_to: int = 4000) -> int:
    """Characters of `new` that a change wrote (one line); a bare deletion counts one.

    Exact (difflib) between the first and the last difference when that span is short; beyond
    `exact_up_to` characters the whole span is counted, since difflib is quadratic there.
    """
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    a, b = old[start : len(old) - end], new[start : len(new) - end]
    if len(a) > exact_up_to or len(b) > exact_up_to:
        return len(b)
    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    # "Â«" -> "«" is a deletion on its own: count the one character it repairs
    return sum(max(j2 - j1, 1) for tag, _, _, j1, j2 in ops if tag != "equal")


def describe_undecodable(raw: bytes, encoding: str, limit: int = 5) -> str:
    """How many bytes of `raw` are not valid `encoding`, where the first ones are, and whether
    the file reads as cp1252 instead."""
    escaped = raw.decode(encoding, errors="surrogateescape")
    n_bad = len(_ESCAPED.findall(escaped))  # one lone surrogate per undecodable byte
    if not n_bad:
        return f"the bytes are valid {encoding}"
    offsets: list[int] = []
    pos = 0
    while pos < len(raw) and len(offsets) < limit:
        try:
            raw[pos:].decode(encoding)
            break
        except UnicodeDecodeError as exc:
            offsets.extend(range(pos + exc.start, pos + exc.end))
            pos += exc.end
    where = ", ".join(f"{i} (0x{raw[i]:02X})" for i in offsets[:limit])
    more = f" and {n_bad - limit} more" if n_bad > limit else ""
    detail = f"{n_bad} undecodable byte(s) at offsets {where}{more}; the file claims {encoding}"
    multibyte = len(escaped) < len(raw) - n_bad  # some non-ASCII bytes did decode
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig") and not multibyte:
        try:
            raw.decode("cp1252")
        except UnicodeDecodeError:
            return detail
        return f"{detail}, but every byte reads as cp1252 (Windows Latin-1): declare that"
    return detail
