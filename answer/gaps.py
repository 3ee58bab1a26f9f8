"""Gaps computed from the graph: which part of the question no indexed paper covers.

A gap line names the part in concepts, never in words: one of the question's concepts that no stored
paper links, two of its concepts (its method and its physics goal, when it has both) that no paper links
together or only one paper does, or a concept or pair whose only papers rank below a relevance floor for
this question. Each
line gives the numbers and the nearest retrieved papers. Nothing is written when the archive covers the
question.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence

from hepgraph.answer.graphindex import AnswerIndex
from hepgraph.graph.structure import GOAL_TYPES, METHOD_TYPES
from hepgraph.results import GapClaim, LinkedConcept, RetrievalResult, ScoredPaper

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

    def find(self, retrieval: RetrievalResult) -> list[GapClaim]:
        """Gap lines for the question ``retrieval`` answers (its linked concepts and scored papers)."""
        concepts = [
            c
            for c in _unique(retrieval.linked_concepts)
            if c.how != "embedding" or c.score >= EMBEDDING_GAP_SCORE
        ]
        scores = {h.key: h.score for h in retrieval.results}
        hits = [h for h in retrieval.results if h.arxiv_id]
        if not hits and not concepts:
            text = f"No paper among the {self.index.n_papers:,} indexed matches this question."
            return [GapClaim(kind="no_match", text=text)]
        lines: list[GapClaim] = []
        unmentioned = [c for c in concepts if not self.index.papers_linking(c.id)]
        if unmentioned:
            names = _join([c.name for c in unmentioned])
            text = (
                f"The archive holds no paper on {names}: none of the {self.index.n_papers:,} indexed papers "
                "treats it" + self._nearest(hits)
            )
            lines.append(GapClaim(kind="no_paper", text=text, concepts=[c.id for c in unmentioned]))
        uncovered = {c.id for c in unmentioned}
        for concept in concepts:
            line = self._concept_gap(concept, scores, hits) if concept.id not in uncovered else None
            if line:
                lines.append(line)
                uncovered.add(concept.id)
        linked = [c for c in concepts if c.id not in uncovered][:MAX_PAIR_CONCEPTS]
        methods = [c for c in linked if c.type in METHOD_TYPES]
        goals = [c for c in linked if c.type in GOAL_TYPES]
        if methods and goals:  # the question's join: one line for its method side and its goal side
            method = self._specific(methods)
            line = self._pair_gap(method, self._specific(goals), scores, hits, methods, goals)
            if line:
                return [*lines, line]
            # The sides join, but a goal no paper of the method side reaches is still a part of the
            # question the archive lacks ("ML for EDM experiments": ML meets anomaly detection, never EDM).
            for goal in goals if len(goals) > 1 else ():
                single = self._pair_gap(method, goal, scores, hits, methods, [goal])
                if single is not None and single.kind == "no_pair":
                    lines.append(single)
            return lines
        for a, b in itertools.combinations(linked, 2):
            line = self._pair_gap(a, b, scores, hits)
            if line:
                lines.append(line)
        return lines

    def _specific(self, concepts: Sequence[LinkedConcept]) -> LinkedConcept:
        """The concept fewest papers link: what a side is named by."""
        return min(concepts, key=lambda c: (len(self.index.papers_linking(c.id)), c.id))

    def _linking_any(self, concepts: Sequence[LinkedConcept]) -> set[str]:
        return set().union(*(self.index.papers_linking(c.id) for c in concepts))

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
    ) -> GapClaim | None:
        papers = self.index.papers_linking(concept.id)
        n = self.index.n_papers
        if max(scores.get(k, 0.0) for k in papers) < self.floor:
            text = (
                f"Only {len(papers):,} of the {n:,} indexed papers treat {concept.name}, none of them "
                f"ranked above {self.floor:.0%} for this question" + self._nearest(hits, papers)
            )
            return GapClaim(kind="weak_concept", text=text, concepts=[concept.id])
        return None

    def _pair_gap(
        self,
        a: LinkedConcept,
        b: LinkedConcept,
        scores: Mapping[str, float],
        hits: Sequence[ScoredPaper],
        side_a: Sequence[LinkedConcept] = (),
        side_b: Sequence[LinkedConcept] = (),
    ) -> GapClaim | None:
        """A line when no paper joins ``a`` and ``b`` (or concepts of their sides), or only weak ones do."""
        pa = self._linking_any(side_a) if side_a else self.index.papers_linking(a.id)
        pb = self._linking_any(side_b) if side_b else self.index.papers_linking(b.id)
        both = pa & pb
        n = self.index.n_papers
        sides = [[c.id for c in side_a] or [a.id], [c.id for c in side_b] or [b.id]]
        if not both:
            text = (
                f"The archive does not contain a study of {a.name} for {b.name}: no paper among the {n:,} "
                "indexed links the two" + self._nearest(hits, pa | pb)
            )
            return GapClaim(kind="no_pair", text=text, concepts=[a.id, b.id], sides=sides)
        if max(scores.get(k, 0.0) for k in both) < self.floor:
            text = (
                f"Only {len(both):,} of the {n:,} indexed papers link {a.name} to {b.name}, none of them "
                f"ranked above {self.floor:.0%} for this question" + self._nearest(hits, both)
            )
            return GapClaim(kind="weak_pair", text=text, concepts=[a.id, b.id], sides=sides)
        if len(both) == 1:  # covered, but by one study: what it reports is all the archive has on the join
            only = next((h for h in hits if h.key in both), None)
            cited = f" [{only.arxiv_id}]" if only is not None else ""
            text = (
                f"Only one of the {n:,} indexed papers studies {a.name} together with {b.name}{cited}; "
                "what it reports is all the archive holds on the two together."
            )
            return GapClaim(kind="single_pair", text=text, concepts=[a.id, b.id], sides=sides)
        return None


def _join(names: Sequence[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _unique(concepts: Iterable[LinkedConcept]) -> list[LinkedConcept]:
    seen: dict[str, LinkedConcept] = {}
    for c in concepts:
        seen.setdefault(c.id, c)
    return list(seen.values())
