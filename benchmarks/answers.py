"""Answer benchmark: does the offline answer answer? Checked over the natural questions and their judgments.

For every question of ``benchmarks/natural/questions.tsv`` it asks hepgraph (offline writer, no LLM) and
checks the answer a physicist reads:

- the first sentence cites a paper judged 2 (addresses the question) in ``judgments.tsv``;
- the answer cites the top-ranked source;
- sentences that open on an unresolved reference ("It", "These results", "the authors") or on a copied
  connective ("In addition, however, ..."): target 0;
- word 6-grams repeated across sentences (a clause said twice): target 0;
- gap lines naming a word rather than a concept (a quoted word, "mentions 'x'"): target 0;

and, as before, that every citation resolves to a retrieved source and every sentence carries one, and
the latency of ``Answerer.ask`` with the models loaded.

    HF_HUB_OFFLINE=1 python benchmarks/answers.py --home /tmp/hepgraph-full [--json] [--show]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

from metrics import percentile, read_judgments, read_queries
from rich.console import Console
from rich.table import Table

NATURAL = Path(__file__).resolve().parent / "natural"
# A gap line that names a word of the question instead of a concept: a quoted word, or "mentions 'x'".
_WORD_GAP = re.compile(r"[“\"'‘][^”\"'’]{1,40}[”\"'’]|\bmentions? [“\"'‘]")


def check(answer, grades: dict[str, int]) -> dict:  # noqa: ANN001 - an hepgraph.results.Answer
    """The checks of one answer (see the module doc)."""
    from hepgraph.answer.citations import parse_citations, split_sentences
    from hepgraph.answer.prose import opens_badly, repeated_ngrams

    sentences = split_sentences(answer.answer) if answer.citations else []
    first = parse_citations(sentences[0]) if sentences else []
    retrieved = {s.arxiv_id for s in answer.sources}
    ids = parse_citations(answer.answer)
    return {
        "question": answer.question,
        "written": bool(answer.citations),
        "first_cites_2": any(grades.get(i, 0) == 2 for i in first),
        "has_2": any(grades.get(s.arxiv_id, 0) == 2 for s in answer.sources),
        "cites_top": bool(answer.sources) and answer.sources[0].arxiv_id in answer.citations,
        "bad_openings": [s for s in sentences if opens_badly(s)],
        "repeated_6grams": repeated_ngrams(sentences),
        "word_gaps": [g for g in answer.gaps if _WORD_GAP.search(g)],
        "sentences": len(sentences),
        "cited_sentences": sum(bool(parse_citations(s)) for s in sentences),
        "citations": len(ids),
        "resolving": sum(i in retrieved for i in ids),
        "gaps": len(answer.gaps),
    }


def run(home: Path, repeat: int, show: bool) -> dict:
    """Ask every natural question ``repeat`` times (timed); check the last answer of each."""
    from hepgraph.pipeline.runtime import open_answerer
    from hepgraph.settings import Settings

    # The offline writer is measured: no API key, whatever the environment holds.
    settings = Settings(home=home, anthropic_api_key=None)
    questions = read_queries(NATURAL / "questions.tsv")
    judgments = read_judgments(NATURAL / "judgments.tsv")
    t0 = time.perf_counter()
    answerer = open_answerer(settings)
    load_s = time.perf_counter() - t0
    answerer.ask(questions[0][1])  # warm caches (graph view, answer index, spaCy) outside the timings
    times: list[float] = []
    rows = []
    for qid, question in questions:
        for _ in range(repeat):
            t = time.perf_counter()
            answer = answerer.ask(question)
            times.append((time.perf_counter() - t) * 1000)
        row = {"qid": qid, **check(answer, judgments.get(qid, {})), "ms": round(times[-1], 1)}
        rows.append(row)
        if show:
            Console().print(f"\n[bold]{qid} {question}[/]\n{answer.answer}\n" + "\n".join(answer.gaps))
    written = [r for r in rows if r["written"]]
    answerable = [r for r in written if r["has_2"]]
    total = lambda key: sum(r[key] for r in rows)  # noqa: E731
    return {
        "home": str(home),
        "papers": answerer.store.stats().papers,
        "questions": len(rows),
        "written": len(written),
        "repeat": repeat,
        "load_s": round(load_s, 1),
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "first_cites_2": sum(r["first_cites_2"] for r in answerable) / max(len(answerable), 1),
        "with_a_2_source": len(answerable),
        "cites_top": sum(r["cites_top"] for r in written) / max(len(written), 1),
        "bad_openings": sum(len(r["bad_openings"]) for r in rows),
        "repeated_6grams": total("repeated_6grams"),
        "word_gaps": sum(len(r["word_gaps"]) for r in rows),
        "citations_resolving": total("resolving") / max(total("citations"), 1),
        "citations": total("citations"),
        "sentences_cited": total("cited_sentences") / max(total("sentences"), 1),
        "sentences": total("sentences"),
        "with_gap_line": sum(r["gaps"] > 0 for r in rows),
        "rows": rows,
    }


def _print(report: dict) -> None:
    console = Console(width=max(Console().width, 110))
    summary = Table(
        title=f"Offline answers to {report['questions']} natural questions over {report['papers']:,} papers",
        title_justify="left",
    )
    summary.add_column("check")
    summary.add_column("value", justify="right")
    summary.add_column("target", justify="right")
    for name, value, target in (
        ("answers written (not off-topic)", f"{report['written']} of {report['questions']}", ""),
        (
            "first sentence cites a paper judged 2",
            f"{report['first_cites_2']:.0%} of {report['with_a_2_source']}",
            "",
        ),
        ("answer cites the top-ranked source", f"{report['cites_top']:.0%} of {report['written']}", ""),
        ("sentences opening on an unresolved reference or connective", str(report["bad_openings"]), "0"),
        ("word 6-grams repeated across sentences", str(report["repeated_6grams"]), "0"),
        ("gap lines naming a word, not a concept", str(report["word_gaps"]), "0"),
        (
            "citations resolving to a retrieved source",
            f"{report['citations_resolving']:.0%} of {report['citations']}",
            "100%",
        ),
        (
            "sentences carrying a citation",
            f"{report['sentences_cited']:.0%} of {report['sentences']}",
            "100%",
        ),
        ("answers with a gap line", str(report["with_gap_line"]), ""),
        ("load (store, models, view)", f"{report['load_s']:.1f} s", ""),
        ("ask latency p50 / p95", f"{report['p50_ms']:.0f} / {report['p95_ms']:.0f} ms", ""),
    ):
        summary.add_row(name, value, target)
    console.print(summary)
    for r in report["rows"]:
        for s in r["bad_openings"]:
            console.print(f"[yellow]{r['qid']} bad opening:[/] {s}", markup=True, highlight=False)
        for g in r["word_gaps"]:
            console.print(f"[yellow]{r['qid']} word gap:[/] {g}", markup=True, highlight=False)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--home", type=Path, default=Path("/tmp/hepgraph-full"), help="hepgraph home with a built store"
    )
    parser.add_argument("--repeat", type=int, default=1, help="timed asks per question")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--show", action="store_true", help="print every answer and its gap lines")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not (args.home / "hepgraph.sqlite").exists():
        print(
            f"no store at {args.home}: build one with `hepgraph --home {args.home} build ...`",
            file=sys.stderr,
        )
        return 2
    report = run(args.home, args.repeat, args.show)
    if args.json:
        print(json.dumps(report, indent=1, ensure_ascii=False))
    else:
        _print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
