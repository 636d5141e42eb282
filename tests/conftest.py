"""Shared fixtures: paths to the committed samples and to ../shared/corpora (optional)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "samples"
RAW = ROOT / "data" / "raw"
SHARED = ROOT.parent / "shared" / "corpora"
BENCH = ROOT.parent / "shared" / "bench"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/corpora, skipping the test when it is not there."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} not available (../shared is absent on this machine)")
    return p


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def raw() -> Path:
    return RAW
