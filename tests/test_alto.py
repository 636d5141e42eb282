"""ALTO + METS adapter: golden pages per flavour, the raw sample, the shared press corpora."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from conftest import RAW, SAMPLES, shared_path

from ingest import alto
from ingest.record import Page, Record, Reject, SourceError

ALTO_SAMPLES = SAMPLES / "alto"
BNL_ISSUE = "2385348_newspaper_luxzeit1858_1858-12-07_01"


def run(unit: Path, root: Path, collection: str, **options: object) -> list[Record | Page | Reject]:
    return list(alto.parse(unit, root=root, collection=collection, kind="press", **options))


def split(out: list[Record | Page | Reject]) -> tuple[list[Record], list[Page], list[Reject]]:
    return (
        [o for o in out if isinstance(o, Record)],
        [o for o in out if isinstance(o, Page)],
        [o for o in out if isinstance(o, Reject)],
    )


def word(page: alto.AltoPage, text: str) -> tuple[str, float | None]:
    return next(w for w in page.words if w[0] == text)


# ---------------------------------------------------------------- golden pages, one per flavour

GOLDEN = {
    # file: (version, namespace, unit, width px, height px, n_words, mean WC, snippets)
    "bnl_v3_mm10.xml": (
        "3.1",
        "http://www.loc.gov/standards/alto/ns-v3#",
        "mm10",
        3059.1,
        4783.5,
        53,
        0.8888,
        ["Nr. 288.— Dinstag, 7. Dezember 1858.", "du premier article. Ces"],
    ),
    "bnf_v1_nonamespace.xml": (
        "1.4",
        "",
        "pixel",
        2596.0,
        3993.0,
        87,
        0.7653,
        ["AQURNAL DES DÉBATS", "Vienne ( Autriche ) , 21 juillet."],
    ),
    "bl_v1_hyp_element.xml": (
        "1.4",
        "",
        "pixel",
        4169.0,
        6177.0,
        47,
        0.8946,
        ["In his Preleetions and Isaiah"],
    ),
    "rero_ccs_placeholder_wc.xml": (
        "1.1",
        "http://schema.ccs-gmbh.com/ALTO",
        "pixel",
        2502.0,
        3368.0,
        72,
        0.5,
        ["bestand iu Träumen Seid", "der Presse Freiheit"],
    ),
    "chronam_ccs_inch1200.xml": (
        "1.1",
        "http://schema.ccs-gmbh.com/ALTO",
        "inch1200",
        4890.0,
        6673.5,
        46,
        0.9008,
        ["in New-York Harbor that", "yesterday afternoon between"],
    ),
    "onb_v2_composed.xml": (
        "2.0",
        "http://www.loc.gov/standards/alto/ns-v2#",
        "pixel",
        1131.0,
        1999.0,
        11,
        0.5373,
        ["L’ESPRIT\n\nOUVRAGE PÉRIODIQUE"],
    ),
    "bnl_gt_v4_doublehyphen.xml": (
        "4.1",
        "http://www.loc.gov/standards/alto/ns-v4#",
        "mm10",
        None,
        None,
        108,
        None,
        ["Privateigenthum benöthigt werden", "die Naturalisation verliehen"],
    ),
    "tesseract_v3_output.xml": (
        "3.0",
        "http://www.loc.gov/standards/alto/ns-v3#",
        "pixel",
        881.0,
        275.0,
        49,
        0.8839,
        ["sur une coïncidence des plus étranges"],
    ),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_page(name: str) -> None:
    version, namespace, unit, width, height, n_words, wc, snippets = GOLDEN[name]
    page = alto.read_alto(ALTO_SAMPLES / name)
    assert (page.version, page.namespace, page.unit) == (version, namespace, unit)
    assert page.width == width and page.height == height
    assert page.n_words == n_words == len(page.words)
    if wc is None:
        assert page.word_confidence is None
    else:
        assert page.word_confidence == pytest.approx(wc, abs=1e-4)
        assert all(c is None or 0.0 <= c <= 1.0 for _w, c in page.words)
    for snippet in snippets:
        assert snippet in page.text
    assert "  " not in page.text and page.text == page.text.strip()


def test_samples_folder_is_fully_covered() -> None:
    assert {p.name for p in ALTO_SAMPLES.glob("*.xml")} == set(GOLDEN)


@pytest.mark.parametrize(
    ("name", "joined", "parts", "conf"),
    [
        ("bnl_v3_mm10.xml", "article.", ("ar", "ticle."), 0.995),  # SUBS_CONTENT, WC 1.00/0.99
        ("bl_v1_hyp_element.xml", "Preleetions", ("Prelee", "tions"), 0.445),  # WC 0.54/0.35
        ("rero_ccs_placeholder_wc.xml", "Träumen", ("Träu", "men"), 0.5),
        ("chronam_ccs_inch1200.xml", "Harbor", ("Har", "bor"), 0.935),
        ("bnl_gt_v4_doublehyphen.xml", "benöthigt", ("be⸗", "nöthigt"), None),  # U+2E17 at line end
        ("bnl_gt_v4_doublehyphen.xml", "Naturalisation", ("Naturali⸗", "sation"), None),
    ],
)
def test_hyphenation_joined_once(
    name: str, joined: str, parts: tuple[str, str], conf: float | None
) -> None:
    page = alto.read_alto(ALTO_SAMPLES / name)
    assert word(page, joined)[1] == (pytest.approx(conf) if conf is not None else None)
    assert sum(1 for w, _c in page.words if w == joined) == 1
    assert " ".join(parts) not in page.text and f"{joined} {parts[1]}" not in page.text


def test_capital_after_line_end_hyphen_keeps_the_compound() -> None:
    # "Annahme⸗" / "Erklärung." in the BnL ground truth is a compound, not a split word
    page = alto.read_alto(ALTO_SAMPLES / "bnl_gt_v4_doublehyphen.xml")
    assert "Annahme⸗Erklärung." in page.text
    assert "Königlich⸗Großherzogl." in page.text  # a mid-line hyphen is left alone


def test_unit_conversion_and_dpi() -> None:
    bnl = alto.read_alto(ALTO_SAMPLES / "bnl_v3_mm10.xml")
    assert (bnl.dpi, bnl.dpi_source) == (300.0, "default")
    # 2590 mm10 at 400 dpi = 4078.7 px, when METS gives the resolution
    assert alto.read_alto(ALTO_SAMPLES / "bnl_v3_mm10.xml", dpi=400).width == 4078.7
    pixel = alto.read_alto(ALTO_SAMPLES / "rero_ccs_placeholder_wc.xml")
    assert (pixel.dpi, pixel.dpi_source) == (None, "")


def test_bytes_and_path_give_the_same_page() -> None:
    path = ALTO_SAMPLES / "tesseract_v3_output.xml"
    assert alto.read_alto(path.read_bytes()) == alto.read_alto(path)


def test_percent_word_confidence_is_normalised() -> None:
    raw = (ALTO_SAMPLES / "rero_ccs_placeholder_wc.xml").read_bytes()
    page = alto.read_alto(raw.replace(b'WC="0.5"', b'WC="50"'))
    assert page.word_confidence == pytest.approx(0.5)


def test_idnext_chain_sets_block_order() -> None:
    raw = (ALTO_SAMPLES / "onb_v2_composed.xml").read_bytes()
    # chain the three blocks last-to-first, as an ALTO 1.x/2 producer would with IDNEXT
    raw = raw.replace(b'ID="block_d2e46"', b'ID="block_d2e46" IDNEXT="block_d2e35"')
    raw = raw.replace(b'ID="block_d2e35"', b'ID="block_d2e35" IDNEXT="block_d2e27"', 1)
    page = alto.read_alto(raw)
    assert page.text.startswith("ET , r LITTJÉÏRALJL’URÆ' 9 D ÉD IÉ\n\nOUVRAGE PÉRIODIQUE")
    assert page.text.endswith("L’ESPRIT")


def test_bad_inputs_raise_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as err:
        alto.read_alto(b"<alto><Layout><Page>")
    assert err.value.reason == "bad_xml"
    with pytest.raises(SourceError) as err:
        alto.read_alto(b"<TEI/>")
    assert err.value.reason == "not_alto"
    with pytest.raises(SourceError) as err:
        alto.read_alto(b'<!DOCTYPE alto [<!ENTITY x "boom">]><alto>&x;</alto>')
    assert err.value.reason == "unsafe_xml"
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    with pytest.raises(SourceError):
        alto.read_alto(empty)


def test_parse_page_for_the_ocr_adapter() -> None:
    page = alto.parse_page(
        ALTO_SAMPLES / "tesseract_v3_output.xml",
        doc_id="bnl-ocr:1",
        page_number=1,
        alto_path="bnl-ocr/alto/1.xml",
        image_path="1.tif",
    )
    assert (page.doc_id, page.page_number, page.width, page.height) == ("bnl-ocr:1", 1, 881, 275)
    assert page.n_words == 49 and page.word_confidence == pytest.approx(0.8839, abs=1e-4)
    assert page.text.startswith("» À ce litre, nos lecteurs")


def test_unknown_option_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="granularty"):
        list(alto.find(tmp_path, granularty="article"))
    with pytest.raises(ValueError, match="granularity"):
        list(
            alto.parse(
                ALTO_SAMPLES / "onb_v2_composed.xml",
                root=ALTO_SAMPLES,
                collection="x",
                kind="press",
                granularity="page",
            )
        )


# ---------------------------------------------------------------- the project's raw sample


@pytest.fixture(scope="module")
def bnl_root() -> Path:
    root = RAW / "bnl-luxzeit"
    if not root.exists():
        pytest.skip("data/raw/bnl-luxzeit absent")
    return root


def test_find_units(tmp_path: Path, bnl_root: Path) -> None:
    shutil.copytree(bnl_root, tmp_path / "bnl")
    shutil.copytree(RAW / "onb-anno", tmp_path / "onb")
    shutil.copy(ALTO_SAMPLES / "tesseract_v3_output.xml", tmp_path / "lone.xml")
    (tmp_path / "notes.xml").write_text("<TEI/>")  # not ALTO: left to other adapters
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "broken.xml").write_text("<alto><Layout>")
    units = [u.relative_to(tmp_path).as_posix() for u in alto.find(tmp_path)]
    # the ONB pages keep their ANNOP/esj/1772/0057 folders (the year comes from the path)
    assert units == [
        "bad/broken.xml",
        f"bnl/{BNL_ISSUE}/{BNL_ISSUE}-mets.xml",
        "lone.xml",
        "onb/ANNOP/esj/1772/0057",
    ]
    with pytest.raises(SourceError, match="bad_xml"):
        list(
            alto.parse(tmp_path / "bad" / "broken.xml", root=tmp_path, collection="c", kind="press")
        )
    # a broken page among good ones: a Reject, the folder's other pages still read
    onb_pages = tmp_path / "onb" / "ANNOP" / "esj" / "1772" / "0057"
    shutil.copy(tmp_path / "bad" / "broken.xml", onb_pages / "00000009.xml")
    records, pages, rejects = split(run(onb_pages, tmp_path, "c"))
    assert [r.reason for r in rejects] == ["missing_page"]
    assert rejects[0].source_path == f"{tmp_path.name}/onb/ANNOP/esj/1772/0057/00000009.xml"
    assert len(pages) == 5 and records[0].metadata["n_pages_missing"] == "1"
    # no METS and one folder: the collection root itself is the unit
    onb = RAW / "onb-anno" / "ANNOP" / "esj" / "1772" / "0057"
    assert list(alto.find(RAW / "onb-anno")) == [onb]


def test_bnl_issue(bnl_root: Path) -> None:
    unit = next(alto.find(bnl_root))
    records, pages, rejects = split(run(unit, bnl_root, "bnl-luxzeit"))
    assert rejects == [] and len(records) == 1
    rec = records[0]
    assert rec.doc_id == f"bnl-luxzeit:{BNL_ISSUE}"
    assert rec.title == "Luxemburger Zeitung – Journal de Luxembourg, 1858-12-07"
    assert rec.publisher == "Luxemburger Zeitung – Journal de Luxembourg"
    assert (rec.date_text, rec.date_start, rec.date_precision) == (
        "1858-12-07",
        dt.date(1858, 12, 7),
        "day",
    )
    assert rec.language == "fr" and rec.metadata["languages"] == "fr,de"
    assert rec.source_format == "mets+alto" and len(rec.source_sha256) == 64
    assert rec.source_path == f"bnl-luxzeit/{BNL_ISSUE}/{BNL_ISSUE}-mets.xml"
    assert rec.metadata["alto_version"] == "3.1" and rec.metadata["measurement_unit"] == "mm10"
    assert rec.metadata["dpi_source"] == "mets" and rec.metadata["n_pages"] == "4"
    assert rec.metadata["printer"] == "Victor Bück"
    assert 0.70 < (rec.ocr_confidence or 0) < 0.85  # 0.7843 measured
    assert "du premier article. Ces" in rec.text and "universel," in rec.text
    assert rec.text.startswith("Nr. 288.— Dinstag, 7. Dezember 1858.")
    assert [p.page_number for p in pages] == [1, 2, 3, 4]
    assert all(p.doc_id == rec.doc_id and p.text and p.width == 3059.1 for p in pages)
    assert pages[0].alto_path == f"bnl-luxzeit/{BNL_ISSUE}/text/1858-12-07_01-00001.xml"
    assert pages[0].image_path == f"bnl-luxzeit/{BNL_ISSUE}/images/1858-12-07_01-00001.tif"
    assert rec.text == "\n\n".join(p.text for p in pages)
    assert sum(p.n_words for p in pages) == 7924


def test_bnl_two_runs_identical(bnl_root: Path) -> None:
    unit = next(alto.find(bnl_root))
    assert run(unit, bnl_root, "bnl-luxzeit") == run(unit, bnl_root, "bnl-luxzeit")


def test_missing_and_broken_pages_are_rejected(tmp_path: Path, bnl_root: Path) -> None:
    root = tmp_path / "bnl-luxzeit"
    shutil.copytree(bnl_root, root)
    (root / BNL_ISSUE / "text" / "1858-12-07_01-00003.xml").unlink()
    full = [r for r in run(next(alto.find(bnl_root)), bnl_root, "x") if isinstance(r, Page)]
    records, pages, rejects = split(run(next(alto.find(root)), root, "bnl-luxzeit"))
    assert [(r.reason, r.stage) for r in rejects] == [("missing_page", "ingest")]
    assert rejects[0].source_path.endswith("text/1858-12-07_01-00003.xml")
    assert [p.page_number for p in pages] == [1, 2, 4]
    assert records[0].metadata["n_pages_missing"] == "1"
    assert records[0].text == "\n\n".join(p.text for p in pages)
    assert full[3].text == pages[2].text
    # a page cut in half is broken XML: rejected the same way, the rest still read
    page2 = root / BNL_ISSUE / "text" / "1858-12-07_01-00002.xml"
    page2.write_bytes(page2.read_bytes()[:5000])
    records, pages, rejects = split(run(next(alto.find(root)), root, "bnl-luxzeit"))
    assert [r.reason for r in rejects] == ["missing_page", "missing_page"]
    assert "bad_xml" in rejects[0].detail and len(pages) == 2 and len(records) == 1
    # an ALTO page beside the issue that its METS does not list is reported, not lost
    shutil.copy(ALTO_SAMPLES / "bnl_v3_mm10.xml", root / BNL_ISSUE / "text" / "extra.xml")
    assert [u.name for u in alto.find(root)] == [f"{BNL_ISSUE}-mets.xml"]
    rejects = split(run(next(alto.find(root)), root, "bnl-luxzeit"))[2]
    assert [r.reason for r in rejects] == ["missing_page", "missing_page", "unreferenced_page"]


def test_bnl_articles(bnl_root: Path) -> None:
    unit = next(alto.find(bnl_root))
    issue = split(run(unit, bnl_root, "bnl-luxzeit"))[0][0]
    records, pages, rejects = split(run(unit, bnl_root, "bnl-luxzeit", granularity="article"))
    assert rejects == [] and len(records) == 13  # 12 articles + text outside articles
    by_title = {r.title: r for r in records}
    revue = by_title["Revue politique."]
    assert revue.doc_id == f"{issue.doc_id}/DTL48" and revue.language == "fr"
    assert revue.text.startswith("Revue politique.\n\nLes bruits de guerre")
    assert by_title["Kölnische Zeitung."].language == "de"
    assert all(r.metadata["issue_id"] == issue.doc_id for r in records)
    assert records[-1].doc_id == f"{issue.doc_id}/other"
    # every word of the issue is in exactly one record
    assert sum(r.n_words for r in records) == issue.n_words
    assert {p.doc_id for p in pages} == {issue.doc_id}


def test_onb_folder_of_pages() -> None:
    root = RAW / "onb-anno"
    if not root.exists():
        pytest.skip("data/raw/onb-anno absent")
    (unit,) = alto.find(root)
    records, pages, rejects = split(run(unit, root, "onb-anno"))
    assert rejects == [] and len(records) == 1
    rec = records[0]
    assert rec.doc_id == "onb-anno:ANNOP/esj/1772/0057" and rec.source_format == "alto"
    assert rec.year == 1772  # from the ANNO path
    assert [p.alto_path for p in pages] == [
        f"onb-anno/ANNOP/esj/1772/0057/{n}.xml"
        for n in ("00000007", "00000008", "00000010", "00000171", "00000174")
    ]
    assert [p.page_number for p in pages] == [1, 2, 3, 4, 5]
    assert rec.text.startswith("L’ESPRIT\n\nOUVRAGE PÉRIODIQUE")
    assert rec.metadata["alto_version"] == "2.0" and rec.metadata["n_pages"] == "5"
    assert 0.5 < (rec.ocr_confidence or 0) < 0.65  # 0.57 measured: 1772 print, long s


def test_chronam_single_page() -> None:
    root = RAW / "chronam"
    if not root.exists():
        pytest.skip("data/raw/chronam absent")
    assert list(alto.find(root)) == [root / "ocr.xml"]
    records, pages, rejects = split(run(root / "ocr.xml", root, "chronam"))
    rec = records[0]
    assert rec.doc_id == "chronam:ocr" and rec.metadata["measurement_unit"] == "inch1200"
    assert rec.metadata["dpi_source"] == "default" and pages[0].width == 4890.0
    assert "New-York Harbor" in rec.text and rec.n_words > 4000
    assert rec.language is None and rec.date_start is None  # the ALTO says neither


# ---------------------------------------------------------------- the shared press corpora


def _press(collection: str) -> list[tuple[list[Record], list[Page], list[Reject]]]:
    root = shared_path("press", collection)
    return [split(run(u, root, collection)) for u in alto.find(root)]


@pytest.mark.shared
@pytest.mark.parametrize(
    "collection",
    ["bnf-europeana", "bl-newspapers", "rero", "bnl-luxembourg", "onb-anno", "chronam"],
)
def test_every_press_unit_parses(collection: str) -> None:
    results = _press(collection)
    assert results
    for records, pages, rejects in results:
        assert rejects == [] and len(records) == 1
        assert all(p.text for p in pages if p.n_words > 0)
        assert records[0].text and records[0].n_words > 0
        assert int(records[0].metadata["n_pages"]) == len(pages)


@pytest.mark.shared
def test_bnf_issues_metadata() -> None:
    got = {r[0][0].doc_id: r[0][0] for r in _press("bnf-europeana")}
    assert sorted((r.publisher, r.date_start, r.language) for r in got.values()) == [
        ("Le Gaulois", dt.date(1882, 2, 8), "fr"),
        ("Le Journal des Débats politiques et littéraires", dt.date(1821, 8, 1), "fr"),
        ("Le Petit Journal illustré Supplément du dimanche", dt.date(1900, 6, 3), "fr"),
        ("Ouest Eclair (Éd. de Rennes)", dt.date(1918, 12, 17), "fr"),
    ]
    jdpl = got["bnf-europeana:JDPL/18210801_1"]
    assert jdpl.date_text == "01.08.1821" and jdpl.date_precision == "day"
    assert (
        len(
            split(
                run(
                    shared_path(
                        "press", "bnf-europeana", "Le-PJI", "19000603_1", "19000603_1-METS.xml"
                    ),
                    shared_path("press", "bnf-europeana"),
                    "b",
                )
            )[1]
        )
        == 8
    )


@pytest.mark.shared
def test_bl_issues_metadata_and_articles() -> None:
    recs = [r[0][0] for r in _press("bl-newspapers")]
    assert [(r.publisher, r.date_start, r.language, r.place) for r in recs] == [
        ("Colored News.", dt.date(1855, 9, 22), "en", "London, England"),
        ("The Statesman.", dt.date(1824, 2, 17), "en", "London, England"),
    ]
    assert recs[0].metadata["language_source"] == "mods-articles"
    root = shared_path("press", "bl-newspapers")
    unit = root / "0002647/1824/0217/0002647_18240217_mets.xml"
    issue = split(run(unit, root, "bl"))[0][0]
    articles = split(run(unit, root, "bl", granularity="article"))[0]
    assert len(articles) == 27  # 26 ARTICLE/ADVERT links resolved + text outside articles
    coal = next(a for a in articles if a.title == "COAL DUTIES.")
    assert coal.doc_id == "bl:0002647/1824/0217/art0002"
    assert coal.text.startswith("COAL DUTIES. The Bishop of EX")
    assert abs(sum(a.n_words for a in articles) - issue.n_words) <= 2


@pytest.mark.shared
def test_rero_issue_date_from_folder_and_title_option() -> None:
    root = shared_path("press", "rero")
    unit = next(alto.find(root))
    rec = split(run(unit, root, "rero"))[0][0]
    # the NDNP-style METS has no MODS title, date or language: date from the folder name
    assert (rec.date_text, rec.date_start, rec.metadata["date_source"]) == (
        "18451228",
        dt.date(1845, 12, 28),
        "path",
    )
    assert rec.title is None and rec.language is None
    assert rec.metadata["journal_folder"] == "BLB" and rec.ocr_confidence == 0.5
    rec = split(
        run(unit, root, "rero", newspaper_title="Der Bündner Landbote", use_word_confidence=False)
    )[0][0]
    assert rec.title == "Der Bündner Landbote, 1845-12-28" and rec.ocr_confidence is None
    assert "was kurz zuvor bestand iu Träumen" in rec.text
