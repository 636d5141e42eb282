"""Actor networks per period (issue 18): who writes to whom, who is named with whom, who acts
upon whom; centrality over time, ego-networks, and export to GEXF, GraphML and CSV.

Edges link actors (models/actors.py, warehouse tables `actors` and `actor_mentions`), never raw
strings. Measures use networkx: https://networkx.org/documentation/stable/reference/algorithms/
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from warehouse.queries import as_list, bin_width, check_choice

if TYPE_CHECKING:
    from warehouse.queries import Warehouse

logger = logging.getLogger(__name__)

MODES = ("sender_recipient", "co_mention", "agency")
DIRECTED = {"sender_recipient": True, "co_mention": False, "agency": True}
UNITS = ("sentence", "paragraph", "document")
ACTOR_KINDS = ("person", "org", "place", "role")
# co-mention and agency read names in the text: markup and NER (signatures are authorship,
# sender/recipient and persons-list entries have no place in the text)
TEXT_SOURCES = ("markup", "ner")
FORMATS = ("gexf", "graphml", "csv")
MEASURES = ("degree", "weighted_degree", "betweenness", "pagerank")
EDGE_COLUMNS = [
    "period",
    "source",
    "target",
    "source_name",
    "target_name",
    "weight",
    "n_docs",
    "first_year",
    "last_year",
    "doc_ids",
    "verbs",
]
CENTRALITY_COLUMNS = [
    "period",
    "actor_id",
    "name",
    "kind",
    "degree",
    "in_degree",
    "out_degree",
    "weighted_degree",
    "betweenness",
    "pagerank",
    "rank",
]
# above this many nodes betweenness is estimated from this many sampled sources (seeded)
BETWEENNESS_SAMPLE = 500

# dependency relations: spaCy's English labels (ClearNLP) and Universal Dependencies (fr, de)
SUBJECT_DEPS = frozenset({"nsubj"})
PASSIVE_SUBJECT_DEPS = frozenset({"nsubjpass", "nsubj:pass"})
OBJECT_DEPS = frozenset({"dobj", "obj", "iobj", "dative"})
AGENT_OBLIQUE_DEPS = frozenset({"obl:agent"})  # UD: "par X" / "von X" of a passive
OBLIQUE_DEPS = frozenset({"obl", "obl:arg", "obl:mod"})  # UD: "à X", "an X"
VERB_POS = frozenset({"VERB"})


# ---------------------------------------------------------------- edge tables


def network_edges(
    wh: Warehouse,
    mode: str = "sender_recipient",
    by: str | int = "decade",
    period: tuple[int, int] | None = None,
    unit: str = "sentence",
    kinds: str | Iterable[str] | None = None,
    collections: str | Iterable[str] | None = None,
    actor_kinds: str | Iterable[str] | None = None,
    sources: Iterable[str] = TEXT_SOURCES,
    min_weight: int = 1,
    include_duplicates: bool = False,
) -> pd.DataFrame:
    """Edges between actors, one row per (period, source, target).

    mode="sender_recipient": the actor(s) of a document's sender -> of its recipient, directed;
    weight = documents. mode="co_mention": two actors named in the same `unit` ("sentence" —
    the sentence of the token where each mention starts, so documents need tokens —,
    "paragraph" — blank-line separated in the text —, or "document"), undirected with
    source < target; weight = units. mode="agency": subject -> object of one verb between two
    actor mentions in the dependency parse (passives turned round: "X was received by Y" is
    Y -> X), directed; weight = clauses, `verbs` the verbs' lemmas, commonest first.
    Undated documents are left out (a period needs a year). first_year/last_year bound the
    documents behind the edge, `doc_ids` lists them.

    actor_kinds: person, org, place, role (default: all for sender_recipient, all but place
    otherwise). sources: which text mentions count for co_mention and agency.
    """
    check_choice("mode", mode, MODES)
    check_choice("unit", unit, UNITS)
    width = bin_width(by)
    kind_list = as_list(actor_kinds)
    if kind_list is None:
        kind_list = list(ACTOR_KINDS if mode == "sender_recipient" else ACTOR_KINDS[:2] + ("role",))
    for k in kind_list:
        check_choice("actor_kinds", k, ACTOR_KINDS)
    source_list = [str(s) for s in sources]
    where, params = wh.filter_documents(
        kinds, collections, period, include_duplicates=include_duplicates
    )
    glue = " AND " if where else " WHERE "
    docs = f"SELECT d.doc_id, d.year FROM documents AS d{where}{glue}d.year IS NOT NULL"
    mentions = (
        "SELECT m.doc_id, m.source, m.start_char, m.end_char, m.actor_id "
        "FROM actor_mentions AS m JOIN actors AS a ON a.actor_id = m.actor_id "
        "WHERE list_contains(?, a.kind)"
    )
    if mode == "sender_recipient":
        occurrences = f"""
            WITH docs AS ({docs}), m AS ({mentions}),
            s AS (SELECT DISTINCT doc_id, actor_id FROM m WHERE source = 'sender'),
            r AS (SELECT DISTINCT doc_id, actor_id FROM m WHERE source = 'recipient')
            SELECT x.doc_id, x.year, s.actor_id AS source, r.actor_id AS target,
                   x.doc_id AS unit
            FROM docs AS x JOIN s ON s.doc_id = x.doc_id JOIN r ON r.doc_id = x.doc_id
            WHERE s.actor_id <> r.actor_id"""
        edges = aggregate_sql(wh, occurrences, [*params, kind_list], width, min_weight)
    elif mode == "co_mention":
        if unit == "sentence":
            # the sentence of the last token starting at or before the mention
            located = """
                SELECT m.doc_id, m.actor_id, CAST(t.sentence AS BIGINT) AS unit
                FROM m ASOF JOIN tokens AS t
                    ON t.doc_id = m.doc_id AND t.start_char <= m.start_char"""
        elif unit == "paragraph":
            located = """
                SELECT p.doc_id, p.actor_id,
                       CAST((length(p.head) - length(replace(p.head, chr(10) || chr(10), '')))
                            / 2 AS BIGINT) AS unit
                FROM (SELECT m.doc_id, m.actor_id,
                             substr(d.text, 1, CAST(m.start_char AS BIGINT)) AS head
                      FROM m JOIN documents AS d ON d.doc_id = m.doc_id) AS p"""
        else:
            located = "SELECT m.doc_id, m.actor_id, CAST(0 AS BIGINT) AS unit FROM m"
        occurrences = f"""
            WITH docs AS ({docs}),
            m AS (SELECT y.* FROM ({mentions}) AS y JOIN docs AS x ON x.doc_id = y.doc_id
                  WHERE y.start_char IS NOT NULL AND list_contains(?, y.source)),
            u AS (SELECT DISTINCT l.doc_id, x.year, l.unit, l.actor_id
                  FROM ({located}) AS l JOIN docs AS x ON x.doc_id = l.doc_id)
            SELECT a.doc_id, a.year, a.actor_id AS source, b.actor_id AS target,
                   a.doc_id || '#' || CAST(a.unit AS VARCHAR) AS unit
            FROM u AS a JOIN u AS b
                ON a.doc_id = b.doc_id AND a.unit = b.unit AND a.actor_id < b.actor_id"""
        edges = aggregate_sql(wh, occurrences, [*params, kind_list, source_list], width, min_weight)
    else:
        triples = read_agency(wh, docs, params, mentions, kind_list, source_list)
        edges = aggregate_frame(triples, width, min_weight)
    edges = name_edges(wh, edges)
    edges.attrs.update(mode=mode, directed=DIRECTED[mode], by=width)
    return edges


def aggregate_sql(
    wh: Warehouse, occurrences: str, params: list[Any], width: int, min_weight: int
) -> pd.DataFrame:
    """Occurrences (doc_id, year, source, target, unit) summed per period and edge in DuckDB."""
    return wh.sql(
        f"""
        SELECT CAST(floor(o.year / ?) * ? AS INTEGER) AS period, o.source, o.target,
               count(DISTINCT o.unit) AS weight, count(DISTINCT o.doc_id) AS n_docs,
               CAST(min(o.year) AS INTEGER) AS first_year,
               CAST(max(o.year) AS INTEGER) AS last_year,
               list_sort(list(DISTINCT o.doc_id)) AS doc_ids
        FROM ({occurrences}) AS o
        GROUP BY ALL HAVING count(DISTINCT o.unit) >= ?
        ORDER BY period, weight DESC, o.source, o.target""",
        [width, width, *params, int(min_weight)],
    )


def aggregate_frame(occurrences: pd.DataFrame, width: int, min_weight: int) -> pd.DataFrame:
    """The same sums in pandas, for occurrences read in Python (agency triples with `verb`)."""
    columns = ["period", "source", "target", "weight", "n_docs", "first_year", "last_year"]
    if occurrences.empty:
        return pd.DataFrame(columns=[*columns, "doc_ids", "verbs"])
    occ = occurrences.assign(period=(occurrences["year"] // width * width).astype(int))
    rows = []
    for (period, source, target), g in occ.groupby(["period", "source", "target"], sort=True):
        weight = len(g)
        if weight < min_weight:
            continue
        verbs = Counter(g["verb"])
        rows.append(
            {
                "period": int(period),
                "source": source,
                "target": target,
                "weight": weight,
                "n_docs": g["doc_id"].nunique(),
                "first_year": int(g["year"].min()),
                "last_year": int(g["year"].max()),
                "doc_ids": sorted(set(g["doc_id"])),
                "verbs": [v for v, _ in sorted(verbs.items(), key=lambda kv: (-kv[1], kv[0]))],
            }
        )
    out = pd.DataFrame(rows, columns=[*columns, "doc_ids", "verbs"])
    return out.sort_values(
        ["period", "weight", "source", "target"], ascending=[True, False, True, True]
    ).reset_index(drop=True)


def name_edges(wh: Warehouse, edges: pd.DataFrame) -> pd.DataFrame:
    """Add the actors' names; every edge table has the same columns (verbs empty but agency)."""
    if "verbs" not in edges.columns:
        edges = edges.assign(verbs=[[] for _ in range(len(edges))])
    ids = sorted(set(edges["source"]) | set(edges["target"]))
    names = actor_table(wh, ids)["name"] if ids else pd.Series(dtype=object)
    edges = edges.assign(
        source_name=edges["source"].map(names), target_name=edges["target"].map(names)
    )
    for column in ("period", "weight", "n_docs", "first_year", "last_year"):
        edges[column] = edges[column].astype("int64")
    return edges[EDGE_COLUMNS].reset_index(drop=True)


