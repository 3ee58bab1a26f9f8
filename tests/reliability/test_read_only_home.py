"""A built home on read-only media: reading commands work (caches stay in memory), writing ones say why not.

The home is made read-only for real: bind-mounted read-only in a private mount namespace (``unshare``),
because root, who runs CI here, writes through any ``chmod``; a non-root user without ``unshare``
falls back to ``chmod -R a-w``. The CLI runs in a subprocess inside that namespace.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hepgraph.caches import write_cache
from hepgraph.graph.lexical import LexicalIndex

_MOUNT_RO = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'


def _unshare() -> list[str]:
    return ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]


def _can_mount_read_only(folder: Path) -> bool:
    probe = [*_unshare(), "sh", "-c", _MOUNT_RO, str(folder), "touch", str(folder / "probe")]
    try:
        proc = subprocess.run(probe, capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return False
    return proc.returncode != 0 and "Read-only file system" in proc.stderr


@pytest.fixture
def ro_home(sample_home: Path, tmp_path: Path) -> Path:
    """A copy of the built sample store, no caches, read-only while the CLI runs in it (see run_ro)."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy2(sample_home / "hepgraph.sqlite", home / "hepgraph.sqlite")
    return home


def run_ro(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``hepgraph --home HOME ARGS`` with HOME read-only; skips where this machine cannot make it so."""
    cmd = [sys.executable, "-m", "hepgraph", "--home", str(home), *args]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    run = {
        "capture_output": True,
        "text": True,
        "env": env,
        "timeout": 600,
        "check": False,
        "cwd": home.parent,
    }
    if _can_mount_read_only(home):
        return subprocess.run([*_unshare(), "sh", "-c", _MOUNT_RO, str(home), *cmd], **run)
    if os.geteuid() == 0:
        pytest.skip(
            "root ignores chmod and `unshare -m` cannot bind-mount here: no way to make a home read-only"
        )
    subprocess.run(["chmod", "-R", "a-w", str(home)], check=True)
    try:
        return subprocess.run(cmd, **run)
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(home)], check=True)


def _listing(home: Path) -> dict[str, int]:
    return {str(p.relative_to(home)): p.stat().st_size for p in sorted(home.rglob("*"))}


def test_search_ask_stats_read_a_read_only_home(ro_home: Path) -> None:
    """Was: `cannot open graph store ...: unable to open database file` (WAL side files), then OSError 30."""
    before = _listing(ro_home)
    search = run_ro(ro_home, "search", "jet tagging", "--k", "3")
    assert search.returncode == 0, search.stderr
    assert "jet" in search.stdout.lower()
    assert "Traceback" not in search.stderr
    # One warning for all the caches it could not keep, naming the folder and what to do.
    assert search.stderr.count("WARNING") == 1, search.stderr
    assert "kept in memory" in search.stderr and str(ro_home) in search.stderr

    ask = run_ro(ro_home, "ask", "What is jet tagging?")
    assert ask.returncode == 0, ask.stderr
    assert "[" in ask.stdout and "Traceback" not in ask.stderr
    stats = run_ro(ro_home, "stats")
    assert stats.returncode == 0, stats.stderr
    assert "papers" in stats.stdout
    assert _listing(ro_home) == before  # nothing written: no cache folder, no -wal/-shm files


@pytest.mark.parametrize("command", [["build"], ["ingest"]])
def test_writing_commands_refuse_a_read_only_home_in_one_line(ro_home: Path, command: list[str]) -> None:
    """Was: `cannot open graph store ...: unable to open database file; check the path` (no fix given)."""
    sample = Path(__file__).resolve().parents[2] / "data" / "sample"
    proc = run_ro(ro_home, *command, str(sample))
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert str(ro_home) in lines[0] and "read-only" in lines[0] and "writable folder" in lines[0]


def test_unwritable_cache_is_kept_in_memory_and_said_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache folder that cannot be made (here: under a file) costs a rebuild, never the search."""
    monkeypatch.setattr("hepgraph.caches._told", False)
    blocker = tmp_path / "home"
    blocker.write_text("a file where the home's cache folder would be")
    with caplog.at_level(logging.DEBUG, logger="hepgraph.caches"):
        index = LexicalIndex.load_or_build(blocker / "cache", "h1", ["a", "b"], ["jet tagging", "flows"])
        assert not write_cache(blocker / "cache" / "x.npy", lambda p: p.write_bytes(b""), what="test")
    assert index.keys == ["a", "b"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, caplog.text
    assert "kept in memory" in warnings[0].getMessage()
