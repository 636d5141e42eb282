"""Source-format adapters: one module per format, each exposing `find` and `parse`.

An adapter module is any module in this package that defines both functions::

    def find(root: Path, **options) -> Iterator[Path]: ...  # units to parse (files or folders)
    def parse(path: Path, *, root: Path, collection: str, kind: str, **options)
        -> Iterator[Record | Page | Reject]: ...

`parse` raises `SourceError` when the whole unit is unusable and yields `Reject` for a part of
it (a missing page, one bad record). `OPTIONS` (a dict of option name -> default) lists the
options a format accepts, so a typo in params.yaml fails at once.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType

from ingest.record import Page, Record, Reject, SourceError

__all__ = [
    "Page",
    "Record",
    "Reject",
    "SourceError",
    "UnknownFormat",
    "available_formats",
    "get_adapter",
]

_HELPERS = {"record", "dates", "language"}


class UnknownFormat(ValueError):
    """A collection names a format no adapter implements."""


@cache
def available_formats() -> tuple[str, ...]:
    """Names of the adapter modules in this package, found by inspection (no hand-kept list)."""
    names = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name in _HELPERS:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if callable(getattr(module, "find", None)) and callable(getattr(module, "parse", None)):
            names.append(info.name)
    return tuple(sorted(names))


def get_adapter(fmt: str) -> ModuleType:
    """Return the adapter module for `fmt`, or fail naming the valid formats."""
    if fmt not in available_formats():
        raise UnknownFormat(f"unknown format {fmt!r}; available: {', '.join(available_formats())}")
    return importlib.import_module(f"{__name__}.{fmt}")
