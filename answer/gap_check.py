"""Checks a "not in the archive" line against every paper's text, not only against the graph's links.

A gap line is written from the graph: no paper *links* a concept, or links both sides of a pair. The
links come from the phrase matcher, which can miss a paper (a context rule, an unlisted form). So before
an absence line is shown, every paper's title and abstract is searched for the concept's surface forms
(name, aliases, acronyms case-sensitively; and those of its IS_A children, as the graph lookup counts
them): a paper that names the concept, or both sides of the pair, covers the line, and the line is false.

Each concept's matches are found once per checker (one regular expression over every text), so a checker
kept with its store answers the next question's checks from memory.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping

from hepgraph.models import Concept
from hepgraph.results import ABSENCE_KINDS, GapClaim

logger = logging.getLogger(__name__)

Texts = Callable[[], Iterable[tuple[str, str]]]  # () -> (paper key, title + abstract) for every paper


def concept_pattern(concept: Concept, children: Iterable[Concept] = ()) -> re.Pattern[str] | None:
    """One expression matching any surface form of ``concept`` or its children as whole words.

    Names and aliases match in any case, acronyms in their own case (``VAE`` is not "vae" in a word).
    """
    loose, exact = [], []
    for c in (concept, *children):
        loose += [c.name, *c.aliases]
        exact += c.acronyms
    parts = [re.escape(f) for f in dict.fromkeys(f for f in loose if len(f) > 2)]
    exact_parts = [re.escape(f) for f in dict.fromkeys(f for f in exact if len(f) > 1)]
    alternatives = []
    if parts:
        alternatives.append(f"(?i:{'|'.join(sorted(parts, key=len, reverse=True))})")
    if exact_parts:
        alternatives.append("|".join(sorted(exact_parts, key=len, reverse=True)))
    if not alternatives:
        return None
    return re.compile(rf"(?<![\w-])(?:{'|'.join(alternatives)})(?![\w-])")


class GapChecker:
    """Finds the papers whose text covers an absence line.

    Args:
        concepts: every stored concept by id (their names, aliases, acronyms and parents).
        texts: a callable giving (key, text) for every paper; called once, on the first check.
    """

    def __init__(self, concepts: Mapping[str, Concept], texts: Texts) -> None:
        self.concepts = concepts
        self._texts_of = texts
        self._texts: list[tuple[str, str]] | None = None
        self._mentions: dict[str, frozenset[str]] = {}
        self._children: dict[str, list[Concept]] = {}
        for c in concepts.values():
            for parent in c.parents:
                self._children.setdefault(parent, []).append(c)

    def mentions(self, concept_id: str) -> frozenset[str]:
        """Keys of the papers whose text names the concept (or one of its children)."""
        found = self._mentions.get(concept_id)
        if found is None:
            concept = self.concepts.get(concept_id)
            pattern = concept_pattern(concept, self._children.get(concept_id, ())) if concept else None
            if self._texts is None:
                self._texts = list(self._texts_of())
            found = frozenset(k for k, text in self._texts if pattern and pattern.search(text))
            self._mentions[concept_id] = found
        return found

    def covering(self, claim: GapClaim) -> list[str]:
        """The papers that refute an absence line, sorted; [] for a line that holds (or is no absence line).

        ``no_paper``: papers naming any of its concepts. ``no_pair``: papers naming a concept of each side.
        """
        if claim.kind not in ABSENCE_KINDS:
            return []
        if claim.kind == "no_paper":
            found: set[str] = set()
            for cid in claim.concepts:
                found |= self.mentions(cid)
            return sorted(found)
        sides = claim.sides or [[c] for c in claim.concepts]
        covered = [set().union(*(self.mentions(c) for c in side)) for side in sides]
        return sorted(set.intersection(*covered)) if covered else []

    def holds(self, claim: GapClaim) -> bool:
        """Whether no paper's text refutes the line."""
        return not self.covering(claim)
