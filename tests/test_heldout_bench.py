"""Held-out checks (issue 3): the adapters against the sources themselves.

Part 1 runs on small real samples in tests/samples/heldout/ (always). Part 2 reads the full
bench archives in ../shared/bench (skipped when absent), extracted once per session into a
temporary folder, on a light selection: 3 FRUS volumes, 20 ELTeC-eng novels, 20 FreDraCor plays,
the first 2,000 Tate records. The full audit is benchmarks/audit_heldout.py
(docs/heldout-audit.md).
"""

from __future__ import annotations

import datetime as dt
import tarfile
from pathlib import Path

import pytest

from benchmarks import audit_heldout as audit
from ingest import get_adapter
from ingest.record import Record, Reject, SourceError
from pipeline.ingest import check_date
from tests.conftest import BENCH, SAMPLES

HELDOUT = SAMPLES / "heldout"
D = dt.date


def parse_sample(name: str, **options: str) -> dict[str, Record]:
    path = HELDOUT / name
    items = list(get_adapter("tei").parse(path, root=HELDOUT, collection="frus", kind="cable",
                                          **options))
    assert not [i for i in items if isinstance(i, Reject)]
    return {r.doc_id.rsplit("/", 1)[-1]: r for r in items if isinstance(r, Record)}


# ---------------------------------------------------------------- part 1: samples


@pytest.fixture(scope="module")
def frus() -> dict[str, Record]:
    return parse_sample("frus_heldout_dates.xml", profile="frus")


def test_frus_dateline_holding_only_a_place_gives_no_date_text(frus: dict[str, Record]) -> None:
    """1861 d125: "U. S. Steamer Massachusetts, Off Pensacola, Florida." is where, not when;
    it used to become date_text and a 'date not understood' reject."""
    r = frus["frus1861-d125"]
    assert r.date_text is None and r.date_start is None
    assert r.place == "Off Pensacola, Florida"
    assert r.metadata["dateline"] == "U. S. Steamer Massachusetts, Off Pensacola, Florida."
    assert check_date(r) is None


def test_frus_undated_dateline_says_undated(frus: dict[str, Record]) -> None:
    """1936 d539: "Paris [undated.]": the source says undated; no reject, place kept."""
    r = frus["frus1936v03-d539"]
    assert (r.date_text, r.date_start, r.place) == ("undated", None, "Paris")
    assert check_date(r) is None


def test_frus_typed_when_0201_falls_back_to_the_printed_date(frus: dict[str, Record]) -> None:
    """1864 d512: <date when="0201-06-05">June 5–17, 1864.</date>."""
    r = frus["frus1864p3-d512"]
    assert (r.date_start, r.date_end, r.date_precision) == (D(1864, 6, 5), D(1864, 6, 17), "range")
    assert r.metadata["date_when"] == "0201-06-05"
    assert r.metadata["date_flag"] == "when_not_understood"


def test_frus_dateline_without_year_takes_the_volumes_year(frus: dict[str, Record]) -> None:
    """1864 d167: "Vienna, November 14." (when="--11-14"): the year comes from the volume (and
    the documents before it), flagged so, as issue 20 asks; the text stays as printed."""
    r = frus["frus1864p4-d167"]
    assert (r.date_text, r.date_start, r.place) == ("November 14.", D(1864, 11, 14), "Vienna")
    assert "year_from_context" in r.metadata["date_flag"]
    assert r.metadata["date_when"] == "--11-14"


def test_frus_received_date_of_an_undated_telegram(frus: dict[str, Record]) -> None:
    """1917 d118: "Paris, undated. [Received December 5, 1917, 10.40 a.m.]"."""
    r = frus["frus1917Supp02v02-d118"]
    assert r.date_start == r.date_end == D(1917, 12, 5)
    assert r.date_approximate and r.metadata["date_basis"] == "received"


