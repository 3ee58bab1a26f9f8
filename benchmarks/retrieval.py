"""Retrieval benchmark: BM25, dense, their RRF fusion and the hepgraph walk, side by side, in one run.

Usage (from the repo root)::

    HF_HUB_OFFLINE=1 python benchmarks/retrieval.py --home /tmp/hepgraph-full

The store at ``--home`` is built by ``hepgraph build ../shared/corpus`` (with ``--build`` a missing store
is built first). The benchmark's collection is the corpus merged by arXiv id, so by default papers without
an arXiv id (bibliography entries known only by a DOI) are dropped from every retriever's list before it
is cut to k; ``--collection all`` keeps them. Every retriever searches the same papers with the same
embedding model (the store's, ``HEPGRAPH_EMBEDDING_MODEL``). Relevance is binary; metrics are
macro-averaged over the queries, with 95% bootstrap intervals over queries (paired for the differences);
latency is per query with the models loaded.
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
BOOTSTRAP_SEED = 20260601
BOOTSTRAP_RESAMPLES = 10_000

Ranker = Callable[[str], list[str]]


def _parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, default=Path("/tmp/hepgraph-full"), help="home holding the store")
    ap.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="folder with queries.tsv and qrels.tsv")
    ap.add_argument("--k", type=int, default=100, help="results per query")
    ap.add_argument("--build", action="store_true", help="build the store from ../shared/corpus when missing")
    ap.add_argument(
        "--collection",
        choices=("arxiv", "all"),
        default="arxiv",
        help="arxiv: the benchmark's collection (papers with an arXiv id); all: every stored paper",
    )
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


def _rankers(retriever, k: int, *, arxiv_only: bool = True) -> dict[str, Ranker]:  # noqa: ANN001
    """The four retrievers as question -> ranked arXiv ids; all share the retriever's indexes and model.

    With ``arxiv_only`` each retriever is asked for as many extra papers as there are papers without an
    arXiv id, and those are dropped, so every list still holds ``k`` papers of the collection.
    """
    view = retriever.view
    ids = [a or key for a, key in zip(view.paper_arxiv, view.paper_keys, strict=True)]
    outside = set()
    if arxiv_only:
        outside = {key for a, key in zip(view.paper_arxiv, view.paper_keys, strict=True) if not a}
    rankers = _raw_rankers(retriever, ids, k + len(outside))
    if not outside:
        return rankers

    def restricted(rank: Ranker) -> Ranker:
        return lambda q: [doc for doc in rank(q) if doc not in outside][:k]

    return {name: restricted(rank) for name, rank in rankers.items()}


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


def _interval(*samples: np.ndarray) -> tuple[float, float]:
    """95% percentile-bootstrap interval of the mean of one sample, or of the paired difference of two."""
    from scipy.stats import bootstrap

    if len(samples) == 1:
        data, stat = (samples[0],), np.mean
    else:
        data, stat = samples, (lambda a, b, axis: np.mean(a - b, axis=axis))
    res = bootstrap(
        data,
        stat,
        paired=len(samples) > 1,
        n_resamples=BOOTSTRAP_RESAMPLES,
        method="percentile",
        random_state=np.random.default_rng(BOOTSTRAP_SEED),
    )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def _per_query(results: dict, name: str, metric: str) -> np.ndarray:
    return np.array([row[metric] for row in results[name]["per_query"]])


def _uncertainty_table(results: dict, ours: str = "hepgraph") -> Table:
    """Bootstrap intervals over queries: each retriever's mean, and ours minus each baseline (paired)."""
    title = f"95% bootstrap intervals over queries ({BOOTSTRAP_RESAMPLES:,} resamples, seed {BOOTSTRAP_SEED})"
    t = Table(title=title)
    for col in ("retriever", "nDCG@10", "Recall@100", f"{ours} - it: nDCG@10", f"{ours} - it: Recall@100"):
        t.add_column(col, justify="left" if col == "retriever" else "right")
    for name in results:
        cells = []
        for metric in ("ndcg10", "r100"):
            lo, hi = _interval(_per_query(results, name, metric))
            cells.append(f"{lo:.3f} - {hi:.3f}")
        for metric in ("ndcg10", "r100"):
            if name == ours:
                cells.append("")
                continue
            a, b = _per_query(results, ours, metric), _per_query(results, name, metric)
            lo, hi = _interval(a, b)
            cells.append(f"{float(np.mean(a - b)):+.3f} ({lo:+.3f} - {hi:+.3f})")
        t.add_row(name, *cells)
    return t


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
    arxiv_only = args.collection == "arxiv"
    results = _evaluate(_rankers(retriever, args.k, arxiv_only=arxiv_only), queries, qrels)
    view = retriever.view
    collection = sum(1 for a in view.paper_arxiv if a) if arxiv_only else view.n_papers
    console = Console(width=max(Console().width, 120))  # a log file or pipe must not wrap the tables
    console.print(_table(results, len(queries), collection, embedder.model_name))
    if arxiv_only and collection < view.n_papers:
        left_out = view.n_papers - collection
        console.print(f"{left_out} stored papers without an arXiv id are outside the collection")
    console.print(_uncertainty_table(results))
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
