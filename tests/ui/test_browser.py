"""A real browser: start `hepgraph ui`, ask in headless Chromium, check what a user sees.

Needs Debian's chromium (/usr/bin/chromium) and the `playwright` package (its driver ships in the wheel;
no browser download). .ci/run installs chromium and sets HEPGRAPH_REQUIRE_BROWSER=1, so CI cannot skip it.
The screenshot goes to $HEPGRAPH_SCREENSHOT_OUT when set (README's docs/ask.png is made that way).
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
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

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


def test_ask_in_headless_chromium(sample_home: Path, tmp_path: Path) -> None:
    """Ask in headless Chromium: answer, 8 sources, a drawn subgraph, no outside request."""
    _need_browser()
    from playwright.sync_api import sync_playwright

    port = _free_port()
    hepgraph = Path(sys.executable).parent / "hepgraph"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    for name in ("ANTHROPIC_API_KEY", "HEPGRAPH_ANTHROPIC_API_KEY"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [str(hepgraph), "--home", str(sample_home), "ui", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1200})
            external: list[str] = []
            page.on("request", lambda r: None if _is_local(r.url) else external.append(r.url))
            page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
            box = page.get_by_role("textbox", name="Ask the archive")
            box.fill(QUESTION)
            box.press("Enter")
            page.get_by_text("Sources (8)").wait_for(timeout=400_000)
            chart = page.locator(".vega-embed").first
            chart.wait_for(timeout=60_000)
            box.evaluate("el => el.blur()")  # the screenshot shows the page, not a focused input
            page.wait_for_timeout(2000)  # let Vega finish its first paint before reading pixels
            body = page.inner_text("body")
            marks = _drawn_marks(page)
            n_labels, overlaps = label_overlaps(page)
            chart_png = chart.screenshot()
            # Streamlit scrolls inside its main block, so grow the viewport to the content for a full shot.
            height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
            page.set_viewport_size({"width": 1440, "height": min(int(height) + 40, 4000)})
            page.wait_for_timeout(1500)
            shot = page.screenshot(full_page=True)
            url = page.url
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    out = Path(os.environ.get("HEPGRAPH_SCREENSHOT_OUT", tmp_path / "ask.png"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(shot)
    assert "Written by offline extractive writer" in body
    assert re.findall(r"\[(\d{4}\.\d{4,5})\]", body), "the answer carries inline [arXiv id] citations"
    sources = re.findall(r"^\d{1,3}% · [\w.\-]+ · .+ · (?:19|20)\d\d$", body, flags=re.M)
    assert len(sources) == 8, f"eight sources in the '62% · hep-ph · title · year' style: {sources}"
    assert "Not in the archive." in body
    assert "source paper" in body, "the graph has a legend"
    assert marks > 0 or _non_blank(chart_png) > 0.01, "the cited subgraph is drawn"
    assert n_labels >= 5, "the subgraph's labels are SVG text the test can measure"
    assert overlaps == [], f"labels drawn over each other: {overlaps}"
    assert "q=" in url, "the asked question is in the URL"
    assert external == [], f"the page fetched from the network: {external[:3]}"
