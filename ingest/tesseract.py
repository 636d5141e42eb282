"""OCR of page images with Tesseract: each page -> ALTO (kept as an artefact) -> the ALTO reader.

Tesseract: https://tesseract-ocr.github.io/tessdoc/ ; its ALTO output is read by `ingest.alto`
(https://www.loc.gov/standards/alto/), so OCR pages and archive ALTO pages share one path.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

# One OpenMP thread per Tesseract process. Tesseract's OpenMP threads compete with the other
# pages OCRed in parallel (one Dask worker per core): measured 5x slower under parallel load
# than single-threaded runs (see /work/shared/DESIGN.md, "Scale"). pytesseract passes
# os.environ to the tesseract subprocess, so setting it here covers every call; a value the
# user exported is respected.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import numpy as np  # noqa: E402
import pytesseract  # noqa: E402
from PIL import Image  # noqa: E402

from ingest.alto import read_alto  # noqa: E402  (the one ALTO reader, also for Tesseract's ALTO)
from ingest.dates import parse_date  # noqa: E402
from ingest.language import normalise_code  # noqa: E402
from ingest.record import Page, Record, Reject, SourceError  # noqa: E402

logger = logging.getLogger(__name__)

OPTIONS: dict[str, Any] = {
    "languages": "fra",  # tesseract -l string, e.g. "fra+eng"
    "psm": 3,  # page segmentation mode (3 = automatic, 6 = one uniform block)
    "dpi": None,  # passed as --dpi when set; many scans carry no or a bogus resolution
    "preprocess": "none",  # none | grayscale | binarize | upscale | deskew (see benchmarks/README)
    "low_confidence": 0.6,  # pages whose mean word confidence is below are listed in metadata
    "artefact_dir": None,  # where per-page ALTO files are written (given by the pipeline)
    # where each OCRed page's ALTO is kept until the stage succeeds, so that a killed run,
    # re-run, OCRs only the pages it had not finished (given by the pipeline; see page_key)
    "ocr_cache": None,
    # optional sidecar CSV under root, columns file (or folder),title,author,date,language
    "metadata": "metadata.csv",
    "unit": "folder",  # folder: a folder of images is one document; file: every image file is one
    # record language without a sidecar value: None = first of `languages` (fra+eng -> fr);
    # "detect" = leave it empty for the pipeline's detection (multilingual collections); or a code
    "language": None,
    # long s (ſ) read as f: "lexicon" turns f back into ſ where that gives a known French word
    # and the word as read is not one (17th-18th c. prints); "none" keeps Tesseract's reading
    "long_s": "none",
    "timeout": 300,  # seconds per page; a page taking longer is a Reject("ocr_timeout")
}

IMAGE_SUFFIXES = (".tif", ".tiff", ".png", ".jpg", ".jpeg")
PAGE_SUFFIXES = (*IMAGE_SUFFIXES, ".pdf")  # PDF pages are rendered with poppler's pdftoppm
PDF_DPI = 300  # rendering resolution of PDF pages when the `dpi` option is not set
PREPROCESS = ("none", "grayscale", "binarize", "upscale", "deskew")
LONG_S = ("none", "lexicon")
UNITS = ("folder", "file")
# A page takes about a second of Tesseract: one unit per Dask task keeps every worker busy to
# the end of the run (pipeline.ingest.partition).
UNITS_PER_TASK = 1

# Tesseract writes the path of its temporary input file here; replaced by the real image path
# so that the ALTO artefact is the same run after run.
_FILENAME = re.compile(rb"<fileName>.*?</fileName>", re.DOTALL)
_DIGITS = re.compile(r"(\d+)")


def sort_key_natural(name: str) -> tuple[Any, ...]:
    """Key for natural filename order: page2 < page10 (case-insensitive, then exact)."""
    parts = _DIGITS.split(name)
    return (tuple(int(p) if i % 2 else p.casefold() for i, p in enumerate(parts)), name)


def _is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in PAGE_SUFFIXES and not path.name.startswith(".")


def list_images(folder: Path) -> list[Path]:
    """The image files directly in `folder`, in natural filename order."""
    images = (p for p in folder.iterdir() if _is_image(p))
    return sorted(images, key=lambda p: sort_key_natural(p.name))


def find(root: Path, *, unit: str = "folder", **options: Any) -> Iterator[Path]:
    """Documents under `root`: folders of page images, and image or PDF files directly in `root`.

    With `unit="file"` every image file (at any depth) is a document of its own.
    """
    if unit not in UNITS:
        raise ValueError(f"unit {unit!r} not in {UNITS}")
    root = Path(root)
    if unit == "file":
        files = [
            p
            for p in root.rglob("*")
            if _is_image(p) and not any(part.startswith(".") for part in p.relative_to(root).parts)
        ]
        yield from sorted(files, key=lambda p: sort_key_natural(p.relative_to(root).as_posix()))
        return
    yield from list_images(root)
    folders = [
        d
        for d in root.rglob("*")
        if d.is_dir() and not any(part.startswith(".") for part in d.relative_to(root).parts)
    ]
    for folder in sorted(folders, key=lambda d: sort_key_natural(d.relative_to(root).as_posix())):
        if list_images(folder):
            yield folder


def preprocess_image(image: Image.Image, preprocess: str = "none") -> Image.Image:
    """Prepare a page image for Tesseract.

    none | grayscale | binarize (Otsu) | upscale (x2, Lanczos) | deskew (projection profile,
    +-5 degrees). Measured choice of the default: benchmarks/README.md, "OCR".
    """
    if preprocess not in PREPROCESS:
        raise ValueError(f"preprocess {preprocess!r} not in {PREPROCESS}")
    if image.mode not in ("1", "L", "RGB"):
        # palette, 16-bit and CMYK scans; alpha is flattened on white by pytesseract itself
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if preprocess == "none":
        return image
    gray = image.convert("L")
    if preprocess == "grayscale":
        return gray
    if preprocess == "upscale":
        return gray.resize((gray.width * 2, gray.height * 2), Image.Resampling.LANCZOS)
    if preprocess == "deskew":
        angle = estimate_skew(gray)
        if angle == 0.0:
            return gray
        return gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    threshold = compute_otsu_threshold(gray)
    return gray.point(lambda v: 255 if v > threshold else 0)


def estimate_skew(gray: Image.Image, max_angle: float = 5.0, step: float = 0.25) -> float:
    """The rotation (degrees, counter-clockwise) that makes text lines horizontal.

    Projection-profile method: the angle whose row sums of ink vary most (sharp line/gap
    alternation), searched on a copy reduced to at most 800 px wide.
    """
    small = gray
    if gray.width > 800:
        small = gray.resize((800, max(1, round(gray.height * 800 / gray.width))))
    threshold = compute_otsu_threshold(small)
    ink = small.point(lambda v: 255 if v <= threshold else 0)
    best, best_score = 0.0, -1.0
    for angle in np.arange(-max_angle, max_angle + step / 2, step):
        rotated = ink.rotate(
            float(angle), resample=Image.Resampling.NEAREST, expand=True, fillcolor=0
        )
        rows = np.asarray(rotated, dtype=np.float64).sum(axis=1)
        score = float(np.dot(rows, rows))  # sum of squares: blank rows added by expand add 0
        # ties (blank images) keep the smallest rotation
        if score > best_score * (1 + 1e-9) or (score == best_score and abs(angle) < abs(best)):
            best, best_score = float(angle), score
    return round(best, 2)


def compute_otsu_threshold(gray: Image.Image) -> int:
    """Otsu's threshold (maximal between-class variance) of an 8-bit grayscale image."""
    hist = np.asarray(gray.histogram()[:256], dtype=np.float64)
    total = hist.sum()
    if total == 0:
        return 127
    levels = np.arange(256, dtype=np.float64)
    weight_bg = np.cumsum(hist)
    weight_fg = total - weight_bg
    sum_bg = np.cumsum(hist * levels)
    mean_bg = np.divide(sum_bg, weight_bg, out=np.zeros(256), where=weight_bg > 0)
    mean_fg = np.divide(sum_bg[-1] - sum_bg, weight_fg, out=np.zeros(256), where=weight_fg > 0)
    between = weight_bg * weight_fg * (mean_bg - mean_fg) ** 2
    return int(np.argmax(between))


