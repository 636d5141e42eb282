"""Encoding damage is repaired (ftfy), counted and flagged; only unrepairable text is rejected.

The real case: ELTeC-eng's Machen, *The Hill of Dreams* (1907), whose em-dashes are
double-encoded ("â€”"), was rejected whole as wrong_encoding (issue 20). Legitimate text (French
and German accents, long s, ligatures, curly quotes, Fraktur OCR) must come out unchanged.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ingest import get_adapter
from ingest._encoding import describe_undecodable, find_mojibake, repair_text
from ingest.record import Record, SourceError
from pipeline import ingest
from pipeline.params import parse_collection
from tests.conftest import BENCH, SAMPLES

SYNC = {"scheduler": "synchronous"}
MACHEN = SAMPLES / "encoding" / "eltec_ENG19070_Machen_trimmed.xml"


def ingest_folder(tmp_path: Path, files: dict[str, bytes]) -> tuple[dict, list[dict], list[dict]]:
    """Run the ingest stage on an ELTeC collection made of `files`: metrics, documents, rejects."""
    folder = tmp_path / "data" / "raw" / "books"
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    cfg = parse_collection(
        "books",
        {
            "kind": "book",
            "format": "tei",
            "path": "data/raw/books",
            "languages": ["en"],
            "options": {"profile": "eltec"},
        },
        tmp_path,
    )
    metrics = ingest.run(cfg, tmp_path / "out", dask_section=SYNC)
    docs = pq.read_table(tmp_path / "out" / "documents.parquet").to_pylist()
    rejects = pq.read_table(tmp_path / "out" / "rejects.parquet").to_pylist()
    return metrics, docs, rejects


def test_the_machen_novel_is_kept_with_its_dashes(tmp_path: Path) -> None:
    metrics, docs, rejects = ingest_folder(tmp_path, {MACHEN.name: MACHEN.read_bytes()})
    assert rejects == []
    (doc,) = docs
    assert doc["title"].startswith("The Hill of Dreams")
    assert doc["text"].count("\u2014") == 4 and "â€" not in doc["text"]
    assert 'I suppose"\u2014that was all he said' in doc["text"]
    assert "nettle\u2014arctic pilulifera" in doc["text"]
    meta = dict(doc["metadata"])
    assert meta["text_repaired_chars"] == "4"
    assert meta["text_repair"].startswith("ftfy 6.") and "decode:utf-8" in meta["text_repair"]
    assert metrics["n_documents_repaired"] == 1 and metrics["n_chars_repaired"] == 4
    assert metrics["rejects_by_reason"] == {}


def test_the_repair_changes_nothing_but_the_dashes(tmp_path: Path) -> None:
    """The repaired text equals the text of the same file with its dashes fixed by hand."""
    by_hand = MACHEN.read_text(encoding="utf-8").replace("â€”", "\u2014").encode("utf-8")
    _, repaired, _ = ingest_folder(tmp_path / "a", {MACHEN.name: MACHEN.read_bytes()})
    _, clean, _ = ingest_folder(tmp_path / "b", {MACHEN.name: by_hand})
    assert repaired[0]["text"] == clean[0]["text"]
    assert repaired[0]["n_chars"] == clean[0]["n_chars"]
    assert repaired[0]["n_words"] == clean[0]["n_words"]
    assert "text_repair" not in dict(clean[0]["metadata"])


def test_text_left_garbled_is_rejected_saying_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No real or constructed text stayed mojibake after repair_text (one, two and three layers,
    mixed in a line, beside "ſ"); the guard behind it is tested with a repair that gives up."""
    monkeypatch.setattr(ingest, "repair_text", lambda text: (text, None))
    _, docs, rejects = ingest_folder(tmp_path, {MACHEN.name: MACHEN.read_bytes()})
    assert docs == []
    (row,) = rejects
    assert row["reason"] == "wrong_encoding"
    assert "'â€”'" in row["detail"] and "cannot decode back" in row["detail"]
    assert "declared encoding" not in row["detail"]  # the declaration was right


@pytest.mark.parametrize(
    "layers",
    [
        "Ã¢â€žÂ¢ cafÃ©",  # "™" read twice as cp1252, "é" once, in one line
        "ÃƒÂ¢Ã¢â‚¬Å¾Ã‚Â¢ cafÃ© ſ",  # three layers, and a character cp1252 lacks
        "I was deÅ¿irous to be inuiÅ¿ible, profeſſed Author",  # TCP: "ſ" as entity and as bytes
    ],
)
def test_layers_and_mixtures_are_repaired(layers: str) -> None:
    text, repair = repair_text("\n".join([layers] * 5))
    assert repair is not None and find_mojibake(text) is None
    assert "Ã" not in text and "Å" not in text and "â" not in text


