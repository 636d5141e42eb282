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


def test_a_string_holding_a_whole_line_gives_its_words(tmp_path: Path) -> None:
    (tmp_path / "page.xml").write_text(_LINE_LEVEL, encoding="utf-8")
    page = alto_mod.read_alto(tmp_path / "page.xml")
    assert page.n_words == 11  # was 2: one "word" per String
    assert [w for w, _c in page.words][:3] == ["All", "the", "Members"]
    assert page.words[6] == ("Merit", 0.8) and page.words[7] == ("SHOW", None)
    assert page.text == "All the Members Ware of Exceptional Merit\n\nSHOW MAY.BE GIVEN AGAIN"
    assert page.string_index["r1-dummy-TextLine-dummy-Word"] == 7
    assert page.word_confidence == pytest.approx(0.8)
