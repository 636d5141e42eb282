"""Named-entity gold in the CLEF-HIPE-2020 TSV format: read it, rebuild the text, score spans.

HIPE TSV (https://github.com/impresso/CLEF-HIPE-2020/blob/master/documentation/README-format.md)
is one token a line with ten tab-separated columns (TOKEN, NE-COARSE-LIT, NE-COARSE-METO,
NE-FINE-LIT, NE-FINE-METO, NE-FINE-COMP, NE-NESTED, NEL-LIT, NEL-METO, MISC) and
`# key = value` comment lines (`# document_id = ...` starts a document). MISC carries
`NoSpaceAfter`, `EndOfLine` and `PySBDSegment` (a sentence end).

The text of a document is rebuilt from its tokens: a space after each token unless
`NoSpaceAfter`, so every gold span has exact character offsets into that text. Scores follow the
HIPE scorer's two regimes for coarse literal types: *strict* (same start, end and type) and
*fuzzy* (same type, spans overlap), micro-averaged, each gold and predicted span matched once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COLUMNS = (
    "TOKEN",
    "NE-COARSE-LIT",
    "NE-COARSE-METO",
    "NE-FINE-LIT",
    "NE-FINE-METO",
    "NE-FINE-COMP",
    "NE-NESTED",
    "NEL-LIT",
    "NEL-METO",
    "MISC",
)
TYPES = ("pers", "loc", "org")  # the coarse types scored (HIPE also has prod and time)


@dataclass(frozen=True)
class Span:
    start: int  # character offsets into HipeDoc.text
    end: int
    label: str  # pers, loc, org, prod, time
    link: str | None = None  # Wikidata QID or "NIL" (NEL-LIT) where the gold gives one


@dataclass
class HipeDoc:
    doc_id: str
    language: str | None
    date: str | None
    newspaper: str | None
    text: str
    tokens: list[tuple[int, int]]  # character offsets of each gold token
    spaces: list[bool]  # a space follows the token (for spacy.tokens.Doc(words, spaces))
    words: list[str]
    sentence_starts: list[bool]  # the token starts a sentence (after PySBDSegment)
    spans: list[Span] = field(default_factory=list)
    token_labels: list[str] = field(default_factory=list)  # IOB coarse literal, per token


class HipeFormatError(ValueError):
    """A HIPE file that does not have the format's columns; the message names file and line."""


def read_hipe(path: str | Path, column: str = "NE-COARSE-LIT") -> list[HipeDoc]:
    """Documents of one HIPE TSV file, with their rebuilt text and gold spans of `column`."""
    path = Path(path)
    col = COLUMNS.index(column)
    docs: list[HipeDoc] = []
    meta: dict[str, str] = {}
    rows: list[tuple[str, str, str, str]] = []

    def flush() -> None:
        if rows:
            docs.append(_build(meta, rows, len(docs)))
        rows.clear()

    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            if line.startswith("#") and "\t" not in line:  # "# key = value"; a "#" token has tabs
                key, _, value = line[1:].partition("=")
                if rows:  # the comments before a document (language, newspaper, date, id) open it
                    flush()
                    meta = {}
                meta[key.strip()] = value.strip()
                continue
            parts = line.split("\t")
            if parts[0] == "TOKEN":
                continue  # the header line
            if len(parts) < len(COLUMNS):
                raise HipeFormatError(
                    f"{path}:{lineno}: {len(parts)} columns, a HIPE TSV line has {len(COLUMNS)}"
                )
            rows.append((parts[0], parts[col], parts[COLUMNS.index("NEL-LIT")], parts[-1]))
    flush()
    return docs


def _build(meta: Mapping[str, str], rows: list[tuple[str, str, str, str]], n: int) -> HipeDoc:
    pieces: list[str] = []
    offsets: list[tuple[int, int]] = []
    spaces: list[bool] = []
    words: list[str] = []
    starts: list[bool] = []
    labels: list[str] = []
    pos = 0
    new_sentence = True
    for token, label, _link, misc in rows:
        flags = set(misc.split("|"))
        words.append(token)
        offsets.append((pos, pos + len(token)))
        pieces.append(token)
        pos += len(token)
        space = "NoSpaceAfter" not in flags
        spaces.append(space)
        if space:
            pieces.append(" ")
            pos += 1
        starts.append(new_sentence)
        new_sentence = "PySBDSegment" in flags
        labels.append(label if label not in ("_", "") else "O")
    text = "".join(pieces)
    spans = _spans_from_iob(labels, offsets, [r[2] for r in rows])
    return HipeDoc(
        doc_id=meta.get("document_id") or f"doc{n}",
        language=meta.get("language"),
        date=meta.get("date"),
        newspaper=meta.get("newspaper"),
        text=text,
        tokens=offsets,
        spaces=spaces,
        words=words,
        sentence_starts=starts,
        spans=spans,
        token_labels=labels,
    )


