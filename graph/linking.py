"""Question understanding: embed the question and link it to vocabulary concepts.

Two linkers, in order of trust:

1. the same concept matcher the build used on paper texts (:class:`~hepgraph.protocols.ConceptMatcher`,
   over the question as a title-only paper), so "GNN" in a question means what "GNN" in a title means;
2. nearest concepts by embedding (the concept's name, aliases and description embedded with the paper
   model), kept above a cosine threshold; this catches paraphrases no surface form covers.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hepgraph.caches import write_cache
from hepgraph.graph.view import GraphView
from hepgraph.models import Paper
from hepgraph.protocols import ConceptMatcher, Embedder
from hepgraph.results import LinkedConcept

logger = logging.getLogger(__name__)

QUESTION_KEY = "question"


@dataclass(frozen=True)
class UnderstoodQuestion:
    """A question with its vector, linked concepts and, per matched concept, the words that matched."""

    text: str
    vector: np.ndarray
    concepts: list[LinkedConcept]
    surfaces: dict[str, str] = field(default_factory=dict)


class QuestionLinker:
    """Links questions to the concepts of one graph view.

    Args:
        view: the graph view whose concepts are linkable.
        embedder: the model that embedded the papers (dense search needs the same space).
        matcher: the build's concept matcher; None links by embedding only.
        min_cosine: question-concept cosine from which an embedding link counts. Chosen by eye on
            question/definition pairs, not on benchmark labels: for all-MiniLM-L6-v2 a question and a
            one-line definition of its topic sit around 0.5-0.7, unrelated pairs below 0.3.
        max_embedding_links: at most this many embedding links (the nearest ones).
        fallback_only: link by embedding only when the matchers found nothing. A question-to-definition
            cosine is a weak signal next to a matched surface form, and dense paper seeds already carry
            the paraphrase signal; nearest concepts then only help questions no surface form covers.
        concept_vectors: (concept ids, unit vectors) as the build cached them
            (:func:`hepgraph.pipeline.concepts.concept_matrix`); None embeds the view's concept texts.
        cache_dir: where concept vectors embedded here are cached (keyed by model and concept texts).
    """

    def __init__(
        self,
        view: GraphView,
        embedder: Embedder,
        *,
        matcher: ConceptMatcher | None = None,
        min_cosine: float = 0.5,
        max_embedding_links: int = 3,
        fallback_only: bool = True,
        concept_vectors: tuple[list[str], np.ndarray] | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.view = view
        self.embedder = embedder
        self.matcher = matcher
        self.min_cosine = min_cosine
        self.max_embedding_links = max_embedding_links
        self.fallback_only = fallback_only
        if concept_vectors is None:
            self._concept_ids = list(view.concept_ids)
            self._concept_vectors = self._embed_concepts(cache_dir)
        else:
            self._concept_ids = list(concept_vectors[0])
            self._concept_vectors = np.asarray(concept_vectors[1], dtype=np.float32)

    def _embed_concepts(self, cache_dir: Path | None) -> np.ndarray:
        texts = self.view.concept_texts
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        digest = hashlib.sha1("\n".join([self.embedder.model_name, *texts]).encode()).hexdigest()[:16]
        path = cache_dir / f"concept-vectors-{digest}.npy" if cache_dir else None
        if path is not None and path.exists():
            vecs = np.load(path, allow_pickle=False)
            if vecs.shape[0] == len(texts):
                return vecs
        vecs = np.asarray(self.embedder.encode(texts), dtype=np.float32)
        if path is not None:
            write_cache(path, lambda p: np.save(p, vecs), what="concept vectors")
        return vecs

    def understand(self, question: str) -> UnderstoodQuestion:
        """Embed ``question`` and link it to concepts (matcher links first, then embedding links)."""
        vector = np.asarray(self.embedder.encode([question]), dtype=np.float32)[0]
        linked, surfaces = self._match(question)
        if linked and self.fallback_only:
            return UnderstoodQuestion(text=question, vector=vector, concepts=linked, surfaces=surfaces)
        for concept in self._nearest(vector):
            if concept.id not in surfaces:
                linked.append(concept)
        return UnderstoodQuestion(text=question, vector=vector, concepts=linked, surfaces=surfaces)

    def _linked(self, concept_id: str, how: str, score: float) -> LinkedConcept | None:
        i = self.view.index_of(f"c:{concept_id}")
        if i is None:
            return None
        j = i - self.view.n_papers
        return LinkedConcept(
            id=concept_id,
            name=self.view.concept_names[j],
            type=self.view.concept_types[j],
            how=how,
            score=round(float(score), 6),
        )  # type: ignore[arg-type]

    def _match(self, question: str) -> tuple[list[LinkedConcept], dict[str, str]]:
        if self.matcher is None:
            return [], {}
        paper = Paper(key=QUESTION_KEY, title=question, title_text=question)
        links = self.matcher.extract(paper)
        out: list[LinkedConcept] = []
        surfaces: dict[str, str] = {}
        for link in sorted(links, key=lambda lk: lk.concept_id):
            concept = self._linked(link.concept_id, "matcher", 1.0)
            if concept is None:
                continue
            out.append(concept)
            surfaces[link.concept_id] = link.evidence[0].surface if link.evidence else concept.name
        return out, surfaces

    def _nearest(self, vector: np.ndarray) -> list[LinkedConcept]:
        if self._concept_vectors.shape[0] == 0 or not np.any(vector):
            return []
        sims = self._concept_vectors @ vector
        order = np.lexsort((np.arange(len(sims)), -sims))[: self.max_embedding_links]
        out = []
        for j in order:
            if sims[j] < self.min_cosine:
                break
            concept = self._linked(self._concept_ids[j], "embedding", float(sims[j]))
            if concept is not None:
                out.append(concept)
        return out
