"""Claude relation extraction through the real anthropic SDK against the local Messages API stub.

Papers are real records from data/sample read by the real reader, the matcher is the real spaCy pipeline
over the packaged vocabulary, and the SDK (HTTP, retries, error mapping) runs for real against
tests/stub_anthropic.py. Only the embedder of the build tests is a stand-in: the build needs vectors, and
loading the real model would dominate these tests without touching what they check.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import anthropic
import numpy as np
import pytest
from rich.console import Console
from stub_anthropic import Reply, StubAnthropic, error_body, text_message, tool_message

from hepgraph.errors import ConfigError, LLMError
from hepgraph.extract.llm_relations import (
    RELATIONS_TOOL,
    TOOL_NAME,
    Relation,
    RelationExtractor,
    RelationItem,
    RelationsOutput,
    candidate_ids,
    load_prompt,
    locate,
)
from hepgraph.extract.mentions import MentionExtractor
from hepgraph.extract.nlp import load_pipeline
from hepgraph.extract.sources import arxiv_jsonl
from hepgraph.extract.vocabulary import Vocabulary, load_vocabulary
from hepgraph.graph.embedded import EmbeddedStore
from hepgraph.merge import merge_records
from hepgraph.models import RELATION_FOR_TYPE, ConceptLink, Paper, PaperRecord
from hepgraph.pipeline.build import BuildReport, build
from hepgraph.settings import Settings

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "papers.jsonl"
KEY = "sk-ant-test-0123456789abcdef"
OLYMPICS = "2101.08320"  # the LHC Olympics 2020 report
# Spans of the Olympics abstract that the matcher's concepts do not cover but a reader would link.
QUOTES = ("hunted for hidden resonances in unlabelled event sets", "from autoencoders to weakly supervised")


# -- fixtures ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return load_vocabulary()


@pytest.fixture(scope="module")
def nlp() -> Any:
    return load_pipeline()


@pytest.fixture(scope="module")
def papers() -> dict[str, Paper]:
    """The sample papers, read and merged as ingest does."""
    records = [r for r in arxiv_jsonl.read(SAMPLE) if isinstance(r, PaperRecord)]
    return {p.key: p for p in (merge_records([r]) for r in records)}


@pytest.fixture(scope="module")
def matched(papers: dict[str, Paper], vocabulary: Vocabulary, nlp: Any) -> dict[str, list[ConceptLink]]:
    """The real matcher's links of every sample paper."""
    return MentionExtractor(vocabulary, nlp).extract_many(list(papers.values()))


@pytest.fixture
def stub() -> Iterator[StubAnthropic]:
    with StubAnthropic() as server:
        yield server


def _settings(stub: StubAnthropic, home: Path, **kw: Any) -> Settings:
    values: dict[str, Any] = {
        "home": home,
        "anthropic_api_key": KEY,
        "anthropic_base_url": stub.url,
        "llm_timeout_s": 5.0,
        "llm_relations": True,
    }
    return Settings(**(values | kw))


def _reply(relations: list[dict[str, str]], *, tokens: tuple[int, int] = (321, 54)) -> Reply:
    body = tool_message({"relations": relations}, name=TOOL_NAME)
    body["usage"] = {"input_tokens": tokens[0], "output_tokens": tokens[1]}
    return Reply(200, body)


def _item(vocabulary: Vocabulary, concept_id: str, quote: str) -> dict[str, str]:
    return {"concept_id": concept_id, "rel": vocabulary.get(concept_id).relation, "quote": quote}  # type: ignore[union-attr]


def _candidates(vocabulary: Vocabulary, links: Sequence[ConceptLink]) -> list[str]:
    return candidate_ids(vocabulary, {lk.concept_id for lk in links})


def _good_items(vocabulary: Vocabulary, matched: dict[str, list[ConceptLink]]) -> list[dict[str, str]]:
    """Two relations to candidate concepts of the Olympics paper, each with a quote from its abstract."""
    cands = _candidates(vocabulary, matched[OLYMPICS])
    assert len(cands) >= 2, "the Olympics paper's matched concepts should have IS_A neighbours"
    return [_item(vocabulary, cands[0], QUOTES[0]), _item(vocabulary, cands[1], QUOTES[1])]


# -- the extractor -------------------------------------------------------------------------------------
def test_prompt_file_has_both_sections_and_placeholders() -> None:
    system, user = load_prompt("v1")
    assert TOOL_NAME in system and "verbatim" in user
    assert all(p in user for p in ("{{paper}}", "{{linked}}", "{{candidates}}"))


