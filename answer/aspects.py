"""The aspects of a question an answer is organised by: the method and the physics goal, and their join.

From the question's structure in the graph (:mod:`hepgraph.graph.structure`): when a question links a
method and a physics goal, its first aspect is the two together (the sources that join them), then each side
alone; a question with one side has that one aspect. Each aspect lists the sources covering it, best first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hepgraph.graph.structure import SIDES, QuestionStructure

AspectKind = Literal["join", "method", "goal"]


class Aspect(BaseModel):
    """One part of the question and the sources that cover it."""

    model_config = ConfigDict(extra="forbid")

    kind: AspectKind
    label: str = Field(description="the part in words, e.g. 'adversarial attack for dark matter'")
    concepts: list[str] = Field(default_factory=list, description="names of the concepts it is made of")
    papers: list[str] = Field(default_factory=list, description="arXiv ids of the sources covering it")


def question_aspects(
    structure: QuestionStructure,
    concept_names: Mapping[int, str],
    covers: Mapping[str, Sequence[str]],
    order: Sequence[str],
) -> list[Aspect]:
    """The question's aspects, the join first.

    Args:
        structure: the question's sides (concept columns per side).
        concept_names: concept column -> name.
        covers: source arXiv id -> the sides it covers.
        order: the sources' arXiv ids, best first.
    """
    sides = {s: [concept_names[c] for c in structure.sides.get(s, []) if c in concept_names] for s in SIDES}
    present = [s for s in SIDES if sides[s]]
    # A side is named by its most specific concept (the structure lists it first): a sentence that opens
    # "On machine learning and Monte Carlo simulation for classification and ..." says nothing twice.
    label = {s: sides[s][0] for s in present}
    out: list[Aspect] = []
    if len(present) == 2:
        out.append(
            Aspect(
                kind="join",
                label=f"{label['method']} for {label['goal']}",
                concepts=[*sides["method"], *sides["goal"]],
                papers=[p for p in order if set(present) <= set(covers.get(p, ()))],
            )
        )
    for side in present:
        out.append(
            Aspect(
                kind="method" if side == "method" else "goal",
                label=label[side],
                concepts=sides[side],
                papers=[p for p in order if side in covers.get(p, ())],
            )
        )
    return out
