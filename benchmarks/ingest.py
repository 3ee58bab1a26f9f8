"""Benchmark: parse + store the whole corpus into a fresh embedded store, then again (the no-op rerun).

Prints papers/s, wall and CPU seconds and peak memory (ru_maxrss) for each run, side by side.

    python benchmarks/ingest.py [--corpus ../shared/corpus] [--no-parallel] [--batch-size 500]
"""

from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from hepgraph.graph.factory import open_store
from hepgraph.pipeline.ingest import IngestReport, ingest
from hepgraph.settings import Settings
from hepgraph.store import GraphStore

REPO = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(
    store: GraphStore, corpus: Path, *, parallel: Settings | None, batch_size: int
) -> tuple[IngestReport, float, float]:
    wall, cpu = time.perf_counter(), _cpu()
    report = ingest([corpus], store=store, on_error="skip", parallel=parallel, batch_size=batch_size)
    return report, time.perf_counter() - wall, _cpu() - cpu


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--no-parallel", action="store_true", help="read citation lists in this process too")
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp))
        store = open_store(settings)
        parallel = None if args.no_parallel else settings
        runs = [
            (
                "first (fresh store)",
                *_timed(store, args.corpus, parallel=parallel, batch_size=args.batch_size),
            )
        ]
        runs.append(
            (
                "second (same files)",
                *_timed(store, args.corpus, parallel=parallel, batch_size=args.batch_size),
            )
        )
        stats = store.stats()
        size_mb = (Path(tmp) / "bench.sqlite").stat().st_size / 1e6
        store.close()
    own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    table = Table(title=f"ingest of {args.corpus} (parallel={not args.no_parallel}, batch={args.batch_size})")
    for col in (
        "run",
        "records",
        "added",
        "updated",
        "unchanged",
        "citations +",
        "wall s",
        "cpu s",
        "papers/s",
    ):
        table.add_column(col, justify="left" if col == "run" else "right")
    for name, r, wall, cpu in runs:
        touched = r.papers_added + r.papers_updated + r.papers_unchanged
        table.add_row(
            name,
            f"{r.records_read:,}",
            f"{r.papers_added:,}",
            f"{r.papers_updated:,}",
            f"{r.papers_unchanged:,}",
            f"{r.citations_added:,}",
            f"{wall:.1f}",
            f"{cpu:.1f}",
            f"{touched / wall:,.0f}",
        )
    console = Console()
    console.print(table)
    console.print(
        f"store: {stats.papers:,} papers, {stats.authors:,} authors, {stats.citations:,} citation edges, "
        f"{stats.external_works:,} external works, {size_mb:.0f} MB on disk; "
        f"peak memory {own_mb:.0f} MB (side process {kids_mb:.0f} MB)"
    )


if __name__ == "__main__":
    main()
