"""The graph-question set: exact answers from Cypher, reproducible from the same store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import graph_questions as gq  # noqa: E402

pytestmark = pytest.mark.corpus


def test_generated_answers_are_what_their_cypher_returns_and_regenerating_repeats_them(
    slice_env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The 120-paper slice has few pairs: let every concept count, however broad.
    monkeypatch.setattr(gq, "MAX_CONCEPT_PAPERS", 10_000)
    home = slice_env.settings.home
    first = gq.generate(home, tmp_path / "a.jsonl", per_template=4)
    assert len(first) >= 8 and len({q["template"] for q in first}) >= 3
    again = gq.generate(home, tmp_path / "b.jsonl", per_template=4)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    store = slice_env.store
    for q in first:
        rows = gq._rows(store, q["cypher"], q["params"])
        assert [r["paper"] for r in rows] == q["answers"]
        assert gq.MIN_ANSWERS <= len(q["answers"]) <= gq.MAX_ANSWERS
        linked = {link.concept_id for link in store.links_for_papers(q["answers"])[q["answers"][0]]}
        assert {q["params"]["a"], q["params"]["b"]} <= linked  # the answer does link both concepts
        assert "{" not in q["question"] and q["question"].endswith("?")
    assert again == first


def test_recall_counts_the_share_of_exact_answers_shown() -> None:
    assert gq.recall(["a", "x", "b", "y"], ["a", "b", "c", "d"], 2) == 0.25
    assert gq.recall(["a", "x", "b", "y"], ["a", "b", "c", "d"], 4) == 0.5
    assert gq.recall([], ["a"], 8) == 0.0
