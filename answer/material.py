"""The material a writer may use: the retrieved papers' text and the evidence sentences that linked them.

Both writers receive the same :class:`Material` and nothing else, so an answer can only say what the
retrieved papers say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from hepgraph.answer.aspects import Aspect
from hepgraph.answer.citations import DraftSentence
from hepgraph.answer.prose import paper_name
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


class AspectEvidence(_Model):
    """A sentence of a source judged best for one aspect of the question (the offline writer's scoring)."""

    aspect: str
    arxiv_id: str
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
    name: str = Field("", description="how a sentence names the paper: 'Lovelace et al.', 'the CMS ...'")
    plural: bool = Field(True, description="whether that name takes a plural verb")
    covers: list[str] = Field(default_factory=list, description="the question's sides it covers")
    concepts: list[str] = Field(default_factory=list, description="names of the concepts that linked it")
    evidence: list[EvidenceSentence] = Field(default_factory=list)


class Material(_Model):
    """The question, its linked concepts, its aspects and gaps, and the papers a writer may cite."""

    question: str
    papers: list[PaperMaterial] = Field(default_factory=list)
    linked_concepts: list[LinkedConcept] = Field(default_factory=list)
    aspects: list[Aspect] = Field(default_factory=list, description="the question's parts, join first")
    gaps: list[str] = Field(default_factory=list, description="what the graph shows no source covers")
    evidence: list[AspectEvidence] = Field(default_factory=list, description="best sentences per aspect")

    def evidence_for(self, label: str) -> list[AspectEvidence]:
        """The best evidence sentences of one aspect, best first."""
        return [e for e in self.evidence if e.aspect == label]

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
    covers: Sequence[str] = (),
) -> PaperMaterial:
    """Combine a retrieval hit with the stored paper and its concept links."""
    title = (paper.title_text if paper else "") or hit.title
    name, plural = paper_name(paper.authors if paper else [], title)
    return PaperMaterial(
        key=hit.key,
        arxiv_id=hit.arxiv_id or hit.key,
        title=title,
        year=(paper.year if paper else None) or hit.year,
        category=(paper.primary_category if paper else None) or hit.category,
        score=hit.score,
        abstract=paper.abstract_text if paper else "",
        name=name,
        plural=plural,
        covers=list(covers),
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
    *,
    covers: Mapping[str, Sequence[str]] | None = None,
    aspects: Sequence[Aspect] = (),
    gaps: Sequence[str] = (),
) -> Material:
    """The writer's material for ``hits`` (the sources), with their stored text, evidence and structure."""
    preferred = {c.id for c in retrieval.linked_concepts}
    covers = covers or {}
    return Material(
        question=question,
        papers=[
            paper_material(
                h,
                papers.get(h.key),
                links.get(h.key, []),
                concepts,
                preferred,
                covers.get(h.arxiv_id or "", ()),
            )
            for h in hits
        ],
        linked_concepts=list(retrieval.linked_concepts),
        aspects=list(aspects),
        gaps=list(gaps),
    )
