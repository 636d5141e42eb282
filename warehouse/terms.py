"""Term queries: phrases, wildcards, lemma+POS and sums of variants, on the token stream.

One *term* is what a timeline, a KWIC or a comparison counts. Its syntax:

    liberté                 one word: its lemma (every inflected form), or its form with
                            field="text"
    "droits de l'homme"     a phrase of up to MAX_TOKENS tokens (quotes optional), matched on
                            consecutive tokens of one document, by form (see below)
    liber*  *isme           a wildcard inside a word: every term of the dictionary it matches,
                            summed; the substitutions found are returned with their counts
    the * of                `*` alone in a phrase: any one token (Ngram Viewer style)
    femme/NOUN              a word with its part of speech (Universal POS tag)
    lemma:être text:fut     the field of one word, whatever the call's field
    juif+juifs+israélite    variants summed into one series (each may be a phrase)

Fields. A one-word term is matched on lemmas by default (field="auto"); a phrase is matched
on word forms, because the lemmas of function words are not what a reader types ("l'" is
lemmatised "le"). field="lemma" or "text" forces one field for every word of the term; a
word's own `lemma:`/`text:` prefix overrides both.

Tokens and punctuation. A phrase is cut into tokens by spaCy's tokenizer rules of each
language of the warehouse, as the texts were ("l'homme" -> "l'" "homme" in French; "don't"
-> "do" "n't" in English); every distinct cutting is tried and the hits are summed (the
cuttings of other languages match nothing or the same tokens, never twice the same place).
Matching is case-insensitive; typographic and straight apostrophes are the same character.
Punctuation written in the phrase must be in the text ("Paris, France" needs the comma);
punctuation not written must not be ("Paris France" does not match "Paris, France").

Nothing silently empty: a term that cannot match (an unknown field or tag, a phrase longer than
MAX_TOKENS, an empty word, only wildcards) raises TermError with the reason, and
`Match.missing` names the words that are not in the warehouse's dictionary, so a zero count
can be told apart from a word the corpus never contains.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

MAX_TOKENS = 5
FIELDS = ("auto", "lemma", "text")
UPOS = frozenset(
    ("ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON")
    + ("PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X")
)
# a wildcard matching more dictionary terms than this is refused (it would be a scan, and its
# "top substitutions" a list nobody reads)
MAX_EXPANSIONS = 5_000
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'"})
_WORD = re.compile(r"^(?:(lemma|text):)?(.*?)(?:/([A-Za-z]+))?$")


class TermError(ValueError):
    """A term that cannot be matched, with the reason."""


@dataclass(frozen=True)
class Word:
    """One token of a phrase: a value (lowercased; `*` = wildcard) on a field, maybe a POS."""

    value: str  # "" with any=True: any token
    field: str  # "lemma" | "text"
    pos: str | None = None
    any: bool = False

    @property
    def wildcard(self) -> bool:
        return "*" in self.value and not self.any

    def __str__(self) -> str:
        s = "*" if self.any else self.value
        return s + (f"/{self.pos}" if self.pos else "")


@dataclass(frozen=True)
class Phrase:
    words: tuple[Word, ...]

    def __str__(self) -> str:
        return " ".join(map(str, self.words))


@dataclass(frozen=True)
class Term:
    """One counted series: its label as typed and the phrases whose hits are summed."""

    label: str
    phrases: tuple[Phrase, ...]


@dataclass
class Match:
    """The hits of one term: start position, document, length and the matched forms."""

    term: Term
    hits: pd.DataFrame  # hit (gpos of the first token), doc_idx, length, match
    missing: list[str] = field(default_factory=list)  # words not in the dictionary

    def substitutions(self, top: int = 20) -> pd.DataFrame:
        """The forms the term matched, most frequent first (wildcards' substitutions)."""
        if self.hits.empty:
            return pd.DataFrame(columns=["match", "count"])
        counts = self.hits["match"].value_counts().rename_axis("match").reset_index()
        return counts.sort_values(["count", "match"], ascending=[False, True]).head(top)


@functools.lru_cache(maxsize=16)
def _tokenizer(lang: str) -> Any:
    import spacy

    try:
        return spacy.blank(lang).tokenizer
    except (ImportError, KeyError, ValueError):  # a language spaCy has no rules for
        return spacy.blank("xx").tokenizer


def cuttings(text: str, languages: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The distinct token sequences of `text` under each language's tokenizer rules."""
    out: dict[tuple[str, ...], None] = {}
    for lang in languages or ("xx",):
        tokens = tuple(t.text for t in _tokenizer(lang)(text) if not t.is_space)
        out.setdefault(tokens, None)
    return list(out)


def _word(chunk: str, field: str, default_field: str) -> Word:
    found = _WORD.match(chunk)
    assert found is not None  # the pattern matches any string
    prefix, value, pos = found.groups()
    if pos is not None:
        if pos.upper() not in UPOS:
            raise TermError(
                f"{chunk!r}: unknown part of speech {pos!r}; use a Universal POS tag "
                f"({', '.join(sorted(UPOS))})"
            )
        pos = pos.upper()
    value = value.lower().translate(_APOSTROPHES)
    if not value:
        raise TermError(f"{chunk!r}: an empty word")
    fld = prefix or (default_field if field == "auto" else field)
    if value == "*":
        return Word("", "text", pos, any=True)
    return Word(value, fld, pos)


def _has_syntax(chunk: str) -> bool:
    return "*" in chunk or _WORD.match(chunk).group(1) is not None or "/" in chunk  # type: ignore[union-attr]


def parse_term(text: str, field: str = "auto", languages: tuple[str, ...] = ()) -> Term:
    """One term (see the module docstring) -> its phrases; TermError when it cannot match."""
    if field not in FIELDS:
        raise TermError(f"field={field!r}; use one of {', '.join(FIELDS)}")
    if not isinstance(text, str) or not text.strip():
        raise TermError("no term given")
    label = text.strip()
    phrases: dict[Phrase, None] = {}
    for variant in label.split("+"):
        variant = variant.strip().strip('"“”«»').strip()
        if not variant:
            raise TermError(f"{label!r}: an empty variant around '+'")
        chunks = variant.split()
        # words with query syntax stay whole; the rest is cut as the texts were
        plain = " ".join(chunks)
        if any(_has_syntax(c) for c in chunks):
            sequences: list[list[str]] = [[]]
            for c in chunks:
                parts = [(c,)] if _has_syntax(c) else cuttings(c, languages)
                sequences = [s + list(p) for s in sequences for p in parts]
        else:
            sequences = [list(c) for c in cuttings(plain, languages)]
        for seq in sequences:
            default_field = "lemma" if len(seq) == 1 else "text"
            words = tuple(_word(c, field, default_field) for c in seq)
            if len(words) > MAX_TOKENS:
                raise TermError(
                    f"{variant!r} is {len(words)} tokens ({' | '.join(seq)}); phrases are "
                    f"matched up to {MAX_TOKENS} tokens"
                )
            if all(w.any for w in words):
                raise TermError(f"{variant!r}: a term needs at least one word besides '*'")
            phrases.setdefault(Phrase(words), None)
    return Term(label, tuple(phrases))


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def term_ids(con: duckdb.DuckDBPyConnection, word: Word) -> list[int]:
    """Dictionary ids of a word (one for a plain word, every match for a wildcard)."""
    if word.wildcard:
        rows = con.execute(
            "SELECT term_id FROM terms WHERE field = ? AND term LIKE ? ESCAPE '\\' "
            "ORDER BY n_occurrences DESC, term LIMIT ?",
            [word.field, _like(word.value), MAX_EXPANSIONS + 1],
        ).fetchall()
        if len(rows) > MAX_EXPANSIONS:
            raise TermError(
                f"{word.value!r} matches more than {MAX_EXPANSIONS} {word.field}s; "
                "give more letters"
            )
        return [int(r[0]) for r in rows]
    variants = {word.value, word.value.replace("'", "’")}
    rows = con.execute(
        f"SELECT term_id FROM terms WHERE field = ? AND term IN ({', '.join('?' * len(variants))})",
        [word.field, *sorted(variants)],
    ).fetchall()
    return sorted(int(r[0]) for r in rows)


def phrase_sql(
    con: duckdb.DuckDBPyConnection, phrase: Phrase
) -> tuple[str | None, list[Any], list[str]]:
    """SQL listing the phrase's hits (hit, doc_idx, length, match), its parameters, and the
    words missing from the dictionary (then the SQL is None: no hit is possible)."""
    ids: dict[int, list[int]] = {}
    missing = []
    for i, w in enumerate(phrase.words):
        if not w.any:
            ids[i] = term_ids(con, w)
            if not ids[i]:
                missing.append(str(w))
    if missing:
        return None, [], missing
    # the anchor: a plain word with the fewest ids (its postings are one run of the sorted
    # term_positions, found by zone maps); the other words join on position
    anchor = min(ids, key=lambda i: (phrase.words[i].wildcard, len(ids[i]), i))
    joins: list[str] = []
    join_params: list[Any] = []
    where: list[str] = []
    where_params: list[Any] = []
    parts: list[str] = []
    for i, w in enumerate(phrase.words):
        at = f"a.gpos + ({i - anchor})"
        alias = "a" if i == anchor else f"p{i}"
        if w.any or w.pos:
            joins.append(f"JOIN tokens AS t{i} ON t{i}.gpos = {at} AND t{i}.doc_idx = a.doc_idx")
            if w.pos:
                where.append(f"t{i}.pos = ?")
                where_params.append(w.pos)
        if not w.any and i != anchor:
            joins.append(
                f"JOIN term_positions AS {alias} ON {alias}.gpos = {at} "
                f"AND {alias}.doc_idx = a.doc_idx "
                f"AND {alias}.term_id IN ({', '.join('?' * len(ids[i]))})"
            )
            join_params.extend(ids[i])
        if w.any:
            parts.append(f"lower(t{i}.text)")
        elif w.wildcard:
            joins.append(f"JOIN terms AS m{i} ON m{i}.term_id = {alias}.term_id")
            parts.append(f"m{i}.term")
        else:
            parts.append("?")  # the word as asked (its parameter comes first: SELECT list)
    select_params = [w.value for w in phrase.words if not w.any and not w.wildcard]
    sql = (
        f"SELECT a.gpos - ({anchor}) AS hit, a.doc_idx, {len(phrase.words)} AS length, "
        f"concat_ws(' ', {', '.join(parts)}) AS match "
        f"FROM term_positions AS a {' '.join(joins)} "
        f"WHERE a.term_id IN ({', '.join('?' * len(ids[anchor]))})"
        + "".join(f" AND {c}" for c in where)
    )
    return sql, [*select_params, *join_params, *ids[anchor], *where_params], []


def match(con: duckdb.DuckDBPyConnection, term: Term) -> Match:
    """Every hit of `term` (all its phrases), one row per start position, by position."""
    queries: list[str] = []
    params: list[Any] = []
    missing: list[str] = []
    for phrase in term.phrases:
        sql, p, miss = phrase_sql(con, phrase)
        missing.extend(m for m in miss if m not in missing)
        if sql is not None:
            queries.append(sql)
            params.extend(p)
    if queries:  # some cutting has every word in the dictionary: a zero is a real zero
        missing = []
    columns = ["hit", "doc_idx", "length", "match"]
    if not queries:
        return Match(term, pd.DataFrame(columns=columns), missing)
    # two cuttings or variants can find the same place: each start position counts once
    # (the longest match there wins, then the first in text order)
    union = " UNION ALL ".join(f"({q})" for q in queries)
    hits = con.execute(
        f"SELECT hit, doc_idx, length, match FROM ({union}) "
        "QUALIFY row_number() OVER (PARTITION BY hit ORDER BY length DESC, match) = 1 "
        "ORDER BY hit",
        params,
    ).df()
    return Match(term, hits, missing)
