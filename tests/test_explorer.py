"""`longue explore` driven in a real headless browser: Debian's chromium through Playwright.

The server is the real command (`python -m pipeline.cli explore`) in a subprocess, over the
fixture warehouse (tests/warehouse_fixture.py). Each step writes a screenshot under the test's
tmp folder (`<tmp>/screenshots/NN-step.png`). Skipped, with the reason, when chromium or
Playwright is not installed (scripts/setup.sh installs both).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from warehouse_fixture import make_fixture_warehouse  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

if not Path(CHROMIUM).exists():
    pytest.skip(
        "chromium is not installed (apt-get install chromium; scripts/setup.sh does it)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
)

pytestmark = pytest.mark.timeout(300)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, first lines the command printed) of `longue explore` on a free port."""
    fx = make_fixture_warehouse(tmp_path_factory.mktemp("explorer-wh"))
    port = free_port()
    log = tmp_path_factory.mktemp("explorer-log") / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pipeline.cli",
                "explore",
                "--warehouse",
                str(fx.db_path),
                "--port",
                str(port),
                "--raw",
                str(ROOT / "data" / "raw"),
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"longue explore exited: {log.read_text()}")
            try:
                if get(base + "/api/meta")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"longue explore did not answer in 120 s: {log.read_text()}")
            time.sleep(0.3)
        yield base, log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


