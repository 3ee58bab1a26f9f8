"""The graph-walk Retriever on a real slice: determinism, explanations, scores, errors, follow-ups."""

from __future__ import annotations

import doctest
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hepgraph.errors import QueryError
from hepgraph.graph import retrieve as retrieve_module
from hepgraph.graph.retrieve import RetrievalConfig, Retriever, non_increasing_fit
from hepgraph.nodes import QUESTION_NODE
from hepgraph.pipeline.runtime import build_retriever
from hepgraph.results import RetrievalResult

ON_TOPIC = "anomaly detection with autoencoders for new physics searches"
OFF_TOPIC = "recipe for banana bread with walnuts"
# A question about nothing in a physics archive must not score above this (a percentage a user reads).
OFF_TOPIC_MAX = 0.25
QUESTION_RELS = {"MATCHES", "RESEMBLES", "SIMILAR_TEXT", "SHARES_TERMS", "FOLLOWS_UP"}


@pytest.fixture(scope="module")
def retriever(slice_graph) -> Retriever:  # noqa: ANN001
    return slice_graph.retriever


@pytest.fixture(scope="module")
def on_topic(retriever: Retriever) -> RetrievalResult:
    return retriever.search(ON_TOPIC, k=20)


def _fresh(slice_graph, config: RetrievalConfig | None = None) -> Retriever:  # noqa: ANN001
    """A new Retriever over the slice (the fixture's one is shared)."""
    return build_retriever(
        slice_graph.store,
        slice_graph.settings,
        embedder=slice_graph.embedder,
        vocabulary=slice_graph.vocabulary,
        config=config,
    )


def _ranking(result: RetrievalResult) -> list[tuple[str, float, float]]:
    return [(r.key, r.score, r.raw_score) for r in result.results]


def test_search_is_deterministic(retriever: Retriever, on_topic: RetrievalResult, slice_graph) -> None:  # noqa: ANN001
    again = retriever.search(ON_TOPIC, k=20)
    assert _ranking(again) == _ranking(on_topic)
    assert again.index_hash == on_topic.index_hash == slice_graph.store.index_hash()
    # A fresh retriever (view and BM25 read back from the cache) gives the very same floats.
    fresh = _fresh(slice_graph)
    assert _ranking(fresh.search(ON_TOPIC, k=20)) == _ranking(on_topic)


def test_on_topic_question_finds_relevant_papers_with_high_scores(on_topic: RetrievalResult) -> None:
    assert len(on_topic.results) == 20
    assert on_topic.results[0].score >= 0.5
    assert not on_topic.notice
    top_titles = " ".join(r.title.lower() for r in on_topic.results[:10])
    assert "anomal" in top_titles
    ids = {c.id for c in on_topic.linked_concepts}
    assert any("anomaly" in i for i in ids), ids
    assert on_topic.ms > 0


def test_scores_are_percentages_that_never_rise_down_the_list(on_topic: RetrievalResult) -> None:
    scores = [r.score for r in on_topic.results]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert len({r.key for r in on_topic.results}) == len(scores)


def _stored_edges(store) -> set[tuple[str, str, str]]:  # noqa: ANN001
    edges = {(f"p:{lk.paper_key}", lk.rel, f"c:{lk.concept_id}") for lk in store.iter_links()}
    edges |= {(f"p:{e.a}", "SIMILAR", f"p:{e.b}") for e in store.iter_similar()}
    edges |= {(f"p:{c.citing}", "CITES", f"p:{c.cited}") for c in store.iter_citations()}
    edges |= {(f"c:{c.id}", "IS_A", f"c:{p}") for c in store.iter_concepts() for p in c.parents}
    return edges


