"""Every file under ../shared/corpora/{books,press,cables,museum} is read, as the pipeline does.

Each folder is walked with its adapter (`find`, then `parse_units` of pipeline/ingest.py on the
units), and the result is checked: unit/record/page counts, no empty text, zero rejects except
the ones listed below with their true reason, known titles and dates. Files that no adapter
reads as a unit are listed in SIDECARS with the adapter that uses them and are checked too.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED, shared_path

from ingest import dates, get_adapter
from ingest._xml import parse_xml
from pipeline.ingest import Task, parse_units

# folder -> (kind, format, options, n_units, n_documents, n_pages)
WALK: dict[str, tuple[str, str, dict[str, Any], int, int, int]] = {
    "books/eltec-eng": ("book", "tei", {}, 9, 9, 0),
    "books/eltec-fra/level1": ("book", "tei", {}, 8, 8, 0),
    "books/eltec-fra/plain1": ("book", "plaintext", {}, 4, 4, 0),
    "books/fredracor": ("book", "tei", {}, 14, 14, 0),
    "books/shakedracor": ("book", "tei", {}, 3, 3, 0),
    "books/tcp": ("book", "tei", {}, 12, 12, 0),
    "press/bnf-europeana": ("press", "alto", {}, 4, 4, 20),
    "press/bl-newspapers": ("press", "alto", {}, 2, 2, 8),
    "press/rero": ("press", "alto", {}, 1, 1, 5),
    "press/bnl-luxembourg": ("press", "alto", {}, 1, 1, 4),
    "press/onb-anno": ("press", "alto", {}, 1, 1, 5),
    "press/chronam": ("press", "alto", {}, 1, 1, 1),
    "cables/frus": ("cable", "tei", {}, 5, 1701, 0),
    "cables/guizot-lieven": ("cable", "tei", {}, 1, 2, 0),
    "cables/cablegate-sample": ("cable", "cables_csv", {}, 1, 2, 0),
    "museum/lido": ("museum", "lido", {}, 16, 37, 0),
    "museum/tate": ("museum", "tate", {}, 1110, 1110, 0),
}

# The only rejects the walk may give, with their reason (pipeline rule: ids are unique).
EXPECTED_REJECTS: dict[str, list[tuple[str, str]]] = {
    # FRUS: none. The two datelines that held no date (a ship's position, 1861 d125, and
    # "Paris [undated.]", 1936 d539) are read as a place and as "undated", not as failed dates
    # (tests/test_heldout_bench.py, docs/heldout-audit.md).
    "cables/frus": [],
    # Ethnologisches_Museum.xml and Herzog_Anton_Ulrich.xml are byte-identical copies of one
    # record (DE-MUS-019118/794675) in the lido-examples repository: the second is a duplicate.
    "museum/lido": [("duplicate_id", "lido:DE-MUS-019118/794675")],
}

# Files no adapter reads as a unit of its own folder walk, and why (each is checked below).
SIDECARS: dict[str, str] = {
    "books/eltec-eng/ELTeC-eng_metadata.tsv": "ELTeC metadata table; the TEI headers carry "
    "the same title and first-edition year (checked); plaintext reads it next to texts",
    "books/eltec-fra/ELTeC-fra_metadata.tsv": "plaintext sidecar of plain1/*.txt (read)",
    "press/bl-newspapers/0002244/1855/0922/0002244_18550922_manifest.txt": "BL fixity "
    "manifest: sha256 of the issue's files (checked; its .jp2 images are not in the sample)",
    "press/chronam/ocr.txt": "plain-text rendering of ocr.xml, the same page (read with "
    "plaintext and compared)",
}
# Tate people, not works: skipped by design (ingest/tate.py docstring).
TATE_ARTISTS = re.compile(r"museum/tate/(artists/.+\.json|artist_data\.csv)$")


@cache
def walk(folder: str) -> dict[str, Any]:
    """Parse one folder exactly as pipeline/ingest.py does, on one process."""
    kind, fmt, options, *_ = WALK[folder]
    root = SHARED / folder
    units = sorted(get_adapter(fmt).find(root, **options))
    task = Task(
        collection=folder.split("/")[1],
        kind=kind,
        format=fmt,
        root=str(root),
        units=tuple(map(str, units)),
        options=tuple(sorted(options.items())),
        languages=(),
        detect_language=False,
    )
    out = parse_units(task)
    docs = out["documents"].to_pylist()
    ids = Counter(d["doc_id"] for d in docs)
    rejects = [(r["reason"], r["detail"]) for r in out["rejects"].to_pylist()]
    seen: set[str] = set()
    for d in docs:  # pipeline.ingest keeps the first record of an id, rejects the others
        if d["doc_id"] in seen:
            rejects.append(("duplicate_id", d["doc_id"]))
        seen.add(d["doc_id"])
    return {
        "units": units,
        "docs": {d["doc_id"]: d for d in docs},
        "n_docs": sum(ids.values()),
        "n_pages": len(out["pages"]),
        "rejects": rejects,
    }


@pytest.mark.parametrize("folder", list(WALK))
def test_folder_ingests_fully(folder: str) -> None:
    shared_path(*folder.split("/"))
    result = walk(folder)
    _kind, _fmt, _opts, n_units, n_docs, n_pages = WALK[folder]
    assert len(result["units"]) == n_units
    assert result["n_docs"] == n_docs
    assert result["n_pages"] == n_pages
    assert sorted(result["rejects"]) == sorted(EXPECTED_REJECTS.get(folder, []))
    empty = [i for i, d in result["docs"].items() if not d["text"].strip()]
    assert empty == []
    assert all(d["n_words"] > 0 for d in result["docs"].values())


def test_every_file_is_read_or_a_documented_sidecar() -> None:
    shared_path("books")
    read: set[str] = set()
    for folder in WALK:
        for unit in map(Path, walk(folder)["units"]):
            if unit.is_dir():
                files = [p for p in unit.rglob("*") if p.is_file()]
            elif WALK[folder][1] == "alto":  # a METS unit reads the ALTO pages beside it
                files = [unit, *unit.parent.rglob("*.xml")]
            else:
                files = [unit]
            read |= {p.relative_to(SHARED).as_posix() for p in files}
    every = {
        p.relative_to(SHARED).as_posix()
        for kind in ("books", "press", "cables", "museum")
        for p in (SHARED / kind).rglob("*")
        if p.is_file()
    }
    unaccounted = sorted(
        f for f in every - read if f not in SIDECARS and not TATE_ARTISTS.search(f)
    )
    assert unaccounted == []
    assert {f for f in SIDECARS} <= every


def test_known_titles_dates_and_authors() -> None:
    shared_path("books")
    eng = walk("books/eltec-eng")["docs"]["eltec-eng:level1/ENG18480_Thackeray"]
    assert eng["title"] == "Vanity Fair: A Novel without a Hero" and eng["year"] == 1848
    assert eng["authors"] == ["Thackeray, William Makepeace"]
    balzac = walk("books/eltec-fra/level1")["docs"]["eltec-fra:FRA00502_Balzac"]
    assert balzac["title"] == "Le cousin Pons" and balzac["date_text"] == "1851-1853"
    dream = walk("books/shakedracor")["docs"]["shakedracor:tei/a-midsummer-nights-dream"]
    assert dream["authors"] == ["William Shakespeare"] and dream["year"] == 1595
    tcp = walk("books/tcp")["docs"]["tcp:A00001"]
    assert tcp["date_text"] == "1593]" and tcp["year"] == 1593  # as the imprint wrote it
    gaulois = walk("press/bnf-europeana")["docs"]["bnf-europeana:Le-Gaulois/18820208_1"]
    assert gaulois["title"] == "Le Gaulois, 1882-02-08" and gaulois["language"] == "fr"
    statesman = walk("press/bl-newspapers")["docs"]["bl-newspapers:0002647/1824/0217"]
    assert statesman["title"] == "The Statesman, 1824-02-17" and statesman["year"] == 1824
    frus = walk("cables/frus")["docs"]["frus:frus1861/d1"]
    assert frus["date_text"] == "February 28, 1861" and frus["year"] == 1861
    letter = walk("cables/guizot-lieven")["docs"]["guizot-lieven:letters/l1"]
    assert letter["authors"] == ["François Guizot"] and letter["date_text"] == "28 février 1840"
    cable = walk("cables/cablegate-sample")["docs"]["cablegate-sample:2"]
    assert cable["title"] == "ACCELERATION OF F-4ES FOR IRAN" and cable["year"] == 1972
    kenom = walk("museum/lido")["docs"]["lido:record_DE-68_kenom_126169"]
    assert kenom["date_text"] == "15.3.1921" and kenom["date_precision"] == "day"
    blake = walk("museum/tate")["docs"]["tate:A00038"]
    assert blake["authors"] == ["William Blake"] and blake["year"] == 1789


def test_frus_documents_equal_the_document_divisions() -> None:
    """One record per top-level document division; the 79 nested ones of the 1861 volume
    (schedules inside an attachment) are part of their parent's text (ingest/tei/frus.py)."""
    root = shared_path("cables", "frus")
    docs = walk("cables/frus")["docs"]
    for volume in sorted(root.glob("*.xml")):
        tree = parse_xml(volume)
        n_divs = len(
            tree.xpath(
                "//t:div[@type='document' or @subtype='historical-document']"
                "[not(ancestor::t:div[@type='document' or @subtype='historical-document'])]",
                namespaces={"t": "http://www.tei-c.org/ns/1.0"},
            )
        )
        n_records = sum(1 for i in docs if i.startswith(f"frus:{volume.stem}/"))
        assert n_records == n_divs, volume.name


