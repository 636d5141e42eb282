"""Representations (issue 16): how a term is described, per period, from the dependency parse;
comparisons by log-odds with an informative Dirichlet prior; trends; what drives a curve;
co-occurrence at a distance. The logic is here; thin `Warehouse` methods call it.

Log-odds: Monroe, Colaresi & Quinn (2008), "Fightin' Words", Political Analysis 16(4), §3.5.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from warehouse.queries import (
    QueryWarning,
    _noted,
    as_list,
    bin_width,
    check_ci,
    draw_period_seed,
    dunning_llr,
    wilson_interval,
)
from warehouse.terms import match, term_ids

if TYPE_CHECKING:
    from warehouse.queries import Warehouse

logger = logging.getLogger(__name__)

__all__ = ["QueryWarning", "NoParse", "RELATIONS", "log_odds"]

# relation -> (side, dependency labels). side "child": the descriptor depends on the term
# (an adjective modifying it); "head": the term depends on the descriptor (the verb whose
# subject it is). UD labels (French, German models) and spaCy's English ClearNLP labels.
RELATIONS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "amod": (("child", ("amod",)),),
    "nsubj": (("head", ("nsubj", "nsubj:pass", "nsubjpass")),),
    "obj": (("head", ("obj", "dobj", "iobj", "dative")),),
    "appos": (("child", ("appos",)), ("head", ("appos",))),
    "conj": (("child", ("conj",)), ("head", ("conj",))),
}
RELATION_HELP = {
    "amod": "adjectives modifying the term",
    "nsubj": "verbs (and predicates) whose subject is the term",
    "obj": "verbs whose object is the term",
    "appos": "nouns in apposition to the term",
    "conj": "words coordinated with the term",
}
SPLITS = {"kind": "d.kind", "collection": "d.collection", "language": "d.language"}
BREAKDOWN_KEYS = {
    "document": "d.doc_id",
    "title": "coalesce(d.title, d.doc_id)",
    "author": "coalesce(nullif(array_to_string(d.authors, '; '), ''), '(no author)')",
    "collection": "d.collection",
    "kind": "d.kind",
    "language": "d.language",
    "publisher": "coalesce(d.publisher, '(none)')",
    "place": "coalesce(d.place, '(none)')",
}


class NoParse(ValueError):
    """The term's hits have no dependency parse (no parser ran for their language)."""


# -- shared helpers ----------------------------------------------------------------------


def _relations(relations: str | Iterable[str] | None) -> list[str]:
    chosen = (
        list(RELATIONS)
        if relations is None
        else ([relations] if isinstance(relations, str) else list(relations))
    )
    for r in chosen:
        if r not in RELATIONS:
            raise ValueError(
                f"relation {r!r}; use one of "
                + ", ".join(f"{k} ({v})" for k, v in RELATION_HELP.items())
            )
    return chosen


def select_documents(
    wh: Warehouse,
    by: str | int | None = "decade",
    kinds: str | Iterable[str] | None = None,
    collections: str | Iterable[str] | None = None,
    period: tuple[int, int] | None = None,
    languages: str | Iterable[str] | None = None,
    split: str | None = None,
    include_duplicates: bool = False,
) -> pd.DataFrame:
    """doc_idx, doc_id, period (start year; None when by is None), split, language,
    n_alpha, first_gpos, last_gpos of the selected documents with words (dated if by)."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split={split!r}; use one of {', '.join(SPLITS)}")
    where, params = wh.filter_documents(
        kinds, collections, period, None, include_duplicates, languages
    )
    glue = " AND " if where else " WHERE "
    if by is None:
        group, group_params, dated = "CAST(NULL AS INTEGER)", [], ""
    else:
        width = bin_width(by)
        group, group_params = "CAST(floor(d.year / ?) * ? AS INTEGER)", [width, width]
        dated = " AND d.year IS NOT NULL"
    return wh.sql(
        f"SELECT d.doc_idx, d.doc_id, {group} AS period, "
        f"CAST({SPLITS[split] if split else 'NULL'} AS VARCHAR) AS split, d.language, "
        "l.n_alpha, l.first_gpos, l.first_gpos + l.n_tokens - 1 AS last_gpos "
        f"FROM documents AS d JOIN doc_lengths AS l ON l.doc_idx = d.doc_idx{where}"
        f"{glue}l.n_alpha > 0{dated}",
        [*group_params, *params],
    )


def lemma_ids(wh: Warehouse, term: str, field: str) -> list[int] | None:
    """The dictionary ids of a term made of single lemmas (words, `+` sums, wildcards: every
    hit is one token with one of these lemma ids); None for phrases, forms, any-token."""
    parsed = wh.parse_term(term, field)
    words = [p.words[0] for p in parsed.phrases if len(p.words) == 1]
    if len(words) < len(parsed.phrases) or any(w.any or w.field != "lemma" for w in words):
        return None
    return sorted({i for w in words for i in term_ids(wh.con, w)}) or None


def term_hits(
    wh: Warehouse, term: str, field: str, docs: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """The term's hits (hit, doc_idx, length, match) inside `docs`, and notes."""
    found = match(wh.con, wh.parse_term(term, field))
    notes = []
    if found.missing:
        notes.append(
            f"{term!r}: {', '.join(repr(w) for w in found.missing)} never occurs in this "
            "warehouse (check the spelling, the field, or the collections built)"
        )
    hits = found.hits[found.hits["doc_idx"].isin(set(docs["doc_idx"]))].reset_index(drop=True)
    return hits, notes


