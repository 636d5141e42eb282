"""The adapter contract, over every format `ingest.available_formats()` finds.

Each format's committed sample folder (tests/samples/<format>/; Tesseract's is samples/ocr)
is read with `find` + `parse` as the pipeline does: the records are valid, their ids unique and
stable, two runs give identical output, and no record from a non-empty source is empty.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES

from ingest import available_formats, get_adapter
from ingest.record import KINDS, Page, Record, Reject, SourceError, from_table, to_table

SAMPLE_DIRS = {"tesseract": "ocr"}
KIND_OF = {
    "alto": "press",
    "tesseract": "press",
    "tei": "book",
    "plaintext": "book",
    "cables_csv": "cable",
    "lido": "museum",
    "tate": "museum",
}


def sample_dir(fmt: str) -> Path:
    return SAMPLES / SAMPLE_DIRS.get(fmt, fmt)


def run(fmt: str, tmp: Path) -> list[Any]:
    """find + parse over the sample folder; a SourceError becomes a Reject, as in the stage."""
    adapter = get_adapter(fmt)
    root = sample_dir(fmt)
    options: dict[str, Any] = {}
    if "artefact_dir" in getattr(adapter, "OPTIONS", {}):
        options["artefact_dir"] = str(tmp)
    out: list[Any] = []
    for unit in sorted(adapter.find(root, **options)):
        try:
            out.extend(
                adapter.parse(unit, root=root, collection=f"c-{fmt}", kind=KIND_OF[fmt], **options)
            )
        except SourceError as exc:
            out.append(Reject(f"c-{fmt}", str(unit), "ingest", exc.reason, exc.detail))
    return out


def test_every_format_has_a_sample_folder_and_a_kind() -> None:
    formats = available_formats()
    assert {"alto", "cables_csv", "lido", "plaintext", "tate", "tei"} <= set(formats)
    for fmt in formats:
        assert sample_dir(fmt).is_dir(), f"tests/samples/{fmt}/ missing"
        assert (sample_dir(fmt) / "README.md").is_file()
        assert KIND_OF.get(fmt) in KINDS, f"add {fmt} to KIND_OF"


@pytest.fixture(scope="module", params=available_formats())
def outputs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    fmt = request.param
    if fmt == "tesseract" and shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed")
    # artefacts (Tesseract's ALTO) go to a folder named alike in both runs, as in the stage
    first = run(fmt, tmp_path_factory.mktemp(f"{fmt}-1") / "artefacts")
    second = run(fmt, tmp_path_factory.mktemp(f"{fmt}-2") / "artefacts")
    return fmt, first, second


def _comparable(item: Any) -> Any:
    return type(item).__name__, dataclasses.asdict(item)


def test_records_are_valid(outputs: Any) -> None:
    fmt, items, _ = outputs
    records = [i for i in items if isinstance(i, Record)]
    assert records, f"{fmt}: the sample folder yields no record"
    for item in items:
        assert isinstance(item, Record | Page | Reject), type(item)
    for rec in records:
        done = rec.finalize()
        assert done.kind in KINDS
        assert done.doc_id.startswith(f"c-{fmt}:") and len(done.doc_id) > len(f"c-{fmt}:")
        assert done.source_format and done.source_path and len(done.source_sha256) == 64
        assert done.n_chars == len(done.text) and done.n_words > 0
    table = to_table([r.finalize() for r in records], Record)
    assert from_table(table, Record) == [r.finalize() for r in records]
    for rej in (i for i in items if isinstance(i, Reject)):
        assert rej.reason and rej.source_path and rej.collection == f"c-{fmt}"


def test_ids_are_unique_and_pages_belong_to_records(outputs: Any) -> None:
    _fmt, items, _ = outputs
    ids = [i.doc_id for i in items if isinstance(i, Record)]
    assert len(ids) == len(set(ids))
    for page in (i for i in items if isinstance(i, Page)):
        assert page.doc_id in ids and page.page_number >= 1


def test_two_runs_are_identical(outputs: Any) -> None:
    _fmt, first, second = outputs
    assert [_comparable(i) for i in first] == [_comparable(i) for i in second]


def test_no_empty_text_from_a_non_empty_source(outputs: Any) -> None:
    _fmt, items, _ = outputs
    for rec in (i for i in items if isinstance(i, Record)):
        assert rec.text.strip(), rec.doc_id
        assert rec.text == rec.text.strip(), f"{rec.doc_id}: text not trimmed"
