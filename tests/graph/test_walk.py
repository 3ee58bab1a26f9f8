"""personalized_pagerank checked against networkx.pagerank and against published values."""

from __future__ import annotations

import doctest

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from hepgraph.graph import walk
from hepgraph.graph.walk import WalkConvergenceError, personalized_pagerank, row_normalize


def _ours(G: nx.Graph, personalization: dict | None, **kw: object) -> dict:
    nodes = list(G)
    A = nx.to_scipy_sparse_array(G, nodelist=nodes, weight="weight", dtype=float)
    p = None if personalization is None else np.array([personalization.get(n, 0.0) for n in nodes])
    dangling = kw.pop("dangling", None)
    d = None if dangling is None else np.array([dangling.get(n, 0.0) for n in nodes])  # type: ignore[union-attr]
    r = personalized_pagerank(A, p, dangling=d, **kw)  # type: ignore[arg-type]
    return dict(zip(nodes, r, strict=True))


def _assert_close(ours: dict, ref: dict, atol: float = 1e-8) -> None:
    assert ours.keys() == ref.keys()
    for n in ref:
        assert ours[n] == pytest.approx(ref[n], abs=atol), n


def _random_graph(seed: int, *, directed: bool, n: int = 40, p: float = 0.08) -> nx.Graph:
    rng = np.random.default_rng(seed)
    G = nx.gnp_random_graph(n, p, seed=seed, directed=directed)
    for u, v in G.edges:
        G[u][v]["weight"] = float(rng.uniform(0.1, 3.0))
    return G


def test_walk_doctest() -> None:
    assert doctest.testmod(walk).failed == 0


def test_walk_matches_networkx_on_hand_made_directed_graph_with_dangling_node() -> None:
    G = nx.DiGraph()
    G.add_weighted_edges_from([(1, 2, 1.0), (2, 3, 2.0), (3, 1, 1.0), (3, 4, 0.5), (1, 4, 3.0), (2, 5, 1.0)])
    # 4 and 5 have no out-edges.
    pers = {1: 1.0, 5: 0.5}
    _assert_close(_ours(G, pers, alpha=0.85), nx.pagerank(G, personalization=pers, tol=1e-12))


def test_walk_matches_networkx_with_explicit_dangling_distribution() -> None:
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("a", "d")])
    pers = {"a": 1.0}
    dang = {"b": 1.0, "c": 1.0}
    ref = nx.pagerank(G, personalization=pers, dangling=dang, tol=1e-12)
    _assert_close(_ours(G, pers, dangling=dang), ref)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("alpha", [0.5, 0.85])
def test_walk_matches_networkx_on_random_weighted_graphs(seed: int, directed: bool, alpha: float) -> None:
    G = _random_graph(seed, directed=directed)
    G.add_node(999)  # an isolated, dangling node
    rng = np.random.default_rng(100 + seed)
    nodes = list(G)
    pers = {n: float(rng.uniform()) for n in rng.choice(nodes, size=5, replace=False)}
    ref = nx.pagerank(G, alpha=alpha, personalization=pers, weight="weight", tol=1e-12, max_iter=1000)
    _assert_close(_ours(G, pers, alpha=alpha, max_iter=1000), ref)


def test_walk_matches_networkx_uniform_personalization() -> None:
    G = _random_graph(7, directed=True, n=60)
    _assert_close(_ours(G, None, max_iter=500), nx.pagerank(G, tol=1e-12, max_iter=500))


def test_walk_unweighted_graph_known_values() -> None:
    # The 6-node graph of Langville & Meyer's survey, as used in networkx's own PageRank tests.
    G = nx.DiGraph()
    edges = [(1, 2), (1, 3), (3, 1), (3, 2), (3, 5), (4, 5), (4, 6), (5, 4), (5, 6), (6, 4)]
    G.add_edges_from(edges)
    expected = [0.03721197, 0.05395735, 0.04150565, 0.37508082, 0.20599833, 0.28624589]
    r = _ours(G, None, alpha=0.9, max_iter=200)
    for n, v in zip(sorted(G), expected, strict=True):
        assert r[n] == pytest.approx(v, abs=1e-6)


