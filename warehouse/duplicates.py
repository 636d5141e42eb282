"""The same text twice: content fingerprints of documents and the canonical copy of each text.

Used by the warehouse build (build.py) over the staged documents' text. Rule in
docs/design-notes.md ("The same text twice").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence

# Characters two editions of one file may differ by without differing in text: the soft hyphen
# (a line-break hint), zero-width spaces and joiners, the word joiner and the byte-order mark.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
# Unicode whitespace (Python's \s: spaces, no-break and thin spaces, line and paragraph breaks)
_WHITESPACE = re.compile(r"\s+")

# A text shorter than this (normalised characters) identifies nothing: two Tate records may both
# read "Untitled. Graphite on paper." and are still two works. Such documents get no fingerprint.
MIN_CHARS = 200

RULE = "same text after NFC, invisible characters removed and whitespace collapsed"


def normalise_text(text: str) -> str:
    """The text as it is compared: NFC, no soft hyphens or zero-width marks, one space per run."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    return _WHITESPACE.sub(" ", text).strip()


def fingerprint(text: str | None, min_chars: int = MIN_CHARS) -> str | None:
    """sha256 (hex) of the normalised text; None when the text is shorter than `min_chars`."""
    if text is None:
        return None
    norm = normalise_text(text)
    if len(norm) < min_chars:
        return None
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def fingerprints(texts: Iterable[str | None], min_chars: int = MIN_CHARS) -> list[str | None]:
    """fingerprint() of each text, in order."""
    return [fingerprint(t, min_chars) for t in texts]


def canonical_order(
    collection: str, doc_id: str, collections: Sequence[str]
) -> tuple[int, str, str]:
    """Sort key of the canonical copy: registry order of the collection, then doc_id.

    Collections missing from `collections` come after the listed ones, alphabetically.
    """
    rank = collections.index(collection) if collection in collections else len(collections)
    return rank, collection, doc_id
