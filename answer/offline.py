"""The offline writer: an answer built from the retrieved papers' own sentences, no LLM.

It answers first, then explains. The opening sentence states what the strongest source shows about the
question's first aspect (its method for its physics goal, when the question has both), naming and citing
that paper; then comes a short paragraph per aspect, each sentence from a source that covers it. Every
sentence is one of a paper's abstract or evidence sentences, rewritten only so that the paper is named
where the abstract said "we" or "this work" (:mod:`hepgraph.answer.prose`), cited, and never repeating
another sentence's clause. Sentences are chosen by meaning (embedding cosine with the question), words,
concept evidence and the paper's relevance. Deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hepgraph.answer.aspects import Aspect
from hepgraph.answer.citations import DraftSentence, split_sentences
from hepgraph.answer.material import AspectEvidence, Material, PaperMaterial, WriterOutput
from hepgraph.answer.prose import attribute, ngrams, paper_name
from hepgraph.answer.terms import content_terms
from hepgraph.protocols import Embedder
from hepgraph.quotes import locate
from hepgraph.results import Span

MIN_WORDS, MAX_WORDS = 6, 60
MIN_SENTENCES, MAX_TITLES = 3, 3
PER_JOIN, PER_SIDE = 2, 1  # sentences on the question's join, and on each side alone
# A sentence after the first must be about the question at all: cosine with it at least this (for
# all-MiniLM-L6-v2, a question and a sentence on its subject sit around 0.4-0.7, unrelated ones below 0.3).
MIN_COSINE = 0.3
# Meaning and words of the question first; then whether the sentence states a result (what an answer
# quotes: "we find", a number, a comparison) rather than the premise an abstract opens with, which
# restates the question and so resembles it most.
_WEIGHTS = {
    "cosine": 0.5,
    "lexical": 0.3,
    "concept": 0.1,
    "paper": 0.1,
    "finding": 0.2,
    "number": 0.1,
    "premise": -0.2,
}
_NUMBER = re.compile(r"\d+(?:\.\d+)?\s*(?:%|σ|sigma|times|x\b|×|fold)|factor of|orders? of magnitude", re.I)
_PREMISE = re.compile(
    r"\b(?:often|remains? (?:a|an|one)|is (?:a |an )?(?:key|major|central|open|long-standing|crucial|"
    r"essential|important) (?:challenge|problem|question|issue|task|ingredient|tool)|are widely used|"
    r"is widely used|has become|have become|growing interest|increasingly|promising|plays? (?:a|an) "
    r"(?:key|central|crucial|important) role|is essential|are essential|is crucial|are crucial|"
    r"motivat|in recent years|recently)\b",
    re.IGNORECASE,
)
_FINDING = re.compile(
    r"\b(?:shows?|showed|shown|finds?|found|demonstrates?|demonstrated|achieves?|improves?|improved|"
    r"outperforms?|reduces?|reduced|increases?|yields?|indicates?|observes?|observed|obtains?|reaches|"
    r"retains?|enables?|results? in|leads? to|allows?|exceeds?|matches|surpass(?:es)?|degrades?|fails?)\b"
    r"|\d\s*(?:%|σ|sigma)",
    re.IGNORECASE,
)
_FUTURE = re.compile(r"\b(?:will|would)\b", re.IGNORECASE)
_LIST_START = re.compile(r"^(?:\(?[ivx]+\)|\d+\))\s*")
# A sentence that opens an abstract by setting the scene, not by stating what the paper did or found.
_SCENE = re.compile(
    r"^(?:in recent years|recently|over the past|machine learning (?:has|is)|deep learning (?:has|is)|"
    r"there (?:is|has been|are)|the (?:large hadron collider|lhc) (?:is|has))",
    re.IGNORECASE,
)


@dataclass
class Candidate:
    """A sentence that might go into the answer, and how it reads with its paper named."""

    text: str
    paper: PaperMaterial
    concept: str = ""  # name of the question concept it is evidence for, if any
    position: int = -1  # sentence number in the abstract (-1: an evidence sentence)
    order: int = 0  # position among candidates, the final tie-breaker
    score: float = 0.0
    cosine: float | None = None  # with the question; None when the writer has no embedder
    terms: set[str] = field(default_factory=set)
    asked: int = 0  # question words it shares beyond the names of the question's concepts
    attributed: str = ""  # the sentence with its paper named (prose.attribute), without the citation


def _candidates(material: Material) -> list[Candidate]:
    """Abstract and evidence sentences that can stand in an answer, one per distinct sentence."""
    question_concepts = {c.id: c.name for c in material.linked_concepts}
    out: dict[tuple[str, str], Candidate] = {}
    for paper in material.papers:
        for ev in paper.evidence:
            concept = question_concepts.get(ev.concept_id, "")
            key = (paper.arxiv_id, ev.sentence)
            if key not in out or (concept and not out[key].concept):
                out[key] = Candidate(ev.sentence, paper, concept)
        for position, sentence in enumerate(split_sentences(paper.abstract)):
            cand = out.setdefault((paper.arxiv_id, sentence), Candidate(sentence, paper))
            cand.position = position  # an evidence sentence is one of the abstract's too
    # A title names a paper; it states no finding, so it is never quoted as one.
    titles = {" ".join(p.title.split()).casefold().rstrip(".") for p in material.papers}
    kept = []
    for cand in out.values():
        text = _LIST_START.sub("", " ".join(cand.text.split()))
        if not MIN_WORDS <= len(text.split()) <= MAX_WORDS or text.casefold().rstrip(".") in titles:
            continue
        name, plural = (
            (cand.paper.name, cand.paper.plural) if cand.paper.name else paper_name([], cand.paper.title)
        )
        attributed = attribute(text, name, plural)
        if attributed is None or _SCENE.match(text):
            continue
        cand.attributed = attributed
        kept.append(cand)
    for i, cand in enumerate(kept):
        cand.order = i
        cand.terms = content_terms(cand.text)
    return kept


def _cheap_score(cand: Candidate, q_terms: set[str]) -> float:
    """Everything but the cosine: lexical overlap, concept evidence, paper relevance, finding or scene."""
    lexical = len(q_terms & cand.terms) / len(q_terms) if q_terms else 0.0
    return (
        _WEIGHTS["lexical"] * lexical
        + _WEIGHTS["concept"] * bool(cand.concept)
        + _WEIGHTS["paper"] * cand.paper.score
        + _WEIGHTS["finding"] * _is_finding(cand)
        + _WEIGHTS["number"] * bool(_NUMBER.search(cand.text))
        + _WEIGHTS["premise"] * (_is_scene(cand) or bool(_PREMISE.search(cand.text)))
    )


def _is_scene(cand: Candidate) -> bool:
    """An abstract's first sentence that is not already "We ..." sets the scene."""
    return cand.position == 0 and not cand.attributed.startswith(cand.paper.name)


