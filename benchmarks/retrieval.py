"""Retrieval benchmark: BM25, dense, their RRF fusion and the hepgraph walk, side by side, in one run.

Usage (from the repo root)::

    HF_HUB_OFFLINE=1 python benchmarks/retrieval.py --home /tmp/hepgraph-full

The collection is the store at ``--home`` (built by ``hepgraph build ../shared/corpus``; with
``--build`` a missing store is built first). Every retriever searches the same papers with the same
embedding model (the store's, ``HEPGRAPH_EMBEDDING_MODEL``). Relevance is binary; metrics are
macro-averaged over the queries; latency is per query with the models loaded.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from metrics import ndcg_at, percentile, read_qrels, read_queries, recall_at, reciprocal_rank
from rich.console import Console
from rich.table import Table

from hepgraph.graph.lexical import top_k
from hepgraph.settings import Settings

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EVAL = REPO.parent / "shared" / "eval" / "hepml-dev"
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
RRF_K = 60  # Cormack, Clarke & Buettcher (2009)

Ranker = Callable[[str], list[str]]


def _parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, default=Path("/tmp/hepgraph-full"), help="home holding the store")
    ap.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="folder with queries.tsv and qrels.tsv")
    ap.add_argument("--k", type=int, default=100, help="results per query")
    ap.add_argument("--build", action="store_true", help="build the store from ../shared/corpus when missing")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=JSON",
        help="override a RetrievalConfig field for an experiment, e.g. --set alpha=0.3",
    )
    ap.add_argument("--per-query", action="store_true", help="also print nDCG@10 per query")
    ap.add_argument("--json", type=Path, help="write all numbers to this JSON file")
    return ap.parse_args()


def _ensure_store(settings: Settings, build: bool) -> None:
    if settings.store_path.exists():
        return
    if not build:
        sys.exit(
            f"no store at {settings.store_path}: run "
            f"`hepgraph --home {settings.home} build {DEFAULT_CORPUS}` or pass --build"
        )
    cmd = [
        sys.executable,
        "-m",
        "hepgraph.ui.cli",
        "--home",
        str(settings.home),
        "build",
        str(DEFAULT_CORPUS),
        "--on-error",
        "skip",
    ]
    subprocess.run(cmd, check=True)


def _rankers(retriever, k: int) -> dict[str, Ranker]:  # noqa: ANN001
    """The four retrievers as question -> ranked arXiv ids; all share the retriever's indexes and model."""
    view = retriever.view
    ids = [a or key for a, key in zip(view.paper_arxiv, view.paper_keys, strict=True)]
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


def _evaluate(rankers: dict[str, Ranker], queries: list[tuple[str, str]], qrels: dict[str, set[str]]) -> dict:
    out: dict[str, dict] = {}
    for name, rank in rankers.items():
        rank(queries[0][1])  # warm-up (first-call allocations), not timed
        rows, ms = [], []
        for qid, query in queries:
            t0 = time.perf_counter()
            ranked = rank(query)
            ms.append((time.perf_counter() - t0) * 1000)
            rel = qrels.get(qid, set())
            rows.append(
                {
                    "qid": qid,
                    "ndcg10": ndcg_at(ranked, rel, 10),
                    "r10": recall_at(ranked, rel, 10),
                    "r100": recall_at(ranked, rel, 100),
                    "mrr": reciprocal_rank(ranked, rel),
                }
            )
        mean = {m: float(np.mean([r[m] for r in rows])) for m in ("ndcg10", "r10", "r100", "mrr")}
        out[name] = {**mean, "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "per_query": rows}
    return out


def _table(results: dict, n_queries: int, collection: int, model: str) -> Table:
    t = Table(title=f"hepml-dev: {n_queries} queries, {collection:,} papers, {model}")
    for col in ("retriever", "nDCG@10", "Recall@10", "Recall@100", "MRR", "p50 ms", "p95 ms"):
        t.add_column(col, justify="left" if col == "retriever" else "right")
    for name, r in results.items():
        t.add_row(
            name,
            f"{r['ndcg10']:.3f}",
            f"{r['r10']:.3f}",
            f"{r['r100']:.3f}",
            f"{r['mrr']:.3f}",
            f"{r['p50_ms']:.0f}",
            f"{r['p95_ms']:.0f}",
        )
    return t


def main() -> None:
    """Run every retriever on the dev queries and print the side-by-side table."""
    args = _parse()
    logging.basicConfig(level=logging.WARNING)
    from hepgraph.extract.embed import SentenceTransformerEmbedder
    from hepgraph.extract.vocabulary import load_vocabulary
    from hepgraph.graph.factory import open_store
    from hepgraph.graph.retrieve import RetrievalConfig, Retriever

    settings = Settings(home=args.home)
    _ensure_store(settings, args.build)
    store = open_store(settings, create=False, read_only=True)
    overrides = {kv.split("=", 1)[0]: json.loads(kv.split("=", 1)[1]) for kv in args.set}
    config = RetrievalConfig(**overrides)
    embedder = SentenceTransformerEmbedder(settings.embedding_model, batch_size=settings.embedding_batch_size)
    retriever = Retriever(
        store, embedder=embedder, vocabulary=load_vocabulary(), settings=settings, config=config
    )
    queries = read_queries(args.eval / "queries.tsv")
    qrels = read_qrels(args.eval / "qrels.tsv")
    results = _evaluate(_rankers(retriever, args.k), queries, qrels)
    console = Console()
    console.print(_table(results, len(queries), retriever.view.n_papers, embedder.model_name))
    console.print(f"index {retriever.index_hash[:12]}  config {config.model_dump_json()}")
    if args.per_query:
        names = list(results)
        per = Table("qid", *names, title="nDCG@10 per query")
        for i, (qid, _) in enumerate(queries):
            per.add_row(qid, *(f"{results[n]['per_query'][i]['ndcg10']:.3f}" for n in names))
        console.print(per)
    if args.json:
        args.json.write_text(
            json.dumps(
                {"config": config.model_dump(), "index_hash": retriever.index_hash, "results": results},
                indent=1,
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
