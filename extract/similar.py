"""SIMILAR edges: exact cosine k-nearest neighbours of paper embeddings, computed in blocks.

Exact search is cheap at this scale (14k x 14k x 384 is ~75 GFLOP, seconds in float64 blocks), so no
approximate index is needed and results are deterministic. It grows with the square of the corpus, so a
build that only adds papers (``hepgraph update``) uses :func:`knn_update`, which scores the new papers
against all and every other paper against the new ones only, and gives the same edges.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np

from hepgraph.models import SimilarEdge

logger = logging.getLogger(__name__)
# Scores held at once (rows x papers, float64): 2**27 is 1 GiB. 1,024 rows a block up to ~131k papers,
# fewer beyond, so memory stays bounded as the corpus grows (the edges do not depend on the block).
_MAX_BLOCK_CELLS = 2**27


def _normalise(matrix: np.ndarray) -> np.ndarray:
    m = np.asarray(matrix, dtype=np.float64)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return m / norms


def _top_k_row(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best scores; ties at the boundary go to the lower index (= smaller key)."""
    if k >= scores.size:
        cand = np.arange(scores.size)
    else:
        part = np.argpartition(-scores, k - 1)[:k]
        threshold = scores[part].min()
        cand = np.nonzero(scores >= threshold)[0]
    order = np.lexsort((cand, -scores[cand]))
    best = cand[order[:k]]
    return best[np.isfinite(scores[best])]


def knn_edges(keys: Sequence[str], matrix: np.ndarray, k: int, *, block: int = 1024) -> list[SimilarEdge]:
    """Each paper's ``k`` nearest neighbours by cosine, as undirected SIMILAR edges.

    Args:
        keys: paper keys, one per row of ``matrix``; must be unique.
        matrix: embeddings (normalised here, so any scale works).
        k: neighbours per paper; a pair chosen from both sides is one edge.
        block: rows scored per matrix product (bounds memory to block x n floats).

    Returns:
        Edges with ``a < b`` (string order of the keys): each unordered pair appears once, and no paper
        is its own neighbour. Scores are float64 cosines rounded to 6 decimals.
        Sorted by (a, b). Ties between equal scores go to the smaller key, so the result is deterministic.
    """
    n = len(keys)
    if n != matrix.shape[0]:
        msg = f"knn_edges got {n} keys for {matrix.shape[0]} embedding rows; pass one key per row"
        raise ValueError(msg)
    if n < 2 or k <= 0:
        return []
    order = sorted(range(n), key=lambda i: keys[i])
    sorted_keys = [keys[i] for i in order]
    m = _normalise(np.asarray(matrix)[order])
    pairs: dict[tuple[int, int], float] = {}
    block = max(1, min(block, _MAX_BLOCK_CELLS // n))
    for lo in range(0, n, block):
        scores = m[lo : lo + block] @ m.T
        for r in range(scores.shape[0]):
            i = lo + r
            row = np.round(scores[r], 6)
            row[i] = -np.inf
            for j in _top_k_row(row, k):
                pairs[(i, int(j)) if i < j else (int(j), i)] = 0.0
    # The stored score is one float64 dot product per pair, so it cannot depend on the block layout.
    for i, j in pairs:
        pairs[(i, j)] = round(float(np.dot(m[i], m[j])), 6)
    logger.info("knn: %s papers, k=%s -> %s SIMILAR edges", n, k, len(pairs))
    return [SimilarEdge(a=sorted_keys[i], b=sorted_keys[j], score=s) for (i, j), s in sorted(pairs.items())]


def knn_update(
    keys: Sequence[str],
    matrix: np.ndarray,
    k: int,
    *,
    previous: Iterable[SimilarEdge],
    changed: set[str],
    block: int = 1024,
) -> list[SimilarEdge]:
    """The edges :func:`knn_edges` gives for ``keys``/``matrix``, from the edges of an earlier run.

    Valid when every key outside ``changed`` had the same vector in the run that made ``previous`` (with
    the same ``k``), and every key of that run is still in ``keys``. A paper's own k nearest are always
    among its edges (edges are the union of both ends' choices), so an unchanged paper's new neighbours are
    the best k of its old edges and the changed papers, unless one of its old edges leads to a paper whose
    vector changed: such rows, and the changed papers' own rows, are scored against every paper.
    Cost: O((changed rows) x n) instead of O(n^2).

    Raises:
        ValueError: when the keys and rows disagree, or ``previous`` names a key not in ``keys``.
    """
    n = len(keys)
    if n != matrix.shape[0]:
        msg = f"knn_update got {n} keys for {matrix.shape[0]} embedding rows; pass one key per row"
        raise ValueError(msg)
    if n < 2 or k <= 0:
        return []
    order = sorted(range(n), key=lambda i: keys[i])
    sorted_keys = [keys[i] for i in order]
    index = {key: i for i, key in enumerate(sorted_keys)}
    m = _normalise(np.asarray(matrix)[order])
    incident: dict[int, set[int]] = {}
    for edge in previous:
        if edge.a not in index or edge.b not in index:
            msg = (
                f"knn_update: earlier edge {edge.a}-{edge.b} names a paper no longer embedded; use knn_edges"
            )
            raise ValueError(msg)
        a, b = index[edge.a], index[edge.b]
        incident.setdefault(a, set()).add(b)
        incident.setdefault(b, set()).add(a)
    fresh = np.array(sorted(index[key] for key in changed if key in index), dtype=np.int64)
    fresh_set = set(fresh.tolist())
    full = sorted(i for i in range(n) if i in fresh_set or (incident.get(i, set()) & fresh_set))
    pairs: dict[tuple[int, int], float] = {}

    def take(i: int, row: np.ndarray, cols: np.ndarray) -> None:
        for j in cols[_top_k_row(row, k)]:
            j = int(j)
            pairs[(i, j) if i < j else (j, i)] = 0.0

    everyone = np.arange(n)
    block = max(1, min(block, _MAX_BLOCK_CELLS // n))
    for lo in range(0, len(full), block):
        rows = full[lo : lo + block]
        scores = m[rows] @ m.T
        for r, i in enumerate(rows):
            row = np.round(scores[r], 6)
            row[i] = -np.inf
            take(i, row, everyone)
    full_set = set(full)
    rest = [i for i in range(n) if i not in full_set]
    for lo in range(0, len(rest), block):
        rows = rest[lo : lo + block]
        against_fresh = np.round(m[rows] @ m[fresh].T, 6) if len(fresh) else np.zeros((len(rows), 0))
        for r, i in enumerate(rows):
            old = np.array(sorted(incident.get(i, ())), dtype=np.int64)
            cols = np.concatenate([old, fresh])
            # Ties go to the smaller key in knn_edges: candidates in index order make _top_k_row agree.
            sort = np.argsort(cols, kind="stable")
            row = np.concatenate([np.round(m[old] @ m[i], 6), against_fresh[r]])[sort]
            take(i, row, cols[sort])
    for i, j in pairs:
        pairs[(i, j)] = round(float(np.dot(m[i], m[j])), 6)
    logger.info(
        "knn update: %s papers, %s changed, %s rows scored in full -> %s SIMILAR edges",
        n,
        len(fresh),
        len(full),
        len(pairs),
    )
    return [SimilarEdge(a=sorted_keys[i], b=sorted_keys[j], score=s) for (i, j), s in sorted(pairs.items())]
