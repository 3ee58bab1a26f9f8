"""A real browser: start `hepgraph ui`, ask in headless Chromium, check what a user sees.

Needs Debian's chromium (/usr/bin/chromium) and the `playwright` package (its driver ships in the wheel;
no browser download). .ci/run installs chromium and sets HEPGRAPH_REQUIRE_BROWSER=1, so CI cannot skip it.
Screenshots of every page go to $HEPGRAPH_SCREENSHOT_DIR when set, and $HEPGRAPH_BROWSER_HOME runs the
tests on another store (the README's docs/*.png are the full corpus store's, made that way).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlparse

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]
QUESTION = "Could training on adversarial examples hurt sensitivity to rare BSM signals?"


def _need_browser() -> None:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append("Debian chromium (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("the playwright package")
    if missing:
        reason = "browser test needs " + " and ".join(missing)
        if os.environ.get("HEPGRAPH_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            msg = f"hepgraph ui exited with {proc.returncode}"
            raise AssertionError(msg)
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 (localhost only)
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    msg = f"the UI did not become healthy at {url}"
    raise AssertionError(msg)


def _non_blank(png: bytes) -> float:
    """Share of pixels that differ from the most common (background) colour."""
    from collections import Counter

    from PIL import Image

    counts = Counter(Image.open(io.BytesIO(png)).convert("RGB").getdata())
    total = sum(counts.values())
    return 1 - counts.most_common(1)[0][1] / total


def _is_local(url: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    return urlparse(url).hostname in {"127.0.0.1", "localhost"}


def _drawn_marks(page: Page) -> int:
    """Marks Vega drew as SVG paths, or 0 when it drew to a canvas (then pixels are checked)."""
    return int(page.locator(".vega-embed svg .mark-symbol path").count())


# Every text label Vega drew as a data mark (legend and axis text excluded), as rendered boxes.
_LABEL_BOXES = """() => [...document.querySelectorAll('.vega-embed svg g.mark-text.role-mark text')]
    .filter(t => t.textContent.trim())
    .map(t => { const r = t.getBoundingClientRect();
                return {text: t.textContent, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; })"""


def label_overlaps(page: Page) -> tuple[int, list[tuple[str, str]]]:
    """How many chart labels the browser rendered, and the pairs whose boxes overlap (1 px tolerance)."""
    boxes = page.evaluate(_LABEL_BOXES)
    pairs = [
        (a["text"], b["text"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a["x0"] + 1 < b["x1"] and b["x0"] + 1 < a["x1"] and a["y0"] + 1 < b["y1"] and b["y0"] + 1 < a["y1"]
    ]
    return len(boxes), pairs


@pytest.fixture(scope="module")
def ui_url(sample_home: Path) -> Iterator[str]:
    """`hepgraph ui` on the sample graph (or on $HEPGRAPH_BROWSER_HOME, for the README's screenshots)."""
    _need_browser()
    home = os.environ.get("HEPGRAPH_BROWSER_HOME") or str(sample_home)
    port = _free_port()
    hepgraph = Path(sys.executable).parent / "hepgraph"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    for name in ("ANTHROPIC_API_KEY", "HEPGRAPH_ANTHROPIC_API_KEY"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [str(hepgraph), "--home", home, "ui", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def page(ui_url: str) -> Iterator[Page]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser.new_page(viewport={"width": 1440, "height": 1200})
        browser.close()


def _settle(page: Page) -> None:
    """Wait until Streamlit has finished running the page and Vega has painted."""
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=400_000)
    page.wait_for_timeout(1500)


def _full_shot(page: Page, name: str) -> bytes:
    """A screenshot of the whole page; also saved to $HEPGRAPH_SCREENSHOT_DIR/<name>.png when set."""
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1440, "height": min(int(height) + 40, 5000)})
    page.wait_for_timeout(1500)
    shot = page.screenshot(full_page=True)
    page.set_viewport_size({"width": 1440, "height": 1200})
    folder = os.environ.get("HEPGRAPH_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}.png").write_bytes(shot)
    return shot


def test_ask_in_headless_chromium(page: Page, ui_url: str) -> None:
    """Ask in Chromium: answer, 8 sources, a subgraph with no label over another, no outside request."""
    external: list[str] = []
    page.on("request", lambda r: None if _is_local(r.url) else external.append(r.url))
    page.goto(f"{ui_url}/", timeout=120_000)
    box = page.get_by_role("textbox", name="Ask the archive")
    box.fill(QUESTION)
    box.press("Enter")
    page.get_by_text("Sources (8)").wait_for(timeout=400_000)
    chart = page.locator(".vega-embed").first
    chart.wait_for(timeout=60_000)
    box.evaluate("el => el.blur()")  # the screenshot shows the page, not a focused input
    _settle(page)
    body = page.inner_text("body")
    marks = _drawn_marks(page)
    n_labels, overlaps = label_overlaps(page)
    chart_png = chart.screenshot()
    _full_shot(page, "ask")
    assert "Written by offline extractive writer" in body
    assert re.findall(r"\[(\d{4}\.\d{4,5})\]", body), "the answer carries inline [arXiv id] citations"
    sources = re.findall(r"^\d\. \d{1,3}% · [\w.\-]+ · (?:19|20)\d\d$", body, flags=re.M)
    assert len(sources) == 8, f"eight sources in the '1. 62% · hep-ph · 2024' style: {sources}"
    assert "source paper" in body, "the graph has a legend"
    assert marks > 0 or _non_blank(chart_png) > 0.01, "the cited subgraph is drawn"
    assert n_labels >= 5, "the subgraph's labels are SVG text the test can measure"
    assert overlaps == [], f"labels drawn over each other: {overlaps}"
    assert "q=" in page.url, "the asked question is in the URL"
    assert external == [], f"the page fetched from the network: {external[:3]}"


def _nonempty_cell(page: Page) -> Any:
    """A matrix cell with papers: Vega labels each mark for screen readers ('papers: 7')."""
    for cell in page.locator(".vega-embed svg g.mark-rect path").all():
        label = cell.get_attribute("aria-label") or ""
        found = re.search(r"papers: (\d+)", label)
        if found and int(found.group(1)) > 0:
            return cell, label
    msg = "no matrix cell with papers"
    raise AssertionError(msg)


def test_click_through_ask_source_paper_concept_matrix_ask(page: Page, ui_url: str) -> None:
    """Walk the graph by clicking: ask -> a source -> its paper page -> a concept -> a matrix cell -> ask."""
    page.goto(f"{ui_url}/?q={quote(QUESTION)}", timeout=120_000)
    page.get_by_text("Sources (8)").wait_for(timeout=400_000)
    _settle(page)
    main = page.locator("[data-testid=stMain]")
    first_source = main.locator("[data-testid=stPageLink] a").first
    title = first_source.inner_text().strip()
    first_source.click()
    page.wait_for_url(re.compile(r"/paper\?paper="), timeout=60_000)
    page.get_by_role("heading", name=title).wait_for(timeout=120_000)
    _settle(page)
    assert page.locator("a[href*='arxiv.org/abs/']").count() == 1, "arXiv is linked once, from the paper page"
    _full_shot(page, "paper")

    # Results as you type (no Enter): words of the title and the first author's surname.
    surname = main.locator("a[href*='author?author=']").first.inner_text().strip().split()[-1]
    words = " ".join(w for w in re.findall(r"[A-Za-z]{5,}", title)[:2])
    page.get_by_label("Find a paper", exact=True).and_(page.locator("input")).press_sequentially(
        f"{surname} {words}", delay=60
    )
    page.get_by_text(re.compile(r"\d+ (best )?matches")).wait_for(timeout=120_000)
    _settle(page)
    found = main.locator("a[href*='paper?paper=']").all_inner_texts()
    assert any(title in t for t in found), (surname, words, found[:3])
    _full_shot(page, "search")

    author = main.locator("a[href*='author?author=']").first
    author_name = author.inner_text().strip()
    author.click()
    page.wait_for_url(re.compile(r"/author\?author="), timeout=60_000)
    page.get_by_role("heading", name=author_name).wait_for(timeout=120_000)
    _settle(page)
    _full_shot(page, "author")
    page.go_back()
    page.get_by_role("heading", name=title).wait_for(timeout=120_000)
    _settle(page)

    concept = main.locator("a[href*='concept?concept=']").first
    concept_name = concept.inner_text().strip()
    concept.click()
    page.wait_for_url(re.compile(r"/concept\?concept="), timeout=60_000)
    page.get_by_role("heading", name=concept_name).wait_for(timeout=120_000)
    page.get_by_text("papers link it").wait_for(timeout=60_000)
    _settle(page)
    _full_shot(page, "concept")

    page.locator("[data-testid=stSidebarNav] a", has_text="Method × topic").click()
    page.wait_for_url(re.compile(r"/matrix"), timeout=60_000)
    page.locator(".vega-embed svg g.mark-rect path").first.wait_for(timeout=120_000)
    _settle(page)
    cell, label = _nonempty_cell(page)
    cell.click()
    page.get_by_text("papers link both").wait_for(timeout=120_000)
    _settle(page)
    method = re.search(r"method: ([^;]+)", label).group(1).strip()  # type: ignore[union-attr]
    assert page.locator("[data-testid=stMain] a[href*='paper?paper=']").count() > 0, "the cell lists papers"
    _full_shot(page, "matrix")

    page.get_by_role("button", name=re.compile("Ask about this")).click()
    page.wait_for_url(re.compile(r"[?&]seed="), timeout=120_000)
    page.get_by_text(re.compile(r"Sources \(\d+\)")).wait_for(timeout=400_000)
    _settle(page)
    asked = page.get_by_role("textbox", name="Ask the archive").input_value()
    assert method.lower() in asked.lower(), (method, asked)
    n_labels, overlaps = label_overlaps(page)
    assert n_labels > 0 and overlaps == [], overlaps


def test_console_graph_and_status_draw_every_label(page: Page, ui_url: str) -> None:
    """The console's graph tab (the other size the app draws a subgraph at) and Status keep labels apart."""
    from hepgraph.graph.console import EXAMPLE_QUERIES

    page.goto(f"{ui_url}/console", timeout=120_000)  # a deep link, the first request of this browser
    _settle(page)
    nav = [t.strip() for t in page.locator("[data-testid=stSidebarNav] a").all_inner_texts()]
    assert "Method × topic" in nav and "common" not in nav, f"a deep link runs the app's navigation: {nav}"
    editor = page.get_by_role("textbox", name="Cypher (read-only)")
    editor.fill(dict(EXAMPLE_QUERIES)["Concept hierarchy"])
    editor.press("Control+Enter")  # commit the text before Run reads it
    _settle(page)
    page.get_by_role("button", name="Run").click()
    page.get_by_role("tab", name=re.compile(r"Graph \(")).click()
    page.locator(".vega-embed svg g.mark-text.role-mark text").first.wait_for(timeout=120_000)
    _settle(page)
    n_labels, overlaps = label_overlaps(page)
    _full_shot(page, "console")
    assert n_labels > 0 and overlaps == [], overlaps
    page.goto(f"{ui_url}/status", timeout=120_000)
    page.locator(".vega-embed svg").first.wait_for(timeout=120_000)
    _settle(page)
    _full_shot(page, "status")
    axis_labels = page.evaluate(
        "() => [...document.querySelectorAll('.vega-embed svg g.role-axis-label text')]"
        ".map(t => t.textContent)"
    )
    for edge_type in ("CITES", "IS_A", "STUDIES", "USES_DATASET", "WROTE"):
        assert edge_type in axis_labels, (edge_type, axis_labels)