def test_tool_schema_is_self_contained_and_matches_the_validator() -> None:
    schema = RELATIONS_TOOL["input_schema"]
    assert "$ref" not in json.dumps(schema) and "$defs" not in schema
    item = schema["properties"]["relations"]["items"]
    assert set(item["properties"]) == set(RelationItem.model_fields) and item["additionalProperties"] is False
    assert set(schema["properties"]) == set(RelationsOutput.model_fields)
    assert (
        set(item["properties"]["rel"]["enum"]) == set(RELATION_FOR_TYPE.values()) == set(get_args(Relation))
    )


def test_candidates_are_is_a_neighbours_of_matched_concepts_and_bounded(
    vocabulary: Vocabulary, matched: dict[str, list[ConceptLink]]
) -> None:
    linked = {lk.concept_id for lk in matched[OLYMPICS]}
    cands = candidate_ids(vocabulary, linked)
    assert cands and not linked & set(cands)
    for cid in cands:  # each candidate is a parent or a child of a linked concept
        concept = vocabulary.get(cid)
        assert concept is not None
        assert set(concept.parents) & linked or any(cid in vocabulary.get(x).parents for x in linked)  # type: ignore[union-attr]
    assert len(candidate_ids(vocabulary, linked, limit=3)) == 3
    fallback = candidate_ids(vocabulary, set())
    assert fallback and all(not vocabulary.get(c).parents for c in fallback)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        ("hunted for hidden resonances", True),
        ("hunted  for hidden\nresonances", True),  # the model normalised or broke the whitespace
        ("hunted for resonances", False),  # a paraphrase is not a quote
        ("the", False),  # too short to be evidence
    ],
)
def test_locate_finds_quotes_verbatim_up_to_whitespace(
    papers: dict[str, Paper], quote: str, found: bool
) -> None:
    text = papers[OLYMPICS].text
    span = locate(text, quote)
    assert (span is not None) == found
    if span is not None:
        assert " ".join(text[span[0] : span[1]].split()) == " ".join(quote.split())


def test_valid_tool_reply_becomes_links_whose_evidence_slices_back(
    stub: StubAnthropic, tmp_path: Path, vocabulary: Vocabulary, papers: dict[str, Paper], matched: Any
) -> None:
    paper = papers[OLYMPICS]
    assert all(q in paper.text for q in QUOTES)
    items = _good_items(vocabulary, matched)
    stub.push(_reply(items))
    extractor = RelationExtractor(_settings(stub, tmp_path, anthropic_model="claude-test-model"), vocabulary)
    links = extractor.extract(paper, matched[OLYMPICS])
    assert [lk.concept_id for lk in links] == sorted(i["concept_id"] for i in items)
    for link in links:
        assert link.paper_key == OLYMPICS and link.rel == vocabulary.get(link.concept_id).relation  # type: ignore[union-attr]
        (ev,) = link.evidence
        assert paper.text[ev.start : ev.end] == ev.surface and ev.surface in QUOTES
        assert ev.surface in ev.sentence and ev.sentence in paper.text
    (req,) = stub.requests
    body = req["json"]
    assert req["headers"]["x-api-key"] == KEY and body["model"] == "claude-test-model"
    assert (
        body["tool_choice"] == {"type": "tool", "name": TOOL_NAME} and body["tools"][0]["name"] == TOOL_NAME
    )
    user = body["messages"][0]["content"]
    assert paper.text in user
    assert all(f"- {cid} [" in user for cid in _candidates(vocabulary, matched[OLYMPICS]))
    assert all(f"- {lk.concept_id}: " in user for lk in matched[OLYMPICS])  # linked ones: context only
    assert extractor.stats.links == 2 and extractor.stats.rejected == {}


