"""Build time at the real field's size: measured build stages on real papers, extrapolated to 100k and 500k.

Usage::

    HF_HUB_OFFLINE=1 python benchmarks/build_scale.py --sizes 500,1000,2000 --knn 10000,20000,40000

Part 1 builds fresh stores (no caches) from the first N papers with an abstract of
``../shared/corpus/arxiv-hep.jsonl``, each with ``hepgraph build --json`` in its own process, and reads the
per-stage seconds of the build report and the process's peak RSS. Part 2 times the SIMILAR stage's exact
k-nearest-neighbour search (``extract/similar.py``) alone on random unit vectors of the encoder's width at
sizes the real corpus cannot reach, because it is the one stage whose cost grows faster than the corpus.

Expected times: the stages that touch each paper once (ingest, mentions, embed, meta) are fitted as
``fixed + per_paper * n`` over the real builds (the fixed part is model loading and, in "embed", the
vocabulary's concept texts) and extrapolated; SIMILAR is extrapolated from part 2 with its fitted log-log
exponent; the rest of a build (loading every paper's text, the concepts stage) is the remainder, taken as
growing linearly from the largest build.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HEPGRAPH_SHARED", REPO.parent / "shared"))
LINEAR = ("ingest", "mentions", "embed", "meta")
TARGETS = (100_000, 500_000)


def _slice(n: int, out: Path) -> Path:
    """The first ``n`` papers with an abstract of the HEP snapshot, as JSONL."""
    path = out / f"papers-{n}.jsonl"
    if path.exists():
        return path
    kept = []
    with (SHARED / "corpus" / "arxiv-hep.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if json.loads(line).get("abstract", "").strip():
                kept.append(line)
                if len(kept) == n:
                    break
    path.write_text("".join(kept), encoding="utf-8")
    return path


def build_once(n: int, work: Path) -> dict:
    """One fresh build of ``n`` papers in its own process: the report's stage seconds, wall and peak RSS."""
    home = work / f"home-{n}"
    shutil.rmtree(home, ignore_errors=True)
    source = _slice(n, work)
    cmd = [sys.executable, "-m", "hepgraph.ui", "--home", str(home), "build", str(source), "--json"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=REPO)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        msg = f"build of {n} papers failed (status {status}); run {' '.join(cmd)} to see why"
        raise SystemExit(msg)
    text = out.decode()
    report = json.loads(text[text.index("{") :])
    shutil.rmtree(home, ignore_errors=True)
    return {
        "papers": n,
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "stages": report["seconds"],
        "device": report.get("embedding_device", ""),
    }