def test_walk_is_deterministic_and_a_distribution() -> None:
    G = _random_graph(11, directed=False, n=80)
    a = _ours(G, {0: 1.0, 5: 2.0})
    b = _ours(G, {0: 1.0, 5: 2.0})
    assert list(a.values()) == list(b.values())
    assert sum(a.values()) == pytest.approx(1.0, abs=1e-12)


def test_walk_rejects_bad_personalization() -> None:
    A = sp.csr_matrix(np.ones((3, 3)))
    with pytest.raises(ValueError, match="sums to zero"):
        personalized_pagerank(A, np.zeros(3))
    with pytest.raises(ValueError, match="shape"):
        personalized_pagerank(A, np.ones(4))


def test_walk_raises_when_not_converged() -> None:
    G = nx.path_graph(3)  # bipartite: the power iteration oscillates and converges slowly
    A = nx.to_scipy_sparse_array(G, dtype=float)
    with pytest.raises(WalkConvergenceError, match="did not converge"):
        personalized_pagerank(A, np.array([1.0, 0, 0]), alpha=0.99, max_iter=5)


def test_row_normalize_marks_dangling_rows() -> None:
    P, dangling = row_normalize(sp.csr_matrix(np.array([[0, 2.0], [0, 0]])))
    assert P.toarray().tolist() == [[0, 1.0], [0, 0]]
    assert dangling.tolist() == [False, True]


def _scale_free(n: int, seed: int) -> sp.csr_matrix:
    G = nx.barabasi_albert_graph(n, 3, seed=seed)
    rng = np.random.default_rng(seed)
    for u, v in G.edges:
        G[u][v]["weight"] = float(rng.uniform(0.1, 3.0))
    return sp.csr_matrix(nx.to_scipy_sparse_array(G, weight="weight", dtype=float))


@pytest.mark.parametrize("threads", [2, 3, 7])
def test_threaded_walk_is_bitwise_the_single_threaded_walk(threads: int) -> None:
    A = _scale_free(3000, seed=threads)
    p = np.zeros(3000)
    p[[5, 17, 2900]] = [1.0, 2.0, 0.5]
    one = walk.WalkOperator.from_adjacency(A, threads=1)
    many = walk.WalkOperator.from_adjacency(A, threads=threads)
    assert len(many._blocks) == threads  # the rows really are split
    assert np.array_equal(one.run(p, alpha=0.5), many.run(p, alpha=0.5))


def test_row_blocks_cover_every_row_once_and_share_the_data() -> None:
    A = _scale_free(500, seed=1)
    op = walk.WalkOperator.from_adjacency(A, threads=4)
    bounds = [(lo, hi) for lo, hi, _ in op._blocks]
    assert bounds[0][0] == 0 and bounds[-1][1] == 500
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in zip(bounds, bounds[1:], strict=False))
    for lo, hi, rows in op._blocks:
        assert np.shares_memory(rows.data, op.PT.data)
        assert (rows != op.PT[lo:hi]).nnz == 0


def test_float32_walk_matches_networkx_to_single_precision() -> None:
    G = nx.barabasi_albert_graph(2000, 3, seed=4)
    pers = {3: 1.0, 400: 1.0, 1999: 3.0}
    A = sp.csr_matrix(nx.to_scipy_sparse_array(G, nodelist=list(G), dtype=float))
    p = np.array([pers.get(n, 0.0) for n in G])
    x = walk.WalkOperator.from_adjacency(A, dtype=np.float32).run(p, alpha=0.5, tol=1e-9)
    assert x.dtype == np.float32
    ref = nx.pagerank(G, alpha=0.5, personalization=pers, tol=1e-12, max_iter=500)
    np.testing.assert_allclose(x, [ref[n] for n in G], rtol=1e-5, atol=1e-9)


def test_float32_walk_converges_where_its_rounding_exceeds_the_tolerance() -> None:
    A = sp.csr_matrix(nx.to_scipy_sparse_array(nx.cycle_graph(5), dtype=float))
    x = walk.WalkOperator.from_adjacency(A, dtype=np.float32).run(np.ones(5), alpha=0.5, tol=1e-15)
    np.testing.assert_allclose(x, np.full(5, 0.2), rtol=1e-6)