def test_bad_proposals_are_rejected_and_counted(
    stub: StubAnthropic, tmp_path: Path, vocabulary: Vocabulary, papers: dict[str, Paper], matched: Any
) -> None:
    linked = {lk.concept_id for lk in matched[OLYMPICS]}
    cands = _candidates(vocabulary, matched[OLYMPICS])
    outsider = next(c.id for c in vocabulary.concepts if c.id not in linked and c.id not in cands)
    wrong_rel = next(r for r in RELATION_FOR_TYPE.values() if r != vocabulary.get(cands[1]).relation)  # type: ignore[union-attr]
    stub.push(
        _reply(
            [
                _item(vocabulary, cands[0], QUOTES[0]),  # the one good relation
                {"concept_id": "method:telepathic-tagger", "rel": "USES_METHOD", "quote": QUOTES[1]},
                _item(vocabulary, cands[1], "a quantum annealer was trained on the black boxes"),
                {"concept_id": cands[1], "rel": wrong_rel, "quote": QUOTES[1]},
                _item(vocabulary, sorted(linked)[0], QUOTES[1]),
                _item(vocabulary, outsider, QUOTES[1]),
            ]
        )
    )
    extractor = RelationExtractor(_settings(stub, tmp_path), vocabulary)
    links = extractor.extract(papers[OLYMPICS], matched[OLYMPICS])
    assert [lk.concept_id for lk in links] == [cands[0]]
    assert extractor.stats.rejected == {
        "unknown_concept": 1,
        "quote_not_in_text": 1,
        "wrong_relation": 1,
        "already_linked": 1,
        "not_a_candidate": 1,
    }


def test_rerun_is_served_from_the_cache_with_zero_requests(
    stub: StubAnthropic, tmp_path: Path, vocabulary: Vocabulary, papers: dict[str, Paper], matched: Any
) -> None:
    stub.push(_reply(_good_items(vocabulary, matched)))
    first = RelationExtractor(_settings(stub, tmp_path), vocabulary)
    links = first.extract(papers[OLYMPICS], matched[OLYMPICS])
    first.close()
    assert len(stub.requests) == 1 and first.stats.calls == 1
    again = RelationExtractor(_settings(stub, tmp_path), vocabulary)  # a new run on the same home
    assert again.extract(papers[OLYMPICS], matched[OLYMPICS]) == links
    assert len(stub.requests) == 1
    assert (again.stats.calls, again.stats.cache_hits, again.stats.input_tokens) == (0, 1, 0)
    other_model = RelationExtractor(_settings(stub, tmp_path, anthropic_model="claude-other"), vocabulary)
    stub.push(_reply([]))
    assert other_model.extract(papers[OLYMPICS], matched[OLYMPICS]) == []
    assert len(stub.requests) == 2  # the model is part of the key


def test_token_usage_is_summed_over_calls(
    stub: StubAnthropic, tmp_path: Path, vocabulary: Vocabulary, papers: dict[str, Paper], matched: Any
) -> None:
    keys = [k for k in sorted(papers) if matched[k]][:2]
    stub.push(_reply([], tokens=(1000, 40)), _reply([], tokens=(1234, 60)))
    extractor = RelationExtractor(_settings(stub, tmp_path), vocabulary)
    for key in keys:
        extractor.extract(papers[key], matched[key])
    s = extractor.stats
    assert (s.calls, s.input_tokens, s.output_tokens, s.cache_hits) == (2, 2234, 100, 0)


def test_rate_limit_then_success_is_retried_by_the_sdk(
    stub: StubAnthropic, tmp_path: Path, vocabulary: Vocabulary, papers: dict[str, Paper], matched: Any
) -> None:
    stub.push(
        Reply(429, error_body("rate_limit_error", "slow down"), {"retry-after-ms": "1"}),
        _reply(_good_items(vocabulary, matched)),
    )
    extractor = RelationExtractor(_settings(stub, tmp_path), vocabulary)
    assert len(extractor.extract(papers[OLYMPICS], matched[OLYMPICS])) == 2
    assert len(stub.requests) == 2 and extractor.stats.calls == 1 and extractor.stats.failed == 0


def test_persistent_overload_skips_the_paper_and_counts_it(
    stub: StubAnthropic, tmp_path: Path, vocabulary: Vocabulary, papers: dict[str, Paper], matched: Any
) -> None:
    stub.default = Reply(529, error_body("overloaded_error", "Overloaded"), {"retry-after-ms": "1"})
    extractor = RelationExtractor(_settings(stub, tmp_path, llm_max_retries=2), vocabulary)
    with pytest.raises(LLMError, match="after 3 attempts") as info:
        extractor.extract(papers[OLYMPICS], matched[OLYMPICS])
    assert isinstance(info.value.__cause__, anthropic.APIStatusError)
    assert info.value.__cause__.status_code == 529
    assert len(stub.requests) == 3 and KEY not in str(info.value)
    links = {OLYMPICS: list(matched[OLYMPICS])}
    assert extractor.extend([papers[OLYMPICS]], links) == {OLYMPICS}  # through extend: skipped, not raised
    assert links[OLYMPICS] == matched[OLYMPICS] and extractor.stats.failed == 2


