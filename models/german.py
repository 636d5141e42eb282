"""German tags, parts of speech, morphology and lemmas for a blank spaCy pipeline, with HanTa.

Why: no German spaCy model installs here (de_core_news_* are not on PyPI), and the blank
pipeline's lookup lemmas reach 0.91 on content words of UD German-GSD dev with no POS at all
(issue #15). HanTa (the Hanover Tagger, pip `HanTa`, model shipped inside the package, trained
on TIGER) tags each sentence with STTS by a Viterbi pass and lemmatises each word by
morphological analysis given its tag: with the mapping below it gives UPOS and lemmas that a
frequency query can count on (figures in the component's docstring and the #15 report).

The component runs after the tokenizer and the sentencizer, one HanTa call per sentence:

- `tag_` is STTS as UD German-GSD writes XPOS (HanTa's "VV(FIN)" -> "VVFIN", "ADJ(A)" ->
  "ADJA", "PROAV" -> "PAV", its nominalisations "NNA"/"NNI" -> "NN");
- `pos_` follows UD German-GSD's STTS -> UPOS conventions, checked against the dev gold
  (`STTS_UPOS`), plus three context rules: a form of haben with no participle or infinitive
  in its clause is a main VERB ("ich hatte Gelegenheit"), every other VA*/VM* is AUX; a
  separable-verb particle (PTKVZ) is ADP when it is also a preposition ("an", "aus"), else ADV;
- `morph`: what the tag itself says in UD FEATS (VerbForm, Mood=Imp, PronType, Poss, Reflex,
  Definite, Polarity=Neg) and, for personal pronouns, Person/Number/Gender/Case from the closed
  paradigm wherever the form is unambiguous ("er" -> Case=Nom|Gender=Masc|Number=Sing|
  Person=3); HanTa gives no case/gender/number for nouns, adjectives or articles, so none is
  invented;
- `lemma_`: HanTa's lemma for its tag, except the closed classes where UD German-GSD's
  convention is a table (personal and reflexive pronouns -> the nominative, "ihm" -> "er",
  "uns" -> "wir"; articles -> "der"/"ein"), and nouns/proper nouns keep their capital.

Measured on UD German-GSD dev (models.ud_eval, benchmarks/bench_ud_variants.py): UPOS 0.952,
lemmas 0.979 all words / 0.970 content words (0.961 case-sensitive), against 0 / 0.877 / 0.910
for the blank pipeline's lookups; about 5 k tokens per CPU second on unseen newspaper text,
30 k once the per-word memos are warm.

Lemmas are cached per (word, STTS tag): the lemma depends on the tag only, which the sentence
fixed (HanTa's own analysis is per word given the tag). Tags are not cached (context).
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from collections.abc import Iterable
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Token

logger = logging.getLogger(__name__)

# STTS (as UD German-GSD writes XPOS) -> UPOS, the majority UPOS of each tag in UD German-GSD
# (dev set counts in the comments where the choice is not obvious).
STTS_UPOS: dict[str, str] = {
    "$(": "PUNCT",
    "$,": "PUNCT",
    "$.": "PUNCT",
    "ADJA": "ADJ",
    "ADJD": "ADJ",
    "ADV": "ADV",
    "APPO": "ADP",
    "APPR": "ADP",
    "APPRART": "ADP",  # "zum" = zu + dem; the token's first word is the preposition
    "APZR": "ADP",
    "ART": "DET",
    "CARD": "NUM",
    "FM": "X",
    "ITJ": "INTJ",
    "KOKOM": "ADP",  # als/wie: ADP 15, CCONJ 12, SCONJ 7
    "KON": "CCONJ",
    "KOUI": "ADP",  # um/ohne/statt ... zu: ADP 6, CCONJ 1
    "KOUS": "SCONJ",
    "NE": "PROPN",
    "NN": "NOUN",
    "PAV": "ADV",
    "PDAT": "DET",
    "PDS": "PRON",
    "PIAT": "DET",
    "PIS": "PRON",  # PRON 67, DET 59 ("alle", "beide" before an elided noun)
    "PPER": "PRON",
    "PPOSAT": "DET",
    "PPOSS": "PRON",
    "PRELAT": "DET",
    "PRELS": "PRON",
    "PRF": "PRON",
    "PTKA": "ADV",
    "PTKANT": "ADV",
    "PTKNEG": "PART",
    "PTKVZ": "ADV",  # ADP when also a preposition: see _PREPOSITIONS
    "PTKZU": "PART",
    "PWAT": "DET",
    "PWAV": "ADV",
    "PWS": "PRON",
    "TRUNC": "NOUN",  # "Natur-" in "Natur- und Umweltschutz": NOUN 11 of 11
    "VAFIN": "AUX",
    "VAIMP": "AUX",
    "VAINF": "AUX",
    "VAPP": "AUX",
    "VMFIN": "AUX",
    "VMINF": "AUX",
    "VMPP": "AUX",
    "VVFIN": "VERB",
    "VVIMP": "VERB",
    "VVINF": "VERB",
    "VVIZU": "VERB",
    "VVPP": "VERB",
    "XY": "X",
}

_HANTA_STTS = {"PROAV": "PAV", "NNA": "NN", "NNI": "NN", "UNKNOWN": "XY"}

# Separable particles that are also prepositions: UD German-GSD tags them ADP ("kommt an"),
# the others ADV ("fest", "zurück", "ein").
_PREPOSITIONS = frozenset(
    [
        "ab",
        "an",
        "auf",
        "aus",
        "bei",
        "durch",
        "entgegen",
        "gegen",
        "hinter",
        "mit",
        "nach",
        "neben",
        "statt",
        "über",
        "um",
        "unter",
        "vor",
        "wider",
        "zu",
        "zwischen",
    ]
)

_FEATS_BY_TAG: dict[str, str] = {
    "ART": "PronType=Art",
    "PDAT": "PronType=Dem",
    "PDS": "PronType=Dem",
    "PIAT": "PronType=Ind",
    "PIS": "PronType=Ind",
    "PPER": "PronType=Prs",
    "PPOSAT": "Poss=Yes|PronType=Prs",
    "PPOSS": "Poss=Yes|PronType=Prs",
    "PRELAT": "PronType=Rel",
    "PRELS": "PronType=Rel",
    "PRF": "PronType=Prs|Reflex=Yes",
    "PWAT": "PronType=Int",
    "PWAV": "PronType=Int",
    "PWS": "PronType=Int",
    "PTKNEG": "Polarity=Neg",
    "VAFIN": "VerbForm=Fin",
    "VMFIN": "VerbForm=Fin",
    "VVFIN": "VerbForm=Fin",
    "VAIMP": "Mood=Imp|VerbForm=Fin",
    "VVIMP": "Mood=Imp|VerbForm=Fin",
    "VAINF": "VerbForm=Inf",
    "VMINF": "VerbForm=Inf",
    "VVINF": "VerbForm=Inf",
    "VVIZU": "VerbForm=Inf",
    "VAPP": "VerbForm=Part",
    "VMPP": "VerbForm=Part",
    "VVPP": "VerbForm=Part",
}

# Personal and reflexive pronouns: (lemma, features beyond PronType) where the form alone
# decides them; ambiguous forms ("sie": Fem Sing or Plur; "ihr": Dat Fem or 2nd Plur) keep
# only what all readings share. Lemma = the nominative of the same person, number and gender,
# as UD German-GSD ("ihm" -> "er", "uns" -> "wir"), so a count of "er" is a count of him.
_PERSONAL: dict[str, tuple[str, str]] = {
    "ich": ("ich", "Case=Nom|Number=Sing|Person=1"),
    "mich": ("ich", "Case=Acc|Number=Sing|Person=1"),
    "mir": ("ich", "Case=Dat|Number=Sing|Person=1"),
    "meiner": ("ich", "Case=Gen|Number=Sing|Person=1"),
    "du": ("du", "Case=Nom|Number=Sing|Person=2"),
    "dich": ("du", "Case=Acc|Number=Sing|Person=2"),
    "dir": ("du", "Case=Dat|Number=Sing|Person=2"),
    "er": ("er", "Case=Nom|Gender=Masc|Number=Sing|Person=3"),
    "ihn": ("er", "Case=Acc|Gender=Masc|Number=Sing|Person=3"),
    "ihm": ("er", "Case=Dat|Number=Sing|Person=3"),  # masculine or neuter
    "es": ("es", "Gender=Neut|Number=Sing|Person=3"),
    "sie": ("sie", "Person=3"),  # she/her or they/them: gender is kept by the lemma
    "wir": ("wir", "Case=Nom|Number=Plur|Person=1"),
    "uns": ("wir", "Number=Plur|Person=1"),
    "euch": ("ihr", "Number=Plur|Person=2"),
    "ihnen": ("sie", "Case=Dat|Number=Plur|Person=3"),
    "sich": ("sich", "Person=3"),
}

_ARTICLES_DEF = frozenset(["der", "die", "das", "dem", "den", "des"])
_ARTICLES_IND = frozenset(["ein", "eine", "einer", "eines", "einem", "einen"])


class HantaTagger:
    """spaCy component: STTS tag, UPOS, morphology and lemma per token with HanTa."""

    def __init__(self, model: str = "morphmodel_ger.pgz", cache_size: int = 100_000) -> None:
        from HanTa import HanoverTagger

        self.tagger = HanoverTagger.HanoverTagger(model)
        # HanTa analyses a word it has not precomputed from scratch at every occurrence (4.3 s of
        # 10.7 s on UD German-GSD dev); the analysis depends on the lowercased word only and its
        # result is only read, so a bounded memo per word is exact
        self.tagger.analyze_forward = functools.lru_cache(maxsize=cache_size)(
            self.tagger.analyze_forward
        )
        self.cache_size = cache_size
        self.lemmas: dict[tuple[str, str], str] = {}

    def __call__(self, doc: Doc) -> Doc:
        for sent in doc.sents if doc.has_annotation("SENT_START") else [doc[:]]:
            words = [t for t in sent if not t.is_space]
            if words:
                self._tag(words)
        return doc

    def _tag(self, tokens: list[Token]) -> None:
        try:
            tags = self.tagger.tag_sent([t.text for t in tokens], taglevel=0)
        except (KeyError, IndexError, ValueError) as exc:
            # never seen on UD or HIPE text; one odd sentence must not stop a corpus run
            logger.warning("HanTa failed on a sentence of %d tokens: %s", len(tokens), exc)
            tags = ["XY"] * len(tokens)
        stts = [
            _stts(tag) if any(c.isalnum() for c in t.text) or tag.startswith("$") else "$("
            for t, tag in zip(tokens, tags, strict=True)
        ]  # HanTa tags quotes it has not seen (``, '') as words
        for i, (token, tag) in enumerate(zip(tokens, stts, strict=True)):
            token.tag_ = tag
            token.pos_ = _upos(tag, token.text, stts, i, tokens)
            if tag == "$(" and _is_symbol(token.text):
                token.pos_ = "SYM"  # "€", "%", "+", emoji: symbols, not punctuation
            lemma, feats = self._lemma(token.text, tag, tags[i])
            if tag == "PPER" and lemma == "sie":
                lemma, feats = _sie(tokens, stts, i, feats)
            token.lemma_ = lemma
            if feats:
                token.set_morph(feats)  # type: ignore[attr-defined]

    def _lemma(self, text: str, tag: str, hanta_tag: str) -> tuple[str, str]:
        lower = text.lower()
        feats = _FEATS_BY_TAG.get(tag, "")
        if tag in ("PPER", "PRF") and lower in _PERSONAL:
            lemma, extra = _PERSONAL[lower]  # polite "Sie" -> "sie" too (GSD: mostly)
            return lemma, "|".join(sorted(filter(None, (feats + "|" + extra).split("|"))))
        if tag == "ART":
            if lower in _ARTICLES_DEF:
                return "der", "Definite=Def|PronType=Art"
            if lower in _ARTICLES_IND:
                return "ein", "Definite=Ind|PronType=Art"
        key = (text, hanta_tag)
        cached = self.lemmas.get(key)
        if cached is not None:
            return cached, feats
        lemma = self._hanta_lemma(text, hanta_tag, tag)
        if len(self.lemmas) < self.cache_size:
            self.lemmas[key] = lemma
        return lemma, feats

    def _hanta_lemma(self, text: str, hanta_tag: str, tag: str) -> str:
        if tag.startswith("$") or not any(c.isalpha() for c in text):
            return text
        try:
            lemma = self.tagger.analyze(text, hanta_tag, taglevel=1)[0]
        except (KeyError, IndexError, ValueError):
            return text
        if tag == "NE":
            # German proper names inflect only with a genitive -s ("Deutschlands"): any other
            # ending HanTa strips belongs to the name ("Thomann", "Torsten", "Wellness")
            genitive = text.endswith("s") and not text.endswith(("ss", "ß")) and len(text) > 3
            return text[:-1] if genitive and lemma.lower() == text[:-1].lower() else text
        if tag in ("NN", "TRUNC"):
            # HanTa lowercases, then capitalises the first letter: the form's own capitals
            # come back on the part the lemma shares with it ("ABC-Waffen" -> "ABC-Waffe")
            k = 0
            while k < min(len(lemma), len(text)) and lemma[k].lower() == text[k].lower():
                k += 1
            return text[:k] + lemma[k:]
        return lemma.lower()


_SUBJECTS = frozenset(["ich", "du", "er", "es", "wir", "ihr", "man"])
_FINITE = frozenset(["VVFIN", "VAFIN", "VMFIN"])


def _sie(tokens: list[Token], stts: list[str], i: int, feats: str) -> tuple[str, str]:
    """ "sie" is she, they or (capitalised mid-sentence) polite "Sie": keep what shows.

    A capital "Sie" not at the start of a sentence is the polite form (lemma "Sie",
    Person=2|Polite=Form), by German spelling. Otherwise, when "sie" is the subject of a finite
    verb next to it ("sie sagte", "dann sagte sie", not "ich sehe sie"), the verb's ending gives
    the number: third person plural ends in -n ("sagten", "haben", "können") or is "sind",
    the singular does not ("sagt", "sagte", "hat", "kann") -> Gender=Fem|Number=Sing: she.
    Without such a verb, only Person=3 is set: HanTa gives no agreement to decide on.
    """
    text = tokens[i].text
    if text == "Sie" and i > 0 and not stts[i - 1].startswith("$"):
        return "Sie", "Person=2|Polite=Form|PronType=Prs"
    verb = None
    if i + 1 < len(tokens) and stts[i + 1] in _FINITE:
        verb = tokens[i + 1].text.lower()
    elif i > 0 and stts[i - 1] in _FINITE:
        before = [t.text.lower() for t in tokens[max(0, i - 4) : i - 1]]
        if not _SUBJECTS.intersection(before):  # "ich sehe sie": sie is the object
            verb = tokens[i - 1].text.lower()
    if verb is None:
        return "sie", feats
    if verb.endswith("n") or verb == "sind":
        return "sie", "Case=Nom|Number=Plur|Person=3|PronType=Prs"
    return "sie", "Case=Nom|Gender=Fem|Number=Sing|Person=3|PronType=Prs"


def _is_symbol(text: str) -> bool:
    return unicodedata.category(text[0]) in ("Sc", "Sm", "So")  # not Sk: the ``quote``


def _stts(hanta_tag: str) -> str:
    tag = hanta_tag if hanta_tag.startswith("$") else hanta_tag.replace("(", "").replace(")", "")
    return _HANTA_STTS.get(tag, tag)


# Names of weekdays and months are proper nouns in UD German-GSD (STTS tags them NN).
_CALENDAR = frozenset(
    [
        "montag",
        "dienstag",
        "mittwoch",
        "donnerstag",
        "freitag",
        "samstag",
        "sonnabend",
        "sonntag",
        "januar",
        "jänner",
        "februar",
        "märz",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "dezember",
    ]
)
# "alle", "alles", "allem" are determiners in UD German, used alone or not (STTS: PIS/PIAT).

_CLAUSE_BREAK = frozenset({"$,", "$.", "KON", "KOUS"})
_NONFINITE = frozenset({"VVPP", "VAPP", "VMPP", "VVINF", "VAINF", "VMINF", "VVIZU"})


def _upos(tag: str, text: str, stts: list[str], i: int, tokens: Iterable[Token]) -> str:
    upos = STTS_UPOS.get(tag, "X")
    if tag == "NN" and text.lower() in _CALENDAR:
        return "PROPN"
    if tag in ("PIS", "PIAT") and text.lower().startswith("all"):
        return "DET"
    if tag == "PTKVZ" and text.lower() in _PREPOSITIONS:
        return "ADP"
    # haben is an auxiliary only with a participle (or infinitive) in its clause
    if (
        tag.startswith("VA")
        and tag != "VAPP"
        and _is_haben(text)
        and not _clause_has(stts, i, _NONFINITE)
    ):
        return "VERB"
    return upos


@functools.cache
def _is_haben(text: str) -> bool:
    t = text.lower()
    return t.startswith(("hab", "hat", "hät")) or t == "hast"


def _clause_has(stts: list[str], i: int, wanted: frozenset[str]) -> bool:
    """True when a tag in `wanted` occurs between the clause breaks around position i."""
    j = i - 1
    while j >= 0 and stts[j] not in _CLAUSE_BREAK:
        if stts[j] in wanted:
            return True
        j -= 1
    j = i + 1
    while j < len(stts) and stts[j] not in _CLAUSE_BREAK:
        if stts[j] in wanted:
            return True
        j += 1
    return False


@Language.factory(
    "longue_hanta",
    default_config={"model": "morphmodel_ger.pgz", "cache_size": 100_000},
    assigns=["token.tag", "token.pos", "token.morph", "token.lemma"],
    requires=["token.is_sent_start"],
)
def make_hanta(nlp: Language, name: str, model: str, cache_size: int) -> HantaTagger:
    """spaCy factory: HanTa tagging and lemmatisation (German by default)."""
    return HantaTagger(model, cache_size)


def german_pipeline() -> Language:
    """A blank German pipeline: sentencizer, then HanTa (what the lead's nlp stage should build
    for "de" while no trained German spaCy model can be installed)."""
    import spacy

    nlp = spacy.blank("de")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("longue_hanta")
    return nlp


def describe() -> dict[str, Any]:
    """Versions for the nlp stage's pipeline description."""
    import importlib.metadata

    return {"HanTa": importlib.metadata.version("HanTa")}
