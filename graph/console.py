"""The read-only Cypher console, the same on both backends.

Two locks, so a hole in one is not a write: every query first passes :func:`check_read_only`, which
tokenizes it (comments and string literals stripped, so ``RETURN 'CREATE'`` passes and ``CREATE/* */(n)``
does not) and refuses write and admin clauses and procedures not on a read-only allowlist; then the store
runs it on its own engine, which refuses writes itself (:meth:`hepgraph.store.Console.console_query`):
Neo4j in a READ-access session with a server-side timeout, the embedded store on LadybugDB opened
read-only in a child process with the engine's timeout and a memory budget (graph/console_embedded.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hepgraph.errors import QueryError
from hepgraph.graph.console_embedded import EMBEDDED_NOTE
from hepgraph.graph.console_guard import check_read_only
from hepgraph.graph.cypher import EXAMPLE_QUERIES
from hepgraph.results import SubgraphEdge, SubgraphNode
from hepgraph.store import GraphStore

__all__ = ["EMBEDDED_NOTE", "EXAMPLE_QUERIES", "ConsoleResult", "check_read_only", "run_console_query"]


class ConsoleResult(BaseModel):
    """A console answer: a table, plus the nodes and edges it contains for drawing."""

    model_config = ConfigDict(extra="forbid")

    columns: list[str] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list)
    truncated: bool = False
    nodes: list[SubgraphNode] = Field(default_factory=list)
    edges: list[SubgraphEdge] = Field(default_factory=list)
    backend: str
    engine_note: str = ""
    ms: float = 0.0


def run_console_query(
    store: GraphStore,
    query: str,
    *,
    row_limit: int,
    timeout_s: float,
    params: Mapping[str, Any] | None = None,
) -> ConsoleResult:
    """Run a read-only console query on ``store``'s engine; <= ``row_limit`` rows, ``timeout_s`` seconds.

    Raises:
        ReadOnlyViolation: the query could write.
        QueryError: empty, unsupported by the engine, failed, or timed out.
    """
    if not query.strip():
        msg = "the console query is empty: type a MATCH ... RETURN query or pick an example"
        raise QueryError(msg)
    check_read_only(query)
    start = time.perf_counter()
    answer = store.console_query(query, params=params or {}, row_limit=row_limit, timeout_s=timeout_s)
    return ConsoleResult(
        **answer.model_dump(),
        backend=store.backend,
        engine_note=store.console_note,
        ms=round((time.perf_counter() - start) * 1000, 1),
    )