def actor_table(wh: Warehouse, ids: Sequence[str]) -> pd.DataFrame:
    """Rows of `actors` for these ids, indexed by actor_id."""
    return wh.sql(
        "SELECT actor_id, name, kind, description, flag, n_mentions, n_docs, first_year, "
        "last_year FROM actors WHERE list_contains(?, actor_id)",
        [list(ids)],
    ).set_index("actor_id")


# ---------------------------------------------------------------- agency


def read_agency(
    wh: Warehouse,
    docs: str,
    params: list[Any],
    mentions: str,
    kind_list: list[str],
    source_list: list[str],
    batch: int = 500,
) -> pd.DataFrame:
    """Agency triples of the documents holding two actors' mentions and a dependency parse."""
    found = wh.sql(
        f"""
        WITH docs AS ({docs})
        SELECT y.doc_id, x.year, y.start_char, y.end_char, y.actor_id
        FROM ({mentions}) AS y JOIN docs AS x ON x.doc_id = y.doc_id
        WHERE y.start_char IS NOT NULL AND list_contains(?, y.source)
          AND y.doc_id IN (
              SELECT doc_id FROM ({mentions}) AS z
              WHERE z.start_char IS NOT NULL AND list_contains(?, z.source)
              GROUP BY doc_id HAVING count(DISTINCT actor_id) >= 2)
          AND y.doc_id IN (SELECT doc_id FROM tokens WHERE head IS NOT NULL)
        ORDER BY y.doc_id, y.start_char""",
        [*params, kind_list, source_list, kind_list, source_list],
    )
    frames = []
    doc_ids = list(dict.fromkeys(found["doc_id"]))
    for i in range(0, len(doc_ids), batch):
        part = doc_ids[i : i + batch]
        tokens = wh.sql(
            "SELECT doc_id, position, start_char, length(text) AS n_chars, dep, head, pos, lemma "
            "FROM tokens WHERE list_contains(?, doc_id) ORDER BY doc_id, position",
            [part],
        )
        frames.append(agency_triples(tokens, found[found["doc_id"].isin(part)]))
    columns = ["doc_id", "year", "source", "target", "verb", "relation"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def agency_triples(tokens: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """Subject -> verb -> object between two actor mentions, from the dependency parse.

    tokens: doc_id, position, start_char, n_chars, dep, head (a position), pos, lemma.
    mentions: doc_id, start_char, end_char, actor_id (year kept when present).
    A mention stands on its syntactic head: the token of its span whose head lies outside it.
    Agents: nsubj, and the object of a passive's "by" (agent > pobj, UD obl:agent); patients:
    nsubjpass/nsubj:pass, dobj/obj/iobj/dative, and the object of a preposition on the verb
    (prep > pobj, UD obl), whose relation says which ("prep:to"). A conjunct takes the role
    of the first ("Seward and Adams signed").
    """
    out: list[dict[str, Any]] = []
    ments = {d: g for d, g in mentions.groupby("doc_id", sort=False)}
    for doc_id, toks in tokens.groupby("doc_id", sort=False):
        if doc_id not in ments:
            continue
        out.extend(_doc_triples(str(doc_id), toks, ments[doc_id]))
    return pd.DataFrame(out, columns=["doc_id", "year", "source", "target", "verb", "relation"])


def _doc_triples(doc_id: str, toks: pd.DataFrame, ments: pd.DataFrame) -> list[dict[str, Any]]:
    pos_of = {int(p): i for i, p in enumerate(toks["position"])}
    starts = toks["start_char"].to_numpy(dtype=np.int64)
    heads = toks["head"].to_numpy(dtype=object)
    deps = [str(d).lower() if isinstance(d, str) else "" for d in toks["dep"]]
    tags = [str(p) if isinstance(p, str) else "" for p in toks["pos"]]
    lemmas = [str(x) if isinstance(x, str) else "" for x in toks["lemma"]]

    def head(i: int) -> int | None:
        h = heads[i]
        if h is None or pd.isna(h):
            return None
        return pos_of.get(int(h))

    # the head token of each mention -> its actor (the first mention to claim a token keeps it)
    actor_at: dict[int, str] = {}
    years = ments["year"] if "year" in ments.columns else pd.Series(None, index=ments.index)
    year = next((int(y) for y in years if not pd.isna(y)), None)
    for start, end, actor in ments[["start_char", "end_char", "actor_id"]].itertuples(index=False):
        lo, hi = np.searchsorted(starts, [start, end])
        span = set(range(int(lo), int(hi)))
        if not span:
            continue
        top = [i for i in span if head(i) not in span or head(i) == i]
        if top:
            actor_at.setdefault(min(top), str(actor))
    agents: dict[int, set[str]] = defaultdict(set)
    patients: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for i, actor in actor_at.items():
        j, seen = i, 0
        while deps[j] == "conj" and (h := head(j)) is not None and h != j and seen < 10:
            j, seen = h, seen + 1
        dep, h = deps[j], head(j)
        if h is None:
            continue
        if dep in SUBJECT_DEPS:
            agents[h].add(actor)
        elif dep in PASSIVE_SUBJECT_DEPS or dep in OBJECT_DEPS:
            patients[h].add((actor, dep))
        elif dep in AGENT_OBLIQUE_DEPS:
            agents[h].add(actor)
        elif dep in OBLIQUE_DEPS:
            patients[h].add((actor, dep))
        elif dep == "pobj" and deps[h] == "agent" and (v := head(h)) is not None:
            agents[v].add(actor)
        elif dep == "pobj" and deps[h] == "prep" and (v := head(h)) is not None:
            patients[v].add((actor, f"prep:{lemmas[h].lower()}"))
    out = []
    for verb in sorted(set(agents) & set(patients)):
        if tags[verb] not in VERB_POS:
            continue
        for a in sorted(agents[verb]):
            for b, relation in sorted(patients[verb]):
                if a != b:
                    out.append(
                        {"doc_id": doc_id, "year": year, "source": a, "target": b,
                         "verb": lemmas[verb].lower(), "relation": relation}
                    )  # fmt: skip
    return out


# ---------------------------------------------------------------- graphs and measures


def graphs(
    edges: pd.DataFrame, directed: bool, actors: pd.DataFrame | None = None
) -> dict[int, nx.Graph]:
    """One networkx graph per period of an edge table, with actor attributes on the nodes."""
    out: dict[int, nx.Graph] = {}
    for period, group in edges.groupby("period", sort=True):
        g: nx.Graph = nx.DiGraph() if directed else nx.Graph()
        for row in group.itertuples(index=False):
            g.add_edge(
                row.source,
                row.target,
                weight=int(row.weight),
                n_docs=int(row.n_docs),
                first_year=int(row.first_year),
                last_year=int(row.last_year),
                doc_ids="; ".join(row.doc_ids),
                verbs="; ".join(row.verbs),
            )
        for node in g.nodes:
            g.nodes[node].update(_node_attributes(node, actors))
        out[int(period)] = g
    return out


def _node_attributes(actor_id: str, actors: pd.DataFrame | None) -> dict[str, Any]:
    """GEXF/GraphML-safe attributes of one actor (no nulls, plain Python types)."""
    attrs: dict[str, Any] = {"label": actor_id}
    if actors is None or actor_id not in actors.index:
        return attrs
    row = actors.loc[actor_id]
    attrs["label"] = str(row["name"])
    for column in ("kind", "description", "flag"):
        if isinstance(row[column], str):
            attrs[column] = row[column]
    for column in ("n_mentions", "n_docs", "first_year", "last_year"):
        if not pd.isna(row[column]):
            attrs[column] = int(row[column])
    return attrs


def centrality(
    edges: pd.DataFrame, directed: bool, actors: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Degree, weighted degree, betweenness and PageRank per actor and period.

    degree counts neighbours (in + out when directed); weighted_degree sums edge weights;
    betweenness is normalised, on unweighted shortest paths (estimated from
    BETWEENNESS_SAMPLE seeded sources above that many nodes); PageRank follows edge weights.
    rank orders the actors of a period by PageRank (1 = most central).
    """
    rows = []
    for period, g in graphs(edges, directed).items():
        k = BETWEENNESS_SAMPLE if g.number_of_nodes() > BETWEENNESS_SAMPLE else None
        between = nx.betweenness_centrality(g, k=k, seed=0 if k else None)
        rank = nx.pagerank(g, weight="weight")
        strength = dict(g.degree(weight="weight"))
        for node in g.nodes:
            rows.append(
                {
                    "period": period,
                    "actor_id": node,
                    "degree": len(set(nx.all_neighbors(g, node))),
                    "in_degree": g.in_degree(node) if directed else g.degree(node),
                    "out_degree": g.out_degree(node) if directed else g.degree(node),
                    "weighted_degree": int(strength[node]),
                    "betweenness": float(between[node]),
                    "pagerank": float(rank[node]),
                }
            )
    out = pd.DataFrame(
        rows, columns=[c for c in CENTRALITY_COLUMNS if c not in ("name", "kind", "rank")]
    )
    if actors is not None and not out.empty:
        out["name"] = out["actor_id"].map(actors["name"])
        out["kind"] = out["actor_id"].map(actors["kind"])
    else:
        out["name"] = out["actor_id"]
        out["kind"] = None
    out = out.sort_values(["period", "pagerank", "actor_id"], ascending=[True, False, True])
    out["rank"] = out.groupby("period").cumcount() + 1
    return out[CENTRALITY_COLUMNS].reset_index(drop=True)


def centrality_change(
    table: pd.DataFrame,
    measure: str = "pagerank",
    start: int | None = None,
    end: int | None = None,
    top: int = 10,
) -> pd.DataFrame:
    """The actors whose `measure` rises and falls most from period `start` to `end`.

    An actor absent from a period scores 0 there. Defaults: the first and the last period.
    Returns columns direction ("rises"/"falls"), actor_id, name, start, end, change (the top
    rises, largest first, then the top falls, steepest first).
    """
    check_choice("measure", measure, MEASURES)
    columns = ["direction", "actor_id", "name", "from_value", "to_value", "change"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    periods = sorted(table["period"].unique())
    start = int(periods[0] if start is None else start)
    end = int(periods[-1] if end is None else end)
    wide = table.pivot_table(index="actor_id", columns="period", values=measure, aggfunc="sum")
    before = wide[start] if start in wide.columns else pd.Series(0.0, index=wide.index)
    after = wide[end] if end in wide.columns else pd.Series(0.0, index=wide.index)
    names = table.drop_duplicates("actor_id").set_index("actor_id")["name"]
    delta = pd.DataFrame(
        {"from_value": before.fillna(0.0), "to_value": after.fillna(0.0)}, index=wide.index
    )
    delta["change"] = delta["to_value"] - delta["from_value"]
    delta["name"] = names.reindex(delta.index)
    delta = delta.rename_axis("actor_id").reset_index()
    rises = delta[delta["change"] > 0].sort_values(["change", "actor_id"], ascending=[False, True])
    falls = delta[delta["change"] < 0].sort_values(["change", "actor_id"], ascending=[True, True])
    out = pd.concat(
        [rises.head(top).assign(direction="rises"), falls.head(top).assign(direction="falls")]
    )
    out.attrs["periods"] = (start, end)
    return out[columns].reset_index(drop=True)


def ego_edges(edges: pd.DataFrame, actor_id: str, directed: bool, radius: int = 1) -> pd.DataFrame:
    """The edges among an actor and its neighbours up to `radius` steps (either direction),
    period by period: the actor's ego-network through time."""
    keep = []
    for period, g in graphs(edges, directed).items():
        if actor_id not in g:
            continue
        ego = nx.ego_graph(g, actor_id, radius=radius, undirected=True)
        nodes = set(ego.nodes)
        part = edges[
            (edges["period"] == period) & edges["source"].isin(nodes) & edges["target"].isin(nodes)
        ]
        keep.append(part)
    if not keep:
        return edges.iloc[0:0].reset_index(drop=True)
    return pd.concat(keep).reset_index(drop=True)


def resolve_actor(wh: Warehouse, actor: str) -> str:
    """An actor id from an id or a part of a name ("Seward" -> the most mentioned such actor)."""
    found = wh.sql("SELECT actor_id FROM actors WHERE actor_id = ?", [actor])
    if not found.empty:
        return str(found["actor_id"].iloc[0])
    found = wh.sql(
        "SELECT actor_id FROM actors WHERE contains(lower(name), lower(?)) "
        "ORDER BY n_mentions DESC, actor_id LIMIT 1",
        [actor],
    )
    if found.empty:
        raise ValueError(f"no actor named or identified {actor!r}; see Warehouse.actors()")
    return str(found["actor_id"].iloc[0])


# ---------------------------------------------------------------- export


def period_label(period: int, width: int) -> str:
    return f"{period}" if width == 1 else f"{period}-{period + width - 1}"


def export_network(
    wh: Warehouse,
    out_dir: Path | str,
    mode: str = "sender_recipient",
    by: str | int = "decade",
    formats: Iterable[str] = FORMATS,
    **options: Any,
) -> list[Path]:
    """Write the network of each period as GEXF, GraphML and CSV (edges and nodes).

    Files: `<mode>_<period>.gexf`, `.graphml`, `_edges.csv`, `_nodes.csv` per period, plus
    `<mode>_edges.csv` and `<mode>_nodes.csv` with every period (a `period` column). Nodes carry
    the actor's attributes (name as label, kind, description, flag, mentions, years) and its
    centralities in that period; edges their weight, documents, years and verbs. options go
    to network_edges (period, unit, kinds, actor_kinds, min_weight...).
    """
    fmt_list = [str(f) for f in formats]
    for f in fmt_list:
        check_choice("formats", f, FORMATS)
    width = bin_width(by)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    edges = network_edges(wh, mode=mode, by=by, **options)
    directed = DIRECTED[mode]
    ids = sorted(set(edges["source"]) | set(edges["target"]))
    actors = actor_table(wh, ids) if ids else None
    measures = centrality(edges, directed, actors)
    written: list[Path] = []
    for period, g in graphs(edges, directed, actors).items():
        part = measures[measures["period"] == period].set_index("actor_id")
        for node in g.nodes:
            for m in ("degree", "weighted_degree", "betweenness", "pagerank", "rank"):
                value = part.at[node, m]
                g.nodes[node][m] = float(value) if m in ("betweenness", "pagerank") else int(value)
        stem = out / f"{mode}_{period_label(period, width)}"
        if "gexf" in fmt_list:
            nx.write_gexf(g, stem.with_suffix(".gexf"))
            written.append(stem.with_suffix(".gexf"))
        if "graphml" in fmt_list:
            nx.write_graphml(g, stem.with_suffix(".graphml"))
            written.append(stem.with_suffix(".graphml"))
    if "csv" in fmt_list:
        flat = edges.assign(
            doc_ids=edges["doc_ids"].map("; ".join), verbs=edges["verbs"].map("; ".join)
        )
        nodes = measures
        if actors is not None:
            extra = actors[["description", "flag", "n_mentions", "first_year", "last_year"]]
            nodes = measures.join(extra, on="actor_id")
        for period in sorted(edges["period"].unique()):
            label = period_label(int(period), width)
            for name, frame in (("edges", flat), ("nodes", nodes)):
                path = out / f"{mode}_{label}_{name}.csv"
                frame[frame["period"] == period].to_csv(path, index=False)
                written.append(path)
        for name, frame in (("edges", flat), ("nodes", nodes)):
            path = out / f"{mode}_{name}.csv"
            frame.to_csv(path, index=False)
            written.append(path)
    logger.info("%s network: %d edges in %d files under %s", mode, len(edges), len(written), out)
    return written
