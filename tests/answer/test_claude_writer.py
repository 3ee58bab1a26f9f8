"""The Claude writer through the real anthropic SDK, against a local HTTP stub of the Messages API.

The stub (tests/stub_anthropic.py) replays scripted replies to ``POST /v1/messages``, as JSON or as
server-sent events, and records every request; the SDK is pointed at it via ``base_url``.
Nothing stands in for the SDK: its HTTP, parsing, error mapping and streaming all run for real.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import anthropic
import pytest
from stub_anthropic import Reply, StubAnthropic, error_body, text_message, tool_message

from hepgraph.answer.citations import check_citations
from hepgraph.answer.claude_writer import ANSWER_TOOL, TOOL_NAME, ClaudeWriter, load_prompt
from hepgraph.answer.material import Material, PaperMaterial, WriterOutput
from hepgraph.errors import ConfigError, LLMError
from hepgraph.settings import Settings

# -- fixtures ------------------------------------------------------------------------------------------
KEY = "sk-ant-test-0123456789abcdef"


@pytest.fixture
def stub() -> Any:
    with StubAnthropic() as server:
        yield server


def _settings(stub: StubAnthropic, **kw: Any) -> Settings:
    return Settings(anthropic_api_key=KEY, anthropic_base_url=stub.url, llm_timeout_s=5.0, **kw)


def _writer(stub: StubAnthropic, **kw: Any) -> ClaudeWriter:
    return ClaudeWriter(_settings(stub, **kw))


def _write(writer: ClaudeWriter, material: Material) -> WriterOutput:
    """The writer's whole validated output (the sentences it streams, then what it returns)."""
    gen = writer.stream(material)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


