"""Answer a question: retrieve, write (Claude or offline), check citations, add gaps, follow-ups, subgraph."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from hepgraph.answer.aspects import question_aspects
from hepgraph.answer.citations import (
    CheckedAnswer,
    DraftSentence,
    check_citations,
    check_sentence,
    parse_citations,
    resolve_quotes,
    strip_unretrieved,
)
from hepgraph.answer.followups import FollowupMaker
from hepgraph.answer.gap_check import GapChecker
from hepgraph.answer.gaps import RELEVANCE_FLOOR, GapFinder
from hepgraph.answer.graphindex import AnswerIndex, answer_index
from hepgraph.answer.material import Material, PaperMaterial, WriterOutput, build_material
from hepgraph.answer.offline import OfflineWriter
from hepgraph.answer.prose import without_repeats
from hepgraph.answer.subgraph import build_subgraph
from hepgraph.errors import LLMError
from hepgraph.graph.retrieve import Retriever
from hepgraph.graph.retrieve_local import AnyRetriever
from hepgraph.models import ConceptLink, Paper
from hepgraph.nodes import paper_node
from hepgraph.protocols import Embedder
from hepgraph.question import clean_question
from hepgraph.results import Answer, GapClaim, RetrievalResult, ScoredPaper, Source, Subgraph
from hepgraph.settings import Settings
from hepgraph.store import GraphStore

if TYPE_CHECKING:  # the SDK loads only when a key is set: an offline question never pays its import
    from hepgraph.answer.claude_writer import ClaudeWriter

logger = logging.getLogger(__name__)

RETRIEVE_K = 20
NO_MATCH = "No indexed paper matches this question."
OFF_TOPIC = (
    "Nothing in the archive answers this question: no paper reaches the relevance floor, so no answer "
    "is written from the weak matches listed below."
)


@dataclass
class Prepared:
    """Everything read for one question before writing."""

    question: str
    retrieval: RetrievalResult
    hits: list[ScoredPaper]
    papers: dict[str, Paper]
    links: dict[str, list[ConceptLink]]
    material: Material
    index: AnswerIndex
    gaps: list[GapClaim]
    gaps_refuted: int
    t0: float


class Answerer:
    """Answers questions from the graph.

    Args:
        retriever: the graph retriever over ``store``.
        store: the GraphStore the retriever reads.
        settings: with an Anthropic API key, Claude writes; without settings or key, the offline writer.
        embedder: lets the offline writer rank sentences by meaning, not only by words.
        floor: relevance below which a paper does not count as covering a gap.
    """

    def __init__(
        self,
        retriever: AnyRetriever,
        store: GraphStore,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        floor: float = RELEVANCE_FLOOR,
    ) -> None:
        self.retriever = retriever
        self.store = store
        self.offline = OfflineWriter(embedder)
        self.floor = floor
        self.claude: ClaudeWriter | None = None
        self._checker: tuple[str, GapChecker] | None = None
        if settings is not None and settings.anthropic_api_key is not None:
            from hepgraph.answer.claude_writer import ClaudeWriter  # the SDK only with a key (see above)

            self.claude = ClaudeWriter(settings)

    def ask(self, question: str, *, n_sources: int = 8, seed_nodes: Sequence[str] = ()) -> Answer:
        """Answer ``question`` with up to ``n_sources`` cited sources; ``seed_nodes`` start the walk.

        The finished answer of :meth:`stream_ask`: one path writes, checks and falls back.
        """
        final = None
        for item in self.stream_ask(question, n_sources=n_sources, seed_nodes=seed_nodes):
            final = item
        assert isinstance(final, Answer)  # stream_ask always ends with the Answer
        return final

    def stream_ask(
        self, question: str, *, n_sources: int = 8, seed_nodes: Sequence[str] = ()
    ) -> Iterator[str | Answer]:
        """Yield checked sentences as they are written, then the final :class:`Answer`.

        If Claude fails mid-way the final Answer (offline, with a notice) replaces what was streamed.
        """
        prep = self._prepare(question, n_sources, seed_nodes)
        if prep.retrieval.off_topic:
            yield self._finish(prep, "offline", CheckedAnswer(), "", [])
            return
        notice = ""
        if self.claude is not None and prep.material.papers:
            try:
                output = yield from self._stream_claude(self.claude, prep.material)
                # Claude's citations stand only where its quote is found verbatim in the cited paper.
                texts = {
                    p.arxiv_id: (p.title_text, p.abstract_text) for p in prep.papers.values() if p.arxiv_id
                }
                resolved = [resolve_quotes(d, texts) for d in output.sentences]
                checked = _checked([d for d, _ in resolved], prep.material.allowed_ids)
                checked.removed_unquoted = sum(n for _, n in resolved)
                if checked.sentences:
                    yield self._finish(prep, "claude", checked, "", output.not_covered)
                    return
                msg = "no sentence of Claude's answer cites a retrieved paper; answer rejected"
                raise LLMError(msg)
            except LLMError as e:
                logger.warning("Claude writer failed, answering offline: %s", e)
                notice = _fallback_notice(e)
        checked = self._offline(prep.material)
        for sentence in checked.sentences:
            yield sentence + " "
        yield self._finish(prep, "offline", checked, notice, [])

    @staticmethod
    def _stream_claude(claude: ClaudeWriter, material: Material) -> Generator[str, None, WriterOutput]:
        """Claude's sentences, each checked as it arrives; returns the whole validated output."""
        allowed = set(material.allowed_ids)
        gen = claude.stream(material)
        said: list[str] = []
        while True:
            try:
                draft: DraftSentence = next(gen)
            except StopIteration as stop:
                return stop.value
            text, _, _ = check_sentence(draft, allowed)
            if text and without_repeats([*said, text])[1] == 0:  # as the finished answer will be checked
                said.append(text)
                yield text + " "

    def _prepare(self, question: str, n_sources: int, seed_nodes: Sequence[str]) -> Prepared:
        t0 = time.perf_counter()
        text = clean_question(question, self.retriever.settings.max_question_chars)
        retrieval = self.retriever.search(text, k=max(RETRIEVE_K, n_sources), seed_nodes=tuple(seed_nodes))
        index = answer_index(self.store, self.retriever.view)
        keys = [h.key for h in retrieval.results]
        papers = {p.key: p for p in self.store.get_papers(keys)}
        hits = [h for h in retrieval.results if h.arxiv_id][:n_sources]
        links = self.store.links_for_papers([h.key for h in hits])
        covers, aspects = self._aspects(retrieval, hits)
        claims = GapFinder(index, floor=self.floor).find(retrieval)
        checker = self._gap_checker(index, retrieval.index_hash)
        # An absence line a paper's text refutes is not shown: the graph missed a link, not the archive.
        gaps = [c for c in claims if checker.holds(c)]
        material = build_material(
            text,
            retrieval,
            hits,
            papers,
            links,
            index.concepts,
            covers=covers,
            aspects=aspects,
            gaps=[g.text for g in gaps],
        )
        if self.claude is not None:  # Claude is shown the sentences the offline writer would pick first
            material.evidence = self.offline.best_evidence(material)
        return Prepared(
            text, retrieval, hits, papers, links, material, index, gaps, len(claims) - len(gaps), t0
        )

    def _gap_checker(self, index: AnswerIndex, index_hash: str) -> GapChecker:
        """The checker of absence lines for this store state (its text scans are kept between questions)."""
        if self._checker is None or self._checker[0] != index_hash:
            view = self.retriever.view if isinstance(self.retriever, Retriever) else None

            def texts() -> Iterator[tuple[str, str]]:
                if view is not None:  # the embedded retriever holds every paper's text already
                    return zip(view.paper_keys, view.paper_texts, strict=True)
                # Neo4j: its view is one question's neighbourhood, so read every paper once
                return ((p.key, p.text) for p in self.store.iter_papers())

            self._checker = (index_hash, GapChecker(index.concepts, texts))
        return self._checker[1]

    def _aspects(
        self, retrieval: RetrievalResult, hits: Sequence[ScoredPaper]
    ) -> tuple[dict[str, list[str]], list]:
        """Which sides of the question each source covers, and the question's aspects (join first)."""
        structures, view = self.retriever.structures, self.retriever.view
        structure = structures.structure(retrieval.linked_concepts)
        covered = structures.covered(structure)
        covers: dict[str, list[str]] = {}
        for hit in hits:
            i = view.index_of(paper_node(hit.key))
            covers[hit.arxiv_id or hit.key] = [s for s, on in covered.items() if i is not None and on[i]]
        names = {c: view.concept_names[c] for cols in structure.sides.values() for c in cols}
        order = [h.arxiv_id or h.key for h in hits]
        return covers, question_aspects(structure, names, covers, order)

    def _offline(self, material: Material) -> CheckedAnswer:
        output = self.offline.write(material)
        if output is None:
            return CheckedAnswer()
        return _checked(output.sentences, material.allowed_ids)

    def _finish(
        self,
        prep: Prepared,
        writer: Literal["claude", "offline"],
        checked: CheckedAnswer,
        notice: str,
        uncovered: Sequence[str],
    ) -> Answer:
        n = len(prep.hits)
        # The writer's own gap lines may cite too; a paper it was not given is no evidence of a gap.
        allowed = [p.arxiv_id for p in prep.material.papers]
        lines = [strip_unretrieved(u, allowed) for u in uncovered]
        gaps = [g.text for g in prep.gaps] + [
            f"Not covered by the {n} sources (as the writer read them): {line.rstrip('.')}."
            for line, _ in lines
            if line.strip(" .")
        ]
        answered = bool(checked.citations)
        # Nothing answers it: the answer text says so, so the retrieval's "holds little" notice would say
        # it twice, and no graph or follow-up should hop from weak matches.
        notices = (prep.retrieval.notice, notice) if answered else (notice,)
        return Answer(
            question=prep.question,
            answer=checked.text or (OFF_TOPIC if prep.retrieval.off_topic else NO_MATCH),
            writer=writer,
            citations=checked.citations,
            sources=[_source(p) for p in prep.material.papers],
            gaps=gaps,
            gap_claims=prep.gaps,
            gaps_refuted=prep.gaps_refuted,
            followups=FollowupMaker(prep.index).make(prep.retrieval, prep.hits, checked.citations)
            if answered
            else [],
            subgraph=build_subgraph(
                _cited_first(prep.hits, checked.citations),
                prep.links,
                prep.retrieval.linked_concepts,
                prep.index,
            )
            if answered
            else Subgraph(),
            notice="\n".join(x for x in notices if x),
            removed_citations=checked.removed_citations + sum(n for _, n in lines),
            sentences=checked.sentences,
            spans=checked.spans,
            removed_unquoted=checked.removed_unquoted,
            index_hash=prep.retrieval.index_hash,
            ms=round((time.perf_counter() - prep.t0) * 1000, 1),
        )


