"""Retrieval inside the database: seeds from the store's indexes, the walk on their bounded neighbourhood.

For a store that implements :class:`~hepgraph.store.SeedSearch` (Neo4j), the client never reads the whole
graph. Per question: the question is linked to concepts (the vocabulary, held once), the store's vector
and full-text indexes give ``seed_depth`` papers each, one query fetches the seeds, their CITES/SIMILAR
neighbours and the papers that mention the linked concepts most, and the same :class:`Retriever` as on
the embedded store ranks that neighbourhood. The walk's mass stays near its seeds (restart 0.5), so the
ranking differs from the whole-graph walk only where mass would have left the neighbourhood, and in BM25,
whose document frequencies are the neighbourhood's.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from hepgraph.errors import ConfigError
from hepgraph.graph.dense import normalize_rows
from hepgraph.graph.retrieve import RetrievalConfig, Retriever, question_linker
from hepgraph.graph.structure import StructureIndex
from hepgraph.graph.view import GraphView, build_view
from hepgraph.models import Citation, Concept, ConceptLink, Paper, SimilarEdge
from hepgraph.nodes import split_node
from hepgraph.protocols import ConceptMatcher, Embedder
from hepgraph.question import clean_question
from hepgraph.results import RetrievalResult
from hepgraph.settings import Settings
from hepgraph.store import GraphSlice, GraphStore, SeedSearch

logger = logging.getLogger(__name__)

__all__ = ["AnyRetriever", "NeighbourhoodRetriever", "SliceData", "SliceDense"]


class SliceData:
    """A fetched neighbourhood read through the GraphData calls a :class:`GraphView` is built from."""

    def __init__(self, part: GraphSlice, concepts: Sequence[Concept], *, base_hash: str) -> None:
        self.part = part
        self.concepts = list(concepts)
        keys = "\n".join(sorted(p.key for p in part.papers))
        self._hash = hashlib.sha1(f"{base_hash}\n{keys}".encode()).hexdigest()

    def index_hash(self) -> str:
        """The store's version and the fetched papers."""
        return self._hash

    def iter_papers(self, *, batch_size: int = 1000) -> Iterator[Paper]:
        """The fetched papers."""
        yield from self.part.papers

    def iter_concepts(self) -> Iterator[Concept]:
        """Every concept of the vocabulary."""
        yield from self.concepts

    def iter_links(self) -> Iterator[ConceptLink]:
        """The fetched papers' concept links."""
        yield from self.part.links

    def iter_citations(self) -> Iterator[Citation]:
        """Citations between fetched papers."""
        yield from self.part.citations

    def iter_similar(self) -> Iterator[SimilarEdge]:
        """SIMILAR edges between fetched papers."""
        yield from self.part.similar


class SliceDense:
    """Dense scores a store computed next to its vectors; a few vectors fetched when MMR needs them."""

    def __init__(
        self,
        keys: Sequence[str],
        similarity: dict[str, float],
        fetch: Callable[[list[str]], dict[str, list[float]]],
    ) -> None:
        self.keys = list(keys)
        self._scores = np.array([similarity.get(k, 0.0) for k in self.keys], dtype=np.float32)
        self._fetch = fetch

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Each paper's cosine to the question the neighbourhood was fetched for."""
        return self._scores

    def rows(self, indices: np.ndarray) -> np.ndarray:
        """Unit vectors of a few papers, fetched from the store (zeros for a paper without one)."""
        wanted = [self.keys[i] for i in np.asarray(indices).tolist()]
        found = self._fetch(wanted)
        dim = len(next(iter(found.values()))) if found else 0
        return normalize_rows(np.array([found.get(k, [0.0] * dim) for k in wanted], dtype=np.float32))