def test_frus_head_dates(frus: dict[str, Record]) -> None:
    """Minutes, arbitration records and memoranda dated only in their head."""
    minutes = frus["frus1919Parisv11-d1"]
    assert minutes.date_start == D(1919, 1, 31) and minutes.date_text == "January 31, 1919"
    assert minutes.metadata["date_source"] == "head"
    geneva = frus["frus1872p2v4-d4"]
    assert geneva.date_start == D(1872, 6, 15) and geneva.date_precision == "day"
    circa = frus["frus1934v04-d643"]  # "..., Circa December 18, 1934"
    assert circa.date_start == D(1934, 12, 18) and circa.date_approximate
    # two dates in the head ("Protocol of December 17, 1917, Added to the Agreement of June 9,
    # 1917"): which one dates the document is not for a rule to guess
    assert frus["frus1917Supp02v02-d306"].date_start is None


def parse_book(name: str) -> Record:
    path = HELDOUT / name
    [record] = get_adapter("tei").parse(path, root=HELDOUT, collection="eltec", kind="book",
                                        profile="eltec")
    assert isinstance(record, Record)
    return record


def test_eltec_first_edition_nested_in_the_digital_source() -> None:
    """ELTeC-fra nests printSource and firstEdition inside bibl[@type=digitalSource]."""
    r = parse_book("eltec_FRA02301_Greville_trimmed.xml")
    assert (r.title, r.date_text, r.year) == ("La seconde mère", "1888", 1888)
    assert r.publisher == "E. Plon, Nourrit et Cie"
    assert r.metadata["first_edition_date"] == "1888" and "date_source" not in r.metadata
    assert r.text.startswith("I\n\nPendant que Jaffé se glissait derrière lui, Richard Brice")


def test_eltec_print_source_date_when_no_first_edition_is_described() -> None:
    r = parse_book("eltec_ENG18400_Trollope_trimmed.xml")
    assert r.title == "The Life and Adventures of Michael Armstrong"
    assert (r.date_start, r.date_end) == (D(1840, 1, 1), D(1840, 12, 31))
    assert r.metadata["date_source"] == "printSource"
    assert r.metadata["print_edition_publisher"] == (
        "London: Henry Colburn, Great Marlborough Street"
    )


def test_xml_without_namespace_that_is_not_tei_is_refused(tmp_path: Path) -> None:
    """FreDraCor's authors.xml sits next to the plays: <authors> in no namespace."""
    path = tmp_path / "authors.xml"
    path.write_text('<?xml version="1.0"?>\n<authors><author><name>Anonyme</name></author>'
                    "</authors>\n", encoding="utf-8")
    with pytest.raises(SourceError) as err:
        list(get_adapter("tei").parse(path, root=tmp_path, collection="c", kind="book"))
    assert err.value.reason == "not_tei"


# ---------------------------------------------------------------- part 2: bench archives


def bench_archive(name: str) -> Path:
    path = BENCH / name
    if not path.exists():
        pytest.skip(f"{path} not available (../shared/bench is absent on this machine)")
    return path


@pytest.fixture(scope="session")
def bench_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bench")


def extract_members(archive: Path, dest: Path, names: list[str]) -> None:
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.name in names or not names]
        tar.extractall(dest, members=members, filter="data")


FRUS_VOLUMES = ["frus1864p3.xml", "frus1919Parisv11.xml", "frus1936v03.xml"]


@pytest.fixture(scope="session")
def frus_bench(bench_dir: Path) -> Path:
    archive = bench_archive("frus.tar.gz")
    extract_members(archive, bench_dir, [f"frus/volumes/{v}" for v in FRUS_VOLUMES])
    return bench_dir / "frus" / "volumes"


# date coverage measured after the fixes (docs/heldout-audit.md), floors a little below
FRUS_FLOORS = {"frus1864p3.xml": 87.0, "frus1919Parisv11.xml": 97.0, "frus1936v03.xml": 98.0}


@pytest.mark.parametrize("volume", FRUS_VOLUMES)
def test_bench_frus_records_equal_document_divisions(frus_bench: Path, volume: str) -> None:
    result = audit.audit_frus_volume(frus_bench / volume, frus_bench)
    assert result["error"] is None and result["rejects"] == []
    assert result["records"] == result["document_divs"] > 100
    assert result["date_coverage_pct"] >= FRUS_FLOORS[volume]
    assert result["empty_text"] == 0
    # text: the records' words and the divisions' own words (heads and notes aside) agree
    assert abs(result["words"] - result["division_words"]) < 0.01 * result["division_words"]
    problems = [m for m in result["mismatches"]
                if m["problem"] in ("no_record", "date_differs_from_source", "empty_text",
                                    "year_not_written_in_head_or_dateline",
                                    "outside_volume_range_UNCONFIRMED")]
    assert problems == []


