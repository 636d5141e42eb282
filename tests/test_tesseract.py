"""Tests for ingest.tesseract: real Tesseract on a BnL 1858 sample, page/document rules, rejects."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from ingest import tesseract
from ingest.alto import parse_page, read_alto
from ingest.record import Page, Record, Reject, SourceError
from models.ocr_eval import cer, evaluate, read_ground_truth

try:
    from tests.conftest import RAW, SAMPLES, shared_path
except ModuleNotFoundError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from conftest import RAW, SAMPLES, shared_path  # type: ignore[no-redef]

SAMPLE = SAMPLES / "ocr" / "bnl_1858_antiqua_4lines.png"
GROUND_TRUTH = SAMPLES / "ocr" / "bnl_1858_antiqua_4lines.gt.txt"
needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract binary not installed"
)


def run(path: Path, root: Path, **options: object) -> tuple[Record, list[Page], list[Reject]]:
    out = list(tesseract.parse(path, root=root, collection="ocr-test", kind="press", **options))
    records = [o for o in out if isinstance(o, Record)]
    assert len(records) == 1
    return (
        records[0],
        [o for o in out if isinstance(o, Page)],
        [o for o in out if isinstance(o, Reject)],
    )


def test_thread_limit_is_set_for_tesseract() -> None:
    import os

    assert os.environ["OMP_THREAD_LIMIT"]  # set at import unless the user chose a value


def test_natural_page_order() -> None:
    names = ["p10.png", "p2.png", "P1.png", "p2b.png"]
    assert sorted(names, key=tesseract.sort_key_natural) == [
        "P1.png",
        "p2.png",
        "p2b.png",
        "p10.png",
    ]


def test_find_documents(tmp_path: Path) -> None:
    root = tmp_path / "coll"
    for rel in [
        "single.png",
        "vol2/page10.tif",
        "vol2/page2.tif",
        "vol10/a.jpg",
        "issues/1858/p1.jpeg",
        "notes/readme.txt",
        ".hidden/x.png",
    ]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")
    (root / "metadata.csv").write_text("file,title\n", encoding="utf-8")
    found = [p.relative_to(root).as_posix() for p in tesseract.find(root)]
    assert found == ["single.png", "issues/1858", "vol2", "vol10"]
    assert [p.name for p in tesseract.list_images(root / "vol2")] == ["page2.tif", "page10.tif"]
    per_file = [p.relative_to(root).as_posix() for p in tesseract.find(root, unit="file")]
    assert per_file == [
        "issues/1858/p1.jpeg",
        "single.png",
        "vol2/page2.tif",
        "vol2/page10.tif",
        "vol10/a.jpg",
    ]
    with pytest.raises(ValueError, match="unit"):
        list(tesseract.find(root, unit="page"))


def test_otsu_and_preprocessing() -> None:
    # two grey levels: the threshold falls between them, binarize keeps only black and white
    image = Image.new("L", (40, 10), 200)
    image.paste(60, (0, 0, 20, 10))
    assert 60 <= tesseract.compute_otsu_threshold(image) < 200
    binary = tesseract.preprocess_image(image, "binarize")
    assert sorted(c for _n, c in binary.getcolors()) == [0, 255]
    assert tesseract.preprocess_image(image.convert("RGB"), "grayscale").mode == "L"
    assert tesseract.preprocess_image(image, "upscale").size == (80, 20)
    assert tesseract.preprocess_image(image.convert("P"), "none").mode == "RGB"
    with pytest.raises(ValueError, match="preprocess"):
        tesseract.preprocess_image(image, "sharpen")


@needs_tesseract
def test_ocr_sample_page(tmp_path: Path) -> None:
    root = tmp_path / "bnl"
    root.mkdir()
    image = root / SAMPLE.name
    shutil.copy(SAMPLE, image)
    (root / "metadata.csv").write_text(
        "file,title,author,date,language\n"
        f"{SAMPLE.name},L'Union (extrait),Rédaction; Correspondant,1858-03-02,fre\n",
        encoding="utf-8",
    )
    artefacts = tmp_path / "staged" / "alto"
    record, pages, rejects = run(image, root, artefact_dir=artefacts)

    assert rejects == []
    assert record.doc_id == "ocr-test:bnl_1858_antiqua_4lines"
    assert record.source_path == f"bnl/{SAMPLE.name}"
    assert record.source_format == "tesseract"
    assert record.source_sha256 == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert record.title == "L'Union (extrait)"
    assert record.authors == ("Rédaction", "Correspondant")
    assert (record.date_text, str(record.date_start), record.year) == (
        "1858-03-02",
        "1858-03-02",
        1858,
    )
    assert record.language == "fr"
    assert record.metadata["tesseract_version"].startswith("5.")
    assert (record.metadata["languages"], record.metadata["psm"]) == ("fra", "3")
    assert record.metadata["n_pages"] == "1"

    # measured 0.031 (Tesseract 5.3.0, fra, psm 3); the bound leaves room for other versions
    reference = read_ground_truth(GROUND_TRUTH)
    assert cer(reference, record.text) < 0.10
    for word in ("lecteurs", "attention", "coïncidence", "étranges", "conclueront"):
        assert word in record.text
    assert record.ocr_confidence is not None and 0.6 < record.ocr_confidence <= 1.0
    assert pages[0].n_words == 34  # ALTO Strings, counting the opening quote mark
    assert record.n_words == 33  # words of the reading text (count_words)

    (page,) = pages
    assert page.page_number == 1
    assert page.image_path == f"bnl/{SAMPLE.name}"
    assert (page.width, page.height) == (881.0, 164.0)
    assert page.alto_path == "alto/bnl_1858_antiqua_4lines/0001.xml"
    alto_file = artefacts.parent / page.alto_path
    # the artefact goes through the one ALTO reader into the same Page as any ALTO page
    assert page == parse_page(
        alto_file,
        doc_id=page.doc_id,
        page_number=1,
        alto_path=page.alto_path,
        image_path=page.image_path,
    )
    alto = read_alto(alto_file)
    assert (alto.unit, alto.version) == ("pixel", "3.0")  # Tesseract writes ALTO 3.0
    assert alto.software.startswith("tesseract")
    assert f"<fileName>bnl/{SAMPLE.name}</fileName>".encode() in alto_file.read_bytes()
    assert not list(alto_file.parent.glob("*.tmp"))

    # same input, same output: records, pages and the artefact bytes
    first_bytes = alto_file.read_bytes()
    again = run(image, root, artefact_dir=artefacts)
    assert again[0] == record and again[1] == pages
    assert alto_file.read_bytes() == first_bytes


@needs_tesseract
def test_folder_document_keeps_good_pages_and_rejects_bad_ones(tmp_path: Path) -> None:
    doc = tmp_path / "coll" / "issue-1858"
    doc.mkdir(parents=True)
    shutil.copy(SAMPLE, doc / "page1.png")
    (doc / "page2.png").write_bytes(b"")  # zero-byte scan
    (doc / "page3.tif").write_text("not an image\n", encoding="utf-8")
    buf = io.BytesIO()
    Image.open(SAMPLE).save(buf, format="TIFF")
    (doc / "page10.tif").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])  # truncated
    (doc / "notes.txt").write_text("transcriber's notes, not a page", encoding="utf-8")

    record, pages, rejects = run(doc, tmp_path / "coll", languages="fra+eng", psm=6)

    assert record.doc_id == "ocr-test:issue-1858"
    assert record.language == "fr"  # first of the tesseract languages, no sidecar
    assert [p.page_number for p in pages] == [1]
    assert [(r.source_path, r.reason) for r in rejects] == [
        ("coll/issue-1858/page2.png", "empty_file"),
        ("coll/issue-1858/page3.tif", "bad_image"),
        ("coll/issue-1858/page10.tif", "bad_image"),
    ]
    assert "truncated" in rejects[2].detail and rejects[2].detail.startswith("page 4:")
    assert all(r.stage == "ingest" for r in rejects)
    assert record.metadata["n_pages"] == "4"
    assert record.metadata["n_pages_rejected"] == "3"
    digests = [
        hashlib.sha256((doc / n).read_bytes()).hexdigest()
        for n in ("page1.png", "page2.png", "page3.tif", "page10.tif")
    ]
    assert record.source_sha256 == hashlib.sha256("".join(digests).encode()).hexdigest()
    assert "conclueront" in record.text
    assert pages[0].alto_path is None  # no artefact_dir given


@needs_tesseract
def test_multipage_tiff_is_one_document(tmp_path: Path) -> None:
    root = tmp_path / "coll"
    root.mkdir()
    full = Image.open(SAMPLE)
    top = full.crop((0, 0, full.width, 84))  # the first two printed lines
    tiff = root / "gazette.tif"
    full.save(tiff, save_all=True, append_images=[top])
    record, pages, rejects = run(tiff, root, low_confidence=0.99)
    assert rejects == []
    assert [(p.page_number, p.image_path, p.height) for p in pages] == [
        (1, "coll/gazette.tif#1", 164.0),
        (2, "coll/gazette.tif#2", 84.0),
    ]
    assert "dans lesquels nous" in pages[0].text and "dans lesquels" not in pages[1].text
    assert "lecteurs" in pages[1].text
    assert record.text == pages[0].text + "\n\n" + pages[1].text
    total = sum(p.n_words for p in pages)
    mean = sum(p.word_confidence * p.n_words for p in pages) / total  # type: ignore[operator]
    assert record.ocr_confidence == pytest.approx(mean)
    assert record.metadata["low_confidence_pages"] == "1,2"  # every page below 0.99


@needs_tesseract
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_pdf_pages_are_rendered_and_ocred(tmp_path: Path) -> None:
    root = tmp_path / "coll"
    root.mkdir()
    full = Image.open(SAMPLE)
    top = full.crop((0, 0, full.width, 84))
    full.save(root / "extrait.pdf", save_all=True, append_images=[top], resolution=300)
    (root / "broken.pdf").write_text("%PDF-1.4 then nothing", encoding="utf-8")
    assert [p.name for p in tesseract.find(root)] == ["broken.pdf", "extrait.pdf"]
    record, pages, rejects = run(root / "extrait.pdf", root)
    assert rejects == []
    assert [(p.page_number, p.image_path) for p in pages] == [
        (1, "coll/extrait.pdf#1"),
        (2, "coll/extrait.pdf#2"),
    ]
    assert (pages[0].width, pages[0].height) == (881.0, 164.0)  # rendered at 300 dpi
    assert cer(read_ground_truth(GROUND_TRUTH), pages[0].text) < 0.10
    assert record.metadata["n_pages"] == "2"
    with pytest.raises(SourceError) as info:
        run(root / "broken.pdf", root)
    assert info.value.reason == "bad_pdf"


def test_document_without_usable_page_raises(tmp_path: Path) -> None:
    doc = tmp_path / "coll" / "empty-issue"
    doc.mkdir(parents=True)
    (doc / "001.png").write_bytes(b"")
    with pytest.raises(SourceError) as info:
        run(doc, tmp_path / "coll")
    assert info.value.reason == "empty_file"
    (doc / "002.tif").write_text("plain text", encoding="utf-8")
    with pytest.raises(SourceError) as info:
        run(doc, tmp_path / "coll")
    assert info.value.reason == "no_usable_page"
    assert "001.png" in info.value.detail and "002.tif" in info.value.detail


@needs_tesseract
def test_ocr_failure_is_ocr_failed(tmp_path: Path) -> None:
    root = tmp_path / "coll"
    root.mkdir()
    shutil.copy(SAMPLE, root / "p.png")
    with pytest.raises(SourceError) as info:  # Tesseract has no such language model
        run(root / "p.png", root, languages="xyz")
    assert info.value.reason == "ocr_failed"


def test_bad_options_fail_loudly(tmp_path: Path) -> None:
    shutil.copy(SAMPLE, tmp_path / "p.png")
    with pytest.raises(ValueError, match="unknown tesseract options"):
        run(tmp_path / "p.png", tmp_path, langauges="fra")
    with pytest.raises(ValueError, match="preprocess"):
        run(tmp_path / "p.png", tmp_path, preprocess="sharpen")
    assert set(tesseract.OPTIONS) >= {
        "languages",
        "psm",
        "dpi",
        "preprocess",
        "low_confidence",
        "artefact_dir",
        "metadata",
    }


def test_record_language_choice() -> None:
    assert tesseract.choose_language("fra+eng") == "fr"
    assert tesseract.choose_language("lat") == "la"
    assert tesseract.choose_language("fra", "detect") is None  # left to the pipeline
    assert tesseract.choose_language("fra", "deu") == "de"
    row = {"language": "ger", "date": "vers 1858", "author": "A. B. | C. D."}
    fields = tesseract.build_record_fields(row, "fra")
    assert (fields["language"], fields["authors"], fields["year"]) == (
        "de",
        ("A. B.", "C. D."),
        1858,
    )
    assert fields["date_approximate"] is True


@needs_tesseract
@pytest.mark.shared
def test_bnl_antiqua_block_and_ocr17_long_s() -> None:
    # BnL block 2 (Antiqua, French, 1859): measured CER 0.003 with fra
    base = shared_path("ocr", "bnl-textblocks")
    hyp = read_alto(tesseract.ocr_page(base / "images" / "2.tif", "fra", 3)).text
    assert cer(read_ground_truth(base / "gt" / "2.xml"), hyp) < 0.03
    # OCR17 Descartes 1637: stock Tesseract reads most long s as f (measured 11 of the 14 in
    # these five lines, CER 0.166; 15 of 18 in the first 20 lines)
    lines = shared_path(
        "ocr",
        "ocr17",
        "Training_data",
        "72dpi",
        "Descartes1637_Discours_btv1b86069594_corrected",
        "extracted",
    )
    pairs = []
    for name in ("000002", "000009", "000017", "000018", "000019"):
        pairs.append(
            (
                name,
                read_ground_truth(lines / f"{name}.gt.txt"),
                read_alto(tesseract.ocr_page(lines / f"{name}.png", "fra", 7)).text,
            )
        )
    assert pairs[0][2].startswith("Pour bien conduire fa raifon")
    result = evaluate(pairs)
    assert result["n_long_s"] == 14
    assert result["long_s_as_f"] >= 8
    assert 0.05 < result["cer"] < 0.3


DESCARTES = RAW / "ocr-gt" / "ocr17" / "descartes1637"


def test_long_s_lexicon_correction() -> None:
    # Tesseract's (fra) reading of OCR17 Descartes 1637 line 000002
    text, changed = tesseract.correct_long_s("Pour bien conduire fa raifon, & chercher")
    assert (text, changed) == ("Pour bien conduire ſa raiſon, & chercher", 2)
    lexicon, function_words = tesseract.load_lexicon(), tesseract.load_function_words()
    fix = lambda w: tesseract.correct_word_long_s(w, lexicon, function_words)  # noqa: E731
    # early-modern spellings are checked through their modern forms (estoit -> était)
    assert [fix(w) for w in ("eftoit", "mefme", "auffi", "plufieurs", "Efprit", "fciences")] == [
        "eſtoit",
        "meſme",
        "auſſi",
        "pluſieurs",
        "Eſprit",
        "ſciences",
    ]
    # a rare content word read where a function word is far likelier: fa -> ſa, fur -> ſur
    assert [fix(w) for w in ("fi", "fur", "fans")] == ["ſi", "ſur", "ſans"]
    # real f words stay: known words, function words (font/sont is ambiguous), final f, capitals
    for word in ("fait", "font", "enfant", "fleur", "chef", "fort", "France", "Fontaine"):
        assert fix(word) == word
    # 19th-century text (OCR17 XIX line 000003, as Tesseract reads it) is left alone
    assert tesseract.correct_long_s("encore leurs chansons antiques, aux")[1] == 0


@needs_tesseract
def test_long_s_option_on_a_17th_century_line(tmp_path: Path) -> None:
    root = tmp_path / "descartes"
    root.mkdir()
    shutil.copy(DESCARTES / "000002.png", root / "000002.png")
    artefacts = tmp_path / "alto"
    raw, _, _ = run(root / "000002.png", root, psm=7, artefact_dir=artefacts)
    fixed, pages, _ = run(
        root / "000002.png", root, psm=7, long_s="lexicon", artefact_dir=artefacts
    )
    reference = read_ground_truth(DESCARTES / "000002.gt.txt")
    assert reference == "Pour bien conduire ſa raiſon, & chercher"
    assert "raifon" in raw.text and "raiſon" in fixed.text
    assert cer(reference, fixed.text) < cer(reference, raw.text)
    assert fixed.metadata["long_s"] == "lexicon"
    assert int(fixed.metadata["long_s_corrections"]) >= 2
    assert "long_s" not in raw.metadata
    # the ALTO artefact is Tesseract's own reading; only the text is corrected
    assert "raifon" in read_alto(artefacts.parent / pages[0].alto_path).text


@needs_tesseract
def test_timeout_makes_an_ocr_timeout_reject(tmp_path: Path) -> None:
    doc = tmp_path / "coll" / "issue"
    doc.mkdir(parents=True)
    shutil.copy(SAMPLE, doc / "p1.png")
    with pytest.raises(RuntimeError, match="timeout"):
        tesseract.ocr_page(SAMPLE, "fra", 3, timeout=0.001)  # no page OCRs in a millisecond
    with pytest.raises(SourceError) as info:
        run(doc, tmp_path / "coll", timeout=0.001)
    assert info.value.reason == "ocr_timeout"
    assert "coll/issue/p1.png" in info.value.detail and "0.001 s" in info.value.detail
    for bad in ({"timeout": 0}, {"long_s": "modern"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            run(doc, tmp_path / "coll", **bad)  # type: ignore[arg-type]


def test_deskew_finds_the_rotation() -> None:
    page = Image.open(SAMPLE).convert("L")
    # the scan of BnL block 1 (and so this crop) leans by half a degree
    base = tesseract.estimate_skew(page)
    assert base == 0.5
    for angle in (2.0, -1.5):
        tilted = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        assert tesseract.estimate_skew(tilted) == pytest.approx(base - angle, abs=0.25)
        straightened = tesseract.preprocess_image(tilted, "deskew")
        assert abs(tesseract.estimate_skew(straightened)) <= 0.25
    assert tesseract.estimate_skew(Image.new("L", (50, 20), 255)) == 0.0  # blank: no rotation


def test_spacy_stop_words_read_without_spacy() -> None:
    from spacy.lang.fr.stop_words import STOP_WORDS

    assert tesseract.read_spacy_stop_words("fr") == set(STOP_WORDS)


@needs_tesseract
def test_file_and_in_memory_pages_read_the_same(tmp_path: Path) -> None:
    """A one-frame file goes to Tesseract as it is; an in-memory page as uncompressed PNM with
    its resolution tag as --dpi: the same pixels and resolution, so the same reading."""
    tif = tmp_path / "page.tif"
    with Image.open(RAW / "bnl-ocr" / "images" / "2.tif") as im:
        im.save(tif, dpi=(300, 300))
    with Image.open(tif) as im:
        im.load()
        in_memory = im.copy()
    assert tesseract._tesseract_reads(tif) and tesseract._image_dpi(in_memory) == 300
    from_file = read_alto(tesseract.ocr_page(tif, "fra", 3)).text
    from_memory = read_alto(tesseract.ocr_page(in_memory, "fra", 3)).text
    assert from_file and from_file == from_memory
    assert not tesseract._tesseract_reads(tmp_path / "missing.tif")
