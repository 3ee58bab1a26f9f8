"""Gap lines come from the graph, name parts of the question in concepts (never in words), carry numbers, and
stay silent when the archive covers the question.

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
    lines = [g for g in answer.gaps if "autoencoder for jet tagging" in g]
    assert len(lines) == 1
    assert lines[0].startswith(
        "The archive does not contain a study of autoencoder for jet tagging: no paper among the 8 indexed "
        "links the two; the nearest"
    )
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
        g.startswith("The archive holds no paper on neutrino oscillation: none of the 8 indexed papers")
        for g in answer.gaps
    )
    assert not any("autoencoder for" in g for g in answer.gaps)  # an unlinked concept forms no pairs


def test_relevance_floor_turns_weak_coverage_into_a_gap(tiny_env: Any) -> None:
    result = tiny_env.retriever.search("Can an autoencoder help anomaly detection?")
    index = answer_index(tiny_env.store)
    assert _texts(GapFinder(index).find(result)) == []
    strict = _texts(GapFinder(index, floor=1.01).find(result))  # no paper can reach 101%
    assert any("none of them ranked above 101%" in g and "anomaly detection" in g for g in strict)


def test_a_word_no_paper_contains_is_not_a_gap_line(answerer: Answerer) -> None:
    # "pileup" is in no paper and no concept: a missing word is not a missing part of the question.
    answer = answerer.ask("Does an autoencoder for anomaly detection suffer from pileup?")
    assert not any("pileup" in g or "“" in g for g in answer.gaps)


def test_a_method_and_two_goals_give_one_line_for_the_join(tiny_env: Any) -> None:
    index = answer_index(tiny_env.store)
    result = RetrievalResult(
        query="autoencoder for jet tagging and neutrino oscillation",
        results=[ScoredPaper(key="2301.00001", arxiv_id="2301.00001", score=0.7)],
        linked_concepts=[
            LinkedConcept(id="method:autoencoder", name="autoencoder", type="Method", how="matcher"),
            LinkedConcept(id="topic:jet-tagging", name="jet tagging", type="Topic", how="matcher"),
            LinkedConcept(
                id="topic:anomaly-detection", name="anomaly detection", type="Topic", how="matcher"
            ),
        ],
    )
    # Autoencoders meet anomaly detection in the tiny graph, so the method side and the goal side are
    # joined: no line about autoencoder and jet tagging as a pair.
    assert not any("autoencoder for jet tagging" in g for g in _texts(GapFinder(index).find(result)))


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
    assert _texts(GapFinder(index).find(result)) == [
        "The archive does not contain a study of beta method for alpha topic: no paper among the 14,032 "
        "indexed links the two; the nearest are [2101.00002], [2101.00001]."
    ]


def test_a_join_only_one_paper_makes_is_said_with_that_paper() -> None:
    """One study joining method and goal covers the question thinly: the line names it; two do not."""
    concepts = {
        c.id: c
        for c in (
            Concept(id="topic:a", type="Topic", name="alpha topic"),
            Concept(id="method:b", type="Method", name="beta method"),
        )
    }
    index = AnswerIndex(n_papers=14032, concepts=concepts)
    for key in ("2101.00001", "2101.00002"):
        index.papers_of["topic:a"].add(key)
    index.papers_of["method:b"].add("2101.00001")
    result = RetrievalResult(
        query="beta method for alpha topic",
        results=[
            ScoredPaper(key="2101.00001", arxiv_id="2101.00001", score=0.6),
            ScoredPaper(key="2101.00002", arxiv_id="2101.00002", score=0.5),
        ],
        linked_concepts=[
            LinkedConcept(id="method:b", name="beta method", type="Method", how="matcher"),
            LinkedConcept(id="topic:a", name="alpha topic", type="Topic", how="matcher"),
        ],
    )
    assert _texts(GapFinder(index).find(result)) == [
        "Only one of the 14,032 indexed papers studies beta method together with alpha topic [2101.00001]; "
        "what it reports is all the archive holds on the two together."
    ]
    index.papers_of["method:b"].add("2101.00002")
    assert _texts(GapFinder(index).find(result)) == []


def _texts(claims: list) -> list[str]:
    return [c.text for c in claims]


def test_a_goal_no_method_paper_reaches_gets_its_own_line_though_the_sides_join() -> None:
    """Method x (goal A or goal B) is joined by A alone: B is a part of the question nothing covers."""
    concepts = {
        c.id: c
        for c in (
            Concept(id="method:ml", type="Method", name="machine learning"),
            Concept(id="task:ad", type="Task", name="anomaly detection"),
            Concept(id="topic:edm", type="Topic", name="electric dipole moments"),
        )
    }
    index = AnswerIndex(n_papers=100, concepts=concepts)
    for key, cids in {
        "p1": ["method:ml", "task:ad"],
        "p2": ["method:ml", "task:ad"],
        "p3": ["topic:edm"],
    }.items():
        for cid in cids:
            index.papers_of[cid].add(key)
    result = RetrievalResult(
        query="ML anomaly detection for EDM experiments",
        results=[ScoredPaper(key=k, arxiv_id=k, score=0.8) for k in ("p1", "p2", "p3")],
        linked_concepts=[
            LinkedConcept(id=c.id, name=c.name, type=c.type, how="matcher") for c in concepts.values()
        ],
    )
    claims = GapFinder(index).find(result)
    assert [(c.kind, c.concepts) for c in claims] == [("no_pair", ["method:ml", "topic:edm"])]
    assert claims[0].text.startswith(
        "The archive does not contain a study of machine learning for electric dipole moments"
    )
    index.papers_of["topic:edm"].add("p2")  # one paper joins them: no absence line
    assert [c.kind for c in GapFinder(index).find(result)] == []