def _is_finding(cand: Candidate) -> bool:
    """A sentence that states a result (a promise, "will improve", is not one)."""
    return bool(_FINDING.search(cand.text)) and not _FUTURE.search(cand.text)


class SentenceScorer:
    """Scores candidates; embeds only the ``max_embedded`` best by cheap score, caching vectors by text."""

    def __init__(self, embedder: Embedder | None, *, max_embedded: int = 32, cache_size: int = 5000) -> None:
        self.embedder = embedder
        self.max_embedded = max_embedded
        self.cache_size = cache_size
        self._vectors: dict[str, np.ndarray] = {}

    def _encode(self, embedder: Embedder, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            if len(self._vectors) + len(missing) > self.cache_size:
                self._vectors.clear()  # a crude bound: answers rarely repeat far back
            self._vectors.update(zip(missing, embedder.encode(missing), strict=True))
        return np.stack([self._vectors[t] for t in texts])

    def score(self, cands: list[Candidate], question: str, concept_names: Sequence[str] = ()) -> None:
        """Set ``score`` (and the question words beyond ``concept_names`` shared) on every candidate."""
        q_terms = content_terms(question)
        beyond = q_terms - content_terms(" ".join(concept_names))
        for cand in cands:
            cand.score = _cheap_score(cand, q_terms)
            cand.asked = len(cand.terms & beyond)
        if self.embedder is None or not cands:
            return
        for cand in cands:  # not embedded: below every embedded one with any similarity
            cand.cosine = 0.0
        best = sorted(cands, key=lambda c: (-c.score, c.order))[: self.max_embedded]
        vecs = self._encode(self.embedder, [question] + [c.text for c in best])
        for cand, cos in zip(best, np.clip(vecs[1:] @ vecs[0], 0.0, 1.0), strict=True):
            cand.cosine = float(cos)
            cand.score += _WEIGHTS["cosine"] * cand.cosine
        # Candidates not embedded keep only the cheap score: below every embedded one with any similarity.


def _ranked(cands: Sequence[Candidate]) -> list[Candidate]:
    return sorted(cands, key=lambda c: (-round(c.score, 9), c.order))


def _cite(text: str, arxiv_id: str) -> str:
    """``text`` with the citation before its final stop (an "et al." keeps its own stop)."""
    body = text.rstrip()
    if body.endswith("et al."):
        return f"{body} [{arxiv_id}]."
    return f"{body.rstrip(' .;:')} [{arxiv_id}]."


def _after_lead_in(cand: Candidate) -> str:
    """The candidate's sentence as it reads after a lead-in ("On X, ..."), its first word in lower case.

    Unless that word is the paper's name, an acronym ("LHC", "GNNs") or another word with inner capitals.
    """
    text = cand.attributed
    words = text.split(" ", 2)
    first, second = words[0], words[1] if len(words) > 1 else ""
    if (
        text.startswith(cand.paper.name)
        or (len(first) > 1 and any(ch.isupper() for ch in first[1:]))
        or second[:1].isupper()  # a name in title case: "Resistive Plate Chambers"
    ):
        return text
    return text[:1].lower() + text[1:]


def source_span(paper: PaperMaterial, sentence: str) -> Span | None:
    """Where ``sentence`` stands in the paper's stored abstract (or title): the offsets a citation rests on.

    Candidates are the abstract's own sentences or its concept-evidence sentences (cut from title and
    abstract, their whitespace runs sometimes joined), so the search finds them; None only if neither
    field holds the words.
    """
    for where, text in (("abstract", paper.abstract), ("title", paper.title)):
        found = locate(text, sentence)  # the quote rule: the same words over any whitespace run
        if found:
            start, end = found
            return Span(arxiv_id=paper.arxiv_id, field=where, start=start, end=end, text=text[start:end])
    return None


def _title_span(paper: PaperMaterial) -> Span:
    return Span(arxiv_id=paper.arxiv_id, field="title", start=0, end=len(paper.title), text=paper.title)


def title_sentence(papers: Sequence[PaperMaterial], *, also: bool = False) -> DraftSentence:
    """One sentence naming papers the archive knows only by title, claiming no finding of theirs.

    Many papers of the HEPML bibliography come without an abstract. When they are what the walk found,
    saying so (and citing them) is more honest than answering that nothing matches. With ``also``, after
    findings quoted from other papers, the sentence only lists them.
    """
    named = [
        f"\u201c{' '.join(p.title.split()).rstrip('.')}\u201d"
        + (f" ({p.year})" if p.year else "")
        + f" [{p.arxiv_id}]"
        for p in papers
    ]
    listing = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    what, whose = ("the title of", "its") if len(named) == 1 else ("the titles of", "their")
    text = (
        f"By title only, the archive also lists {listing}."
        if also
        else f"The archive holds only {what} {listing}, so none of {whose} findings is quoted here."
    )
    return DraftSentence(
        text=text, citations=[p.arxiv_id for p in papers], spans=[_title_span(p) for p in papers]
    )


def _closest_by_title(paper: PaperMaterial) -> DraftSentence:
    """The best-ranked source, when it has no abstract: named, with what the archive lacks of it."""
    year = f" ({paper.year})" if paper.year else ""
    title = " ".join(paper.title.split()).rstrip(".")
    return DraftSentence(
        text=f"The best-ranked match, \u201c{title}\u201d{year} [{paper.arxiv_id}], is known here by its "
        "title only.",
        citations=[paper.arxiv_id],
        spans=[_title_span(paper)],
    )


class _Composer:
    """Chooses sentences without repeating a paper's point or another sentence's clause."""

    def __init__(self, cands: list[Candidate], max_sentences: int) -> None:
        self.cands = _ranked(cands)
        self.max_sentences = max_sentences
        self.sentences: list[DraftSentence] = []
        self.used: set[int] = set()
        self.per_paper: dict[str, int] = {}
        self.grams: set[tuple[str, ...]] = set()

    def full(self) -> bool:
        return len(self.sentences) >= self.max_sentences

    def best(
        self,
        papers: Sequence[str],
        *,
        per_paper: int = 1,
        min_cosine: float = 0.0,
        scene: bool = True,
        asked: int = 0,
    ) -> Candidate | None:
        """The best unused candidate from ``papers`` that repeats no clause already said.

        With ``scene`` False, no abstract's scene-setting first sentence (only the opening may need one);
        ``asked`` is how many question words beyond its concepts' names the sentence must share.
        """
        allowed = set(papers)
        for cand in self.cands:
            if (
                (cand.cosine is not None and cand.cosine < min_cosine)
                or cand.asked < asked
                or (not scene and _is_scene(cand))
                or id(cand) in self.used
                or cand.paper.arxiv_id not in allowed
                or self.per_paper.get(cand.paper.arxiv_id, 0) >= per_paper
                or ngrams(cand.attributed) & self.grams
            ):
                continue
            return cand
        return None

    def add(self, cand: Candidate, text: str) -> None:
        self.used.add(id(cand))
        self.per_paper[cand.paper.arxiv_id] = self.per_paper.get(cand.paper.arxiv_id, 0) + 1
        self.grams |= ngrams(cand.attributed)
        cited = _cite(text[:1].upper() + text[1:], cand.paper.arxiv_id)
        span = source_span(cand.paper, cand.text)
        self.sentences.append(
            DraftSentence(text=cited, citations=[cand.paper.arxiv_id], spans=[span] if span else [])
        )


class _Labels:
    """Names for the lead-in of a sentence: the question's concepts that the sentence's own paper links.

    A lead-in names only what its paper is about ("On transformer for top tagging, ..." only for a
    paper linking both); each side is named by its most specific concept the paper links.
    """

    def __init__(self, material: Material) -> None:
        sides: dict[str, list[str]] = {}
        for aspect in material.aspects:
            if aspect.kind != "join":
                sides[aspect.kind] = aspect.concepts
        self.sides = sides

    def of(self, paper: PaperMaterial, side: str | None = None) -> str:
        """The lead-in label for ``paper`` (only ``side`` when given); '' when it links none."""
        linked = set(paper.concepts)
        named = {s: next((c for c in names if c in linked), "") for s, names in self.sides.items()}
        if side is not None:
            return named.get(side, "")
        method, goal = named.get("method", ""), named.get("goal", "")
        return f"{method} for {goal}" if method and goal else method or goal


class OfflineWriter:
    """Extractive answers from the retrieved papers; every sentence is a paper's own, named and cited.

    Args:
        embedder: scores sentences by cosine with the question; lexical overlap only when None.
        max_sentences: at most this many sentences (the answer has 3-6 when the papers allow).
    """

    name = "offline"

    def __init__(self, embedder: Embedder | None = None, *, max_sentences: int = 6) -> None:
        self.embedder = embedder
        self.scorer = SentenceScorer(embedder)
        self.max_sentences = max(3, min(max_sentences, 7))

    def best_evidence(self, material: Material, *, per_aspect: int = 2) -> list[AspectEvidence]:
        """The sentences this writer would choose first for each aspect (what Claude is shown as evidence)."""
        cands = _candidates(material)
        self.scorer.score(cands, material.question, [c.name for c in material.linked_concepts])
        out = []
        for aspect in material.aspects:
            covering = set(aspect.papers)
            best = [c for c in _ranked(cands) if c.paper.arxiv_id in covering][:per_aspect]
            out += [
                AspectEvidence(aspect=aspect.label, arxiv_id=c.paper.arxiv_id, sentence=c.text) for c in best
            ]
        return out

    def write(self, material: Material) -> WriterOutput | None:
        """The answer, or None when the papers offer no usable sentence and no title.

        Sources known only by title whose titles share two or more of the question's words are named
        (at most ``MAX_TITLES``, best first), as titles, not findings; when the best-ranked source is one,
        the answer opens by naming it.
        """
        cands = _candidates(material)
        self.scorer.score(cands, material.question, [c.name for c in material.linked_concepts])
        composer = _Composer(cands, self.max_sentences)
        order = [p.arxiv_id for p in material.papers]
        aspects = [a for a in material.aspects if a.papers]
        q_terms = content_terms(material.question)
        on_topic = [p for p in material.papers if len(content_terms(p.title) & q_terms) >= 2]
        labels = _Labels(material)
        self._open(composer, labels, order)
        top = material.papers[0] if material.papers else None
        if composer.used and top is not None and not top.abstract.strip() and top in on_topic:
            composer.sentences.append(_closest_by_title(top))  # the best match, after what is known
        joined = any(a.kind == "join" for a in aspects)
        for aspect in aspects:
            self._paragraph(composer, aspect, labels, alone=joined)
        if len(composer.sentences) < MIN_SENTENCES:  # too few aspects or papers: the best other sources
            self._paragraph(composer, None, labels, order, per_paper=2)
        sentences = composer.sentences
        cited = {c for s in sentences for c in s.citations}
        # Sources known only by their titles are named, never quoted, when their titles speak to the
        # question: they may be the best matches, only the archive lacks their abstracts.
        titles = [p for p in on_topic if not p.abstract.strip() and p.arxiv_id not in cited]
        if titles:
            quoted = bool(composer.used)
            sentences.append(title_sentence(titles[:MAX_TITLES], also=quoted))
        return WriterOutput(sentences=sentences) if sentences else None

    @staticmethod
    def _open(composer: _Composer, labels: _Labels, order: list[str]) -> None:
        """The first sentence, from the best-ranked source with a usable sentence.

        It is introduced by the question's concepts that source links: the ranking already puts the
        sources that join the question's sides first, and it judges relevance better than the concept
        links alone (a paper about the goal in other words is still the best source).
        """
        for arxiv_id in order:
            cand = composer.best([arxiv_id])
            if cand is not None:
                label = labels.of(cand.paper)
                composer.add(cand, f"On {label}, {_after_lead_in(cand)}" if label else cand.attributed)
                return

    @staticmethod
    def _paragraph(
        composer: _Composer,
        aspect: Aspect | None,
        labels: _Labels,
        order: Sequence[str] = (),
        *,
        alone: bool = False,
        per_paper: int = 1,
    ) -> None:
        """A few more sentences on one aspect (or, with none, on the question at large).

        A side's sentence opens by naming the side ("On dark matter alone, ...", when the question has a
        join of both sides) with the side's concept its paper links; the join's sentences continue the
        opening.
        """
        papers = aspect.papers if aspect is not None else order
        # A side alone says one thing, and only from a sentence on something else the question asks.
        side = aspect is not None and aspect.kind != "join"
        limit = PER_SIDE if side else PER_JOIN
        said = 0
        while said < limit and not composer.full():
            cand = composer.best(
                papers, per_paper=per_paper, min_cosine=MIN_COSINE, scene=False, asked=1 if side else 0
            )
            if cand is None:
                return
            label = labels.of(cand.paper, aspect.kind) if side and aspect is not None else ""
            if label and said == 0:
                text = f"On {label}{' alone' if alone else ''}, {_after_lead_in(cand)}"
            else:
                text = cand.attributed
            composer.add(cand, text)
            said += 1
