"""Regressions from the held-out ALTO/METS audit (benchmarks/audit_heldout_alto.py,
docs/heldout-index-alto.md): files that are not in ../shared, added the way an archivist would.

The page is a public-domain NDNP page (tests/samples/heldout-alto/README.md). The METS and the
line-level ALTO written here copy the shape of the held-out DFG-viewer/OCR-D workspace
bertsky/AppBrvoC_DE-611-BF-82014-test-dfgviewer (no licence stated, so not copied).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest import Page, Record, Reject, get_adapter
from ingest import alto as alto_mod

HELDOUT = Path(__file__).parent / "samples" / "heldout-alto"
LOGAN = HELDOUT / "logan_1911_ndnp_ccs_inch1200.xml"
ALTO = get_adapter("alto")

# DFG-viewer METS: FLocat hrefs are the library's URLs, the MODS hangs on the outermost
# logical div (TYPE correspondence/monograph, not "issue"), pages linked by smLink
_METS = """<?xml version="1.0" encoding="UTF-8"?>
<mets:mets xmlns:mets="http://www.loc.gov/METS/" xmlns:xlink="http://www.w3.org/1999/xlink">
  <mets:dmdSec ID="DMDLOG_0001"><mets:mdWrap MDTYPE="MODS"><mets:xmlData>
    <mods:mods xmlns:mods="http://www.loc.gov/mods/v3">
      <mods:titleInfo><mods:title>Logan Republican</mods:title></mods:titleInfo>
      <mods:originInfo><mods:dateIssued>1911-03-16</mods:dateIssued></mods:originInfo>
    </mods:mods></mets:xmlData></mets:mdWrap></mets:dmdSec>
  <mets:fileSec><mets:fileGrp USE="FULLTEXT">
    <mets:file MIMETYPE="text/xml" ID="FILE_0001_ALTO"><mets:FLocat LOCTYPE="URL"
      xlink:href="https://example.org/content/{page1}"/></mets:file>
    <mets:file MIMETYPE="text/xml" ID="FILE_0002_ALTO"><mets:FLocat LOCTYPE="URL"
      xlink:href="https://example.org/content/{page2}"/></mets:file>
  </mets:fileGrp></mets:fileSec>
  <mets:structMap TYPE="LOGICAL">
    <mets:div ID="LOG_0000" DMDID="DMDLOG_0001" TYPE="newspaper_volume">
      <mets:div ID="LOG_0001" TYPE="section" LABEL="page one"/></mets:div>
  </mets:structMap>
  <mets:structMap TYPE="PHYSICAL"><mets:div TYPE="physSequence">
    <mets:div TYPE="page" ORDER="1" ID="PHYS_0001"><mets:fptr FILEID="FILE_0001_ALTO"/></mets:div>
    <mets:div TYPE="page" ORDER="2" ID="PHYS_0002"><mets:fptr FILEID="FILE_0002_ALTO"/></mets:div>
  </mets:div></mets:structMap>
  <mets:structLink>
    <mets:smLink xlink:from="LOG_0001" xlink:to="PHYS_0001"/>
  </mets:structLink>
</mets:mets>
"""

# OCR-D page-to-alto "dummy-Word" export: one String holds a whole region's text
_LINE_LEVEL = """<alto xmlns="http://www.loc.gov/standards/alto/ns-v2#">
  <Description><MeasurementUnit>pixel</MeasurementUnit></Description>
  <Layout><Page ID="None" WIDTH="2642" HEIGHT="2642"><PrintSpace>
    <TextBlock ID="r0" IDNEXT="r1"><TextLine ID="r0-dummy-TextLine">
      <String ID="r0-dummy-TextLine-dummy-Word" WC="0.8"
              CONTENT="All the Members Ware of Exceptional Merit "/>
    </TextLine></TextBlock>
    <TextBlock ID="r1"><TextLine ID="r1-dummy-TextLine">
      <String ID="r1-dummy-TextLine-dummy-Word" CONTENT="SHOW MAY.BE GIVEN AGAIN"/>
    </TextLine></TextBlock>
  </PrintSpace></Page></Layout>