def ratio_interval(
    num: np.ndarray, den: np.ndarray, n_boot: int, ci: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """sum(num) / sum(den) per column of num (documents x k) with a percentile CI resampling
    the documents (rows) n_boot times; a Wilson interval when n_boot == 0."""
    num = np.asarray(num, dtype=np.float64).reshape(len(den), -1)
    den = np.asarray(den, dtype=np.float64)
    point = num.sum(axis=0) / max(den.sum(), 1e-12)
    if n_boot <= 0 or len(den) == 0:
        _, low, high = wilson_interval(num.sum(axis=0), np.full(num.shape[1], den.sum()), ci)
        return point, low, high
    n = len(den)
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = (weights @ num) / (weights @ den)[:, None]
    alpha = (1.0 - ci) / 2.0
    quantile = np.nanquantile if np.isnan(boot).any() else np.quantile
    low, high = quantile(boot, [alpha, 1.0 - alpha], axis=0)
    # a percentile interval of a skewed statistic can miss the estimate by a rounding hair
    return point, np.minimum(low, point), np.maximum(high, point)


# -- describe ----------------------------------------------------------------------------


def arcs(
    wh: Warehouse,
    hits: pd.DataFrame,
    relations: list[str],
    lemma_ids: list[int] | None = None,
) -> pd.DataFrame:
    """The dependency arcs between each hit and its descriptors.

    A one-token hit is its own node; a phrase's node is its token whose head lies outside the
    phrase (arcs inside the phrase are not descriptors). Reads the `dependencies` tables
    (schema.sql): the node tokens' lemma ids bound both lookups to the runs of those lemmas,
    which zone maps find without scanning the arcs of other words.

    Returns hit, doc_idx, relation, descriptor (lowercased lemma), pos, gpos (descriptor's),
    parsed (False for a node token without a parse: no row of it but this one).
    `lemma_ids`: the ids every hit's token has when the term is single lemmas (skips reading
    them from token_blocks).
    """
    child_deps = sorted(
        {d for r in relations for s, deps in RELATIONS[r] if s == "child" for d in deps}
    )
    head_deps = sorted(
        {d for r in relations for s, deps in RELATIONS[r] if s == "head" for d in deps}
    )
    length = hits["length"].to_numpy(np.int64)
    span = pd.DataFrame(
        {
            "hit": np.repeat(hits["hit"].to_numpy(np.int64), length),
            "doc_idx": np.repeat(hits["doc_idx"].to_numpy(np.int64), length),
            "length": np.repeat(length, length),
        }
    )
    first = np.repeat(np.cumsum(length) - length, length)
    span["gpos"] = span["hit"] + (np.arange(len(span)) - first)
    where = np.unique(span["gpos"].to_numpy())
    if lemma_ids and (length == 1).all():
        ids = pd.DataFrame({"gpos": where, "lemma_id": min(lemma_ids)})
        ids.loc[len(ids) - 1, "lemma_id"] = max(lemma_ids)  # only min and max are read
    else:  # the lemma id of every token of the spans (token_blocks: a row per 64 positions)
        with _registered(wh, "_describe_g", pd.DataFrame({"gpos": where})):
            ids = wh.sql(
                "SELECT g.gpos, b.lemma_ids[CAST(g.gpos % 64 AS INTEGER) + 1] AS lemma_id "
                "FROM _describe_g AS g JOIN token_blocks AS b ON b.block = g.gpos // 64 "
                "WHERE b.block BETWEEN ? AND ?",
                [int(where[0] // 64), int(where[-1] // 64)],
            )
    own = _arcs_of(wh, "dependencies_by_dependent", "lemma_id", "gpos", ids)
    tok = span.merge(own, on="gpos", how="left")
    inside = (tok["head_gpos"] >= tok["hit"]) & (tok["head_gpos"] < tok["hit"] + tok["length"])
    tok = tok[(tok["length"] == 1) | ~(inside & (tok["head_gpos"] != tok["gpos"]))]
    columns = ["hit", "doc_idx", "side", "dep", "descriptor", "pos", "gpos", "parsed"]
    unparsed = tok[tok["dep"].isna()]
    node = tok[tok["dep"].notna()]
    head = node[
        node["dep"].isin(head_deps)
        & node["head_gpos"].notna()
        & (node["head_gpos"] != node["gpos"])
        & ~((node["head_gpos"] >= node["hit"]) & (node["head_gpos"] < node["hit"] + node["length"]))
    ]
    head = pd.DataFrame(
        {
            "hit": head["hit"],
            "doc_idx": head["doc_idx"],
            "side": "head",
            "dep": head["dep"],
            "descriptor": head["head_term"],
            "pos": head["head_pos"],
            "gpos": head["head_gpos"],
            "parsed": True,
        }
    )
    frames = [head]
    if len(tok) and child_deps:  # every node, even one without a head of its own
        node_ids = ids if lemma_ids else ids[ids["gpos"].isin(set(tok["gpos"]))]
        kids = _arcs_of(wh, "dependencies", "head_lemma_id", "head_gpos", node_ids, child_deps)
        child = tok[["hit", "doc_idx", "length", "gpos"]].merge(
            kids.rename(columns={"gpos": "c_gpos", "head_gpos": "gpos"}), on="gpos"
        )
        child = child[
            (child["c_gpos"] != child["gpos"])
            & ~(
                (child["c_gpos"] >= child["hit"])
                & (child["c_gpos"] < child["hit"] + child["length"])
            )
        ]
        frames.append(
            pd.DataFrame(
                {
                    "hit": child["hit"],
                    "doc_idx": child["doc_idx"],
                    "side": "child",
                    "dep": child["dep"],
                    "descriptor": child["term"],
                    "pos": child["pos"],
                    "gpos": child["c_gpos"],
                    "parsed": True,
                }
            )
        )
    frames.append(
        pd.DataFrame(
            {
                "hit": unparsed["hit"],
                "doc_idx": unparsed["doc_idx"],
                "side": None,
                "dep": None,
                "descriptor": None,
                "pos": None,
                "gpos": np.nan,
                "parsed": False,
            }
        )
    )
    out = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)[columns]
    rel_of = {(s, d): r for r in relations for s, deps in RELATIONS[r] for d in deps}
    out["relation"] = [
        rel_of.get((s, d))
        for s, d in zip(out["side"].to_numpy(object), out["dep"].to_numpy(object), strict=True)
    ]
    return out


@contextmanager
def _registered(wh: Warehouse, name: str, frame: pd.DataFrame) -> Iterator[None]:
    """`frame` as a view of the connection for one query (no copy through Python lists)."""
    wh.con.register(name, frame)
    try:
        yield
    finally:
        wh.con.unregister(name)


def _arcs_of(
    wh: Warehouse,
    table: str,
    id_column: str,
    gpos_column: str,
    ids: pd.DataFrame,
    deps: list[str] | None = None,
) -> pd.DataFrame:
    """The rows of a dependencies table at the positions `ids` (gpos, lemma_id) in its
    `gpos_column`, read from the runs of their lemma ids (a range of ids lets zone maps skip
    every other run; tokens without a lemma id are read from the NULL run)."""
    known = ids.dropna(subset=["lemma_id"])
    parts = []
    if len(known):
        parts.append(
            (
                f"x.{id_column} BETWEEN ? AND ?",
                [int(known["lemma_id"].min()), int(known["lemma_id"].max())],
            )
        )
    if known.shape[0] < ids.shape[0]:
        parts.append((f"x.{id_column} IS NULL", []))
    dep_filter = " AND list_contains(?, x.dep)" if deps is not None else ""
    frames = []
    with _registered(wh, "_describe_g", ids[["gpos"]].astype("int64")):
        for cond, params in parts:
            frames.append(
                wh.sql(
                    "SELECT x.gpos, x.head_gpos, x.dep, x.pos, x.head_pos, "
                    "m.term, h.term AS head_term, x.lemma_id, x.head_lemma_id "
                    f"FROM {table} AS x SEMI JOIN _describe_g AS g ON g.gpos = x.{gpos_column} "
                    "LEFT JOIN terms AS m ON m.term_id = x.lemma_id "
                    "LEFT JOIN terms AS h ON h.term_id = x.head_lemma_id "
                    f"WHERE {cond}{dep_filter}",
                    [*params, *([deps] if deps is not None else [])],
                )
            )
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def baselines(
    wh: Warehouse,
    docs: pd.DataFrame,
    relations: list[str],
    candidates: list[str],
    cube: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each relation's arcs in every (period, split) of `docs`: totals (arcs of the relation,
    whatever the node) and the counts of each candidate descriptor in it (as child for "child"
    sides, as head for "head" sides).

    With `cube` (width, kinds, period, split_by_kind: a selection that is dated canonical
    documents by kind and year only) they are read from `dependency_year_counts`; otherwise
    counted over the selected documents' rows of `dependencies_by_dependent`."""
    pairs = [(s, d, r) for r in relations for s, deps in RELATIONS[r] for d in deps]
    deps = sorted({d for _, d, _ in pairs})
    ids = wh.sql(
        "SELECT term_id, term AS descriptor FROM terms "
        "WHERE field = 'lemma' AND list_contains(?, term)",
        [candidates],
    )
    id_list = ids["term_id"].astype("int64").tolist()
    if cube is not None:
        split_sql = "kind" if cube["split_by_kind"] else "''"
        where, params = "", cast(list[Any], [])
        if cube["kinds"] is not None:
            where += " AND list_contains(?, kind)"
            params.append(list(cube["kinds"]))
        if cube["period"] is not None:
            where += " AND year BETWEEN ? AND ?"
            params += [int(cube["period"][0]), int(cube["period"][1])]
        width = int(cube["width"])
        rows = wh.sql(
            f"SELECT CAST(floor(year / ?) * ? AS INTEGER) AS period, {split_sql} AS split, "
            "side, dep, term_id, CAST(sum(n) AS BIGINT) AS n FROM dependency_year_counts "
            "WHERE list_contains(?, dep) AND (term_id IS NULL OR list_contains(?, term_id))"
            f"{where} GROUP BY ALL",
            [width, width, deps, id_list, *params],
        )
    else:
        lo, hi = int(docs["doc_idx"].min()), int(docs["doc_idx"].max())
        rows = wh.sql(
            "WITH sel AS (SELECT unnest(?) AS doc_idx, unnest(?) AS period, unnest(?) AS split), "
            "a AS (SELECT sel.period, sel.split, x.dep, x.lemma_id, x.head_lemma_id "
            "FROM dependencies_by_dependent AS x JOIN sel ON sel.doc_idx = x.doc_idx "
            "WHERE x.doc_idx BETWEEN ? AND ? AND list_contains(?, x.dep) "
            "AND (x.head_gpos IS NULL OR x.head_gpos <> x.gpos)) "
            "SELECT period, split, 'all' AS side, dep, CAST(NULL AS INTEGER) AS term_id, "
            "count(*) AS n FROM a GROUP BY ALL "
            "UNION ALL SELECT period, split, 'child', dep, lemma_id, count(*) FROM a "
            "WHERE list_contains(?, lemma_id) GROUP BY ALL "
            "UNION ALL SELECT period, split, 'head', dep, head_lemma_id, count(*) FROM a "
            "WHERE list_contains(?, head_lemma_id) GROUP BY ALL",
            [
                docs["doc_idx"].astype("int64").tolist(),
                docs["period"].astype("float64").fillna(-1).astype("int64").tolist(),
                docs["split"].fillna("").astype(str).tolist(),
                lo,
                hi,
                deps,
                id_list,
                id_list,
            ],  # fmt: skip
        )
    totals = rows[rows["side"] == "all"][["period", "split", "dep", "n"]]
    counts = rows[rows["side"] != "all"].merge(ids, on="term_id")
    rel_of = {(s, d): r for s, d, r in pairs}
    counts["relation"] = [
        rel_of.get((s, d))
        for s, d in zip(
            counts["side"].to_numpy(object), counts["dep"].to_numpy(object), strict=True
        )
    ]
    keys = ["period", "split", "relation"]
    counts = (
        counts.dropna(subset=["relation"]).groupby([*keys, "descriptor"], as_index=False)["n"].sum()
    )
    # one row per (side, dep) that makes the relation: a symmetric relation (appos, conj)
    # has two ends per arc, so its arcs count twice, as its descriptors do
    sides = pd.DataFrame(pairs, columns=["side", "dep", "relation"])
    totals = totals.merge(sides, on="dep")
    totals = totals.groupby(keys, as_index=False)["n"].sum()
    return totals, counts


def describe(
    wh: Warehouse,
    term: str,
    by: str | int = "decade",
    kinds: str | Iterable[str] | None = None,
    relations: str | Iterable[str] | None = None,
    field: str = "auto",
    split: str | None = None,
    collections: str | Iterable[str] | None = None,
    period: tuple[int, int] | None = None,
    languages: str | Iterable[str] | None = None,
    min_count: int = 2,
    top: int | None = 20,
    n_examples: int = 3,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    include_duplicates: bool = False,
) -> pd.DataFrame:
    """How `term` is described in each period: its syntactic profile from the parse.

    See Warehouse.describe for the columns and the statistics.
    """
    check_ci(ci)
    rels = _relations(relations)
    docs = select_documents(
        wh, by, kinds, collections, period, languages, split, include_duplicates
    )
    columns = [
        "period", *([split] if split else []), "relation", "descriptor", "pos", "count",
        "n_docs", "share", "ci_low", "ci_high", "n_term_arcs", "baseline_count",
        "baseline_total", "expected", "llr", "log_ratio", "example_doc_ids", "example_gpos",
    ]  # fmt: skip
    hits, notes = term_hits(wh, term, field, docs)
    if hits.empty:
        notes.append(f"{term!r}: no hit in the selected documents, so nothing describes it")
        return _noted(pd.DataFrame(columns=columns), notes)
    found = arcs(wh, hits, rels, lemma_ids(wh, term, field))
    lang_of = docs.set_index("doc_idx")["language"]
    unparsed = found.loc[~found["parsed"], "doc_idx"].map(lang_of).fillna("unknown")
    if len(unparsed):
        per = unparsed.value_counts()
        langs = ", ".join(f"{lang}: {n}" for lang, n in per.items())
        if len(unparsed) == len(hits):
            raise NoParse(
                f"{term!r}: its {len(hits)} hits have no dependency parse ({langs} hits): no "
                "parser ran for these documents' language (in this project German has none: "
                "HanTa gives tags and lemmas only), so describe() cannot say what modifies it. "
                "collocates() and kwic() work on these documents."
            )
        notes.append(
            f"{term!r}: {len(unparsed)} of {len(hits)} hits have no dependency parse and are "
            f"left out ({langs})"
        )
    found = found[found["parsed"] & found["relation"].notna()].copy()
    meta = docs.set_index("doc_idx")
    found["period"] = found["doc_idx"].map(meta["period"])
    found["split"] = found["doc_idx"].map(meta["split"]).fillna("")
    docs = docs.assign(split=docs["split"].fillna(""))
    keys = ["period", "split", "relation"]
    if found.empty:
        notes.append(f"{term!r}: {len(hits)} hits, none in the relations {', '.join(rels)}")
        return _noted(pd.DataFrame(columns=columns), notes)
    # the period baselines come from the year x kind cube when the selection is made of
    # kinds and years only (the default); other selections count their documents' arcs
    cube = (
        {"width": bin_width(by), "kinds": as_list(kinds), "period": period,
         "split_by_kind": split == "kind"}
        if collections is None and languages is None and not include_duplicates
        and split in (None, "kind")
        else None
    )  # fmt: skip
    totals, base = baselines(wh, docs, rels, sorted(found["descriptor"].dropna().unique()), cube)
    n_arcs = found.groupby(keys).size().rename("n_term_arcs")
    grouped = found.groupby([*keys, "descriptor"], sort=False)
    rows = grouped.agg(count=("hit", "size"), n_docs=("doc_idx", "nunique")).reset_index()
    # each descriptor's most frequent pos (ties: the first in sort order, as Series.mode)
    pos = (
        found.dropna(subset=["descriptor", "pos"])
        .groupby([*keys, "descriptor", "pos"])
        .size()
        .rename("k")
        .reset_index()
        .sort_values(["k", "pos"], ascending=[False, True], kind="stable")
        .drop_duplicates([*keys, "descriptor"])
        .drop(columns="k")
    )
    rows = rows.merge(pos, on=[*keys, "descriptor"], how="left")
    rows["pos"] = rows["pos"].astype(object).where(rows["pos"].notna(), None)
    rows = rows.merge(n_arcs.reset_index(), on=keys)
    rows = rows.merge(totals.rename(columns={"n": "baseline_total"}), on=keys, how="left")
    rows = rows.merge(
        base.rename(columns={"n": "baseline_count"}), on=[*keys, "descriptor"], how="left"
    )
    rows["baseline_count"] = rows["baseline_count"].fillna(rows["count"]).astype(np.int64)
    rows["baseline_total"] = rows["baseline_total"].fillna(rows["n_term_arcs"]).astype(np.int64)
    c = rows["count"].to_numpy(np.float64)
    nx = rows["n_term_arcs"].to_numpy(np.float64)
    b = rows["baseline_count"].to_numpy(np.float64)
    total = rows["baseline_total"].to_numpy(np.float64)
    rows["expected"] = nx * b / total
    rows["llr"] = dunning_llr(c, nx, b, total) if len(rows) else []
    # log2 of the descriptor's share with the term over its share with every other node
    # (+0.5 to each cell, so a descriptor seen only with the term has a finite ratio)
    rows["log_ratio"] = np.log2(
        ((c + 0.5) / (nx + 1.0)) / ((b - c + 0.5) / (np.maximum(total - nx, 0) + 1.0))
    )
    rows = rows[rows["count"] >= int(min_count)]
    rows = rows.sort_values(
        [*keys, "llr", "count", "descriptor"], ascending=[True, True, True, False, False, True]
    )
    if top is not None:
        rows = rows.groupby(keys, sort=False).head(int(top))
    rows = rows.reset_index(drop=True)
    # CIs of the share (descriptor arcs / the term's arcs of the relation), resampling the
    # documents that hold the term's arcs: one novel repeating a phrase widens its interval
    rows["share"] = rows["count"] / rows["n_term_arcs"]
    ci_low = np.full(len(rows), np.nan)
    ci_high = np.full(len(rows), np.nan)
    arcs_of = found.groupby(keys, sort=False).indices
    arc_doc = found["doc_idx"].to_numpy(np.int64)
    arc_desc, descriptors = pd.factorize(found["descriptor"])  # -1: no descriptor
    row_desc = descriptors.get_indexer(rows["descriptor"])
    for key, part in rows.groupby(keys, sort=False).indices.items():
        here = arcs_of[key]
        # documents in doc_idx order: the resamples do not depend on the order SQL returned
        # the arcs in (a parallel join's order varies run to run)
        doc_uniq, doc_codes = np.unique(arc_doc[here], return_inverse=True)
        column = np.full(len(descriptors) + 1, -1, dtype=np.int64)  # [-1] stays -1
        column[row_desc[part]] = np.arange(len(part))
        which = column[arc_desc[here]]
        kept = which >= 0
        num = np.bincount(
            doc_codes[kept] * len(part) + which[kept], minlength=len(doc_uniq) * len(part)
        ).reshape(len(doc_uniq), len(part))
        den = np.bincount(doc_codes, minlength=len(doc_uniq)).astype(np.float64)
        rng = draw_period_seed(seed, int(key[0]) if pd.notna(key[0]) else 0, f"{key[1]}|{key[2]}")
        _, ci_low[part], ci_high[part] = ratio_interval(num, den, n_boot, ci, rng)
    rows["ci_low"] = ci_low
    rows["ci_high"] = ci_high
    # the first hits of each descriptor, to read in kwic() (its gpos column)
    doc_ids = docs.set_index("doc_idx")["doc_id"]
    ex = found.sort_values("hit").groupby([*keys, "descriptor"], sort=False).head(n_examples)
    ex = ex.assign(doc_id=ex["doc_idx"].map(doc_ids), hit=ex["hit"].astype(int))
    lists = ex.groupby([*keys, "descriptor"], sort=False).agg(
        example_doc_ids=("doc_id", list), example_gpos=("hit", list)
    )
    rows = rows.merge(lists.reset_index(), on=[*keys, "descriptor"], how="left")
    if split:
        rows = rows.rename(columns={"split": split})
    return _noted(rows[columns], notes)


# -- comparisons -------------------------------------------------------------------------


def log_odds(
    a: Mapping[str, float] | pd.Series,
    b: Mapping[str, float] | pd.Series,
    prior: Mapping[str, float] | pd.Series | None = None,
    prior_strength: float | None = None,
) -> pd.DataFrame:
    """Log-odds ratio of each word between counts `a` and `b` with an informative Dirichlet
    prior (Monroe, Colaresi & Quinn 2008, eq. 16-22).

    alpha_w = prior_strength * prior_w / sum(prior); the prior defaults to the pooled counts
    a + b and its strength to their total (alpha_w = a_w + b_w). With n the side's total,
    delta_w = log((a_w + alpha_w) / (n_a + alpha_0 - a_w - alpha_w))
            - log((b_w + alpha_w) / (n_b + alpha_0 - b_w - alpha_w)),
    var(delta_w) ~ 1 / (a_w + alpha_w) + 1 / (b_w + alpha_w), z = delta / sqrt(var).
    Positive z: the word is characteristic of `a`.
    """
    ya, yb = pd.Series(a, dtype=np.float64), pd.Series(b, dtype=np.float64)
    words = ya.index.union(yb.index)
    ya, yb = ya.reindex(words, fill_value=0.0), yb.reindex(words, fill_value=0.0)
    background = (ya + yb) if prior is None else pd.Series(prior, dtype=np.float64)
    background = background.reindex(words, fill_value=0.0)
    strength = float(background.sum()) if prior_strength is None else float(prior_strength)
    alpha = strength * background / max(float(background.sum()), 1e-12)
    # a word absent from the prior gets a pseudo-count so its odds are finite
    alpha = alpha.where(alpha > 0, 0.01)
    alpha0 = float(alpha.sum())
    na, nb = float(ya.sum()), float(yb.sum())
    delta = np.log((ya + alpha) / (na + alpha0 - ya - alpha)) - np.log(
        (yb + alpha) / (nb + alpha0 - yb - alpha)
    )
    var = 1.0 / (ya + alpha) + 1.0 / (yb + alpha)
    out = pd.DataFrame(
        {
            "word": words,
            "count_a": ya.to_numpy(np.int64) if (ya % 1 == 0).all() else ya.to_numpy(),
            "count_b": yb.to_numpy(np.int64) if (yb % 1 == 0).all() else yb.to_numpy(),
            "per_million_a": 1e6 * ya.to_numpy() / max(na, 1e-12),
            "per_million_b": 1e6 * yb.to_numpy() / max(nb, 1e-12),
            "log_odds": delta.to_numpy(),
            "se": np.sqrt(var.to_numpy()),
        }
    )
    out["z"] = out["log_odds"] / out["se"]
    return out.sort_values(["z", "word"], ascending=[False, True]).reset_index(drop=True)


SIDE_KEYS = ("term", "period", "kinds", "collections", "languages")


def side_counts(
    wh: Warehouse,
    side: Mapping[str, Any],
    common: Mapping[str, Any],
    field: str,
    relations: list[str] | None,
    window: int | None,
    exclude_stopwords: bool,
) -> tuple[pd.Series, str]:
    """The word counts of one side of a comparison and how they were counted."""
    unknown = set(side) - set(SIDE_KEYS)
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)} in a side; use {', '.join(SIDE_KEYS)}")
    sel = {**common, **side}
    term = sel.pop("term", None)
    include_duplicates = bool(sel.pop("include_duplicates", False))
    if term is None:
        where, params = wh.filter_documents(
            sel.get("kinds"), sel.get("collections"), sel.get("period"), None,
            include_duplicates, sel.get("languages"),
        )  # fmt: skip
        glue = " AND " if where else " WHERE "
        stop = " AND NOT m.is_stop" if exclude_stopwords else ""
        df = wh.sql(
            "SELECT m.term AS word, CAST(sum(c.n_occurrences) AS BIGINT) AS n "
            "FROM term_doc_counts AS c JOIN documents AS d ON d.doc_idx = c.doc_idx "
            f"JOIN terms AS m ON m.term_id = c.term_id{where}{glue}c.field = ? "
            f"AND m.is_alpha{stop} GROUP BY m.term",
            [*params, "lemma" if field == "auto" else field],
        )
        return df.set_index("word")["n"], "vocabulary"
    if window is not None:
        coll = wh.collocates(
            term, period=sel.get("period"), window=int(window), min_count=1,
            field="lemma" if field == "auto" else field, exclude_stopwords=exclude_stopwords,
            kinds=sel.get("kinds"), top=None, include_duplicates=include_duplicates,
        )  # fmt: skip
        return coll.set_index("collocate")["count"], f"collocates within {window}"
    rels = _relations(relations)
    docs = select_documents(
        wh, None, sel.get("kinds"), sel.get("collections"), sel.get("period"),
        sel.get("languages"), None, include_duplicates,
    )  # fmt: skip
    hits, _ = term_hits(wh, term, field, docs)
    if hits.empty:
        return pd.Series(dtype=np.int64), "descriptors"
    found = arcs(wh, hits, rels, lemma_ids(wh, term, field))
    if not found["parsed"].any():
        raise NoParse(f"{term!r}: none of its hits has a dependency parse")
    found = found[found["parsed"] & found["relation"].notna()]
    words = found["relation"] + ":" + found["descriptor"]
    return words.value_counts(), f"descriptors ({', '.join(rels)})"


