"""Ranking metrics with binary relevance (TREC conventions), macro-averaged by the caller.

>>> ndcg_at(["a", "x", "b"], {"a", "b"}, 10)  # DCG 1 + 1/2 over IDCG 1 + 1/log2(3)
0.9197
>>> recall_at(["a", "x"], {"a", "b"}, 10), reciprocal_rank(["x", "a"], {"a"})
(0.5, 0.5)
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from hepgraph.ids import normalize_arxiv_id


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """nDCG@k with gains 1/log2(rank + 1); 0 when nothing is relevant."""
    if not relevant:
        return 0.0
    dcg = sum(1.0 / math.log2(r + 2) for r, doc in enumerate(ranked[:k]) if doc in relevant)
    ideal = sum(1.0 / math.log2(r + 2) for r in range(min(len(relevant), k)))
    return round(dcg / ideal, 4)


def recall_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Share of the relevant documents found in the top k."""
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], relevant: set[str]) -> float:
    """1 / rank of the first relevant document in the list, 0 when none is."""
    return next((1.0 / (r + 1) for r, doc in enumerate(ranked) if doc in relevant), 0.0)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    if not values:
        return 0.0
    s = sorted(values)
    pos = (len(s) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def read_queries(path: Path) -> list[tuple[str, str]]:
    """(qid, query) pairs of a ``qid<TAB>query[<TAB>...]`` file with a header line."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    return [(r[0], r[1]) for r in rows if r and r[0] != "qid"]


def read_qrels(path: Path) -> dict[str, set[str]]:
    """Qid -> relevant arXiv ids (normalised), from TREC qrels ``qid 0 docid rel``."""
    out: dict[str, set[str]] = defaultdict(set)
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4 and int(parts[3]) > 0:
            out[parts[0]].add(normalize_arxiv_id(parts[2]) or parts[2])
    return dict(out)


# -- graded judgments (the natural split: 0 not useful, 1 one side of the question, 2 addresses it) ---------
def graded_ndcg_at(ranked: Sequence[str], grades: dict[str, int], k: int) -> float:
    """nDCG@k with exponential gains 2**grade - 1 (Järvelin & Kekäläinen 2002); unjudged papers gain 0.

    >>> graded_ndcg_at(["a", "b"], {"a": 1, "b": 2}, 10)  # DCG 1 + 3/log2(3) over IDCG 3 + 1/log2(3)
    0.7967
    """
    gains = sorted((2**g - 1 for g in grades.values() if g > 0), reverse=True)[:k]
    if not gains:
        return 0.0
    dcg = sum((2 ** grades.get(doc, 0) - 1) / math.log2(r + 2) for r, doc in enumerate(ranked[:k]))
    ideal = sum(g / math.log2(r + 2) for r, g in enumerate(gains))
    return round(dcg / ideal, 4)


def precision_at(ranked: Sequence[str], grades: dict[str, int], k: int, *, at_least: int) -> float:
    """Share of the top ``k`` judged ``at_least`` (unjudged count as not useful); 0 for an empty list.

    >>> precision_at(["a", "b", "c", "d"], {"a": 2, "b": 1, "c": 0}, 4, at_least=1)
    0.5
    """
    top = ranked[:k]
    return sum(1 for doc in top if grades.get(doc, 0) >= at_least) / k if top else 0.0


def judged_at(ranked: Sequence[str], grades: dict[str, int], k: int) -> float:
    """Share of the top ``k`` that carry a judgment (how far the pool covers a ranking)."""
    top = ranked[:k]
    return sum(1 for doc in top if doc in grades) / len(top) if top else 1.0


def read_judgments(path: Path) -> dict[str, dict[str, int]]:
    """Qid -> {arxiv id: grade} from ``qid<TAB>arxiv_id<TAB>grade[<TAB>reason]`` lines with a header."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) >= 3:
            out[parts[0]][normalize_arxiv_id(parts[1]) or parts[1]] = int(parts[2])
    return dict(out)
