"""Ask: a question, the cited answer, sources with relevance, gaps, the cited subgraph, follow-ups."""

from __future__ import annotations

import streamlit as st

from hepgraph.errors import HepGraphError
from hepgraph.results import Answer
from hepgraph.ui import resources, state
from hepgraph.ui.charts import subgraph_chart
from hepgraph.ui.pages.common import arxiv_url, link_citations, store_or_stop

EXAMPLE = "Could training on adversarial examples hurt sensitivity to rare BSM signals?"


@st.cache_data(max_entries=64, show_spinner=False)
def _answer(_answerer: object, index_hash: str, question: str, seeds: tuple[str, ...]) -> dict:
    answer: Answer = _answerer.ask(question, seed_nodes=list(seeds))  # type: ignore[attr-defined]
    return answer.model_dump()


def _on_submit() -> None:
    state.ask(st.session_state.get("question_box", ""))


def _follow(question: str, from_nodes: list[str]) -> None:
    state.ask(question, seed_nodes=from_nodes)
    st.session_state["question_box"] = question


def render() -> None:
    """Draw the Ask page."""
    store = store_or_stop()
    settings = resources.get_settings()
    question = state.QUESTION.get()
    if "question_box" not in st.session_state:
        st.session_state["question_box"] = question
    st.text_input(
        "Ask the archive", key="question_box", on_change=_on_submit, placeholder=EXAMPLE,
        help="A question in plain words; press Enter. The URL then links to this answer.",
    )
    if not question:
        st.caption(f"Try: *{EXAMPLE}*")
        return
    try:
        with st.spinner("Walking the graph…"):
            answerer = resources.get_answerer(settings)
            answer = Answer.model_validate(_answer(answerer, store.index_hash(), question, tuple(state.seeds())))
    except HepGraphError as err:
        st.error(str(err))
        return
    _render_answer(answer)


def _render_answer(answer: Answer) -> None:
    writer = "Claude" if answer.writer == "claude" else "offline extractive writer (no LLM)"
    st.caption(f"Written by {writer} · {answer.ms:.0f} ms · index {answer.index_hash[:10]}")
    if answer.notice:
        st.warning(answer.notice)
    st.markdown(link_citations(answer.answer))
    for gap in answer.gaps:
        st.info(f"**Not in the archive:** {link_citations(gap)}")
    left, right = st.columns([5, 6])
    with left:
        st.subheader(f"Sources ({len(answer.sources)})")
        for src in answer.sources:
            meta = " · ".join(str(x) for x in (f"{round(src.score * 100)}%", src.category, src.year) if x)
            st.markdown(f"**{meta}** · [{src.title}]({arxiv_url(src.arxiv_id)})")
            if src.concepts:
                st.caption("via " + ", ".join(src.concepts[:5]))
    with right:
        st.subheader("Cited subgraph")
        if answer.subgraph.nodes:
            event = st.altair_chart(subgraph_chart(answer.subgraph), width="stretch", on_select="rerun",
                                    key="subgraph")
            _show_selected(answer, event)
        else:
            st.caption("No graph edges to draw for this answer.")
    if answer.followups:
        st.subheader("Keep exploring")
        cols = st.columns(len(answer.followups))
        for i, (col, fu) in enumerate(zip(cols, answer.followups, strict=True)):
            col.button(fu.question, key=f"followup_{i}", on_click=_follow, args=(fu.question, fu.from_nodes),
                       help=f"Hops from {', '.join(fu.from_nodes)}", width="stretch")


def _show_selected(answer: Answer, event: object) -> None:
    selection = getattr(event, "selection", None) or {}
    picked = [p.get("id") for p in selection.get("node", []) if isinstance(p, dict)]
    for node_id in picked:
        edges = [e for e in answer.subgraph.edges if node_id in (e.source, e.target)]
        st.markdown(f"**{node_id}**")
        for e in edges[:8]:
            st.caption(f"{e.source} —{e.rel}→ {e.target}: {e.evidence}")
