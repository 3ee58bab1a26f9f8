"""Scale benchmark: the embedded store and the real Retriever at 14k (real corpus), 100k and 1M papers.

Usage::

    HF_HUB_OFFLINE=1 python benchmarks/scale.py --sizes 14000,100000,1000000 --out /tmp/hepgraph-scale

The 14k row is the real full-corpus store (``--base``, built by ``hepgraph build ../shared/corpus``). Larger
stores are grown from it with synthetic papers whose ids ``99MM.SSSSS`` (year 2099) cannot clash with real
ones. A synthetic paper reuses real parts sampled with a fixed seed: title, authors, categories and date of
one real paper, the abstract and concept links of another, and SIMILAR edges to the abstract paper and its
neighbours. Its embedding is a RANDOM UNIT VECTOR: embedding a million texts is out of reach on 2 CPU cores.
All writes go through the store's public batch methods (upsert_records, put_embeddings, replace_links,
replace_similar). The real citation graph (citations/edges.tsv, 138k edges) comes with the base store.

Each size is measured in fresh subprocesses (one to grow the store, one to load it and ask the questions),
so peak RSS (ru_maxrss) is per size. Latency is the wall time of ``Retriever.search`` over the first 20
queries of the retrieval benchmark, with the embedding model loaded, after one warm-up question.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HEPGRAPH_SHARED", REPO.parent / "shared"))
DEFAULT_BASE = Path("/tmp/hepgraph-full/hepgraph.sqlite")
QUESTIONS = SHARED / "eval" / "hepml-dev" / "queries.tsv"
SEED = 20260501
BATCH = 5000
N_QUESTIONS = 20
TARGETS = {"p50_14k_ms": 100.0, "p50_1m_ms": 500.0, "rss_14k_gib": 2.0}


def _log(msg: str) -> None:
    print(f"[scale {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _disk_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20


# -- growing a store ---------------------------------------------------------------------------------
def synthetic_id(i: int) -> str:
    """The i-th synthetic arXiv id: 9901.00000 .. 9912.99999 (a valid new-style shape, year 2099)."""
    month, seq = divmod(i, 100_000)
    if month >= 12:
        msg = f"at most 1.2M synthetic ids, asked for index {i}"
        raise ValueError(msg)
    return f"99{month + 1:02d}.{seq:05d}"


def copy_store(src: Path, dst: Path) -> None:
    """A consistent copy of a SQLite store (the backup API, so a WAL file is folded in)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    for old in dst.parent.glob(dst.name + "*"):
        old.unlink()
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as a, sqlite3.connect(dst) as b:
        a.backup(b)


