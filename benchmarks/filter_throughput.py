"""Filter throughput on a snapshot-sized file: does filtering run at the speed of reading the file?

The filter is ``--categories hep-ph,hep-ex --since 2018``.

Usage::

    python benchmarks/filter_throughput.py --lines 2700000 --work /tmp/hepgraph-filter [--ingest] [--json]

The file (written once into ``--work``, reused after) has the arXiv metadata snapshot's shape: one JSON
object a line with its fields, cycling the real records of ``../shared/corpus/arxiv-*.jsonl`` under new ids,
with a v1 date drawn from 2007-2026 and categories drawn (seeded) from a spread over all of arXiv, so most
lines are not HEP, as in the real 2.7-million-record snapshot. Three ways of reading it, each in a fresh
process (its own peak RSS):

- ``lines``: the reader's own line iterator, nothing parsed (the speed of reading the file);
- ``pre-check``: the same lines through the filter's raw-line test alone (``kept`` = lines it lets through);
- ``filtered``: the arXiv reader with the filter's raw-line pre-check, the full rule on what it parses;
- ``full parse``: the same reader parsing every line, then the rule (what the pre-check avoids).

No store is written in these three (``--ingest`` adds a timed ``hepgraph ingest`` with the filter).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HEPGRAPH_SHARED", REPO.parent / "shared"))
CATEGORIES = "hep-ph,hep-ex"
SINCE = "2018"
# Primary categories and rough shares of arXiv submissions (cs and math lead; HEP is a few percent).
SPREAD = [
    ("cs.LG", 12), ("cs.CV", 8), ("cs.CL", 6), ("cs.AI", 4), ("cs.RO", 2), ("cs.CR", 2), ("stat.ML", 3),
    ("math.CO", 3), ("math.AP", 3), ("math.PR", 2), ("math.NT", 2), ("math-ph", 2), ("cond-mat.mes-hall", 3),
    ("cond-mat.str-el", 3), ("cond-mat.mtrl-sci", 3), ("quant-ph", 6), ("astro-ph.GA", 3), ("astro-ph.CO", 3),
    ("astro-ph.HE", 2), ("gr-qc", 2), ("physics.optics", 2), ("eess.SP", 2), ("q-bio.NC", 1), ("econ.EM", 1),
    ("hep-th", 3), ("hep-ph", 3), ("hep-ex", 1), ("hep-lat", 1), ("nucl-th", 1), ("physics.data-an", 1),
]  # fmt: skip
CROSS = ["physics.data-an", "hep-ph", "stat.ML", "cs.LG", "astro-ph.CO", "nucl-ex", "hep-ex"]


def generate(path: Path, lines: int, seed: int = 20261204) -> None:
    """Write the snapshot-shaped file (see the module doc)."""
    base = []
    for name in ("arxiv-hep.jsonl", "arxiv-ml.jsonl"):
        with (SHARED / "corpus" / name).open(encoding="utf-8") as fh:
            base += [json.loads(x) for x in fh]
    rng = random.Random(seed)
    cats, weights = zip(*SPREAD, strict=True)
    tmp = path.with_suffix(".part")
    with tmp.open("w", encoding="utf-8") as out:
        for i in range(lines):
            rec = dict(base[i % len(base)])
            year = rng.randint(2007, 2026)
            created = datetime(year, rng.randint(1, 12), rng.randint(1, 28), 12, 0, tzinfo=UTC)
            primary = rng.choices(cats, weights)[0]
            extra = [rng.choice(CROSS)] if rng.random() < 0.3 else []
            rec["id"] = f"{year % 100:02d}{created.month:02d}.{i % 100000:05d}"
            rec["categories"] = " ".join(dict.fromkeys([primary, *extra]))
            rec["versions"] = [{"version": "v1", "created": format_datetime(created, usegmt=True)}]
            rec["update_date"] = (
                f"{min(year + rng.randint(0, 2), 2026)}-{created.month:02d}-{created.day:02d}"
            )
            out.write(json.dumps(rec) + "\n")
    tmp.replace(path)


def measure(mode: str, path: Path) -> dict:
    """Run one mode in this process (called in a child): records, kept, seconds."""
    from hepgraph.extract.sources import arxiv_jsonl
    from hepgraph.extract.sources.common import iter_byte_lines
    from hepgraph.filters import record_filter
    from hepgraph.models import PaperRecord

    flt = record_filter(categories=CATEGORIES, since=SINCE)
    t0 = time.perf_counter()
    kept = records = 0
    if mode == "lines":
        for _ in iter_byte_lines(path, "arxiv-jsonl"):
            records += 1
        kept = -1
    elif mode == "pre-check":  # the raw-line test alone: what it lets through still needs parsing
        check = arxiv_jsonl.LineFilter(flt)
        for raw in iter_byte_lines(path, "arxiv-jsonl"):
            records += 1
            kept += bool(check(raw))
    else:
        check = arxiv_jsonl.LineFilter(flt) if mode == "filtered" else None
        for item in arxiv_jsonl.read(path, keep_line=check):
            records += 1
            kept += isinstance(item, PaperRecord) and flt.keeps(item)
        records += check.dropped if check else 0
    return {"mode": mode, "records": records, "kept": kept, "seconds": round(time.perf_counter() - t0, 2)}


def run_child(args: list[str]) -> tuple[dict | None, float, int]:
    """A fresh process: its JSON output (if any), wall seconds and peak RSS MiB."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, cwd=REPO)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        msg = f"{' '.join(args)} failed (status {status})"
        raise SystemExit(msg)
    text = out.decode()
    body = json.loads(text[text.index("{") :]) if "{" in text else None
    return body, time.perf_counter() - t0, round(usage.ru_maxrss / 1024)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=2_700_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/hepgraph-filter"))
    ap.add_argument("--ingest", action="store_true", help="Also time `hepgraph ingest` with the filter.")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--measure", help=argparse.SUPPRESS)  # internal: run one mode in a child process
    ap.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.file)))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    path = args.work / f"snapshot-{args.lines}.json"
    if not path.exists():
        t0 = time.perf_counter()
        generate(path, args.lines)
        print(f"wrote {path} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    size_gib = path.stat().st_size / 2**30
    rows = []
    for mode in ("lines", "pre-check", "filtered", "full parse"):
        body, _, rss = run_child([sys.executable, __file__, "--measure", mode, "--file", str(path)])
        rows.append(
            {
                **body,
                "peak_rss_mib": rss,
                "records_per_s": round(body["records"] / max(body["seconds"], 0.01)),
            }
        )
    if args.ingest:
        home = args.work / "home"
        cmd = [sys.executable, "-m", "hepgraph.ui", "--home", str(home), "ingest", str(path),
               "--categories", CATEGORIES, "--since", SINCE, "--on-error", "skip"]  # fmt: skip
        _, wall, rss = run_child(cmd)
        rate = round(args.lines / wall)
        rows.append({"mode": "hepgraph ingest", "records": args.lines, "kept": None,
                     "seconds": round(wall, 1), "peak_rss_mib": rss, "records_per_s": rate})  # fmt: skip
    if rows[2]["kept"] != rows[3]["kept"]:
        msg = f"the pre-check changed what is kept: {rows[2]['kept']} vs {rows[3]['kept']}"
        raise SystemExit(msg)
    if args.json:
        print(json.dumps({"file": str(path), "gib": round(size_gib, 2), "rows": rows}, indent=1))
        return
    print(f"{args.lines:,} lines, {size_gib:.2f} GiB; filter --categories {CATEGORIES} --since {SINCE}\n")
    print("| mode | seconds | records/s | kept | peak RSS MiB |")
    print("|---|---|---|---|---|")
    for r in rows:
        kept = "" if r["kept"] in (None, -1) else f"{r['kept']:,}"
        print(
            f"| {r['mode']} | {r['seconds']:.1f} | {r['records_per_s']:,} | {kept} | {r['peak_rss_mib']:,} |"
        )


if __name__ == "__main__":
    main()
