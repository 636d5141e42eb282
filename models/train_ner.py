"""Train (or fine-tune) a spaCy NER component from a team's own annotations.

No installable spaCy package covers German historical press (de_core_news_* is not on PyPI) and
the stock French/English models were trained on modern web/news text; a team that annotates its
own documents should be able to turn that work into a better model. This module converts
HIPE-2020 TSV (`models.hipe.read_hipe`) or spaCy's own DocBin (.spacy) into training Docs,
generates a CPU training config, runs spaCy's own training loop (`spacy.cli.train.train`: its
early stopping, its progress display, its best-model selection), and scores the result with the
HIPE strict/fuzzy scorer, both on the gold tokens and on text re-tokenized by the pipeline's own
tokenizer (the latter is what the annotation stage will really see).

The trained `ner` component carries its own tok2vec (no shared-tok2vec listener), so
`attach_ner` can source it into any pipeline of the same language, e.g. the blank German
pipeline with a sentencizer and lookup lemmatizer that `models.nlp` builds.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.tokens import Span as SpacySpan
from spacy.vocab import Vocab
from thinc.api import Config

from models.hipe import SPACY_TO_HIPE, HipeDoc, Span, read_hipe, score

# HIPE coarse types trained and scored -> spaCy labels (the WikiNER labels of fr_core_news_*, so
# a French base model keeps its label set and SPACY_TO_HIPE maps them back).
LABELS: dict[str, str] = {"pers": "PER", "loc": "LOC", "org": "ORG"}
# A base pipeline with OntoNotes labels (en_core_web_*) keeps them: HIPE types become its labels.
ONTONOTES_LABELS: dict[str, str] = {"pers": "PERSON", "loc": "GPE", "org": "ORG"}
# Predicted labels -> HIPE types, for either label set.
HIPE_OF_LABEL: dict[str, str] = dict(SPACY_TO_HIPE)


def labels_for(nlp: Language) -> dict[str, str]:
    """HIPE type -> label: the base's own naming when its ner already has one (no duplicates)."""
    if "ner" in nlp.pipe_names:
        known = set(nlp.get_pipe("ner").labels)
        if "PERSON" in known and "PER" not in known:
            return dict(ONTONOTES_LABELS)
    return dict(LABELS)


TRAIN_COMMAND = (
    "longue train-ner --lang de --train ../shared/corpora/ner/hipe2020/"
    "HIPE-data-v1.4-train-de.tsv --dev ../shared/corpora/ner/hipe2020/HIPE-data-v1.4-dev-de.tsv "
    "--out data/models/ner/de-hipe2020"
)

# ---------------------------------------------------------------------------------------------
# Architectures. One inline tok2vec per variant (listener-free, see the module docstring).
# "hash" is spaCy's CPU default embedding; "wide" gives the hashed features more rows and width
# (OCR noise multiplies rare forms); "char" adds a per-character embedding of the first and last
# characters, which sees through OCR errors inside long words.

VARIANTS: dict[str, dict[str, Any]] = {
    "hash": {
        "embed": {
            "@architectures": "spacy.MultiHashEmbed.v2",
            "width": 96,
            "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
            "rows": [5000, 1000, 2500, 2500],
            "include_static_vectors": False,
        },
        "encode": {"width": 96, "depth": 4, "window_size": 1},
        "hidden_width": 64,
    },
    "wide": {
        "embed": {
            "@architectures": "spacy.MultiHashEmbed.v2",
            "width": 160,
            "attrs": ["NORM", "LOWER", "PREFIX", "SUFFIX", "SHAPE"],
            "rows": [20000, 10000, 5000, 10000, 2500],
            "include_static_vectors": False,
        },
        "encode": {"width": 160, "depth": 4, "window_size": 1},
        "hidden_width": 96,
    },
    "char": {
        "embed": {
            "@architectures": "spacy.CharacterEmbed.v2",
            "width": 128,
            "rows": 10000,
            "nM": 64,
            "nC": 8,
            "include_static_vectors": False,
            "feature": "NORM",
        },
        "encode": {"width": 128, "depth": 4, "window_size": 1},
        "hidden_width": 64,
    },
}


