"""Text helpers shared by adapters: whitespace and line-end hyphenation."""

from __future__ import annotations

import re

_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
_BLANKS = re.compile(r"\n\s*\n+")
# A word broken at the end of a line: "gou-\nvernement" -> "gouvernement". Only letters on both
# sides; "¬" and "⸗" are the hyphen marks of German/Fraktur printing and some ground truths.
_EOL_HYPHEN = re.compile(r"(\w)[-¬⸗]\n(\w)")


def normalise_space(text: str) -> str:
    """Collapse runs of spaces, keep paragraph breaks as one blank line, strip the ends."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n")]
    joined = "\n".join(lines)
    return _BLANKS.sub("\n\n", joined).strip()


def join_eol_hyphens(text: str) -> str:
    """Join words hyphenated across a line break (text must keep its line breaks)."""
    return _EOL_HYPHEN.sub(r"\1\2", text)
