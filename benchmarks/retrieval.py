"""Retrieval benchmark: BM25, dense, their RRF fusion and the hepgraph walk, side by side, in one run.

Usage (from the repo root)::

    HF_HUB_OFFLINE=1 python benchmarks/retrieval.py --home /tmp/hepgraph-full

Two splits, both run by default (``--split`` picks one):

- **hepml**: ``../shared/eval/hepml-dev``, the HEPML Living Review's categories as queries with binary
  relevance (the review files the paper under the category); nDCG@10, Recall@10/100, MRR.
- **natural**: ``benchmarks/natural/questions.tsv``, questions as physicists ask them, with our graded
  judgments (``judgments.tsv``, rules in ``GUIDELINES.md``, pooled by ``benchmarks/pool.py``): nDCG@10 with
  gains 2**grade - 1, P@8 (the eight sources an answer shows, judged 1 or 2), the share of those eight
  judged 2, and how many of them carry a judgment (papers nobody judged count as not useful).

The store at ``--home`` is built by ``hepgraph build ../shared/corpus`` (with ``--build`` a missing store
is built first). The collection is the corpus merged by arXiv id, so by default papers without an arXiv
id (bibliography entries known only by a DOI) are dropped from every retriever's list before it is cut to
k; ``--collection all`` keeps them. Every retriever searches the same papers with the same embedding model
(the store's, ``HEPGRAPH_EMBEDDING_MODEL``). Metrics are macro-averaged over the questions, with 95%
bootstrap intervals over questions (paired for the differences); latency is per question with the models
loaded.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from metrics import (
    graded_ndcg_at,
    judged_at,
    ndcg_at,
    percentile,
    precision_at,
    read_judgments,
    read_qrels,
    read_queries,
    recall_at,
    reciprocal_rank,
)
from rankers import Ranker, rankers
from rich.console import Console
from rich.table import Table

from hepgraph.settings import Settings

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EVAL = REPO.parent / "shared" / "eval" / "hepml-dev"
NATURAL = REPO / "benchmarks" / "natural"
SHOWN = 8  # sources an answer shows
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
BOOTSTRAP_SEED = 20260601
BOOTSTRAP_RESAMPLES = 10_000


def _parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, default=Path("/tmp/hepgraph-full"), help="home holding the store")
    ap.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="folder with queries.tsv and qrels.tsv")
    ap.add_argument(
        "--split", choices=("both", "hepml", "natural"), default="both", help="which split to run"
    )
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
        "hepgraph",
        "--home",
        str(settings.home),
        "build",
        str(DEFAULT_CORPUS),
        "--on-error",
        "skip",
    ]
    subprocess.run(cmd, check=True)


def hepml_metrics(ranked: list[str], rel: set[str]) -> dict[str, float]:
    """The hepml split's metrics of one ranking (binary relevance)."""
    return {
        "ndcg10": ndcg_at(ranked, rel, 10),
        "r10": recall_at(ranked, rel, 10),
        "r100": recall_at(ranked, rel, 100),
        "mrr": reciprocal_rank(ranked, rel),
    }


def natural_metrics(ranked: list[str], grades: dict[str, int]) -> dict[str, float]:
    """The natural split's metrics of one ranking (graded judgments)."""
    return {
        "ndcg10": graded_ndcg_at(ranked, grades, 10),
        "p8": precision_at(ranked, grades, SHOWN, at_least=1),
        "s2_8": precision_at(ranked, grades, SHOWN, at_least=2),
        "judged8": judged_at(ranked, grades, SHOWN),
    }


SPLITS = {  # split -> (metric function, columns shown as (key, header))
    "hepml": (
        hepml_metrics,
        [("ndcg10", "nDCG@10"), ("r10", "Recall@10"), ("r100", "Recall@100"), ("mrr", "MRR")],
    ),
    "natural": (
        natural_metrics,
        [("ndcg10", "nDCG@10"), ("p8", "P@8"), ("s2_8", "judged 2 @8"), ("judged8", "judged @8")],
    ),
}


def _evaluate(rankers: dict[str, Ranker], queries: list[tuple[str, str]], truth: dict, split: str) -> dict:
    metric, columns = SPLITS[split]
    out: dict[str, dict] = {}
    for name, rank in rankers.items():
        rank(queries[0][1])  # warm-up (first-call allocations), not timed
        rows, ms = [], []
        for qid, query in queries:
            t0 = time.perf_counter()
            ranked = rank(query)
            ms.append((time.perf_counter() - t0) * 1000)
            rows.append({"qid": qid, **metric(ranked, truth.get(qid, {}))})
        mean = {m: float(np.mean([r[m] for r in rows])) for m, _ in columns}
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


