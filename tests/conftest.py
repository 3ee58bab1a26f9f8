"""Shared fixtures: the real corpus in ../shared (never copied into the repo) and markers' skips.

Where ../shared/corpus is absent (a user's fresh clone), corpus tests skip with the reason; .ci/run sets
HEPGRAPH_REQUIRE_CORPUS=1, which turns that absence into a failure so CI always runs them.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HEPGRAPH_SHARED", REPO.parent / "shared")).resolve()
CORPUS = SHARED / "corpus"
EVAL = SHARED / "eval"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Graphs built by the real pipeline (tests/graphs.py), shared by the answer, graph and ui tests.
pytest_plugins = ["graphs"]


def _need(path: Path, what: str) -> Path:
    if path.exists():
        return path
    reason = f"{what} not found at {path} (set HEPGRAPH_SHARED to the folder holding corpus/ and eval/)"
    if os.environ.get("HEPGRAPH_REQUIRE_CORPUS"):
        pytest.fail(f"HEPGRAPH_REQUIRE_CORPUS is set but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """../shared/corpus, or a skip (a failure under HEPGRAPH_REQUIRE_CORPUS)."""
    return _need(CORPUS, "the shared corpus")


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    """../shared/eval, or a skip (a failure under HEPGRAPH_REQUIRE_CORPUS)."""
    return _need(EVAL, "the shared retrieval benchmark")


def read_jsonl_slice(path: Path, n: int, *, start: int = 0) -> list[dict]:
    """The first ``n`` JSON objects of a JSONL file after skipping ``start`` lines."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in itertools.islice(fh, start, start + n)]


@pytest.fixture(scope="session")
def hepml_slice_file(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real slice: arxiv-hep.jsonl records whose abstracts mention machine learning (~300 papers)."""
    out = tmp_path_factory.mktemp("slice") / "arxiv-hep-slice.jsonl"
    keep: list[str] = []
    words = (
        "neural",
        "machine learning",
        "anomaly",
        "autoencoder",
        "transformer",
        "graph network",
        "adversarial",
    )
    with (corpus_dir / "arxiv-hep.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            text = (rec.get("title", "") + " " + (rec.get("abstract") or "")).lower()
            if any(w in text for w in words):
                keep.append(line)
            if len(keep) >= 300:
                break
    out.write_text("".join(keep), encoding="utf-8")
    return out


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip browser/neo4j/live-API tests with a reason when their resource is absent."""
    skips = {
        "neo4j": (
            not os.environ.get("NEO4J_URI"),
            "set NEO4J_URI (and NEO4J_PASSWORD) to run the Neo4j suite",
        ),
        "anthropic_live": (
            not os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("CI") == "true",
            "live Anthropic tests need ANTHROPIC_API_KEY and the network",
        ),
    }
    # .ci/run starts a Neo4j server (tools/neo4j/server.sh) and sets this: there, a missing one is an error.
    if os.environ.get("HEPGRAPH_REQUIRE_NEO4J") and not os.environ.get("NEO4J_URI"):
        msg = "HEPGRAPH_REQUIRE_NEO4J is set but NEO4J_URI is not: start a server with `make neo4j`"
        raise pytest.UsageError(msg)
    for item in items:
        for marker, (skip, reason) in skips.items():
            if skip and marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


def iter_lines(path: Path) -> Iterator[str]:
    """Lines of a text file, for tests that count records."""
    with path.open(encoding="utf-8") as fh:
        yield from fh