def test_malformed_output_is_rejected_and_not_cached(
    stub: StubAnthropic, tmp_path: Path, vocabulary: Vocabulary, papers: dict[str, Paper], matched: Any
) -> None:
    stub.push(Reply(200, text_message("The paper uses autoencoders.")), _reply([]))
    extractor = RelationExtractor(_settings(stub, tmp_path), vocabulary)
    with pytest.raises(LLMError, match="rejected"):
        extractor.extract(papers[OLYMPICS], matched[OLYMPICS])
    assert extractor.extract(papers[OLYMPICS], matched[OLYMPICS]) == []  # asked again, not served from cache
    assert len(stub.requests) == 2 and extractor.stats.failed == 1 and extractor.stats.input_tokens == 642


def test_extractor_without_a_key_names_the_settings_to_fix(vocabulary: Vocabulary, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY") as info:
        RelationExtractor(Settings(home=tmp_path, llm_relations=True, anthropic_api_key=None), vocabulary)
    assert "HEPGRAPH_LLM_RELATIONS" in str(info.value)


# -- through the build ---------------------------------------------------------------------------------
class HashEmbedder:
    """Deterministic unit vectors from a text hash: the build's embed stage needs vectors, not meaning."""

    model_name = "test-hash-embedder"
    dim = 8

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[: self.dim], np.uint8) for t in texts]
        matrix = np.asarray(rows, np.float32).reshape(len(texts), self.dim) + 1.0
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """The first three sample papers, the Olympics report among them."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)[:3]
    assert any(json.loads(line)["id"] == OLYMPICS for line in lines)
    out = tmp_path / "three.jsonl"
    out.write_text("".join(lines), encoding="utf-8")
    return out


@dataclass
class Built:
    """A build's report and what the store holds after it."""

    report: BuildReport
    links: list[ConceptLink]
    papers: dict[str, Paper]
    index_hash: str

    @property
    def pairs(self) -> Counter[tuple[str, str]]:
        return Counter((lk.paper_key, lk.concept_id) for lk in self.links)

    def concepts_of(self, key: str) -> set[str]:
        return {lk.concept_id for lk in self.links if lk.paper_key == key}


def _build(settings: Settings, source: Path, vocabulary: Vocabulary, nlp: Any) -> Built:
    store = EmbeddedStore(settings.store_path)
    store.ensure_schema()
    try:
        report = build(
            [source], store=store, settings=settings, embedder=HashEmbedder(), vocabulary=vocabulary, nlp=nlp
        )
        papers = {p.key: p for p in store.iter_papers()}
        return Built(report, list(store.iter_links()), papers, store.index_hash())
    finally:
        store.close()


def _olympics_replies(vocabulary: Vocabulary, matched: Any, *, fail_on: str = "") -> Any:
    good = _good_items(vocabulary, matched)

    def respond(body: dict[str, Any]) -> Reply:
        user = body["messages"][0]["content"]
        if fail_on and fail_on in user:
            return Reply(529, error_body("overloaded_error", "Overloaded"), {"retry-after-ms": "1"})
        return _reply(good if QUOTES[0] in user else [])

    return respond


def test_build_is_off_by_default_and_makes_no_requests(
    stub: StubAnthropic, tmp_path: Path, source: Path, vocabulary: Vocabulary, nlp: Any
) -> None:
    assert Settings.model_fields["llm_relations"].default is False
    settings = Settings(home=tmp_path / "home", anthropic_api_key=KEY, anthropic_base_url=stub.url)
    report = _build(settings, source, vocabulary, nlp).report
    assert report.papers_extracted == 3 and report.links > 0
    assert stub.requests == [] and report.llm_calls == 0 and report.llm_input_tokens == 0
    assert not (settings.cache_dir / "llm_relations.sqlite").exists()


def test_build_with_llm_relations_but_no_key_warns_and_finishes(
    tmp_path: Path, source: Path, vocabulary: Vocabulary, nlp: Any
) -> None:
    settings = Settings(home=tmp_path / "home", llm_relations=True, anthropic_api_key=None)
    report = _build(settings, source, vocabulary, nlp).report
    assert report.papers_extracted == 3 and report.llm_calls == 0
    (warning,) = report.warnings
    assert "ANTHROPIC_API_KEY" in warning and "HEPGRAPH_LLM_RELATIONS" in warning