def build_config(psm: int, dpi: int | None = None) -> str:
    """The tesseract command-line options for one page."""
    config = f"--psm {int(psm)}"
    if dpi:
        config += f" --dpi {int(dpi)}"
    return config


def ocr_page(
    image: Image.Image | Path,
    languages: str = "fra",
    psm: int = 3,
    preprocess: str = "none",
    dpi: int | None = None,
    timeout: float | None = None,
) -> bytes:
    """OCR one page image with one Tesseract run and return its ALTO XML bytes.

    A single-frame image file with nothing to preprocess goes to Tesseract as it is, like the
    `tesseract` CLI (same pixels, same resolution tag). Anything else is handed over as an
    uncompressed PNM file: pytesseract's default, PNG, costs about a fifth of the OCR time to
    encode (benchmarks/README.md, "OCR"); the image's own resolution tag is passed as --dpi.

    `timeout` (seconds): Tesseract is killed and RuntimeError('Tesseract process timeout')
    raised when the page takes longer (pytesseract's own timeout).
    """
    config_timeout = timeout or 0
    if isinstance(image, (str, Path)):
        path = Path(image)
        if preprocess == "none" and _tesseract_reads(path):
            alto: bytes = pytesseract.image_to_alto_xml(
                str(path), lang=languages, config=build_config(psm, dpi), timeout=config_timeout
            )
            return alto
        with Image.open(path) as opened:
            opened.load()
            image = opened.copy()
    prepared = preprocess_image(image, preprocess)
    if prepared.mode in ("1", "L", "RGB"):
        prepared.format = "PPM"  # pytesseract writes its temporary file in this format
    if dpi is None:
        dpi = _image_dpi(image)
        if dpi and preprocess == "upscale":
            dpi *= 2
    alto = pytesseract.image_to_alto_xml(
        prepared, lang=languages, config=build_config(psm, dpi), timeout=config_timeout
    )
    return alto