class TrainingDataError(ValueError):
    """A training or dev file that cannot be used; the message names the file and the fix."""


# ---------------------------------------------------------------------------------------------
# Conversion


def hipe_doc_to_doc(
    hdoc: HipeDoc, vocab: Vocab, sentences: bool = True, labels: dict[str, str] | None = None
) -> Doc:
    """One HIPE document as a spaCy Doc on its gold tokens, pers/loc/org as PER/LOC/ORG.

    Every other token is explicitly outside ("O", not missing), so the model learns that
    unannotated words are not entities; prod and time are not trained (not scored by HIPE's
    coarse pers/loc/org figures and too rare here to learn).
    """
    doc = Doc(
        vocab,
        words=hdoc.words,
        spaces=hdoc.spaces,
        sent_starts=list(hdoc.sentence_starts) if sentences else None,
    )
    ents = []
    for span in hdoc.spans:
        label = (labels or LABELS).get(span.label)
        if label is None:
            continue
        ent = doc.char_span(span.start, span.end, label=label, alignment_mode="strict")
        if ent is None:  # cannot happen for spans read from the same tokens; say so if it does
            raise TrainingDataError(
                f"{hdoc.doc_id}: entity {span.start}-{span.end} does not align with its tokens"
            )
        ents.append(ent)
    doc.set_ents(ents, default="outside")
    return doc


def retokenized_doc(
    hdoc: HipeDoc,
    nlp: Language,
    normalise: Callable[[str], tuple[str, Any]] | None = None,
    labels: dict[str, str] | None = None,
) -> tuple[Doc, np.ndarray | None]:
    """The document's text as the pipeline tokenizes it, gold entities projected on it.

    With `normalise` (text -> (text, map to original offsets or None)), the text is normalised
    first, as the annotation stage does. Entities are expanded to whole tokens where the
    tokenizer disagrees with the gold boundaries. Returns the Doc and the offset map.
    """
    text, mapping = normalise(hdoc.text) if normalise else (hdoc.text, None)
    doc = nlp.make_doc(text)
    ents: list[SpacySpan] = []
    for span in hdoc.spans:
        label = (labels or LABELS).get(span.label)
        if label is None:
            continue
        start, end = _to_normalised(mapping, span.start, span.end)
        ent = doc.char_span(start, end, label=label, alignment_mode="expand")
        if ent is not None and len(ent) and not any(_overlaps(ent, e) for e in ents):
            ents.append(ent)
    doc.set_ents(ents, default="outside")
    return doc, mapping


def _overlaps(a: SpacySpan, b: SpacySpan) -> bool:
    return a.start < b.end and b.start < a.end


def _to_normalised(mapping: np.ndarray | None, start: int, end: int) -> tuple[int, int]:
    if mapping is None:
        return start, end
    return int(np.searchsorted(mapping, start)), int(np.searchsorted(mapping, end))


def _to_original(mapping: np.ndarray | None, start: int, end: int) -> tuple[int, int]:
    if mapping is None:
        return start, end
    return int(mapping[start]), int(mapping[end - 1]) + 1


def split_doc(doc: Doc, max_tokens: int) -> list[Doc]:
    """Cut a long document at sentence starts into pieces of about `max_tokens` tokens.

    Whole newspaper pages make a handful of huge batches; pieces give the optimizer more, better
    shuffled updates. A cut never falls inside an entity.
    """
    if max_tokens <= 0 or len(doc) <= max_tokens:
        return [doc]
    pieces: list[Doc] = []
    start = 0
    for i in range(1, len(doc)):
        token = doc[i]
        if i - start >= max_tokens and token.is_sent_start and token.ent_iob_ != "I":
            pieces.append(doc[start:i].as_doc())
            start = i
    pieces.append(doc[start:].as_doc())
    return pieces


