"""The offline writer: an extractive answer from the retrieved papers' own sentences, no LLM.

Candidate sentences are the abstracts' sentences and the concept evidence sentences. Each is scored by
embedding cosine with the question (when an embedder is given), lexical overlap with the question's
terms, whether it is evidence for one of the question's concepts, and its paper's relevance. The best few
(at most two per paper, no near-duplicates) are grouped by concept and joined with light connectives;
every sentence ends with the id of the paper it was taken from. Deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hepgraph.answer.citations import DraftSentence, split_sentences
from hepgraph.answer.material import Material, PaperMaterial, WriterOutput
from hepgraph.answer.terms import content_terms
from hepgraph.protocols import Embedder

MIN_WORDS, MAX_WORDS = 6, 70
MIN_SENTENCES, MAX_TITLES = 3, 3
_WE = re.compile(r"^(?:In this (?:paper|work|letter|article|study|note),?\s+)?[Ww]e\b")
_OUR = re.compile(r"\b[Oo]ur\b")
_LIST_START = re.compile(r"^(?:\(?[ivx]+\)|\d+\))\s*")
_WEIGHTS = {"cosine": 0.5, "lexical": 0.3, "concept": 0.1, "paper": 0.1}
_FOLLOW = ("In addition,", "Relatedly,", "Along the same lines,")


@dataclass
class Candidate:
    """A sentence that might go into the answer."""

    text: str
    paper: PaperMaterial
    concept: str = ""  # name of the question concept it is evidence for, if any
    order: int = 0  # position among candidates, the final tie-breaker
    score: float = 0.0
    terms: set[str] = field(default_factory=set)


def _candidates(material: Material) -> list[Candidate]:
    """Abstract and evidence sentences of every paper, one candidate per distinct sentence."""
    question_concepts = {c.id: c.name for c in material.linked_concepts}
    out: dict[tuple[str, str], Candidate] = {}
    for paper in material.papers:
        for ev in paper.evidence:
            concept = question_concepts.get(ev.concept_id, "")
            key = (paper.arxiv_id, ev.sentence)
            if key not in out or (concept and not out[key].concept):
                out[key] = Candidate(ev.sentence, paper, concept)
        for sentence in split_sentences(paper.abstract):
            out.setdefault((paper.arxiv_id, sentence), Candidate(sentence, paper))
    # A title names a paper; it states no finding, so it is never quoted as one.
    titles = {" ".join(p.title.split()).casefold().rstrip(".") for p in material.papers}
    kept = [
        c
        for c in out.values()
        if MIN_WORDS <= len(c.text.split()) <= MAX_WORDS
        and " ".join(c.text.split()).casefold().rstrip(".") not in titles
    ]
    for i, cand in enumerate(kept):
        cand.order = i
        cand.terms = content_terms(cand.text)
    return kept


def _cheap_score(cand: Candidate, q_terms: set[str]) -> float:
    """Everything but the cosine: lexical overlap, concept evidence, paper relevance."""
    lexical = len(q_terms & cand.terms) / len(q_terms) if q_terms else 0.0
    return (
        _WEIGHTS["lexical"] * lexical
        + _WEIGHTS["concept"] * bool(cand.concept)
        + _WEIGHTS["paper"] * cand.paper.score
    )


class SentenceScorer:
    """Scores candidates; embeds only the ``max_embedded`` best by cheap score, caching vectors by text."""

    def __init__(self, embedder: Embedder | None, *, max_embedded: int = 24, cache_size: int = 5000) -> None:
        self.embedder = embedder
        self.max_embedded = max_embedded
        self.cache_size = cache_size
        self._vectors: dict[str, np.ndarray] = {}

    def _encode(self, texts: list[str]) -> np.ndarray:
        assert self.embedder is not None
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            if len(self._vectors) + len(missing) > self.cache_size:
                self._vectors.clear()  # a crude bound: answers rarely repeat far back
            self._vectors.update(zip(missing, self.embedder.encode(missing), strict=True))
        return np.stack([self._vectors[t] for t in texts])

    def score(self, cands: list[Candidate], question: str) -> None:
        """Set ``score`` on every candidate."""
        q_terms = content_terms(question)
        for cand in cands:
            cand.score = _cheap_score(cand, q_terms)
        if self.embedder is None or not cands:
            return
        best = sorted(cands, key=lambda c: (-c.score, c.order))[: self.max_embedded]
        vecs = self._encode([question] + [c.text for c in best])
        for cand, cos in zip(best, np.clip(vecs[1:] @ vecs[0], 0.0, 1.0), strict=True):
            cand.score += _WEIGHTS["cosine"] * float(cos)
        # Candidates not embedded keep only the cheap score: below every embedded one with any similarity.


def _near_duplicate(cand: Candidate, chosen: Sequence[Candidate]) -> bool:
    for other in chosen:
        union = cand.terms | other.terms
        if union and len(cand.terms & other.terms) / len(union) > 0.6:
            return True
    return False


def select(cands: list[Candidate], *, max_sentences: int, per_paper: int = 2) -> list[Candidate]:
    """The best candidates, at most ``per_paper`` from one paper, skipping near-duplicates."""
    chosen: list[Candidate] = []
    per: dict[str, int] = {}
    for cand in sorted(cands, key=lambda c: (-round(c.score, 9), c.order)):
        if len(chosen) == max_sentences:
            break
        if per.get(cand.paper.arxiv_id, 0) >= per_paper or _near_duplicate(cand, chosen):
            continue
        chosen.append(cand)
        per[cand.paper.arxiv_id] = per.get(cand.paper.arxiv_id, 0) + 1
    return chosen


def _group(chosen: list[Candidate]) -> list[tuple[str, list[Candidate]]]:
    """Group by concept (else the paper's first concept), the best group first."""
    groups: dict[str, list[Candidate]] = {}
    for cand in chosen:
        label = cand.concept or (cand.paper.concepts[0] if cand.paper.concepts else "")
        groups.setdefault(label, []).append(cand)
    return sorted(groups.items(), key=lambda kv: -max(c.score for c in kv[1]))


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    # Keep acronyms and names ("LHC", "ATLAS", "GNNs") as written.
    if len(first) > 1 and any(ch.isupper() for ch in first[1:]):
        return text
    return text[:1].lower() + text[1:]


def phrase(cand: Candidate, prefix: str) -> str:
    """One answer sentence: third person instead of "we", a connective, the citation before the stop."""
    text = _LIST_START.sub("", cand.text.strip())
    text = _WE.sub("the authors", text, count=1) if _WE.match(text) else text
    text = _OUR.sub(lambda m: "their" if m.group(0)[0] == "o" else "Their", text)
    text = text.rstrip(" .;:")
    body = f"{prefix} {_lower_first(text)}" if prefix else text[:1].upper() + text[1:]
    return f"{body} [{cand.paper.arxiv_id}]."


def title_sentence(papers: Sequence[PaperMaterial]) -> DraftSentence:
    """One sentence naming papers the archive knows only by title, claiming no finding of theirs.

    Many papers of the HEPML bibliography come without an abstract. When they are what the walk found,
    saying so (and citing them) is more honest than answering that nothing matches.
    """
    named = [
        f"\u201c{' '.join(p.title.split()).rstrip('.')}\u201d"
        + (f" ({p.year})" if p.year else "")
        + f" [{p.arxiv_id}]"
        for p in papers
    ]
    listing = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    what, whose = ("the title of", "its") if len(named) == 1 else ("the titles of", "their")
    return DraftSentence(
        text=f"The archive holds only {what} {listing}, so none of {whose} findings is quoted here.",
        citations=[p.arxiv_id for p in papers],
    )


class OfflineWriter:
    """Extractive answers from the retrieved papers; every sentence is a paper's own, cited.

    Args:
        embedder: scores sentences by cosine with the question; lexical overlap only when None.
        max_sentences: at most this many sentences (the answer has 3-6 when the papers allow).
    """

    name = "offline"

    def __init__(self, embedder: Embedder | None = None, *, max_sentences: int = 5) -> None:
        self.embedder = embedder
        self.scorer = SentenceScorer(embedder)
        self.max_sentences = max(3, min(max_sentences, 6))

    def write(self, material: Material) -> WriterOutput | None:
        """The extractive answer, or None when the papers offer no usable sentence and no title.

        An answer shorter than ``MIN_SENTENCES`` ends by naming the best sources that have no abstract
        (at most ``MAX_TITLES``), as titles, not findings.
        """
        cands = _candidates(material)
        self.scorer.score(cands, material.question)
        chosen = select(cands, max_sentences=self.max_sentences)
        sentences = self._sentences(chosen)
        quoted = {c.paper.arxiv_id for c in chosen}
        title_only = [p for p in material.papers if not p.abstract.strip() and p.arxiv_id not in quoted]
        if len(sentences) < MIN_SENTENCES and title_only:
            sentences.append(title_sentence(title_only[:MAX_TITLES]))
        return WriterOutput(sentences=sentences) if sentences else None

    @staticmethod
    def _sentences(chosen: list[Candidate]) -> list[DraftSentence]:
        sentences: list[DraftSentence] = []
        for g, (concept, members) in enumerate(_group(chosen)):
            for i, cand in enumerate(members):
                if i == 0:
                    prefix = f"On {concept}," if g > 0 and concept else ""
                else:
                    prefix = _FOLLOW[(i - 1) % len(_FOLLOW)]
                sentences.append(DraftSentence(text=phrase(cand, prefix), citations=[cand.paper.arxiv_id]))
        return sentences