class Steps:
    """A page with a numbered screenshot per step and the page's script errors collected."""

    def __init__(self, browser: object, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": 1300, "height": 1000}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.n = 0

    def shot(self, name: str) -> Path:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def wait(self, what: str, state: str = "ready") -> None:
        self.page.wait_for_selector(f"body[data-{what}='{state}']", timeout=60_000)


@pytest.fixture
def steps(browser: object, tmp_path: Path) -> Iterator[Steps]:
    s = Steps(browser, tmp_path / "screenshots")
    yield s
    s.context.close()
    assert not s.errors, s.errors


def point_index(steps: Steps, *parts: str) -> int:
    points = steps.page.locator("#chart g.mark-symbol path")
    labels = [points.nth(i).get_attribute("aria-label") or "" for i in range(points.count())]
    for i, label in enumerate(labels):
        if all(p in label for p in parts):
            return i
    raise AssertionError(f"no point with {parts} among {labels}")


def test_command_prints_its_address(server: tuple[str, str]) -> None:
    base, printed = server
    assert f"open {base}/ in a browser" in printed
    assert "read-only" in printed


def test_from_a_term_to_the_document_and_csv(server: tuple[str, str], steps: Steps) -> None:
    base, _ = server
    page = steps.page
    page.goto(base + "/")
    steps.wait("ready", "1")
    steps.shot("opened")

    # type terms, see the curves (one unknown word: its note is shown, not a silent zero)
    page.fill("#terms", "war, liberty, zzzqx")
    page.select_option("#split", "kind")
    page.click("#run")
    steps.wait("timeline")
    steps.shot("curve")
    assert page.locator("#chart g.mark-symbol path").count() > 10
    assert page.locator("#chart g.mark-area path").count() >= 1  # the CI band
    assert "never occurs" in page.locator("#notes").inner_text()
    assert page.locator("#composition g.mark-rect path").count() > 0
    url = page.url
    assert "term=war" in url and "term=liberty" in url and "split=kind" in url

    # click the 1890s cable point of "war": that period's KWIC lines
    page.locator("#chart g.mark-symbol path").nth(
        point_index(steps, "term: war", "from: 1890", "kind: cable")
    ).click()
    steps.wait("kwic")
    steps.shot("kwic")
    lines = page.locator("#kwic-table tr.clickable")
    assert lines.count() >= 5
    for i in range(lines.count()):
        cells = lines.nth(i).locator("td")
        assert cells.nth(0).inner_text() == "1894"  # year, inside 1890-1899
        assert cells.nth(1).inner_text() == "cable"
        assert cells.nth(4).inner_text().lower() == "war"
    assert "k_start=1890" in page.url and "k_value=cable" in page.url

    # a line opens the document: metadata, provenance, the passage marked in the text
    lines.first.click()
    steps.wait("document")
    steps.shot("document")
    fields = page.locator("#doc-fields").inner_text()
    assert "frus:frus1894Nicaragua" in fields
    assert "January 25, 1894" in fields and "1894-01-25" in fields
    assert "frus/frus1894Nicaragua.xml" in fields
    assert re.search(r"\b[0-9a-f]{64}\b", fields)
    assert page.locator("#doc-text mark").inner_text().lower() == "war"

    # the KWIC table downloads as CSV with the lines shown
    with page.expect_download() as info:
        page.click("#csv-kwic")
    download = info.value
    saved = steps.folder / download.suggested_filename
    download.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert len(rows) == lines.count()
    assert {r["year"] for r in rows} == {"1894"} and {r["match"].lower() for r in rows} == {"war"}
    # and so does the chart's data
    with page.expect_download() as info:
        page.click("#csv-timeline")
    timeline = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
    assert {"term", "period", "per_million", "ci_low", "ci_high", "ocr_confidence"} <= set(
        timeline[0]
    )
    steps.shot("downloaded")

    # the URL holds the whole view: opened afresh, it shows the same curve, lines and document
    shared = page.url
    other = steps.context.new_page()
    other.goto(shared)
    other.wait_for_selector("body[data-document='ready']", timeout=60_000)
    assert other.locator("#kwic-table tr.clickable").count() == lines.count()
    assert other.locator("#doc-text mark").inner_text().lower() == "war"
    other.screenshot(path=str(steps.folder / "05-shared-url.png"), full_page=True)


def test_a_newspaper_word_on_its_alto_page(server: tuple[str, str], steps: Steps) -> None:
    base, _ = server
    page = steps.page
    page.goto(base + "/?term=gazette&by=decade")
    steps.wait("timeline")
    page.locator("#chart g.mark-symbol path").nth(point_index(steps, "from: 1850")).click()
    steps.wait("kwic")
    press = page.locator("#kwic-table tr.clickable", has_text="Luxemburger")
    assert press.count() >= 1
    press.first.click()
    steps.wait("document")
    steps.shot("alto-page")
    passage = page.locator(".page.passage")
    assert passage.count() == 1
    assert passage.locator(".word-box").count() == 1  # the box read from the ALTO file
    assert "word box read from" in passage.inner_text()
    assert ".tif" in passage.inner_text()  # the image's path (the sample has no image files)
    assert "OCR confidence" in page.locator("#doc-fields").inner_text()


def test_errors_are_messages_never_a_blank_chart(server: tuple[str, str], steps: Steps) -> None:
    base, _ = server
    page = steps.page
    page.goto(base + "/")
    steps.wait("ready", "1")
    page.fill("#terms", '"one two three four five six"')
    page.click("#run")
    steps.wait("timeline", "error")
    steps.shot("term-error")
    error = page.locator("#error")
    assert error.is_visible()
    assert "up to 5 tokens" in error.inner_text()
    assert page.locator("#chart svg").count() == 0


def test_models_tab(server: tuple[str, str], steps: Steps) -> None:
    base, _ = server
    page = steps.page
    page.goto(base + "/?tab=models&word=war")
    steps.wait("ready", "1")
    page.wait_for_selector("#topics-chart svg", timeout=60_000)
    page.wait_for_selector("#actors-table tr.clickable, #actors-table tbody tr", timeout=60_000)
    steps.shot("models")
    # the fixture has topics and actors but no embeddings: said, not left blank
    assert "embeddings stage has not run" in page.locator("#neighbours-notes").inner_text()
    assert page.locator("#actors-table tbody tr").count() > 0
    # the network of the 1890s: the FRUS Nicaragua cables' senders and recipients
    page.fill("#net-start", "1890")
    page.fill("#net-end", "1899")
    page.click("#network-form button")
    page.wait_for_selector("#network-table tbody tr", timeout=60_000)
    steps.shot("network")
    assert "Gresham" in page.locator("#network-table").inner_text()
    assert "n_start=1890" in page.url


def test_api_refuses_what_it_does_not_know(server: tuple[str, str]) -> None:
    base, _ = server
    status, _, body = get(base + "/api/sql?query=SELECT%201")
    assert status == 400 and "no view 'sql'" in json.loads(body)["error"]
    status, _, body = get(base + "/api/timeline?term=war&by=fortnight")
    assert status == 400 and "by='fortnight'" in json.loads(body)["error"]
    status, _, body = get(base + "/api/kwic?term=war&start=1890")
    assert status == 400
    status, _, body = get(base + "/api/timeline?term=war&split=title")
    assert status == 400
    status, _, body = get(base + "/api/page-image?doc_id=x&page=../../etc/passwd")
    assert status == 404
    status, headers, body = get(base + "/api/timeline?term=war&format=csv")
    assert status == 200 and "attachment" in headers["content-disposition"]
    assert body.decode().startswith("term,period,")
