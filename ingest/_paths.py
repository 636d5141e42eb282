"""Provenance paths shared by the adapters and the ingest stage."""

from __future__ import annotations

import os
from pathlib import Path


def relative_source(path: Path, root: Path) -> str:
    """`path` relative to the collection root's parent, so it starts with the collection folder."""
    try:
        return Path(os.path.relpath(path, root.parent)).as_posix()
    except ValueError:  # another drive (Windows): keep the full path
        return Path(path).as_posix()
