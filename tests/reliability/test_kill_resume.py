"""SIGKILL `hepgraph build` at seeded random points, then resume: the store equals an uninterrupted build.

Also: a read-only reader (what the UI opens) polling the store during a build sees a consistent graph.
Runs the real console script in subprocesses on real input (the bundled sample plus a slice of the
real arXiv snapshot). tests/extract/test_kill_resume.py covers `hepgraph ingest`; this file covers `build`.
"""

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

from hepgraph.errors import GraphStoreError
from hepgraph.graph.embedded import EmbeddedStore

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
HEPGRAPH = Path(sys.executable).parent / "hepgraph"
KILLS = int(os.environ.get("HEPGRAPH_KILLS", "20"))
SEED = 8


def _build(home: Path, inputs: list[Path], *, log: Path) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "120"}
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(HEPGRAPH), "--home", str(home), "build", *map(str, inputs)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )


def fingerprint(home: Path) -> dict:
    """Everything a build writes that retrieval reads, in comparable form."""
    store = EmbeddedStore(home / "hepgraph.sqlite", read_only=True)
    try:
        return {
            "papers": {p.key: p.content_hash() for p in store.iter_papers()},
            "links": sorted((k.paper_key, k.concept_id, k.rel, k.count) for k in store.iter_links()),
            "similar": sorted((e.a, e.b, round(e.score, 4)) for e in store.iter_similar()),
            "citations": sorted((c.citing, c.cited) for c in store.iter_citations()),
            "concepts": sorted(c.id for c in store.iter_concepts()),
            "stats": store.stats().model_dump(),
        }
    finally:
        store.close()


def duplicate_ids(home: Path) -> list[tuple]:
    """Ids that name two stored papers (a merge that went wrong): must be none."""
    with sqlite3.connect(f"file:{home / 'hepgraph.sqlite'}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT arxiv_id, count(*) FROM papers WHERE arxiv_id IS NOT NULL "
            "GROUP BY arxiv_id HAVING count(*) > 1"
        ).fetchall()


@pytest.fixture(scope="module")
def inputs(hepml_slice_file: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The sample (papers + citations) and the first 200 papers of the real HEP-ML slice."""
    lines = hepml_slice_file.read_text(encoding="utf-8").splitlines(keepends=True)[:200]
    part = tmp_path_factory.mktemp("kill-input") / "arxiv-hep-200.jsonl"
    part.write_text("".join(lines), encoding="utf-8")
    return [SAMPLE, part]


@pytest.fixture(scope="module")
def reference(inputs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, float]:
    """An uninterrupted build and how long it took."""
    home = tmp_path_factory.mktemp("ref-home")
    t0 = time.monotonic()
    proc = _build(home, inputs, log=home / "build.log")
    assert proc.wait(timeout=1800) == 0, (home / "build.log").read_text()[-3000:]
    return fingerprint(home), time.monotonic() - t0


@pytest.mark.slow
@pytest.mark.corpus
def test_sigkill_build_at_random_points_then_resume(
    inputs: list[Path], reference: tuple[dict, float], tmp_path: Path
) -> None:
    """>= 20 SIGKILLs at seeded random delays, then one full run: same papers, links, SIMILAR, citations."""
    ref, ref_seconds = reference
    home = tmp_path / "home"
    log = tmp_path / "build.log"
    rng = random.Random(SEED)
    kills, finished, attempts = 0, 0, 0
    # Kill times are drawn up to half the uninterrupted build; resumed runs skip finished work and end
    # sooner, so once a run ends before its kill time the next draws stay below 80% of how long it took
    # (on a loaded machine the reference is slow and fixed bounds let most runs finish).
    cap = max(1.0, 0.5 * ref_seconds)
    while kills < KILLS and attempts < 3 * KILLS:
        attempts += 1
        delay = rng.uniform(0.3, cap)
        proc = _build(home, inputs, log=log)
        t0 = time.monotonic()
        try:
            proc.wait(timeout=delay)
            finished += 1  # the run completed before its kill time: the next one resumes a complete store
            cap = max(0.6, 0.8 * (time.monotonic() - t0))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
    assert kills >= KILLS, f"only {kills} kills landed in {attempts} runs"
    final = _build(home, inputs, log=log)
    assert final.wait(timeout=1800) == 0, log.read_text()[-3000:]
    got = fingerprint(home)
    assert duplicate_ids(home) == []
    assert set(got["papers"]) == set(ref["papers"]), "papers lost or added"
    assert got["papers"] == ref["papers"], "paper contents differ from the uninterrupted build"
    assert got["citations"] == ref["citations"]
    assert got["concepts"] == ref["concepts"]
    assert got["links"] == ref["links"]
    assert [e[:2] for e in got["similar"]] == [e[:2] for e in ref["similar"]]
    assert all(abs(a[2] - b[2]) <= 1e-3 for a, b in zip(got["similar"], ref["similar"], strict=True))
    assert got["stats"] == ref["stats"]


def _observe(store: EmbeddedStore) -> dict:
    """One consistent-enough look: links are read before papers, so a paper read later can only be newer."""
    link_keys = {k.paper_key for k in store.iter_links()}
    similar = list(store.iter_similar())
    papers = {p.key for p in store.iter_papers()}
    return {
        "papers": len(papers),
        "links": len(link_keys),
        "similar": len(similar),
        "orphans": sorted((link_keys | {e.a for e in similar} | {e.b for e in similar}) - papers)[:5],
        "citations": store.stats().citations,
    }


@pytest.mark.slow
@pytest.mark.corpus
def test_reader_during_build_sees_a_consistent_graph(inputs: list[Path], tmp_path: Path) -> None:
    """Poll the store read-only (as the UI does) while a build runs: counts never go back, no orphan links."""
    home = tmp_path / "home"
    db = home / "hepgraph.sqlite"
    proc = _build(home, inputs, log=tmp_path / "build.log")
    views: list[dict] = []
    errors_after_first_read: list[str] = []
    try:
        while proc.poll() is None:
            time.sleep(0.2)
            if not db.exists():
                continue
            try:
                store = EmbeddedStore(db, read_only=True)
                try:
                    views.append(_observe(store))
                finally:
                    store.close()
            except GraphStoreError as err:  # before the schema exists a read may fail; after it, never
                if views:
                    errors_after_first_read.append(str(err))
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.wait() == 0, (tmp_path / "build.log").read_text()[-3000:]
    assert len(views) >= 5, "the build finished before the reader could look"
    assert not errors_after_first_read, errors_after_first_read[:3]
    for before, after in zip(views, views[1:], strict=False):
        for count in ("papers", "links", "citations"):
            assert after[count] >= before[count], f"{count} went backwards: {before} -> {after}"
        if before["similar"]:
            assert after["similar"] > 0, "SIMILAR edges vanished mid-build"
    assert all(not v["orphans"] for v in views), [v["orphans"] for v in views if v["orphans"]][:3]