def _spans_from_iob(
    labels: list[str], offsets: list[tuple[int, int]], links: list[str]
) -> list[Span]:
    spans: list[Span] = []
    current: tuple[int, int, str, str | None] | None = None
    for i, label in enumerate(labels):
        prefix, _, kind = label.partition("-")
        continues = prefix == "I" and current is not None and current[2] == kind
        if current is not None and not continues:
            spans.append(
                Span(offsets[current[0]][0], offsets[current[1]][1], current[2], current[3])
            )
            current = None
        if prefix == "B" or (prefix == "I" and current is None):  # a stray I- starts a span
            link = links[i] if links[i] not in ("_", "") else None
            current = (i, i, kind, link)
        elif continues and current is not None:
            current = (current[0], i, current[2], current[3])
    if current is not None:
        spans.append(Span(offsets[current[0]][0], offsets[current[1]][1], current[2], current[3]))
    return spans


# ---------------------------------------------------------------------------------------------
# Scoring


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float | int]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "p": round(p, 4),
        "r": round(r, 4),
        "f1": round(f, 4),
        "tp": tp,
        "n_pred": n_pred,
        "n_gold": n_gold,
    }


def score(
    gold: Iterable[Iterable[Span]],
    predicted: Iterable[Iterable[Span]],
    types: tuple[str, ...] = TYPES,
) -> dict[str, Any]:
    """Strict and fuzzy micro P/R/F1, overall and per type, over parallel lists of documents.

    strict: a predicted span counts when a gold span has the same start, end and type.
    fuzzy: when a gold span of the same type overlaps it. Each gold span is matched at most
    once (the largest overlap first), so a gold span split in two gives one true positive.
    """
    counts = {t: {"strict": 0, "fuzzy": 0, "pred": 0, "gold": 0} for t in types}
    for g_doc, p_doc in zip(gold, predicted, strict=True):
        g = [s for s in g_doc if s.label in counts]
        p = [s for s in p_doc if s.label in counts]
        for s in g:
            counts[s.label]["gold"] += 1
        for s in p:
            counts[s.label]["pred"] += 1
        g_keys = {(s.start, s.end, s.label) for s in g}
        for s in p:
            if (s.start, s.end, s.label) in g_keys:
                counts[s.label]["strict"] += 1
        pairs = sorted(
            (
                (min(a.end, b.end) - max(a.start, b.start), i, j)
                for i, a in enumerate(p)
                for j, b in enumerate(g)
                if a.label == b.label and a.start < b.end and b.start < a.end
            ),
            reverse=True,
        )
        used_p: set[int] = set()
        used_g: set[int] = set()
        for _, i, j in pairs:
            if i in used_p or j in used_g:
                continue
            used_p.add(i)
            used_g.add(j)
            counts[p[i].label]["fuzzy"] += 1
    result: dict[str, Any] = {"per_type": {}}
    for regime in ("strict", "fuzzy"):
        tp = sum(c[regime] for c in counts.values())
        n_pred = sum(c["pred"] for c in counts.values())
        n_gold = sum(c["gold"] for c in counts.values())
        result[regime] = _prf(tp, n_pred, n_gold)
    for t, c in counts.items():
        result["per_type"][t] = {
            "strict": _prf(c["strict"], c["pred"], c["gold"]),
            "fuzzy": _prf(c["fuzzy"], c["pred"], c["gold"]),
        }
    return result


# spaCy labels of the stock pipelines (OntoNotes for English, WikiNER for French/Spanish/...)
# mapped to HIPE's coarse types; labels not listed are not scored (MISC, DATE, MONEY, ...).
SPACY_TO_HIPE: dict[str, str] = {
    "PERSON": "pers",
    "PER": "pers",
    "pers": "pers",
    "GPE": "loc",
    "LOC": "loc",
    "FAC": "loc",
    "loc": "loc",
    "ORG": "org",
    "org": "org",
}


def spans_from_entities(
    entities: Iterable[tuple[int, int, str]], mapping: Mapping[str, str] = SPACY_TO_HIPE
) -> list[Span]:
    """(start_char, end_char, spaCy label) -> HIPE spans; unmapped labels are dropped."""
    out = []
    for start, end, label in entities:
        kind = mapping.get(label)
        if kind is not None:
            out.append(Span(int(start), int(end), kind))
    return out
