"""Gaps computed from the graph: what the question asks about that no indexed paper covers.

A gap line is written when one of the question's concepts is linked by no stored paper, when two of its
concepts are never linked by one paper together, or when the only papers that do are ranked below a
relevance floor for this question; and when a key word of the question appears in none of the retrieved
papers. Each line gives the numbers and the nearest retrieved papers. Nothing is written when the archive
covers the question.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence

from hepgraph.answer.graphindex import AnswerIndex
from hepgraph.answer.terms import content_terms, words
from hepgraph.results import LinkedConcept, RetrievalResult, ScoredPaper

RELEVANCE_FLOOR = 0.2
MAX_PAIR_CONCEPTS = 4
# Concepts linked only by embedding similarity are guesses; below this score they raise no gap.
EMBEDDING_GAP_SCORE = 0.8


class GapFinder:
    """Writes the gap lines of one answer.

    Args:
        index: the store's answer index (concept -> papers, paper count).
        floor: papers scoring below this for the question do not count as covering it.
        n_nearest: how many nearest papers a gap line names.
    """

    def __init__(self, index: AnswerIndex, *, floor: float = RELEVANCE_FLOOR, n_nearest: int = 2) -> None:
        self.index = index
        self.floor = floor
        self.n_nearest = n_nearest

    def find(self, question: str, retrieval: RetrievalResult, texts: Mapping[str, str]) -> list[str]:
        """Gap lines for ``question``.

        Args:
            question: the question as asked.
            retrieval: the retriever's result (linked concepts and scored papers).
            texts: plain text of the retrieved papers by key, for the key-word check.
        """
        concepts = [
            c
            for c in _unique(retrieval.linked_concepts)
            if c.how != "embedding" or c.score >= EMBEDDING_GAP_SCORE
        ]
        scores = {h.key: h.score for h in retrieval.results}
        hits = [h for h in retrieval.results if h.arxiv_id]
        if not hits and not concepts:
            return [f"No paper among the {self.index.n_papers:,} indexed matches this question."]
        lines: list[str] = []
        unmentioned = [c for c in concepts if not self.index.papers_linking(c.id)]
        if unmentioned:
            names = _join([c.name for c in unmentioned])
            lines.append(
                f"No paper among the {self.index.n_papers:,} indexed mentions {names}" + self._nearest(hits)
            )
        uncovered = {c.id for c in unmentioned}
        for concept in concepts:
            line = self._concept_gap(concept, scores, hits) if concept.id not in uncovered else ""
            if line:
                lines.append(line)
                uncovered.add(concept.id)
        linked = [c for c in concepts if c.id not in uncovered][:MAX_PAIR_CONCEPTS]
        for a, b in itertools.combinations(linked, 2):
            line = self._pair_gap(a, b, scores, hits)
            if line:
                lines.append(line)
        term_line = self._term_gap(question, concepts, hits, texts)
        if term_line:
            lines.append(term_line)
        return lines

    def _nearest(self, hits: Sequence[ScoredPaper], pool: set[str] | None = None) -> str:
        chosen = [h for h in hits if pool is None or h.key in pool][: self.n_nearest]
        if not chosen and pool is not None:
            chosen = list(hits[: self.n_nearest])
        if not chosen:
            return "."
        ids = ", ".join(f"[{h.arxiv_id}]" for h in chosen)
        return f"; the nearest {'are' if len(chosen) > 1 else 'is'} {ids}."

    def _concept_gap(
        self, concept: LinkedConcept, scores: Mapping[str, float], hits: Sequence[ScoredPaper]
    ) -> str:
        papers = self.index.papers_linking(concept.id)
        n = self.index.n_papers
        if max(scores.get(k, 0.0) for k in papers) < self.floor:
            return (
                f"Only {len(papers):,} of the {n:,} indexed papers mention {concept.name}, none of them "
                f"ranked above {self.floor:.0%} for this question" + self._nearest(hits, papers)
            )
        return ""

    def _pair_gap(
        self, a: LinkedConcept, b: LinkedConcept, scores: Mapping[str, float], hits: Sequence[ScoredPaper]
    ) -> str:
        pa, pb = self.index.papers_linking(a.id), self.index.papers_linking(b.id)
        both = pa & pb
        n = self.index.n_papers
        if not both:
            return f"No paper among the {n:,} indexed links {a.name} to {b.name}" + self._nearest(
                hits, pa | pb
            )
        if max(scores.get(k, 0.0) for k in both) < self.floor:
            return (
                f"Only {len(both):,} of the {n:,} indexed papers link {a.name} to {b.name}, none of them "
                f"ranked above {self.floor:.0%} for this question" + self._nearest(hits, both)
            )
        return ""

    def _term_gap(
        self,
        question: str,
        concepts: Sequence[LinkedConcept],
        hits: Sequence[ScoredPaper],
        texts: Mapping[str, str],
    ) -> str:
        """Key words of the question that none of the retrieved papers contains."""
        if not hits:
            return ""
        concept_terms = (
            set().union(*(content_terms(self._surface(c)) for c in concepts)) if concepts else set()
        )
        paper_terms = set().union(*(content_terms(texts.get(h.key, h.title)) for h in hits))
        missing: list[str] = []
        for word in dict.fromkeys(w for w in words(question) if len(w) >= 4):
            stems = content_terms(word)
            if stems and not stems & concept_terms and not stems & paper_terms:
                missing.append(word)
        if not missing:
            return ""
        quoted = _join([f"“{w}”" for w in missing[:3]])
        return (
            f"None of the {len(hits)} papers retrieved for this question mentions {quoted}"
            + self._nearest(hits)
        )

    def _surface(self, concept: LinkedConcept) -> str:
        known = self.index.concepts.get(concept.id)
        forms: Iterable[str] = [concept.name, *(known.aliases + known.acronyms if known else [])]
        return " ".join(forms)


def _join(names: Sequence[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _unique(concepts: Iterable[LinkedConcept]) -> list[LinkedConcept]:
    seen: dict[str, LinkedConcept] = {}
    for c in concepts:
        seen.setdefault(c.id, c)
    return list(seen.values())
