"""warehouse.terms: the term query syntax, checked against direct scans of the sample's texts
and tokens (the fixture warehouse of tests/warehouse_fixture.py: ELTeC, FRUS, Tate, BnL)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from warehouse import Warehouse
from warehouse.queries import QueryWarning
from warehouse.terms import MAX_TOKENS, TermError, parse_term

sys.path.insert(0, str(Path(__file__).resolve().parent))
from warehouse_fixture import FixtureWarehouse  # noqa: E402


def scan(fx: FixtureWarehouse, words: list[str], field: str = "text") -> pd.Series:
    """Occurrences of consecutive tokens `words` per document, by walking the token table."""
    counts: dict[str, int] = {}
    n = len(words)
    for doc_id, tok in fx.tokens.sort_values(["doc_id", "position"]).groupby("doc_id"):
        values = tok[field].fillna("").str.lower().str.replace("’", "'").tolist()
        found = sum(
            all(w == "*" or values[i + k] == w for k, w in enumerate(words))
            for i in range(len(values) - n + 1)
        )
        if found:
            counts[doc_id] = found
    return pd.Series(counts, dtype="int64")


# --- syntax ----------------------------------------------------------------------------


def test_one_word_is_a_lemma_and_a_phrase_is_word_forms() -> None:
    (word,) = parse_term("Liberté").phrases[0].words
    assert (word.value, word.field) == ("liberté", "lemma")
    phrase = parse_term("United States").phrases[0]
    assert [(w.value, w.field) for w in phrase.words] == [
        ("united", "text"),
        ("states", "text"),
    ]
    forced = parse_term("United States", field="lemma").phrases[0]
    assert {w.field for w in forced.words} == {"lemma"}
    mixed = parse_term("lemma:être text:fut").phrases[0]
    assert [w.field for w in mixed.words] == ["lemma", "text"]


def test_phrases_are_cut_as_each_language_cuts_its_texts() -> None:
    term = parse_term("droits de l’homme", languages=("en", "fr"))
    cuttings = {tuple(w.value for w in p.words) for p in term.phrases}
    assert ("droits", "de", "l'", "homme") in cuttings  # French: the elided article apart
    assert ("droits", "de", "l'homme") in cuttings  # English rules keep it whole
    assert parse_term('"don\'t know"', languages=("en",)).phrases[0].words[1].value == "n't"


def test_pos_wildcards_sums_and_errors() -> None:
    (w,) = parse_term("femme/noun").phrases[0].words
    assert (w.value, w.pos) == ("femme", "NOUN")
    assert parse_term("liber*").phrases[0].words[0].wildcard
    any_word = parse_term("the * of").phrases[0].words[1]
    assert any_word.any
    assert len(parse_term("juif+juifs+israélite").phrases) == 3
    with pytest.raises(TermError, match="part of speech"):
        parse_term("femme/NOM")
    with pytest.raises(TermError, match=f"up to {MAX_TOKENS} tokens"):
        parse_term("one two three four five six")
    with pytest.raises(TermError, match="besides"):
        parse_term("* *")
    with pytest.raises(TermError, match="empty variant"):
        parse_term("juif+")
    with pytest.raises(TermError, match="field"):
        parse_term("mer", field="lemmas")


# --- matching against the texts ----------------------------------------------------------


@pytest.mark.parametrize(
    "phrase",
    ["United States", "Secretary of State", "de la", "the government of", "il y a"],
)
def test_phrase_hits_equal_a_scan_of_the_tokens(
    wh: Warehouse, fx: FixtureWarehouse, phrase: str
) -> None:
    expected = scan(fx, phrase.lower().split())
    hits = wh.hits(phrase, languages=None)
    got = hits.groupby("doc_id").size()
    assert expected.sum() > 0
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    assert set(hits["length"]) == {len(phrase.split())}


def test_phrase_counts_agree_with_the_source_texts(wh: Warehouse, fx: FixtureWarehouse) -> None:
    pattern = re.compile(r"(?<!\w)united\s+states(?!\w)")
    in_texts = sum(len(pattern.findall(str(t).lower())) for t in fx.documents["text"])
    f = wh.frequency("United States", by="century", n_boot=0, language="all")
    dated = fx.documents[fx.documents["year"].notna()]
    in_dated = sum(len(pattern.findall(str(t).lower())) for t in dated["text"])
    assert in_texts == 36 and f["count"].sum() == in_dated
    assert set(f["language"]) == {"all"}


def test_french_phrase_with_an_elided_article(wh: Warehouse, fx: FixtureWarehouse) -> None:
    # "de l'" + noun: the French cutting finds it; the English one cannot double it
    expected = scan(fx, ["de", "l'", "argent"])
    assert expected.sum() > 0
    assert len(wh.hits("de l’argent")) == len(wh.hits("de l'argent")) == expected.sum() == 5


def test_any_token_and_wildcard_substitutions(wh: Warehouse, fx: FixtureWarehouse) -> None:
    found = wh.match("the * of")
    assert len(found.hits) == scan(fx, ["the", "*", "of"]).sum()
    top = found.substitutions(5)
    assert top["count"].is_monotonic_decreasing and top["match"].str.match(r"the \S+ of").all()
    lemmas = fx.tokens["lemma"].fillna("").str.lower()
    wild = wh.match("liber*")
    assert len(wild.hits) == int(lemmas.str.startswith("liber").sum())
    assert set(wild.hits["match"]) == set(lemmas[lemmas.str.startswith("liber")])


def test_lemma_with_part_of_speech(wh: Warehouse, fx: FixtureWarehouse) -> None:
    tok = fx.tokens
    expected = int(((tok["lemma"].str.lower() == "femme") & (tok["pos"] == "NOUN")).sum())
    assert expected > 0
    assert len(wh.hits("femme/NOUN")) == expected
    assert len(wh.hits("femme/VERB")) == 0


def test_sum_of_variants_is_one_series(wh: Warehouse) -> None:
    one = wh.frequency("sea+ocean", by="century", n_boot=0).set_index("period")["count"]
    sea = wh.frequency("sea", by="century", n_boot=0).set_index("period")["count"]
    ocean = wh.frequency("ocean", by="century", n_boot=0).set_index("period")["count"]
    assert (one == sea.add(ocean, fill_value=0)).all()
    both = wh.frequency(["sea", "United States"], by="century", n_boot=0)
    assert list(dict.fromkeys(both["term"])) == ["sea", "United States"]


def test_phrase_kwic_shows_the_phrase_and_its_context(wh: Warehouse) -> None:
    k = wh.kwic("Secretary of State", window=4)
    assert len(k) == 5
    assert k["match"].str.lower().eq("secretary of state").all()
    assert k["left"].str.split().str.len().le(4).all()
    assert k["right"].str.split().str.len().le(4).all()


def test_no_silent_zero(wh: Warehouse) -> None:
    with pytest.warns(QueryWarning, match="never occurs"):
        f = wh.frequency("zzxqj", n_boot=0)
    assert f["count"].sum() == 0 and "never occurs" in f.attrs["notes"][0]
    with pytest.warns(QueryWarning, match="not counted"):
        wh.frequency("war", n_boot=0)  # mostly English, once in a French text
    with pytest.raises(ValueError, match="languages here"):
        wh.frequency("mer", language="la")
    with pytest.raises(TermError):
        wh.kwic("une phrase bien trop longue pour l'index")


# --- citable KWIC --------------------------------------------------------------------------


def test_kwic_lines_cite_the_source_as_written(wh: Warehouse, fx: FixtureWarehouse) -> None:
    k = wh.kwic("Secretary of State", window=3, limit=None)
    texts = fx.documents.set_index("doc_id")["text"]
    for line in k.itertuples():
        text = texts[line.doc_id]
        assert text[line.start_char : line.end_char].lower() == "secretary of state"
        assert text[line.start_char : line.end_char] in line.passage
        assert line.passage in text  # a stretch of the source, spacing and punctuation kept
    # FRUS pages come from the volume's <pb n>: "Henry Clay, Secretary of State." is on p. 26
    clay = k[k["passage"].str.contains("Henry Clay")].iloc[0]
    assert clay["page"] == "26" and clay["chapter"] == "APPENDIX."


def test_kwic_pages_of_an_alto_newspaper(wh: Warehouse, fx: FixtureWarehouse) -> None:
    k = wh.kwic("mer", kinds="press", limit=None)
    assert len(k) == 6 and k["page"].notna().all()
    pages = wh.sql(
        "SELECT page_number, text FROM pages WHERE doc_id = ? ORDER BY page_number",
        [k["doc_id"].iloc[0]],
    )
    for line in k.itertuples():  # the match's words are on the page the line names
        page_text = pages.set_index("page_number").loc[int(line.page), "text"]
        assert line.passage.split()[len(line.left.split())] in page_text


def test_kwic_states_its_limit_and_pages_through_every_hit(wh: Warehouse) -> None:
    every = wh.kwic("love", limit=None)
    assert every.attrs["n_hits"] == len(every) > 4
    with pytest.warns(QueryWarning, match=f"of {len(every)} hits"):
        first = wh.kwic("love", limit=4)
    rest = wh.kwic("love", limit=None, offset=4)
    assert first.attrs["n_hits"] == len(every)
    pd.testing.assert_frame_equal(
        pd.concat([first, rest], ignore_index=True), every, check_dtype=False
    )
