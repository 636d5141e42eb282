"""Plot helpers for warehouse query results (matplotlib; works headless with the Agg backend).

Spec: https://matplotlib.org/stable/api/_as_gen/matplotlib.axes.Axes.fill_between.html
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

logger = logging.getLogger(__name__)

SPLIT_COLUMNS = ("kind", "collection", "language")


def get_axes(ax: Axes | None) -> Axes:
    """The given Axes, or a new figure's."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=(9, 4.5))
    return new_ax


def period_grid(periods: pd.Series) -> np.ndarray:
    """Every period start from the first to the last, stepping by the bin width."""
    starts = np.unique(periods.dropna().to_numpy(dtype=np.int64))
    if len(starts) < 2:
        return starts
    step = int(np.gcd.reduce(np.diff(starts)))
    return np.arange(starts[0], starts[-1] + step, step)


def plot_timeline(
    df: pd.DataFrame, ax: Axes | None = None, y: str = "per_million", title: str | None = None
) -> Axes:
    """One line per term (and split value) over periods, with its CI as a shaded band.

    Takes the DataFrame of Warehouse.frequency().
    """
    ax = get_axes(ax)
    if df.empty:
        ax.text(
            0.5, 0.5, "no dated documents match", ha="center", va="center", transform=ax.transAxes
        )
        return ax
    # `language` is a split when a term has several; otherwise it names each term's denominator
    keys = ["term"] + [
        c
        for c in SPLIT_COLUMNS
        if c in df.columns and (c != "language" or df.groupby("term")[c].nunique().max() > 1)
    ]
    grid = period_grid(df["period"])
    for key, group in df.groupby(keys, sort=True):
        parts = key if isinstance(key, tuple) else (key,)
        label = " · ".join(str(p) for p in parts)
        # periods without documents become gaps, not straight lines across the silence
        g = group.set_index("period").reindex(grid)
        x = grid.astype(float)
        (line,) = ax.plot(x, g[y].to_numpy(dtype=float), marker="o", markersize=3, label=label)
        if {"ci_low", "ci_high"} <= set(g.columns) and g["ci_low"].notna().any():
            ax.fill_between(
                x,
                g["ci_low"].to_numpy(dtype=float),
                g["ci_high"].to_numpy(dtype=float),
                color=line.get_color(),
                alpha=0.2,
                linewidth=0,
            )
            # a period between two empty ones has no band to fill: show its interval as a bar
            ax.vlines(
                x,
                g["ci_low"].to_numpy(dtype=float),
                g["ci_high"].to_numpy(dtype=float),
                color=line.get_color(),
                alpha=0.35,
                linewidth=1,
            )
    ax.set_xlabel("period (first year)")
    ax.set_ylabel("occurrences per million words" if y == "per_million" else y)
    ax.legend(fontsize="small", frameon=False)
    if title:
        ax.set_title(title)
    return ax