@pytest.fixture(scope="session")
def eltec_eng(bench_dir: Path) -> list[Path]:
    archive = bench_archive("eltec-eng.tar.gz")
    with tarfile.open(archive) as tar:
        names = sorted(m.name for m in tar.getmembers() if m.name.endswith(".xml"))
    picked = names[:: max(1, len(names) // 20)][:20]
    extract_members(archive, bench_dir, picked)
    return [bench_dir / n for n in picked]


def test_bench_eltec_eng_header_facts(eltec_eng: list[Path]) -> None:
    """20 novels: title, author, first-edition year, language and text size as in the TEI."""
    assert len(eltec_eng) == 20
    rows = [audit.audit_book(p, p.parent, "eltec") for p in eltec_eng]
    assert {r["file"]: r["problems"] for r in rows if r["problems"] or r["error"]} == {}
    assert all(r["language"] == "en" and 1830 <= r["year"] <= 1930 for r in rows)


@pytest.fixture(scope="session")
def fredracor(bench_dir: Path) -> list[Path]:
    archive = bench_archive("fredracor.tar.gz")
    with tarfile.open(archive) as tar:
        names = sorted(m.name for m in tar.getmembers()
                       if m.name.startswith("fredracor/tei/") and m.name.endswith(".xml"))
    picked = names[:: max(1, len(names) // 20)][:20]
    extract_members(archive, bench_dir, [*picked, *(f"fredracor/tei/{n}" for n in LOST_NAMES),
                                         "fredracor/authors.xml", "fredracor/corpus.xml"])
    return [bench_dir / n for n in picked]


# plays with speakers whose name was lost: "<speaker>, à part.</speaker>"
LOST_NAMES = ["feydeau-amour-et-piano.xml", "cailhava-egoisme.xml"]


def test_bench_fredracor_speaker_without_name_keeps_its_own_line(fredracor: list[Path]) -> None:
    """The comma opening such a speaker used to end the line before ("Mais oui.,") and the
    speech lost its place (199 of 318 turns out of order in feydeau-amour-et-piano)."""
    folder = fredracor[0].parent
    rows = [audit.audit_book(folder / n, folder, "dracor") for n in LOST_NAMES]
    assert [r["problems"] for r in rows] == [[], []]
    assert [r["speaker_turns_found"] for r in rows] == [318, 737]
    [play] = get_adapter("tei").parse(folder / LOST_NAMES[0], root=folder, collection="f",
                                      kind="book", profile="dracor")
    assert isinstance(play, Record)
    assert "LUCILE. Mais oui.\n\n, à part. Les femmes de Paris sont d'une perspicacité !" in (
        play.text
    )


def test_bench_fredracor_header_facts(fredracor: list[Path]) -> None:
    """20 plays spread over the corpus: DraCor's normalized year, title, author, speeches."""
    assert len(fredracor) == 20
    rows = [audit.audit_book(p, p.parent, "dracor") for p in fredracor]
    assert {r["file"]: r["problems"] for r in rows if r["problems"] or r["error"]} == {}
    assert sum(r["speaker_turns_found"] for r in rows) > 5000
    assert all(r["year"] for r in rows)


@pytest.mark.parametrize(("name", "reason"), [("authors.xml", "not_tei"),
                                              ("corpus.xml", "no_documents")])
def test_bench_fredracor_sidecars_are_refused_with_a_reason(
    fredracor: list[Path], name: str, reason: str
) -> None:
    root = fredracor[0].parent.parent
    with pytest.raises(SourceError) as err:
        list(get_adapter("tei").parse(root / name, root=root, collection="fredracor",
                                      kind="book"))
    assert err.value.reason == reason


def test_bench_tate_first_2000_records() -> None:
    archive = bench_archive(audit.TATE)
    result = audit.audit_tate(archive, limit=2000)
    assert result["input_lines"] == 2000
    assert result["records"] + sum(result["rejects"].values()) == 2000
    assert result["missing_records"] == 0 and result["empty_text"] == 0
    assert result["year_differs"] == 0 and result["no_date_but_dateRange"] == 0