@pytest.mark.parametrize(
    "text",
    [
        "Été à Paris, déjà très âgé, où l'évêque a été reçu « à la Cour » ; voilà…",
        "Daß die Straße für Bürger schön ist, weiß der Müller; Ärger über Öl.",
        "Die Straſſe des Hauſes, ſo ſchön; ein ﬁne ﬂower, Œuvres, æther",
        "“Curly” and ‘single’ quotes — dashes – and … ellipses, £5 and 3½ d.",
        "Fraktur OCR: Jn der Nacht vom 1. auf den 2. Ja¬\nnuar ſtarb der Koͤnig, uͤber",
        "Ελληνικά, русский, עברית, 中文; São Paulo, ÃO in capitals",
    ],
)
def test_legitimate_text_is_left_alone(text: str) -> None:
    assert repair_text(text) == (text, None)


@pytest.mark.parametrize(
    "sample",
    [
        SAMPLES / "tei" / "eltec_FRA01402_Fleuriot_trimmed.xml",
        SAMPLES / "tei" / "eltec_ENG18720_Lynn_trimmed.xml",
        SAMPLES / "tei" / "tcp_A83466.xml",
        SAMPLES / "tei" / "frus1894Nicaragua_trimmed.xml",
    ],
    ids=lambda p: p.name,
)
def test_real_samples_are_left_alone(sample: Path) -> None:
    records = [
        r
        for r in get_adapter("tei").parse(sample, root=sample.parent, collection="s", kind="book")
        if isinstance(r, Record)
    ]
    assert records
    for record in records:
        assert repair_text(record.text) == (record.text, None), record.doc_id


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("the wordâ€”so he said", "the word\u2014so he said"),
        ("Ã‰tÃ© Ã  Paris", "Été à Paris"),  # a whole line read as cp1252
        ("Ã©tÃ© and Straſſe", "été and Straſſe"),  # mojibake beside a character cp1252 lacks
        ("price \x80 5", "price € 5"),  # a cp1252 byte decoded as Latin-1 (a C1 control)
    ],
)
def test_mojibake_is_repaired(broken: str, fixed: str) -> None:
    text, repair = repair_text(f"clean line\n{broken}\nclean again")
    assert text == f"clean line\n{fixed}\nclean again"
    assert repair is not None and repair.n_lines == 1 and repair.n_chars >= 1


def test_a_whole_file_read_as_latin1_is_repaired_exactly() -> None:
    clean = (SAMPLES / "tei" / "eltec_FRA01402_Fleuriot_trimmed.xml").read_text(encoding="utf-8")
    text, repair = repair_text(clean.encode("utf-8").decode("cp1252", errors="replace"))
    assert text == clean
    assert repair is not None and repair.n_chars == sum(1 for c in clean if ord(c) > 0x7F)


def test_undecodable_bytes_are_described() -> None:
    latin1 = "Été à Paris, déjà".encode("latin-1")
    assert describe_undecodable(latin1, "utf-8") == (
        "5 undecodable byte(s) at offsets 0 (0xC9), 2 (0xE9), 4 (0xE0), 14 (0xE9), 16 (0xE0); "
        "the file claims utf-8, but every byte reads as cp1252 (Windows Latin-1): declare that"
    )
    mixed = "Été — ".encode() + "déjà".encode("latin-1")
    assert describe_undecodable(mixed, "utf-8") == (
        "2 undecodable byte(s) at offsets 11 (0xE9), 13 (0xE0); the file claims utf-8"
    )
    many = b"\xff" * 12
    assert describe_undecodable(many, "utf-8").startswith(
        "12 undecodable byte(s) at offsets 0 (0xFF), 1 (0xFF), 2 (0xFF), 3 (0xFF), 4 (0xFF) "
        "and 7 more"
    )


def test_the_whole_eltec_eng_bench_ingests(tmp_path: Path) -> None:
    """All 91 novels of ../shared/bench/eltec-eng.tar.gz; Machen's has its dashes (~1 min)."""
    archive = BENCH / "eltec-eng.tar.gz"
    if not archive.exists():
        pytest.skip(f"{archive} not available")
    shutil.unpack_archive(archive, tmp_path / "x")
    files = {p.name: p.read_bytes() for p in sorted((tmp_path / "x").rglob("level1/*.xml"))}
    assert len(files) == 91
    metrics, docs, rejects = ingest_folder(tmp_path, files)
    assert metrics["n_documents"] == 91, rejects
    assert [r for r in rejects if r["reason"] not in ingest.KEPT_REASONS] == []
    machen = next(d for d in docs if d["source_path"].endswith("ENG19070_Machen.xml"))
    assert "â€" not in machen["text"] and find_mojibake(machen["text"]) is None
    assert machen["text"].count("\u2014") >= 27
    assert metrics["n_documents_repaired"] == 1


def test_a_plain_text_file_in_the_wrong_encoding_says_which_bytes(tmp_path: Path) -> None:
    path = tmp_path / "letter.txt"
    path.write_bytes("Monsieur,\nJ'ai reçu votre lettre de l'été dernier.\n".encode("cp1252"))
    with pytest.raises(SourceError) as info:
        list(get_adapter("plaintext").parse(path, root=tmp_path, collection="c", kind="book"))
    assert info.value.reason == "bad_encoding"
    assert info.value.detail.endswith(
        "3 undecodable byte(s) at offsets 17 (0xE7), 38 (0xE9), 40 (0xE9); the file claims "
        "utf-8-sig, "
        "but every byte reads as cp1252 (Windows Latin-1): declare that"
    )