class Grower:
    """Adds synthetic papers built from sampled real ones through the store's public write methods."""

    def __init__(self, store, *, model: str, seed: int = SEED) -> None:  # noqa: ANN001
        from hepgraph.models import SimilarEdge  # noqa: F401  (import check before the long run)

        self.store = store
        self.model = model
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.real = [p for p in store.iter_papers() if not p.key.startswith("99")]
        self.links = defaultdict(list)
        for link in store.iter_links():
            self.links[link.paper_key].append(link)
        self.similar = defaultdict(list)
        for e in store.iter_similar():
            self.similar[e.a].append(e)
        some = store.get_embeddings(model, [p.text_hash() for p in self.real[:50]])
        self.dim = len(next(iter(some.values()))) if some else 384
        _log(
            f"grower: {len(self.real)} real papers, {sum(map(len, self.links.values()))} links, "
            f"dim {self.dim}"
        )

    def grow(self, n_new: int) -> dict[str, float]:
        """Add ``n_new`` synthetic papers; returns seconds spent per write method."""
        from hepgraph.models import PaperRecord, SimilarEdge

        spent = defaultdict(float)
        synthetic_similar: list[SimilarEdge] = []
        for start in range(0, n_new, BATCH):
            ids = [synthetic_id(i) for i in range(start, min(start + BATCH, n_new))]
            pairs = [(self.rng.choice(self.real), self.rng.choice(self.real)) for _ in ids]
            records = [
                PaperRecord(
                    source="arxiv-jsonl",
                    origin="synthetic:scale-benchmark",
                    location=str(start + j),
                    arxiv_id=sid,
                    title=t.title,
                    abstract=a.abstract,
                    authors=t.authors,
                    categories=t.categories,
                    date=t.date,
                )
                for j, (sid, (t, a)) in enumerate(zip(ids, pairs, strict=True))
            ]
            t0 = time.perf_counter()
            self.store.upsert_records(records)
            spent["upsert_records"] += time.perf_counter() - t0
            papers = self.store.get_papers(ids)
            vecs = self.np_rng.standard_normal((len(papers), self.dim)).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            t0 = time.perf_counter()
            self.store.put_embeddings(
                self.model, {p.text_hash(): v for p, v in zip(papers, vecs, strict=True)}
            )
            spent["put_embeddings"] += time.perf_counter() - t0
            links = {
                sid: [lk.model_copy(update={"paper_key": sid}) for lk in self.links.get(a.key, [])]
                for sid, (_, a) in zip(ids, pairs, strict=True)
            }
            t0 = time.perf_counter()
            self.store.replace_links(links)
            spent["replace_links"] += time.perf_counter() - t0
            for sid, (_, a) in zip(ids, pairs, strict=True):
                synthetic_similar.append(SimilarEdge(a=sid, b=a.key, score=0.9))
                synthetic_similar += [
                    SimilarEdge(a=sid, b=e.b, score=e.score) for e in self.similar.get(a.key, [])[:4]
                ]
            if (start // BATCH) % 10 == 0:
                _log(f"  {start + len(ids):,}/{n_new:,} synthetic papers written")
        t0 = time.perf_counter()
        real_edges = [e for edges in self.similar.values() for e in edges]
        self.store.replace_similar([*real_edges, *synthetic_similar])
        spent["replace_similar"] += time.perf_counter() - t0
        return dict(spent)


def prepare(size: int, base: Path, out: Path) -> dict:
    """Make (or reuse) the store for ``size`` papers; returns what it cost."""
    from hepgraph.graph.embedded import EmbeddedStore
    from hepgraph.settings import Settings

    base_store = EmbeddedStore(base, read_only=True)
    n_real = base_store.stats().papers
    base_store.close()
    if size <= n_real:
        return {"path": str(base), "papers_real": n_real, "synthetic": 0, "grow_s": 0.0, "reused": True}
    path = out / f"size-{size}" / "hepgraph.sqlite"
    if path.exists():
        store = EmbeddedStore(path, read_only=True)
        done = store.get_meta("scale_synthetic")
        store.close()
        if done == str(size - n_real):
            return {
                "path": str(path),
                "papers_real": n_real,
                "synthetic": size - n_real,
                "grow_s": None,
                "reused": True,
            }
    t0 = time.perf_counter()
    copy_store(base, path)
    store = EmbeddedStore(path)
    store.ensure_schema()
    model = store.get_meta("embedding_model") or Settings().embedding_model
    spent = Grower(store, model=model).grow(size - n_real)
    store.set_meta("scale_synthetic", str(size - n_real))
    store.close()
    return {
        "path": str(path),
        "papers_real": n_real,
        "synthetic": size - n_real,
        "grow_s": round(time.perf_counter() - t0, 1),
        "write_s": {k: round(v, 1) for k, v in spent.items()},
        "reused": False,
        "grow_rss_mib": round(_rss_mib()),
    }


# -- measuring retrieval -------------------------------------------------------------------------------
def questions(n: int = N_QUESTIONS) -> list[str]:
    """The first ``n`` queries of the retrieval benchmark (fixed, not written by us)."""
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t")[1] for line in lines[:n]]


class StageTimer:
    """Wall time per retrieval stage, by wrapping the Retriever's collaborators.

    The Retriever's algorithm is unchanged.
    """

    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = defaultdict(list)

    def wrap(self, owner: object, attr: str, label: str) -> None:
        """Replace ``owner.attr`` by a wrapper that adds its wall time to ``label``."""
        fn = getattr(owner, attr)

        def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.ms[label].append((time.perf_counter() - t0) * 1000)

        setattr(owner, attr, timed)

    def means(self) -> dict[str, float]:
        """Mean milliseconds per stage label."""
        return {k: round(float(np.mean(v)), 1) for k, v in self.ms.items()}


def measure(store_path: Path, home: Path) -> dict:
    """Load the store and the model, then time the questions; returns latency, stages, RSS."""
    from hepgraph.extract.embed import SentenceTransformerEmbedder
    from hepgraph.graph.embedded import EmbeddedStore
    from hepgraph.pipeline.runtime import build_retriever
    from hepgraph.settings import Settings

    settings = Settings(home=home)
    t0 = time.perf_counter()
    embedder = SentenceTransformerEmbedder(settings.embedding_model, batch_size=settings.embedding_batch_size)
    model_s = time.perf_counter() - t0
    store = EmbeddedStore(store_path, read_only=True)
    n_papers = store.stats().papers
    t0 = time.perf_counter()
    retriever = build_retriever(store, settings, embedder=embedder)
    load_s = time.perf_counter() - t0
    timer = StageTimer()
    timer.wrap(retriever.linker, "understand", "understand (embed+link)")
    timer.wrap(retriever.linker.embedder, "encode", "  of which: embed question")
    if getattr(retriever.linker, "extractor", None) is not None:
        timer.wrap(retriever.linker.extractor, "extract", "  of which: spaCy concept match")
    timer.wrap(retriever.lexical, "scores", "bm25")
    if retriever.dense is not None:
        timer.wrap(retriever.dense, "scores", "dense")
    timer.wrap(retriever, "_personalization", "seeds")
    timer.wrap(retriever.walk, "run", "pagerank")
    timer.wrap(retriever, "_rank", "mmr rank")
    timer.wrap(retriever, "_scored", "explain+score")
    qs = questions()
    retriever.search("warm-up: jet tagging with graph neural networks")
    timer.ms.clear()
    lat = []
    for q in qs:
        t0 = time.perf_counter()
        retriever.search(q, k=20)
        lat.append((time.perf_counter() - t0) * 1000)
    store.close()
    return {
        "papers": n_papers,
        "model_load_s": round(model_s, 1),
        "retriever_load_s": round(load_s, 1),
        "p50_ms": round(float(np.percentile(lat, 50)), 1),
        "p95_ms": round(float(np.percentile(lat, 95)), 1),
        "stages_ms": timer.means(),
        "rss_mib": round(_rss_mib()),
        "disk_mib": round(_disk_mib(store_path)),
    }


# -- driver ------------------------------------------------------------------------------------------------
def _child(args: list[str]) -> dict:
    """Run this script as a fresh process and return the JSON of its last stdout line."""
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        return {
            "error": f"exit {proc.returncode} (killed by signal {-proc.returncode})"
            if proc.returncode < 0
            else f"exit {proc.returncode}"
        }
    return json.loads(proc.stdout.strip().splitlines()[-1])


def slope(xs: list[float], ys: list[float]) -> float | None:
    """Log-log least-squares slope: latency ~ size ** slope."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if x > 0 and y and y > 0]
    if len(pts) < 2:
        return None
    a, _ = np.polyfit([p[0] for p in pts], [p[1] for p in pts], 1)
    return round(float(a), 3)


def table(rows: list[dict]) -> str:
    """The markdown table of one run."""
    head = (
        "| papers (real + synthetic) | build/grow s | retriever load s | disk MiB | peak RSS MiB "
        "| p50 ms | p95 ms | slowest stage (mean ms) |"
    )
    out = [head, "|" + "---|" * 8]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['size']:,} | {r.get('grow_s', '')} | failed: {r['error']} | | | | | |")
            continue
        stage = max(
            ((k, v) for k, v in r["stages_ms"].items() if not k.startswith(" ")), key=lambda kv: kv[1]
        )
        grow = "reused" if r["grow_s"] is None or (r["synthetic"] == 0) else r["grow_s"]
        out.append(
            f"| {r['papers']:,} ({r['papers_real']:,} + {r['synthetic']:,}) | {grow} "
            f"| {r['retriever_load_s']} | {r['disk_mib']:,} | {r['rss_mib']:,} "
            f"| {r['p50_ms']} | {r['p95_ms']} | {stage[0]} {stage[1]} |"
        )
    return "\n".join(out)


def main() -> None:
    """Parse the options, measure each size in fresh processes, print the table and the growth exponent."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="14000,100000,1000000", help="Comma-separated store sizes in papers.")
    ap.add_argument("--out", type=Path, default=Path("/tmp/hepgraph-scale"), help="Folder for grown stores.")
    ap.add_argument(
        "--base", type=Path, default=DEFAULT_BASE, help="The real full-corpus store to grow from."
    )
    ap.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.prepare:
        print(json.dumps(prepare(args.prepare, args.base, args.out)))
        return
    if args.measure:
        print(json.dumps(measure(args.measure, args.measure.parent / "bench-home")))
        return
    if not args.base.exists():
        sys.exit(
            f"no base store at {args.base}: build it with `hepgraph --home {args.base.parent} build "
            f"{SHARED / 'corpus'}` first"
        )
    print(
        "NOTE: synthetic papers (ids 99MM.SSSSS) carry RANDOM UNIT VECTORS as embeddings: "
        "embedding a million texts is out of reach on 2 CPU cores. "
        "Titles, abstracts, authors and concept links are real, resampled."
    )
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        _log(f"size {size:,}: preparing the store")
        prep = _child(["--prepare", str(size), "--base", str(args.base), "--out", str(args.out)])
        row = {"size": size, **prep}
        if "error" not in prep:
            _log(f"size {size:,}: measuring retrieval ({prep})")
            row.update(_child(["--measure", prep["path"]]))
        rows.append(row)
        _log(json.dumps(row))
    print(table(rows))
    ok = [r for r in rows if "p50_ms" in r]
    p50 = slope([r["papers"] for r in ok], [r["p50_ms"] for r in ok])
    p95 = slope([r["papers"] for r in ok], [r["p95_ms"] for r in ok])
    print(f"latency growth exponent (log-log slope vs papers): p50 {p50}, p95 {p95}")
    print(
        f"targets: p50 <= {TARGETS['p50_14k_ms']:.0f} ms at 14k, <= {TARGETS['p50_1m_ms']:.0f} ms at 1M; "
        f"<= {TARGETS['rss_14k_gib']} GiB RSS at 14k with the model"
    )
    for r in ok:
        print(f"stages at {r['papers']:,} papers (mean ms): {r['stages_ms']}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