def read_annotations(
    path: str | Path, vocab: Vocab, labels: dict[str, str] | None = None
) -> tuple[list[Doc], list[HipeDoc] | None]:
    """Docs of a HIPE .tsv or a spaCy .spacy file (and the HIPE documents, for HIPE scoring)."""
    path = Path(path)
    if not path.is_file():
        raise TrainingDataError(
            f"{path}: no such file; give a HIPE .tsv or a spaCy .spacy (DocBin) file"
        )
    suffix = path.suffix.lower()
    if suffix in (".tsv", ".txt"):
        try:
            hdocs = read_hipe(path)
        except (ValueError, UnicodeDecodeError) as exc:
            raise TrainingDataError(
                f"{path}: not a HIPE TSV file ({exc}); see models/hipe.py for the format"
            ) from exc
        if not hdocs:
            raise TrainingDataError(f"{path}: no documents (no token lines) in this HIPE file")
        return [hipe_doc_to_doc(h, vocab, labels=labels) for h in hdocs], hdocs
    if suffix == ".spacy":
        try:
            docs = list(DocBin().from_disk(path).get_docs(vocab))
        except Exception as exc:  # noqa: BLE001 - DocBin raises several kinds; name the file
            raise TrainingDataError(
                f"{path}: not a spaCy DocBin ({exc}); write one with DocBin(docs=...).to_disk()"
            ) from exc
        if not docs:
            raise TrainingDataError(f"{path}: the DocBin holds no documents")
        return docs, None
    raise TrainingDataError(
        f"{path}: unknown annotation format {suffix!r}; give a HIPE .tsv or a spaCy .spacy file"
    )


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Config


