"""Citations that resolve to spans: the share of an answer's citations backed by verbatim source words.

Usage::

    HF_HUB_OFFLINE=1 python benchmarks/spans.py --home <full store> [--json]

Every natural and unanswerable question (``natural/questions.tsv``, ``natural/unanswerable.tsv``) is
answered offline. A citation of a sentence resolves when the answer carries a span for that sentence and
paper whose offsets slice the stored paper's title or abstract back to exactly the span's words.
``citation_span_rate`` = resolved citations / all citations.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from metrics import read_queries

NATURAL = Path(__file__).resolve().parent / "natural"


def citation_spans(home: Path) -> dict:
    """The span measures on the store at ``home`` (see the module doc)."""
    from hepgraph.answer.citations import parse_citations
    from hepgraph.pipeline.runtime import open_answerer
    from hepgraph.settings import Settings

    answerer = open_answerer(Settings(home=home, anthropic_api_key=None))
    questions = read_queries(NATURAL / "questions.tsv") + read_queries(NATURAL / "unanswerable.tsv")
    total = resolved = 0
    unresolved: list[dict] = []
    for qid, question in questions:
        answer = answerer.ask(question)
        papers = {p.arxiv_id: p for p in answerer.store.get_papers(answer.citations)}
        spans = {(sp.sentence, sp.arxiv_id): sp for sp in answer.spans}
        for i, sentence in enumerate(answer.sentences if answer.citations else []):
            for pid in parse_citations(sentence):
                total += 1
                span, paper = spans.get((i, pid)), papers.get(pid)
                text = ""
                if span is not None and paper is not None:
                    text = paper.abstract_text if span.field == "abstract" else paper.title_text
                if span is not None and text[span.start : span.end] == span.text:
                    resolved += 1
                elif len(unresolved) < 10:
                    unresolved.append({"qid": qid, "arxiv_id": pid, "sentence": sentence})
    return {
        "questions": len(questions),
        "citations": total,
        "resolved": resolved,
        "citation_span_rate": round(resolved / total, 4) if total else 0.0,
        "unresolved_examples": unresolved,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", type=Path, required=True, help="A built store (the full corpus).")
    ap.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = ap.parse_args()
    out = citation_spans(args.home)
    if args.json:
        print(json.dumps(out, indent=1))
        return
    print(f"{out['resolved']} of {out['citations']} citations resolve to a verbatim span "
          f"({out['citation_span_rate']:.1%}) over {out['questions']} questions")  # fmt: skip
    for u in out["unresolved_examples"]:
        print(f"unresolved {u['qid']} [{u['arxiv_id']}]: {u['sentence']}")


if __name__ == "__main__":
    main()
