"""Answer a question: retrieve, write (Claude or offline), check citations, add gaps, follow-ups, subgraph."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hepgraph.errors import LLMError, QueryError
from hepgraph.extract.embed import Embedder
from hepgraph.graph.store import GraphStore
from hepgraph.models import ConceptLink, Paper
from hepgraph.results import Answer, RetrievalResult, ScoredPaper, Source
from hepgraph.settings import Settings
from hepgraph.ui.answer.citations import CheckedAnswer, DraftSentence, check_citations, check_sentence
from hepgraph.ui.answer.followups import FollowupMaker
from hepgraph.ui.answer.gaps import RELEVANCE_FLOOR, GapFinder
from hepgraph.ui.answer.graphindex import AnswerIndex, answer_index
from hepgraph.ui.answer.material import Material, WriterOutput, build_material
from hepgraph.ui.answer.offline import OfflineWriter
from hepgraph.ui.answer.subgraph import build_subgraph

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
RETRIEVE_K = 20
NO_MATCH = "No indexed paper matches this question."
OFF_TOPIC = (
    "Nothing in the archive answers this question: no paper reaches the relevance floor, so no answer "
    "is written from the weak matches listed below."
)


class Retriever(Protocol):
    """What the answerer needs of :class:`hepgraph.graph.retrieve.Retriever`."""

    def search(self, question: str, *, k: int = 20, seed_nodes: Sequence[str] = ()) -> RetrievalResult:
        """The ``k`` papers most relevant to ``question``; ``seed_nodes`` get restart mass."""
        ...


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
    t0: float


def clean_question(question: str) -> str:
    """The question with whitespace collapsed; QueryError when empty or too long."""
    text = " ".join((question or "").split())
    if not text:
        msg = "the question is empty: type what you want to know, e.g. 'Which GNNs are used for jet tagging?'"
        raise QueryError(msg)
    if len(text) > MAX_QUESTION_CHARS:
        msg = f"the question has {len(text):,} characters: shorten it to at most {MAX_QUESTION_CHARS:,}"
        raise QueryError(msg)
    return text


class Answerer:
    """Answers questions from the graph.

    Args:
        retriever: a :class:`hepgraph.graph.retrieve.Retriever` (anything with its ``search``).
        store: the GraphStore the retriever reads.
        settings: with an Anthropic API key, Claude writes; without settings or key, the offline writer.
        embedder: lets the offline writer rank sentences by meaning, not only by words.
        writer: a ready Claude writer (tests pass one with fast backoff); built from settings when None.
        floor: relevance below which a paper does not count as covering a gap.
    """

    def __init__(
        self,
        retriever: Retriever,
        store: GraphStore,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        writer: Any = None,
        floor: float = RELEVANCE_FLOOR,
    ) -> None:
        self.retriever = retriever
        self.store = store
        self.offline = OfflineWriter(embedder)
        self.floor = floor
        self.claude = writer
        if writer is None and settings is not None and settings.anthropic_api_key is not None:
            from hepgraph.ui.answer.claude import ClaudeWriter

            self.claude = ClaudeWriter(settings)

    def ask(self, question: str, *, n_sources: int = 8, seed_nodes: Sequence[str] = ()) -> Answer:
        """Answer ``question`` with up to ``n_sources`` cited sources; ``seed_nodes`` start the walk."""
        prep = self._prepare(question, n_sources, seed_nodes)
        if (
            prep.retrieval.off_topic
        ):  # no writer, Claude included: weak matches would be dressed up as an answer
            return self._finish(prep, "offline", CheckedAnswer(), "", [])
        writer, checked, notice, uncovered = self._write(prep.material)
        return self._finish(prep, writer, checked, notice, uncovered)

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
        allowed = set(prep.material.allowed_ids)
        if self.claude is not None and prep.material.papers:
            try:
                drafts: list[DraftSentence] = []
                output = yield from self._stream_claude(prep.material, allowed, drafts)
                checked = check_citations(output.sentences, prep.material.allowed_ids)
                if checked.sentences:
                    yield self._finish(prep, "claude", checked, "", output.not_covered)
                    return
                notice = _fallback_notice(LLMError("no sentence of Claude's answer cites a retrieved paper"))
            except LLMError as e:
                notice = _fallback_notice(e)
        else:
            notice = ""
        checked = self._offline(prep.material)
        for sentence in checked.sentences:
            yield sentence + " "
        yield self._finish(prep, "offline", checked, notice, [])

    def _stream_claude(
        self, material: Material, allowed: set[str], drafts: list[DraftSentence]
    ) -> Generator[str, None, WriterOutput]:
        gen = self.claude.stream(material)
        while True:
            try:
                draft = next(gen)
            except StopIteration as stop:
                return stop.value
            drafts.append(draft)
            text, _, _ = check_sentence(draft, allowed)
            if text:
                yield text + " "

    def _prepare(self, question: str, n_sources: int, seed_nodes: Sequence[str]) -> Prepared:
        t0 = time.perf_counter()
        text = clean_question(question)
        retrieval = self.retriever.search(text, k=max(RETRIEVE_K, n_sources), seed_nodes=tuple(seed_nodes))
        index = answer_index(self.store, getattr(self.retriever, "view", None))
        keys = [h.key for h in retrieval.results]
        papers = {p.key: p for p in self.store.get_papers(keys)}
        hits = [h for h in retrieval.results if h.arxiv_id][:n_sources]
        links = self.store.links_for_papers([h.key for h in hits])
        material = build_material(text, retrieval, hits, papers, links, index.concepts)
        return Prepared(text, retrieval, hits, papers, links, material, index, t0)

    def _offline(self, material: Material) -> CheckedAnswer:
        output = self.offline.write(material)
        if output is None:
            return CheckedAnswer()
        return check_citations(output.sentences, material.allowed_ids)

    def _write(self, material: Material) -> tuple[str, CheckedAnswer, str, list[str]]:
        """(writer name, checked answer, notice, uncovered parts); Claude first when configured."""
        notice = ""
        if self.claude is not None and material.papers:
            try:
                output = self.claude.write(material)
                checked = check_citations(output.sentences, material.allowed_ids)
                if checked.sentences:
                    return "claude", checked, "", output.not_covered
                msg = "no sentence of Claude's answer cites a retrieved paper; answer rejected"
                raise LLMError(msg)
            except LLMError as e:
                logger.warning("Claude writer failed, answering offline: %s", e)
                notice = _fallback_notice(e)
        return "offline", self._offline(material), notice, []

    def _finish(
        self, prep: Prepared, writer: str, checked: CheckedAnswer, notice: str, uncovered: Sequence[str]
    ) -> Answer:
        texts = {k: p.text for k, p in prep.papers.items()}
        gaps = GapFinder(prep.index, floor=self.floor).find(prep.question, prep.retrieval, texts)
        n = len(prep.hits)
        gaps += [
            f"Not covered by the {n} sources (as the writer read them): {u.rstrip('.')}." for u in uncovered
        ]
        return Answer(
            question=prep.question,
            answer=checked.text or (OFF_TOPIC if prep.retrieval.off_topic else NO_MATCH),
            writer=writer,  # type: ignore[arg-type]
            citations=checked.citations,
            sources=[_source(p) for p in prep.material.papers],
            gaps=gaps,
            followups=FollowupMaker(prep.index).make(prep.retrieval, prep.hits, checked.citations),
            subgraph=build_subgraph(
                _cited_first(prep.hits, checked.citations),
                prep.links,
                prep.retrieval.linked_concepts,
                prep.index,
            ),
            notice="\n".join(x for x in (prep.retrieval.notice, notice) if x),
            removed_citations=checked.removed_citations,
            index_hash=prep.retrieval.index_hash,
            ms=round((time.perf_counter() - prep.t0) * 1000, 1),
        )


def _source(paper: Any) -> Source:
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


def _fallback_notice(err: LLMError) -> str:
    return f"Claude could not write this answer ({err}); it was written offline from the same sources."


def build_answerer(store: GraphStore, settings: Settings, *, embedder: Embedder | None = None) -> Answerer:
    """An Answerer over ``store``: graph retriever, shipped vocabulary, the writers ``settings`` allow."""
    from hepgraph.extract.embed import SentenceTransformerEmbedder
    from hepgraph.extract.vocabulary import load_vocabulary
    from hepgraph.graph.retrieve import Retriever as GraphRetriever

    if embedder is None:
        embedder = SentenceTransformerEmbedder(
            settings.embedding_model, batch_size=settings.embedding_batch_size
        )
    retriever = GraphRetriever(store, embedder=embedder, vocabulary=load_vocabulary(), settings=settings)
    return Answerer(retriever, store, settings=settings, embedder=embedder)


def open_answerer(settings: Settings) -> Answerer:
    """Open the configured store read-only and build its Answerer (for the CLI and benchmarks)."""
    from hepgraph.graph.factory import open_store

    return build_answerer(open_store(settings, create=False, read_only=True), settings)
