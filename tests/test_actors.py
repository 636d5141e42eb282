"""Actors: mentions from every source, linking rules, roles apart, the benchmark's scoring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.bench_actors import pairs, score
from ingest import tei
from ingest.record import Record
from models.actors import (
    ACTOR_SCHEMA,
    Mention,
    build_actors,
    collect_mentions,
    is_role,
    link,
    merge_across_scopes,
    normalise,
    parse_name,
)

SAMPLES = Path(__file__).parent / "samples"
EXCERPT = SAMPLES / "actors" / "frus1918Russiav03_excerpt.xml"
FRUS_1872 = SAMPLES / "tei" / "frus1872p2v5_trimmed.xml"


def rows(path: Path) -> list[dict[str, object]]:
    records = [
        r
        for r in tei.parse(path, root=path.parent, collection="frus", kind="cable")
        if isinstance(r, Record)
    ]
    return [
        {
            "doc_id": r.doc_id,
            "collection": r.collection,
            "kind": r.kind,
            "source_path": r.source_path,
            "year": r.year,
            "title": r.title,
            "sender": r.sender,
            "recipient": r.recipient,
            "text": r.text,
            "metadata": r.metadata,
        }
        for r in records
    ]


@pytest.fixture(scope="module")
def excerpt() -> list[dict[str, object]]:
    return rows(EXCERPT)


def test_adapter_keeps_markup_ids_and_persons_list(excerpt: list[dict[str, object]]) -> None:
    first = excerpt[0]["metadata"]
    assert isinstance(first, dict)
    persons = json.loads(first["frus_persons"])
    assert ["p_MIN1", "Morris, Ira N.", "Minister in Sweden"] in persons
    assert all("frus_persons" not in d["metadata"] for d in excerpt[1:])  # type: ignore[operator]
    d230 = next(d for d in excerpt if str(d["doc_id"]).endswith("/d230"))
    meta = d230["metadata"]
    assert isinstance(meta, dict)
    assert meta["sender_ids"] == "#p_MIN1"
    ents = json.loads(meta["markup_entities"])
    ids = json.loads(meta["markup_entity_ids"])
    assert len(ents) == len(ids)
    assert [e[0] for e, i in zip(ents, ids, strict=True) if i == "#p_OWH1"] == ["Owen"]


def test_names_normalised_and_titles_stripped() -> None:
    assert normalise("M. de Bülow,") == "m de bulow"
    assert normalise("O’Beirne") == "o'beirne"
    assert parse_name("Mr. Seward").key == "seward"  # type: ignore[union-attr]
    assert parse_name("WILLIAM H. SEWARD.").key == "william h seward"  # type: ignore[union-attr]
    assert parse_name("WM. H. SEWARD").key == "william h seward"  # type: ignore[union-attr]
    assert parse_name("le comte de Mun").key == "mun"  # type: ignore[union-attr]
    assert parse_name("Sir Adam Block").key == "adam block"  # type: ignore[union-attr]
    # a particle after a title goes with it, as in "le comte de": "Kühlmann" alone reads the same
    assert parse_name("Herr von Kühlmann").key == "kuhlmann"  # type: ignore[union-attr]
    mrs = parse_name("Mrs. Wilson")
    assert mrs is not None and mrs.female and mrs.surname == "wilson"
    inverted = parse_name("Goto, Shimpei, Baron", inverted=True)
    assert inverted is not None and inverted.key == "shimpei goto"


def test_offices_are_roles_not_people() -> None:
    assert is_role("The Secretary of State")
    assert is_role("Acting Secretary of State")
    assert is_role("the British Ambassador")
    assert is_role("Minister in Sweden")
    assert not is_role("Mr. King")
    assert not is_role("President Wilson")
    assert not is_role("Seward")


def test_linking_the_excerpt_with_ids_hidden(excerpt: list[dict[str, object]]) -> None:
    actors, mentions = build_actors(excerpt, hide_ids=True)
    by = mentions.set_index(["doc_id", "source"])
    # the post in the heading picks the Morris the persons list gives it: Ira N., not Roland S.
    d230 = mentions[mentions["doc_id"].str.endswith("/d230") & (mentions["source"] == "sender")]
    assert d230[["surface", "actor_id", "rule", "role"]].values.tolist() == [
        ["Morris", "name:ira n morris", "post", "minister in sweden"]
    ]
    # the office resolves to the one holder the persons list names
    sec = mentions[mentions["surface"] == "Secretary of State"]
    assert set(sec["actor_id"]) == {"name:robert lansing"}
    assert set(sec["rule"]) == {"role_holder"}
    # "John F. Stevens" and the bare "Stevens" of the same document are one actor
    stevens = mentions[mentions["surface"].str.contains("Stevens")]
    assert set(stevens["actor_id"]) == {"name:john f stevens"}
    assert "surname_document" in set(stevens["rule"])
    row = actors.set_index("actor_id").loc["name:john f stevens"]
    assert row["kind"] == "person" and row["name"] == "John F. Stevens"
    assert list(row["authority_ids"]) == ["frus1918Russiav03#p_SJF1"]  # the list's own id
    assert by.index.is_unique is False  # several mentions per document and source


def test_an_office_without_a_known_holder_stays_a_role() -> None:
    ms = [Mention("v:d1", "v", "The Secretary of State", "PER", "sender", 1872)]
    linked = link(ms)
    assert linked.actor_keys == ["role:secretary of state"]
    assert linked.rules == ["role"]
    actors, _ = build_actors([{"doc_id": "x:1", "sender": "Secretary of State", "year": 1900}])
    assert actors[["kind", "flag"]].values.tolist() == [["role", "role_unresolved"]]


def test_a_surname_is_never_merged_across_volumes() -> None:
    ms = [
        Mention("a:d1", "vol-a", "Mr. Page", "PER", "sender", 1917),
        Mention("a:d2", "vol-a", "Page", "PER", "markup", 1917, 0, 4),
        Mention("b:d1", "vol-b", "Page", "PER", "recipient", 1918),
        # one whole full name in both volumes may merge; a surname alone never does
        Mention("a:d3", "vol-a", "Walter H. Page", "PER", "markup", 1917, 0, 14),
        Mention("b:d2", "vol-b", "Thomas Nelson Page", "PER", "markup", 1918, 0, 18),
    ]
    linked = link(ms)
    final = merge_across_scopes(linked)
    actor = [final[k] for k in linked.actor_keys]
    assert actor[0] == actor[1] == actor[3] == "name:walter h page"
    assert actor[2] == actor[4] == "name:thomas nelson page"
    assert linked.rules[:3] == ["surname_volume", "surname_volume", "surname_volume"]
    # without full names, bare surnames stay one actor per volume
    bare = link([m for m in ms if len(m.surface.split()) < 3])
    assert bare.actor_keys == ["surname:vol-a:page", "surname:vol-a:page", "surname:vol-b:page"]


def test_ambiguous_surname_stays_in_its_document() -> None:
    ms = [
        Mention("v:d1", "v", "Roland S. Morris", "PER", "markup", 1918, 0, 16),
        Mention("v:d2", "v", "Ira N. Morris", "PER", "markup", 1918, 0, 13),
        Mention("v:d2", "v", "Morris", "PER", "markup", 1918, 20, 26),
        Mention("v:d3", "v", "Morris", "PER", "markup", 1918, 0, 6),
    ]
    linked = link(ms)
    assert linked.actor_keys[2] == "name:ira n morris"
    assert linked.rules[2] == "surname_document"
    assert linked.rules[3] == "surname_ambiguous"
    assert linked.actor_keys[3] == "surname:v:v:d3:morris"


def test_seward_forms_one_actor_in_an_1860s_style_volume() -> None:
    docs = [
        {"doc_id": f"f:d{i}", "kind": "cable", "year": 1861, "metadata": {"volume_id": "frus1861"},
         "sender": "Seward", "recipient": "Mr. Adams",
         "text": "Sir: I have the honor ...\nI am, sir, your obedient servant,\nWILLIAM H. SEWARD."}
        for i in range(3)
    ] + [{"doc_id": "f:d9", "kind": "cable", "year": 1861, "metadata": {"volume_id": "frus1861"},
          "sender": "Mr. Adams", "recipient": "Mr. Seward",
          "text": "Sir: ...\nC. F. ADAMS."}]  # fmt: skip
    actors, mentions = build_actors(docs)
    seward = mentions[mentions["surface"].str.lower().str.contains("seward")]
    assert set(seward["surface"]) == {"Seward", "Mr. Seward", "WILLIAM H. SEWARD"}
    assert set(seward["actor_id"]) == {"name:william h seward"}
    assert set(seward["rule"]) == {"normalised_name", "surname_document", "surname_volume"}
    assert actors.set_index("actor_id").loc["name:william h seward", "n_mentions"] == 7


def test_ner_mentions_inside_markup_are_not_counted_twice() -> None:
    import pandas as pd

    docs = [{"doc_id": "x:1", "year": 1900, "metadata": {
        "markup_entities": json.dumps([["Francis", "PER", 10, 17]])}}]  # fmt: skip
    ents = pd.DataFrame(
        {
            "doc_id": ["x:1", "x:1", "x:1"],
            "text": ["Francis", "David R. Francis", "Paris"],
            "label": ["PERSON", "PERSON", "GPE"],
            "start_char": [10, 40, 60],
            "end_char": [17, 56, 65],
            "origin": ["ner", "ner", "ner"],
        }
    )
    ms = collect_mentions(docs, ents)
    assert [(m.source, m.surface) for m in ms] == [
        ("markup", "Francis"),
        ("ner", "David R. Francis"),
    ]


def test_pairwise_precision_and_recall() -> None:
    assert pairs(4) == 6
    # gold: a a a b ; predicted: X X Y Y -> predicted pairs 2 (1 right), gold pairs 3
    s = score(
        pred=["X", "X", "Y", "Y", "Z"],
        gold=["a", "a", "a", "b", None],
        groups=["v"] * 5,
        rules=["r1", "r1", "r2", "r2", "r2"],
        surfaces=["A", "A", "A", "B", "C"],
    )
    assert (s.tp, s.predicted, s.gold, s.mentions) == (1, 2, 3, 4)
    assert s.precision == 0.5 and s.recall == pytest.approx(1 / 3)
    assert s.per_rule == {"r1": [2, 2, 2], "r2": [0, 2, 2]}
    assert s.wrong.most_common(1)[0][1] == 1
    # pairs across groups (volumes) are not scored
    apart = score(["X", "X"], ["a", "a"], ["v1", "v2"], ["r", "r"], ["A", "A"])
    assert (apart.tp, apart.predicted, apart.gold) == (0, 0, 0)


def test_warehouse_tables_and_query(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from ingest.record import to_table
    from warehouse import Warehouse
    from warehouse.build import build

    records = [
        r
        for r in tei.parse(EXCERPT, root=EXCERPT.parent, collection="frus", kind="cable")
        if isinstance(r, Record)
    ]
    path = tmp_path / "documents.parquet"
    pq.write_table(to_table(records, Record), path)
    counts = build(tmp_path / "w.duckdb", {"documents": [path]})
    assert counts["actors"] > 0 and counts["actor_mentions"] > counts["actors"]
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        people = wh.actors(kind="person")
        assert people["actor_id"].iloc[0] == "name:robert lansing"  # Lansing = the Secretary
        roles = wh.actors(name="stevens", mentions=True)
        assert set(roles["actor_id"]) == {"name:john f stevens"}
        assert set(roles["source"]) == {"markup", "persons_list"}
        assert wh.actors(kind="role").empty  # the one office here has its holder in the list
        assert list(wh.sql("SELECT * FROM actors LIMIT 0").columns) == list(ACTOR_SCHEMA.names)


def test_a_volume_without_ids_gives_no_ids() -> None:
    docs = rows(FRUS_1872)
    ms = collect_mentions(docs)
    assert ms and all(m.ref is None for m in ms)
