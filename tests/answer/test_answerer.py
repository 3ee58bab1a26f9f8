"""The Answer contract end to end on the real corpus slice, the `ask` command, and the citation checker."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from hepgraph.answer.answerer import Answerer
from hepgraph.answer.citations import DraftSentence, check_citations, check_text, parse_citations
from hepgraph.answer.subgraph import node_id
from hepgraph.errors import QueryError
from hepgraph.results import Answer

QUESTION = "Could training on adversarial examples hurt sensitivity to rare BSM signals?"


@pytest.fixture(scope="module")
def answerer(slice_env: Any) -> Answerer:
    return Answerer(slice_env.retriever, slice_env.store, embedder=slice_env.embedder)


@pytest.fixture(scope="module")
def answer(answerer: Answerer) -> Answer:
    return answerer.ask(QUESTION)


@pytest.mark.corpus
def test_sources_carry_relevance_title_year_category_concepts(answer: Answer, slice_env: Any) -> None:
    assert 1 <= len(answer.sources) <= 8
    scores = [s.score for s in answer.sources]
    assert all(0.0 <= s <= 1.0 for s in scores)
    stored = {p.arxiv_id: p for p in slice_env.store.get_papers([s.arxiv_id for s in answer.sources])}
    for src in answer.sources:
        paper = stored[src.arxiv_id]
        assert src.title == paper.title_text and "$" not in src.title
        assert src.year == paper.year and src.category == paper.primary_category
    assert any(s.concepts for s in answer.sources)
    assert set(answer.citations) <= {s.arxiv_id for s in answer.sources}


@pytest.mark.corpus
def test_subgraph_is_made_of_cited_sources_and_their_concepts(answer: Answer) -> None:
    nodes = {n.id for n in answer.subgraph.nodes}
    assert {f"p:{c}" for c in answer.citations} <= nodes
    for edge in answer.subgraph.edges:
        assert edge.source in nodes and edge.target in nodes
    concept_edges = [e for e in answer.subgraph.edges if e.target.startswith("c:")]
    assert concept_edges and all(e.evidence for e in concept_edges)


@pytest.mark.corpus
def test_stream_ask_yields_the_sentences_then_the_answer(answerer: Answerer, answer: Answer) -> None:
    items = list(answerer.stream_ask(QUESTION))
    final = items[-1]
    assert isinstance(final, Answer)
    assert "".join(x for x in items[:-1] if isinstance(x, str)).strip() == final.answer == answer.answer


@pytest.mark.corpus
def test_ask_json_prints_one_object(slice_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from hepgraph.ui.cli import app

    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("HEPGRAPH_ANTHROPIC_API_KEY", raising=False)
    res = CliRunner().invoke(
        app, ["--home", str(slice_env.settings.home), "ask", QUESTION, "--json", "--sources", "5"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert {"answer", "writer", "citations", "sources", "gaps", "followups", "subgraph"} <= set(data)
    assert data["writer"] == "offline" and len(data["sources"]) <= 5
    assert set(data["sources"][0]) >= {"arxiv_id", "score", "title", "year", "category", "concepts"}
    assert all(set(f) >= {"question", "from_nodes"} for f in data["followups"])
    assert set(data["subgraph"]) == {"nodes", "edges"}


def test_ask_reports_a_missing_store(tmp_path: Any) -> None:
    from hepgraph.ui.cli import app

    res = CliRunner().invoke(app, ["--home", str(tmp_path), "ask", QUESTION])
    assert res.exit_code == 2 and "build" in res.output


@pytest.mark.parametrize("question", ["", "   \n"])
def test_empty_question_is_refused(question: str, tiny_env: Any) -> None:
    with pytest.raises(QueryError, match="empty"):
        Answerer(tiny_env.retriever, tiny_env.store).ask(question)


def test_very_long_question_is_refused(tiny_env: Any) -> None:
    with pytest.raises(QueryError, match="shorten"):
        Answerer(tiny_env.retriever, tiny_env.store).ask("jets " * 2000)


# -- the citation checker --------------------------------------------------------------------------
def test_parse_new_old_and_versioned_ids() -> None:
    text = "A [2411.09296v3]. B [hep-ph/9709356, arXiv:1801.01234]. C [math.GT/0309136]. D [see 2]."
    text += " E [1713.00001]."
    assert parse_citations(text) == ["2411.09296", "hep-ph/9709356", "1801.01234", "math/0309136"]


def test_unretrieved_ids_are_removed_counted_and_bare_sentences_dropped() -> None:
    allowed = ["2411.09296", "hep-ph/9709356"]
    checked = check_citations(
        [
            DraftSentence(text="Kept with a stray [2411.09296, 2001.00001].", citations=[]),
            DraftSentence(text="Listed only.", citations=["hep-ph/9709356v2"]),
            DraftSentence(text="Only an outside source [2001.00002].", citations=["2001.00002"]),
            DraftSentence(text="No source at all.", citations=[]),
        ],
        allowed,
    )
    assert checked.sentences == ["Kept with a stray [2411.09296].", "Listed only [hep-ph/9709356]."]
    assert checked.citations == allowed
    assert checked.removed_citations == 2 and checked.dropped_sentences == 2


def test_check_text_splits_prose() -> None:
    checked = check_text(
        "One holds, e.g. here [2411.09296]. Two does not [2001.00001]. Three has none.", ["2411.09296"]
    )
    assert checked.sentences == ["One holds, e.g. here [2411.09296]."]
    assert checked.removed_citations == 1 and checked.dropped_sentences == 2


def test_path_node_ids_are_normalised() -> None:
    assert node_id("c:method:gnn") == "c:method:gnn"
    assert node_id("concept:method:gnn") == "c:method:gnn"
    assert node_id("doi:10.1/x") == "p:doi:10.1/x"
    assert node_id("q") == "q"
