"""A `hepgraph ingest` killed with SIGKILL half-way and started again ends with the uninterrupted store."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.corpus]

# Everything a reader of the store sees, as sets of rows: equal sets mean equal stores.
_TABLES = {
    "papers": "SELECT key, hash FROM papers",
    "records": "SELECT origin, rkey, paper_key, hash FROM records",
    "paper_ids": "SELECT id, key FROM paper_ids",
    "wrote": "SELECT author_key, paper_key, position FROM wrote",
    "citations": "SELECT citing, cited FROM citations",
    "external_works": "SELECT key, title, categories FROM external_works",
}


def _inputs(corpus: Path) -> list[str]:
    # The ML snapshot merges with the HEPML bibliography; the edge list adds ~138k citations.
    return [
        str(corpus / "arxiv-ml.jsonl"),
        str(corpus / "HEPML.bib"),
        str(corpus / "citations" / "edges.tsv"),
    ]


def _cmd(home: Path, inputs: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "hepgraph.ui",
        "--home",
        str(home),
        "ingest",
        "--on-error",
        "skip",
        "--batch-size",
        "50",
        *inputs,
    ]


def _papers(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT count(*) FROM papers").fetchone()[0]
    except sqlite3.Error:  # schema not created yet
        return 0


def _content(db: Path) -> dict[str, set[tuple]]:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        content = {name: set(conn.execute(sql)) for name, sql in _TABLES.items()}
        for name, sql in _TABLES.items():  # a set hides duplicates; the row counts must match too
            assert conn.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0] == len(content[name]), name
    return content


def test_sigkill_mid_ingest_then_rerun_equals_uninterrupted_build(corpus_dir: Path, tmp_path: Path) -> None:
    inputs = _inputs(corpus_dir)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    killed_home, clean_home = tmp_path / "killed", tmp_path / "clean"
    db = killed_home / "hepgraph.sqlite"
    seed = random.randrange(1 << 30)
    delay = random.Random(seed).uniform(0.0, 2.0)
    proc = subprocess.Popen(
        _cmd(killed_home, inputs), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        while _papers(db) == 0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)  # wait until it has committed a first batch
        time.sleep(delay)
        assert proc.poll() is None, f"ingest ended before the kill (seed {seed}); {proc.stderr.read()!r}"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    partial = _papers(db)
    assert partial > 0

    resumed = subprocess.run(_cmd(killed_home, inputs), env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    clean = subprocess.run(_cmd(clean_home, inputs), env=env, capture_output=True, text=True, timeout=600)
    assert clean.returncode == 0, clean.stderr

    got, want = _content(db), _content(clean_home / "hepgraph.sqlite")
    assert len(want["papers"]) > 3000 and len(want["citations"]) > 130_000
    for name in _TABLES:
        assert got[name] == want[name], f"{name} differs after kill at {partial} papers (seed {seed})"
