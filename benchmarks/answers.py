"""Answer benchmark: latency of `ask` with the offline writer, and how well answers are grounded.

For each of our own physicist-style questions it records the wall time of ``Answerer.ask`` (offline writer,
no LLM), the share of inline citations that resolve to a retrieved source, the share of answer sentences
that carry a citation, and how many questions produced a gap line and three follow-ups.

    python benchmarks/answers.py --home /tmp/hepgraph-full [--repeat 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

QUESTIONS = [
    "Could training on adversarial examples hurt sensitivity to rare BSM signals?",
    "How well do graph neural networks tag boosted top quarks compared with jet images?",
    "Can autoencoders trained on background find new physics without a signal model?",
    "Which weakly supervised methods search for dijet resonances in LHC data?",
    "How are normalizing flows used to speed up calorimeter shower simulation?",
    "Do machine-learned taggers depend on the parton shower generator used for training?",
    "What methods decorrelate a jet tagger from the jet mass?",
    "How is uncertainty in neural network classifiers propagated into physics measurements?",
    "Can transformers reconstruct particle tracks in high pile-up conditions?",
    "Which machine learning methods improve neutrino event reconstruction in liquid argon detectors?",
    "How do simulation-based inference methods constrain effective field theory coefficients?",
    "Can generative adversarial networks replace Monte Carlo event generators?",
    "What role does machine learning play in the trigger systems of LHC experiments?",
    "How are dark matter direct detection backgrounds rejected with neural networks?",
    "Are there machine learning studies of lattice QCD configurations?",
]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def run(home: Path, repeat: int) -> dict:
    """Ask every question ``repeat`` times; return latency and grounding numbers."""
    from hepgraph.answer.citations import parse_citations, split_sentences
    from hepgraph.pipeline.runtime import open_answerer
    from hepgraph.settings import Settings

    # The offline writer is measured: no API key, whatever the environment holds.
    settings = Settings(home=home, anthropic_api_key=None)
    t0 = time.perf_counter()
    answerer = open_answerer(settings)
    load_s = time.perf_counter() - t0
    answerer.ask(QUESTIONS[0])  # warm caches (graph view, answer index, spaCy) outside the timings
    times: list[float] = []
    cited = resolved = sentences = with_cite = gaps = three_followups = 0
    rows = []
    for question in QUESTIONS:
        for _ in range(repeat):
            t = time.perf_counter()
            answer = answerer.ask(question)
            times.append((time.perf_counter() - t) * 1000)
        retrieved = {s.arxiv_id for s in answer.sources}
        ids = parse_citations(answer.answer)
        sents = split_sentences(answer.answer)
        cited += len(ids)
        resolved += sum(i in retrieved for i in ids)
        sentences += len(sents)
        with_cite += sum(bool(parse_citations(s)) for s in sents)
        gaps += bool(answer.gaps)
        three_followups += len(answer.followups) == 3
        rows.append(
            {
                "question": question,
                "sentences": len(sents),
                "citations": len(ids),
                "gaps": len(answer.gaps),
                "followups": len(answer.followups),
                "ms": round(times[-1], 1),
            }
        )
    return {
        "home": str(home),
        "papers": answerer.store.stats().papers,
        "questions": len(QUESTIONS),
        "repeat": repeat,
        "load_s": round(load_s, 1),
        "p50_ms": round(_percentile(times, 0.5), 1),
        "p95_ms": round(_percentile(times, 0.95), 1),
        "citations_resolving": resolved / cited if cited else 0.0,
        "citations": cited,
        "sentences_cited": with_cite / sentences if sentences else 0.0,
        "sentences": sentences,
        "with_gap_line": gaps,
        "with_three_followups": three_followups,
        "rows": rows,
    }


def _print(report: dict) -> None:
    console = Console()
    per = Table(title="Per question (offline writer)", title_justify="left")
    for col in ("question", "sentences", "citations", "gaps", "follow-ups", "ms"):
        per.add_column(col, justify="left" if col == "question" else "right", overflow="fold")
    for r in report["rows"]:
        per.add_row(
            r["question"],
            str(r["sentences"]),
            str(r["citations"]),
            str(r["gaps"]),
            str(r["followups"]),
            f"{r['ms']:.0f}",
        )
    console.print(per)
    summary = Table(
        title=f"Answers over {report['papers']:,} papers ({report['home']})", title_justify="left"
    )
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    for name, value in (
        ("questions x repeats", f"{report['questions']} x {report['repeat']}"),
        ("load (store, models, view)", f"{report['load_s']:.1f} s"),
        ("ask latency p50", f"{report['p50_ms']:.0f} ms"),
        ("ask latency p95", f"{report['p95_ms']:.0f} ms"),
        (
            "citations resolving to a retrieved source",
            f"{report['citations_resolving']:.1%} of {report['citations']}",
        ),
        ("sentences carrying a citation", f"{report['sentences_cited']:.1%} of {report['sentences']}"),
        ("answers with a gap line", str(report["with_gap_line"])),
        ("answers with three follow-ups", str(report["with_three_followups"])),
    ):
        summary.add_row(name, value)
    console.print(summary)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--home", type=Path, default=Path("/tmp/hepgraph-full"), help="hepgraph home with a built store"
    )
    parser.add_argument("--repeat", type=int, default=2, help="timed asks per question")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not (args.home / "hepgraph.sqlite").exists():
        print(
            f"no store at {args.home}: build one with `hepgraph --home {args.home} build ...`",
            file=sys.stderr,
        )
        return 2
    report = run(args.home, args.repeat)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        _print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
