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
    keys = ["term"] + [c for c in SPLIT_COLUMNS if c in df.columns]
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