</alto>
"""


def _ingest(root: Path, **options: str) -> list[Record | Page | Reject]:
    return [item for unit in ALTO.find(root)
            for item in ALTO.parse(unit, root=root, collection="held", kind="press", **options)]


def test_ccs_alto_1x_language_attribute_units_and_words() -> None:
    page = alto_mod.read_alto(LOGAN)
    assert (page.namespace, page.version, page.unit) == ("http://schema.ccs-gmbh.com/ALTO", "1",
                                                          "inch1200")
    # ALTO 1/2 `language="en"` on every TextBlock (was ignored: language None)
    assert page.language == "en"
    # 17836 inch1200 at the xdpi:300 written in processingStepSettings (ABBYY says width:4459)
    assert (page.width, page.height, page.dpi, page.dpi_source) == (4459.0, 6111.0, 300.0, "alto")
    assert page.n_words == 40
    assert page.text.split()[13:20] == ["LOGAN,", "CACHE", "COUNTY", "UTAH,", "THSDAY,", "MARCH",
                                       "1"]
    assert page.text.endswith("SHOW MAY.BE GIVEN AGAIN")
    assert page.word_confidence == pytest.approx(18.349 / 40)  # direct mean of the 40 WC values


def test_mets_url_hrefs_found_beside_the_mets_by_file_name(tmp_path: Path) -> None:
    issue = tmp_path / "logan-1911"
    issue.mkdir()
    shutil.copy(LOGAN, issue / "0128b.xml")
    (issue / "0129a.xml").write_text(_LINE_LEVEL, encoding="utf-8")
    (issue / "mets.xml").write_text(_METS.format(page1="0128b.xml", page2="0129a.xml"))
    items = _ingest(tmp_path)
    rejects = [i for i in items if isinstance(i, Reject)]
    pages = [i for i in items if isinstance(i, Page)]
    (record,) = [i for i in items if isinstance(i, Record)]
    assert rejects == []  # was: 2 missing_page "no file location" + 2 unreferenced_page
    assert [(p.page_number, Path(p.alto_path or "").name, p.n_words) for p in pages] == [
        (1, "0128b.xml", 40), (2, "0129a.xml", 11)]
    assert record.metadata["n_pages_found_by_url_name"] == "2"
    # MODS of the outermost logical div (TYPE newspaper_volume): title and date
    assert record.publisher == "Logan Republican"
    assert record.title == "Logan Republican, 1911-03-16"
    assert (record.date_text, str(record.date_start)) == ("1911-03-16", "1911-03-16")
    assert record.language == "en"


def test_mets_url_without_local_copy_is_a_true_reject(tmp_path: Path) -> None:
    shutil.copy(LOGAN, tmp_path / "0128b.xml")
    (tmp_path / "mets.xml").write_text(_METS.format(page1="0128b.xml", page2="0130.xml"))
    items = _ingest(tmp_path)
    (reject,) = [i for i in items if isinstance(i, Reject)]
    assert reject.reason == "missing_page"
    assert "remote URL https://example.org/content/0130.xml" in reject.detail
    assert "no file location" not in reject.detail
    (record,) = [i for i in items if isinstance(i, Record)]
    assert record.metadata["n_pages_missing"] == "1"
    assert record.n_words == 37 and "BOOSTERS SHOW" in record.text  # the rest still ingests


def test_two_mets_in_one_folder_do_not_share_pages_by_file_name(tmp_path: Path) -> None:
    """Review finding: Kitodo/DFG name every object's pages 00000001.xml...; with two METS in
    one folder, B read A's pages by file name and came out as a copy of A, with no Reject."""
    shutil.copy(LOGAN, tmp_path / "0128b.xml")
    (tmp_path / "0129a.xml").write_text(_LINE_LEVEL, encoding="utf-8")
    (tmp_path / "issueA.xml").write_text(_METS.format(page1="0128b.xml", page2="0129a.xml"))
    (tmp_path / "issueB.xml").write_text(_METS.format(page1="0128b.xml", page2="0129a.xml")
                                         .replace("example.org/content", "example.org/issueB"))
    items = _ingest(tmp_path)
    assert not [i for i in items if isinstance(i, Record)]  # neither is read from a guess
    missing = [i for i in items if isinstance(i, Reject) and i.reason == "missing_page"]
    assert len(missing) == 4
    assert all("2 METS files share this folder" in r.detail for r in missing)


def test_a_string_holding_a_whole_line_gives_its_words(tmp_path: Path) -> None:
    (tmp_path / "page.xml").write_text(_LINE_LEVEL, encoding="utf-8")
    page = alto_mod.read_alto(tmp_path / "page.xml")
    assert page.n_words == 11  # was 2: one "word" per String
    assert [w for w, _c in page.words][:3] == ["All", "the", "Members"]
    assert page.words[6] == ("Merit", 0.8) and page.words[7] == ("SHOW", None)
    assert page.text == "All the Members Ware of Exceptional Merit\n\nSHOW MAY.BE GIVEN AGAIN"
    assert page.string_index["r1-dummy-TextLine-dummy-Word"] == 7
    assert page.word_confidence == pytest.approx(0.8)


