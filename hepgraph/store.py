"""The store Protocols: one interface by role, two backends (embedded SQLite, Neo4j).

Writes are idempotent upserts; every read returns typed records. Pipeline, retrieval, answers and the
faces only ever talk to :class:`GraphStore`, so they run unchanged on either backend and never need to
know which one they hold.

Roles:

- :class:`GraphData`: papers, citations, concepts, links, SIMILAR edges and authorship (what the graph is);
- :class:`VectorCache`: embeddings cached by text hash (what the build computed once);
- :class:`BuildState`: per-paper stage hashes and metadata (what the incremental build remembers);
- :class:`Console`: read-only Cypher for power users, on the backend's own engine.

A store that can also find seeds and fetch a bounded neighbourhood itself (:class:`SeedSearch`, Neo4j)
is searched inside the database, so the client never holds its whole graph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from hepgraph.models import Citation, Concept, ConceptLink, ExternalWork, Paper, PaperRecord, SimilarEdge
from hepgraph.results import SubgraphEdge, SubgraphNode


class WriteReport(BaseModel):
    """What one write did; re-running the same write reports only ``unchanged``."""

    model_config = ConfigDict(extra="forbid")

    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: WriteReport) -> WriteReport:
        return WriteReport(
            added=self.added + other.added,
            updated=self.updated + other.updated,
            unchanged=self.unchanged + other.unchanged,
        )


class StoreStats(BaseModel):
    """Counts that `hepgraph stats --json` prints."""

    model_config = ConfigDict(extra="forbid")

    papers: int = 0
    papers_with_abstract: int = 0
    authors: int = 0
    citations: int = 0
    external_works: int = 0
    concepts: int = 0
    edges: dict[str, int] = Field(default_factory=dict)


class GraphSlice(BaseModel):
    """A bounded part of the graph fetched for one question: papers with their links and edges."""

    model_config = ConfigDict(extra="forbid")

    papers: list[Paper] = Field(default_factory=list)
    links: list[ConceptLink] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    similar: list[SimilarEdge] = Field(default_factory=list)
    similarity: dict[str, float] = Field(
        default_factory=dict,
        description="paper key -> cosine similarity to the question (papers with a vector)",
    )


class ConsoleAnswer(BaseModel):
    """A console query's answer as the backend's engine gave it: a table plus what it holds to draw."""

    model_config = ConfigDict(extra="forbid")

    columns: list[str] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list)
    truncated: bool = False
    nodes: list[SubgraphNode] = Field(default_factory=list)
    edges: list[SubgraphEdge] = Field(default_factory=list)


class PaperQuery(BaseModel):
    """What a reader remembers of a paper: words of its title or an author's name, years, categories."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field("", description="title words and/or author names; the last word may be a prefix")
    year_from: int | None = None
    year_to: int | None = None
    categories: tuple[str, ...] = Field((), description="arXiv categories; a paper listing any matches")

    def words(self) -> list[str]:
        """The query's words, lower-cased letters and digits only (nothing is read as query syntax).

        >>> PaperQuery(text="Rothen: white-box (adversarial)").words()
        ['rothen', 'white', 'box', 'adversarial']
        """
        return [w for w in re.findall(r"[^\W_]+", self.text.lower()) if w]


@runtime_checkable
class GraphData(Protocol):
    """Papers, citations, concepts, links, SIMILAR edges and authorship."""

    def upsert_records(self, records: Sequence[PaperRecord]) -> WriteReport:
        """Store source records and re-merge the papers they touch (see :func:`hepgraph.merge.plan_merge`).

        Counts are per merged paper: ``added`` new papers, ``updated`` papers whose merged content
        changed, ``unchanged`` the rest. Records are keyed by (origin, record identity), so re-reading a
        file changes nothing and a newer version of a record from the same origin replaces the old one.
        """
        ...

    def get_papers(self, keys: Sequence[str]) -> list[Paper]:
        """Papers by key, in the order asked; unknown keys are left out."""
        ...

    def iter_papers(self, *, batch_size: int = 1000) -> Iterator[Paper]:
        """Every paper, in key order."""
        ...

    def resolve_key(self, identifier: str) -> str | None:
        """The paper key for any normalised id (arXiv id, 'doi:...', 'inspire:...', 'ref:...'), or None."""
        ...

    def add_citations(self, edges: Sequence[Citation]) -> WriteReport:
        """Insert citation edges (keys are resolved through known ids); duplicates are unchanged."""
        ...

    def add_external_works(self, works: Sequence[ExternalWork]) -> WriteReport:
        """Insert or update papers known only from a citation graph's node list."""
        ...

    def iter_citations(self) -> Iterator[Citation]:
        """Every citation edge, citing and cited as paper keys where the paper is known."""
        ...

    def iter_external_works(self) -> Iterator[ExternalWork]:
        """Every external work, in key order."""
        ...

    def upsert_concepts(self, concepts: Sequence[Concept]) -> WriteReport:
        """Store vocabulary concepts and their IS_A edges."""
        ...

    def iter_concepts(self) -> Iterator[Concept]:
        """Every stored concept, in id order."""
        ...

    def replace_links(self, links_by_paper: Mapping[str, Sequence[ConceptLink]]) -> WriteReport:
        """Replace all concept links of the given papers (an empty sequence clears them)."""
        ...

    def iter_links(self) -> Iterator[ConceptLink]:
        """Every paper->concept link with its evidence."""
        ...

    def links_for_papers(self, keys: Sequence[str]) -> dict[str, list[ConceptLink]]:
        """Links of the given papers, by paper key."""
        ...

    def replace_similar(self, edges: Iterable[SimilarEdge]) -> WriteReport:
        """Replace the whole SIMILAR edge set."""
        ...

    def iter_similar(self) -> Iterator[SimilarEdge]:
        """Every SIMILAR edge."""
        ...

    def find_papers(self, query: PaperQuery, *, limit: int = 20) -> list[str]:
        """Paper keys matching ``query``, best first, by the store's full-text index.

        Each word is matched as a prefix in titles and author names, and a paper matching more of them
        ranks higher; years and categories filter. With no words, the newest papers the filters allow.
        """
        ...

    def iter_authorship(self) -> Iterator[tuple[str, str]]:
        """(author key, paper key) pairs: the WROTE edges."""
        ...

    def author_names(self, keys: Sequence[str]) -> dict[str, str]:
        """Display names of authors by key (the first spelling the store saw)."""
        ...

    def stats(self) -> StoreStats:
        """Counts of papers, authors, citations, concepts and edges by type."""
        ...

    def index_hash(self) -> str:
        """A hash that changes whenever anything retrieval reads changes."""
        ...


