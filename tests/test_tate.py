"""Tate adapter: golden samples, the 275 raw records, the shared folder, the JSONL bench file."""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import BENCH, RAW, SAMPLES, shared_path

from ingest import get_adapter, tate
from ingest.record import DOCUMENT_SCHEMA, Record, Reject, SourceError, from_table, to_table

TATE = SAMPLES / "tate"


def parse_all(root: Path, collection: str = "tate", **options: object) -> list[Record | Reject]:
    return [r for p in tate.find(root, **options)
            for r in tate.parse(p, root=root, collection=collection, kind="museum", **options)]


def one(path: Path) -> Record:
    (rec,) = list(tate.parse(path, root=TATE, collection="tate", kind="museum"))
    assert isinstance(rec, Record)
    return rec


def test_adapter_is_registered() -> None:
    assert get_adapter("tate") is tate


def test_find_skips_artist_tables_and_sorts() -> None:
    names = [p.name for p in tate.find(TATE)]
    assert names == sorted(names)
    assert "artist_data_excerpt.csv" not in names
    assert names == ["artwork_data_excerpt.csv", "p11975-78735.json", "t00916-15729.json",
                     "t06416-19594.json", "t07699-27365.json"]


def test_golden_verrio_painting() -> None:
    rec = one(TATE / "t00916-15729.json")
    assert rec.doc_id == "tate:T00916" and rec.kind == "museum" and rec.language == "en"
    assert rec.title == "Sketch for a Ceiling Decoration: An Assembly of the Gods"
    assert rec.authors == ("Antonio Verrio",)
    assert rec.date_text == "c.1680–1700"
    assert (rec.date_start, rec.date_end, rec.year) == (dt.date(1680, 1, 1), dt.date(1700, 12, 31),
                                                        1690)
    assert rec.date_precision == "range" and rec.date_approximate
    assert rec.classification == "painting" and rec.place is None and rec.publisher is None
    lines = rec.text.split("\n")
    assert lines[:4] == ["Sketch for a Ceiling Decoration: An Assembly of the Gods",
                         "By Antonio Verrio (1639–1707).", "Dated c.1680–1700.",
                         "Oil paint on canvas."]
    assert "religion and belief: classical myths: gods and heroes: Apollo" in lines
    assert "nature: animals: birds: swan" in lines
    assert lines[-1] == ("Movements: Baroque (16th and 17th century); Italian-trained, working in "
                         "Britain (16th and 17th century).")
    assert len(lines) == 15
    assert "{" not in rec.text and "acno" not in rec.text
    meta = rec.metadata
    assert meta["acno"] == "T00916" and meta["creditLine"] == "Purchased 1967"
    assert meta["acquisitionYear"] == "1967" and meta["medium"] == "Oil paint on canvas"
    assert meta["dimensions"] == "support: 1692 x 829 mm frame: 1945 x 1090 x 133 mm"
    assert meta["url"].endswith("-t00916") and meta["movements"].startswith("Baroque")
    assert meta["subjects"].count("\n") == 9 and meta["date_source"] == "dateText"
    assert rec.source_path == "tate/t00916-15729.json" and len(rec.source_sha256) == 64
    assert rec.n_words > 50


def test_golden_attributed_portrait_falls_back_to_all_artists() -> None:
    rec = one(TATE / "t07699-27365.json")
    assert rec.title == "Portrait of an Unknown Lady"
    assert rec.authors == ("attributed to Marcus Gheeraerts II",)  # no contributor with role artist
    assert (rec.year, rec.date_precision, rec.date_approximate) == (1595, "year", True)
    assert rec.text.split("\n")[1:3] == ["Attributed to Marcus Gheeraerts II (1561 or 2–1636).",
                                         "Dated c.1595."]
    assert rec.metadata["contributor_roles"] == "attributed to: Marcus Gheeraerts II"


def test_golden_date_not_known_gives_no_date() -> None:
    rec = one(TATE / "t06416-19594.json")
    assert rec.title == "Tunbridge Priory, Kent, engraved by J. Greig"
    assert rec.date_text == "date not known"
    assert (rec.date_start, rec.year, rec.date_precision) == (None, None, None)
    assert rec.text.split("\n")[1:3] == ["After Edward Dayes (1763–1804).", "Date not known."]
    assert "places: UK counties: Kent" in rec.text.split("\n")
    assert rec.metadata["places_depicted"] == (
        "England; Kent; Royal Tunbridge Wells, Tunbridge Priory")


def test_golden_foreign_and_group_titles() -> None:
    rec = one(TATE / "p11975-78735.json")
    assert rec.text.split("\n")[:5] == ["Untitled", "Sin Título", "Ricas y famosas",
                                        "By Daniela Rossell (born 1973).", "Dated 2002."]
    assert (rec.year, rec.date_precision, rec.date_approximate) == (2002, "year", False)
    assert rec.metadata["foreignTitle"] == "Sin Título"