# Round 2. Kitodo/DFG-viewer METS of a book or a volume of letters: the logical parts
# (title page, chapters, letters) are linked to whole pages by structLink/smLink, never to
# regions. Shape of the Kitodo export documented for the DFG-viewer (two parts linking the same
# page: "LOG_0087 -> PHYS_1347, LOG_0088 -> PHYS_1347") and of the held-out AppBrvoC METS.
_KITODO = """<?xml version="1.0" encoding="UTF-8"?>
<mets:mets xmlns:mets="http://www.loc.gov/METS/" xmlns:xlink="http://www.w3.org/1999/xlink">
  <mets:dmdSec ID="DMDLOG_0000"><mets:mdWrap MDTYPE="MODS"><mets:xmlData>
    <mods:mods xmlns:mods="http://www.loc.gov/mods/v3">
      <mods:titleInfo><mods:title>Logan Republican</mods:title></mods:titleInfo>
      <mods:originInfo><mods:dateIssued keyDate="yes">1911</mods:dateIssued></mods:originInfo>
    </mods:mods></mets:xmlData></mets:mdWrap></mets:dmdSec>
  <mets:dmdSec ID="DMDLOG_0002"><mets:mdWrap MDTYPE="MODS"><mets:xmlData>
    <mods:mods xmlns:mods="http://www.loc.gov/mods/v3">
      <mods:titleInfo><mods:title>Boosters</mods:title></mods:titleInfo>
      <mods:language><mods:languageTerm type="code">eng</mods:languageTerm></mods:language>
    </mods:mods></mets:xmlData></mets:mdWrap></mets:dmdSec>
  <mets:fileSec><mets:fileGrp USE="FULLTEXT">
    <mets:file MIMETYPE="text/xml" ID="FILE_0001_FULLTEXT"><mets:FLocat LOCTYPE="URL"
      xlink:href="https://digital.example.org/data/p1.xml"/></mets:file>
    <mets:file MIMETYPE="text/xml" ID="FILE_0002_FULLTEXT"><mets:FLocat LOCTYPE="URL"
      xlink:href="https://digital.example.org/data/p2.xml"/></mets:file>
    <mets:file MIMETYPE="text/xml" ID="FILE_0003_FULLTEXT"><mets:FLocat LOCTYPE="URL"
      xlink:href="https://digital.example.org/data/p3.xml"/></mets:file>
    <mets:file MIMETYPE="text/xml" ID="FILE_0004_FULLTEXT"><mets:FLocat LOCTYPE="URL"
      xlink:href="https://digital.example.org/data/p4.xml"/></mets:file>
    <mets:file MIMETYPE="text/xml" ID="FILE_0005_FULLTEXT"><mets:FLocat LOCTYPE="URL"
      xlink:href="https://digital.example.org/data/p5.xml"/></mets:file>
  </mets:fileGrp></mets:fileSec>
  <mets:structMap TYPE="LOGICAL">
    <mets:div ID="LOG_0000" DMDID="DMDLOG_0000" TYPE="monograph" LABEL="Logan Republican">
      <mets:div ID="LOG_0001" TYPE="title_page" LABEL="Titelseite"/>
      <mets:div ID="LOG_0002" DMDID="DMDLOG_0002" TYPE="chapter" LABEL="Kapitel 1">
        <mets:div ID="LOG_0003" TYPE="section" LABEL="Abschnitt"/>
      </mets:div>
      <mets:div ID="LOG_0004" TYPE="letter" LABEL="Brief"/>
      <mets:div ID="LOG_0005" TYPE="chapter" LABEL="Kapitel 2"/>
    </mets:div>
  </mets:structMap>
  <mets:structMap TYPE="PHYSICAL"><mets:div ID="PHYS_0000" TYPE="physSequence">
    <mets:div TYPE="page" ORDER="1" ID="PHYS_0001">
      <mets:fptr FILEID="FILE_0001_FULLTEXT"/></mets:div>
    <mets:div TYPE="page" ORDER="2" ID="PHYS_0002">
      <mets:fptr FILEID="FILE_0002_FULLTEXT"/></mets:div>
    <mets:div TYPE="page" ORDER="3" ID="PHYS_0003">
      <mets:fptr FILEID="FILE_0003_FULLTEXT"/></mets:div>
    <mets:div TYPE="page" ORDER="4" ID="PHYS_0004">
      <mets:fptr FILEID="FILE_0004_FULLTEXT"/></mets:div>
    <mets:div TYPE="page" ORDER="5" ID="PHYS_0005">
      <mets:fptr FILEID="FILE_0005_FULLTEXT"/></mets:div>
  </mets:div></mets:structMap>
  <mets:structLink>
    <mets:smLink xlink:from="LOG_0000" xlink:to="PHYS_0000"/>
    <mets:smLink xlink:from="LOG_0001" xlink:to="PHYS_0001"/>
    <mets:smLink xlink:from="LOG_0002" xlink:to="PHYS_0002"/>
    <mets:smLink xlink:from="LOG_0003" xlink:to="PHYS_0003"/>
    <mets:smLink xlink:from="LOG_0004" xlink:to="PHYS_0003"/>
    <mets:smLink xlink:from="LOG_0005" xlink:to="PHYS_0005"/>
  </mets:structLink>
</mets:mets>
"""

