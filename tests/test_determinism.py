"""Determinism: the same inputs and params give identical tables across runs and schedulers.

ingest and nlp run on a few real documents (EEBO-TCP books, trimmed ELTeC novels) with the
synchronous scheduler twice and on a LocalCluster of 2 worker processes. Spec: issue 8.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import ingest, nlp
from pipeline.params import load_params, parse_collection
from tests.conftest import RAW, ROOT, SAMPLES

logger = logging.getLogger(__name__)

SYNC = {"scheduler": "synchronous"}
LOCAL = {"scheduler": "distributed", "n_workers": 2, "dashboard": False, "memory_limit": "auto"}
SCHEDULERS = {"sync-1": SYNC, "sync-2": SYNC, "local-2": LOCAL}
PARAMS = load_params(ROOT / "params.yaml")


def read_tables(out: Path) -> dict[str, object]:
    """Every Parquet file under `out` by relative path (sidecar artefacts included)."""
    return {p.relative_to(out).as_posix(): pq.read_table(p) for p in sorted(out.rglob("*.parquet"))}


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory):
    """Three TCP books and two trimmed ELTeC novels (English and French) as one collection."""
    base = tmp_path_factory.mktemp("det")
    folder = base / "data" / "raw" / "mix"
    folder.mkdir(parents=True)
    for name in ("A83466.xml", "B04236.xml", "B10000.xml"):
        shutil.copyfile(RAW / "tcp" / name, folder / name)
    for name in ("eltec_ENG18720_Lynn_trimmed.xml", "eltec_FRA01402_Fleuriot_trimmed.xml"):
        shutil.copyfile(SAMPLES / "tei" / name, folder / name)
    return parse_collection(
        "mix",
        {"kind": "book", "format": "tei", "path": "data/raw/mix", "languages": ["en", "fr"]},
        base,
    )


@pytest.fixture(scope="module")
def runs(
    collection, tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch
) -> dict[str, dict[str, dict[str, object]]]:
    config = nlp.config_from_params(PARAMS.section("nlp"))
    out: dict[str, dict[str, dict[str, object]]] = {}
    for label, section in SCHEDULERS.items():
        base = tmp_path_factory.mktemp(label)
        ingest.run(
            collection, base / "staged", dask_section=section, settings=PARAMS.section("ingest")
        )
        nlp.run(
            "mix",
            base / "staged" / "documents.parquet",
            base / "nlp",
            config,
            default_language="en",
            dask_section=section,
        )
        out[label] = {"ingest": read_tables(base / "staged"), "nlp": read_tables(base / "nlp")}
    return out


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("LONGUE_DASK_SCHEDULER", raising=False)
        mp.delenv("LONGUE_DASK_ADDRESS", raising=False)
        mp.setenv("LONGUE_PROGRESS", "0")
        yield mp


@pytest.mark.parametrize("stage", ["ingest", "nlp"])
@pytest.mark.parametrize("other", ["sync-2", "local-2"])
def test_tables_are_identical(
    runs: dict[str, dict[str, dict[str, object]]], stage: str, other: str
) -> None:
    a, b = runs["sync-1"][stage], runs[other][stage]
    assert list(a) == list(b)
    for name, table in a.items():
        assert table.equals(b[name]), f"{stage} {name} differs between sync-1 and {other}"


def test_the_runs_hold_real_content(runs: dict[str, dict[str, dict[str, object]]]) -> None:
    docs = runs["sync-1"]["ingest"]["documents.parquet"].to_pylist()  # type: ignore[union-attr]
    assert len(docs) == 5
    assert {d["language"] for d in docs} == {"en", "fr"}
    tokens = [t for n, t in runs["sync-1"]["nlp"].items() if n.startswith("tokens/")]
    assert sum(t.num_rows for t in tokens) > 1000  # type: ignore[union-attr]
    lemmas = {x for t in tokens for x in t.column("lemma").to_pylist()}  # type: ignore[union-attr]
    assert "être" in lemmas or "avoir" in lemmas  # the French model ran