def compare(
    wh: Warehouse,
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    relations: str | Iterable[str] | None = None,
    window: int | None = None,
    field: str = "auto",
    prior: Mapping[str, float] | pd.Series | None = None,
    prior_strength: float | None = None,
    min_count: int = 1,
    top: int | None = 25,
    exclude_stopwords: bool = True,
    **common: Any,
) -> pd.DataFrame:
    """The words that distinguish side `a` from side `b` (see Warehouse.compare)."""
    rels = None if relations is None else _relations(relations)
    ya, how = side_counts(wh, a, common, field, rels, window, exclude_stopwords)
    yb, _ = side_counts(wh, b, common, field, rels, window, exclude_stopwords)
    notes = []
    for name, y in (("a", ya), ("b", yb)):
        if y.empty:
            notes.append(f"side {name} ({dict(a if name == 'a' else b)}) has no {how}")
    out = log_odds(ya, yb, prior, prior_strength)
    out = out[(out["count_a"] + out["count_b"]) >= int(min_count)]
    if top is not None:
        top = int(top)
        out = pd.concat([out.head(top), out.iloc[max(top, len(out) - top) :]])
    out = out.reset_index(drop=True)
    out.attrs["counted"] = how
    return _noted(out, notes)


def trends(
    wh: Warehouse,
    by: str | int = "decade",
    field: str = "lemma",
    kinds: str | Iterable[str] | None = None,
    collections: str | Iterable[str] | None = None,
    period: tuple[int, int] | None = None,
    language: str | None = None,
    min_count: int = 20,
    top: int | None = 20,
    exclude_stopwords: bool = True,
    include_duplicates: bool = False,
) -> pd.DataFrame:
    """The words whose rate rises or falls most across periods (see Warehouse.trends)."""
    if field not in ("lemma", "text"):
        raise ValueError(f"field={field!r}; use lemma or text")
    width = bin_width(by)
    docs = select_documents(wh, by, kinds, collections, period, None, None, include_duplicates)
    notes: list[str] = []
    if docs.empty:
        return _noted(pd.DataFrame(), ["no dated document in the selection"])
    per_lang = docs.groupby("language")["n_alpha"].sum().sort_values(ascending=False)
    if language is None:
        language = str(per_lang.index[0])
        if len(per_lang) > 1:
            notes.append(
                f"trends of the {language!r} documents ({int(per_lang.iloc[0]):,} words); left "
                "out: "
                + ", ".join(f"{k}: {int(v):,}" for k, v in per_lang.iloc[1:].items())
                + " (pass language= to choose)"
            )
    docs = docs[docs["language"] == language]
    if docs.empty:
        raise ValueError(
            f"language={language!r}: no selected document; here: {list(per_lang.index)}"
        )
    periods = np.sort(docs["period"].unique())
    n_p = docs.groupby("period")["n_alpha"].sum().reindex(periods).to_numpy(np.float64)
    n_docs = len(docs)
    stop = " AND NOT m.is_stop" if exclude_stopwords else ""
    lo, hi = int(docs["doc_idx"].min()), int(docs["doc_idx"].max())
    # per word and period: C = sum of counts, S = sum of count^2 / document length (the
    # document-level Pearson statistic needs only these two)
    cube = wh.sql(
        "WITH sel AS (SELECT unnest(?) AS doc_idx, unnest(?) AS period, unnest(?) AS n_alpha), "
        "c AS (SELECT c.term_id, sel.period, c.n_occurrences AS y, sel.n_alpha "
        "FROM term_doc_counts AS c JOIN sel ON sel.doc_idx = c.doc_idx "
        "WHERE c.field = ? AND c.doc_idx BETWEEN ? AND ?) "
        "SELECT c.term_id, m.term AS word, c.period, CAST(sum(c.y) AS DOUBLE) AS c, "
        "sum(c.y * c.y / c.n_alpha) AS s FROM c JOIN terms AS m ON m.term_id = c.term_id "
        f"WHERE m.is_alpha{stop} GROUP BY c.term_id, m.term, c.period "
        "QUALIFY sum(sum(c.y)) OVER (PARTITION BY c.term_id) >= ?",
        [
            docs["doc_idx"].astype("int64").tolist(),
            docs["period"].astype("int64").tolist(),
            docs["n_alpha"].astype("float64").tolist(),
            field,
            lo,
            hi,
            int(min_count),
        ],  # fmt: skip
    )
    columns = ["word", "slope", "rate_ratio", "z", "p_value", "dispersion", "count", "first_rate",
               "last_rate", "n_docs_with_word"]  # fmt: skip
    if cube.empty or len(periods) < 2:
        if len(periods) < 2:
            notes.append("one period only: no trend can be measured")
        return _noted(pd.DataFrame(columns=columns), notes)
    words = pd.Index(cube["word"].unique())
    col = {p: i for i, p in enumerate(periods)}
    r = words.get_indexer(cube["word"])
    k = cube["period"].map(col).to_numpy()
    C = np.zeros((len(words), len(periods)))
    S = np.zeros_like(C)
    np.add.at(C, (r, k), cube["c"].to_numpy())
    np.add.at(S, (r, k), cube["s"].to_numpy())
    slope, se_b, rates, dispersion = quasi_poisson_slope(C, S, n_p, periods / width, n_docs)
    if n_docs < 3 * len(periods):
        notes.append(
            f"{n_docs} documents over {len(periods)} periods: too few to measure how much "
            "counts vary between documents, so z is close to a plain Poisson test (optimistic)"
        )
    z = slope / se_b
    p = 2.0 * (1.0 - np.vectorize(NormalDist().cdf)(np.abs(z)))
    out = pd.DataFrame(
        {
            "word": words,
            "slope": slope,
            "rate_ratio": np.exp(slope),
            "z": z,
            "p_value": p,
            "dispersion": dispersion,
            "count": C.sum(axis=1).astype(np.int64),
            "first_rate": 1e6 * C[:, 0] / n_p[0],
            "last_rate": 1e6 * C[:, -1] / n_p[-1],
        }
    )
    out = out.sort_values(["z", "word"], ascending=[False, True]).reset_index(drop=True)
    if top is not None:
        top = int(top)
        out = pd.concat([out.head(top), out.iloc[max(top, len(out) - top) :]])
    out["direction"] = np.where(out["slope"] > 0, "rising", "falling")
    out.attrs["periods"] = periods.tolist()
    return _noted(out.reset_index(drop=True), notes)


