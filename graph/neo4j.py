"""The GraphStore Protocol on Neo4j 5, through the official driver; every statement is in graph/cypher.py.

Writes go in batches of ``batch_size`` rows, one managed transaction per batch. The driver re-runs a
batch that fails with a transient error (deadlock, leader switch) within ``neo4j_max_retry_s``, which is
safe because every write is a MERGE on a constrained key. Which records are one paper is decided by
:func:`hepgraph.merge.plan_merge`, the rule the embedded store uses too (graph/neo4j_rows.py executes it).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit, urlunsplit

import neo4j
import numpy as np
from neo4j.exceptions import DriverError, Neo4jError

from hepgraph.batching import batched
from hepgraph.errors import GraphStoreError, QueryError
from hepgraph.graph import cypher as q
from hepgraph.graph import neo4j_rows as rows
from hepgraph.graph.console_results import ran_past
from hepgraph.graph.lexical import lucene_query
from hepgraph.graph.neo4j_results import from_neo4j
from hepgraph.merge import record_identity
from hepgraph.models import Citation, Concept, ConceptLink, ExternalWork, Paper, PaperRecord, SimilarEdge
from hepgraph.settings import Settings
from hepgraph.store import ConsoleAnswer, GraphSlice, PaperQuery, StoreStats, WriteReport

logger = logging.getLogger(__name__)

__all__ = ["Neo4jStore", "redact_uri"]

T = TypeVar("T")


def redact_uri(uri: str) -> str:
    """``uri`` without any user:password part, for messages and the Status page.

    >>> redact_uri("neo4j://neo4j:secret@db.example:7687")
    'neo4j://db.example:7687'
    """
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "<unparseable NEO4J_URI>"
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=host))


class Neo4jStore:
    """GraphStore on a Neo4j 5 database (self-hosted, cluster or Aura).

    Args:
        driver: an open ``neo4j.Driver`` (anything with its ``session()`` and ``close()``).
        uri: where it points, for messages (credentials are stripped).
        database: the database name.
        batch_size: rows per write transaction.
        embedding_model: the model whose vectors fill ``Paper.embedding`` for the vector index.
        embedding_dim: dimension of that model's vectors.
        read_only: refuse every write here, before it reaches the server.
    """

    backend = "neo4j"
    console_note = (
        "Native Cypher on Neo4j, in a READ-access session: the server refuses writes too, and stops a "
        "query at its timeout."
    )

    def __init__(
        self,
        driver: Any,
        *,
        uri: str,
        database: str = "neo4j",
        batch_size: int = 1000,
        embedding_model: str = "",
        embedding_dim: int = 384,
        read_only: bool = False,
        index_wait_s: int = 3600,
    ) -> None:
        if batch_size < 1:
            msg = f"neo4j batch size {batch_size} must be at least 1: set HEPGRAPH_NEO4J_BATCH_SIZE"
            raise GraphStoreError(msg)
        self._driver = driver
        self.uri = redact_uri(uri)
        self.location = f"{self.uri} (database {database})"
        self.database = database
        self.batch_size = batch_size
        self.embedding_model = embedding_model
        self.embedding_dim = embedding_dim
        self.read_only = read_only
        self.index_wait_s = index_wait_s

    def __repr__(self) -> str:
        return f"Neo4jStore({self.location!r})"

    @classmethod
    def from_settings(cls, settings: Settings, *, embedding_dim: int = 384, read_only: bool = False) -> Self:
        """Connect with NEO4J_URI/USER/PASSWORD/DATABASE and check the server answers (one clear error)."""
        uri = settings.neo4j_uri or ""
        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
        try:
            driver = neo4j.GraphDatabase.driver(
                uri,
                auth=(settings.neo4j_user, password),
                max_transaction_retry_time=settings.neo4j_max_retry_s,
                # The server's hints ("label Embedding does not exist" on a store not yet filled) would
                # reach users as WARNING lines; graph/cypher.py is linted offline instead.
                notifications_min_severity="OFF",
            )
            driver.verify_connectivity()
        except (Neo4jError, DriverError, ValueError) as err:
            raise rows.wrap_error(err, redact_uri(uri), settings.neo4j_user) from err
        return cls(
            driver,
            uri=uri,
            database=settings.neo4j_database,
            batch_size=settings.neo4j_batch_size,
            embedding_model=settings.embedding_model,
            embedding_dim=embedding_dim,
            read_only=read_only,
            index_wait_s=settings.neo4j_index_wait_s,
        )

    # -- plumbing ---------------------------------------------------------------------------------------
    def _session(self, access_mode: str) -> Any:
        return self._driver.session(database=self.database, default_access_mode=access_mode)

    def _write(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        """Run ``work`` in one managed write transaction (the driver retries transient failures)."""
        if self.read_only:
            msg = f"Neo4j store {self.location} is open read-only; open it without read_only to write"
            raise GraphStoreError(msg)
        try:
            with self._session(neo4j.WRITE_ACCESS) as session:
                return session.execute_write(work)
        except (Neo4jError, DriverError) as err:
            raise rows.wrap_error(err, self.uri) from err

    def _read(self, statement: str, *, plain: bool = False, **params: Any) -> list[dict[str, Any]]:
        """Rows of a read statement; ``plain`` for one that returns no nodes (see rows.plain_data)."""
        read = rows.plain_data if plain else rows.data
        try:
            with self._session(neo4j.READ_ACCESS) as session:
                return session.execute_read(lambda tx: read(tx, statement, **params))
        except (Neo4jError, DriverError) as err:
            raise rows.wrap_error(err, self.uri) from err

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
        """Constraints on every node key, range, full-text and vector indexes (all IF NOT EXISTS), online."""
        if self.read_only:
            return
        for statement in [*q.SCHEMA_STATEMENTS, *q.vector_index_statements(self.embedding_dim)]:
            self._write(lambda tx, s=statement: tx.run(s).consume())
        self._await_indexes()

    def _await_indexes(self) -> None:
        """Return once every index is ONLINE.

        On a filled database (a neo4j-admin import) they populate in the background, and a question asked
        before that would fail.
        """
        deadline = time.monotonic() + self.index_wait_s
        while True:
            states = self._read(q.INDEX_STATES)
            failed = [r["name"] for r in states if r["state"] == "FAILED"]
            if failed:
                msg = (
                    f"Neo4j at {self.uri} could not build the index(es) {', '.join(failed)}: see the "
                    "server's log, drop them (DROP INDEX name), then run `hepgraph --backend neo4j schema`"
                )
                raise GraphStoreError(msg)
            waiting = {r["name"]: r["percent"] for r in states if r["state"] != "ONLINE"}
            if not waiting:
                return
            if time.monotonic() > deadline:
                msg = (
                    f"Neo4j at {self.uri} is still filling indexes after {self.index_wait_s} s "
                    f"({', '.join(f'{n} {p:.0f}%' for n, p in sorted(waiting.items()))}): run "
                    "`hepgraph --backend neo4j schema` again later, or raise HEPGRAPH_NEO4J_INDEX_WAIT_S"
                )
                raise GraphStoreError(msg)
            logger.info("waiting for Neo4j indexes: %s", waiting)
            time.sleep(2.0)

    def wipe(self, *, confirm: str) -> None:
        """Delete every node (the Neo4j test suite's clean slate); ``confirm`` must name the database."""
        if confirm != self.database:
            msg = f"refusing to wipe Neo4j database {self.database!r}: pass confirm={self.database!r}"
            raise GraphStoreError(msg)
        while self._write(lambda tx: rows.data(tx, q.WIPE_BATCH, limit=10000))[0]["deleted"]:
            pass

    def close(self) -> None:
        """Close the driver."""
        self._driver.close()

    # -- papers -----------------------------------------------------------------------------------------
    def upsert_records(self, records: Sequence[PaperRecord]) -> WriteReport:
        """Store records and re-merge the papers they touch; one transaction per batch."""
        for record in records:  # checked before the first batch commits: nothing is written then
            if record_identity(record) is None:
                msg = f"{record.origin}:{record.location}: record has no arXiv id, DOI, INSPIRE id or key; skip it"  # noqa: E501
                raise GraphStoreError(msg)
        report = WriteReport()
        for batch in batched(records, self.batch_size):
            report += self._write(
                lambda tx, b=batch: rows.upsert_batch(tx, b, embedding_model=self.embedding_model)
            )
        return report

    def get_papers(self, keys: Sequence[str]) -> list[Paper]:
        """Papers by key, in the order asked; unknown keys are left out."""
        found = {
            r["paper"]["key"]: rows.paper_from_map(r["paper"])
            for r in self._read(q.GET_PAPERS, keys=list(keys))
        }
        return [found[k] for k in keys if k in found]

    def iter_papers(self, *, batch_size: int = 1000) -> Iterator[Paper]:
        """Every paper, in key order."""
        for row in self._pages(q.ITER_PAPERS, "key", batch_size):
            yield rows.paper_from_map(row["paper"])

    def resolve_key(self, identifier: str) -> str | None:
        """The paper key for any normalised id, or None."""
        found = self._read(q.RESOLVE_IDS, ids=[identifier])
        return found[0]["key"] if found else None

    # -- citations and external works ---------------------------------------------------------------------
    def _resolve(self, ids: Iterable[str]) -> dict[str, str]:
        return {r["id"]: r["key"] for r in self._read(q.RESOLVE_IDS, ids=sorted(set(ids)))}

    def add_citations(self, edges: Sequence[Citation]) -> WriteReport:
        """Insert citation edges between resolved keys; duplicates are unchanged."""
        resolved = self._resolve([e.citing for e in edges] + [e.cited for e in edges])
        pairs: dict[tuple[str, str], dict[str, str]] = {}
        for e in edges:
            pair = (resolved.get(e.citing, e.citing), resolved.get(e.cited, e.cited))
            if pair[0] != pair[1]:
                pairs.setdefault(pair, {"citing": pair[0], "cited": pair[1], "source": e.source})
        report = WriteReport(unchanged=len(edges) - len(pairs))
        for batch in batched(list(pairs.values()), self.batch_size):
            created = self._write(lambda tx, b=batch: rows.created_then_bump(tx, q.ADD_CITATIONS, rows=b))
            report += WriteReport(added=created, unchanged=len(batch) - created)
        return report

    def add_external_works(self, works: Sequence[ExternalWork]) -> WriteReport:
        """Insert or update works known only from a citation graph's node list."""
        wanted = {w.key: rows.external_work_row(w.key, w.title, w.categories) for w in works}
        report = WriteReport()
        for batch in batched(list(wanted.values()), self.batch_size):
            report += self._write(
                lambda tx, b=batch: rows.upsert_hashed(
                    tx, q.EXTERNAL_WORK_HASHES, q.UPSERT_EXTERNAL_WORKS, b, "key"
                )
            )
        return report

    def iter_citations(self) -> Iterator[Citation]:
        """Every citation edge (citing and cited as paper keys where the paper is known)."""
        for row in self._pages(q.ITER_CITATIONS, "citing", self.batch_size):
            if row["cited"] is not None:
                yield Citation(citing=row["citing"], cited=row["cited"], source=row["source"] or "")

    def iter_external_works(self) -> Iterator[ExternalWork]:
        """Every external work, in key order."""
        for row in self._pages(q.ITER_EXTERNAL_WORKS, "key", self.batch_size):
            yield ExternalWork(key=row["key"], title=row["title"] or "", categories=row["categories"] or [])

    # -- concepts and links ----------------------------------------------------------------------------
    def upsert_concepts(self, concepts: Sequence[Concept]) -> WriteReport:
        """Store concepts, then their IS_A edges (after all batches, so order of parents does not matter)."""
        wanted = [rows.concept_row(c) for c in {c.id: c for c in concepts}.values()]
        report = WriteReport()
        for batch in batched(wanted, self.batch_size):
            report += self._write(
                lambda tx, b=batch: rows.upsert_hashed(
                    tx, q.CONCEPT_HASHES, q.UPSERT_CONCEPTS, b, "id", id_param="ids"
                )
            )
        for batch in batched([r["id"] for r in wanted], self.batch_size):
            self._write(
                lambda tx, b=batch: [
                    rows.counters(tx, s, ids=b)
                    for s in (q.DELETE_IS_A, q.WRITE_IS_A, q.WRITE_IS_A_TO_PARENTS)
                ]
            )
        return report

    def iter_concepts(self) -> Iterator[Concept]:
        """Every stored concept."""
        for row in self._read(q.ITER_CONCEPTS):
            yield rows.concept_from_map(row["concept"])

    def replace_links(self, links_by_paper: Mapping[str, Sequence[ConceptLink]]) -> WriteReport:
        """Replace all concept links of the given papers (an empty sequence clears them)."""
        bad = {link.rel for links in links_by_paper.values() for link in links} - set(q.LINK_RELS)
        if bad:
            msg = (
                f"unknown paper->concept relation(s) {sorted(bad)}: expected one of {', '.join(q.LINK_RELS)}"
            )
            raise GraphStoreError(msg)
        report = WriteReport()
        for batch in batched(sorted(links_by_paper), self.batch_size):
            report += self._write(lambda tx, b=batch: rows.replace_links_batch(tx, b, links_by_paper))
        return report

    def iter_links(self) -> Iterator[ConceptLink]:
        """Every paper->concept link with its evidence."""
        for row in self._pages(q.ITER_LINKS, "paper_key", self.batch_size, rels=list(q.LINK_RELS)):
            if row["concept_id"] is not None:
                yield rows.link_from_row(row)

    def links_for_papers(self, keys: Sequence[str]) -> dict[str, list[ConceptLink]]:
        """Links of the given papers, by paper key."""
        out: dict[str, list[ConceptLink]] = {}
        for batch in batched(list(keys), self.batch_size):
            for row in self._read(q.LINKS_FOR_PAPERS, keys=list(batch), rels=list(q.LINK_RELS)):
                out.setdefault(row["paper_key"], []).append(rows.link_from_row(row))
        return out

    def replace_similar(self, edges: Iterable[SimilarEdge]) -> WriteReport:
        """Replace the whole SIMILAR edge set, writing only what differs."""
        old = {(e.a, e.b): e.score for e in self.iter_similar()}
        new = {(e.a, e.b): float(e.score) for e in edges}
        gone = [{"a": a, "b": b} for (a, b) in old.keys() - new.keys()]
        write = [{"a": a, "b": b, "score": s} for (a, b), s in new.items() if old.get((a, b)) != s]
        for statement, data in ((q.DELETE_SIMILAR, gone), (q.WRITE_SIMILAR, write)):
            for batch in batched(data, self.batch_size):
                self._write(lambda tx, s=statement, b=batch: (rows.counters(tx, s, rows=b), rows.bump(tx)))
        added = sum(1 for r in write if (r["a"], r["b"]) not in old)
        return WriteReport(added=added, updated=len(write) - added, unchanged=len(new) - len(write))

    def iter_similar(self) -> Iterator[SimilarEdge]:
        """Every SIMILAR edge."""
        for row in self._pages(q.ITER_SIMILAR, "a", self.batch_size):
            if row["b"] is not None:
                yield SimilarEdge(a=row["a"], b=row["b"], score=row["score"])

    def iter_authorship(self) -> Iterator[tuple[str, str]]:
        """(author key, paper key) pairs: the WROTE edges."""
        for row in self._pages(q.ITER_AUTHORSHIP, "paper_key", self.batch_size):
            if row["author_key"] is not None:
                yield row["author_key"], row["paper_key"]

    def find_papers(self, query: PaperQuery, *, limit: int = 20) -> list[str]:
        """Paper keys matching ``query``, best first: the paper_title and author_name full-text indexes."""
        words = query.words()
        params = {
            "year_from": query.year_from,
            "year_to": query.year_to,
            "categories": list(query.categories),
            "limit": limit,
        }
        if not words:
            return [r["key"] for r in self._read(q.FIND_NEWEST, **params)]
        # Letters and digits only, each a prefix term: nothing a reader types is read as Lucene syntax.
        text = " OR ".join(f"{w}*" for w in words)
        return [r["key"] for r in self._read(q.FIND_PAPERS, text=text, **params)]

    def author_names(self, keys: Sequence[str]) -> dict[str, str]:
        """Display names of authors by key (the spelling most of their papers use; see refresh_authors)."""
        return {r["key"]: r["name"] for r in self._read(q.AUTHOR_NAMES, keys=list(keys))}

    # -- embeddings and incremental state -------------------------------------------------------------------
    def put_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> int:
        """Cache vectors by text hash; the store model's vectors also go on papers for the vector index."""
        new = 0
        for batch in batched(sorted(vectors), self.batch_size):
            new += self._write(lambda tx, b=batch: self._put_embeddings_batch(tx, model, b, vectors))
        return new

    def _put_embeddings_batch(
        self,
        tx: neo4j.ManagedTransaction,
        model: str,
        hashes: Sequence[str],
        vectors: Mapping[str, np.ndarray],
    ) -> int:
        have = {r["key"] for r in rows.data(tx, q.EXISTING_EMBEDDINGS, keys=[f"{model}|{h}" for h in hashes])}
        todo = [
            {
                "key": f"{model}|{h}",
                "model": model,
                "text_hash": h,
                "vector": np.asarray(vectors[h], dtype=np.float32).tolist(),
            }
            for h in hashes
            if f"{model}|{h}" not in have
        ]
        if todo:
            rows.counters(tx, q.PUT_EMBEDDINGS, rows=todo)
            if model == self.embedding_model:
                rows.counters(tx, q.SET_PAPER_EMBEDDINGS, rows=todo)
            rows.bump(tx)
        return len(todo)

    def get_embeddings(self, model: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors for the hashes that have one."""
        out: dict[str, np.ndarray] = {}
        for batch in batched(list(text_hashes), self.batch_size):
            for row in self._read(q.GET_EMBEDDINGS, keys=[f"{model}|{h}" for h in batch]):
                out[row["text_hash"]] = np.asarray(row["vector"], dtype=np.float32)
        return out

    def stage_hashes(self, stage: str) -> dict[str, str]:
        """Paper key -> input hash recorded when ``stage`` last processed the paper."""
        return {r["paper_key"]: r["hash"] for r in self._read(q.GET_STAGE_HASHES, stage=stage)}

    def set_stage_hashes(self, stage: str, hashes: Mapping[str, str]) -> None:
        """Record what a build stage processed."""
        data = [{"key": f"{stage}|{k}", "paper_key": k, "hash": h} for k, h in hashes.items()]
        for batch in batched(data, self.batch_size):
            self._write(lambda tx, b=batch: rows.counters(tx, q.SET_STAGE_HASHES, stage=stage, rows=b))

    def get_meta(self, key: str) -> str | None:
        """A metadata value."""
        found = self._read(q.GET_META, key=key)
        return found[0]["value"] if found else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a metadata value (keys starting with '_' are reserved); a change changes the index hash."""
        if key.startswith("_"):
            msg = f"meta key {key!r} is reserved (leading '_'); choose a name without it"
            raise GraphStoreError(msg)

        def work(tx: neo4j.ManagedTransaction) -> None:
            old = rows.data(tx, q.GET_META, key=key)
            if old and old[0]["value"] == value:
                return
            rows.counters(tx, q.SET_META, key=key, value=value)
            rows.bump(tx)

        self._write(work)

    # -- console ----------------------------------------------------------------------------------------
    def console_query(
        self, query: str, *, params: Mapping[str, Any], row_limit: int, timeout_s: float
    ) -> ConsoleAnswer:
        """Run a console query in a READ-access session with a server-side timeout; <= ``row_limit`` rows."""
        try:
            with self._session(neo4j.READ_ACCESS) as session:
                result = session.run(neo4j.Query(query, timeout=timeout_s), dict(params))  # type: ignore[arg-type]
                records = result.fetch(row_limit + 1)
                columns = list(result.keys())
        except (Neo4jError, DriverError) as err:
            # The server ends a query past its timeout by terminating its transaction; say which limit.
            if isinstance(err, Neo4jError) and re.search(
                r"timedout|terminated", f"{err.code} {err.message}", re.I
            ):
                raise QueryError(ran_past(timeout_s)) from err
            wrapped = rows.wrap_error(err, self.uri)
            raise QueryError(str(wrapped)) from err
        values = [list(r.values()) for r in records[:row_limit]]
        return ConsoleAnswer(**from_neo4j(columns, values, len(records) > row_limit))

    # -- retrieval inside the database (SeedSearch) ----------------------------------------------------
    def vector_seeds(self, vector: Sequence[float], k: int) -> list[tuple[str, float]]:
        """The ``k`` papers nearest ``vector`` in the paper_embedding index: (key, cosine), best first."""
        found = self._read(q.VECTOR_SEEDS, k=k, vector=[float(x) for x in vector])
        return [(r["key"], 2.0 * float(r["score"]) - 1.0) for r in found]  # the index scores (1 + cos) / 2

    def text_seeds(self, text: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` best full-text (Lucene BM25) matches of ``text``'s words, best first."""
        query = lucene_query(text)
        if not query:
            return []
        return [(r["key"], float(r["score"])) for r in self._read(q.TEXT_SEEDS, k=k, text=query)]

    def neighbourhood(
        self,
        keys: Sequence[str],
        concept_ids: Sequence[str],
        *,
        vector: Sequence[float],
        per_paper: int,
        per_concept: int,
    ) -> GraphSlice:
        """The seeds, their bounded neighbourhood and every edge inside it, in one query."""
        found = self._read(
            q.NEIGHBOURHOOD,
            plain=True,
            keys=list(dict.fromkeys(keys)),
            concepts=list(dict.fromkeys(concept_ids)),
            per_paper=per_paper,
            per_concept=per_concept,
            vector=[float(x) for x in vector],
        )
        inside = {r["paper"]["key"] for r in found}
        out = GraphSlice()
        for r in sorted(found, key=lambda r: r["paper"]["key"]):
            key = r["paper"]["key"]
            out.papers.append(rows.paper_from_map(r["paper"]))
            out.links.extend(rows.link_from_row({**link, "paper_key": key}) for link in r["links"])
            out.citations.extend(
                Citation(citing=key, cited=c) for c in sorted(set(r["cites"])) if c in inside
            )
            out.similar.extend(
                SimilarEdge(a=key, b=e["b"], score=e["score"]) for e in r["similar"] if e["b"] in inside
            )
            if r["similarity"] is not None:
                out.similarity[key] = 2.0 * float(r["similarity"]) - 1.0  # Neo4j scales it to (1 + cos) / 2
        return out

    def paper_vectors(self, keys: Sequence[str]) -> dict[str, list[float]]:
        """The embeddings of the given papers (those without one are left out)."""
        found = self._read(q.PAPER_VECTORS, keys=list(keys))
        return {r["key"]: [float(x) for x in r["vector"]] for r in found if r["vector"] is not None}

    def stats(self) -> StoreStats:
        """Counts of papers, authors, citations, concepts and edges by type."""
        nodes = self._read(q.STATS_NODES)[0]
        edges = {rel: n for rel, n in sorted(self._read(q.STATS_EDGES)[0].items()) if n}
        return StoreStats(**nodes, citations=edges.get("CITES", 0), edges=edges)

    def index_hash(self) -> str:
        """Changes with every write that changed what retrieval reads (a version bumped in that write)."""
        version = self.get_meta(rows.INDEX_VERSION) or "empty"
        return hashlib.sha1(f"neo4j|{self.database}|{version}".encode()).hexdigest()
