"""Explanation paths: how the walk's mass reached a retrieved paper, as edges that exist in the store.

A path starts with one of the question's own edges (the question matched a concept, resembled a paper's
text, shared its terms, or the user followed up from a node) and continues over stored graph edges to the
retrieved paper. Paths are recovered by backtracking the walk's flow: the mass that moved from node j to
node i in the stationary walk is ``x[j] * P[j, i]``, so stepping back to the predecessor with the largest
flow follows where the relevance actually came from.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

from hepgraph.graph.view import GraphView
from hepgraph.nodes import QUESTION_NODE
from hepgraph.results import PathEdge


class PathFinder:
    """Recovers up to ``max_paths`` explanation paths of at most ``max_hops`` graph edges per paper.

    Backtracking looks at the ``INFLOW_LIMIT`` strongest predecessors of a node at most.

    Args:
        view: the graph view walked.
        PT: transpose of the row-stochastic transition matrix walked (row i lists who steps into i).
        mass: the walk's stationary vector.
        seed_edges: node index -> the question's edge into that seed node.
    """

    INFLOW_LIMIT = 64

    def __init__(
        self,
        view: GraphView,
        PT: sp.csr_matrix,
        mass: np.ndarray,
        seed_edges: Mapping[int, PathEdge],
        *,
        max_paths: int = 3,
        max_hops: int = 3,
    ) -> None:
        self.view = view
        self.PT = PT
        self.mass = mass
        self.seed_edges = seed_edges
        self.max_paths = max_paths
        self.max_hops = max_hops
        self._inflow_cache: dict[int, list[int]] = {}

    def _inflow(self, i: int) -> list[int]:
        """The strongest ``INFLOW_LIMIT`` predecessors of i, largest flow into i first (ties by index).

        Cached per node: paths of many papers run through the same hub concepts, whose predecessors
        number in the hundreds of thousands on a million-paper graph; only the top ones are sorted.
        """
        if i in self._inflow_cache:
            return self._inflow_cache[i]
        lo, hi = self.PT.indptr[i], self.PT.indptr[i + 1]
        preds = self.PT.indices[lo:hi]
        flow = self.PT.data[lo:hi] * self.mass[preds]
        keep = flow > 0
        preds, flow = preds[keep], flow[keep]
        if len(flow) > self.INFLOW_LIMIT:  # keep every tie of the cut-off value, then sort exactly
            cut = np.partition(flow, len(flow) - self.INFLOW_LIMIT)[len(flow) - self.INFLOW_LIMIT]
            keep = flow >= cut
            preds, flow = preds[keep], flow[keep]
        out = preds[np.lexsort((preds, -flow))][: self.INFLOW_LIMIT].tolist()
        self._inflow_cache[i] = out
        return out

    def _edge(self, a: int, b: int) -> PathEdge:
        found = self.view.edge_between(a, b)
        if found is None:  # cannot happen for a walked edge; keep the message useful if it does
            msg = f"no stored edge between {self.view.node_id(a)} and {self.view.node_id(b)}"
            raise KeyError(msg)
        rel, s, t, evidence = found
        return PathEdge(source=self.view.node_id(s), rel=rel, target=self.view.node_id(t), evidence=evidence)

    def _back_to_seed(self, start: int, target: int) -> list[int] | None:
        """Greedy flow backtracking from ``start`` (a predecessor of ``target``) to a seed node."""
        chain = [start]
        seen = {target, start}
        while chain[-1] not in self.seed_edges:
            if len(chain) >= self.max_hops:
                return None
            nxt = next((j for j in self._inflow(chain[-1]) if j not in seen), None)
            if nxt is None:
                return None
            chain.append(nxt)
            seen.add(nxt)
        return chain

    def paths(self, i: int) -> list[list[PathEdge]]:
        """Explanation paths into node ``i``, strongest first: question edge, then stored edges in order."""
        out: list[list[PathEdge]] = []
        if i in self.seed_edges:
            out.append([self.seed_edges[i]])
        for pred in self._inflow(i)[: 4 * self.max_paths]:  # bounded: a hub may have thousands
            if len(out) >= self.max_paths:
                break
            chain = self._back_to_seed(pred, i)
            if chain is None:
                continue
            nodes = [*reversed(chain), i]
            edges = [self.seed_edges[nodes[0]]]
            edges += [self._edge(a, b) for a, b in zip(nodes, nodes[1:], strict=False)]
            out.append(edges)
        return out


def question_edge(rel: str, target: str, evidence: str = "") -> PathEdge:
    """One of the question's own edges (the only edges of a path not stored in the graph)."""
    return PathEdge(source=QUESTION_NODE, rel=rel, target=target, evidence=evidence)