def quasi_poisson_slope(
    C: np.ndarray,
    S: np.ndarray,
    totals: np.ndarray,
    t: np.ndarray,
    n_docs: int,
    iterations: int = 30,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per word: the Poisson log-linear slope of its rate over periods (log rate = a + b t,
    exposure = tokens), and its standard error inflated by the document-level dispersion.

    Counts per document y_d ~ quasi-Poisson(mean n_d exp(a + b t_d)); the MLE depends only on
    the period sums C (words x periods), and Pearson's X2 over the n_docs documents is
    sum_p S_p / r_p - 2 C_p + r_p N_p with S_p = sum_d y_d^2 / n_d and r_p the fitted rate.
    phi = max(1, X2 / (n_docs - 2)); se(b) = sqrt(phi * (I^-1)_bb). A word seen in one period
    only drifts to a large slope; its z stays bounded by the iteration cap.
    """
    tc = t - t.mean()
    a = np.log(np.maximum(C.sum(axis=1), 0.5) / totals.sum())
    b = np.zeros(len(C))
    logn = np.log(totals)
    for _ in range(iterations):
        mu = np.exp(a[:, None] + b[:, None] * tc[None, :] + logn[None, :])
        ua, ub = (C - mu).sum(axis=1), ((C - mu) * tc).sum(axis=1)
        iaa, iab, ibb = mu.sum(axis=1), (mu * tc).sum(axis=1), (mu * tc * tc).sum(axis=1)
        det = np.maximum(iaa * ibb - iab * iab, 1e-300)
        da, db = (ibb * ua - iab * ub) / det, (iaa * ub - iab * ua) / det
        a, b = a + np.clip(da, -5, 5), b + np.clip(db, -5, 5)
    rate = np.exp(a[:, None] + b[:, None] * tc[None, :])
    mu = rate * totals[None, :]
    iaa, iab, ibb = mu.sum(axis=1), (mu * tc).sum(axis=1), (mu * tc * tc).sum(axis=1)
    var_b = iaa / np.maximum(iaa * ibb - iab * iab, 1e-300)
    x2 = (S / rate - 2 * C + rate * totals[None, :]).sum(axis=1)
    phi = np.maximum(1.0, x2 / max(n_docs - 2, 1))
    return b, np.sqrt(phi * var_b), rate, phi


# -- what drives a curve -----------------------------------------------------------------


def breakdown(
    wh: Warehouse,
    term: str,
    period: int | None = None,
    by: str = "document",
    time_by: str | int = "decade",
    field: str = "auto",
    kinds: str | Iterable[str] | None = None,
    collections: str | Iterable[str] | None = None,
    language: str | None = None,
    include_duplicates: bool = False,
    top: int | None = None,
) -> pd.DataFrame:
    """The documents (or authors, titles, any metadata key) behind each point of a timeline."""
    width = bin_width(time_by)
    if not isinstance(by, str) or not by:
        raise ValueError("by must be a name: document, author, title, ... or a metadata key")
    parsed, counts, notes = wh.term_counts([term], field)
    label = parsed[0].label
    chosen, more = wh.term_languages([label], counts, language)
    langs = chosen[label]
    if by in BREAKDOWN_KEYS:
        key_sql, key_params = BREAKDOWN_KEYS[by], []
    else:
        known = wh.sql("SELECT DISTINCT unnest(map_keys(metadata)) AS k FROM documents ORDER BY k")[
            "k"
        ].tolist()
        if by not in known:
            raise ValueError(
                f"by={by!r}: not a column ({', '.join(BREAKDOWN_KEYS)}) nor a metadata key of "
                f"any document; metadata keys here: {', '.join(known) or 'none'}"
            )
        key_sql, key_params = "coalesce(map_extract_value(d.metadata, ?), '(none)')", [by]
    where, params = wh.filter_documents(kinds, collections, None, None, include_duplicates, langs)
    glue = " AND " if where else " WHERE "
    columns = ["period", by, "count", "share", "n_docs", "rank", "period_count", "top_share"]
    if counts.empty:
        return _noted(pd.DataFrame(columns=columns), notes + more)
    extra = ", any_value(d.title) AS title, any_value(d.year) AS year" if by == "document" else ""
    df = wh.sql(
        "WITH c AS (SELECT unnest(?) AS doc_idx, unnest(?) AS n) "
        f"SELECT CAST(floor(d.year / ?) * ? AS INTEGER) AS period, {key_sql} AS key, "
        f"CAST(sum(c.n) AS BIGINT) AS count, count(*) AS n_docs{extra} "
        f"FROM c JOIN documents AS d ON d.doc_idx = c.doc_idx{where}{glue}d.year IS NOT NULL "
        "AND (CAST(? AS INTEGER) IS NULL OR floor(d.year / ?) * ? = ?) GROUP BY ALL",
        [
            counts["doc_idx"].astype("int64").tolist(),
            counts["n_occurrences"].astype("int64").tolist(),
            width,
            width,
            *key_params,
            *params,
            period,
            width,
            width,
            period,
        ],  # fmt: skip
    )
    if df.empty:
        notes.append(f"{term!r}: no hit in {'period ' + str(period) if period else 'any period'}")
        return _noted(pd.DataFrame(columns=columns), notes + more)
    df = df.sort_values(["period", "count", "key"], ascending=[True, False, True])
    df["period_count"] = df.groupby("period")["count"].transform("sum")
    df["share"] = df["count"] / df["period_count"]
    df["rank"] = df.groupby("period").cumcount() + 1
    df["top_share"] = df.groupby("period")["share"].transform("max")
    if top is not None:
        df = df[df["rank"] <= int(top)]
    df = df.rename(columns={"key": by})
    if by == "document":
        columns = [*columns[:2], "title", "year", *columns[2:]]
    return _noted(df[columns].reset_index(drop=True), notes + more)


# -- co-occurrence at a distance ----------------------------------------------------------


def cooccurrence(
    wh: Warehouse,
    x: str,
    y: str,
    within: int = 10,
    by: str | int = "decade",
    field: str = "auto",
    kinds: str | Iterable[str] | None = None,
    collections: str | Iterable[str] | None = None,
    languages: str | Iterable[str] | None = None,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    include_duplicates: bool = False,
) -> pd.DataFrame:
    """X within `within` tokens of Y, per period (see Warehouse.cooccurrence)."""
    check_ci(ci)
    within = int(within)
    if within < 1:
        raise ValueError(f"within must be >= 1, got {within}")
    docs = select_documents(wh, by, kinds, collections, None, languages, None, include_duplicates)
    hx, notes = term_hits(wh, x, field, docs)
    hy, more = term_hits(wh, y, field, docs)
    notes += more
    columns = ["period", "n_x", "n_near", "share", "ci_low", "ci_high", "per_million", "total",
               "n_docs", "n_docs_near"]  # fmt: skip
    if hx.empty:
        notes.append(f"{x!r}: no hit in the selected documents")
        return _noted(pd.DataFrame(columns=columns), notes)
    near = near_hits(hx, hy, within, docs)
    hx = hx.assign(near=near)
    # rates per million words of the language holding most of X's hits (as frequency())
    lang_of = docs.set_index("doc_idx")["language"]
    langs = hx["doc_idx"].map(lang_of).value_counts()
    lang = langs.index[0]
    if len(langs) > 1:
        notes.append(
            f"{x!r}: rates are per million tokens of the {lang!r} documents; hits in other "
            f"languages left out ({', '.join(f'{k}: {v}' for k, v in langs.iloc[1:].items())})"
        )
    docs = docs[docs["language"] == lang]
    hx = hx[hx["doc_idx"].isin(set(docs["doc_idx"]))]
    per_doc = hx.groupby("doc_idx").agg(n_x=("hit", "size"), n_near=("near", "sum"))
    rows = []
    for p, part in docs.groupby("period", sort=True):
        d = per_doc.reindex(part["doc_idx"]).dropna()
        n_x, n_near = int(d["n_x"].sum()), int(d["n_near"].sum())
        rng = draw_period_seed(seed, int(p), "cooccurrence")
        share, low, high = np.nan, np.nan, np.nan
        if n_x:
            s, lo, hi = ratio_interval(d["n_near"].to_numpy(), d["n_x"].to_numpy(), n_boot, ci, rng)
            share, low, high = float(s[0]), float(lo[0]), float(hi[0])
        total = int(part["n_alpha"].sum())
        rows.append(
            {
                "period": int(p),
                "n_x": n_x,
                "n_near": n_near,
                "share": share,
                "ci_low": low,
                "ci_high": high,
                "per_million": 1e6 * n_near / total,
                "total": total,
                "n_docs": len(part),
                "n_docs_near": int((d["n_near"] > 0).sum()),
            }  # fmt: skip
        )
    return _noted(pd.DataFrame(rows, columns=columns), notes)


def near_hits(hx: pd.DataFrame, hy: pd.DataFrame, within: int, docs: pd.DataFrame) -> np.ndarray:
    """For each hit of X: is a hit of Y within `within` tokens of it in the same document?

    Distance counts the tokens from X's span to Y's (1 = adjacent); a Y overlapping X's span
    does not count. Works on global positions clipped to X's document.
    """
    if hy.empty:
        return np.zeros(len(hx), dtype=bool)
    bounds = docs.set_index("doc_idx")
    xs = hx["hit"].to_numpy(np.int64)
    xe = xs + hx["length"].to_numpy(np.int64) - 1
    first = hx["doc_idx"].map(bounds["first_gpos"]).to_numpy(np.int64)
    last = hx["doc_idx"].map(bounds["last_gpos"]).to_numpy(np.int64)
    ys = np.sort(hy["hit"].to_numpy(np.int64))
    ye = np.sort((hy["hit"] + hy["length"] - 1).to_numpy(np.int64))
    # Y after X: starts in [xe + 1, xe + within]; Y before X: ends in [xs - within, xs - 1]
    a_lo, a_hi = xe + 1, np.minimum(xe + within, last)
    b_lo, b_hi = np.maximum(xs - within, first), xs - 1
    after = np.searchsorted(ys, a_hi, "right") > np.searchsorted(ys, a_lo, "left")
    before = np.searchsorted(ye, b_hi, "right") > np.searchsorted(ye, b_lo, "left")
    return after | before


def collocates_by_period(
    wh: Warehouse, term: str, by: str | int = "decade", **kwargs: Any
) -> pd.DataFrame:
    """Warehouse.collocates for every period holding the term, in one table (period first)."""
    width = bin_width(by)
    if "period" in kwargs:
        raise ValueError("collocates_by_period runs every period; use collocates(period=...)")
    hits = wh.hits(
        term, "lemma" if kwargs.get("field", "lemma") == "lemma" else "text",
        kinds=kwargs.get("kinds"), include_duplicates=kwargs.get("include_duplicates", False),
    )  # fmt: skip
    years = hits["year"].dropna().astype(int)
    frames = []
    for start in sorted({y // width * width for y in years}):
        part = wh.collocates(term, period=(start, start + width - 1), **kwargs)
        part.insert(0, "period", start)
        frames.append(part)
    if not frames:
        out = wh.collocates(term, period=(0, -1), **kwargs)
        out.insert(0, "period", pd.Series(dtype=np.int64))
        return out
    return pd.concat(frames, ignore_index=True)
