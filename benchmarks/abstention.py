"""Abstention benchmark: are the "not in the archive" lines true, and do unanswerable questions get one?

Usage::

    HF_HUB_OFFLINE=1 python benchmarks/abstention.py --home <full store> [--json] [--show]

Every natural question (``natural/questions.tsv``, judged in ``natural/judgments.tsv``) and every
on-topic question the corpus cannot answer (``natural/unanswerable.tsv``, each checked by reading, the
search behind it in its ``why_unanswerable`` column) is asked of the offline answerer. An *absence
statement* is a gap line of kind ``no_paper`` ("the archive holds no paper on X") or ``no_pair`` ("the
archive does not contain a study of X for Y").

- check: each statement is searched for again, exhaustively, here: every paper's title and abstract for
  the surface forms of its concepts (``answer/gap_check.py``), plus the graph's links (the line's own
  source). The answerer drops statements the text refutes before showing them (``gaps_refuted``); the
  share it drops is reported as well.
- agreement with the judgments: a statement on an unanswerable question agrees; one on a natural question
  disagrees when a paper judged 2 (addresses the question) links or names a concept of each side the
  statement says nothing joins (for ``no_paper``: any of its concepts).
- ``abstention_precision`` = shown statements that pass the check and agree / shown statements;
  ``abstention_recall`` = unanswerable questions with at least one shown statement / unanswerable questions.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from metrics import read_judgments, read_queries

NATURAL = Path(__file__).resolve().parent / "natural"


def abstention(home: Path, *, show: bool = False) -> dict:
    """The abstention measures on the store at ``home`` (see the module doc)."""
    from hepgraph.answer.gap_check import GapChecker
    from hepgraph.answer.gaps import GapFinder
    from hepgraph.answer.graphindex import answer_index
    from hepgraph.pipeline.runtime import open_answerer
    from hepgraph.results import ABSENCE_KINDS
    from hepgraph.settings import Settings

    answerer = open_answerer(Settings(home=home, anthropic_api_key=None))
    store = answerer.store
    index = answer_index(store)
    checker = GapChecker(index.concepts, lambda: ((p.key, p.text) for p in store.iter_papers()))
    judgments = read_judgments(NATURAL / "judgments.tsv")
    asked = [(q, t, False) for q, t in read_queries(NATURAL / "questions.tsv")]
    asked += [(q, t, True) for q, t in read_queries(NATURAL / "unanswerable.tsv")]

    def names(key: str, concept_ids: list[str]) -> bool:
        return any(key in index.papers_linking(c) or key in checker.mentions(c) for c in concept_ids)

    rows = []
    for qid, question, unanswerable in asked:
        answer = answerer.ask(question)
        addressing = [k for k, g in judgments.get(qid, {}).items() if g == 2]
        statements = []
        for claim in answer.gap_claims:
            if claim.kind not in ABSENCE_KINDS:
                continue
            if claim.kind == "no_pair":
                sides = claim.sides or [[c] for c in claim.concepts]
            else:
                sides = [claim.concepts]
            contradicted = [k for k in addressing if all(names(k, side) for side in sides)]
            statements.append(
                {
                    "kind": claim.kind,
                    "text": claim.text,
                    "passes_check": checker.holds(claim),
                    "agrees": unanswerable or not contradicted,
                    "contradicted_by": contradicted,
                }
            )
        row = {
            "qid": qid,
            "unanswerable": unanswerable,
            "statements": statements,
            "refuted_before_shown": answer.gaps_refuted,
        }
        if unanswerable and not statements:  # why not: what the question links, every raw gap line
            retrieval = answerer.retriever.search(question, k=20)
            row["linked"] = [c.id for c in retrieval.linked_concepts]
            row["raw_lines"] = [
                {"kind": c.kind, "text": c.text, "covered_by": checker.covering(c)[:3]}
                for c in GapFinder(index).find(retrieval)
            ]
        rows.append(row)
        if show:
            print(f"\n{qid} {question}", file=sys.stderr)
            for s in statements:
                mark = "ok" if s["passes_check"] and s["agrees"] else "WRONG"
                print(f"  [{mark}] {s['text']} {s['contradicted_by'] or ''}", file=sys.stderr)
    shown = [s for r in rows for s in r["statements"]]
    good = [s for s in shown if s["passes_check"] and s["agrees"]]
    refuted = sum(r["refuted_before_shown"] for r in rows)
    unanswerable_rows = [r for r in rows if r["unanswerable"]]
    return {
        "questions": len(rows),
        "unanswerable": len(unanswerable_rows),
        "statements_shown": len(shown),
        "statements_refuted_before_shown": refuted,
        "check_pass_rate_before_filter": round(len(shown) / max(len(shown) + refuted, 1), 4),
        "abstention_precision": round(len(good) / max(len(shown), 1), 4),
        "abstention_recall": round(
            sum(bool(r["statements"]) for r in unanswerable_rows) / max(len(unanswerable_rows), 1), 4
        ),
        "answerable_with_statement": sum(bool(r["statements"]) for r in rows if not r["unanswerable"]),
        "unanswerable_without_line": [
            {"qid": r["qid"], "linked": r["linked"], "raw_lines": r["raw_lines"]}
            for r in unanswerable_rows
            if not r["statements"]
        ],
        "wrong": [
            {"qid": r["qid"], **s}
            for r in rows
            for s in r["statements"]
            if not (s["passes_check"] and s["agrees"])
        ],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", type=Path, required=True, help="A built store (the full corpus).")
    ap.add_argument("--json", action="store_true", help="Print one JSON object.")
    ap.add_argument("--show", action="store_true", help="Print every statement to stderr.")
    args = ap.parse_args()
    out = abstention(args.home, show=args.show)
    if args.json:
        print(json.dumps(out, indent=1))
        return
    for key, value in out.items():
        if key not in ("wrong", "unanswerable_without_line"):
            print(f"{key}: {value}")
    for r in out["unanswerable_without_line"]:
        raw = (
            "; ".join(f"{x['kind']} (covered by {x['covered_by']})" for x in r["raw_lines"]) or "no gap line"
        )
        print(f"no line {r['qid']}: links {', '.join(r['linked'])}: {raw}")
    for w in out["wrong"]:
        print(
            f"WRONG {w['qid']}: {w['text']} (check {'passes' if w['passes_check'] else 'fails'}; "
            f"contradicted by {w['contradicted_by']})"
        )


if __name__ == "__main__":
    main()
