"""models.hipe: the HIPE-2020 TSV reader and the strict/fuzzy scorer.

The inline files are written here for the tests, in the format's layout (ten tab-separated
columns, `# key = value` comments); nothing comes from the CC BY-NC gold, which is read only
from ../shared by the `shared` test at the end.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import shared_path  # tests/ is on sys.path (rootdir conftest, no package)

from models.hipe import (
    COLUMNS,
    HipeFormatError,
    Span,
    read_hipe,
    score,
    spans_from_entities,
)

HEADER = "\t".join(COLUMNS)


def row(token: str, label: str = "O", link: str = "_", misc: str = "_") -> str:
    """One token line: TOKEN, NE-COARSE-LIT, six '_' columns, NEL-LIT, NEL-METO, MISC."""
    return "\t".join([token, label, "O", "_", "_", "_", "_", link, "_", misc])


def write(tmp_path: Path, lines: list[str], name: str = "sample-fr.tsv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


SAMPLE = [
    HEADER,
    "# language = fr",
    "# newspaper = testpaper",
    "# date = 1850-01-02",
    "# document_id = testpaper-1850-01-02-a-i0001",
    row("Le"),
    row("général", "B-pers", "Q1"),
    row("Dufour", "I-pers", "Q1", "NoSpaceAfter"),
    row(","),
    row("à"),
    row("Genève", "B-loc", "Q71", "NoSpaceAfter"),
    row(".", misc="PySBDSegment"),
    row("La"),
    row("Banque", "B-org", "NIL"),
    row("nationale", "I-org", "NIL", "EndOfLine"),
    row("#", misc="NoSpaceAfter"),
    row("1"),
    "",
    "# language = fr",
    "# document_id = testpaper-1850-01-02-a-i0002",
    row("Neuchâtel", "I-loc"),  # a stray I- starts a span
    row("et"),
    row("Berne", "B-loc"),
    row("Zurich", "B-loc"),  # B- right after a span: a new span
]


def test_reader_rebuilds_text_offsets_and_spans(tmp_path: Path) -> None:
    docs = read_hipe(write(tmp_path, SAMPLE))
    assert [d.doc_id for d in docs] == [
        "testpaper-1850-01-02-a-i0001",
        "testpaper-1850-01-02-a-i0002",
    ]
    first = docs[0]
    assert first.text == "Le général Dufour, à Genève. La Banque nationale #1 "
    for (a, b), word in zip(first.tokens, first.words, strict=True):
        assert first.text[a:b] == word
    assert [(first.text[s.start : s.end], s.label, s.link) for s in first.spans] == [
        ("général Dufour", "pers", "Q1"),
        ("Genève", "loc", "Q71"),
        ("Banque nationale", "org", "NIL"),  # NIL (no Wikidata entry) is kept as given
    ]
    # a sentence starts after PySBDSegment, and the "#" token (it has tabs) is a token
    assert first.sentence_starts[first.words.index("La")] is True
    assert first.sentence_starts[first.words.index("Genève")] is False
    assert "#" in first.words
    assert first.spaces[first.words.index("Dufour")] is False
    second = docs[1]
    assert [second.text[s.start : s.end] for s in second.spans] == ["Neuchâtel", "Berne", "Zurich"]
    assert second.token_labels == ["I-loc", "O", "B-loc", "B-loc"]


def test_reader_metadata_belongs_to_its_document(tmp_path: Path) -> None:
    lines = [HEADER]
    for i, (lang, date) in enumerate([("fr", "1850-01-02"), ("de", "1851-03-04")]):
        lines += [f"# language = {lang}", "# newspaper = testpaper", f"# date = {date}"]
        lines += [f"# document_id = testpaper-{date}-a-i000{i}", row("Mot"), ""]
    docs = read_hipe(write(tmp_path, lines))
    assert [(d.language, d.date, d.newspaper) for d in docs] == [
        ("fr", "1850-01-02", "testpaper"),
        ("de", "1851-03-04", "testpaper"),
    ]


def test_reader_rejects_short_lines(tmp_path: Path) -> None:
    path = write(tmp_path, [HEADER, "# document_id = d1", "mot\tO\tO"])
    with pytest.raises(HipeFormatError, match=r"sample-fr.tsv:3: 3 columns"):
        read_hipe(path)


def test_reader_without_document_id_numbers_documents(tmp_path: Path) -> None:
    docs = read_hipe(write(tmp_path, [row("Paris", "B-loc"), row("est")]))
    assert docs[0].doc_id == "doc0" and docs[0].language is None
    assert docs[0].spans == [Span(0, 5, "loc", None)]


def test_score_strict_fuzzy_and_one_match_per_gold_span() -> None:
    gold = [[Span(0, 14, "pers"), Span(20, 26, "loc"), Span(30, 40, "org")]]
    pred = [
        [
            Span(8, 14, "pers"),  # overlaps "général Dufour": fuzzy only
            Span(20, 26, "loc"),  # exact
            Span(30, 34, "org"),  # half of the org ...
            Span(35, 40, "org"),  # ... and its other half: one fuzzy match, not two
            Span(50, 55, "loc"),  # nothing there
            Span(0, 5, "prod"),  # a type that is not scored
        ]
    ]
    s = score(gold, pred)
    assert s["strict"]["tp"] == 1 and s["fuzzy"]["tp"] == 3
    assert s["strict"]["n_pred"] == 5 and s["strict"]["n_gold"] == 3
    assert s["strict"]["p"] == 0.2 and s["strict"]["r"] == pytest.approx(0.3333, abs=1e-4)
    assert s["fuzzy"]["f1"] == pytest.approx(2 * 0.6 * 1.0 / 1.6, abs=1e-4)
    assert s["per_type"]["loc"]["strict"]["tp"] == 1
    assert s["per_type"]["loc"]["strict"]["n_pred"] == 2
    assert s["per_type"]["pers"]["fuzzy"]["f1"] == 1.0
    assert s["per_type"]["pers"]["strict"]["f1"] == 0.0


def test_score_wrong_type_does_not_count_and_empty_is_zero() -> None:
    s = score([[Span(0, 5, "loc")]], [[Span(0, 5, "org")]])
    assert s["strict"]["tp"] == 0 and s["fuzzy"]["tp"] == 0
    empty = score([[]], [[]])
    assert empty["strict"]["f1"] == 0.0 and empty["fuzzy"]["n_gold"] == 0
    with pytest.raises(ValueError):
        score([[]], [[], []])  # documents must be parallel


def test_spans_from_entities_maps_spacy_labels() -> None:
    spans = spans_from_entities(
        [
            (0, 5, "PERSON"),
            (6, 9, "GPE"),
            (10, 12, "FAC"),
            (13, 15, "PER"),
            (16, 20, "ORG"),
            (21, 25, "DATE"),
            (26, 30, "MISC"),
            (31, 35, "NORP"),
        ]
    )
    assert [s.label for s in spans] == ["pers", "loc", "loc", "pers", "org"]


@pytest.mark.shared
def test_real_hipe_files_read_consistently() -> None:
    """The shared gold: document counts of its README, offsets that spell the tokens."""
    folder = shared_path("ner", "hipe2020")
    expected = {"dev-fr": 43, "dev-de": 33, "dev-en": 80, "train-de": 103}
    for part, n_docs in expected.items():
        path = folder / f"HIPE-data-v1.4-{part}.tsv"
        docs = read_hipe(path)
        assert len(docs) == n_docs, path.name
        lang = part.rsplit("-", 1)[1]
        assert {d.language for d in docs} == {lang}  # every document has its own metadata
        n_spans = 0
        for d in docs:
            for (a, b), word in zip(d.tokens, d.words, strict=True):
                assert d.text[a:b] == word
            for s in d.spans:
                assert 0 <= s.start < s.end <= len(d.text)
                assert d.text[s.start : s.end].strip() == d.text[s.start : s.end]
                assert s.label in ("pers", "loc", "org", "prod", "time"), s.label
                n_spans += 1
        assert n_spans > 10 * n_docs // 2, path.name  # newspapers are dense in names
        scored = score([d.spans for d in docs], [d.spans for d in docs])
        assert scored["strict"]["f1"] == 1.0 and scored["fuzzy"]["f1"] == 1.0
