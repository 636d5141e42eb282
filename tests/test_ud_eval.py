"""models.ud_eval: CoNLL-U reading (multi-word tokens, empty nodes), alignment and scores."""

from __future__ import annotations

import json

import pytest
import spacy
from spacy.tokens import Doc

from models import ud_eval
from tests.conftest import shared_path

# Written for these tests: a French sentence with the multi-word token "du" = de + le, one
# with an empty node, and an English one without `# text` (rebuilt from SpaceAfter).
CONLLU = """# sent_id = t1
# text = Le chat du voisin dort.
1\tLe\tle\tDET\t_\tDefinite=Def|Gender=Masc|Number=Sing|PronType=Art\t2\tdet\t_\t_
2\tchat\tchat\tNOUN\t_\tGender=Masc|Number=Sing\t6\tnsubj\t_\t_
3-4\tdu\t_\t_\t_\t_\t_\t_\t_\t_
3\tde\tde\tADP\t_\t_\t5\tcase\t_\t_
4\tle\tle\tDET\t_\tDefinite=Def|Gender=Masc|Number=Sing|PronType=Art\t5\tdet\t_\t_
5\tvoisin\tvoisin\tNOUN\t_\tGender=Masc|Number=Sing\t2\tnmod\t_\t_
6\tdort\tdormir\tVERB\t_\t_\t0\troot\t_\tSpaceAfter=No
7\t.\t.\tPUNCT\t_\t_\t6\tpunct\t_\t_

# sent_id = t2
# text = Elle dort, lui aussi.
1\tElle\tlui\tPRON\t_\tGender=Fem|Number=Sing|Person=3|PronType=Prs\t2\tnsubj\t_\t_
2\tdort\tdormir\tVERB\t_\t_\t0\troot\t_\tSpaceAfter=No
3\t,\t,\tPUNCT\t_\t_\t4\tpunct\t_\t_
4\tlui\tlui\tPRON\t_\tGender=Masc|Number=Sing|Person=3|PronType=Prs\t2\tconj\t_\t_
4.1\tdort\tdormir\tVERB\t_\t_\t_\t_\t2:conj\tCopyOf=2
5\taussi\taussi\tADV\t_\t_\t4\tadvmod\t_\tSpaceAfter=No
6\t.\t.\tPUNCT\t_\t_\t2\tpunct\t_\t_

# sent_id = t3
1\tDogs\tdog\tNOUN\t_\tNumber=Plur\t2\tnsubj\t_\t_
2\tbark\tbark\tVERB\t_\t_\t0\troot\t_\tSpaceAfter=No
3\t.\t.\tPUNCT\t_\t_\t2\tpunct\t_\t_
"""


def test_reader_multiword_tokens_and_empty_nodes() -> None:
    s1, s2, s3 = ud_eval.read_conllu(CONLLU)
    assert [w.form for w in s1.words] == ["Le", "chat", "de", "le", "voisin", "dort", "."]
    assert s1.tokens[2] == ("du", 8, 10, 2)  # one surface token, two words
    assert [w.first for w in s1.words[2:4]] == [True, False]
    assert [w.form for w in s2.words] == ["Elle", "dort", ",", "lui", "aussi", "."]  # no 4.1
    assert s3.text == "Dogs bark."  # rebuilt from SpaceAfter=No
    assert [(t[1], t[2]) for t in s3.tokens] == [(0, 4), (5, 9), (9, 10)]


def test_align_multiword_token_one_or_many_predicted_tokens() -> None:
    s1 = ud_eval.read_conllu(CONLLU)[0]
    assert s1.text[8:10] == "du"
    # "du" as one predicted token: scored against its first word (de); "le" unaligned
    one = [(0, 2), (3, 7), (8, 10), (11, 17), (18, 22), (22, 23)]
    assert ud_eval.align(s1, one) == [0, 1, 2, None, 3, 4, 5]
    # split into as many tokens as words: aligned in order
    two = [(0, 2), (3, 7), (8, 9), (9, 10), (11, 17), (18, 22), (22, 23)]
    assert ud_eval.align(s1, two) == [0, 1, 2, 3, 4, 5, 6]
    # a tokenisation that disagrees ("chat du" as one token): those words are unaligned
    merged = [(0, 2), (3, 10), (11, 17), (18, 22), (22, 23)]
    assert ud_eval.align(s1, merged) == [0, None, None, None, 2, 3, 4]