@pytest.mark.parametrize("question", [ON_TOPIC, "graph neural networks for jet tagging", "quantum computing"])
def test_every_explanation_edge_exists_in_the_store(retriever: Retriever, slice_graph, question: str) -> None:  # noqa: ANN001
    stored = _stored_edges(slice_graph.store)
    result = retriever.search(question, k=20)
    n_graph_edges = 0
    for paper in result.results:
        assert paper.paths, f"{paper.key} has no explanation"
        for path in paper.paths:
            first, rest = path[0], path[1:]
            assert first.source == QUESTION_NODE and first.rel in QUESTION_RELS
            assert all(e.source != QUESTION_NODE for e in rest)
            for edge in rest:
                assert (edge.source, edge.rel, edge.target) in stored, edge
                n_graph_edges += 1
            # consecutive edges share a node; the path ends at the paper
            nodes = [{e.source, e.target} for e in path]
            assert all(a & b for a, b in zip(nodes, nodes[1:], strict=False))
            assert f"p:{paper.key}" in nodes[-1]
    assert n_graph_edges > 0  # the walk explains through the graph, not only through seeds


def test_empty_question_is_a_clear_error(retriever: Retriever) -> None:
    for q in ("", "   \n\t"):
        with pytest.raises(QueryError, match="empty"):
            retriever.search(q)


def test_off_topic_question_gets_no_high_scores_and_a_notice(retriever: Retriever) -> None:
    result = retriever.search(OFF_TOPIC, k=20)
    assert all(r.score <= OFF_TOPIC_MAX for r in result.results), [r.score for r in result.results[:3]]
    assert result.notice and result.off_topic
    assert not [c for c in result.linked_concepts if c.how == "matcher"]


def test_on_topic_question_is_not_flagged_off_topic(on_topic: RetrievalResult) -> None:
    assert not on_topic.off_topic and not on_topic.notice


def test_follow_up_seed_moves_results_toward_the_node(
    retriever: Retriever, on_topic: RetrievalResult
) -> None:
    top = {r.key for r in on_topic.results}
    view = retriever.view
    # A paper far from the question: not in its top 20, and with graph neighbours.
    target = next(
        k for k in reversed(view.paper_keys) if k not in top and retriever.P[view.index_of(f"p:{k}")].nnz >= 3
    )
    follow = retriever.search(ON_TOPIC, k=20, seed_nodes=[f"p:{target}"])
    keys = [r.key for r in follow.results]
    assert target in keys
    hit = follow.results[keys.index(target)]
    assert any(e.rel == "FOLLOWS_UP" for path in hit.paths for e in path)
    # Its graph neighbours come along.
    i = view.index_of(f"p:{target}")
    neighbours = {view.node_id(j)[2:] for j in retriever.P[i].indices if j < view.n_papers}
    assert len(neighbours & set(keys)) > len(neighbours & top)


def test_unknown_follow_up_node_is_ignored(retriever: Retriever, on_topic: RetrievalResult) -> None:
    again = retriever.search(ON_TOPIC, k=20, seed_nodes=["p:0000.00000"])
    assert _ranking(again) == _ranking(on_topic)


def test_config_changes_the_walk(slice_graph, on_topic: RetrievalResult) -> None:  # noqa: ANN001
    # Without graph edges or MMR the ranking is the fused seed order: the walk must make a difference.
    flat = _fresh(
        slice_graph, RetrievalConfig(edge_weights={"MENTIONS": 0.0}, mmr_lambda=1.0, concept_share=0.0)
    )
    assert [r.key for r in flat.search(ON_TOPIC, k=20).results] != [r.key for r in on_topic.results]


def test_bad_k_is_a_query_error(retriever: Retriever) -> None:
    with pytest.raises(QueryError, match="k must be"):
        retriever.search(ON_TOPIC, k=0)


def test_combsum_seed_weights_follow_scores_and_rrf_follows_ranks() -> None:
    import numpy as np

    from hepgraph.graph.retrieve import _seed_weights

    scores = np.array([0.9, 0.8, 0.2])  # a ranked list: the first two are close, the third far behind
    w = _seed_weights(scores, "combsum", 60)
    assert w.tolist() == pytest.approx([1.0, 6 / 7, 0.0])
    assert _seed_weights(np.array([0.5, 0.5]), "combsum", 60).tolist() == [1.0, 1.0]
    assert _seed_weights(scores, "rrf", 60).tolist() == pytest.approx([1 / 61, 1 / 62, 1 / 63])


