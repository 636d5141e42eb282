"""Corpus composition (Warehouse.composition, frequency(composition=True), plot_composition)
checked against a direct count of the fixture's documents and tokens."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from warehouse import Warehouse
from warehouse.plots import plot_composition

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).parent))
from warehouse_fixture import FixtureWarehouse  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::warehouse.queries.QueryWarning")


def direct(fx: FixtureWarehouse, wh: Warehouse, width: int = 10) -> pd.DataFrame:
    """period x kind x language counts straight from the fixture's records and tokens."""
    dups = set(wh.sql("SELECT doc_id FROM duplicates")["doc_id"])
    docs = fx.documents[fx.documents["year"].notna() & ~fx.documents["doc_id"].isin(dups)]
    tok = fx.tokens.assign(alpha=fx.tokens["is_alpha"].fillna(False).astype(int))
    per_doc = tok.groupby("doc_id").agg(n_tokens=("text", "size"), n_alpha=("alpha", "sum"))
    docs = docs.join(per_doc, on="doc_id").fillna({"n_tokens": 0, "n_alpha": 0})
    docs["period"] = (docs["year"] // width * width).astype(int)
    return (
        docs.groupby(["period", "kind", "language"])
        .agg(
            n_docs=("doc_id", "size"),
            n_tokens=("n_tokens", "sum"),
            n_alpha=("n_alpha", "sum"),
            n_docs_with_words=("n_alpha", lambda s: int((s > 0).sum())),
        )
        .reset_index()
    )


def test_composition_matches_a_direct_count(fx: FixtureWarehouse, wh: Warehouse) -> None:
    got = wh.composition()
    want = direct(fx, wh)
    assert len(want) > 3 and want["language"].nunique() > 1 and want["kind"].nunique() > 1
    cols = ["period", "kind", "language", "n_docs", "n_docs_with_words", "n_tokens", "n_alpha"]
    pd.testing.assert_frame_equal(
        got[cols].sort_values(cols[:3]).reset_index(drop=True),
        want[cols].sort_values(cols[:3]).reset_index(drop=True),
        check_dtype=False,
    )
    shares = got.groupby("period")["share"].sum()
    with_words = got.groupby("period")["n_alpha"].sum() > 0
    assert (shares[with_words] - 1).abs().max() < 1e-9
    # the English books of one decade: the fixture's total n_alpha of those documents
    eng = want[(want["kind"] == "book") & (want["language"] == "en")]
    assert eng["n_alpha"].sum() == got.query("kind == 'book' and language == 'en'")["n_alpha"].sum()


def test_composition_splits_filters_and_errors(fx: FixtureWarehouse, wh: Warehouse) -> None:
    want = direct(fx, wh, width=100)
    by_century = wh.composition(by="century", split="language")
    assert list(by_century.columns[:2]) == ["period", "language"]
    expected = want.groupby(["period", "language"])["n_alpha"].sum()
    assert by_century.set_index(["period", "language"])["n_alpha"].to_dict() == expected.to_dict()
    books = wh.composition(kinds="book", split=None)
    assert list(books.columns[:2]) == ["period", "n_docs"]
    assert books["n_docs"].sum() == want.loc[want["kind"] == "book", "n_docs"].sum()
    with pytest.raises(ValueError, match="split"):
        wh.composition(split="author")


def test_frequency_carries_composition_and_plot(fx: FixtureWarehouse, wh: Warehouse) -> None:
    timeline = wh.frequency("war", n_boot=0, composition=True)
    comp = timeline.attrs["composition"]
    pd.testing.assert_frame_equal(comp, wh.composition())
    assert "composition" not in wh.frequency("war", n_boot=0).attrs
    ax = plot_composition(comp)
    assert len(ax.patches) >= len(comp)
    assert plot_composition(comp.iloc[0:0]) is not None