_PAGE3 = """<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#">
  <Description><MeasurementUnit>pixel</MeasurementUnit></Description>
  <Layout><Page ID="p3" WIDTH="100" HEIGHT="100"><PrintSpace>
    <TextBlock ID="b1"><TextLine><String CONTENT="Dear" WC="0.9"/><SP/><String CONTENT="Sir,"
      WC="0.7"/></TextLine></TextBlock></PrintSpace></Page></Layout></alto>
"""


def _kitodo_book(tmp_path: Path) -> Path:
    book = tmp_path / "book"
    (book / "FULLTEXT").mkdir(parents=True)
    shutil.copy(LOGAN, book / "FULLTEXT" / "p1.xml")
    (book / "FULLTEXT" / "p2.xml").write_text(_LINE_LEVEL, encoding="utf-8")
    (book / "FULLTEXT" / "p3.xml").write_text(_PAGE3, encoding="utf-8")
    (book / "FULLTEXT" / "p4.xml").write_text(_PAGE3.replace("Dear", "Yours"), encoding="utf-8")
    (book / "mets.xml").write_text(_KITODO, encoding="utf-8")  # p5.xml is not delivered
    return book


def test_kitodo_parts_linked_to_whole_pages_become_articles(tmp_path: Path) -> None:
    """Was: one `no_articles` Reject. Now one record per part, from its pages."""
    _kitodo_book(tmp_path)
    items = _ingest(tmp_path, granularity="article")
    records = {r.doc_id.rsplit("/", 1)[1]: r for r in items if isinstance(r, Record)}
    rejects = [(r.reason, r.detail) for r in items if isinstance(r, Reject)]
    assert list(records) == ["LOG_0001", "LOG_0002", "other"]
    title_page, chapter, other = records.values()
    assert title_page.title == "Titelseite" and len(title_page.words) == 40
    assert title_page.metadata["article_pages"] == "1"
    assert title_page.metadata["article_boundary"] == "page"
    # the section nested in the chapter is read with it; the chapter's MODS gives title and
    # language; page 3 is shared with the letter and goes to the chapter, the earlier part
    assert chapter.title == "Boosters" and chapter.language == "en"
    assert chapter.metadata["article_pages"] == "2,3"
    assert chapter.metadata["pages_shared"] == "3"
    assert chapter.text.endswith("SHOW MAY.BE GIVEN AGAIN\n\nDear Sir,")
    assert chapter.ocr_confidence == pytest.approx((0.8 * 7 + 0.9 + 0.7) / 9, abs=1e-4)
    # page 4 is linked by no part: kept in <issue>/other, nothing lost
    assert other.text == "Yours Sir," and other.metadata["article_type"] == "outside_articles"
    assert ("missing_page", "held:book page 5: remote URL https://digital.example.org/data/"
            "p5.xml and no file of that name in the collection") in rejects
    assert ("shared_pages_only", "held:book/LOG_0004: its page(s) 3 are read with LOG_0002, "
            "the earlier part on the same page(s)") in rejects
    assert ("no_text", "held:book/LOG_0005: its page(s) 5 hold no readable text (1 missing)"
            ) in rejects
    assert len(rejects) == 3
    # the parts divide the issue's words: none counted twice, none lost
    (issue,) = [r for r in _ingest(tmp_path) if isinstance(r, Record)]
    assert sum(len(r.words) for r in records.values()) == len(issue.words) == 40 + 11 + 2 + 2
    assert sum(r.n_words for r in records.values()) == issue.n_words
    assert sorted(w for r in records.values() for w in r.text.split()) == sorted(
        issue.text.split())


