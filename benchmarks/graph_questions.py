"""Questions only a graph can score: exact answers from Cypher, asked as a physicist would.

Usage::

    HF_HUB_OFFLINE=1 python benchmarks/graph_questions.py --home <full store> --generate   # writes the set
    HF_HUB_OFFLINE=1 python benchmarks/graph_questions.py --home <full store> [--json]     # measures it

Generation runs one Cypher query per template on the store's read-only console (``hepgraph cypher``),
keeps the instances whose exact answer is 2 to 12 papers and whose concepts at most 300 papers link,
picks up to ``PER_TEMPLATE`` of them with a fixed seed, and writes each with its question, the Cypher that
answers it, its parameters and the answer's paper keys to ``graph_questions/questions.jsonl``
(regenerating on the same store gives the same file). Measuring asks every question of the hepgraph
retriever and the BM25, dense and fusion baselines (``rankers.py``) and reports answer recall at 8 (the
sources an answer shows) and 20: the share of a question's exact answers among the top k, averaged over
questions, and the share of questions with at least one answer found.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "graph_questions" / "questions.jsonl"
SEED = 20261204
PER_TEMPLATE = 20
MIN_ANSWERS, MAX_ANSWERS = 2, 12
# A concept more papers link than this is too broad to ask about ("statistical inference" on CMS data
# has hundreds of answers in the text and one in the links): its questions are left out.
MAX_CONCEPT_PAPERS = 300
DEGREES = "MATCH (p:Paper)-[]->(c:Concept) RETURN c.id AS concept, count(DISTINCT p) AS papers"
KS = (8, 20)


@dataclass(frozen=True)
class Template:
    """One kind of question: the query listing instances, the query answering one, and its phrasings."""

    name: str
    instances: str  # returns the parameters of each instance and `papers`, its answer
    answer: str  # returns `paper` rows for the parameters
    phrasings: tuple[str, ...]


_PAIR = (
    "MATCH (p:Paper)-[:{r1}]->(x:Concept), (p)-[:{r2}]->(y:Concept) "
    "WITH x, y, collect(DISTINCT p.key) AS papers WHERE size(papers) >= {least} AND size(papers) <= {most} "
    "RETURN x.id AS a, x.name AS a_name, y.id AS b, y.name AS b_name, papers ORDER BY a, b"
)
_PAIR_ANSWER = (
    "MATCH (p:Paper)-[:{r1}]->(:Concept {{id: $a}}), (p)-[:{r2}]->(:Concept {{id: $b}}) "
    "RETURN DISTINCT p.key AS paper ORDER BY paper"
)


def _pair(name: str, r1: str, r2: str, phrasings: tuple[str, ...]) -> Template:
    return Template(
        name,
        _PAIR.format(r1=r1, r2=r2, least=MIN_ANSWERS, most=MAX_ANSWERS),
        _PAIR_ANSWER.format(r1=r1, r2=r2),
        phrasings,
    )


TEMPLATES = (
    _pair(
        "method x topic",
        "USES_METHOD",
        "STUDIES",
        (
            "Which papers apply {a_name} to {b_name}?",
            "Has anyone used {a_name} for {b_name}, and what did they find?",
            "What work is there on {a_name} in {b_name}?",
        ),
    ),
    _pair(
        "method x task",
        "USES_METHOD",
        "ADDRESSES",
        (
            "Which studies use {a_name} for {b_name}?",
            "How has {a_name} been used for {b_name} in particle physics?",
        ),
    ),
    _pair(
        "method x experiment",
        "USES_METHOD",
        "FROM_EXPERIMENT",
        (
            "Which {b_name} analyses use {a_name}?",
            "Has {a_name} been applied to {b_name} data?",
        ),
    ),
    _pair(
        "method x dataset",
        "USES_METHOD",
        "USES_DATASET",
        (
            "Which papers use {a_name} with the {b_name} data?",
            "What results does {a_name} get on {b_name}?",
        ),
    ),
    _pair(
        "method x process",
        "USES_METHOD",
        "STUDIES_PROCESS",
        (
            "Which papers use {a_name} to study {b_name}?",
            "Is there work applying {a_name} to {b_name}?",
        ),
    ),
    Template(
        "method x topic since a year",
        "MATCH (p:Paper)-[:USES_METHOD]->(x:Concept), (p)-[:STUDIES]->(y:Concept) WHERE p.year >= 2024 "
        "WITH x, y, collect(DISTINCT p.key) AS papers "
        f"WHERE size(papers) >= {MIN_ANSWERS} AND size(papers) <= {MAX_ANSWERS} "
        "RETURN x.id AS a, x.name AS a_name, y.id AS b, y.name AS b_name, 2024 AS year, papers ORDER BY a, b",
        "MATCH (p:Paper)-[:USES_METHOD]->(:Concept {id: $a}), (p)-[:STUDIES]->(:Concept {id: $b}) "
        "WHERE p.year >= $year RETURN DISTINCT p.key AS paper ORDER BY paper",
        (
            "What has been done since {year} with {a_name} for {b_name}?",
            "Recent work ({year} on): {a_name} applied to {b_name}?",
        ),
    ),
)


def _console(home: Path):  # noqa: ANN202 - the store, opened read-only
    from hepgraph.graph.factory import open_store
    from hepgraph.settings import Settings

    return open_store(Settings(home=home), create=False, read_only=True)


def _rows(store, query: str, params: dict | None = None) -> list[dict]:  # noqa: ANN001
    answer = store.console_query(query, params=params or {}, row_limit=1_000_000, timeout_s=300.0)
    return [dict(zip(answer.columns, row, strict=True)) for row in answer.rows]


def generate(home: Path, out: Path = OUT, per_template: int = PER_TEMPLATE) -> list[dict]:
    """The question set of the store at ``home`` (see the module doc), written to ``out``."""
    rng = random.Random(SEED)
    store = _console(home)
    questions = []
    try:
        degree = {r["concept"]: r["papers"] for r in _rows(store, DEGREES)}
        for template in TEMPLATES:
            rows = [
                r
                for r in _rows(store, template.instances)
                if max(degree.get(r["a"], 0), degree.get(r["b"], 0)) <= MAX_CONCEPT_PAPERS
            ]
            rng.shuffle(rows)
            for row in rows[:per_template]:
                params = {k: v for k, v in row.items() if k in ("a", "b", "year")}
                names = {k: v for k, v in row.items() if k != "papers"}
                answers = [r["paper"] for r in _rows(store, template.answer, params)]
                questions.append(
                    {
                        "id": f"g{len(questions) + 1:03d}",
                        "template": template.name,
                        "question": rng.choice(template.phrasings).format(**names),
                        "cypher": template.answer,
                        "params": params,
                        "answers": answers,
                    }
                )
    finally:
        store.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(q, sort_keys=True) + "\n" for q in questions), encoding="utf-8")
    return questions


def read_questions(path: Path = OUT) -> list[dict]:
    """The generated question set."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def recall(ranked: list[str], answers: list[str], k: int) -> float:
    """Share of the exact answers among the top ``k``.

    >>> recall(["a", "x", "b", "y"], ["a", "b", "c", "d"], 2)
    0.25
    """
    return len(set(ranked[:k]) & set(answers)) / len(answers) if answers else 0.0