def _tesseract_reads(path: Path) -> bool:
    """True for a single-frame image Tesseract can read itself (no alpha, no 16 bits)."""
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return False
    try:
        with Image.open(path) as image:
            return int(getattr(image, "n_frames", 1)) == 1 and image.mode in ("1", "L", "RGB", "P")
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        return False


def _image_dpi(image: Image.Image) -> int | None:
    """The horizontal resolution tag of an image, when it has a plausible one."""
    value = (image.info or {}).get("dpi")
    try:
        x = round(float(value[0])) if value else 0
    except (TypeError, ValueError, IndexError):
        return None
    return x if 70 <= x <= 2400 else None


def ocr_text(
    image: Image.Image | Path,
    languages: str = "fra",
    psm: int = 3,
    preprocess: str = "none",
    dpi: int | None = None,
    long_s: str = "none",
    timeout: float | None = None,
) -> str:
    """The reading text of one page as the pipeline gets it: Tesseract's ALTO -> ALTO reader
    (-> long-s correction)."""
    text = str(read_alto(ocr_page(image, languages, psm, preprocess, dpi, timeout)).text)
    if long_s == "lexicon":
        text = correct_long_s(text)[0]
    return text


_WORD = re.compile(r"[^\W\d_]+")
_ACCENTS = str.maketrans("àâäéèêëîïôöùûüÿç", "aaaeeeeiioouuuyc")
_VOWELS = "aeiouy"


