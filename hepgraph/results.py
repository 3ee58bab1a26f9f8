"""Typed results of retrieval and answering: what the CLI prints as JSON and the UI draws."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from hepgraph.calibration import calibrate


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Shown(_Result):
    """A result with a ``score`` whose shown percentage, ``relevance``, is the calibrated score.

    ``relevance`` is written into JSON and read back as nothing: it is always recomputed from ``score``.
    """

    score: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _recomputed(cls, data: object) -> object:
        if isinstance(data, dict) and "relevance" in data:
            return {k: v for k, v in data.items() if k != "relevance"}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def relevance(self) -> float | None:
        """What every face shows as the percentage: ``score`` calibrated (see hepgraph.calibration)."""
        return calibrate(self.score) if self.score is not None else None


class PathEdge(_Result):
    """One edge of an explanation path; every such edge exists in the store."""

    source: str = Field(description="node id (hepgraph.nodes): 'p:<paper key>', 'c:<concept id>' or 'q'")
    rel: str
    target: str
    evidence: str = ""


class LinkedConcept(_Result):
    """A vocabulary concept the question was linked to, and how."""

    id: str
    name: str
    type: str
    how: Literal["matcher", "embedding", "followup"]
    score: float = 1.0


class ScoredPaper(_Shown):
    """One retrieved paper with its relevance score in [0, 1] and the paths that brought it."""

    key: str
    arxiv_id: str | None = None
    score: float = Field(ge=0.0, le=1.0, description="retrieval score: orders results, drives thresholds")
    raw_score: float = 0.0
    title: str = ""
    year: int | None = None
    category: str | None = None
    concepts: list[str] = Field(default_factory=list, description="names of the concepts that linked it")
    paths: list[list[PathEdge]] = Field(default_factory=list)


class RetrievalResult(_Result):
    """The answer of a retriever to one question."""

    query: str
    results: list[ScoredPaper] = Field(default_factory=list)
    linked_concepts: list[LinkedConcept] = Field(default_factory=list)
    index_hash: str = ""
    ms: float = 0.0
    notice: str = ""
    off_topic: bool = Field(
        False, description="No paper reaches the relevance floor: the results are the nearest, weak matches."
    )


class Source(_Shown):
    """A source as the answer lists it (the reference page's '62% · hep-ph · title · year')."""

    arxiv_id: str
    score: float
    title: str
    year: int | None = None
    category: str | None = None
    concepts: list[str] = Field(default_factory=list)


class Span(_Result):
    """The words of a paper a cited sentence rests on: ``field`` text ``[start:end]`` of paper ``arxiv_id``.

    ``field`` names the stored paper's ``title_text`` or ``abstract_text``; ``sentence`` is the index of
    the answer sentence it backs.
    """

    arxiv_id: str
    field: Literal["title", "abstract"]
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    sentence: int = Field(0, ge=0)


class Followup(_Result):
    """A keep-exploring question, built from a typed hop; asking it seeds the walk at ``from_nodes``."""

    question: str
    from_nodes: list[str]
    hop: str = ""


class SubgraphNode(_Shown):
    """A node of the cited subgraph."""

    id: str
    label: str
    type: str
    score: float | None = None


class SubgraphEdge(_Result):
    """An edge of the cited subgraph with its evidence sentence where it has one."""

    source: str
    target: str
    rel: str
    evidence: str = ""


class Subgraph(_Result):
    """The papers, concepts and edges that brought the answer's sources."""

    nodes: list[SubgraphNode] = Field(default_factory=list)
    edges: list[SubgraphEdge] = Field(default_factory=list)


GapKind = Literal["no_match", "no_paper", "no_pair", "weak_concept", "weak_pair", "single_pair"]
# The kinds that say the archive lacks something (the rest qualify what it holds): the ones checked.
ABSENCE_KINDS: frozenset[str] = frozenset({"no_paper", "no_pair"})


class GapClaim(_Result):
    """One gap line and what it claims, in concepts, so it can be checked against the whole archive."""

    kind: GapKind
    text: str
    concepts: list[str] = Field(default_factory=list, description="concept ids the line names")
    sides: list[list[str]] = Field(
        default_factory=list, description="for a pair: the concept ids of each side (any of a side counts)"
    )


class Answer(_Result):
    """What a user reads: cited synthesis, sources, gaps, follow-ups and the cited subgraph."""

    question: str
    answer: str
    writer: Literal["claude", "offline"]
    citations: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    gap_claims: list[GapClaim] = Field(
        default_factory=list, description="the graph's gap lines with their concepts (the writer's are not)"
    )
    gaps_refuted: int = Field(0, description="absence lines dropped because a paper's text covers them")
    sentences: list[str] = Field(
        default_factory=list, description="the answer's sentences as written (answer is them joined)"
    )
    spans: list[Span] = Field(
        default_factory=list, description="for each cited sentence, the source words it was drawn from"
    )
    followups: list[Followup] = Field(default_factory=list)
    subgraph: Subgraph = Field(default_factory=Subgraph)
    notice: str = ""
    removed_citations: int = 0
    removed_unquoted: int = Field(0, description="Claude citations removed: their quote is not in the paper")
    index_hash: str = ""
    ms: float = 0.0