def make_config(
    lang: str,
    variant: str = "hash",
    base: str | None = None,
    *,
    base_listens: bool = False,
    seed: int = 0,
    max_steps: int = 6000,
    max_epochs: int = 0,
    patience: int = 1600,
    eval_frequency: int = 200,
    dropout: float = 0.2,
    batch_words: tuple[int, int] = (100, 1000),
) -> Config:
    """A CPU training config for one listener-free `ner` (from scratch, or resumed from `base`)."""
    from spacy.cli.init_config import init_config

    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose from {', '.join(VARIANTS)}")
    cfg = init_config(lang=lang, pipeline=["ner"], optimize="efficiency", gpu=False)
    arch = VARIANTS[variant]
    cfg["nlp"]["pipeline"] = ["ner"]
    cfg["components"].pop("tok2vec", None)
    if base:
        # a base whose ner listens to a shared tok2vec gets its own copy of it
        cfg["components"]["ner"] = {"source": base}
        if base_listens:
            cfg["components"]["ner"]["replace_listeners"] = ["model.tok2vec"]
    else:
        model = cfg["components"]["ner"]["model"]
        model["hidden_width"] = arch["hidden_width"]
        model["tok2vec"] = {
            "@architectures": "spacy.Tok2Vec.v2",
            "embed": dict(arch["embed"]),
            "encode": {
                "@architectures": "spacy.MaxoutWindowEncoder.v2",
                "maxout_pieces": 3,
                **arch["encode"],
            },
        }
    cfg["system"]["seed"] = seed
    training = cfg["training"]
    training["seed"] = seed
    training["max_steps"] = max_steps
    training["max_epochs"] = max_epochs
    training["patience"] = patience
    training["eval_frequency"] = eval_frequency
    training["dropout"] = dropout
    training["batcher"]["size"] = {
        "@schedules": "compounding.v1",
        "start": batch_words[0],
        "stop": batch_words[1],
        "compound": 1.001,
        "t": 0.0,
    }
    training["logger"] = {"@loggers": "spacy.ConsoleLogger.v1", "progress_bar": True}
    training["score_weights"] = {"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None}
    return cfg


# ---------------------------------------------------------------------------------------------
# Training


@dataclass
class TrainResult:
    path: Path
    meta: dict[str, Any]
    scores: dict[str, Any]
    seconds: float
    log: list[str] = field(default_factory=list)


def _licence_note(paths: Sequence[Path]) -> str:
    """What the model inherits from its training data's licence (read from files beside it)."""
    notes = []
    for p in paths:
        for name in ("LICENSE.md", "LICENSE", "README.md"):
            f = p.parent / name
            if f.is_file() and "NonCommercial" in f.read_text(encoding="utf-8", errors="replace"):
                notes.append(p.name)
                break
    if notes:
        return (
            "Derived from training data under CC BY-NC(-SA) 4.0 ("
            + ", ".join(sorted(notes))
            + "): non-commercial use only, attribute the data; never commit this model to the "
            "repository or redistribute it under other terms."
        )
    return "Derived from the training data listed here; it carries that data's licence terms."


def train_ner(
    train_files: Sequence[str | Path],
    dev_file: str | Path,
    out: str | Path,
    *,
    lang: str,
    base: str | None = None,
    variant: str = "hash",
    seed: int = 0,
    max_steps: int = 6000,
    max_epochs: int = 0,
    patience: int = 1600,
    eval_frequency: int = 200,
    chunk_tokens: int = 300,
    dehyphenate: bool = False,
    tokens: str = "gold",
    name: str | None = None,
    version: str = "1.0.0",
    progress: bool = True,
) -> TrainResult:
    """Train a `ner` pipeline into `out` (atomically: a temp dir beside it, then a rename).

    `dehyphenate` trains on text with OCR line-end hyphens ("verlän¬ gernden") joined, as
    `models.nlp.normalise_text(..., ("hyphen_signs",))` joins them before annotation; the
    meta records it so that the annotation stage can turn the same step on.

    `tokens="pipeline"` trains on what the annotation stage will see: the pipeline's own
    tokenizer on the (normalised) text, gold entities projected onto its tokens, sentences from
    spaCy's sentencizer, as `models.nlp` runs it (never cutting a gold entity). HIPE's gold tokens
    split every abbreviation ("St", ".", "Gallen") and its sentences come from PySBD, neither
    of which the pipeline reproduces. Dehyphenated text has no gold tokens, so it implies it.
    """
    if tokens not in ("gold", "pipeline"):
        raise ValueError(f"tokens must be 'gold' or 'pipeline', not {tokens!r}")
    if dehyphenate:
        tokens = "pipeline"
    from spacy.cli.train import train as spacy_train

    train_paths = [Path(p) for p in train_files]
    dev_path = Path(dev_file)
    out = Path(out)
    started = time.time()
    nlp_base = spacy.load(base) if base else spacy.blank(lang)
    lang = str(nlp_base.lang)
    normalise = eol_normaliser() if dehyphenate else None
    labels = labels_for(nlp_base)

    sentencizer = None
    if tokens == "pipeline":
        from spacy.pipeline import Sentencizer

        sentencizer = Sentencizer()

    def convert(path: Path) -> tuple[list[Doc], list[HipeDoc] | None]:
        docs, hdocs = read_annotations(path, nlp_base.vocab, labels)
        if sentencizer is not None and hdocs is not None:
            docs = [retokenized_doc(h, nlp_base, normalise, labels)[0] for h in hdocs]
            for d in docs:
                _sentences_outside_entities(d, sentencizer)
        return docs, hdocs

    train_docs: list[Doc] = []
    for p in train_paths:
        train_docs.extend(convert(p)[0])
    dev_docs, dev_hdocs = convert(dev_path)
    train_pieces = [piece for d in train_docs for piece in split_doc(d, chunk_tokens)]
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        DocBin(docs=train_pieces, store_user_data=False).to_disk(work / "train.spacy")
        DocBin(docs=dev_docs, store_user_data=False).to_disk(work / "dev.spacy")
        cfg = make_config(
            lang,
            variant,
            base,
            base_listens=base is not None and _listens(nlp_base),
            seed=seed,
            max_steps=max_steps,
            max_epochs=max_epochs,
            patience=patience,
            eval_frequency=eval_frequency,
        )
        cfg["training"]["logger"]["progress_bar"] = progress
        cfg.to_disk(work / "config.cfg")
        spacy_train(
            work / "config.cfg",
            work / "trained",
            overrides={
                "paths.train": str(work / "train.spacy"),
                "paths.dev": str(work / "dev.spacy"),
            },
        )
        best = work / "trained" / "model-best"
        nlp = spacy.load(best)
        scores = evaluate(nlp, dev_hdocs, dev_docs, normalise=normalise)
        meta = dict(nlp.meta)
        meta["name"] = name or re.sub(r"[^A-Za-z0-9_]+", "_", out.name).strip("_") or "ner"
        meta["version"] = version
        meta["description"] = (
            f"NER (PER/LOC/ORG) for {lang}, trained by longue-duree models/train_ner.py "
            f"(variant {variant if not base else 'base:' + base}); attach with "
            "models.train_ner.attach_ner"
        )
        meta["license"] = _licence_note([*train_paths, dev_path])
        meta["longue"] = {
            "train": [{"file": p.name, "sha256": sha256(p)} for p in train_paths],
            "dev": {"file": dev_path.name, "sha256": sha256(dev_path)},
            "train_docs": len(train_docs),
            "train_pieces": len(train_pieces),
            "dev_docs": len(dev_docs),
            "base": base,
            "variant": None if base else variant,
            "architecture": None if base else VARIANTS[variant],
            "seed": seed,
            "max_steps": max_steps,
            "max_epochs": max_epochs,
            "patience": patience,
            "chunk_tokens": chunk_tokens,
            "normalise": ["hyphen_signs"] if dehyphenate else [],
            "tokens": tokens,
            "labels": labels,
            "dev_scores": scores,
            "seconds": round(time.time() - started, 1),
        }
        nlp.meta.update(meta)
        final = work / "pipeline"
        nlp.to_disk(final)
        shutil.copy2(work / "config.cfg", final / "training.cfg")
        _replace_dir(final, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return TrainResult(out, meta, scores, time.time() - started)


def _listens(nlp: Language) -> bool:
    tok2vec = nlp.config["components"].get("ner", {}).get("model", {}).get("tok2vec", {})
    return "Listener" in str(tok2vec.get("@architectures", ""))


def _sentences_outside_entities(doc: Doc, sentencizer: Any) -> None:
    """The sentencizer's sentence starts, except inside a gold entity (ner could not learn it)."""
    iobs = [t.ent_iob_ for t in doc]
    starts = [bool(t.is_sent_start) for t in sentencizer(doc)]
    for token, iob, start in zip(doc, iobs, starts, strict=True):
        token.is_sent_start = start and iob != "I"


def _replace_dir(new: Path, out: Path) -> None:
    """Put `new` at `out`, replacing what was there, never leaving a half-written `out`."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{int(time.time() * 1000)}")
        out.rename(old)
    new.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Evaluation and use


def eol_normaliser() -> Callable[[str], tuple[str, np.ndarray | None]]:
    """Text -> text with OCR line-end hyphen signs joined, by the annotation stage's normaliser.

    Uses `models.nlp.normalise_text`'s `hyphen_signs` step ("verlän¬ gernden" ->
    "verlängernden"; HIPE's rebuilt text has a space where the line ended), so training,
    evaluation and annotation join exactly the same words; the map points at the original text.
    """
    from models.nlp import normalise_text

    def normalise(text: str) -> tuple[str, np.ndarray | None]:
        return normalise_text(text, ("hyphen_signs",))

    return normalise


def predicted_spans(doc: Doc, mapping: np.ndarray | None = None) -> list[Span]:
    """The doc's PER/LOC/ORG entities as HIPE spans with offsets into the original text."""
    out = []
    for ent in doc.ents:
        kind = HIPE_OF_LABEL.get(ent.label_)
        if kind is None:
            continue
        start, end = _to_original(mapping, ent.start_char, ent.end_char)
        out.append(Span(start, end, kind))
    return out


def evaluate(
    nlp: Language,
    hdocs: list[HipeDoc] | None,
    docs: Sequence[Doc] | None = None,
    normalise: Callable[[str], tuple[str, np.ndarray | None]] | None = None,
) -> dict[str, Any]:
    """HIPE strict/fuzzy scores on gold tokens and on text re-tokenized by `nlp`'s tokenizer.

    For a DocBin dev set (no HIPE documents), the gold entities of `docs` are scored on their own
    tokens only.
    """
    ner = nlp.get_pipe("ner")
    if hdocs is None:
        assert docs is not None
        gold = [
            [Span(e.start_char, e.end_char, HIPE_OF_LABEL.get(e.label_, e.label_)) for e in d.ents]
            for d in docs
        ]
        pred = [
            predicted_spans(
                ner(
                    Doc(
                        nlp.vocab,
                        words=[t.text for t in d],
                        spaces=[bool(t.whitespace_) for t in d],
                    )
                )
            )
            for d in docs
        ]
        return {"gold_tokens": score(gold, pred)}
    gold = [h.spans for h in hdocs]
    # the pipeline as models.nlp runs it: its own tokenizer, a sentencizer, then the ner (which
    # does not let an entity cross a sentence start, so sentences matter to the scores)
    runner = spacy.blank(str(nlp.lang))
    runner.tokenizer = nlp.tokenizer
    runner.add_pipe("sentencizer")
    runner.add_pipe("ner", source=nlp)
    pred_gold = []  # gold tokens and sentences: what the model does on perfect segmentation
    pred_retok = []  # re-tokenized: how the annotation stage will really see the text
    for h in hdocs:
        text, mapping = normalise(h.text) if normalise else (h.text, None)
        pred_retok.append(predicted_spans(runner(text), mapping))
        if normalise is None:
            d = Doc(nlp.vocab, words=h.words, spaces=h.spaces, sent_starts=h.sentence_starts)
            pred_gold.append(predicted_spans(ner(d)))
        else:  # the dehyphenated text has no gold tokens: the pipeline's own tokens
            pred_gold.append(pred_retok[-1])
    return {
        "gold_tokens": score(gold, pred_gold),
        "retokenized": score(gold, pred_retok),
        "normalise": ["hyphen_signs"] if normalise else [],
    }


def attach_ner(nlp: Language, path: str | Path, name: str = "ner") -> str:
    """Add the trained `ner` at `path` to `nlp` (after every other component); describe it.

    The component is sourced, weights and labels included; it needs nothing of the source
    pipeline but its vocabulary's strings, which spaCy copies. Fails with the command that
    makes the model when `path` holds none.
    """
    path = Path(path)
    if not (path / "meta.json").is_file() or not (path / "ner").is_dir():
        raise FileNotFoundError(
            f"no trained NER pipeline at {path}; train one with `{TRAIN_COMMAND}` "
            f"(or `python -m pipeline.train_ner --from-params` for the params.yaml entries)"
        )
    source = spacy.load(path)
    if source.lang != nlp.lang:
        raise ValueError(
            f"{path} is a {source.lang!r} NER model; it cannot annotate a {nlp.lang!r} pipeline"
        )
    if name in nlp.pipe_names:
        nlp.remove_pipe(name)
    nlp.add_pipe("ner", name=name, source=source)
    meta = source.meta
    scores = (meta.get("longue") or {}).get("dev_scores", {}).get("retokenized", {})
    strict = scores.get("strict", {}).get("f1")
    fuzzy = scores.get("fuzzy", {}).get("f1")
    desc = f"{meta.get('name', path.name)} {meta.get('version', '')} ({path})".replace("  ", " ")
    if strict is not None:
        desc += f"; dev strict/fuzzy F1 {strict:.3f}/{fuzzy:.3f}"
    return desc


def docs_to_docbin(docs: Iterable[Doc], path: str | Path) -> Path:
    """Write Docs (with their entities) as a .spacy file, the other accepted training format."""
    path = Path(path)
    DocBin(docs=list(docs), store_user_data=False).to_disk(path)
    return path
