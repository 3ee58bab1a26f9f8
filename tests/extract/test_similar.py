"""SIMILAR edges: exact cosine kNN, checked on a hand-made example and by brute force on real embeddings."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hepgraph.extract.embed import SentenceTransformerEmbedder
from hepgraph.extract.similar import knn_edges, knn_update


def test_hand_checked_small_example():
    # Unit vectors at 0, 10, 80 and 90 degrees: nearest neighbours are the 10-degree pairs.
    angles = np.deg2rad([0.0, 10.0, 80.0, 90.0])
    matrix = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    edges = knn_edges(["d", "c", "b", "a"], matrix, k=1)
    assert [(e.a, e.b) for e in edges] == [("a", "b"), ("c", "d")]
    assert edges[0].score == pytest.approx(np.cos(np.deg2rad(10.0)), abs=1e-6)


def test_ties_go_to_the_smaller_key_and_no_self_edges():
    # "x" has three identical neighbours; with k=1 the smallest key wins whatever the row order.
    matrix = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    for keys in (["x", "m", "c", "q"], ["q", "c", "m", "x"]):
        edges = knn_edges(keys, matrix, k=1)
        assert ("c", "x") in {(e.a, e.b) for e in edges}
        assert all(e.a < e.b for e in edges)


def test_rejects_mismatched_keys():
    with pytest.raises(ValueError, match="one key per row"):
        knn_edges(["a"], np.ones((2, 3)), k=1)


@pytest.mark.corpus
def test_matches_brute_force_on_real_embeddings(hepml_slice_file):
    lines = hepml_slice_file.read_text(encoding="utf-8").splitlines()[:80]
    records = [json.loads(line) for line in lines]
    keys = [r["id"] for r in records]
    matrix = SentenceTransformerEmbedder().encode([f"{r['title']}\n\n{r['abstract']}" for r in records])
    k = 4
    edges = knn_edges(keys, matrix, k, block=7)
    assert edges == knn_edges(keys, matrix, k, block=1000)  # block size changes nothing
    pairs = {(e.a, e.b) for e in edges}
    assert len(pairs) == len(edges) and all(e.a < e.b for e in edges)
    sims = matrix @ matrix.T
    np.fill_diagonal(sims, -np.inf)
    for i, key in enumerate(keys):
        for j in np.argsort(-sims[i])[:k]:
            if abs(sims[i, j] - np.sort(sims[i])[-k]) < 1e-5:
                continue  # a tie at the boundary may go either way in float32
            assert tuple(sorted((key, keys[j]))) in pairs, (key, keys[j])
    # Every edge is somebody's top-k: at most n * k edges, at least n * k / 2.
    assert len(keys) * k / 2 <= len(edges) <= len(keys) * k
    by_pair = {(e.a, e.b): e.score for e in edges}
    a, b = edges[0].a, edges[0].b
    assert by_pair[(a, b)] == pytest.approx(float(sims[keys.index(a), keys.index(b)]), abs=1e-5)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_update_from_earlier_edges_equals_a_full_run(seed):
    # Low-dimensional vectors with exact duplicates, so ties at the k-th place happen and must agree.
    rng = np.random.default_rng(seed)
    base = rng.integers(-3, 4, size=(120, 4)).astype(float)
    matrix = base[rng.integers(0, 120, size=700)] + (rng.random((700, 4)) < 0.5) * 0.001
    keys = [f"p{i:04d}" for i in rng.permutation(700)]
    before = knn_edges(keys[:600], matrix[:600], k=5)
    after = matrix.copy()
    moved = rng.choice(600, size=12, replace=False)  # twelve old papers get a new version
    after[moved] = rng.normal(size=(12, 4))
    changed = {keys[i] for i in moved} | set(keys[600:])  # and a hundred new papers arrive
    expected = knn_edges(keys, after, k=5)
    assert knn_update(keys, after, 5, previous=before, changed=changed, block=64) == expected
    assert knn_update(keys, after, 5, previous=before, changed=changed) == expected


def test_update_with_nothing_changed_keeps_the_edges_and_a_stale_edge_is_refused():
    rng = np.random.default_rng(7)
    matrix = rng.normal(size=(200, 8))
    keys = [f"k{i:03d}" for i in range(200)]
    edges = knn_edges(keys, matrix, k=3)
    assert knn_update(keys, matrix, 3, previous=edges, changed=set()) == edges
    with pytest.raises(ValueError, match="no longer embedded"):
        knn_update(keys[1:], matrix[1:], 3, previous=edges, changed=set())