def graph_questions_recall(home: Path, k: int = KS[0], path: Path = OUT) -> dict[str, float]:
    """Mean answer recall at ``k`` per retriever over the question set (for benchmarks/honesty.py)."""
    return measure(home, path)["recall"][str(k)]


def measure(home: Path, path: Path = OUT) -> dict:
    """Recall at each k per retriever, overall and per template."""
    from rankers import rankers

    from hepgraph.pipeline.runtime import open_answerer
    from hepgraph.settings import Settings

    questions = read_questions(path)
    retriever = open_answerer(Settings(home=home, anthropic_api_key=None)).retriever
    ranks = rankers(retriever, max(KS))
    recalls: dict[str, dict[str, list[float]]] = {str(k): defaultdict(list) for k in KS}
    per_template: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    found: dict[str, list[bool]] = defaultdict(list)
    for q in questions:
        for name, rank in ranks.items():
            ranked = rank(q["question"])
            for k in KS:
                recalls[str(k)][name].append(recall(ranked, q["answers"], k))
            per_template[q["template"]][name].append(recall(ranked, q["answers"], KS[0]))
            found[name].append(bool(set(ranked[: KS[0]]) & set(q["answers"])))
    mean = lambda xs: round(sum(xs) / len(xs), 4) if xs else 0.0  # noqa: E731
    return {
        "questions": len(questions),
        "templates": {t: len(v["hepgraph"]) for t, v in per_template.items()},
        "recall": {k: {name: mean(v) for name, v in by.items()} for k, by in recalls.items()},
        "found_any_at_8": {name: mean([float(x) for x in v]) for name, v in found.items()},
        "recall_at_8_by_template": {t: {n: mean(v) for n, v in by.items()} for t, by in per_template.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", type=Path, required=True, help="A built store (the full corpus).")
    ap.add_argument("--generate", action="store_true", help="Write the question set from the store first.")
    ap.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = ap.parse_args()
    if args.generate:
        qs = generate(args.home)
        print(f"wrote {len(qs)} questions to {OUT}")
    out = measure(args.home)
    if args.json:
        print(json.dumps(out, indent=1))
        return
    names = list(out["recall"][str(KS[0])])
    print(f"{out['questions']} questions; answer recall (share of a question's exact answers shown)\n")
    print("| measure | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for k in KS:
        print(f"| recall@{k} | " + " | ".join(f"{out['recall'][str(k)][n]:.3f}" for n in names) + " |")
    print("| any answer in top 8 | " + " | ".join(f"{out['found_any_at_8'][n]:.0%}" for n in names) + " |")
    for t, by in out["recall_at_8_by_template"].items():
        cells = " | ".join(f"{by[n]:.3f}" for n in names)
        print(f"| recall@8, {t} ({out['templates'][t]}) | {cells} |")


if __name__ == "__main__":
    main()
