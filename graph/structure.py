"""A question's structure in the graph: its concepts on two sides, and which papers join them.

Questions as physicists ask them combine a **method** ("adversarial training", "a GNN") with a **physics
goal** ("sensitivity to rare BSM signals", "track finding at the HL-LHC"). The linked concepts of a question
are grouped by type into those two sides; a paper *covers* a side when it links one of the side's concepts
or a concept below it in the IS_A hierarchy. A paper that joins both sides answers the question; one that
covers a single side is half an answer.

A goal-side concept is *physics-specific* when the papers without a physics category (the ML literature in
the store) link it less often than they are common overall: "jet tagging" and "dark matter" are, while
"classification" and "anomaly detection", which the ML papers use as much as the physics ones, are not.
A question that links a physics-specific concept names physics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from hepgraph.graph.view import GraphView
from hepgraph.results import LinkedConcept

METHOD_TYPES = frozenset({"Method"})
GOAL_TYPES = frozenset({"Topic", "Task", "Process", "Experiment", "Dataset"})
SIDES = ("method", "goal")


@dataclass(frozen=True)
class QuestionStructure:
    """The sides of one question: concept columns (view concept indices minus n_papers) per side."""

    sides: dict[str, list[int]]  # most specific concept first
    names_physics: bool

    @property
    def joined(self) -> bool:
        """Whether the question has both a method and a physics-goal side."""
        return all(self.sides.get(s) for s in SIDES)


class StructureIndex:
    """The per-view tables a question's structure is read from: paper x concept links, IS_A, physics.

    Args:
        view: the graph view.
        paper_concepts: (papers x concepts) 0/1 link matrix of the view (CSR).
    """

    def __init__(self, view: GraphView, paper_concepts: sp.csr_matrix) -> None:
        self.view = view
        self.paper_concepts = sp.csr_matrix(paper_concepts)
        n = view.n_papers
        self.children: dict[int, list[int]] = {}
        is_a = view.edges.get("IS_A")
        if is_a is not None:
            for child, parent in zip((is_a.src - n).tolist(), (is_a.dst - n).tolist(), strict=True):
                self.children.setdefault(parent, []).append(child)
        self.papers_per_concept = np.asarray(self.paper_concepts.sum(axis=0)).ravel()
        # Papers without categories (bibliography entries) count as physics: the store's sources are.
        self.physics_paper = view.paper_physics != 0
        self.physics_concept = _physics_specific(self.paper_concepts, self.physics_paper)

    def below(self, column: int) -> list[int]:
        """A concept column and every column below it in the IS_A hierarchy."""
        out, todo = [column], [column]
        while todo:
            for child in self.children.get(todo.pop(), ()):
                if child not in out:
                    out.append(child)
                    todo.append(child)
        return out

    def structure(self, concepts: list[LinkedConcept]) -> QuestionStructure:
        """The question's sides from its linked concepts (unknown concepts are left out).

        A concept with a more specific one below it among the question's ("tagging" beside "jet
        tagging") is left out: the specific one says what the question is about.
        """
        sides: dict[str, list[int]] = {s: [] for s in SIDES}
        names_physics = False
        for concept in concepts:
            i = self.view.index_of(f"c:{concept.id}")
            if i is None:
                continue
            column = i - self.view.n_papers
            side = "method" if concept.type in METHOD_TYPES else "goal" if concept.type in GOAL_TYPES else ""
            if side:
                sides[side].append(column)
            names_physics |= side == "goal" and bool(self.physics_concept[column])
        for side, columns in sides.items():
            specific = [c for c in columns if not any(o != c and o in self.below(c) for o in columns)]
            # Most specific first (fewest papers link it): what names a side in a sentence.
            sides[side] = sorted(specific, key=lambda c: (self.papers_per_concept[c], c))
        return QuestionStructure(sides=sides, names_physics=names_physics)

    def covered(self, structure: QuestionStructure) -> dict[str, np.ndarray]:
        """Per side with concepts, a boolean per paper: it links one of the side's concepts or one below."""
        out = {}
        for side, columns in structure.sides.items():
            if not columns:
                continue
            below = sorted({c for column in columns for c in self.below(column)})
            out[side] = np.asarray(self.paper_concepts[:, below].sum(axis=1)).ravel() > 0
        return out

    def coverage(self, structure: QuestionStructure) -> np.ndarray:
        """Share of the question's sides each paper covers, smoothed: (1 + covered) / (1 + sides).

        The smoothing (add-one, as in Laplace's rule) keeps a paper found by its words alone in the ranking
        at a third of its walk score, instead of removing it: the vocabulary never covers every phrasing.
        """
        covered = self.covered(structure)
        counts = sum((c.astype(np.float64) for c in covered.values()), np.zeros(self.view.n_papers))
        return (1.0 + counts) / (1.0 + len(covered))


def _physics_specific(paper_concepts: sp.csr_matrix, physics_paper: np.ndarray) -> np.ndarray:
    """Per concept: linked by non-physics papers less often than their share of all papers.

    A concept no non-physics paper links is physics-specific; one the ML papers link in proportion (or
    more) is shared vocabulary. With no non-physics paper in the store every concept is physics-specific.
    """
    n_papers = paper_concepts.shape[0]
    outside = ~physics_paper
    base = outside.sum() / max(n_papers, 1)
    total = np.asarray(paper_concepts.sum(axis=0)).ravel()
    by_outside = np.asarray(paper_concepts[outside].sum(axis=0)).ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, by_outside / np.maximum(total, 1), 0.0)
    return share < base if base > 0 else np.ones(paper_concepts.shape[1], dtype=bool)
