"""LIDO adapter: committed CC0/CC BY records, the shared LIDO examples, streaming of batches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import SAMPLES, shared_path

from ingest import get_adapter, lido
from ingest.record import Record, Reject, SourceError

LIDO = SAMPLES / "lido"


def parse_file(path: Path, **options: object) -> list[Record | Reject]:
    return [
        r.finalize() if isinstance(r, Record) else r
        for r in lido.parse(path, root=path.parent, collection="lido", kind="museum", **options)
    ]


def by_id(path: Path) -> dict[str, Record]:
    return {r.doc_id: r for r in parse_file(path) if isinstance(r, Record)}


def test_registered() -> None:
    assert get_adapter("lido") is lido


def test_minimal_record_lido_10() -> None:
    (rec,) = parse_file(LIDO / "minimaldatensatz.xml")
    assert isinstance(rec, Record)
    assert rec.doc_id == "lido:DE-MUS-059918/dc00018494"
    assert rec.title == "Kabinettschrank, Inv. Nr.: 1977.20"
    assert rec.authors == (
        "Fiammingo, Giacomo",
        "Curtis, Giovanni Battista de",
        "Picicaro, Januarius",
    )
    assert rec.language == "de"
    # displayDate "um 1600" as written; the interval from earliestDate/latestDate
    assert rec.date_text == "um 1600"
    assert (rec.date_start, rec.date_end) == (dt.date(1596, 1, 1), dt.date(1605, 12, 31))
    assert rec.date_approximate is True
    assert rec.place == "Neapel"
    assert rec.publisher == "Museum für Kunst und Gewerbe Hamburg"
    assert rec.classification == "Schrankmöbel"
    assert (
        rec.metadata["object_type"] == "Kabinettschrank"
    )  # the German term, not "display cabinets"
    assert rec.metadata["inventory_number"] == "1977.20"
    lines = rec.text.splitlines()
    assert lines[:6] == [
        "Kabinettschrank, Inv. Nr.: 1977.20",
        "By Fiammingo, Giacomo (Künstler).",
        "By Curtis, Giovanni Battista de (Graveur).",
        "By Picicaro, Januarius (Graveur).",
        "Dated um 1600.",
        "Made in Neapel.",
    ]
    assert "Palisander, Ebenholz, Elfenbein (Material), Gravierung." in lines
    assert any(line.startswith("Die große Welt im kleinen Schrank:") for line in lines)
    assert lines[-2:] == ["Geschichte von Hercules (Herakles)", "Profanarchitektur"]


def test_lido_11_wrap_of_three_records() -> None:
    recs = by_id(LIDO / "lido11_fontana_del_moro_wrap.xml")
    assert list(recs) == [
        "lido:DE-Mb112/lido/obj20344012",
        "lido:DE-Mb112/lido/obj20344012,T,001",
        "lido:DE-Mb112/lido/obj20344012,T,002",
    ]
    whole, basin, moor = recs.values()
    assert whole.title == "Fontana del Moro"
    assert whole.metadata["lido_version"] == "1.1"
    assert whole.metadata["object_type"] == "Brunnen"  # skos:prefLabel in the record language
    assert "Mohrenbrunnen" in whole.metadata["other_titles"]
    assert whole.year is None  # the whole fountain has no production event; its parts do
    assert basin.authors == ("Porta, Giacomo della",)
    assert (basin.date_start, basin.date_end) == (dt.date(1575, 1, 1), dt.date(1576, 12, 31))
    assert basin.date_precision == "range"
    assert moor.authors == ("Bernini, Gian Lorenzo", "Mari, Giovanni Antonio")
    assert moor.year == 1654 and moor.date_precision == "year"
    # the commissioning is another event: metadata, not the record's date or authors
    assert moor.metadata["other_events"].startswith("Beauftragung 1654")
    # a description wrapped over two lines in the source is one paragraph
    assert "ebenfalls Kopien, stammen von dem Brunnen" in basin.text


def test_empty_earliest_date_and_display_date() -> None:
    (rec,) = parse_file(LIDO / "kenom_notgeld_wrap_empty_earliest.xml")
    assert isinstance(rec, Record)
    assert rec.doc_id == "lido:record_DE-68_kenom_123644"
    assert rec.title == "Geldschein / Notgeld, 50 Pfennig, 7.1921"
    assert rec.date_text == "7.1921"
    assert (rec.date_start, rec.date_end, rec.date_precision) == (
        dt.date(1921, 7, 1),
        dt.date(1921, 7, 31),
        "month",
    )
    assert rec.authors == ("Druckerei W. Clausen <Büsum>", "Büsum")
    assert rec.place == "Büsum"
    assert any(line.startswith("Inscription: No. 4038") for line in rec.text.splitlines())
    assert rec.metadata["published_id"] == "https://www.kenom.de/id/record_DE-68_kenom_123644"


def test_production_actors_and_range() -> None:
    (rec,) = parse_file(LIDO / "bildarchiv_foto_marburg.xml")
    assert isinstance(rec, Record)
    assert rec.authors == ("Semper, Gottfried", "Hasenauer, Carl von (Freiherr)")
    assert rec.date_text == "1872-1881"
    assert rec.year == 1876 and rec.date_precision == "range"
    assert rec.metadata["repository_place"] == "Wien, Burgring 5; 7"


def test_record_without_id_gets_a_stable_hash(tmp_path: Path) -> None:
    src = (LIDO / "minimaldatensatz.xml").read_text(encoding="utf-8")
    start, end = src.index("<lido:lidoRecID"), src.index("</lido:lidoRecID>") + 17
    f = tmp_path / "noid.xml"
    f.write_text(src[:start] + src[end:], encoding="utf-8")
    first = [r.doc_id for r in parse_file(f)]
    assert first == [r.doc_id for r in parse_file(f)]
    assert first[0].startswith("lido:rec-") and len(first[0]) == len("lido:rec-") + 16


def test_not_lido_and_empty_files(tmp_path: Path) -> None:
    other = tmp_path / "tei.xml"
    other.write_text('<TEI xmlns="http://www.tei-c.org/ns/1.0"><text/></TEI>')
    with pytest.raises(SourceError) as exc:
        parse_file(other)
    assert exc.value.reason == "not_lido"
    empty = tmp_path / "empty.xml"
    empty.write_text("")
    with pytest.raises(SourceError, match="empty_file"):
        parse_file(empty)
    wrap = tmp_path / "wrap.xml"
    wrap.write_text('<lido:lidoWrap xmlns:lido="http://www.lido-schema.org"/>')
    with pytest.raises(SourceError, match="no_records"):
        parse_file(wrap)


def test_oai_pmh_wrapper(tmp_path: Path) -> None:
    record = (LIDO / "minimaldatensatz.xml").read_text(encoding="utf-8").split("?>", 1)[1]
    oai = tmp_path / "oai.xml"
    oai.write_text(
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>'
        + "".join(
            f"<record><header><identifier>r{i}</identifier></header><metadata>"
            f"{record.replace('dc00018494', f'dc{i}')}</metadata></record>"
            for i in range(3)
        )
        + "</ListRecords></OAI-PMH>",
        encoding="utf-8",
    )
    ids = [r.doc_id for r in parse_file(oai)]
    assert ids == [f"lido:DE-MUS-059918/dc{i}" for i in range(3)]


def test_batch_keeps_only_the_current_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After each record the tree holds at most one record: memory does not grow with size.

    (lxml nodes live in C memory that tracemalloc does not see, so the tree itself is checked;
    benchmarks/bench_ingest.py measures the RSS on large files.)
    """
    body = (LIDO / "minimaldatensatz.xml").read_text(encoding="utf-8").split("?>", 1)[1]
    f = tmp_path / "wrap.xml"
    f.write_text(
        '<lido:lidoWrap xmlns:lido="http://www.lido-schema.org">'
        + "".join(body.replace("dc00018494", f"dc{i}") for i in range(50))
        + "</lido:lidoWrap>",
        encoding="utf-8",
    )
    sizes: list[int] = []
    release = lido._release

    def spy(el: object) -> None:
        release(el)  # type: ignore[arg-type]
        root = el.getroottree().getroot()  # type: ignore[attr-defined]
        sizes.append(len(root))  # records still attached to the wrap

    monkeypatch.setattr(lido, "_release", spy)
    assert len(parse_file(f)) == 50
    # the emptied record and the few the parser has read ahead (one buffer), never all 50
    assert len(sizes) == 50 and max(sizes) <= 8


def test_shared_lido_folder() -> None:
    root = shared_path("museum", "lido")
    records, rejects = [], []
    for p in lido.find(root):
        for item in lido.parse(p, root=root, collection="lido"):
            (records if isinstance(item, Record) else rejects).append(item)
    assert rejects == []
    assert len(records) == 37  # 20 KENOM + 3 Fontana del Moro + 14 single-record files
    assert all(r.finalize().text.strip() for r in records)
    ids = [r.doc_id for r in records]
    # Ethnologisches_Museum.xml and Herzog_Anton_Ulrich.xml are byte-identical copies
    assert len(set(ids)) == 36
    primavera = next(r for r in records if r.doc_id.endswith("lido-obj00154983"))
    assert primavera.title == "La Primavera / Spring" and primavera.language == "en"
    assert primavera.authors == ("Botticelli, Sandro",) and primavera.year == 1482
    assert "Zephyrus abducting Flora (or Chloris), who usually scatters flowers" in primavera.text
    assert primavera.metadata["other_titles"] == "La Primavera / Der Frühling"