def test_csv_export_rows() -> None:
    recs = list(tate.parse(TATE / "artwork_data_excerpt.csv", root=TATE, collection="tate",
                           kind="museum"))
    assert all(isinstance(r, Record) for r in recs) and len(recs) == 8
    by_id = {r.doc_id: r for r in recs if isinstance(r, Record)}
    blake = by_id["tate:A00005"]
    assert blake.authors == ("William Blake",) and blake.source_format == "tate-csv"
    assert (blake.year, blake.date_precision) == (1826, "range")  # 1826-7; the 1892 reprint dropped
    assert by_id["tate:A00033"].date_start == dt.date(1803, 1, 1)
    assert by_id["tate:A00033"].date_end == dt.date(1810, 12, 31)
    assert by_id["tate:A00050"].date_approximate and by_id["tate:A00050"].year == 1826
    assert by_id["tate:A00001"].year is None  # no dateText, no year
    assert by_id["tate:A00051"].title == "[title not known]"
    assert by_id["tate:A00051"].authors == ("British School 18th century",)
    assert by_id["tate:A00003"].metadata["row"] == "3"


def test_bad_json_file_raises(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"acno": "T00916", "title": ', encoding="utf-8")
    with pytest.raises(SourceError) as err:
        list(tate.parse(bad, root=tmp_path, collection="tate", kind="museum"))
    assert err.value.reason == "bad_json"


def test_records_without_acno_or_title_are_rejected(tmp_path: Path) -> None:
    obj = json.loads((TATE / "t00916-15729.json").read_text(encoding="utf-8"))
    (tmp_path / "no_title.json").write_text(json.dumps({**obj, "title": ""}), encoding="utf-8")
    (tmp_path / "no_acno.json").write_text(json.dumps({**obj, "acno": None}), encoding="utf-8")
    out = parse_all(tmp_path)
    assert [(type(r).__name__, getattr(r, "reason", "")) for r in out] == [
        ("Reject", "no_acno"), ("Reject", "no_title")]


def test_unknown_option_fails() -> None:
    with pytest.raises(ValueError, match="unknown tate option"):
        list(tate.find(TATE, granularity="issue"))


def test_records_round_trip_through_arrow() -> None:
    recs = [r for r in parse_all(TATE) if isinstance(r, Record)]
    table = to_table(recs, Record)
    assert table.schema == DOCUMENT_SCHEMA
    assert from_table(table, Record) == recs


def test_raw_folder_275_records() -> None:
    root = RAW / "tate"
    if not root.exists():
        pytest.skip("data/raw/tate absent")
    out = parse_all(root)
    recs = [r for r in out if isinstance(r, Record)]
    assert len(recs) == len(out) == 275
    assert len({r.doc_id for r in recs}) == 275
    years = [r.year for r in recs if r.year is not None]
    assert min(years) == 1557 and max(years) == 2012  # T00606 (1557) to 2012 prints
    assert Counter(r.date_text for r in recs)["date not known"] == 45
    assert len(years) == 230
    assert all(r.text and r.title and r.text.startswith(r.title) for r in recs)
    assert parse_all(root) == out  # same input, same output


@pytest.mark.shared
def test_shared_tate_folder_skips_artists() -> None:
    root = shared_path("museum", "tate")
    files = list(tate.find(root))
    assert not any("artists" in p.relative_to(root).parts for p in files)
    assert not any(p.name == "artist_data.csv" for p in files)
    n_artworks = sum(1 for _ in (root / "artworks").rglob("*.json"))
    assert len(files) == n_artworks
    out = parse_all(root)
    recs = [r for r in out if isinstance(r, Record)]
    assert len(recs) == len(out) == n_artworks
    assert len({r.doc_id for r in recs}) == len(recs)
    artist = next((root / "artists").rglob("*.json"))
    (rej,) = list(tate.parse(artist, root=root, collection="tate", kind="museum"))
    assert isinstance(rej, Reject) and rej.reason == "artist_record"


def _bench_file() -> Path:
    path = BENCH / "tate-artworks.jsonl.gz"
    if not path.exists():
        pytest.skip(f"{path} not available (../shared is absent on this machine)")
    return path


@pytest.mark.shared
def test_jsonl_with_one_corrupt_line(tmp_path: Path) -> None:
    with gzip.open(_bench_file(), "rt", encoding="utf-8") as f:
        lines = list(itertools.islice(f, 2000))
    lines[1233] = lines[1233][: len(lines[1233]) // 2] + "\n"  # cut a record in half
    sample = tmp_path / "tate-2000.jsonl.gz"
    with gzip.open(sample, "wt", encoding="utf-8") as f:
        f.writelines(lines)
    out = list(tate.parse(sample, root=tmp_path, collection="tate-bench", kind="museum"))
    rejects = [r for r in out if isinstance(r, Reject)]
    recs = [r for r in out if isinstance(r, Record)]
    assert len(rejects) == 1 and rejects[0].reason == "bad_json"
    assert rejects[0].detail.startswith("line 1234:")
    assert len(recs) == 1999 and len({r.doc_id for r in recs}) == 1999
    assert recs[0].doc_id.startswith("tate-bench:") and recs[0].metadata["line"] == "1"
    assert recs[0].source_format == "tate-jsonl"
    plain = tmp_path / "plain.jsonl"
    with gzip.open(sample, "rb") as src, plain.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    assert [r.doc_id for r in tate.parse(plain, root=tmp_path, collection="tate-bench",
                                         kind="museum") if isinstance(r, Record)] == [
        r.doc_id for r in recs]


def test_truncated_gzip_raises(tmp_path: Path) -> None:
    data = gzip.compress(b"".join(
        (json.dumps({"acno": f"X{i:05d}", "title": f"Work {i}"}) + "\n").encode()
        for i in range(2000)))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError) as err:
        list(tate.parse(path, root=tmp_path, collection="tate", kind="museum"))
    assert err.value.reason == "bad_gzip"
