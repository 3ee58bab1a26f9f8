"""Exact dense search: cosine similarity of a query vector to every paper vector.

An exact matrix-vector product over ~10^4 x 384 float32 costs about a millisecond; an approximate
nearest-neighbour index (HNSW, IVF) only pays off at hundreds of thousands to millions of papers, and
would cost exactness and determinism here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from hepgraph.graph.lexical import top_k


def normalize_rows(M: np.ndarray) -> np.ndarray:
    """float32 copy of ``M`` with unit-norm rows; all-zero rows (papers without a vector) stay zero."""
    M = np.asarray(M, dtype=np.float32)
    norms = np.linalg.norm(M, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return M / norms


class DenseScorer(Protocol):
    """What the walk needs of dense search: every paper's cosine to a question, and some papers' vectors."""

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Cosine similarity of ``vector`` to every paper, in view order."""
        ...

    def rows(self, indices: np.ndarray) -> np.ndarray:
        """Unit vectors of the papers at ``indices`` (for MMR's diversity)."""
        ...


class DenseIndex:
    """Exact cosine search over a fixed matrix whose row i embeds paper ``keys[i]``."""

    def __init__(self, keys: Sequence[str], matrix: np.ndarray) -> None:
        if len(keys) != matrix.shape[0]:
            msg = f"{len(keys)} keys but {matrix.shape[0]} vectors: pass one vector per paper key"
            raise ValueError(msg)
        self.keys = list(keys)
        self.matrix = normalize_rows(matrix)

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return int(self.matrix.shape[1]) if self.matrix.ndim == 2 else 0

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Cosine similarity of ``vector`` to every paper (0 for papers without a vector)."""
        v = np.asarray(vector, dtype=np.float32).ravel()
        if v.shape[0] != self.dim:
            msg = (
                f"query vector has dimension {v.shape[0]} but the index has {self.dim}: "
                "embed the query with the model that embedded the papers"
            )
            raise ValueError(msg)
        norm = float(np.linalg.norm(v))
        if norm == 0:
            return np.zeros(len(self.keys), dtype=np.float32)
        return self.matrix @ (v / norm)

    def rows(self, indices: np.ndarray) -> np.ndarray:
        """Unit vectors of the papers at ``indices``."""
        return self.matrix[indices]

    def search(self, vector: np.ndarray, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` most similar (key, cosine) pairs, best first; ties broken by index order."""
        s = self.scores(vector)
        return [(self.keys[i], float(s[i])) for i in top_k(s, k)]
