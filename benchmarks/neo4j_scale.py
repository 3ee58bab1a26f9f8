r"""Retrieval inside Neo4j beside the embedded store at 14k papers and at a grown store of about 1M.

    HF_HUB_OFFLINE=1 python benchmarks/neo4j_scale.py --homes HOME14K,HOME1M --work DIR \\
        [--heap 6g] [--pagecache 6g]

Each HOME is an embedded home (a folder holding hepgraph.sqlite): the real full-corpus store, and a store
grown from it by ``benchmarks/scale.py`` (``--prepare 1000000``; synthetic papers with RANDOM UNIT VECTORS,
see that script). Per home, one after the other:

1. the embedded store answers the questions in a fresh process (its client peak RSS is the whole graph's),
   after a first untimed run that fills the home's caches (graph view, BM25 index);
2. ``hepgraph export --format neo4j-admin`` and Neo4j's own bulk importer (``tools/neo4j/server.sh admin``),
   timed; the CSV files are deleted after the import, and a later run serves that import again (its
   timings are kept in ``imported.json`` beside it);
3. a Neo4j 5.26 server from ``tools/neo4j`` serves the imported database; ``hepgraph --backend neo4j schema``
   creates the constraints, the full-text and the vector indexes and waits until they are filled (timed);
4. the Neo4j-backed retriever answers the same questions in a fresh process; then the server's peak RSS.

The questions are the first 20 of the retrieval benchmark, k=20, after one untimed warm-up question, as in
``benchmarks/scale.py``. Prints one table with both backends per size and the top-10 overlap between them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from metrics import percentile
from scale import questions

REPO = Path(__file__).resolve().parents[1]
SERVER = REPO / "tools" / "neo4j" / "server.sh"
HEPGRAPH = [sys.executable, "-m", "hepgraph"]


def _log(msg: str) -> None:
    print(f"[neo4j-scale {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def worker(home: Path, backend: str) -> dict:
    """Load the retriever on ``backend``, answer the questions; rankings, latencies, load time, peak RSS."""
    from hepgraph.pipeline.runtime import open_retriever
    from hepgraph.settings import load_settings

    start = time.perf_counter()
    retriever = open_retriever(load_settings(home=home, backend=backend))
    load_s = time.perf_counter() - start
    retriever.search("warm-up: jet tagging with graph neural networks", k=20)
    ms, rankings = [], []
    for text in questions():
        start = time.perf_counter()
        result = retriever.search(text, k=20)
        ms.append((time.perf_counter() - start) * 1000)
        rankings.append([r.arxiv_id or r.key for r in result.results])
    return {
        "load_s": round(load_s, 1),
        "ms": ms,
        "rankings": rankings,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _run_worker(home: Path, backend: str, env: dict[str, str]) -> dict:
    cmd = [sys.executable, __file__, "--worker", backend, "--homes", str(home)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{backend} worker on {home} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def _timed(cmd: list[str], env: dict[str, str], what: str) -> tuple[float, str]:
    """Run ``cmd``; its wall seconds and stdout (exits with its stderr on failure)."""
    _log(what)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, cwd=REPO)
    if done.returncode != 0:
        sys.exit(f"{what} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return time.perf_counter() - start, done.stdout


def _server_peak_mib(run_dir: Path) -> float:
    """The server JVM's peak resident memory (VmHWM), read before it stops."""
    pid = (run_dir / "neo4j.pid").read_text().strip()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bulk_load(home: Path, size_dir: Path, env: dict[str, str]) -> dict:
    """Export ``home`` as neo4j-admin CSV files and import them into ``size_dir/neo4j-home``; timings."""
    csv_dir = size_dir / "csv"
    shutil.rmtree(size_dir, ignore_errors=True)
    export_s, printed = _timed(
        [*HEPGRAPH, "--home", str(home), "export", "--format", "neo4j-admin", "--out", str(csv_dir)],
        env,
        "export --format neo4j-admin",
    )
    csv_mib = sum(p.stat().st_size for p in csv_dir.iterdir()) / 2**20
    (command,) = [line for line in printed.splitlines() if line.startswith("neo4j-admin database import")]
    import_s, _ = _timed(
        ["bash", str(SERVER), "admin", str(size_dir / "neo4j-home"), *shlex.split(command)[1:]],
        env,
        "neo4j-admin import",
    )
    shutil.rmtree(csv_dir)
    return {
        "export_s": round(export_s, 1),
        "csv_mib": round(csv_mib),
        "import_s": round(import_s, 1),
        "password": secrets.token_hex(16),
    }


