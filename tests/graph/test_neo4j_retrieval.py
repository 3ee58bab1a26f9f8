"""Retrieval inside Neo4j (`pytest -m neo4j`): seeds from its indexes, the walk on a fetched neighbourhood.

The real slice of tests/graph/conftest.py is pushed to the live server (its database is wiped first).
"""

from __future__ import annotations

from typing import Any

import pytest

from hepgraph.graph.retrieve import RetrievalConfig, Retriever
from hepgraph.graph.retrieve_local import NeighbourhoodRetriever
from hepgraph.pipeline.runtime import build_retriever
from hepgraph.store import GraphStore

pytestmark = pytest.mark.neo4j

QUESTIONS = [
    "anomaly detection with autoencoders",
    "graph neural networks for jet tagging",
    "Could training on adversarial examples hurt sensitivity to rare BSM signals?",
]


def _retriever(store: GraphStore, slice_graph: Any, config: RetrievalConfig) -> Any:
    return build_retriever(
        store,
        slice_graph.settings,
        embedder=slice_graph.embedder,
        vocabulary=slice_graph.vocabulary,
        config=config,
    )


def test_neo4j_searches_inside_the_database(neo4j_slice: GraphStore, slice_graph: Any) -> None:
    """A small neighbourhood per question, never the whole graph; results come from it."""
    config = RetrievalConfig(seed_depth=10, neighbourhood_per_paper=5, neighbourhood_per_concept=10)
    retriever = _retriever(neo4j_slice, slice_graph, config)
    assert isinstance(retriever, NeighbourhoodRetriever)
    total = neo4j_slice.stats().papers
    for question in QUESTIONS:
        part = retriever.fetch(question)
        linked = len(retriever.linker.understand(question).concepts)
        assert 0 < len(part.papers) <= 2 * 10 * (1 + 5) + 10 * linked < total
        result = retriever.search(question, k=10)
        assert result.results and result.index_hash == neo4j_slice.index_hash()
        assert {r.key for r in result.results} <= {p.key for p in part.papers}
        assert retriever.view.n_papers == len(part.papers)


def test_a_neighbourhood_holding_every_paper_ranks_as_the_embedded_store(
    neo4j_slice: GraphStore, slice_graph: Any
) -> None:
    """With seeds deep enough to reach every paper, both backends walk the same graph: the same ranking."""
    config = RetrievalConfig(seed_depth=1000, neighbourhood_per_concept=1000)
    local = _retriever(neo4j_slice, slice_graph, config)
    whole = Retriever(
        slice_graph.store,
        embedder=slice_graph.embedder,
        matcher=slice_graph.retriever.linker.matcher,
        settings=slice_graph.settings,
        config=config,
    )
    for question in QUESTIONS:
        assert len(local.fetch(question).papers) == slice_graph.store.stats().papers
        ours = local.search(question, k=10).results
        theirs = whole.search(question, k=10).results
        assert [r.key for r in ours] == [r.key for r in theirs], question
        assert [r.score for r in ours] == pytest.approx([r.score for r in theirs], abs=1e-4)


@pytest.mark.parametrize("text", ['jet:tagging "GNN" && (b || c) ~2 * ? \\ / [x TO y]', "the of and", "   "])
def test_lucene_syntax_in_a_question_is_only_words(neo4j_slice: GraphStore, text: str) -> None:
    assert isinstance(neo4j_slice.text_seeds(text, 5), list)  # type: ignore[attr-defined]
