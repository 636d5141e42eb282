"""Regression tests from the held-out index audit of the TEI adapter (docs/heldout-index-tei.md):
ELTeC level-2 tokenised text, ELTeC titles/authors in other languages, FRUS head notes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from ingest import get_adapter
from ingest.record import Record
from tests.conftest import SAMPLES, shared_path

HERE = SAMPLES / "heldout-index"
TEI_NS = {"t": "http://www.tei-c.org/ns/1.0"}
WORD = re.compile(r"\w+(?:[-'’]\w+)*")


def parse(path: Path, kind: str = "book") -> list[Record]:
    out = list(get_adapter("tei").parse(path, root=path.parent, collection="t", kind=kind))
    assert all(isinstance(r, Record) for r in out), out
    return out  # type: ignore[return-value]


def test_eltec_slv_level2_punctuation_joins_the_word_before() -> None:
    (rec,) = parse(HERE / "eltec_slv_SLV00103-L2_trimmed.xml")
    assert rec.text.startswith(
        "Prvo poglavje.\n\nNa Radovji, v zagorskej slovenskej vasi, bil je takov dan kakor "
        "praznik, če ravno ni bilo"
    )
    assert "ne dé. Ondi pod" in rec.text
    assert "spuščali — in novega župana volili." in rec.text  # a dash keeps its spaces
    assert not re.search(r"\w [,.]", rec.text)


def test_eltec_level2_words_are_the_tokens_in_order() -> None:
    path = HERE / "eltec_slv_SLV00103-L2_trimmed.xml"
    tokens = [
        "".join(el.itertext())
        for el in etree.parse(str(path)).iterfind(".//t:body//t:*", TEI_NS)
        if etree.QName(el).localname in ("w", "pc")
    ]
    (rec,) = parse(path)
    expected = [w for t in tokens for w in WORD.findall(t)]
    assert WORD.findall(rec.text)[2:] == expected  # after the head "Prvo poglavje"
    assert len(expected) == 55


def test_eltec_por_level2_straight_quotes_and_closing_punctuation() -> None:
    (rec,) = parse(HERE / "eltec_por_POR0090_L2_trimmed.xml")
    assert 'A "Biblioteca Universal" de Sydney.' in rec.text
    assert rec.text.startswith("PREFÁCIO\n\nHipnotismo. Ruínas de a Europa.")
    assert "cenas de hipnotização, tive desde logo" in rec.text
    # PALAVRAS splits contractions ("do" -> "de" "+o"): kept as the source writes the tokens
    assert "de +o hipnotizador, senti" in rec.text


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("eltec_slv_SLV00103-L2_trimmed.xml", "Zvezdana"),
        ("eltec_por_POR0090_L2_trimmed.xml", "Lisboa no Ano Três Mil"),
        ("eltec_slv_SL00024_trimmed.xml", "Od pluga do krone."),
    ],
)
def test_eltec_edition_statement_cut_from_title_in_any_language(name: str, title: str) -> None:
    (rec,) = parse(HERE / name)
    assert rec.title == title


def test_eltec_unknown_life_dates_cut_from_author() -> None:
    (rec,) = parse(HERE / "eltec_slv_SL00024_trimmed.xml")
    assert rec.authors == ("Bedenek, Jakob",)
    assert json.loads(rec.metadata["authors_as_written"]) == ["Bedenek, Jakob (?-?)"]
    assert rec.language == "sl"
    assert rec.year is None  # the header gives no date of the novel (only the 2018 encoding)
    (slv,) = parse(HERE / "eltec_slv_SLV00103-L2_trimmed.xml")
    assert slv.authors == ("Koder, Anton",) and slv.year == 1883


def test_frus_source_note_inside_head_is_kept_with_its_classification() -> None:
    d56, d57 = parse(HERE / "frus1952-54Guat_d56_d57.xml", kind="cable")
    assert d56.doc_id == "t:frus1952-54Guat/d56" and d57.doc_id == "t:frus1952-54Guat/d57"
    assert d56.title == "56. Memorandum for the Record"
    assert d57.title == "57. Memorandum of Conversation"
    (n56,) = json.loads(d56.metadata["source_notes"])
    assert n56.startswith("Source: Central Intelligence Agency, Job 79–01025A, Box 72")
    assert "No classification marking" in n56 and d56.classification is None
    (n57,) = json.loads(d57.metadata["source_notes"])
    assert n57.endswith("Secret. Drafted by Fisher.")
    assert d57.classification == "Secret"
    assert (str(d56.date_start), str(d57.date_start)) == ("1953-10-03", "1953-10-08")
    assert d57.place == "Washington"
    assert json.loads(d57.metadata["notes"]) == ["A handwritten marginal note reads “Trujillo.”"]
    assert "Source:" not in d57.text and "Secret" not in d57.text


def test_shared_frus_footnote_in_head_kept_in_notes() -> None:
    path = shared_path("cables", "frus", "frus1872p2v5.xml")
    recs = {r.doc_id: r for r in parse(path, kind="cable")}
    rec = recs["t:frus1872p2v5/d115"]
    assert "As officially printed in the United States." in json.loads(rec.metadata["notes"])
    assert "As officially printed" not in (rec.title or "")
