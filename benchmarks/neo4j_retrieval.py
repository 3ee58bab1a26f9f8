"""Retrieval inside Neo4j beside the embedded store's whole-graph walk, on the benchmark questions.

    HF_HUB_OFFLINE=1 python benchmarks/neo4j_retrieval.py --home HOME [--k 10]

HOME is an embedded store; NEO4J_URI (NEO4J_USER, NEO4J_PASSWORD) must hold the same graph
(``hepgraph --home HOME push --to neo4j``). Each backend answers every question of both splits in its own
process (one untimed warm-up question first), so each process's peak RSS is that backend's client memory.
Prints the top-k overlap per split, nDCG@10 of each backend, p50/p95 latency and client peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from metrics import (
    graded_ndcg_at,
    ndcg_at,
    percentile,
    read_judgments,
    read_qrels,
    read_queries,
)

HERE = Path(__file__).resolve().parent
EVAL = HERE.parents[1] / "shared" / "eval" / "hepml-dev"
NATURAL = HERE / "natural"


def questions() -> dict[str, list[tuple[str, str]]]:
    """Split -> (qid, question) of the retrieval benchmark."""
    return {
        "hepml": read_queries(EVAL / "queries.tsv"),
        "natural": read_queries(NATURAL / "questions.tsv"),
    }


def worker(home: Path, backend: str, k: int) -> dict:
    """Answer every question on ``backend``; rankings, latencies and this process's peak RSS."""
    from hepgraph.pipeline.runtime import open_retriever
    from hepgraph.settings import load_settings

    retriever = open_retriever(load_settings(home=home, backend=backend))
    retriever.search("warm-up: jet tagging with graph networks", k=k)
    out: dict = {"rankings": {}, "ms": []}
    for split, items in questions().items():
        for qid, text in items:
            start = time.perf_counter()
            result = retriever.search(text, k=k)
            out["ms"].append((time.perf_counter() - start) * 1000)
            out["rankings"][f"{split}/{qid}"] = [r.arxiv_id or r.key for r in result.results]
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--worker", choices=("embedded", "neo4j"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        sys.stdout.write(json.dumps(worker(args.home, args.worker, args.k)))
        return
    runs = {}
    for backend in ("embedded", "neo4j"):
        cmd = [sys.executable, __file__, "--home", str(args.home), "--k", str(args.k), "--worker", backend]
        runs[backend] = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    qrels = read_qrels(EVAL / "qrels.tsv")
    grades = read_judgments(NATURAL / "judgments.tsv")
    print(f"top-{args.k} overlap (|A & B| / k, mean over questions) and nDCG@10 of each backend")
    for split in ("hepml", "natural"):
        ids = [q for q in runs["embedded"]["rankings"] if q.startswith(split + "/")]
        overlap = [
            len(set(runs["embedded"]["rankings"][q]) & set(runs["neo4j"]["rankings"][q])) / args.k
            for q in ids
        ]
        same_first = sum(runs["embedded"]["rankings"][q][:1] == runs["neo4j"]["rankings"][q][:1] for q in ids)

        def score(backend: str, split: str = split, ids: list[str] = ids) -> float:
            ranked = {q: runs[backend]["rankings"][q] for q in ids}
            if split == "hepml":
                return statistics.mean(ndcg_at(ranked[q], qrels.get(q.split("/")[1], set()), 10) for q in ids)
            return statistics.mean(
                graded_ndcg_at(ranked[q], grades.get(q.split("/")[1], {}), 10) for q in ids
            )

        print(
            f"  {split}: {len(ids)} questions, overlap {statistics.mean(overlap):.2f} "
            f"(min {min(overlap):.1f}), same first paper {same_first}/{len(ids)}, "
            f"nDCG@10 embedded {score('embedded'):.3f} / neo4j {score('neo4j'):.3f}"
        )
    print("backend    p50 ms   p95 ms   client peak RSS MB")
    for backend, run in runs.items():
        print(
            f"{backend:9s} {percentile(run['ms'], 50):7.0f} {percentile(run['ms'], 95):8.0f} "
            f"{run['peak_rss_mb']:10.0f}"
        )


if __name__ == "__main__":
    main()
