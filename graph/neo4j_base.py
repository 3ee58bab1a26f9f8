"""Connection, sessions and retried transactions of the Neo4j store: the base class Neo4jStore builds on."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from typing import Any, Self, TypeVar

import neo4j
from neo4j.exceptions import AuthError, DriverError, Neo4jError

from hepgraph.errors import GraphStoreError
from hepgraph.graph import cypher as q
from hepgraph.graph import neo4j_rows as rows
from hepgraph.settings import Settings

logger = logging.getLogger(__name__)
T = TypeVar("T")
SessionFactory = Callable[[str], Any]  # access mode (neo4j.READ_ACCESS / WRITE_ACCESS) -> a Session


class Neo4jBase:
    """Driver, sessions, retries, schema and wipe of a Neo4j 5 database; the store's methods run on these."""

    def __init__(
        self,
        driver: neo4j.Driver | None,
        *,
        uri: str,
        database: str = "neo4j",
        batch_size: int = 1000,
        max_retry_time_s: float = 30.0,
        embedding_model: str = "",
        embedding_dim: int = 384,
        session_factory: SessionFactory | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Wrap an open driver; ``session_factory`` replaces ``driver.session`` (tests inject one)."""
        if batch_size < 1:
            msg = f"neo4j batch size {batch_size} must be at least 1: set HEPGRAPH_NEO4J_BATCH_SIZE"
            raise GraphStoreError(msg)
        self._driver = driver
        self.uri = uri
        self.database = database
        self.batch_size = batch_size
        self.max_retry_time_s = max_retry_time_s
        self.embedding_model = embedding_model
        self.embedding_dim = embedding_dim
        self._sleep = sleep
        self._session_factory = session_factory or self._driver_session

    @classmethod
    def from_settings(cls, settings: Settings, *, embedding_dim: int = 384) -> Self:
        """Connect with NEO4J_URI/USER/PASSWORD/DATABASE and check the server answers (one clear error)."""
        uri = settings.neo4j_uri or ""
        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
        retry = float(settings.neo4j_max_retry_s)
        try:
            driver = neo4j.GraphDatabase.driver(
                uri, auth=(settings.neo4j_user, password), max_transaction_retry_time=retry
            )
            driver.verify_connectivity()
        except (Neo4jError, DriverError, ValueError) as err:
            raise rows.wrap_error(err, uri, settings.neo4j_user) from err
        return cls(
            driver,
            uri=uri,
            database=settings.neo4j_database,
            batch_size=settings.neo4j_batch_size,
            max_retry_time_s=retry,
            embedding_model=settings.embedding_model,
            embedding_dim=embedding_dim,
        )

    # -- plumbing ---------------------------------------------------------------------------------------
    def _driver_session(self, access_mode: str) -> neo4j.Session:
        if self._driver is None:
            msg = "Neo4jStore has no driver: build it with Neo4jStore.from_settings(settings)"
            raise GraphStoreError(msg)
        return self._driver.session(database=self.database, default_access_mode=access_mode)

    def _retrying(self, call: Callable[[], T]) -> T:
        """Run ``call``; retryable errors that escape the driver's own retries get backoff here.

        A failed batch is re-run as a whole, which is safe because every write is a MERGE on a constrained
        key; the budget is ``max_retry_time_s``, as for the driver.
        """
        deadline = time.monotonic() + self.max_retry_time_s
        delay = 0.2
        while True:
            try:
                return call()
            except (Neo4jError, DriverError) as err:
                retry = not isinstance(err, AuthError) and err.is_retryable()
                if not retry or time.monotonic() + delay > deadline:
                    raise rows.wrap_error(err, self.uri) from err
                logger.warning("Neo4j transaction failed (%s); retrying in %.1f s", type(err).__name__, delay)
                self._sleep(delay * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not crypto
                delay = min(delay * 2, 5.0)

    def _write(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        """Run ``work`` in one write transaction (retried as a whole)."""

        def call() -> T:
            with self._session_factory(neo4j.WRITE_ACCESS) as session:
                return session.execute_write(work)

        return self._retrying(call)

    def _read(self, statement: str, **params: Any) -> list[dict[str, Any]]:
        def call() -> list[dict[str, Any]]:
            with self._session_factory(neo4j.READ_ACCESS) as session:
                return session.execute_read(lambda tx: rows.data(tx, statement, **params))

        return self._retrying(call)

    def _pages(self, statement: str, key: str, batch_size: int, **params: Any) -> Iterator[dict[str, Any]]:
        """Rows of a keyset-paged statement (``$after``/``$limit`` over key-ordered nodes)."""
        after = ""
        while True:
            page = self._read(statement, after=after, limit=batch_size, **params)
            if not page:
                return
            yield from page
            after = max(row[key] for row in page if row[key] is not None)

    def ensure_schema(self) -> None:
        """Constraints on every node key, range, full-text and vector indexes (all IF NOT EXISTS)."""
        for statement in [*q.SCHEMA_STATEMENTS, *q.vector_index_statements(self.embedding_dim)]:
            self._write(lambda tx, s=statement: tx.run(s).consume())  # type: ignore[misc]

    def wipe(self, *, confirm: str) -> None:
        """Delete every node (the Neo4j test suite's clean slate); ``confirm`` must name the database."""
        if confirm != self.database:
            msg = f"refusing to wipe Neo4j database {self.database!r}: pass confirm={self.database!r}"
            raise GraphStoreError(msg)
        while self._write(lambda tx: rows.data(tx, q.WIPE_BATCH, limit=10000))[0]["deleted"]:
            pass

    def close(self) -> None:
        """Close the driver."""
        if self._driver is not None:
            self._driver.close()
