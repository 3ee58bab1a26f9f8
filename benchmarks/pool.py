"""Pool the natural questions' top results for blind judging (the natural split of benchmarks/retrieval.py).

For every question of ``benchmarks/natural/questions.tsv`` the top ``--depth`` papers of every retriever
(BM25, dense, their fusion and hepgraph, as in benchmarks/retrieval.py) are pooled; papers already judged in
``judgments.tsv`` are left out, the rest are shuffled with a fixed seed (so no judge can tell which system
found what) and written as judging sheets **outside the repository** (they quote titles and abstracts of
the corpus, which never enters the repo):

    HF_HUB_OFFLINE=1 python benchmarks/pool.py --home <full store> --out /tmp/hepgraph-pool --sheets 4

Each sheet is a Markdown file of questions, each followed by its shuffled papers (id, title, abstract);
a judge writes ``qid<TAB>arxiv_id<TAB>grade`` lines by the rules of ``benchmarks/natural/GUIDELINES.md``,
and those lines are appended to ``judgments.tsv``. Re-running after a retriever changed pools only the
papers nobody has judged yet.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

from rankers import rankers

from hepgraph.settings import Settings

NATURAL = Path(__file__).resolve().parent / "natural"
POOL_SEED = 20261203


def read_questions(path: Path) -> list[tuple[str, str]]:
    """(qid, question) of a questions TSV with a header line."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [(row["qid"], row["question"]) for row in csv.DictReader(fh, delimiter="\t")]


def read_judgments(path: Path) -> dict[tuple[str, str], int]:
    """(qid, arxiv id) -> grade 0, 1 or 2, from ``qid<TAB>arxiv_id<TAB>grade`` lines (a header is allowed)."""
    if not path.exists():
        return {}
    out: dict[tuple[str, str], int] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split("\t")
        if not line.strip() or parts[0] == "qid":
            continue
        if len(parts) < 3 or parts[2].strip() not in {"0", "1", "2"}:
            sys.exit(f"{path}:{n}: expected qid<TAB>arxiv_id<TAB>grade (0, 1 or 2), got {line[:80]!r}")
        out[(parts[0], parts[1].strip())] = int(parts[2])
    return out


def pool(retriever, questions: list[tuple[str, str]], depth: int) -> dict[str, list[str]]:  # noqa: ANN001
    """Qid -> the union of every retriever's top ``depth`` arXiv ids, in first-seen order."""
    ranked = rankers(retriever, depth)
    out: dict[str, list[str]] = {}
    for qid, question in questions:
        seen: dict[str, None] = {}
        for rank in ranked.values():
            seen.update(dict.fromkeys(rank(question)[:depth]))
        out[qid] = list(seen)
    return out


def write_sheets(
    todo: dict[str, list[str]],
    questions: dict[str, str],
    store,
    out: Path,
    sheets: int,  # noqa: ANN001
) -> list[Path]:
    """Shuffled judging sheets, whole questions dealt round-robin to ``sheets`` files."""
    rng = random.Random(POOL_SEED)
    out.mkdir(parents=True, exist_ok=True)
    qids = [q for q in questions if todo.get(q)]
    texts: list[list[str]] = [[] for _ in range(max(1, sheets))]
    for i, qid in enumerate(qids):
        docs = list(todo[qid])
        rng.shuffle(docs)
        papers = {p.arxiv_id: p for p in store.get_papers([store.resolve_key(d) or d for d in docs])}
        lines = [f"## {qid}: {questions[qid]}", ""]
        for doc in docs:
            paper = papers.get(doc)
            title = " ".join((paper.title_text if paper else "").split())
            abstract = " ".join((paper.abstract_text if paper else "").split()) or "(no abstract: title only)"
            lines += [f"### {qid} {doc}", f"Title: {title}", f"Abstract: {abstract}", ""]
        texts[i % len(texts)].append("\n".join(lines))
    paths = []
    for n, body in enumerate(texts, start=1):
        if body:
            path = out / f"sheet-{n}.md"
            path.write_text("\n".join(body), encoding="utf-8")
            paths.append(path)
    return paths


def main() -> None:
    """Pool, drop judged papers, write the sheets and print how many papers each holds."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, required=True, help="home holding the full-corpus store")
    ap.add_argument("--questions", type=Path, default=NATURAL / "questions.tsv")
    ap.add_argument("--judgments", type=Path, default=NATURAL / "judgments.tsv")
    ap.add_argument("--depth", type=int, default=20, help="top papers taken from each retriever")
    ap.add_argument("--out", type=Path, default=Path("/tmp/hepgraph-pool"), help="folder for the sheets")
    ap.add_argument("--sheets", type=int, default=4, help="how many sheets (judges) to deal questions to")
    args = ap.parse_args()
    from hepgraph.graph.factory import open_store
    from hepgraph.pipeline.runtime import build_retriever

    settings = Settings(home=args.home)
    store = open_store(settings, create=False, read_only=True)
    retriever = build_retriever(store, settings)
    questions = read_questions(args.questions)
    judged = read_judgments(args.judgments)
    pooled = pool(retriever, questions, args.depth)
    todo = {q: [d for d in docs if (q, d) not in judged] for q, docs in pooled.items()}
    paths = write_sheets(todo, dict(questions), store, args.out, args.sheets)
    total = sum(len(v) for v in todo.values())
    print(f"{len(questions)} questions, {sum(len(v) for v in pooled.values())} pooled, {total} to judge")
    for path in paths:
        print(path, path.read_text(encoding="utf-8").count("\n### "))


if __name__ == "__main__":
    main()
