"""The ingest stage over every collection of params.yaml, and the params validation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from ingest import available_formats, get_adapter
from ingest.record import DOCUMENT_SCHEMA, PAGE_SCHEMA, REJECT_SCHEMA, Record, from_table
from pipeline import ingest
from pipeline.params import ConfigError, load_params, parse_collection
from tests.conftest import ROOT

SYNC = {"scheduler": "synchronous"}
PARAMS = load_params(ROOT / "params.yaml")
# OCR is slow-ish and covered by its own tests and the end-to-end run.
TEXT_COLLECTIONS = sorted(n for n, c in PARAMS.collections.items() if c.format != "tesseract")


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for name in TEXT_COLLECTIONS:
        dest = tmp_path_factory.mktemp("staged") / name
        ingest.run(PARAMS.collections[name], dest, dask_section=SYNC)
        out[name] = dest
    return out


@pytest.mark.parametrize("name", TEXT_COLLECTIONS)
def test_collection_ingests_with_the_explicit_schemas(staged: dict[str, Path], name: str) -> None:
    out = staged[name]
    docs = pq.read_table(out / "documents.parquet")
    assert docs.schema.equals(DOCUMENT_SCHEMA, check_metadata=False)
    assert pq.read_schema(out / "pages.parquet").equals(PAGE_SCHEMA, check_metadata=False)
    assert pq.read_schema(out / "rejects.parquet").equals(REJECT_SCHEMA, check_metadata=False)
    assert docs.num_rows > 0
    ids = docs.column("doc_id").to_pylist()
    assert len(ids) == len(set(ids))
    assert all(i.startswith(f"{name}:") for i in ids)
    for record in from_table(docs, Record):
        assert record.text.strip(), record.doc_id
        assert record.n_words > 0 and record.language
        assert record.kind == PARAMS.collections[name].kind
        if record.year is not None:
            assert record.date_start is not None and record.date_start.year <= record.year


@pytest.mark.parametrize("name", TEXT_COLLECTIONS)
def test_ingest_is_deterministic(staged: dict[str, Path], name: str, tmp_path: Path) -> None:
    again = tmp_path / name
    ingest.run(PARAMS.collections[name], again, dask_section=SYNC)
    for table in ("documents", "pages", "rejects"):
        a = pq.read_table(staged[name] / f"{table}.parquet")
        b = pq.read_table(again / f"{table}.parquet")
        assert a.equals(b), table


def test_known_values_from_the_sample(staged: dict[str, Path]) -> None:
    def doc(name: str, doc_id: str) -> dict:
        t = pq.read_table(staged[name] / "documents.parquet").to_pylist()
        return next(r for r in t if r["doc_id"] == doc_id)

    lynn = doc("eltec-eng", "eltec-eng:ENG18720_Lynn")
    assert lynn["title"] == "The True History of Joshua Davidson" and lynn["year"] == 1872
    luxzeit = pq.read_table(staged["bnl-luxzeit"] / "documents.parquet").to_pylist()[0]
    assert luxzeit["year"] == 1858 and str(luxzeit["date_start"]) == "1858-12-07"
    # MODS declares "fr,de"; the text decides (5,690 French against 2,156 German words)
    assert luxzeit["language"] == "fr"
    assert dict(luxzeit["metadata"])["language_source"].startswith("mods+py3langid:")
    onb = pq.read_table(staged["onb-anno"] / "documents.parquet").to_pylist()[0]
    assert onb["year"] == 1772
    frus = pq.read_table(staged["frus"] / "documents.parquet")
    assert frus.num_rows == 287  # 149 + 138 document divisions in the two volumes


def test_a_broken_file_is_a_reject_and_the_rest_is_kept(tmp_path: Path) -> None:
    raw = tmp_path / "data" / "raw" / "books"
    shutil.copytree(ROOT / "data" / "raw" / "tcp", raw)
    (raw / "broken.xml").write_text("<TEI><teiHeader><fileDesc>", encoding="utf-8")
    (raw / "empty.xml").write_bytes(b"")
    cfg = parse_collection("books", {"kind": "book", "format": "tei", "path": "data/raw/books",
                                     "languages": ["en"]}, tmp_path)
    metrics = ingest.run(cfg, tmp_path / "out", dask_section=SYNC)
    assert metrics["n_documents"] == 7
    rejects = pq.read_table(tmp_path / "out" / "rejects.parquet").to_pylist()
    assert {Path(r["source_path"]).name for r in rejects} == {"broken.xml", "empty.xml"}
    assert all(r["reason"] and r["stage"] == "ingest" for r in rejects)


def test_an_empty_collection_gives_empty_tables(tmp_path: Path) -> None:
    (tmp_path / "data" / "raw" / "nothing").mkdir(parents=True)
    cfg = parse_collection("nothing", {"kind": "press", "format": "alto",
                                       "path": "data/raw/nothing"}, tmp_path)
    metrics = ingest.run(cfg, tmp_path / "out", dask_section=SYNC)
    assert metrics["n_units"] == 0 and metrics["n_documents"] == 0
    assert pq.read_table(tmp_path / "out" / "documents.parquet").num_rows == 0


@pytest.mark.parametrize(("entry", "message"), [
    ({"kind": "book", "format": "nope", "path": "data/raw"}, "available: "),
    ({"kind": "novel", "format": "tei", "path": "data/raw"}, "not one of book"),
    ({"kind": "book", "format": "tei", "path": "data/raw/missing"}, "does not exist"),
    ({"kind": "book", "format": "tei", "path": "../../etc"}, "allow_outside"),
    ({"kind": "book", "format": "tei", "path": "data/raw", "options": {"profil": "x"}},
     "accepts: "),
    ({"format": "tei", "path": "data/raw"}, "'kind' is missing"),
])
def test_bad_configuration_fails_at_once_naming_the_fix(tmp_path: Path, entry: dict,
                                                         message: str) -> None:
    (tmp_path / "data" / "raw").mkdir(parents=True)
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"collections": {"c": entry}}), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_params(params)


def test_every_format_is_an_adapter_with_options() -> None:
    assert {"alto", "tei", "tate", "tesseract"} <= set(available_formats())
    for fmt in available_formats():
        adapter = get_adapter(fmt)
        assert isinstance(getattr(adapter, "OPTIONS", None), dict), fmt


def test_several_declared_languages_are_decided_by_the_text() -> None:
    """A record whose source lists several languages gets the one its text is written in."""
    task = ingest.Task("lux", "press", "alto", ".", (), (), ("de", "fr"), True)
    german = (
        "Die Regierung hat gestern beschlossen, dass die neue Eisenbahn von Luxemburg nach "
        "Trier im kommenden Frühjahr eröffnet werden soll, wie unsere Leser wissen."
    )
    records: list[Record] = []
    for meta in ({"languages": "fr,de", "language_source": "mods"}, {"languages": "fr"}):
        rec = Record(doc_id="lux:1", collection="lux", kind="press", text=german,
                     language="fr", metadata=meta)
        ingest._add_record(rec, task, "x.xml", records, [])
    assert records[0].language == "de"
    assert records[0].metadata["language_source"].startswith("mods+py3langid:")
    assert records[1].language == "fr"  # one declared language: kept as the source says
