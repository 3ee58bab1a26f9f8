"""The console's conformance file on both stores: which queries each runs, whether they agree, how fast.

    python benchmarks/cypher_conformance.py --home HOME [--neo4j] [--neo4j-pid PID] [--markdown]

HOME is an embedded store; with ``--neo4j`` the store at NEO4J_URI (NEO4J_USER, NEO4J_PASSWORD), which must
hold the same graph (``hepgraph --home HOME push --to neo4j``), answers the same queries. Prints one row per
query (runs on each store, same rows on both), the totals, each store's median query time, and what a
runaway query does to memory: this process's RSS before and after, and with ``--neo4j-pid`` the server's.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from hepgraph.errors import HepGraphError
from hepgraph.graph.conformance import load_queries, run_query, same_answer
from hepgraph.graph.console import run_console_query
from hepgraph.graph.factory import open_store
from hepgraph.settings import load_settings

RUNAWAY = {
    "cartesian": "MATCH (a) MATCH (b) MATCH (c) MATCH (d) WHERE a <> d RETURN count(*)",
    "range lists": "UNWIND range(1, 100000000) AS x UNWIND range(1, 100000) AS y RETURN count(*)",
}


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process, MiB."""
    with open(f"/proc/{pid}/statm", "rb") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--neo4j", action="store_true", help="compare with the store at NEO4J_URI")
    parser.add_argument("--neo4j-pid", type=int, help="the Neo4j server's pid, for its RSS")
    parser.add_argument("--timeout", type=float, default=10.0, help="console timeout per query, seconds")
    args = parser.parse_args()

    stores = {"embedded": open_store(load_settings(home=args.home), create=False, read_only=True)}
    if args.neo4j:
        stores["neo4j"] = open_store(load_settings(home=args.home, backend="neo4j"), read_only=True)
    queries = load_queries()
    for store in stores.values():  # warm: the embedded engine builds its copy of the graph once
        run_query(store, queries[0])
    times: dict[str, list[float]] = {name: [] for name in stores}
    ran = dict.fromkeys(stores, 0)
    agree = 0
    print("| query | feature | " + " | ".join(stores) + (" | same rows |" if args.neo4j else ""))
    print("|---|---|" + "---|" * len(stores) + ("---|" if args.neo4j else ""))
    for item in queries:
        outcomes = {}
        for name, store in stores.items():
            start = time.perf_counter()
            outcomes[name] = run_query(store, item, timeout_s=args.timeout)
            times[name].append(time.perf_counter() - start)
            ran[name] += outcomes[name].ran
        cells = ["runs" if o.ran else "error: " + o.error.split(": ", 1)[-1][:70] for o in outcomes.values()]
        line = f"| `{item.id}` | {item.feature} | " + " | ".join(cells)
        if args.neo4j:
            same = same_answer(item, outcomes["embedded"], outcomes["neo4j"])
            agree += same
            line += " | " + ("yes" if same else ("no: " + item.differs if item.differs else "no"))
        print(line + " |")
    print()
    for name in stores:
        print(
            f"{name}: {ran[name]}/{len(queries)} run, median {statistics.median(times[name]) * 1000:.0f} ms "
            f"per query (p95 {sorted(times[name])[int(0.95 * len(queries))] * 1000:.0f} ms)"
        )
    if args.neo4j:
        print(f"same rows on both stores: {agree}/{len(queries)}")
    print()
    for label, query in RUNAWAY.items():
        for name, store in stores.items():
            before = rss_mb()
            server_before = rss_mb(args.neo4j_pid) if name == "neo4j" and args.neo4j_pid else None
            start = time.perf_counter()
            try:
                result = run_console_query(store, query, row_limit=10, timeout_s=args.timeout)
                outcome = f"answered {result.rows}"
            except HepGraphError as err:
                outcome = str(err)[:110]
            took = time.perf_counter() - start
            line = f"{label} on {name}: {took:.1f} s, client RSS {before:.0f} -> {rss_mb():.0f} MiB"
            if server_before is not None:
                line += f", server RSS {server_before:.0f} -> {rss_mb(args.neo4j_pid):.0f} MiB"
            print(f"{line}; {outcome}")


if __name__ == "__main__":
    main()
