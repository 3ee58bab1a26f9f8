"""Neo4jStore against the driver's real API surface; only the server is missing.

Batching uses a stand-in driver (the one thing a server would provide) whose sessions hand out
transactions recording each statement; errors are the driver's own exception classes. Retrying transient
errors is the real driver's job (managed transactions), tested against the live server with the contract
suite. Unreachable servers use a real driver pointed at a closed localhost port.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import neo4j
import pytest
from neo4j.exceptions import AuthError

from hepgraph.errors import GraphStoreError, ReadOnlyViolation
from hepgraph.graph import cypher
from hepgraph.graph import neo4j_rows as rows
from hepgraph.graph.console import run_console_query
from hepgraph.graph.neo4j import Neo4jStore
from hepgraph.models import Author, Citation, PaperRecord
from hepgraph.settings import Settings

PASSWORD = "pw-that-must-never-show"


class _Result:
    def __init__(self, records: list[dict[str, Any]], created: int = 0) -> None:
        self._records = [neo4j.Record(r) for r in records]
        self._created = created

    def __iter__(self):  # noqa: ANN204
        return iter(self._records)

    def consume(self) -> SimpleNamespace:
        # The driver's public counters class, filled as the server's "stats" metadata would fill it.
        return SimpleNamespace(counters=neo4j.SummaryCounters({"relationships-created": self._created}))

    def keys(self) -> list[str]:
        return list(self._records[0].keys()) if self._records else []

    def fetch(self, n: int) -> list[neo4j.Record]:
        return self._records[:n]


class _Tx:
    def __init__(self, log: list[tuple[str, dict]], answer: Callable[[str, dict], _Result]) -> None:
        self.log, self.answer = log, answer

    def run(self, statement: str, parameters: dict | None = None, **kw: Any) -> _Result:
        params = {**(parameters or {}), **kw}
        self.log.append((statement, params))
        return self.answer(statement, params)


class FakeServer:
    """Session factory: records access modes, transactions and statements; can fail chosen attempts."""

    def __init__(
        self,
        answer: Callable[[str, dict], _Result] | None = None,
        fail: Callable[[int], Exception | None] | None = None,
    ) -> None:
        self.modes: list[str] = []
        self.transactions: list[list[tuple[str, dict]]] = []
        self.committed: list[list[tuple[str, dict]]] = []
        self.auto: list[Any] = []
        self.answer = answer or (lambda s, p: _Result([]))
        self.fail = fail or (lambda attempt: None)

    def session(self, *, database: str, default_access_mode: str) -> FakeServer:
        self.modes.append(default_access_mode)
        return self

    def close(self) -> None:
        return None

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def _tx(self, work: Callable) -> Any:
        log: list[tuple[str, dict]] = []
        self.transactions.append(log)
        out = work(_Tx(log, self.answer))
        error = self.fail(len(self.transactions))
        if error is not None:
            raise error  # the commit fails: nothing of this attempt is kept
        self.committed.append(log)
        return out

    execute_write = _tx
    execute_read = _tx

    def run(self, query: neo4j.Query) -> _Result:
        self.auto.append(query)
        return self.answer(query.text, {})


def _records(n: int) -> list[PaperRecord]:
    return [
        PaperRecord(
            source="arxiv-jsonl",
            origin="arxiv-hep.jsonl",
            location=str(i),
            arxiv_id=f"2101.{i:05d}",
            title=f"Paper {i}",
            authors=[Author(name="Jane Doe")],
        )
        for i in range(1, n + 1)
    ]


def _statements(log: list[tuple[str, dict]], statement: str) -> list[dict]:
    return [params for s, params in log if s == statement]


def test_records_are_written_in_batches_one_transaction_each() -> None:
    server = FakeServer()
    store = Neo4jStore(server, uri="bolt://fake", batch_size=2)
    report = store.upsert_records(_records(5))
    assert report.added == 5 and report.updated == 0
    assert len(server.committed) == 3 and set(server.modes) == {neo4j.WRITE_ACCESS}
    sizes = [len(_statements(tx, cypher.UPSERT_PAPERS)[0]["rows"]) for tx in server.committed]
    assert sizes == [2, 2, 1]
    written = [r["key"] for tx in server.committed for r in _statements(tx, cypher.UPSERT_PAPERS)[0]["rows"]]
    assert written == [f"2101.{i:05d}" for i in range(1, 6)]
    # every batch records that retrieval-visible content changed, inside the same transaction
    assert all(
        any(p.get("key") == rows.INDEX_VERSION for p in _statements(tx, cypher.SET_META))
        for tx in server.committed
    )


def test_citations_are_batched_and_counted_from_the_server_counters() -> None:
    server = FakeServer(answer=lambda s, p: _Result([], created=len(p.get("rows", []))))
    store = Neo4jStore(server, uri="bolt://fake", batch_size=3)
    edges = [Citation(citing="2101.00001", cited=f"hep-ph/97093{i:02d}") for i in range(7)]
    report = store.add_citations([*edges, edges[0]])  # one duplicate
    assert (report.added, report.unchanged) == (7, 1)
    assert [len(p["rows"]) for tx in server.committed for p in _statements(tx, cypher.ADD_CITATIONS)] == [
        3,
        3,
        1,
    ]


def test_console_refuses_writes_before_sending() -> None:
    server = FakeServer()
    store = Neo4jStore(server, uri="bolt://fake")
    with pytest.raises(ReadOnlyViolation):
        run_console_query(store, "MATCH (n) SET n.x = 1 RETURN n", row_limit=10, timeout_s=1)
    assert server.modes == [] and server.auto == []


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_server_gives_one_clear_message_without_the_password() -> None:
    uri = f"bolt://127.0.0.1:{_closed_port()}"
    settings = Settings(neo4j_uri=uri, neo4j_password=PASSWORD, backend="neo4j")
    with pytest.raises(GraphStoreError) as err:
        Neo4jStore.from_settings(settings)
    message = str(err.value)
    assert message.startswith(f"cannot reach Neo4j at {uri}: start it (docker run")
    assert "NEO4J_URI" in message and PASSWORD not in message and "\n" not in message


def test_server_lost_after_connecting_is_wrapped_too() -> None:
    uri = f"neo4j://127.0.0.1:{_closed_port()}"
    driver = neo4j.GraphDatabase.driver(uri, auth=("neo4j", PASSWORD), max_transaction_retry_time=0.2)
    store = Neo4jStore(driver, uri=uri)
    try:
        with pytest.raises(GraphStoreError, match=f"cannot reach Neo4j at {uri}"):
            store.stats()
    finally:
        store.close()


def test_auth_error_names_the_user_never_the_password() -> None:
    err = rows.wrap_error(
        AuthError("The client is unauthorized due to authentication failure."), "neo4j+s://x.io", "neo4j"
    )
    assert str(err) == "Neo4j at neo4j+s://x.io refused user 'neo4j': fix NEO4J_USER / NEO4J_PASSWORD"


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(GraphStoreError, match="batch size 0"):
        Neo4jStore(FakeServer(), uri="bolt://fake", batch_size=0)


def test_replaced_author_lists_prune_and_rename_their_authors() -> None:
    """Neo4j follows the embedded rule for orphan authors (issue 17 item 9): every author of a replaced or
    newly written list is pruned when it wrote nothing and renamed by the shared spelling rule."""

    def answer(statement: str, params: dict) -> _Result:
        if statement == cypher.AUTHORS_OF_PAPERS:  # the paper's stored list named an author now dropped
            return _Result([{"key": "gone_a"}])
        return _Result([])

    server = FakeServer(answer)
    Neo4jStore(server, uri="bolt://fake").upsert_records(_records(1))
    (tx,) = server.committed
    statements = [s for s, _ in tx]
    assert statements.index(cypher.WRITE_AUTHORSHIP) < statements.index(cypher.PRUNE_AUTHORS)
    for statement in (cypher.PRUNE_AUTHORS, cypher.NAME_AUTHORS):
        assert _statements(tx, statement) == [{"keys": ["doe_j", "gone_a"]}]