def test_kitodo_letter_with_a_page_of_its_own_keeps_it(tmp_path: Path) -> None:
    book = _kitodo_book(tmp_path)
    mets = book / "mets.xml"
    mets.write_text(mets.read_text().replace(
        '<mets:smLink xlink:from="LOG_0004" xlink:to="PHYS_0003"/>',
        '<mets:smLink xlink:from="LOG_0004" xlink:to="PHYS_0003"/>'
        '<mets:smLink xlink:from="LOG_0004" xlink:to="PHYS_0004"/>'))
    items = _ingest(tmp_path, granularity="article")
    letter = next(r for r in items if isinstance(r, Record) and r.doc_id.endswith("LOG_0004"))
    assert letter.text == "Yours Sir," and letter.title == "Brief"
    assert letter.metadata["article_pages"] == "4"
    assert letter.metadata["pages_shared"] == "3"
    assert letter.metadata["pages_given_to"] == "LOG_0002"
    assert not any(isinstance(r, Record) and r.doc_id.endswith("/other") for r in items)


POILU = HELDOUT / "escriptorium" / "testament_poilu_AD78_0014_1914.xml"


def test_escriptorium_v4_line_strings_and_compound_line_end_hyphens() -> None:
    """eScriptorium ALTO v4: a line per String, hyphens left in the text at line ends. French
    numerals and place names are hyphenated compounds: the hyphen stays when the next part is
    capitalised or hyphenated itself (was "quatrevingt-cinq", "milleneuf-cent-quatorze")."""
    page = alto_mod.read_alto(POILU)
    assert (page.version, page.unit, page.word_confidence) == ("4.2", "pixel", None)
    assert (page.width, page.height) == (2114.0, 3010.0)
    words = [w for w, _c in page.words]
    assert "mille-huit-cent-quatre-vingt-cinq" in words
    assert "mille-neuf-cent-quatorze" in words
    assert "Mourmelon-le-Grand," in words
    assert len(words) == 69
    # margin zone first (file order), then the main zone; the empty zone adds nothing
    first, main = page.text.split("\n\n")
    assert first == "Je dis : le vingt-sept Mars. A. Rougé"
    assert main.startswith("Je soussigné Rougé, Armand Léopold né le 27 Mars mille huit-cent")
    assert main.endswith("Décembre mille-neuf-cent-quatorze A. Rougé")


def test_a_line_end_word_split_without_compound_is_still_joined(tmp_path: Path) -> None:
    text = POILU.read_text(encoding="utf-8").replace(
        'CONTENT="de pouvoir en disposer à sa façon"', 'CONTENT="de pouvoir en dispo-"').replace(
        'CONTENT="Fait à Mourmelon-le-"', 'CONTENT="ser à sa façon"')
    (tmp_path / "p.xml").write_text(text, encoding="utf-8")
    words = [w for w, _c in alto_mod.read_alto(tmp_path / "p.xml").words]
    assert "disposer" in words and "dispo-" not in words


@pytest.mark.parametrize(
    ("before", "after", "word"),
    [("ce-", "lui-ci", "celui-ci"), ("pen-", "sa-t-elle", "pensa-t-elle"),
     ("quel-", "ques-uns", "quelques-uns"), ("mo-", "ther-in-law", "mother-in-law")],
)
def test_a_split_word_whose_rest_has_its_own_hyphen_is_joined(
        tmp_path: Path, before: str, after: str, word: str) -> None:
    """Review finding: keeping the hyphen whenever the rest was hyphenated gave "ce-lui-ci" and
    "pen-sa-t-elle"; only French number words ("quatre-|vingt-cinq") keep it."""
    text = POILU.read_text(encoding="utf-8").replace(
        'CONTENT="de pouvoir en disposer à sa façon"', f'CONTENT="de pouvoir en {before}"').replace(
        'CONTENT="Fait à Mourmelon-le-"', f'CONTENT="{after} à sa façon"')
    (tmp_path / "p.xml").write_text(text, encoding="utf-8")
    words = [w for w, _c in alto_mod.read_alto(tmp_path / "p.xml").words]
    assert word in words