@cache
def load_lexicon() -> frozenset[str]:
    """French word forms, lower case without accents, from spacy-lookups-data (the French lemma
    lookup table: forms and lemmas; the lemma index; the exception forms) plus spaCy's French
    stop words (function words the tables lack: et, si, plusieurs, lorsque...)."""
    import gzip
    import json

    import spacy_lookups_data  # a data package: nothing of spaCy is loaded

    data = Path(spacy_lookups_data.__file__).parent / "data"
    forms: set[str] = set(read_spacy_stop_words("fr"))

    def load(name: str) -> Any:
        with gzip.open(data / name, "rt", encoding="utf-8") as f:
            return json.load(f)

    for form, lemmas in load("fr_lemma_lookup.json.gz").items():
        forms.add(form)
        forms.update([lemmas] if isinstance(lemmas, str) else lemmas)
    for words in load("fr_lemma_index.json.gz").values():
        forms.update(words)
    for table in load("fr_lemma_exc.json.gz").values():
        for form, lemmas in table.items():
            forms.add(form)
            forms.update(lemmas)
    return frozenset(_fold(w) for w in forms)


def read_spacy_stop_words(lang: str) -> set[str]:
    """spaCy's stop-word list for `lang`, read from its source file without importing spaCy
    (which costs seconds per worker): `STOP_WORDS = set(\"\"\"...\"\"\".split())`."""
    import ast
    import importlib.util

    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        return set()
    path = Path(next(iter(spec.submodule_search_locations))) / "lang" / lang / "stop_words.py"
    if not path.is_file():
        return set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 200:
            return set(node.value.split())
    return set()


def _fold(word: str) -> str:
    return word.lower().translate(_ACCENTS)


def _modern_variants(word: str) -> set[str]:
    """Early-modern spellings mapped to modern ones, only to look a word up: estoit -> etait,
    mesme -> meme, luy -> lui, auoir -> avoir, vne -> une, connoissance -> connaissance."""
    variants = {word}
    for w in list(variants):
        variants.add(re.sub(r"oi(?=(t|ent|s)?$)", "ai", w))
        variants.add(re.sub(r"oi", "ai", w))
    for w in list(variants):
        variants.add(re.sub(r"(?<=.)s(?=[bcdfgjlmnpqtv])", "", w))  # es + consonant -> e/e^
    for w in list(variants):
        variants.add(re.sub(r"y$", "i", w))
        variants.add(re.sub(r"(?<=[aeio])u(?=[aeio])", "v", w))
        variants.add(re.sub(r"^v(?=[^aeiouy])", "u", w))
    return variants


def is_known_word(word: str, lexicon: frozenset[str]) -> bool:
    """True when the word, or an early-modern spelling of a known modern form, is in the lexicon."""
    return any(v in lexicon for v in _modern_variants(_fold(word)))


@cache
def load_function_words() -> frozenset[str]:
    """spaCy's French stop words, folded: frequent words (sa, si, sur, sans, ses, soit...)."""
    return frozenset(_fold(w) for w in read_spacy_stop_words("fr"))


def correct_word_long_s(
    word: str, lexicon: frozenset[str], function_words: frozenset[str] = frozenset()
) -> str:
    """`word` with some non-final lower-case f read back as ſ, or `word` unchanged.

    A reading is changed when it spells a known word with s and the word as read is unknown;
    or when it spells a function word (sa, si, sur, sans) and the word as read is a rarer
    content word (fa, fi, fur, fans). Fewest changes win; ſ is never word-final.
    """
    positions = [i for i, c in enumerate(word[:-1]) if c == "f"]
    if not positions or len(positions) > 4:
        return word
    read_known = is_known_word(word, lexicon)
    if read_known and (not function_words or _fold(word) in function_words):
        return word
    for size in range(1, len(positions) + 1):
        for chosen in itertools.combinations(positions, size):
            candidate = "".join("s" if i in chosen else c for i, c in enumerate(word))
            if (
                _fold(candidate) in function_words
                if read_known
                else is_known_word(candidate, lexicon)
            ):
                return "".join("\u017f" if i in chosen else c for i, c in enumerate(word))
    return word