class NeighbourhoodRetriever:
    """The :class:`Retriever`'s ranking on the neighbourhood a :class:`SeedSearch` store fetches.

    ``view`` and ``structures`` are those of the last question's neighbourhood (the answerer reads them
    right after :meth:`search`).
    """

    def __init__(
        self,
        store: GraphStore,
        *,
        embedder: Embedder,
        matcher: ConceptMatcher | None = None,
        concept_vectors: tuple[list[str], np.ndarray] | None = None,
        settings: Settings | None = None,
        config: RetrievalConfig | None = None,
    ) -> None:
        if not isinstance(store, SeedSearch):
            msg = f"the {store.backend} store cannot search inside itself: use Retriever (the whole graph)"
            raise ConfigError(msg)
        self.store, self.seeds = store, store
        self.embedder, self.matcher, self.concept_vectors = embedder, matcher, concept_vectors
        self.settings = settings or Settings()
        self.config = config or RetrievalConfig()
        self.concepts = sorted(store.iter_concepts(), key=lambda c: c.id)  # the vocabulary, not the papers
        self._base_hash = store.index_hash()
        empty = SliceData(GraphSlice(), self.concepts, base_hash=self._base_hash)
        concepts_only = build_view(empty, model=embedder.model_name, embeddings=False)  # type: ignore[arg-type]
        self.linker = question_linker(
            concepts_only, embedder, self.config, matcher=matcher, concept_vectors=concept_vectors
        )
        self._last: Retriever | None = None

    @property
    def index_hash(self) -> str:
        """The store version searched."""
        return self._base_hash

    @property
    def view(self) -> GraphView:
        """The view of the last question's neighbourhood."""
        return self._inner().view

    @property
    def structures(self) -> StructureIndex:
        """The structure index of the last question's neighbourhood."""
        return self._inner().structures

    def _inner(self) -> Retriever:
        if self._last is None:
            msg = "no question searched yet: call search() first"
            raise RuntimeError(msg)
        return self._last

    def fetch(self, question: str, seed_nodes: Sequence[str] = ()) -> GraphSlice:
        """The neighbourhood a question is ranked on: index seeds, follow-up nodes, linked concepts."""
        text = clean_question(question)
        cfg = self.config
        understood = self.linker.understand(text)
        papers = [key for key, _ in self.seeds.vector_seeds(understood.vector.tolist(), cfg.seed_depth)]
        papers += [key for key, _ in self.seeds.text_seeds(text, cfg.seed_depth)]
        concepts = [c.id for c in understood.concepts]
        for node in seed_nodes:
            kind, bare = split_node(node)
            (papers if kind == "paper" else concepts).append(bare)
        return self.seeds.neighbourhood(
            papers,
            concepts,
            vector=understood.vector.tolist(),
            per_paper=cfg.neighbourhood_per_paper,
            per_concept=cfg.neighbourhood_per_concept,
        )

    def search(self, question: str, *, k: int = 20, seed_nodes: Sequence[str] = ()) -> RetrievalResult:
        """Rank the question's neighbourhood as :meth:`Retriever.search` ranks a whole graph."""
        start = time.perf_counter()
        part = self.fetch(question, seed_nodes)
        inner = Retriever(
            SliceData(part, self.concepts, base_hash=self._base_hash),  # type: ignore[arg-type]
            embedder=self.embedder,
            matcher=self.matcher,
            concept_vectors=self.concept_vectors,
            settings=self.settings,
            config=self.config,
            cache=False,
            dense=lambda view: SliceDense(view.paper_keys, part.similarity, self.seeds.paper_vectors),
        )
        self._last = inner
        result = inner.search(question, k=k, seed_nodes=seed_nodes)
        result.index_hash = self._base_hash
        result.ms = round((time.perf_counter() - start) * 1000, 1)
        logger.info("neighbourhood of %s papers searched in %.0f ms", len(part.papers), result.ms)
        return result


# What build_retriever returns: the whole-graph walk, or the walk on a neighbourhood the database fetched.
AnyRetriever = Retriever | NeighbourhoodRetriever
