"""The material a writer may use: the retrieved papers' text and the evidence sentences that linked them.

Both writers receive the same :class:`Material` and nothing else, so an answer can only say what the
retrieved papers say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from hepgraph.answer.citations import DraftSentence
from hepgraph.models import Concept, ConceptLink, Paper
from hepgraph.results import LinkedConcept, RetrievalResult, ScoredPaper

MAX_EVIDENCE_PER_PAPER = 6


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvidenceSentence(_Model):
    """A sentence of a paper in which a concept was found."""

    concept_id: str
    concept_name: str
    concept_type: str
    sentence: str


class PaperMaterial(_Model):
    """One retrieved paper as the writer sees it."""

    key: str
    arxiv_id: str
    title: str
    year: int | None = None
    category: str | None = None
    score: float
    abstract: str = ""
    concepts: list[str] = Field(default_factory=list, description="names of the concepts that linked it")
    evidence: list[EvidenceSentence] = Field(default_factory=list)


class Material(_Model):
    """The question, its linked concepts and the papers a writer may cite."""

    question: str
    papers: list[PaperMaterial] = Field(default_factory=list)
    linked_concepts: list[LinkedConcept] = Field(default_factory=list)

    @property
    def allowed_ids(self) -> list[str]:
        """ArXiv ids that may be cited."""
        return [p.arxiv_id for p in self.papers]


class WriterOutput(_Model):
    """A writer's draft: sentences with citations (checked later), and parts it found uncovered."""

    sentences: list[DraftSentence] = Field(min_length=1)
    not_covered: list[str] = Field(default_factory=list)


def _evidence(
    links: Sequence[ConceptLink], concepts: Mapping[str, Concept], preferred: set[str]
) -> list[EvidenceSentence]:
    """Evidence sentences of a paper, the question's concepts first, one per (concept, sentence)."""
    ordered = sorted(links, key=lambda link: (link.concept_id not in preferred, -link.count, link.concept_id))
    out: list[EvidenceSentence] = []
    seen: set[tuple[str, str]] = set()
    for link in ordered:
        concept = concepts.get(link.concept_id)
        for ev in link.evidence:
            if (link.concept_id, ev.sentence) in seen or not ev.sentence.strip():
                continue
            seen.add((link.concept_id, ev.sentence))
            out.append(
                EvidenceSentence(
                    concept_id=link.concept_id,
                    concept_name=concept.name if concept else link.concept_id,
                    concept_type=concept.type if concept else "",
                    sentence=ev.sentence.strip(),
                )
            )
            break  # one sentence per concept keeps the material short and varied
        if len(out) >= MAX_EVIDENCE_PER_PAPER:
            break
    return out


def paper_material(
    hit: ScoredPaper,
    paper: Paper | None,
    links: Sequence[ConceptLink],
    concepts: Mapping[str, Concept],
    preferred: set[str],
) -> PaperMaterial:
    """Combine a retrieval hit with the stored paper and its concept links."""
    return PaperMaterial(
        key=hit.key,
        arxiv_id=hit.arxiv_id or hit.key,
        title=(paper.title_text if paper else "") or hit.title,
        year=(paper.year if paper else None) or hit.year,
        category=(paper.primary_category if paper else None) or hit.category,
        score=hit.score,
        abstract=paper.abstract_text if paper else "",
        concepts=list(hit.concepts),
        evidence=_evidence(links, concepts, preferred),
    )


def build_material(
    question: str,
    retrieval: RetrievalResult,
    hits: Sequence[ScoredPaper],
    papers: Mapping[str, Paper],
    links: Mapping[str, Sequence[ConceptLink]],
    concepts: Mapping[str, Concept],
) -> Material:
    """The writer's material for ``hits`` (the sources), with their stored text and evidence."""
    preferred = {c.id for c in retrieval.linked_concepts}
    return Material(
        question=question,
        papers=[
            paper_material(h, papers.get(h.key), links.get(h.key, []), concepts, preferred) for h in hits
        ],
        linked_concepts=list(retrieval.linked_concepts),
    )