def knn_once(n: int, dim: int, k: int, *, new_share: float = 0.01) -> dict:
    """The SIMILAR stage over ``n`` random unit vectors (it does not care what they mean).

    Times the full kNN and the update after ``new_share`` of the papers arrive (what ``hepgraph update``
    pays), and checks that both give the same edges.
    """
    from hepgraph.extract.similar import knn_edges, knn_update

    rng = np.random.default_rng(20261204)
    matrix = rng.standard_normal((n, dim)).astype(np.float32)
    keys = [f"{i:07d}" for i in range(n)]
    old = n - max(1, int(n * new_share))
    before = knn_edges(keys[:old], matrix[:old], k)
    t0 = time.perf_counter()
    edges = knn_edges(keys, matrix, k)
    full_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    updated = knn_update(keys, matrix, k, previous=before, changed=set(keys[old:]))
    update_s = time.perf_counter() - t0
    if updated != edges:
        msg = f"knn_update differs from knn_edges at {n} papers"
        raise SystemExit(msg)
    return {
        "papers": n,
        "seconds": round(full_s, 2),
        "edges": len(edges),
        "update_new": n - old,
        "update_seconds": round(update_s, 2),
    }


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares exponent of y = a x^b."""
    lx, ly = np.log(xs), np.log(ys)
    return float(np.polyfit(lx, ly, 1)[0])


def expected(builds: list[dict], knn: list[dict]) -> dict:
    """Seconds per stage at the target sizes."""
    big = builds[-1]
    out: dict[str, dict[str, float]] = {}
    sizes = [r["papers"] for r in builds]
    for stage in LINEAR:
        # seconds = fixed + per_paper * n: the fixed part (model loading, the vocabulary's concept texts in
        # "embed") does not grow, so a straight extrapolation of seconds per paper would overstate it.
        per_paper, fixed_s = np.polyfit(sizes, [r["stages"].get(stage, 0.0) for r in builds], 1)
        out[stage] = {str(t): fixed_s + per_paper * t for t in TARGETS}
        out[stage]["per_paper_ms"] = per_paper * 1000
        out[stage]["fixed_s"] = fixed_s
    # The exponent of the two largest sizes: at small sizes per-row overhead hides the n^2 product.
    b = slope([r["papers"] for r in knn[-2:]], [r["seconds"] for r in knn[-2:]])
    last = knn[-1]
    out["similar"] = {str(t): last["seconds"] * (t / last["papers"]) ** b for t in TARGETS}
    out["similar"]["exponent"] = b
    staged = sum(big["stages"].get(s, 0.0) for s in (*LINEAR, "similar"))
    rest = max(big["stages"].get("total", big["wall_s"]) - staged, 0.0)
    out["rest"] = {str(t): rest * t / big["papers"] for t in TARGETS}
    out["total"] = {str(t): sum(out[s][str(t)] for s in (*LINEAR, "similar", "rest")) for t in TARGETS}
    return out


def _hours(s: float) -> str:
    return f"{s / 3600:.1f} h" if s >= 3600 else (f"{s / 60:.0f} min" if s >= 60 else f"{s:.0f} s")


def print_tables(builds: list[dict], knn: list[dict], exp: dict) -> None:
    stages = ("ingest", "mentions", "embed", "similar", "meta", "total")
    print(
        "| papers | "
        + " | ".join(f"{s} s" for s in stages)
        + " | papers/s (whole build) | CPU s | peak RSS MiB |"
    )
    print("|---" * (len(stages) + 4) + "|")
    for r in builds:
        cells = " | ".join(f"{r['stages'].get(s, 0.0):.1f}" for s in stages)
        rate = r["papers"] / r["stages"].get("total", r["wall_s"])
        print(f"| {r['papers']:,} | {cells} | {rate:.1f} | {r['cpu_s']:.0f} | {r['peak_rss_mib']:,} |")
    print()
    print("| kNN papers | full kNN s | SIMILAR edges | update after 1% new papers s |")
    print("|---|---|---|---|")
    for r in knn:
        print(
            f"| {r['papers']:,} | {r['seconds']:.1f} | {r['edges']:,} | "
            f"{r['update_seconds']:.1f} ({r['update_new']:,} new) |"
        )
    print(f"\nfull kNN exponent (log-log, two largest sizes): {exp['similar']['exponent']:.2f}\n")
    print("| stage | " + " | ".join(f"expected at {t:,}" for t in TARGETS) + " |")
    print("|---" * (len(TARGETS) + 1) + "|")
    for stage in (*LINEAR, "similar", "rest", "total"):
        print(f"| {stage} | " + " | ".join(_hours(exp[stage][str(t)]) for t in TARGETS) + " |")
    print()
    for stage in LINEAR:
        e = exp[stage]
        print(f"{stage}: {e['per_paper_ms']:.2f} ms a paper + {e['fixed_s']:.1f} s fixed")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="500,1000,2000", help="Real papers per fresh build.")
    ap.add_argument("--knn", default="10000,20000,40000", help="Sizes for the kNN stage alone.")
    ap.add_argument("--k", type=int, default=None, help="Neighbours (default: the similar_k setting).")
    ap.add_argument("--work", type=Path, default=Path("/tmp/hepgraph-build-scale"), help="Scratch folder.")
    ap.add_argument("--json", action="store_true", help="Print one JSON object instead of tables.")
    args = ap.parse_args()
    from hepgraph.settings import load_settings

    k = args.k or load_settings().similar_k
    args.work.mkdir(parents=True, exist_ok=True)
    builds = [build_once(int(n), args.work) for n in args.sizes.split(",")]
    knn = [knn_once(int(n), 384, k) for n in args.knn.split(",")]
    exp = expected(builds, knn)
    if args.json:
        print(json.dumps({"builds": builds, "knn": knn, "expected_s": exp, "k": k}, indent=1))
    else:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        device = builds[-1]["device"] or "cpu"
        print(f"device: {device}; cores: {os.cpu_count()}; k: {k}; load average: {load}\n")
        print_tables(builds, knn, exp)
    if not math.isfinite(exp["total"][str(TARGETS[-1])]):
        msg = "the extrapolation is not finite; check the measured stages"
        raise SystemExit(msg)


if __name__ == "__main__":
    main()
