"""The few graph lookups gaps and follow-ups need, read once from any GraphStore through its Protocol.

Concept -> papers, paper -> concepts, citations and SIMILAR neighbours are indexed in memory; an index is
valid for one store :meth:`~hepgraph.store.GraphStore.index_hash` (see :func:`answer_index`).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

from hepgraph.graph.view import GraphView
from hepgraph.models import Concept
from hepgraph.store import GraphStore

logger = logging.getLogger(__name__)
_CACHE: dict[tuple[int, str], AnswerIndex] = {}


@dataclass
class AnswerIndex:
    """Adjacency of the stored graph that answers need, keyed by paper key and concept id."""

    n_papers: int
    concepts: dict[str, Concept]
    papers_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    concepts_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    cites: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    cited_by: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    similar: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    _child_map: dict[str, list[str]] | None = field(default=None, repr=False)

    @classmethod
    def from_store(cls, store: GraphStore) -> AnswerIndex:
        """Read concepts, links, citations and SIMILAR edges from ``store``."""
        t0 = time.perf_counter()
        index = cls(n_papers=store.stats().papers, concepts={c.id: c for c in store.iter_concepts()})
        for link in store.iter_links():
            index.papers_of[link.concept_id].add(link.paper_key)
            index.concepts_of[link.paper_key].add(link.concept_id)
        for edge in store.iter_citations():
            index.cites[edge.citing].add(edge.cited)
            index.cited_by[edge.cited].add(edge.citing)
        for sim in store.iter_similar():
            index.similar[sim.a][sim.b] = sim.score
            index.similar[sim.b][sim.a] = sim.score
        logger.info(
            "answer index: %s concepts, %s linked papers in %.2fs",
            len(index.concepts),
            len(index.concepts_of),
            time.perf_counter() - t0,
        )
        return index

    @classmethod
    def from_view(cls, view: GraphView, store: GraphStore) -> AnswerIndex:
        """Index from the retriever's cached :class:`~hepgraph.graph.view.GraphView` (fast: no link scan).

        Citations there join stored papers only, which is all a follow-up can seed anyway.
        """
        index = cls(n_papers=view.n_papers, concepts={c.id: c for c in store.iter_concepts()})
        keys, concept_ids, n = view.paper_keys, view.concept_ids, view.n_papers
        mentions = view.edges.get("MENTIONS")
        if mentions is not None:
            for s, d in zip(mentions.src.tolist(), mentions.dst.tolist(), strict=True):
                index.papers_of[concept_ids[d - n]].add(keys[s])
                index.concepts_of[keys[s]].add(concept_ids[d - n])
        cites = view.edges.get("CITES")
        if cites is not None:
            for s, d in zip(cites.src.tolist(), cites.dst.tolist(), strict=True):
                index.cites[keys[s]].add(keys[d])
                index.cited_by[keys[d]].add(keys[s])
        similar = view.edges.get("SIMILAR")
        if similar is not None:
            for s, d, w in zip(
                similar.src.tolist(), similar.dst.tolist(), similar.weight.tolist(), strict=True
            ):
                index.similar[keys[s]][keys[d]] = w
                index.similar[keys[d]][keys[s]] = w
        return index

    def name(self, concept_id: str) -> str:
        """Preferred name of a concept (its id when unknown)."""
        concept = self.concepts.get(concept_id)
        return concept.name if concept else concept_id

    def type_of(self, concept_id: str) -> str:
        """Type of a concept ('' when unknown)."""
        concept = self.concepts.get(concept_id)
        return concept.type if concept else ""

    def papers_linking(self, concept_id: str) -> set[str]:
        """Papers linked to a concept or to any concept that IS_A it (one level of children)."""
        found = set(self.papers_of.get(concept_id, ()))
        for child in self._children().get(concept_id, ()):
            found |= self.papers_of.get(child, set())
        return found

    def _children(self) -> dict[str, list[str]]:
        if self._child_map is None:
            children: dict[str, list[str]] = defaultdict(list)
            for concept in self.concepts.values():
                for parent in concept.parents:
                    children[parent].append(concept.id)
            self._child_map = children
        return self._child_map


def answer_index(store: GraphStore, view: GraphView | None = None) -> AnswerIndex:
    """The index of ``store`` (from the retriever's ``view`` if given), rebuilt when its hash changes."""
    key = (id(store), view.index_hash if view is not None else store.index_hash())
    if key not in _CACHE:
        for old in [k for k in _CACHE if k[0] == id(store)]:
            del _CACHE[old]
        _CACHE[key] = (
            AnswerIndex.from_view(view, store) if view is not None else AnswerIndex.from_store(store)
        )
    return _CACHE[key]
