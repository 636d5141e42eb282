"""Plain-text adapter: ELTeC plain1 texts joined to the metadata TSV sidecar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import SAMPLES, shared_path

from ingest import get_adapter, plaintext
from ingest.record import Record

PLAIN = SAMPLES / "plaintext"


def parse_all(root: Path, **options: object) -> dict[str, Record]:
    out = {}
    for p in plaintext.find(root, **options):
        for r in plaintext.parse(p, root=root, collection="eltec-fra", kind="book", **options):
            out[r.doc_id] = r.finalize()
    return out


def test_registered() -> None:
    assert get_adapter("plaintext") is plaintext


def test_text_joined_to_its_tsv_row() -> None:
    recs = parse_all(PLAIN)
    assert list(recs) == ["eltec-fra:FRA00901_Daudet", "eltec-fra:chronam_ocr_excerpt"]
    daudet = recs["eltec-fra:FRA00901_Daudet"]
    assert daudet.title == "Le petit chose"
    assert daudet.authors == ("Daudet, Alphonse",)
    assert daudet.date_text == "1868" and daudet.year == 1868
    assert daudet.date_start == dt.date(1868, 1, 1)
    assert daudet.language == "fr"
    assert daudet.metadata["metadata_row"] == "found"
    assert daudet.metadata["xmlid"] == "FRA00901"
    assert daudet.metadata["author-birth"] == "1840"
    assert "digital-edition" in daudet.metadata and "title-ids" in daudet.metadata
    assert daudet.text.startswith("PREMIÈRE PARTIE\nI -- LA FABRIQUE\nJe suis né le 13 mai 18...")
    assert not any(line != line.strip() for line in daudet.text.splitlines())


def test_text_without_row_is_kept() -> None:
    rec = parse_all(PLAIN)["eltec-fra:chronam_ocr_excerpt"]
    assert rec.metadata["metadata_row"] == "missing"
    assert rec.title is None and rec.year is None
    assert "Will Lay Off 150 Craft." in rec.text


def test_no_sidecar_and_bad_configuration(tmp_path: Path) -> None:
    recs = parse_all(PLAIN, metadata_tsv="", language="fr")
    assert recs["eltec-fra:FRA00901_Daudet"].title is None
    assert recs["eltec-fra:FRA00901_Daudet"].language == "fr"
    with pytest.raises(ValueError, match="has no column 'file'"):
        list(plaintext.find(PLAIN, key_column="file"))
    with pytest.raises(ValueError, match="does not exist"):
        list(plaintext.find(PLAIN, metadata_tsv="nope.tsv"))


def test_shared_eltec_plain_texts() -> None:
    root = shared_path("books", "eltec-fra", "plain1")
    recs = parse_all(root)  # the TSV is found in the parent folder
    assert sorted(recs) == [
        "eltec-fra:FRA00901_Daudet",
        "eltec-fra:FRA03201_Blandy",
        "eltec-fra:FRA03704_Sand",
        "eltec-fra:FRA05901_Moselly",
    ]
    sand = recs["eltec-fra:FRA03704_Sand"]
    assert sand.title == "Horace" and sand.year == 1840
    assert sand.authors == ("Sand, George [Amantine Lucile Aurore Dupin]",)
    # ELTeC counts 133,214 words; our word rule differs a little (apostrophes, hyphens)
    assert abs(sand.n_words - int(sand.metadata["numwords"])) / sand.n_words < 0.1
    assert all(r.metadata["metadata_row"] == "found" for r in recs.values())