def plot_topics(
    df: pd.DataFrame, ax: Axes | None = None, stacked: bool = False, top: int | None = None
) -> Axes:
    """Topic prevalence per period: lines with CI bands, or a stream (stacked=True).

    Takes the DataFrame of Warehouse.topics_over_time(); `top` keeps the most prevalent topics.
    """
    ax = get_axes(ax)
    if df.empty:
        ax.text(
            0.5,
            0.5,
            "no topic model in this warehouse",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        return ax
    wide = (
        df.pivot_table(index="period_start", columns="topic", values="prevalence", aggfunc="mean")
        .fillna(0.0)
        .sort_index()
    )
    if top is not None:
        wide = wide[wide.mean().sort_values(ascending=False).index[:top]]
    labels = {}
    if "label" in df.columns:
        labels = df.dropna(subset=["label"]).drop_duplicates("topic").set_index("topic")["label"]
    names = [f"{t}: {labels[t]}" if t in labels else f"topic {t}" for t in wide.columns]
    x = wide.index.to_numpy(dtype=float)
    if stacked:
        ax.stackplot(x, wide.to_numpy(dtype=float).T, labels=names, baseline="wiggle", alpha=0.85)
    else:
        for topic, name in zip(wide.columns, names, strict=True):
            (line,) = ax.plot(
                x, wide[topic].to_numpy(dtype=float), marker="o", markersize=3, label=name
            )
            band = df[df["topic"] == topic].sort_values("period_start")
            if {"ci_low", "ci_high"} <= set(band.columns) and band["ci_low"].notna().any():
                ax.fill_between(
                    band["period_start"].to_numpy(dtype=float),
                    band["ci_low"].to_numpy(dtype=float),
                    band["ci_high"].to_numpy(dtype=float),
                    color=line.get_color(),
                    alpha=0.2,
                    linewidth=0,
                )
    ax.set_xlabel("period (first year)")
    ax.set_ylabel("mean topic weight")
    ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


def neighbours_table(df: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """Neighbours through time as a table: one row per rank, one column per period.

    Takes the DataFrame of Warehouse.neighbours(); cells read "word (0.83)".
    """
    if df.empty:
        return pd.DataFrame()
    cut = df[df["rank"] <= top].copy()
    cut["cell"] = cut["neighbour"] + " (" + cut["similarity"].map("{:.2f}".format) + ")"
    periods = list(dict.fromkeys(cut["period"]))  # in the order the query returned them
    wide = cut.pivot_table(index="rank", columns="period", values="cell", aggfunc="first")
    return wide.reindex(columns=periods)


def plot_neighbours(df: pd.DataFrame, top: int = 10, fig_width: float = 3.0) -> object:
    """Small multiples: the nearest words of one term in each period, as bars of similarity.

    Takes the DataFrame of Warehouse.neighbours(); returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    periods = list(dict.fromkeys(df["period"])) if not df.empty else []
    fig, axes = plt.subplots(
        1, max(len(periods), 1), figsize=(fig_width * max(len(periods), 1), 0.35 * top + 1)
    )
    axes = np.atleast_1d(axes)
    if not periods:
        axes[0].text(0.5, 0.5, "no neighbours", ha="center", va="center")
        return fig
    for ax, period in zip(axes, periods, strict=True):
        part = df[(df["period"] == period) & (df["rank"] <= top)].sort_values("rank")
        ax.barh(part["rank"], part["similarity"], color="tab:blue", alpha=0.6)
        for rank, word, sim in zip(
            part["rank"], part["neighbour"], part["similarity"], strict=True
        ):
            ax.text(0.02, rank, f"{word}  {sim:.2f}", va="center", fontsize="small")
        ax.set_ylim(top + 0.5, 0.5)
        ax.set_xlim(0, 1)
        ax.set_yticks([])
        ax.set_title(str(period), fontsize="medium")
    fig.suptitle(f"nearest neighbours of '{df['word'].iloc[0]}' by period")
    return fig


def plot_network(
    edges: pd.DataFrame,
    ax: Axes | None = None,
    top: int = 40,
    seed: int = 0,
    directed: bool | None = None,
) -> Axes:
    """A spring layout of the `top` heaviest edges (Warehouse.cable_network()), with networkx.

    Node size follows the weighted degree, edge width the weight. Directed (arrows) when the
    edges have no labels (sender -> recipient), unless `directed` says otherwise.
    """
    import networkx as nx

    ax = get_axes(ax)
    ax.set_axis_off()
    if edges.empty:
        ax.text(0.5, 0.5, "no edges", ha="center", va="center", transform=ax.transAxes)
        return ax
    if directed is None:
        directed = bool("source_label" not in edges.columns or edges["source_label"].isna().all())
    cut = edges.sort_values("weight", ascending=False, kind="stable").head(top)
    graph: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    for source, target, weight in zip(cut["source"], cut["target"], cut["weight"], strict=True):
        graph.add_edge(source, target, weight=float(weight))
    pos = nx.spring_layout(graph, seed=seed, weight="weight")
    strength = dict(graph.degree(weight="weight"))
    biggest = max(strength.values())
    widths = [0.5 + 3.0 * d["weight"] / cut["weight"].max() for _, _, d in graph.edges(data=True)]
    nx.draw_networkx_edges(graph, pos, ax=ax, width=widths, alpha=0.5, arrows=directed)
    nx.draw_networkx_nodes(
        graph,
        pos,
        ax=ax,
        node_size=[60 + 600 * strength[n] / biggest for n in graph.nodes],
        node_color="tab:orange",
        alpha=0.8,
    )
    nx.draw_networkx_labels(graph, pos, ax=ax, font_size=7)
    return ax


def _top_edges(edges: pd.DataFrame, top: int) -> pd.DataFrame:
    """The `top` heaviest edges of each period."""
    ordered = edges.sort_values(["period", "weight"], ascending=[True, False], kind="stable")
    return ordered.groupby("period", sort=True).head(top)


def network_layout(
    edges: pd.DataFrame, top: int = 30, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """Node positions for every period at once: one spring layout of the union of each
    period's `top` heaviest edges (Warehouse.network()), so an actor stays where it was."""
    import networkx as nx

    graph = nx.Graph()
    for row in _top_edges(edges, top).itertuples(index=False):
        old = graph.get_edge_data(row.source, row.target, {"weight": 0.0})["weight"]
        graph.add_edge(row.source, row.target, weight=old + float(row.weight))
    if graph.number_of_nodes() == 0:
        return {}
    pos = nx.spring_layout(graph, seed=seed, weight="weight")
    return {str(n): (float(xy[0]), float(xy[1])) for n, xy in pos.items()}


def plot_network_periods(
    edges: pd.DataFrame,
    periods: list[int] | None = None,
    top: int = 30,
    seed: int = 0,
    ncols: int = 3,
    panel_size: float = 4.0,
    positions: dict[str, tuple[float, float]] | None = None,
    directed: bool | None = None,
) -> object:
    """Small multiples: the actor network of each period, nodes at the same place in every
    panel (network_layout), sized by weighted degree, labelled with the actors' names.

    Takes the DataFrame of Warehouse.network(); returns the matplotlib Figure (its
    `network_positions` attribute holds the positions used).
    """
    import matplotlib.pyplot as plt
    import networkx as nx

    chosen = sorted(edges["period"].unique()) if periods is None else list(periods)
    n = max(len(chosen), 1)
    cols = min(ncols, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(panel_size * cols, panel_size * rows))
    flat = np.atleast_1d(axes).ravel()
    pos = positions if positions is not None else network_layout(edges, top, seed)
    if directed is None:  # Warehouse.network() says; co-mention edges always have source < target
        directed = bool(
            edges.attrs.get("directed", edges.empty or (edges["source"] > edges["target"]).any())
        )
    cut = _top_edges(edges, top)
    names = dict(zip(edges["source"], edges["source_name"], strict=True)) | dict(
        zip(edges["target"], edges["target_name"], strict=True)
    )
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    for ax in flat:
        ax.set_axis_off()
    if not chosen:
        flat[0].text(0.5, 0.5, "no edges", ha="center", va="center", transform=flat[0].transAxes)
    for ax, period in zip(flat, chosen, strict=False):
        part = cut[cut["period"] == period]
        graph: nx.Graph = nx.DiGraph() if directed else nx.Graph()
        for row in part.itertuples(index=False):
            graph.add_edge(row.source, row.target, weight=float(row.weight))
        ax.set_title(str(period), fontsize="medium")
        ax.set_xlim(min(xs) - 0.15, max(xs) + 0.15)
        ax.set_ylim(min(ys) - 0.15, max(ys) + 0.15)
        if graph.number_of_nodes() == 0:
            continue
        nodes = [v for v in graph.nodes if v in pos]
        strength = dict(graph.degree(weight="weight"))
        biggest = max(strength.values())
        heaviest = max(d["weight"] for _, _, d in graph.edges(data=True))
        widths = [0.5 + 3.0 * d["weight"] / heaviest for _, _, d in graph.edges(data=True)]
        nx.draw_networkx_edges(graph, pos, ax=ax, width=widths, alpha=0.4, arrows=directed)
        nx.draw_networkx_nodes(
            graph,
            pos,
            nodelist=nodes,
            ax=ax,
            node_size=[40 + 500 * strength[v] / biggest for v in nodes],
            node_color="tab:orange",
            alpha=0.8,
        )
        nx.draw_networkx_labels(
            graph, pos, labels={v: str(names.get(v, v)) for v in nodes}, ax=ax, font_size=6
        )
    fig.network_positions = pos  # type: ignore[attr-defined]
    fig.tight_layout()
    return fig


def plot_centrality(
    table: pd.DataFrame,
    measure: str = "pagerank",
    top: int = 8,
    actors: list[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """One line per actor: its centrality `measure` over periods (Warehouse.network_centrality()).

    The `top` actors by their highest value in any period, unless `actors` (ids) are given; a
    period where an actor has no edge is 0, not a gap (it was in no relation then).
    """
    ax = get_axes(ax)
    if table.empty:
        ax.text(0.5, 0.5, "no network", ha="center", va="center", transform=ax.transAxes)
        return ax
    wide = table.pivot_table(index="period", columns="actor_id", values=measure, aggfunc="sum")
    wide = wide.reindex(period_grid(table["period"])).fillna(0.0)
    chosen = actors or list(wide.max().sort_values(ascending=False, kind="stable").index[:top])
    names = table.drop_duplicates("actor_id").set_index("actor_id")["name"]
    x = wide.index.to_numpy(dtype=float)
    for actor in chosen:
        if actor not in wide.columns:
            continue
        ax.plot(
            x, wide[actor].to_numpy(dtype=float), marker="o", markersize=3,
            label=str(names.get(actor, actor)),
        )  # fmt: skip
    ax.set_xlabel("period (first year)")
    ax.set_ylabel(measure.replace("_", " "))
    ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


def plot_descriptors(
    df: pd.DataFrame,
    relation: str = "amod",
    top: int = 8,
    measure: str = "llr",
    fig_width: float = 3.2,
) -> object:
    """Descriptor profiles per period: one panel per period, the `top` descriptors of one
    relation as horizontal bars of `measure`, each labelled with its count and share CI.

    Takes the DataFrame of Warehouse.describe(); returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    rows = df[df["relation"] == relation] if "relation" in df.columns else df.iloc[0:0]
    periods = sorted(rows["period"].dropna().unique())
    if not periods:
        fig, ax = plt.subplots(figsize=(6, 2))
        ax.text(0.5, 0.5, f"no {relation} descriptor", ha="center", va="center")
        ax.set_axis_off()
        return fig
    fig, axes = plt.subplots(
        1, len(periods), figsize=(fig_width * len(periods), 0.45 * top + 1.2), squeeze=False
    )
    for ax, period in zip(axes[0], periods, strict=True):
        part = rows[rows["period"] == period].nlargest(top, measure).iloc[::-1]
        y = np.arange(len(part))
        ax.barh(y, part[measure].to_numpy(dtype=float), color="tab:blue", alpha=0.7)
        ax.set_yticks(y, part["descriptor"].tolist())
        for yi, r in zip(y, part.itertuples(), strict=True):
            ax.annotate(
                f" {r.count} ({r.ci_low:.0%}-{r.ci_high:.0%})",
                (0, yi),
                va="center",
                fontsize=7,
                color="black",
            )
        ax.set_title(f"{int(period)}")
        ax.set_xlabel(measure)
    fig.suptitle(f"{relation}: descriptors per period")
    fig.tight_layout()
    return fig


def plot_composition(
    df: pd.DataFrame, y: str = "n_alpha", ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Corpus composition as stacked bars: `y` (n_alpha, n_tokens, n_docs) per period, one
    segment per value of the split columns (kind x language by default).

    Takes the DataFrame of Warehouse.composition() or a timeline's attrs["composition"].
    """
    ax = get_axes(ax)
    splits = [c for c in df.columns if c in SPLIT_COLUMNS]
    if df.empty:
        ax.text(0.5, 0.5, "no dated document", ha="center", va="center")
        ax.set_axis_off()
        return ax
    label = (
        df[splits].fillna("?").astype(str).agg(" / ".join, axis=1)
        if splits
        else pd.Series("all", index=df.index)
    )
    table = (
        df.assign(segment=label)
        .pivot_table(index="period", columns="segment", values=y, aggfunc="sum", fill_value=0)
        .reindex(period_grid(df["period"]), fill_value=0)
    )
    periods = table.index.to_numpy()
    width = 0.8 * (int(np.diff(periods).min()) if len(periods) > 1 else 1)
    bottom = np.zeros(len(table))
    for segment in table.columns:
        values = table[segment].to_numpy(dtype=float)
        ax.bar(periods, values, width=width, bottom=bottom, label=str(segment), align="edge")
        bottom += values
    ax.set_xlabel("period")
    ax.set_ylabel(y)
    ax.set_title(title or f"corpus composition ({y})")
    ax.legend(fontsize=8, title=" / ".join(splits) or None)
    return ax