def _uncertainty_table(results: dict, split: str, ours: str = "hepgraph") -> Table:
    """Bootstrap intervals over queries: each retriever's mean, and ours minus each baseline (paired)."""
    title = (
        f"{split}: 95% bootstrap intervals over questions ({BOOTSTRAP_RESAMPLES:,} resamples, "
        f"seed {BOOTSTRAP_SEED})"
    )
    shown = [(k, h) for k, h in SPLITS[split][1] if k in ("ndcg10", "r100", "p8", "s2_8")]
    t = Table(title=title)
    t.add_column("retriever")
    for _, header in shown:
        t.add_column(header, justify="right")
    for _, header in shown:
        t.add_column(f"{ours} - it: {header}", justify="right")
    for name in results:
        cells = []
        for metric, _ in shown:
            lo, hi = _interval(_per_query(results, name, metric))
            cells.append(f"{lo:.3f} - {hi:.3f}")
        for metric, _ in shown:
            if name == ours:
                cells.append("")
                continue
            a, b = _per_query(results, ours, metric), _per_query(results, name, metric)
            lo, hi = _interval(a, b)
            cells.append(f"{float(np.mean(a - b)):+.3f} ({lo:+.3f} - {hi:+.3f})")
        t.add_row(name, *cells)
    return t


def _table(results: dict, split: str, n_queries: int, collection: int, model: str) -> Table:
    columns = SPLITS[split][1]
    t = Table(title=f"{split}: {n_queries} questions, {collection:,} papers, {model}")
    t.add_column("retriever")
    for _, header in [*columns, ("", "p50 ms"), ("", "p95 ms")]:
        t.add_column(header, justify="right")
    for name, r in results.items():
        cells = [f"{r[key]:.3f}" for key, _ in columns]
        t.add_row(name, *cells, f"{r['p50_ms']:.0f}", f"{r['p95_ms']:.0f}")
    return t


def _splits(args: argparse.Namespace) -> dict[str, tuple[list[tuple[str, str]], dict]]:
    """Split name -> (questions, truth: qrels for hepml, graded judgments for natural)."""
    out = {}
    if args.split in ("both", "hepml"):
        out["hepml"] = (read_queries(args.eval / "queries.tsv"), read_qrels(args.eval / "qrels.tsv"))
    if args.split in ("both", "natural"):
        out["natural"] = (read_queries(NATURAL / "questions.tsv"), read_judgments(NATURAL / "judgments.tsv"))
    return out


def main() -> None:
    """Run every retriever on the dev queries and print the side-by-side table."""
    args = _parse()
    logging.basicConfig(level=logging.WARNING)
    from hepgraph.graph.factory import open_store
    from hepgraph.graph.retrieve import RetrievalConfig
    from hepgraph.pipeline.runtime import build_retriever, load_embedder

    settings = Settings(home=args.home)
    _ensure_store(settings, args.build)
    store = open_store(settings, create=False, read_only=True)
    overrides = {kv.split("=", 1)[0]: json.loads(kv.split("=", 1)[1]) for kv in args.set}
    config = RetrievalConfig(**overrides)
    embedder = load_embedder(settings)
    retriever = build_retriever(store, settings, embedder=embedder, config=config)
    arxiv_only = args.collection == "arxiv"
    ranked = rankers(retriever, args.k, arxiv_only=arxiv_only)
    view = retriever.view
    collection = sum(1 for a in view.paper_arxiv if a) if arxiv_only else view.n_papers
    console = Console(width=max(Console().width, 120))  # a log file or pipe must not wrap the tables
    everything: dict[str, dict] = {}
    for split, (queries, truth) in _splits(args).items():
        results = _evaluate(ranked, queries, truth, split)
        everything[split] = results
        console.print(_table(results, split, len(queries), collection, embedder.model_name))
        console.print(_uncertainty_table(results, split))
        if args.per_query:
            names = list(results)
            per = Table("qid", *names, title=f"{split}: nDCG@10 per question")
            for i, (qid, _) in enumerate(queries):
                per.add_row(qid, *(f"{results[n]['per_query'][i]['ndcg10']:.3f}" for n in names))
            console.print(per)
    if arxiv_only and collection < view.n_papers:
        left_out = view.n_papers - collection
        console.print(f"{left_out} stored papers without an arXiv id are outside the collection")
    console.print(f"index {retriever.index_hash[:12]}  config {config.model_dump_json()}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"config": config.model_dump(), "index_hash": retriever.index_hash, "results": everything},
                indent=1,
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
