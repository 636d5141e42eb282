"""Cables CSV adapter on the real cablegate sample: no header, backslash quotes, multi-line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import SAMPLES, shared_path

from ingest import cables_csv, get_adapter
from ingest.record import Record, Reject

CABLES = SAMPLES / "cables_csv"


def parse_file(path: Path, **options: object) -> list[Record | Reject]:
    return list(
        cables_csv.parse(path, root=path.parent, collection="cablegate", kind="cable", **options)
    )


def test_registered() -> None:
    assert get_adapter("cables_csv") is cables_csv


def test_two_real_cables_field_by_field() -> None:
    first, second = (r.finalize() for r in parse_file(CABLES / "cablegate_2rows.csv"))
    assert first.doc_id == "cablegate:1"
    assert first.title == "EXTENDED NATIONAL JURISDICTIONS OVER HIGH SEAS"
    assert first.date_text == "12/28/1966 18:48"
    assert first.date_start == first.date_end == dt.date(1966, 12, 28)
    assert first.date_precision == "day"
    assert first.sender == "Embassy Buenos Aires"
    assert first.place == "Buenos Aires"
    assert first.recipient == "SECSTATE WASHDC"
    assert first.classification == "UNCLASSIFIED"
    assert first.metadata["reference_id"] == "66BUENOSAIRES2481"
    assert first.metadata["from"] == "AMEMBASSY BUENOS AIRES"
    assert first.metadata["info"].split("; ")[:2] == ["USCINCSO", "CINCLANT"]
    assert "STATE GRNC" not in first.metadata["info"]
    assert first.metadata["header"].startswith("P R 281848Z DEC 66\nFM AMEMBASSY BUENOS AIRES")
    # backslash-escaped quotes come out as plain quotes; the header is not in the text
    assert 'OF "PREFERENTIAL JURISDICTION" FOR FISHING PURPOSES' in first.text
    assert "\\" not in first.text
    assert "FM AMEMBASSY" not in first.text
    assert first.text.startswith("UNCLASSIFIED BUENOS AIRES 2481\n\nOriginal Telegram")
    assert first.text.endswith("GP-3\nSACCIO")
    assert second.doc_id == "cablegate:2"
    assert second.title == "ACCELERATION OF F-4ES FOR IRAN"
    assert second.date_start == dt.date(1972, 2, 25)
    assert second.recipient == "SECSTATE WASHDC"  # "TO SECSTATE WASHDC 7561": serial dropped
    assert second.metadata["info"] == "SECDEF; EUCOM; CSAF"
    assert second.metadata["refs"] == "72MOSCOW1603; 72TEHRAN1091; 72TEHRAN263"


def test_bad_row_is_rejected_with_its_line_and_the_rest_kept() -> None:
    items = parse_file(CABLES / "cablegate_missing_field.csv")
    records = [i for i in items if isinstance(i, Record)]
    rejects = [i for i in items if isinstance(i, Reject)]
    assert [r.doc_id for r in records] == ["cablegate:m1", "cablegate:m2"]
    assert len(rejects) == 1
    assert rejects[0].reason == "wrong_field_count"
    text = (CABLES / "cablegate_missing_field.csv").read_text(encoding="utf-8")
    line_of_bad_row = text[: text.index('"1b",')].count("\n") + 1
    assert rejects[0].detail.startswith(f"line {line_of_bad_row}: 7 fields, expected 8")
    assert records[1].metadata["line"] == str(text[: text.index('"m2","2/25')].count("\n") + 1)


def test_column_mapping_option(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text(
        '"Embassy Paris","A-17","1/2/1970 10:00","Line one\nline \\"two\\""\n', encoding="utf-8"
    )
    (rec,) = cables_csv.parse(
        f, root=tmp_path, collection="c", kind="cable", columns="origin,reference_id,date,body"
    )
    assert isinstance(rec, Record)
    assert rec.doc_id == "c:A-17"
    assert rec.place == "Paris"
    assert rec.date_start == dt.date(1970, 1, 2)
    assert rec.text == 'Line one\nline "two"'


def test_bad_configuration_fails_at_once() -> None:
    with pytest.raises(ValueError, match="must name a 'body' column"):
        list(cables_csv.find(CABLES, columns="id,date"))
    with pytest.raises(ValueError, match="unknown cables_csv option"):
        list(cables_csv.find(CABLES, colums="id,body"))


def test_header_reading_rule() -> None:
    header = (
        "O 011200Z JAN 70\nFM AMEMBASSY ROME\nTO SECSTATE WASHDC IMMEDIATE 1234\n"
        "AMEMBASSY PARIS\nINFO USMISSION NATO\nBT"
    )
    assert cables_csv.read_header(header) == {
        "from": "AMEMBASSY ROME",
        "to": "SECSTATE WASHDC; AMEMBASSY PARIS",
        "info": "USMISSION NATO",
    }
    assert cables_csv.place_of("Secretary of State") is None
    assert cables_csv.place_of("Consulate General Hong Kong") == "Hong Kong"


def test_shared_file_matches_the_sample() -> None:
    shared = shared_path("cables", "cablegate-sample")
    (path,) = list(cables_csv.find(shared))
    assert [r.doc_id for r in cables_csv.parse(path, root=shared, collection="cablegate")] == [
        "cablegate:1",
        "cablegate:2",
    ]
