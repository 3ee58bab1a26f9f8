"""Follow-ups are typed hops out of the answer's graph, and asking one seeds the walk at its nodes."""

from __future__ import annotations

from typing import Any

import pytest

from hepgraph.answer.answerer import Answerer
from hepgraph.answer.graphindex import answer_index
from hepgraph.nodes import split_node
from hepgraph.results import Answer

QUESTION = "Can an autoencoder help jet tagging?"
HOPS = {
    "topic → papers → method",
    "method → papers → topic",
    "paper ← cited by",
    "paper → cites",
    "paper ~ similar",
}


def _rank(result: Any, keys: set[str]) -> int:
    return min(i for i, r in enumerate(result.results) if r.key in keys)


@pytest.fixture(scope="module")
def answerer(tiny_env: Any) -> Answerer:
    return Answerer(tiny_env.retriever, tiny_env.store, embedder=tiny_env.embedder)


@pytest.fixture(scope="module")
def answer(answerer: Answerer) -> Answer:
    return answerer.ask(QUESTION, n_sources=4)


def test_three_followups_with_real_nodes(answer: Answer, tiny_env: Any) -> None:
    assert len(answer.followups) == 3
    assert len({f.question for f in answer.followups}) == 3
    for fu in answer.followups:
        assert fu.hop in HOPS
        assert fu.from_nodes and all(tiny_env.retriever.view.index_of(n) is not None for n in fu.from_nodes)


def test_concept_hops_are_real_paths_to_new_concepts(answer: Answer, tiny_env: Any) -> None:
    index = answer_index(tiny_env.store)
    question_concepts = {c.id for c in tiny_env.retriever.search(QUESTION).linked_concepts}
    concept_hops = [f for f in answer.followups if f.hop.startswith(("topic", "method"))]
    assert concept_hops
    for fu in concept_hops:
        start, end = (split_node(n)[1] for n in fu.from_nodes)
        assert index.papers_linking(start) & index.papers_linking(end), f"no paper joins {fu.from_nodes}"
        assert end not in question_concepts
        assert index.name(end) in fu.question and index.name(start) in fu.question
        wanted = {
            "topic → papers → method": ("Topic", "Method"),
            "method → papers → topic": ("Method", "Topic"),
        }
        assert (index.type_of(start), index.type_of(end)) == wanted[fu.hop]


def test_method_hop_finds_the_method_used_elsewhere(answer: Answer) -> None:
    # Jet tagging is served by GNNs and BDTs (cited); the autoencoder's other topics are anomaly detection
    # and data compression, which the answer does not cover.
    hop = next(f for f in answer.followups if f.hop == "method → papers → topic")
    assert hop.from_nodes[0] == "c:method:autoencoder"
    assert hop.from_nodes[1] in {"c:topic:anomaly-detection", "c:topic:data-compression"}


def test_followups_are_deterministic(answerer: Answerer, answer: Answer) -> None:
    again = answerer.ask(QUESTION, n_sources=4)
    assert again.followups == answer.followups


def test_asking_a_followup_seeds_the_walk_at_its_nodes(
    answerer: Answerer, answer: Answer, tiny_env: Any
) -> None:
    index = answer_index(tiny_env.store)
    for fu in answer.followups:
        plain = tiny_env.retriever.search(fu.question)
        seeded = tiny_env.retriever.search(fu.question, seed_nodes=fu.from_nodes)
        starts = {
            path[0].target for r in seeded.results for path in r.paths if path and path[0].rel == "FOLLOWS_UP"
        }
        assert starts and starts <= set(fu.from_nodes)
        if fu.hop.startswith(("topic", "method")):
            start, end = (split_node(n)[1] for n in fu.from_nodes)
            both = index.papers_linking(start) & index.papers_linking(end)
            assert _rank(seeded, both) <= _rank(plain, both)
            near = index.papers_linking(start) | index.papers_linking(end)
        else:
            near = {split_node(n)[1] for n in fu.from_nodes}
        # With a question that names nothing, the seeds alone decide where the walk goes.
        vague = tiny_env.retriever.search("What else has been found?", seed_nodes=fu.from_nodes)
        assert vague.results and vague.results[0].key in near
    followed = answerer.ask(answer.followups[0].question, seed_nodes=answer.followups[0].from_nodes)
    assert followed.sources and followed.answer


# -- issue 18: "Which other papers work on the same problem as X" looped back to X --------------------------
FLAGSHIP = "Could training on adversarial examples hurt sensitivity to rare BSM signals?"


@pytest.fixture(scope="module")
def sample_answerer(sample_home: Any, answer_embedder: Any) -> Answerer:
    from hepgraph.graph.factory import open_store
    from hepgraph.pipeline.runtime import build_answerer
    from hepgraph.settings import Settings

    settings = Settings(home=sample_home, anthropic_api_key=None)
    return build_answerer(
        open_store(settings, create=False, read_only=True), settings, embedder=answer_embedder
    )


def test_issue_18_same_problem_followup_does_not_loop(sample_answerer: Answerer) -> None:
    """The similar-papers hop starts at the neighbours, not at X, and is not offered again by its answer."""
    first = sample_answerer.ask(FLAGSHIP)
    (similar,) = [f for f in first.followups if f.hop == "paper ~ similar"]
    named = first.sources[0].arxiv_id  # the hop names the top source
    assert f"p:{named}" not in similar.from_nodes, "the walk starts at the other papers, not at X"
    followed = sample_answerer.ask(similar.question, seed_nodes=similar.from_nodes)
    assert followed.sources[0].arxiv_id != named, "X is not the first answer to 'which other papers'"
    assert similar.question not in {f.question for f in followed.followups}, "the same follow-up again"
