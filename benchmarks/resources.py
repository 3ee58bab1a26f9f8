"""Benchmark: peak memory of `hepgraph build` at the size caps, beside over-size input being refused.

Each case builds a fresh home from three ordinary arXiv records plus one case record, with the real CLI in
its own subprocess; the peak RSS is that build's ``ru_maxrss`` as seen by a fresh wrapper process
(``RUSAGE_CHILDREN``), so no earlier case or this script's own memory is counted.

    HF_HUB_OFFLINE=1 python benchmarks/resources.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from hepgraph.settings import Settings

_CAPS = Settings.model_fields
TITLE_CAP = _CAPS["max_title_chars"].default
ABSTRACT_CAP = _CAPS["max_abstract_chars"].default
LINE_CAP = _CAPS["max_line_bytes"].default
# Physics prose, so the tokenizer and the concept matcher see what they see in real abstracts.
PROSE = (
    "We train a graph neural network on simulated jets from proton-proton collisions at the LHC and use "
    "normalizing flows for fast calorimeter simulation, with anomaly detection for new physics searches. "
)
# Runs the build given as arguments and prints its peak RSS: a fresh process, so RUSAGE_CHILDREN holds
# exactly that one child (Linux keeps a process's ru_maxrss across fork and exec, so the wrapper is small).
_WRAPPER = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stdout.write(done.stdout)\n"
    "sys.stderr.write(done.stderr[-4000:])\n"
    "print(f'peak-rss-kib {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)


def _fill(n: int) -> str:
    return (PROSE * (n // len(PROSE) + 1))[:n].strip().ljust(n, ".")


def _arxiv(n: int, title: str = "", abstract: str = "") -> dict:
    return {
        "id": f"2101.{n:05d}",
        "title": title or f"Jet tagging with graph networks, part {n}",
        "abstract": abstract or _fill(900),
        "authors": "A. Bee, C. Dee",
        "categories": "hep-ph",
    }


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _cases(root: Path) -> dict[str, list[Path]]:
    base = [_arxiv(n) for n in (1, 2, 3)]
    cases: dict[str, list[Path]] = {"3 ordinary records": [_write_jsonl(root / "base.jsonl", base)]}
    at_caps = _arxiv(4, title=_fill(TITLE_CAP), abstract=_fill(ABSTRACT_CAP))
    cases[f"+ a record at the caps (title {TITLE_CAP:,}, abstract {ABSTRACT_CAP:,} chars)"] = [
        _write_jsonl(root / "caps.jsonl", [*base, at_caps])
    ]
    inspire = root / "inspire-50mb.json"  # a whole-file reader: the record cap refuses it after parsing
    big = "x" * 50_000_000
    record = {"control_number": 5, "arxiv_eprints": [{"value": "2101.00005"}], "abstracts": [{"value": big}]}
    inspire.write_text(json.dumps([record]), encoding="utf-8")
    cases["+ a 50 MB abstract, INSPIRE .json (refused)"] = [_write_jsonl(root / "b1.jsonl", base), inspire]
    cases["+ a 50 MB abstract, arXiv JSONL (refused)"] = [
        _write_jsonl(root / "arxiv-50mb.jsonl", [*base, _arxiv(6, abstract=big)])
    ]
    sparse = root / "arxiv-1gib-line.jsonl"
    with sparse.open("wb") as fh:
        for row in base:
            fh.write(json.dumps(row).encode() + b"\n")
        fh.write(b'{"id": "2101.00007", "abstract": "')
        fh.seek(fh.tell() + 2**30)  # a sparse hole: a 1 GiB line that takes no disk
        fh.write(b'"}\n')
    cases["+ a 1 GiB line, arXiv JSONL (refused)"] = [sparse]
    return cases


def _build(home: Path, files: list[Path]) -> tuple[dict, float, int]:
    """(the build's JSON report, wall seconds, peak RSS in bytes) of one `hepgraph build`."""
    cmd = [sys.executable, "-P", "-m", "hepgraph", "--home", str(home), "build", *map(str, files)]
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *cmd, "--on-error", "skip", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        msg = f"build failed ({done.returncode}):\n{done.stderr[-3000:]}"
        raise SystemExit(msg)
    peak = int(done.stderr.rsplit("peak-rss-kib ", 1)[1].split()[0]) * 1024
    return json.loads(done.stdout), wall, peak


def main() -> None:
    """Run every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write the inputs and homes here instead of a temp dir")
    args = parser.parse_args()
    table = Table(title="hepgraph build: peak memory at and beyond the caps", box=None)
    for col in ("case", "papers stored", "refused as", "seconds", "peak RSS MiB"):
        table.add_column(col, justify="left" if col in ("case", "refused as") else "right")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        for i, (name, files) in enumerate(_cases(root).items()):
            report, wall, peak = _build(root / f"home{i}", files)
            refused = "; ".join(report["problems"]) or "-"
            table.add_row(name, str(report["papers_total"]), refused, f"{wall:.1f}", f"{peak / 2**20:,.0f}")
    Console(width=200).print(table)


if __name__ == "__main__":
    main()