def test_build_records_claude_links_and_tokens_and_reruns_idempotently(
    stub: StubAnthropic, tmp_path: Path, source: Path, vocabulary: Vocabulary, nlp: Any, matched: Any
) -> None:
    stub.respond = _olympics_replies(vocabulary, matched)
    settings = _settings(stub, tmp_path / "home")
    first = _build(settings, source, vocabulary, nlp)
    report = first.report
    added = {i["concept_id"] for i in _good_items(vocabulary, matched)}
    assert len(stub.requests) == report.llm_calls == 3
    assert (report.llm_input_tokens, report.llm_output_tokens) == (3 * 321, 3 * 54)
    assert report.llm_links == 2 and report.llm_failed == 0 and report.warnings == []
    assert first.concepts_of(OLYMPICS) == added | {lk.concept_id for lk in matched[OLYMPICS]}
    by_claude = {(lk.paper_key, lk.concept_id) for lk in first.links if lk.via == "claude"}
    assert by_claude == {(OLYMPICS, cid) for cid in added}  # the store says who made each link
    assert max(first.pairs.values()) == 1  # no (paper, concept) pair twice
    for link in first.links:
        text = first.papers[link.paper_key].text
        assert all(text[e.start : e.end] == e.surface for e in link.evidence)

    again = _build(settings, source, vocabulary, nlp)
    assert (again.report.papers_extracted, again.report.llm_calls, again.report.llm_cache_hits) == (0, 0, 0)
    assert len(stub.requests) == 3 and again.links == first.links and again.index_hash == first.index_hash

    off = _build(settings.model_copy(update={"llm_relations": False}), source, vocabulary, nlp)
    assert off.report.papers_extracted == 3 and not added & off.concepts_of(OLYMPICS)  # Claude's links go

    on = _build(settings, source, vocabulary, nlp)
    assert (on.report.papers_extracted, on.report.llm_calls, on.report.llm_cache_hits) == (3, 0, 3)
    assert len(stub.requests) == 3 and on.links == first.links and on.index_hash == first.index_hash


def test_build_skips_a_paper_claude_fails_on_and_retries_it_next_build(
    stub: StubAnthropic, tmp_path: Path, source: Path, vocabulary: Vocabulary, nlp: Any, matched: Any
) -> None:
    stub.respond = _olympics_replies(vocabulary, matched, fail_on=QUOTES[0])
    settings = _settings(stub, tmp_path / "home", llm_max_retries=1)
    first = _build(settings, source, vocabulary, nlp)
    report = first.report
    assert report.llm_failed == 1 and report.llm_calls == 3 and len(stub.requests) == 4
    assert any("failed on 1 papers" in w for w in report.warnings)
    assert first.concepts_of(OLYMPICS) == {lk.concept_id for lk in matched[OLYMPICS]}  # matcher links kept

    stub.respond = _olympics_replies(vocabulary, matched)  # the API recovered
    again = _build(settings, source, vocabulary, nlp)
    assert (again.report.papers_extracted, again.report.llm_calls, again.report.llm_cache_hits) == (1, 1, 0)
    assert again.report.llm_links == 2 and len(again.links) == len(first.links) + 2


def _summary_rows(report: BuildReport) -> dict[str, str]:
    from hepgraph.ui.cmd_build import _summary

    console = Console(record=True, width=80)
    console.print(_summary(report))
    lines = console.export_text().splitlines()
    return {ln.split("│")[1].strip(): ln.split("│")[2].strip() for ln in lines if ln.count("│") == 3}


def test_cli_summary_shows_token_counts_when_claude_ran() -> None:
    report = BuildReport(llm_calls=3, llm_cache_hits=1, llm_input_tokens=5321, llm_output_tokens=262)
    report.llm_rejected = {"quote_not_in_text": 2, "unknown_concept": 1}
    rows = _summary_rows(report)
    assert rows["LLM calls"] == "3" and rows["LLM cache hits"] == "1"
    assert rows["LLM input tokens"] == "5321" and rows["LLM output tokens"] == "262"
    assert rows["LLM proposals rejected"] == "3"
    off = _summary_rows(BuildReport())
    assert off["LLM calls"] == "0" and "LLM input tokens" not in off
