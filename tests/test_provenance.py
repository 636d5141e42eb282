"""pipeline_version in every row follows the package version in pyproject.toml (issue 20)."""

from __future__ import annotations

import tomllib

from ingest.record import PIPELINE_VERSION, Record
from tests.conftest import ROOT


def test_pipeline_version_is_the_package_version() -> None:
    with (ROOT / "pyproject.toml").open("rb") as f:
        version = tomllib.load(f)["project"]["version"]
    assert version == PIPELINE_VERSION
    record = Record(doc_id="c:1", collection="c", kind="book", text="x").finalize()
    assert record.pipeline_version == version
