"""models.german: the HanTa component gives UD German-GSD tags, UPOS, FEATS and lemmas."""

from __future__ import annotations

import pytest

pytest.importorskip("HanTa")

from models import german  # noqa: E402
from models.ud_eval import evaluate  # noqa: E402
from tests.conftest import shared_path  # noqa: E402


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    return german.german_pipeline()


def _rows(nlp, text: str) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(t.text, t.pos_, t.lemma_) for t in nlp(text)]


def test_reported_speech_sentence(nlp) -> None:  # type: ignore[no-untyped-def]
    assert _rows(nlp, "Sie sagte, dass er gestern in die Stadt gefahren sei.") == [
        ("Sie", "PRON", "sie"),
        ("sagte", "VERB", "sagen"),
        (",", "PUNCT", ","),
        ("dass", "SCONJ", "dass"),
        ("er", "PRON", "er"),
        ("gestern", "ADV", "gestern"),
        ("in", "ADP", "in"),
        ("die", "DET", "der"),
        ("Stadt", "NOUN", "Stadt"),
        ("gefahren", "VERB", "fahren"),
        ("sei", "AUX", "sein"),
        (".", "PUNCT", "."),
    ]
    doc = nlp("Er kam, und sie ging.")
    assert doc[0].morph.get("Gender") == ["Masc"] and doc[0].morph.get("Case") == ["Nom"]
    assert doc[0].tag_ == "PPER"


def test_haben_main_verb_or_auxiliary(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("Ich hatte Gelegenheit, ihm zum Geburtstag ein Buch zu schenken.")
    assert (doc[1].pos_, doc[1].lemma_) == ("VERB", "haben")  # no participle in its clause
    assert (doc[4].lemma_, doc[5].tag_, doc[5].lemma_) == ("er", "APPRART", "zu")  # ihm, zum
    doc = nlp("Wir haben uns im Mai getroffen.")
    assert doc[1].pos_ == "AUX" and doc[2].lemma_ == "wir"
    assert doc[4].pos_ == "PROPN"  # months are proper nouns in UD German-GSD
    assert doc[5].morph.get("VerbForm") == ["Part"]


def test_names_quotes_particles(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("Er sagte: ``Das kommt in Deutschlands Hauptstadt nicht an.''")
    by_text = {t.text: t for t in doc}
    assert by_text["``"].pos_ == "PUNCT" and by_text["''"].pos_ == "PUNCT"
    assert by_text["Deutschlands"].lemma_ == "Deutschland"  # genitive -s only
    assert by_text["an"].pos_ == "ADP"  # separable particle that is a preposition
    assert by_text["nicht"].morph.get("Polarity") == ["Neg"]


@pytest.mark.shared
def test_gsd_dev_targets(nlp) -> None:  # type: ignore[no-untyped-def]
    r = evaluate(nlp, shared_path("ud", "de_gsd-ud-dev.conllu"))
    assert r["upos"] >= 0.93
    assert r["lemma_content"] >= 0.96


def test_sie_she_they_or_polite(nlp) -> None:  # type: ignore[no-untyped-def]
    she = nlp("Gestern hatte sie keine Zeit.")[2]
    assert she.morph.get("Gender") == ["Fem"] and she.morph.get("Number") == ["Sing"]
    they = nlp("Die Kinder, sie spielen.")[3]
    assert they.morph.get("Number") == ["Plur"] and they.morph.get("Gender") == []
    polite = nlp("Können Sie mir helfen?")[1]
    assert (polite.lemma_, polite.morph.get("Polite")) == ("Sie", ["Form"])
    obj = nlp("Ich sehe sie nicht.")[2]  # an object: the verb agrees with "ich", not with her
    assert obj.morph.get("Number") == [] and obj.lemma_ == "sie"
