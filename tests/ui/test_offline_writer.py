"""The offline writer on the real corpus slice: short, extractive, every sentence cited to a source."""

from __future__ import annotations

from typing import Any

import pytest

from hepgraph.ui.answer.citations import parse_citations, split_sentences
from hepgraph.ui.answer.compose import Answerer
from hepgraph.ui.answer.offline import OfflineWriter
from hepgraph.ui.answer.terms import content_terms

QUESTIONS = [
    "Could training on adversarial examples hurt sensitivity to rare BSM signals?",
    "How are graph neural networks used for jet tagging?",
    "Which unsupervised methods search for anomalies in collider data?",
]


@pytest.fixture(scope="module")
def answerer(slice_env: Any) -> Answerer:
    return Answerer(slice_env.retriever, slice_env.store, embedder=slice_env.embedder)


@pytest.mark.corpus
@pytest.mark.parametrize("question", QUESTIONS)
def test_every_sentence_is_cited_to_a_retrieved_paper(
    answerer: Answerer, slice_env: Any, question: str
) -> None:
    answer = answerer.ask(question)
    assert answer.writer == "offline" and answer.notice == ""
    retrieved = {s.arxiv_id for s in answer.sources}
    sentences = split_sentences(answer.answer)
    assert 3 <= len(sentences) <= 6
    for sentence in sentences:
        cited = parse_citations(sentence)
        assert len(cited) == 1 and sentence.endswith(f"[{cited[0]}].")
        assert cited[0] in retrieved
    assert set(answer.citations) == {c for s in sentences for c in parse_citations(s)}
    assert answer.removed_citations == 0


@pytest.mark.corpus
def test_sentences_are_taken_from_the_cited_paper(answerer: Answerer, slice_env: Any) -> None:
    answer = answerer.ask(QUESTIONS[1])
    texts = {p.arxiv_id: p.text for p in slice_env.store.get_papers(answer.citations)}
    for sentence in split_sentences(answer.answer):
        (cited,) = parse_citations(sentence)
        own = content_terms(sentence.rsplit("[", 1)[0]) - content_terms(
            "In addition Relatedly Along the same lines On the authors their"
        )
        paper = content_terms(texts[cited])
        assert len(own & paper) >= 0.9 * len(own), sentence


@pytest.mark.corpus
def test_offline_answers_are_deterministic(answerer: Answerer) -> None:
    first, second = answerer.ask(QUESTIONS[2]), answerer.ask(QUESTIONS[2])
    assert first.answer == second.answer and first.sources == second.sources


@pytest.mark.corpus
def test_question_words_steer_sentence_choice(answerer: Answerer, slice_env: Any) -> None:
    from hepgraph.ui.answer.graphindex import answer_index
    from hepgraph.ui.answer.material import build_material

    result = slice_env.retriever.search(QUESTIONS[1], k=20)
    hits = [h for h in result.results if h.arxiv_id][:8]
    papers = {p.key: p for p in slice_env.store.get_papers([h.key for h in hits])}
    links = slice_env.store.links_for_papers([h.key for h in hits])
    material = build_material(
        QUESTIONS[1], result, hits, papers, links, answer_index(slice_env.store).concepts
    )
    with_model = OfflineWriter(slice_env.embedder).write(material)
    lexical = OfflineWriter(None).write(material)
    assert with_model is not None and lexical is not None
    q_terms = content_terms(QUESTIONS[1])
    for out in (with_model, lexical):
        first = out.sentences[0].text
        assert q_terms & content_terms(first), first  # the lead sentence shares a word with the question


def test_no_material_no_answer() -> None:
    from hepgraph.ui.answer.material import Material

    assert OfflineWriter(None).write(Material(question="anything at all?")) is None