@runtime_checkable
class VectorCache(Protocol):
    """Embeddings cached by (model, text hash): a text is embedded once per model."""

    def put_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> int:
        """Cache vectors by text hash for a model; returns how many were new."""
        ...

    def get_embeddings(self, model: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors for the hashes that have one."""
        ...


@runtime_checkable
class BuildState(Protocol):
    """What the incremental build remembers between runs."""

    def stage_hashes(self, stage: str) -> dict[str, str]:
        """Paper key -> input hash recorded when a build stage last processed the paper."""
        ...

    def set_stage_hashes(self, stage: str, hashes: Mapping[str, str]) -> None:
        """Record what a build stage processed, so the next build skips unchanged papers."""
        ...

    def get_meta(self, key: str) -> str | None:
        """A metadata value (snapshot date, model names, ...)."""
        ...

    def set_meta(self, key: str, value: str) -> None:
        """Set a metadata value (keys starting with '_' are reserved for the store)."""
        ...


@runtime_checkable
class Console(Protocol):
    """Read-only Cypher on the backend's own engine."""

    console_note: str  # what runs the queries and what it supports, shown above the console

    def console_query(
        self, query: str, *, params: Mapping[str, Any], row_limit: int, timeout_s: float
    ) -> ConsoleAnswer:
        """Run a query that :func:`hepgraph.graph.console_guard.check_read_only` passed.

        The connection is read-only (the engine refuses writes itself); ``params`` fill ``$name``s.

        Raises:
            QueryError: the engine cannot run it, refused it, it failed, or it ran past ``timeout_s``.
        """
        ...


@runtime_checkable
class GraphStore(GraphData, VectorCache, BuildState, Console, Protocol):
    """A whole store: every role, plus where it lives and how it was opened.

    Implemented by :class:`~hepgraph.graph.embedded.EmbeddedStore` and
    :class:`~hepgraph.graph.neo4j.Neo4jStore`.
    """

    backend: str
    location: str
    read_only: bool

    def ensure_schema(self) -> None:
        """Create tables/constraints/indexes if missing; safe to call any number of times."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class SeedSearch(Protocol):
    """Seeds from the store's own indexes, and their bounded neighbourhood in one round trip.

    Retrieval on such a store never reads the whole graph into the client.
    """

    def vector_seeds(self, vector: Sequence[float], k: int) -> list[tuple[str, float]]:
        """The ``k`` papers nearest ``vector`` by the vector index: (paper key, cosine), best first."""
        ...

    def text_seeds(self, text: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` best full-text matches of ``text``'s words: (paper key, score), best first."""
        ...

    def neighbourhood(
        self,
        keys: Sequence[str],
        concept_ids: Sequence[str],
        *,
        vector: Sequence[float],
        per_paper: int,
        per_concept: int,
    ) -> GraphSlice:
        """The papers ``keys`` and their bounded neighbourhood, with every edge inside it.

        That is up to ``per_paper`` CITES/SIMILAR neighbours of each paper and the ``per_concept`` papers
        mentioning each concept most; each paper's cosine similarity to ``vector`` comes with it.
        """
        ...

    def paper_vectors(self, keys: Sequence[str]) -> dict[str, list[float]]:
        """The embeddings of a few papers, by key (those without one are left out)."""
        ...
