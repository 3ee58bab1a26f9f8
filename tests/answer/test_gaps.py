"""Gap lines come from the graph, with numbers, and stay silent when the archive covers the question.

Built on a tiny hand-written graph (see conftest.TINY_PAPERS).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from hepgraph.answer.answerer import Answerer
from hepgraph.answer.gaps import GapFinder
from hepgraph.answer.graphindex import AnswerIndex, answer_index
from hepgraph.models import Concept
from hepgraph.results import LinkedConcept, RetrievalResult, ScoredPaper

ID = re.compile(r"\[([^\]]+)\]")


@pytest.fixture(scope="module")
def answerer(tiny_env: Any) -> Answerer:
    return Answerer(tiny_env.retriever, tiny_env.store, embedder=tiny_env.embedder)


def test_gap_line_for_two_concepts_no_paper_links(answerer: Answerer, tiny_env: Any) -> None:
    answer = answerer.ask("Can an autoencoder help jet tagging?")
    linked = {c.id for c in answerer.retriever.search("Can an autoencoder help jet tagging?").linked_concepts}
    assert {"method:autoencoder", "topic:jet-tagging"} <= linked
    lines = [g for g in answer.gaps if "links autoencoder to jet tagging" in g]
    assert len(lines) == 1
    assert lines[0].startswith("No paper among the 8 indexed links autoencoder to jet tagging; the nearest")
    # The nearest papers named are retrieved sources that link one of the two concepts.
    cited = ID.findall(lines[0])
    assert cited and set(cited) <= {s.arxiv_id for s in answer.sources}
    index = answer_index(tiny_env.store)
    either = index.papers_linking("method:autoencoder") | index.papers_linking("topic:jet-tagging")
    assert set(cited) <= either


def test_no_gap_line_when_the_archive_covers_the_question(answerer: Answerer) -> None:
    answer = answerer.ask("Can an autoencoder help anomaly detection?")
    assert answer.gaps == []


def test_gap_line_for_a_concept_no_paper_mentions(answerer: Answerer) -> None:
    answer = answerer.ask("What do neutrino oscillation studies learn from autoencoders?")
    assert any(
        g.startswith("No paper among the 8 indexed mentions neutrino oscillation") for g in answer.gaps
    )
    assert not any("links autoencoder" in g for g in answer.gaps)  # an unlinked concept forms no pairs


def test_relevance_floor_turns_weak_coverage_into_a_gap(tiny_env: Any) -> None:
    result = tiny_env.retriever.search("Can an autoencoder help anomaly detection?")
    index = answer_index(tiny_env.store)
    assert GapFinder(index).find(result.query, result, {}) == []
    strict = GapFinder(index, floor=1.01).find(result.query, result, {})  # no paper can reach 101%
    assert any("none of them ranked above 101%" in g and "anomaly detection" in g for g in strict)


def test_key_word_missing_from_every_retrieved_paper(answerer: Answerer) -> None:
    answer = answerer.ask("Does an autoencoder for anomaly detection suffer from pileup?")
    line = next(g for g in answer.gaps if "“pileup”" in g)
    assert line.startswith(f"None of the {len(answer.sources)} papers retrieved for this question mentions")
    assert "autoencoder" not in line and "anomaly" not in line  # words the papers do contain are not named


def test_numbers_are_formatted_with_thousands() -> None:
    concepts = {
        c.id: c
        for c in (
            Concept(id="topic:a", type="Topic", name="alpha topic"),
            Concept(id="method:b", type="Method", name="beta method"),
        )
    }
    index = AnswerIndex(n_papers=14032, concepts=concepts)
    index.papers_of["topic:a"].add("2101.00001")
    index.papers_of["method:b"].add("2101.00002")
    result = RetrievalResult(
        query="alpha with beta",
        results=[
            ScoredPaper(key="2101.00002", arxiv_id="2101.00002", score=0.7),
            ScoredPaper(key="2101.00001", arxiv_id="2101.00001", score=0.6),
        ],
        linked_concepts=[
            LinkedConcept(id="topic:a", name="alpha topic", type="Topic", how="matcher"),
            LinkedConcept(id="method:b", name="beta method", type="Method", how="matcher"),
        ],
    )
    texts = {"2101.00001": "alpha topic", "2101.00002": "beta method"}
    assert GapFinder(index).find(result.query, result, texts) == [
        "No paper among the 14,032 indexed links alpha topic to beta method; "
        "the nearest are [2101.00002], [2101.00001]."
    ]
