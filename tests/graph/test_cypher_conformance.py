"""The console's conformance queries (graph/cypher_conformance.yaml) on both stores, over one real slice.

The embedded store runs every query it is known to run; each feature it lacks fails with an error that
says what to write instead. On a live Neo4j (`pytest -m neo4j`) the same slice is pushed, and every
portable query must give the same rows on both stores.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from hepgraph.errors import QueryError, ReadOnlyViolation
from hepgraph.graph.conformance import ConformanceQuery, Outcome, load_queries, run_query, same_answer
from hepgraph.graph.console import run_console_query
from hepgraph.store import GraphStore

QUERIES = load_queries()
IDS = [q.id for q in QUERIES]


def test_the_file_covers_what_power_users_write() -> None:
    """At least 40 queries, and every feature the issue names appears in one that both stores run."""
    assert len(QUERIES) >= 40 and len(set(IDS)) == len(IDS)
    portable = " ".join(q.query.upper() for q in QUERIES if q.portable)
    for feature in ("COUNT(*)", "WITH", "OPTIONAL MATCH", "UNWIND", "COLLECT(", "*1..", "EXISTS {", "CASE",
                    "TOLOWER(", "SKIP", "LIMIT", "$", "ORDER BY"):  # fmt: skip
        assert feature in portable, feature


@pytest.fixture(scope="module")
def embedded_answers(slice_graph: Any) -> dict[str, Outcome]:
    return {q.id: run_query(slice_graph.store, q) for q in QUERIES}


@pytest.mark.parametrize("item", QUERIES, ids=IDS)
def test_embedded_store(item: ConformanceQuery, embedded_answers: dict[str, Outcome]) -> None:
    """A query the engine supports runs; one it lacks fails with what to write instead."""
    outcome = embedded_answers[item.id]
    if item.embedded == "runs":
        assert outcome.ran, outcome.error
    else:
        assert not outcome.ran
        assert "write" in outcome.error or "bug of the engine" in outcome.error, outcome.error
        assert "\n" not in outcome.error


@pytest.mark.neo4j
@pytest.mark.parametrize("item", QUERIES, ids=IDS)
def test_neo4j_slice_agrees(
    item: ConformanceQuery, neo4j_slice: GraphStore, embedded_answers: dict[str, Outcome]
) -> None:
    """Neo4j runs what it supports; every portable query gives the embedded store's rows."""
    outcome = run_query(neo4j_slice, item)
    if item.neo4j == "error":
        assert not outcome.ran
        return
    assert outcome.ran, outcome.error
    if item.portable:
        assert same_answer(item, embedded_answers[item.id], outcome), (embedded_answers[item.id], outcome)
    elif item.differs:
        assert not same_answer(item, embedded_answers[item.id], outcome), f"{item.id} no longer differs"


@pytest.mark.neo4j
@pytest.mark.parametrize(
    "query",
    ["CREATE (:Paper {key: 'x'})", "MATCH (p:Paper) SET p.title = 'x'", "MATCH (n) DETACH DELETE n"],
)
def test_neo4j_refuses_writes_the_guard_missed(neo4j_slice: GraphStore, query: str) -> None:
    """Past the guard (called directly), the READ-access session makes the server refuse the write."""
    before = neo4j_slice.stats()
    with pytest.raises(QueryError, match="read access mode"):
        neo4j_slice.console_query(query, params={}, row_limit=10, timeout_s=10)
    assert neo4j_slice.stats() == before


@pytest.mark.neo4j
def test_neo4j_stops_a_runaway_query_at_its_timeout(neo4j_slice: GraphStore) -> None:
    start = time.perf_counter()
    with pytest.raises(QueryError, match="ran past 1 s and was stopped"):
        run_console_query(
            neo4j_slice,
            "MATCH (a) MATCH (b) MATCH (c) MATCH (d) WHERE a <> d RETURN count(*)",
            row_limit=10,
            timeout_s=1,
        )
    assert time.perf_counter() - start < 10


@pytest.mark.neo4j
@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n) RETURN n // x\rDETACH DELETE n",
        "MATCH (n) RETURN n // x\u2028DETACH DELETE n",
        "MATCH (n) RETURN n // x\u0085DETACH DELETE n",
        "SHOW USERS",
        "USE system MATCH (n) RETURN n",
    ],
)
def test_hostile_queries_are_refused_on_neo4j(neo4j_slice: GraphStore, query: str) -> None:
    before = neo4j_slice.stats()
    with pytest.raises(ReadOnlyViolation):
        run_console_query(neo4j_slice, query, row_limit=10, timeout_s=5)
    assert neo4j_slice.stats() == before


@pytest.mark.neo4j
def test_neo4j_console_limits_rows_and_takes_parameters(neo4j_slice: GraphStore) -> None:
    result = run_console_query(
        neo4j_slice,
        "MATCH (p:Paper) WHERE p.year >= $year RETURN p.key AS key ORDER BY key",
        params={"year": 1900},
        row_limit=3,
        timeout_s=10,
    )
    assert result.backend == "neo4j" and result.columns == ["key"]
    assert len(result.rows) == 3 and result.truncated
