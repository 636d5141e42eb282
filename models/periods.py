"""Time periods (decades, quarter-centuries, custom bins) that topics and embeddings are cut by.

Labels are inclusive year ranges ("1850-1899"), the form the warehouse tables carry.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# Named bins are aligned on multiples of their width: "century" is 1800-1899, not 1801-1900.
WIDTHS: dict[str, int] = {"decade": 10, "quarter-century": 25, "half-century": 50, "century": 100}


@dataclass(frozen=True)
class Period:
    """An inclusive span of years with its label."""

    label: str
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period {self.label!r}: end {self.end} is before start {self.start}")

    @classmethod
    def span(cls, start: int, end: int) -> Period:
        """A period labelled "start-end"."""
        return cls(f"{start}-{end}", start, end)


def make_periods(spec: str | Sequence[Sequence[int]], years: Iterable[int | None]) -> list[Period]:
    """Periods of `spec` that contain at least one of `years`, sorted by start.

    Args:
        spec: "decade", "quarter-century", "half-century", "century", or a list of
            [start, end] pairs (inclusive, non-overlapping) for custom bins.
        years: document years; None (undated documents) is ignored.
    """
    present = sorted({int(y) for y in years if y is not None})
    if isinstance(spec, str):
        if spec not in WIDTHS:
            raise ValueError(
                f"unknown period spec {spec!r}; use one of {', '.join(WIDTHS)} "
                "or a list of [start, end] pairs"
            )
        width = WIDTHS[spec]
        starts = sorted({y - y % width for y in present})
        return [Period.span(s, s + width - 1) for s in starts]
    bins = sorted((_parse_bin(b) for b in spec), key=lambda p: (p.start, p.end))
    for a, b in zip(bins, bins[1:], strict=False):
        if b.start <= a.end:
            raise ValueError(f"custom periods overlap: {a.label} and {b.label}")
    kept = [p for p in bins if any(p.start <= y <= p.end for y in present)]
    outside = [y for y in present if assign_period(y, bins) is None]
    if outside:
        logger.warning(
            "%d distinct years fall outside every custom period, e.g. %s", len(outside), outside[:5]
        )
    return kept


def _parse_bin(pair: Sequence[int]) -> Period:
    if isinstance(pair, Period):
        return pair
    if len(pair) != 2:
        raise ValueError(f"a custom period is a [start, end] pair, got {pair!r}")
    return Period.span(int(pair[0]), int(pair[1]))


def assign_period(year: int | None, periods: Sequence[Period]) -> str | None:
    """Label of the period containing `year`, or None (undated, or outside every period)."""
    if year is None:
        return None
    for p in periods:
        if p.start <= year <= p.end:
            return p.label
    return None