def correct_long_s(text: str, lexicon: frozenset[str] | None = None) -> tuple[str, int]:
    """Lexicon post-correction of long s read as f (see correct_word_long_s) over a text;
    returns the text and the number of words changed."""
    lexicon = load_lexicon() if lexicon is None else lexicon
    function_words = load_function_words()
    changed = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal changed
        word = match.group(0)
        fixed = correct_word_long_s(word, lexicon, function_words)
        changed += fixed != word
        return fixed

    return _WORD.sub(fix, text), changed


@cache
def get_tesseract_version() -> str:
    """The version of the tesseract binary ('5.3.0')."""
    return str(pytesseract.get_tesseract_version())


def count_pdf_pages(path: Path) -> int:
    """Number of pages of a PDF (poppler's pdfinfo); SourceError('bad_pdf') when unreadable."""
    tool = _require_tool("pdfinfo")
    done = subprocess.run([tool, str(path)], capture_output=True, text=True, check=False)
    match = re.search(r"^Pages:\s+(\d+)", done.stdout, re.MULTILINE)
    if done.returncode != 0 or match is None:
        raise SourceError("bad_pdf", done.stderr.strip()[:500] or "pdfinfo found no pages")
    return int(match[1])


def render_pdf_page(path: Path, page: int, dpi: int = PDF_DPI) -> Image.Image:
    """One PDF page (1-based) rendered to an 8-bit grayscale image with pdftoppm."""
    tool = _require_tool("pdftoppm")
    with tempfile.TemporaryDirectory(prefix="longue-pdf-") as tmp:
        cmd = [
            tool,
            "-f",
            str(page),
            "-l",
            str(page),
            "-r",
            str(int(dpi)),
            "-gray",
            "-png",
            str(path),
            str(Path(tmp) / "page"),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        out = sorted(Path(tmp).glob("page*.png"))
        if done.returncode != 0 or not out:
            raise SourceError("bad_pdf", f"page {page}: {done.stderr.strip()[:500]}")
        with Image.open(out[0]) as image:
            image.load()
            return image.copy()


def _require_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:  # an installation problem, not a bad source: fail loudly
        raise RuntimeError(f"{name} not found; install poppler-utils to OCR PDF files")
    return found


def open_frames(path: Path, pdf_dpi: int = PDF_DPI) -> Iterator[tuple[int, int, Image.Image]]:
    """(frame index, frame count, loaded image) for each frame of an image file or PDF.

    Raises SourceError('empty_file' | 'bad_image' | 'bad_pdf') at the first frame that cannot
    be read; frames before it have already been yielded.
    """
    try:
        if path.stat().st_size == 0:
            raise SourceError("empty_file", "0 bytes")
        if path.suffix.lower() == ".pdf":
            n_pages = count_pdf_pages(path)
            for index in range(n_pages):
                yield index, n_pages, render_pdf_page(path, index + 1, pdf_dpi)
            return
        with Image.open(path) as image:
            n_frames = int(getattr(image, "n_frames", 1))
            for index in range(n_frames):
                image.seek(index)
                image.load()
                yield index, n_frames, image.copy()
    except SourceError:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        raise SourceError("bad_image", f"{type(exc).__name__}: {exc}") from exc


def hash_files(files: list[Path]) -> str:
    """SHA-256 of one file; for several, the SHA-256 of their hex digests joined in page order."""
    digests = []
    for file in files:
        h = hashlib.sha256()
        with file.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        digests.append(h.hexdigest())
    if len(digests) == 1:
        return digests[0]
    return hashlib.sha256("".join(digests).encode("ascii")).hexdigest()


def page_key(
    source: Image.Image | Path, languages: str, psm: int, preprocess: str, dpi: int | None
) -> str:
    """sha256 of what a page's OCR depends on: its pixels (or file bytes) and the settings."""
    h = hashlib.sha256()
    if isinstance(source, Path):
        with open(source, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    else:
        h.update(f"{source.mode} {source.size}".encode("ascii"))
        h.update(source.tobytes())
    settings = [languages, psm, preprocess, dpi, get_tesseract_version()]
    h.update(repr(settings).encode("utf-8"))
    return h.hexdigest()


def cached_ocr_page(
    cache: Path | str | None,
    source: Image.Image | Path,
    languages: str,
    psm: int,
    preprocess: str,
    dpi: int | None,
    timeout: float | None,
) -> tuple[bytes, bool]:
    """(ALTO bytes, whether they came from `cache`): ocr_page, remembered in `cache`.

    The pipeline points `cache` at a folder beside the stage's output that survives a killed
    run and is removed when the stage succeeds; each page's ALTO is written there atomically,
    named by page_key, as soon as Tesseract returns it. Tesseract is deterministic for the
    same pixels, settings and version, so a reused page is byte-identical to a re-OCRed one.
    """
    if cache is None:
        return ocr_page(source, languages, psm, preprocess, dpi, timeout), False
    target = Path(cache) / f"{page_key(source, languages, psm, preprocess, dpi)}.xml"
    if target.is_file():
        return target.read_bytes(), True
    alto = ocr_page(source, languages, psm, preprocess, dpi, timeout)
    write_atomic(target, alto)
    return alto, False


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to `path` through a temporary file and a rename (no half-written artefacts)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@lru_cache(maxsize=8)
def _read_sidecar(path: str, mtime_ns: int) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        fields = [c.strip().lower() for c in reader.fieldnames or []]
        key = next((k for k in ("file", "folder") if k in fields), None)
        if key is None:
            raise ValueError(
                f"{path}: metadata CSV needs a 'file' or 'folder' column, has {fields}"
            )
        rows: dict[str, dict[str, str]] = {}
        for row in reader:
            clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            if clean.get(key):
                rows[clean[key].strip("/")] = clean
    return rows


def read_sidecar(root: Path, name: str | None) -> Mapping[str, Mapping[str, str]]:
    """Rows of the optional metadata CSV under `root`, keyed by the file/folder column."""
    if not name:
        return {}
    path = Path(name) if Path(name).is_absolute() else root / name
    if not path.is_file():
        return {}
    return _read_sidecar(str(path), path.stat().st_mtime_ns)


def build_record_fields(
    row: Mapping[str, str] | None, languages: str, language: str | None = None
) -> dict[str, Any]:
    """Record keyword arguments from a sidecar row (title, authors, date, language)."""
    row = row or {}
    authors = tuple(a.strip() for a in re.split(r";|\|", row.get("author", "")) if a.strip())
    date_text = row.get("date") or None
    fields: dict[str, Any] = {
        "title": row.get("title") or None,
        "authors": authors,
        "language": normalise_code(row.get("language")) or choose_language(languages, language),
    }
    fields.update(parse_date(date_text).record_fields(date_text))
    return fields


def choose_language(languages: str, language: str | None = None) -> str | None:
    """Record language when the sidecar has none: the `language` option, else the first of
    Tesseract's languages; None for "detect" (the pipeline then identifies it from the text)."""
    if language == "detect":
        return None
    if language:
        return normalise_code(language)
    return normalise_code(languages.split("+")[0])


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def parse(
    path: Path,
    *,
    root: Path,
    collection: str,
    kind: str,
    languages: str = "fra",
    psm: int = 3,
    dpi: int | None = None,
    preprocess: str = "none",
    low_confidence: float = 0.6,
    artefact_dir: Path | str | None = None,
    metadata: str | None = "metadata.csv",
    unit: str = "folder",
    language: str | None = None,
    long_s: str = "none",
    timeout: float | None = 300,
    ocr_cache: Path | str | None = None,
    **unknown: Any,
) -> Iterator[Record | Page | Reject]:
    """OCR one document (a folder of pages, one image or one PDF file): Record, Pages, Rejects.

    Paths: `source_path` and `image_path` are relative to `root.parent` (so they start with the
    collection folder); `alto_path` is relative to `artefact_dir.parent`. Each page's ALTO is
    written to `artefact_dir/<local id>/<page:04d>.xml`. A page that cannot be read or OCRed is
    a Reject (empty_file, bad_image, bad_pdf, ocr_failed, ocr_timeout after `timeout` seconds);
    a document with no usable page is a SourceError. With `long_s="lexicon"` the page text gets
    the long-s correction (correct_long_s); the ALTO artefact stays Tesseract's own reading.
    With `ocr_cache`, a page whose ALTO is already there (same pixels, same OCR settings, same
    Tesseract) is not OCRed again (see cached_ocr_page).
    """
    if unknown:
        raise ValueError(f"unknown tesseract options {sorted(unknown)}; known: {sorted(OPTIONS)}")
    if preprocess not in PREPROCESS:
        raise ValueError(f"preprocess {preprocess!r} not in {PREPROCESS}")
    if long_s not in LONG_S:
        raise ValueError(f"long_s {long_s!r} not in {LONG_S}")
    if timeout is not None and float(timeout) <= 0:
        raise ValueError(f"timeout {timeout!r}: give a number of seconds > 0, or null for none")
    path, root = Path(path), Path(root)
    files = list_images(path) if path.is_dir() else [path]
    if not files:
        raise SourceError("no_images", f"no {'/'.join(PAGE_SUFFIXES)} file in {path}")
    unit_key = path.relative_to(root).as_posix() if path != root else path.name
    local_id = unit_key if path.is_dir() else unit_key.rsplit(".", 1)[0]
    doc_id = f"{collection}:{local_id}"
    source_path = _relative(path, root.parent)
    artefact_base = Path(artefact_dir) if artefact_dir else None

    pages: list[Page] = []
    page_words: list[list[tuple[str, float | None]]] = []  # OCR words of each page in `pages`
    rejects: list[Reject] = []
    page_number = 0
    long_s_fixed = 0
    pages_reused = 0
    for file in files:
        image_path = _relative(file, root.parent)
        frames = open_frames(file, int(dpi or PDF_DPI))
        # a rendered PDF page has the resolution it was rendered at; tell Tesseract
        page_dpi = dpi or (PDF_DPI if file.suffix.lower() == ".pdf" else None)
        while True:
            try:
                frame, n_frames, image = next(frames)
            except StopIteration:
                break
            except SourceError as exc:
                # the file (or the rest of a multi-page TIFF) cannot be read: one page position
                page_number += 1
                logger.warning("%s page %d: %s", image_path, page_number, exc)
                rejects.append(
                    Reject(
                        collection,
                        image_path,
                        "ingest",
                        exc.reason,
                        f"page {page_number}: {exc.detail}",
                    )
                )
                break
            page_number += 1
            # a page of a multi-page TIFF is addressed as file.tif#<frame>, 1-based
            image_path_page = f"{image_path}#{frame + 1}" if n_frames > 1 else image_path
            try:
                # a one-frame image file goes to Tesseract as it is (no re-encoding)
                source = file if n_frames == 1 and file.suffix.lower() != ".pdf" else image
                alto, reused = cached_ocr_page(
                    ocr_cache, source, languages, psm, preprocess, page_dpi, timeout
                )
                pages_reused += reused
            except pytesseract.TesseractNotFoundError:
                raise  # an installation problem, not a bad page: fail loudly
            except (pytesseract.TesseractError, OSError, RuntimeError, ValueError) as exc:
                if isinstance(exc, RuntimeError) and str(exc) == "Tesseract process timeout":
                    logger.warning("%s page %d: OCR timeout", image_path_page, page_number)
                    rejects.append(
                        Reject(
                            collection,
                            image_path_page,
                            "ingest",
                            "ocr_timeout",
                            f"page {page_number}: Tesseract ran over {timeout} s",
                        )
                    )
                    continue
                logger.warning("%s page %d: OCR failed: %s", image_path_page, page_number, exc)
                rejects.append(
                    Reject(
                        collection,
                        image_path_page,
                        "ingest",
                        "ocr_failed",
                        f"page {page_number}: {type(exc).__name__}: {exc}",
                    )
                )
                continue
            alto = _FILENAME.sub(f"<fileName>{image_path_page}</fileName>".encode(), alto, 1)
            alto_path = None
            if artefact_base is not None:
                target = artefact_base / local_id / f"{page_number:04d}.xml"
                write_atomic(target, alto)
                alto_path = _relative(target, artefact_base.parent)
            try:
                read = read_alto(alto)
            except SourceError as exc:
                rejects.append(
                    Reject(
                        collection,
                        image_path_page,
                        "ingest",
                        "ocr_failed",
                        f"page {page_number}: unreadable ALTO: {exc}",
                    )
                )
                continue
            text = read.text
            words = read.words
            if long_s == "lexicon" and text:
                text, fixed = correct_long_s(text)
                long_s_fixed += fixed
                # the same correction word by word (its regex never spans the spaces between
                # words), so the words are spelled as in the corrected text
                words = [(correct_long_s(w)[0], c) for w, c in words]
            page_words.append(words if text else [])
            pages.append(
                Page(
                    doc_id=doc_id,
                    page_number=page_number,
                    text=text,
                    alto_path=alto_path,
                    image_path=image_path_page,
                    width=float(image.width),
                    height=float(image.height),
                    word_confidence=read.word_confidence,
                    n_words=read.n_words,
                )
            )

    if pages_reused:
        logger.warning(
            "%s: %d page(s) reused from an interrupted run's OCR", source_path, pages_reused
        )
    if not pages:
        reasons = sorted({r.reason for r in rejects})
        reason = reasons[0] if len(reasons) == 1 else "no_usable_page"
        raise SourceError(reason, "; ".join(f"{r.source_path}: {r.detail}" for r in rejects))

    n_conf = sum(p.n_words for p in pages if p.word_confidence is not None)
    confidence = (
        (
            sum(p.word_confidence * p.n_words for p in pages if p.word_confidence is not None)
            / n_conf
        )
        if n_conf
        else None
    )
    low = [
        str(p.page_number)
        for p in pages
        if p.word_confidence is not None and p.word_confidence < low_confidence
    ]
    sidecar = read_sidecar(root, metadata)
    row = sidecar.get(unit_key) or sidecar.get(local_id)
    record = Record(
        doc_id=doc_id,
        collection=collection,
        kind=kind,  # type: ignore[arg-type]
        text="\n\n".join(p.text for p in pages if p.text),
        source_path=source_path,
        source_format="tesseract",
        source_sha256=hash_files(files),
        ocr_confidence=confidence,
        words=tuple(w for ws in page_words for w in ws),
        metadata={
            "tesseract_version": get_tesseract_version(),
            "languages": languages,
            "psm": str(psm),
            "dpi": str(dpi or ""),
            "preprocess": preprocess,
            "n_pages": str(page_number),
            "n_pages_rejected": str(page_number - len(pages)),
            "low_confidence_pages": ",".join(low),
            **(
                {"long_s": long_s, "long_s_corrections": str(long_s_fixed)}
                if long_s != "none"
                else {}
            ),
        },
        **build_record_fields(row, languages, language),
    ).finalize()
    yield record
    yield from pages
    yield from rejects