def _source(paper: PaperMaterial) -> Source:
    concepts = paper.concepts or list(dict.fromkeys(ev.concept_name for ev in paper.evidence))
    return Source(
        arxiv_id=paper.arxiv_id,
        score=round(paper.score, 4),
        title=paper.title,
        year=paper.year,
        category=paper.category,
        concepts=concepts,
    )


def _cited_first(hits: Sequence[ScoredPaper], cited: Sequence[str]) -> list[ScoredPaper]:
    """The cited sources (all sources when none is cited): the subgraph shows what the answer rests on."""
    chosen = [h for h in hits if h.arxiv_id in set(cited)]
    return chosen or list(hits)


def _checked(sentences: Sequence[DraftSentence], allowed: Sequence[str]) -> CheckedAnswer:
    """Both writers' drafts checked alike: citations to retrieved papers only, no clause said twice."""
    checked = check_citations(sentences, allowed)
    kept, dropped = without_repeats(checked.sentences)
    if not dropped:
        return checked
    cited = list(dict.fromkeys(i for sentence in kept for i in parse_citations(sentence)))
    # kept is a subsequence of checked.sentences: renumber the spans of the sentences it keeps.
    new_index: dict[int, int] = {}
    for old, sentence in enumerate(checked.sentences):
        if len(new_index) < len(kept) and sentence == kept[len(new_index)]:
            new_index[old] = len(new_index)
    spans = [
        sp.model_copy(update={"sentence": new_index[sp.sentence]})
        for sp in checked.spans
        if sp.sentence in new_index
    ]
    return checked.model_copy(
        update={
            "sentences": kept,
            "citations": cited,
            "dropped_sentences": checked.dropped_sentences + dropped,
            "spans": spans,
        }
    )


def _fallback_notice(err: LLMError) -> str:
    return f"Claude could not write this answer ({err}); it was written offline from the same sources."
