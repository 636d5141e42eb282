"""The same text twice: content fingerprints of documents and the canonical copy of each text.

Used by the warehouse build (build.py) over the staged documents' text. Rule in
docs/design-notes.md ("The same text twice").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Characters two editions of one file may differ by without differing in text: the soft hyphen
# (a line-break hint), zero-width spaces and joiners, the word joiner and the byte-order mark.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
# Unicode whitespace (Python's \s: spaces, no-break and thin spaces, line and paragraph breaks)
_WHITESPACE = re.compile(r"\s+")

# A text shorter than this (normalised characters) identifies nothing ("[…]", an empty page);
# such documents get no fingerprint. The shortest FRUS telegram of the bench has 80 characters.
MIN_CHARS = 50
# Kinds whose text is a catalogue description, not the work: distinct objects share it (2,379
# of Tate's 68,092 records have the very text of another, e.g. 32 pages of one Turner
# sketchbook). Their fingerprint adds the record's own id (the local part of doc_id, the
# museum's accession number), so the same record twice is found and two objects are not.
CATALOGUE_KINDS = frozenset({"museum"})

RULE = "same text after NFC, invisible characters removed and whitespace collapsed"


def normalise_text(text: str) -> str:
    """The text as it is compared: NFC, no soft hyphens or zero-width marks, one space per run."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    return _WHITESPACE.sub(" ", text).strip()


def fingerprint(
    text: str | None, min_chars: int = MIN_CHARS, record_id: str | None = None
) -> str | None:
    """sha256 (hex) of the normalised text, and of `record_id` when one is given.

    None when there is no text, or when a text without `record_id` is shorter than `min_chars`.
    """
    if text is None:
        return None
    norm = normalise_text(text)
    if record_id is not None:
        norm = f"{norm}\x00{record_id}"
    elif len(norm) < min_chars:
        return None
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def document_fingerprint(
    doc_id: str, kind: str | None, text: str | None, min_chars: int
) -> str | None:
    """fingerprint() of a document: text only, or text and local id for CATALOGUE_KINDS."""
    record_id = doc_id.split(":", 1)[-1] if kind in CATALOGUE_KINDS else None
    return fingerprint(text, min_chars, record_id)
