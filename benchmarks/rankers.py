"""The retrievers every benchmark compares, as question -> ranked arXiv ids over one store's indexes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hepgraph.graph.lexical import top_k

RRF_K = 60  # Cormack, Clarke & Buettcher (2009)

Ranker = Callable[[str], list[str]]


def rankers(retriever, k: int, *, arxiv_only: bool = True) -> dict[str, Ranker]:  # noqa: ANN001
    """The four retrievers as question -> ranked arXiv ids; all share the retriever's indexes and model.

    With ``arxiv_only`` each retriever is asked for as many extra papers as there are papers without an
    arXiv id, and those are dropped, so every list still holds ``k`` papers of the collection.
    """
    view = retriever.view
    ids = [a or key for a, key in zip(view.paper_arxiv, view.paper_keys, strict=True)]
    outside = set()
    if arxiv_only:
        outside = {key for a, key in zip(view.paper_arxiv, view.paper_keys, strict=True) if not a}
    found = _raw_rankers(retriever, ids, k + len(outside))
    if not outside:
        return found

    def restricted(rank: Ranker) -> Ranker:
        return lambda q: [doc for doc in rank(q) if doc not in outside][:k]

    return {name: restricted(rank) for name, rank in found.items()}


def _raw_rankers(retriever, ids: list[str], k: int) -> dict[str, Ranker]:  # noqa: ANN001
    embed = retriever.linker.embedder

    def bm25(q: str) -> list[str]:
        s = retriever.lexical.scores(q)
        return [ids[i] for i in top_k(s, k) if s[i] > 0]

    def dense_idx(q: str, depth: int) -> np.ndarray:
        return top_k(retriever.dense.scores(embed.encode([q])[0]), depth)

    def dense(q: str) -> list[str]:
        return [ids[i] for i in dense_idx(q, k)]

    def fusion(q: str) -> list[str]:
        depth = max(k, 1000)
        fused: dict[int, float] = {}
        s = retriever.lexical.scores(q)
        for ranking in ([i for i in top_k(s, depth) if s[i] > 0], dense_idx(q, depth).tolist()):
            for r, i in enumerate(ranking):
                fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + r + 1)
        best = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        return [ids[i] for i, _ in best]

    def hepgraph(q: str) -> list[str]:
        return [r.arxiv_id or r.key for r in retriever.search(q, k=k).results]

    return {"BM25": bm25, "dense": dense, "RRF(BM25, dense)": fusion, "hepgraph": hepgraph}
