"""Start-up benchmark: `hepgraph ask` / `search` from a fresh process, and the UI's first question.

    HF_HUB_OFFLINE=1 python benchmarks/startup.py --home /tmp/hepgraph-full [--baseline REV] [--ui]

For each command it runs ``python -m hepgraph --home HOME <command> QUESTION`` ``--runs`` times (default 5)
and reports the median wall time, then runs it ``--stage-runs`` times under ``startup_stages.py`` for the
median time of each part (imports, embedding model, vocabulary, spaCy, graph view, BM25 index, walk,
writer). Caches are warmed by one untimed run first: the targets are for a store whose model and index
caches are already on disk. ``--ui`` starts ``hepgraph ui``, waits until the server reports healthy, asks
in headless Chromium and times until the sources are shown.

``--baseline REV`` installs that revision of the repository (``pip install --no-deps --target``, from a git
worktree) into a temporary folder and measures it in the same run, printed beside the working tree. Use a
quiet machine: every number is wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
# Children run from a neutral folder: from the checkout, `python -m hepgraph` would import the working
# tree's hepgraph/ (the current directory comes first on sys.path) instead of the revision measured.
NEUTRAL = Path(tempfile.gettempdir())
HERE = Path(__file__).resolve().parent
QUESTION = "Could training on adversarial examples hurt sensitivity to rare BSM signals?"
STAGES = (
    "imports before the command",
    "imports inside the command",
    "embedding model",
    "vocabulary",
    "spaCy pipeline",
    "concept matcher",
    "concept vectors",
    "graph view",
    "BM25 index",
    "retrieve + walk",
    "writer",
)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _env(pythonpath: Path | None) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"ANTHROPIC_API_KEY", "HEPGRAPH_ANTHROPIC_API_KEY"}
    }
    env["HF_HUB_OFFLINE"] = "1"
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env


def wall(home: Path, command: str, env: dict[str, str]) -> float:
    """Seconds from spawn to exit of one ``python -m hepgraph`` run."""
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "hepgraph", "--home", str(home), command, QUESTION],
        env=env,
        cwd=NEUTRAL,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def stages(home: Path, command: str, env: dict[str, str]) -> dict[str, float]:
    """Seconds per part of one run under startup_stages.py (see its docstring for what each part holds)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        spawned = time.time()
        subprocess.run(
            [
                sys.executable,
                str(HERE / "startup_stages.py"),
                out.name,
                "--home",
                str(home),
                command,
                QUESTION,
            ],
            env=env,
            cwd=NEUTRAL,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ended = time.time()
        report = json.loads(Path(out.name).read_text(encoding="utf-8"))
    parts = {"interpreter start": report["marks"]["process"] - spawned}
    parts.update({name: report["stages"].get(name, 0.0) for name in STAGES})
    parts["total"] = ended - spawned
    parts["other"] = parts["total"] - sum(parts[name] for name in ("interpreter start", *STAGES))
    return parts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:  # noqa: S310
                if r.status == 200:  # noqa: PLR2004 - HTTP OK
                    return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise
            time.sleep(0.05)


def ui_first_question(home: Path, env: dict[str, str]) -> tuple[float, float]:
    """(seconds from healthy server to sources shown, of which after Enter) for a fresh `hepgraph ui`.

    The browser is started before the server, as a user's browser is already open.
    """
    from playwright.sync_api import sync_playwright

    port = _free_port()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        page = browser.new_page()
        proc = subprocess.Popen(
            [sys.executable, "-m", "hepgraph", "--home", str(home), "ui", "--port", str(port)],
            env=env,
            cwd=NEUTRAL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_healthy(port, proc)
            ready = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
            box = page.get_by_role("textbox", name="Ask the archive")
            box.fill(QUESTION)
            asked = time.perf_counter()
            box.press("Enter")
            page.get_by_text("Sources (").first.wait_for(timeout=300_000)
            shown = time.perf_counter()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            browser.close()
    return shown - ready, shown - asked


@contextmanager
def installed(rev: str):  # noqa: ANN201 - yields the folder to put on PYTHONPATH
    """Revision ``rev`` of this repository, pip-installed (no dependencies) into a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="hepgraph-baseline-") as tmp:
        tree, site = Path(tmp) / "tree", Path(tmp) / "site"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), rev], check=True)
        try:
            subprocess.run(
                [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                 "--target", str(site), str(tree)],
                check=True,
            )  # fmt: skip
            yield site
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=True)


def measure(home: Path, env: dict[str, str], runs: int, stage_runs: int, ui: int) -> dict:
    """Median wall and median parts of `ask` and `search` (and the UI's first question)."""
    result: dict = {}
    for command in ("ask", "search"):
        wall(home, command, env)  # warm: caches written by a first run are not what is measured
        walls = [wall(home, command, env) for _ in range(runs)]
        parts = [stages(home, command, env) for _ in range(stage_runs)]
        result[command] = {
            "wall": statistics.median(walls),
            "walls": walls,
            "parts": {k: statistics.median(p[k] for p in parts) for k in parts[0]},
        }
    if ui:
        firsts = [ui_first_question(home, env) for _ in range(ui)]
        result["ui"] = {
            "after_ready": statistics.median(f[0] for f in firsts),
            "after_enter": statistics.median(f[1] for f in firsts),
        }
    return result


def table(results: dict[str, dict]) -> Table:
    """One column per measured tree and command; parts first, wall time last."""
    out = Table(title="hepgraph start-up, seconds (median)")
    out.add_column("part")
    columns = [(name, command) for name in results for command in ("ask", "search")]
    for name, command in columns:
        out.add_column(f"{command} ({name})", justify="right")
    labels = {
        "other": "other (retriever set-up, printing, exit)",
        "total": "total under the stage timer",
    }
    for part in ("interpreter start", *STAGES, "other", "total"):
        label = labels.get(part, part)
        out.add_row(label, *(f"{results[n][c]['parts'][part]:.2f}" for n, c in columns))
    out.add_row("[b]wall, fresh process[/b]", *(f"[b]{results[n][c]['wall']:.2f}[/b]" for n, c in columns))
    if all("ui" in r for r in results.values()):
        out.add_row(
            "UI: ready -> sources shown",
            *(f"{results[n]['ui']['after_ready']:.2f}" if c == "ask" else "" for n, c in columns),
        )
        out.add_row(
            "UI: Enter -> sources shown",
            *(f"{results[n]['ui']['after_enter']:.2f}" if c == "ask" else "" for n, c in columns),
        )
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="a built store (the full corpus)")
    parser.add_argument("--baseline", help="a git revision to measure beside the working tree")
    parser.add_argument("--runs", type=int, default=5, help="timed fresh processes per command")
    parser.add_argument("--stage-runs", type=int, default=3, help="runs under the stage timer per command")
    parser.add_argument("--ui", type=int, default=0, metavar="N", help="time the UI's first question N times")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    results: dict[str, dict] = {}
    with ExitStack() as stack:
        if args.baseline:
            site = stack.enter_context(installed(args.baseline))
            results[f"{args.baseline}"] = measure(args.home, _env(site), args.runs, args.stage_runs, args.ui)
        results["now"] = measure(args.home, _env(None), args.runs, args.stage_runs, args.ui)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        Console(width=160).print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