def measure_home(home: Path, work: Path, heap: str, pagecache: str) -> dict:
    """Both backends on one home; returns the row of the table."""
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    papers = _papers(home)
    _log(f"{home}: {papers:,} papers; embedded retriever (a first run fills the home's caches, untimed)")
    _run_worker(home, "embedded", base_env)
    embedded = _run_worker(home, "embedded", base_env)
    size_dir = work / f"papers-{papers}"
    neo_home, run_dir = size_dir / "neo4j-home", size_dir / "run"
    stamp = size_dir / "imported.json"
    if stamp.exists():  # an import of this size finished before: serve it again
        loaded = json.loads(stamp.read_text())
        _log(f"reusing the import in {neo_home} ({loaded})")
    else:
        loaded = bulk_load(home, size_dir, base_env | {"NEO4J_HEAP": heap})
        stamp.write_text(json.dumps(loaded))
    server_env = base_env | {
        "NEO4J_RUN_DIR": str(run_dir),
        "NEO4J_BOLT_PORT": "0",
        "NEO4J_GDS": "0",
        "NEO4J_HEAP": heap,
        "NEO4J_PAGECACHE": pagecache,
        "NEO4J_HOME_DIR": str(neo_home),
        "NEO4J_PASSWORD": loaded["password"],  # an imported home keeps the password of its first start
    }
    _timed(["bash", str(SERVER), "start"], server_env, "server start")
    try:
        served = dict(
            line.removeprefix("export ").split("=", 1)
            for line in (run_dir / "neo4j.env").read_text().splitlines()
            if line.startswith("export ")
        )
        client_env = base_env | served
        schema_s, _ = _timed(
            [*HEPGRAPH, "--home", str(home), "--backend", "neo4j", "schema"], client_env, "schema (indexes)"
        )
        _log("neo4j retriever")
        neo = _run_worker(home, "neo4j", client_env)
        server_mib = _server_peak_mib(run_dir)
    finally:
        _timed(["bash", str(SERVER), "stop"], server_env, "server stop")
    store_mib = sum(p.stat().st_size for p in neo_home.rglob("*") if p.is_file()) / 2**20
    overlap = [
        len(set(a[:10]) & set(b[:10])) / 10
        for a, b in zip(embedded["rankings"], neo["rankings"], strict=True)
    ]
    return {
        "papers": papers,
        "embedded": _summary(embedded),
        "neo4j": _summary(neo),
        "export_s": loaded["export_s"],
        "csv_mib": loaded["csv_mib"],
        "import_s": loaded["import_s"],
        "schema_s": round(schema_s, 1),
        "neo4j_store_mib": round(store_mib),
        "server_peak_mib": round(server_mib),
        "top10_overlap": round(statistics.mean(overlap), 2),
        "top10_overlap_min": min(overlap),
    }


def _papers(home: Path) -> int:
    from hepgraph.graph.embedded import EmbeddedStore

    store = EmbeddedStore(home / "hepgraph.sqlite", read_only=True)
    try:
        return store.stats().papers
    finally:
        store.close()


def _summary(run: dict) -> dict:
    return {
        "load_s": run["load_s"],
        "p50_ms": round(percentile(run["ms"], 50)),
        "p95_ms": round(percentile(run["ms"], 95)),
        "client_rss_mib": round(run["rss_mib"]),
    }


def table(rows: list[dict]) -> str:
    """The Markdown table of the README, one line per size and backend."""
    out = [
        "| papers | backend | retriever load s | p50 ms | p95 ms | client peak RSS MiB "
        "| server peak RSS MiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        e, n = r["embedded"], r["neo4j"]
        out.append(
            f"| {r['papers']:,} | embedded | {e['load_s']} | {e['p50_ms']:,} | {e['p95_ms']:,} | "
            f"{e['client_rss_mib']:,} | - |"
        )
        out.append(
            f"| {r['papers']:,} | Neo4j | {n['load_s']} | {n['p50_ms']:,} | {n['p95_ms']:,} | "
            f"{n['client_rss_mib']:,} | {r['server_peak_mib']:,} |"
        )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--homes", required=True, help="Comma-separated embedded homes, smallest first.")
    ap.add_argument("--work", type=Path, default=Path("/tmp/hepgraph-neo4j-scale"), help="Scratch folder.")
    ap.add_argument("--heap", default="6g", help="Neo4j heap for the importer and the server.")
    ap.add_argument("--pagecache", default="6g", help="Neo4j page cache of the server.")
    ap.add_argument("--worker", choices=("embedded", "neo4j"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    homes = [Path(h) for h in args.homes.split(",")]
    if args.worker:
        sys.stdout.write(json.dumps(worker(homes[0], args.worker)))
        return
    rows = []
    for home in homes:
        rows.append(measure_home(home, args.work, args.heap, args.pagecache))
        _log(json.dumps(rows[-1]))
    print(
        f"{len(questions())} retrieval-benchmark questions, k=20, one warm-up; Neo4j heap {args.heap}, "
        f"page cache {args.pagecache}"
    )
    print(table(rows))
    print("| papers | export s (CSV MiB) | import s | indexes s | Neo4j store MiB | top-10 overlap (min) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['papers']:,} | {r['export_s']} ({r['csv_mib'] or '?'}) | {r['import_s']} | "
            f"{r['schema_s']} | {r['neo4j_store_mib']:,} | {r['top10_overlap']} ({r['top10_overlap_min']}) |"
        )
    args.work.mkdir(parents=True, exist_ok=True)
    (args.work / "results.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