def _fixed_pipeline(annotations: dict[str, tuple[str, str, str]]) -> spacy.language.Language:
    """A pipeline whose POS/lemma/morph come from a table: the scorer is tested, not a model."""
    nlp = spacy.blank("fr")

    @spacy.Language.component("ud_eval_test_table")
    def table(doc: Doc) -> Doc:
        for t in doc:
            pos, lemma, morph = annotations.get(t.text, ("X", t.text, ""))
            t.pos_, t.lemma_ = pos, lemma
            if morph:
                t.set_morph(morph)
        return doc

    nlp.add_pipe("ud_eval_test_table")
    return nlp


def test_scores_and_conventions(tmp_path) -> None:
    path = tmp_path / "fr_test-ud-dev.conllu"
    path.write_text(CONLLU, encoding="utf-8")
    nlp = _fixed_pipeline(
        {
            "Le": ("DET", "le", ""),
            "chat": ("NOUN", "chat", ""),
            "du": ("ADP", "de", ""),
            "voisin": ("NOUN", "voisine", ""),  # a content-word lemma error
            "dort": ("VERB", "dormir", ""),
            ".": ("PUNCT", ".", ""),
            "Elle": ("PRON", "elle", "Gender=Fem"),  # lemma differs from UD's "lui"
            ",": ("PUNCT", ",", ""),
            "lui": ("PRON", "lui", "Gender=Masc"),
            "aussi": ("ADV", "aussi", ""),
            "Dogs": ("NOUN", "Dog", ""),  # right lemma, other case
            "bark": ("NOUN", "bark", ""),  # a UPOS error
        }
    )
    r = ud_eval.evaluate(nlp, path)
    # 7 + 6 + 3 words; the blank French tokenizer keeps "du" whole: "le" (4) is unaligned
    assert r["words"] == 16 and r["multiword_token_words"] == 2
    assert r["alignment"] == round(15 / 16, 4)
    assert r["upos"] == round(14 / 15, 4)
    assert r["lemma_all"] == round(13 / 15, 4)  # voisin, Elle wrong
    assert r["lemma_all_cased"] == round(12 / 15, 4)  # and Dog
    assert r["content_words"] == 7  # chat voisin dort dort aussi Dogs bark
    assert r["lemma_content"] == round(6 / 7, 4)
    assert r["lemma_all_strict"] == round(13 / 16, 4)
    assert r["pron_gender"] == 1.0
    assert r["content_lemma_errors"] == [
        {"form": "voisin", "gold": "voisin", "predicted": "voisine", "n": 1}
    ]
    json.dumps(r)  # the stage writes it as JSON


def test_stage_skips_without_the_folder(tmp_path) -> None:
    from models.nlp import NlpConfig
    from pipeline import evaluate_ud

    report = evaluate_ud.run(tmp_path / "absent", NlpConfig())
    assert report["files"] == {} and "absent" in report["skipped"]
    (tmp_path / "empty").mkdir()
    assert "no .conllu" in evaluate_ud.run(tmp_path / "empty", NlpConfig())["skipped"]


def test_stage_scores_each_file_with_its_language_pipeline(tmp_path) -> None:
    from models.nlp import NlpConfig
    from pipeline import evaluate_ud

    (tmp_path / "fr_test-ud-dev.conllu").write_text(CONLLU, encoding="utf-8")
    report = evaluate_ud.run(tmp_path, NlpConfig())  # no model configured: blank French
    result = report["files"]["fr_test-ud-dev.conllu"]
    assert result["language"] == "fr" and result["words"] == 16
    assert report["pipelines"]["fr"]["fallback"] is True
    assert "words_per_second" not in result  # the report is deterministic


def test_language_of() -> None:
    assert ud_eval.language_of("de_gsd-ud-dev.conllu") == "de"
    assert ud_eval.language_of("/x/fr_gsd-ud-test.conllu") == "fr"


@pytest.mark.shared
def test_real_dev_files_are_read_and_aligned() -> None:
    ud = shared_path("ud")
    for name, lang in (("de_gsd-ud-dev.conllu", "de"), ("fr_gsd-ud-dev.conllu", "fr")):
        sentences = ud_eval.read_conllu(ud / name)
        assert len(sentences) > 700
        words = sum(len(s.words) for s in sentences)
        located = sum(1 for s in sentences for t in s.tokens if t[1] >= 0)
        assert located / sum(len(s.tokens) for s in sentences) > 0.999
        nlp = spacy.blank(lang)
        r = ud_eval.evaluate(nlp, ud / name)
        assert r["words"] == words
        assert r["alignment"] > 0.95  # spaCy's tokenizer against UD's tokens