@pytest.fixture(scope="module")
def material(corpus_dir: Path) -> Material:
    """Three real papers from the corpus as the writer's material."""
    papers = []
    with (corpus_dir / "arxiv-hep.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec.get("abstract") and "." in rec["id"]:
                papers.append(
                    PaperMaterial(
                        key=rec["id"],
                        arxiv_id=rec["id"],
                        title=" ".join(rec["title"].split()),
                        year=None,
                        category=rec["categories"].split()[0],
                        score=0.9 - len(papers) / 10,
                        abstract=" ".join(rec["abstract"].split()),
                    )
                )
            if len(papers) == 3:
                break
    return Material(question="What do these papers find?", papers=papers)


def _answer(material: Material, extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    a, b = material.allowed_ids[:2]
    sentences = [
        {"text": f"The first paper reports its main result [{a}].", "citations": [a]},
        {"text": f"A second study takes a different route [{b}].", "citations": [b]},
    ]
    return {"sentences": sentences + (extra or []), "not_covered": ["systematic uncertainties"]}


# -- tests ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_prompt_file_has_both_sections_and_placeholders(version: str) -> None:
    system, user = load_prompt(version)
    assert "only material" in system and "[2411.09296]" in system
    assert "{{question}}" in user and "{{papers}}" in user


def test_the_current_prompt_carries_the_questions_structure() -> None:
    system, user = load_prompt()
    assert "{{aspects}}" in user and "{{gaps}}" in user
    assert "Open with one sentence that answers the question" in system


def test_normal_answer_goes_through_the_sdk(stub: StubAnthropic, material: Material) -> None:
    stub.push(Reply(200, tool_message(_answer(material))))
    out = _write(_writer(stub, anthropic_model="claude-test-model"), material)
    checked = check_citations(out.sentences, material.allowed_ids)
    assert checked.citations == material.allowed_ids[:2]
    assert checked.removed_citations == 0 and len(checked.sentences) == 2
    assert out.not_covered == ["systematic uncertainties"]
    (req,) = stub.requests
    assert req["path"] == "/v1/messages" and req["headers"]["x-api-key"] == KEY
    body = req["json"]
    assert body["model"] == "claude-test-model"
    assert (
        body["tool_choice"] == {"type": "tool", "name": TOOL_NAME} and body["tools"][0]["name"] == TOOL_NAME
    )
    user = body["messages"][0]["content"]
    for paper in material.papers:  # every paper's id, title and abstract is in the material sent
        assert f"[{paper.arxiv_id}] {paper.title}" in user and paper.abstract[:80] in user
    assert material.question in user


def test_citation_to_unretrieved_paper_is_removed_and_counted(
    stub: StubAnthropic, material: Material
) -> None:
    a = material.allowed_ids[0]
    extra = [
        {"text": f"Both agree [{a}] [1712.00001].", "citations": [a, "1712.00001"]},
        {"text": "An invented claim from memory [hep-ph/9901001].", "citations": ["hep-ph/9901001"]},
        {"text": "A claim without any source.", "citations": []},
    ]
    stub.push(Reply(200, tool_message(_answer(material, extra))))
    checked = check_citations(_write(_writer(stub), material).sentences, material.allowed_ids)
    assert checked.removed_citations == 2
    assert checked.dropped_sentences == 2
    assert "1712.00001" not in checked.text and "hep-ph/9901001" not in checked.text
    assert "invented" not in checked.text and "without any source" not in checked.text
    assert set(checked.citations) <= set(material.allowed_ids)


def test_rate_limit_then_success_is_retried(stub: StubAnthropic, material: Material) -> None:
    stub.push(
        Reply(429, error_body("rate_limit_error", "slow down"), {"retry-after": "0"}),
        Reply(200, tool_message(_answer(material))),
    )
    out = _write(_writer(stub), material)
    assert len(out.sentences) == 2
    assert len(stub.requests) == 2


def test_persistent_overload_raises_llm_error_after_retries(
    stub: StubAnthropic, material: Material, caplog: pytest.LogCaptureFixture
) -> None:
    stub.default = Reply(529, error_body("overloaded_error", "Overloaded"))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(LLMError, match="after 3 attempts") as info:
        _write(_writer(stub, llm_max_retries=2), material)
    assert isinstance(info.value.__cause__, anthropic.APIStatusError)
    assert info.value.__cause__.status_code == 529
    assert len(stub.requests) == 3
    assert KEY not in caplog.text and KEY not in str(info.value)


def test_client_error_is_not_retried(stub: StubAnthropic, material: Material) -> None:
    stub.default = Reply(400, error_body("invalid_request_error", "model: unknown"))
    with pytest.raises(LLMError, match="refused"):
        _write(_writer(stub), material)
    assert len(stub.requests) == 1


@pytest.mark.parametrize(
    "reply",
    [
        text_message("Here is my answer without the tool."),
        tool_message({"sentences": "not a list"}),
        tool_message({"sentences": []}),
        tool_message({"sentences": [{"text": "ok [2101.00001]", "citations": []}], "verdict": "extra field"}),
        tool_message({"sentences": [{"text": "x", "citations": ["a"]}]}, name="some_other_tool"),
    ],
    ids=["text-only", "wrong-type", "empty", "unknown-field", "wrong-tool"],
)
def test_malformed_output_is_rejected(stub: StubAnthropic, material: Material, reply: dict[str, Any]) -> None:
    stub.push(Reply(200, reply))
    with pytest.raises(LLMError, match="rejected"):
        _write(_writer(stub), material)


def test_stream_yields_sentences_in_order_and_returns_the_whole(
    stub: StubAnthropic, material: Material
) -> None:
    answer = _answer(material)
    stub.push(Reply(200, tool_message(answer)))
    gen = _writer(stub).stream(material)
    seen = []
    while True:
        try:
            seen.append(next(gen))
        except StopIteration as stop:
            final = stop.value
            break
    assert [s.text for s in seen] == [s["text"] for s in answer["sentences"]]
    assert final.sentences == seen
    assert stub.requests[0]["json"]["stream"] is True


def test_malformed_stream_is_rejected(stub: StubAnthropic, material: Material) -> None:
    stub.push(Reply(200, text_message("no tool call here")))
    with pytest.raises(LLMError, match="rejected"):
        list(_writer(stub).stream(material))


def test_writer_needs_a_key() -> None:
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY"):
        ClaudeWriter(Settings(anthropic_api_key=None))


def test_tool_schema_matches_the_validator() -> None:
    assert ANSWER_TOOL["input_schema"]["required"] == ["sentences"]
    assert set(ANSWER_TOOL["input_schema"]["properties"]) == {"sentences", "not_covered"}


# -- through the Answerer: fallbacks and counts on a real (tiny) graph ----------------------------------
QUESTION = "Can an autoencoder help anomaly detection?"


def _answerer(tiny_env: Any, stub: StubAnthropic, **kw: Any) -> Any:
    from hepgraph.answer.answerer import Answerer

    return Answerer(
        tiny_env.retriever, tiny_env.store, settings=_settings(stub, **kw), embedder=tiny_env.embedder
    )


def _tiny_reply(extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    sentences = [
        {
            "text": "Reconstruction error of an autoencoder flags anomalous dijet events [2301.00001].",
            "citations": ["2301.00001"],
            "quotes": [
                {"arxiv_id": "2301.00001", "quote": "use its reconstruction error for anomaly detection"}
            ],
        },
        {
            "text": "A normalizing flow density estimate serves the same purpose [2301.00003].",
            "citations": ["2301.00003"],
            "quotes": [
                {
                    "arxiv_id": "2301.00003",
                    "quote": "A normalizing flow learns the density of background events",
                }
            ],
        },
    ]
    return tool_message({"sentences": sentences + (extra or []), "not_covered": ["pile-up robustness"]})


def test_answerer_uses_claude_and_counts_removed_citations(tiny_env: Any, stub: StubAnthropic) -> None:
    stub.push(
        Reply(
            200, _tiny_reply([{"text": "Memory says otherwise [1901.00001].", "citations": ["1901.00001"]}])
        )
    )
    answer = _answerer(tiny_env, stub).ask(QUESTION)
    assert answer.writer == "claude" and answer.notice == ""
    assert answer.citations == ["2301.00001", "2301.00003"]
    assert answer.removed_citations == 1 and "Memory says" not in answer.answer
    assert any("pile-up robustness" in g for g in answer.gaps)
    user = stub.requests[0]["json"]["messages"][0]["content"]
    assert all(f"[{s.arxiv_id}]" in user for s in answer.sources)


def test_a_gap_line_citing_an_unretrieved_paper_loses_that_citation(
    tiny_env: Any, stub: StubAnthropic
) -> None:
    reply = _tiny_reply()
    reply["content"][0]["input"]["not_covered"] = [
        "pile-up robustness, studied only in [1901.00001]",
        "calibration [2301.00001]",
    ]
    stub.push(Reply(200, reply))
    answer = _answerer(tiny_env, stub).ask(QUESTION)
    assert answer.writer == "claude"
    assert not any("1901.00001" in g for g in answer.gaps)
    assert any("calibration [2301.00001]" in g for g in answer.gaps)
    assert answer.removed_citations == 1


def test_claude_is_given_the_aspects_their_best_evidence_and_the_graphs_gaps(
    tiny_env: Any, stub: StubAnthropic
) -> None:
    stub.push(Reply(200, _tiny_reply()))
    question = "Can an autoencoder help jet tagging?"  # the tiny graph never joins the two
    answer = _answerer(tiny_env, stub).ask(question)
    user = stub.requests[0]["json"]["messages"][0]["content"]
    aspects = user.split("The question's aspects", 1)[1].split("What the graph shows", 1)[0]
    assert "- autoencoder for jet tagging (join): sources none" in aspects
    assert "- autoencoder (method): sources 2301.00001" in aspects
    assert aspects.count("\n  [") >= 2  # the best evidence sentences, with their ids
    gaps = user.split("What the graph shows the archive does not cover:", 1)[1].split("Papers retrieved", 1)[
        0
    ]
    assert "The archive does not contain a study of autoencoder for jet tagging" in gaps
    assert any(g.startswith("The archive does not contain a study of autoencoder") for g in answer.gaps)


def test_answerer_rate_limited_once_still_uses_claude(tiny_env: Any, stub: StubAnthropic) -> None:
    stub.push(Reply(429, error_body("rate_limit_error", "slow down")), Reply(200, _tiny_reply()))
    answer = _answerer(tiny_env, stub).ask(QUESTION)
    assert answer.writer == "claude" and len(stub.requests) == 2


def test_answerer_falls_back_offline_on_persistent_overload(tiny_env: Any, stub: StubAnthropic) -> None:
    stub.default = Reply(529, error_body("overloaded_error", "Overloaded"))
    answer = _answerer(tiny_env, stub, llm_max_retries=3).ask(QUESTION)
    assert len(stub.requests) == 4
    assert answer.writer == "offline"
    assert "Claude could not write this answer" in answer.notice and "written offline" in answer.notice
    assert answer.citations and set(answer.citations) <= {s.arxiv_id for s in answer.sources}
    assert KEY not in answer.notice


def test_answerer_rejects_malformed_output_and_answers_offline(tiny_env: Any, stub: StubAnthropic) -> None:
    stub.push(Reply(200, text_message("Autoencoders are great, trust me.")))
    answer = _answerer(tiny_env, stub).ask(QUESTION)
    assert answer.writer == "offline" and "rejected" in answer.notice
    assert "trust me" not in answer.answer


def test_a_citation_whose_quote_is_not_in_the_paper_is_removed_and_counted(
    tiny_env: Any, stub: StubAnthropic
) -> None:
    invented = {
        "text": "Flows also beat every autoencoder on pile-up [2301.00003].",
        "citations": ["2301.00003"],
        "quotes": [{"arxiv_id": "2301.00003", "quote": "flows outperform autoencoders in high pile-up"}],
    }
    stub.push(Reply(200, _tiny_reply([invented])))
    answer = _answerer(tiny_env, stub).ask(QUESTION)
    assert answer.writer == "claude"
    assert answer.removed_unquoted == 1 and "pile-up [" not in answer.answer
    papers = {p.arxiv_id: p for p in tiny_env.store.get_papers(answer.citations)}
    assert {sp.arxiv_id for sp in answer.spans} == set(answer.citations) == {"2301.00001", "2301.00003"}
    for sp in answer.spans:  # the kept quotes resolve to the stored abstract's own words
        assert papers[sp.arxiv_id].abstract_text[sp.start : sp.end] == sp.text


def test_answerer_rejects_an_answer_with_no_valid_citation(tiny_env: Any, stub: StubAnthropic) -> None:
    stub.push(Reply(200, tool_message({"sentences": [{"text": "Invented [1901.00001].", "citations": []}]})))
    answer = _answerer(tiny_env, stub).ask(QUESTION)
    assert answer.writer == "offline" and "Invented" not in answer.answer
    assert "cites a retrieved paper" in answer.notice


def test_stream_ask_streams_checked_claude_sentences(tiny_env: Any, stub: StubAnthropic) -> None:
    stub.push(Reply(200, _tiny_reply([{"text": "Outside [1901.00001].", "citations": []}])))
    items = list(_answerer(tiny_env, stub).stream_ask(QUESTION))
    final = items[-1]
    deltas = [x for x in items[:-1] if isinstance(x, str)]
    assert final.writer == "claude" and len(deltas) == 2
    assert "".join(deltas).strip() == final.answer
    assert stub.requests[0]["json"]["stream"] is True


def test_stream_ask_falls_back_when_the_stream_is_malformed(tiny_env: Any, stub: StubAnthropic) -> None:
    stub.push(Reply(200, text_message("no tool")))
    final = list(_answerer(tiny_env, stub).stream_ask(QUESTION))[-1]
    assert final.writer == "offline" and "rejected" in final.notice


def test_an_off_topic_question_gets_no_written_answer_and_no_claude_call(
    tiny_env: Any, stub: StubAnthropic
) -> None:
    from hepgraph.answer.answerer import OFF_TOPIC

    question = "What is the best recipe for sourdough bread with walnuts?"
    answerer = _answerer(tiny_env, stub)
    answer = answerer.ask(question)
    streamed = list(answerer.stream_ask(question))
    assert stub.requests == []  # weak matches are not sent to Claude to be written up
    assert answer.answer == OFF_TOPIC and answer.citations == [] and answer.writer == "offline"
    assert len(streamed) == 1 and streamed[0].answer == OFF_TOPIC
    # One notice per fact: the answer says nothing answers it; no graph or follow-up hops from weak matches.
    assert "little on this question" not in answer.notice
    assert answer.followups == [] and answer.subgraph.nodes == [] and answer.subgraph.edges == []
    assert answer.sources  # the weak matches are still listed
    on_topic = answerer.ask(QUESTION)  # the same answerer still writes for a question the archive covers
    assert on_topic.answer != OFF_TOPIC


# -- the CLI streams the same answer ---------------------------------------------------------------------
def _cli_ask(tiny_env: Any, stub: StubAnthropic, monkeypatch: pytest.MonkeyPatch) -> Any:
    from typer.testing import CliRunner

    from hepgraph.ui.cli import app

    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", stub.url)
    return CliRunner().invoke(app, ["--home", str(tiny_env.settings.home), "ask", QUESTION])


def test_cli_ask_prints_claudes_streamed_sentences_once(
    tiny_env: Any, stub: StubAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub.push(Reply(200, _tiny_reply()))
    res = _cli_ask(tiny_env, stub, monkeypatch)
    assert res.exit_code == 0, res.output
    assert [r["json"]["stream"] for r in stub.requests] == [True]
    out = " ".join(res.stdout.split())
    for sentence in _tiny_reply()["content"][0]["input"]["sentences"]:
        assert out.count(sentence["text"]) == 1, out
    assert "writer: claude" in out and "replaces the text above" not in out


def test_cli_ask_replaces_a_stream_that_fails_at_the_end(
    tiny_env: Any, stub: StubAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first sentence prints as it arrives; the invalid whole is replaced by the offline answer."""
    reply = _tiny_reply()
    reply["content"][0]["input"]["not_covered"] = 5  # not a list: the finished tool call fails validation
    stub.push(Reply(200, reply))
    res = _cli_ask(tiny_env, stub, monkeypatch)
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    streamed, _, rest = out.partition("The finished answer replaces the text above:")
    assert "Reconstruction error of an autoencoder" in streamed, out
    assert rest and "Reconstruction error of an autoencoder" not in rest
    assert "writer: offline" in rest and re.search(r"\[\d{4}\.\d{5}\]", rest)