def test_ranking_is_walk_mass_over_root_degree(slice_graph) -> None:  # noqa: ANN001
    import numpy as np

    raw = _fresh(slice_graph, RetrievalConfig(degree_exponent=0.0, mmr_lambda=1.0))
    normed = _fresh(slice_graph, RetrievalConfig(degree_exponent=0.5, mmr_lambda=1.0))
    a = raw.search(ON_TOPIC, k=30)
    b = normed.search(ON_TOPIC, k=30)
    v = normed.view
    adjacency = v.adjacency(normed.config.edge_weights, per_source=normed.config.per_source)
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    mass = {r.key: r.raw_score for r in a.results}
    shared = [r for r in b.results if r.key in mass]
    assert len(shared) >= 10
    for r in shared:  # same walk, only the ranking scale differs
        i = v.index_of(f"p:{r.key}")
        assert r.raw_score == pytest.approx(mass[r.key] / np.sqrt(degree[i] + 1.0), rel=1e-9)
    assert [r.key for r in a.results] != [r.key for r in b.results]


def test_float32_walk_ranks_as_the_float64_walk(slice_graph, on_topic: RetrievalResult) -> None:  # noqa: ANN001
    exact = _fresh(slice_graph, RetrievalConfig(walk_dtype="float64")).search(ON_TOPIC, k=20)
    assert [r.key for r in exact.results] == [r.key for r in on_topic.results]
    for a, b in zip(exact.results, on_topic.results, strict=True):
        assert b.raw_score == pytest.approx(a.raw_score, rel=1e-5)
        assert b.paths == a.paths


def test_explanations_do_not_depend_on_the_predecessor_cut(
    retriever: Retriever, on_topic: RetrievalResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hepgraph.graph.explain import PathFinder

    indptr = retriever.PT.indptr
    hub = max(range(retriever.view.n_nodes), key=lambda i: indptr[i + 1] - indptr[i])
    smallest = 4 * 3  # paths() looks at 4 * max_paths predecessors of the paper itself
    assert indptr[hub + 1] - indptr[hub] > smallest  # the cut really cuts
    monkeypatch.setattr(PathFinder, "INFLOW_LIMIT", smallest)
    cut = retriever.search(ON_TOPIC, k=20)
    monkeypatch.setattr(PathFinder, "INFLOW_LIMIT", 10**9)
    full = retriever.search(ON_TOPIC, k=20)
    assert [r.paths for r in cut.results] == [r.paths for r in full.results]
    assert [r.paths for r in full.results] == [r.paths for r in on_topic.results]


def test_inflow_cut_keeps_the_exact_order_of_the_strongest_predecessors(retriever: Retriever) -> None:
    import numpy as np

    from hepgraph.graph.explain import PathFinder

    PT = retriever.PT
    hub = max(range(retriever.view.n_nodes), key=lambda i: PT.indptr[i + 1] - PT.indptr[i])
    lo, hi = PT.indptr[hub], PT.indptr[hub + 1]
    mass = np.ones(retriever.view.n_nodes, dtype=PT.dtype)
    mass[PT.indices[lo:hi][::2]] = 2.0  # many exact ties across the cut
    full = PathFinder(retriever.view, PT, mass, {})
    full.INFLOW_LIMIT = 10**9
    order = full._inflow(hub)
    assert len(order) == hi - lo > 20
    for limit in (1, 5, 20):
        cut = PathFinder(retriever.view, PT, mass, {})
        cut.INFLOW_LIMIT = limit
        assert cut._inflow(hub) == order[:limit]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1.0, allow_nan=False), min_size=1, max_size=40))
def test_relevance_fit_is_scipys_isotonic_regression(values: list[float]) -> None:
    """The hand-written pool-adjacent-violators gives what scipy.optimize gives, and is non-increasing."""
    from scipy.optimize import isotonic_regression

    fitted = non_increasing_fit(values)
    expected = isotonic_regression(values, increasing=False).x
    assert len(fitted) == len(values)
    assert max(abs(a - b) for a, b in zip(fitted, expected, strict=True)) < 1e-9
    assert all(a >= b for a, b in itertools.pairwise(fitted))


def test_retrieve_doctests() -> None:
    assert doctest.testmod(retrieve_module).failed == 0