def test_eltec_metadata_tsv_agrees_with_the_tei_headers() -> None:
    for lang, folder in (("eng", "books/eltec-eng"), ("fra", "books/eltec-fra/level1")):
        tsv = shared_path("books", f"eltec-{lang}", f"ELTeC-{lang}_metadata.tsv")
        rows = {
            line.split("\t")[1]: line.split("\t")
            for line in tsv.read_text(encoding="utf-8").splitlines()[1:]
        }
        for doc_id, doc in walk(folder)["docs"].items():
            row = rows[doc_id.rsplit("/", 1)[-1].split(":")[-1]]
            assert doc["title"] == row[4]
            first_edition = dates.parse_date(row[10])  # "1848", or "1851-1853" (Balzac)
            assert first_edition.start == doc["date_start"]
            assert first_edition.end == doc["date_end"]


def test_bl_manifest_checksums_match_the_files() -> None:
    manifest = shared_path("press", "bl-newspapers", "0002244", "1855", "0922")
    lines = (manifest / "0002244_18550922_manifest.txt").read_text().splitlines()
    checked = 0
    for line in lines:
        m = re.fullmatch(r"sha256 \((.+)\) = ([0-9a-f]{64})", line.strip())
        assert m, line
        path = manifest / m[1]
        if path.suffix == ".xml":
            assert hashlib.sha256(path.read_bytes()).hexdigest() == m[2]
            checked += 1
    assert checked == 5  # four ALTO pages and the METS


def test_chronam_text_rendering_is_the_same_page() -> None:
    root = shared_path("press", "chronam")
    plain = get_adapter("plaintext")
    (rec,) = plain.parse(root / "ocr.txt", root=root, collection="chronam", metadata_tsv="")
    alto_text = walk("press/chronam")["docs"]["chronam:ocr"]["text"]
    words_txt, words_alto = Counter(rec.text.split()), Counter(alto_text.split())
    overlap = sum((words_txt & words_alto).values()) / max(1, sum(words_txt.values()))
    assert overlap > 0.9


def test_tate_artists_are_people_not_works() -> None:
    root = shared_path("museum", "tate")
    artists = sorted((root / "artists").rglob("*.json"))
    assert artists and not set(walk("museum/tate")["units"]) & set(artists)
    tate = get_adapter("tate")
    rejected = list(tate.parse(artists[0], root=root, collection="tate"))
    assert [r.reason for r in rejected] == ["artist_record"]
