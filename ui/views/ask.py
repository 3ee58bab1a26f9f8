"""Ask: a question, the cited answer, sources with relevance, gaps, the cited subgraph, follow-ups.

A page script: `st.navigation` runs it with ``__name__ == "__main__"``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import streamlit as st

from hepgraph.calibration import MEANING as RELEVANCE_MEANING
from hepgraph.errors import HepGraphError
from hepgraph.nodes import paper_node, split_node
from hepgraph.question import clean_question
from hepgraph.results import Answer, Source, SubgraphNode
from hepgraph.ui import charts, resources, state
from hepgraph.ui.markdown import cited_markdown, md_text
from hepgraph.ui.views.common import PAPER_PAGE, author_link, concept_link, settings, store_or_stop

EXAMPLES = (
    "Could training on adversarial examples hurt sensitivity to rare BSM signals?",
    "Which graph neural networks are used for jet tagging?",
    "How are normalizing flows used for fast calorimeter simulation?",
)


def render() -> None:
    """Draw the Ask page."""
    store_or_stop()
    question, seeds = state.current_question()
    st.text_input(
        "Ask the archive",
        key=state.QUESTION_BOX,
        on_change=state.on_question_submitted,
        placeholder=EXAMPLES[0],
        help="A question in plain words; press Enter. The URL then links to this answer.",
    )
    if not question:
        _examples()
        return
    try:  # an over-long question (a pasted paper, a crafted link) is refused before the models load
        clean_question(question, settings().max_question_chars)
    except HepGraphError as err:
        st.error(md_text(err), icon=":material/error:")
        return
    answer = resources.cached_answer(settings(), question, seeds)
    if answer is None:
        answer = _stream(question, seeds)
    if answer is not None:
        _render_answer(answer, seeds)


def _stream(question: str, seeds: list[str]) -> Answer | None:
    """Show the answer's sentences as they are written; return the finished Answer (None on an error).

    The streamed text is a preview: it is cleared and the finished answer drawn with its citation links,
    sources and subgraph (a writer that fails mid-way is replaced by the offline answer).
    """
    slot = st.empty()
    final: list[Answer] = []

    def sentences(stream: Iterator[str | Answer]) -> Iterator[str]:
        for item in stream:
            if isinstance(item, Answer):
                final.append(item)
            else:
                yield item

    try:
        with slot.container(border=True):
            # One spinner, saying what the wait is: loading models once per server, then walking the graph.
            waiting = (
                "Walking the graph from the question's papers and concepts…"
                if resources.answerer_ready(settings())
                else "Loading the graph and the language models (once per server start)…"
            )
            with st.spinner(waiting):  # retrieval runs before the first sentence
                pieces = sentences(resources.stream_answer(settings(), question, seeds))
                first = next(pieces, "")
            st.write_stream(md_text(piece) for piece in itertools.chain([first], pieces))
    except HepGraphError as err:
        slot.error(md_text(err), icon=":material/error:")
        return None
    slot.empty()
    return final[-1] if final else None


def _examples() -> None:
    st.caption(
        "Answers come only from the indexed papers, with citations, what the archive lacks, and "
        "the part of the graph they rest on. Try:"
    )
    for i, example in enumerate(EXAMPLES):
        st.button(
            example,
            key=f"example_{i}",
            on_click=state.ask,
            args=(example,),
            type="tertiary",
            icon=":material/arrow_forward:",
        )


def _writer_line(answer: Answer, seeds: list[str]) -> str:
    writer = "Claude" if answer.writer == "claude" else "offline extractive writer (no LLM)"
    hop = f" · follow-up walk from {len(seeds)} node{'s' if len(seeds) != 1 else ''}" if seeds else ""
    return (
        f"Written by **{writer}** · {len(answer.sources)} sources · {answer.ms / 1000:.1f} s"
        f"{hop} · index `{answer.index_hash[:10]}`"
    )


def _render_answer(answer: Answer, seeds: list[str]) -> None:
    st.caption(_writer_line(answer, seeds))
    retrieved = {src.arxiv_id for src in answer.sources}
    if not answer.citations:
        # Nothing answers it: one notice says so (the retrieval's "holds little" line is the same fact),
        # the weak matches follow as a plain list, and no graph or follow-ups hop from them.
        st.info(md_text(answer.answer), icon=":material/search_off:")
        with st.expander(f"The {len(answer.sources)} nearest papers (weak matches)"):
            for rank, src in enumerate(answer.sources, start=1):
                _source(rank, src, cited=False)
        return
    if answer.notice:
        st.warning(md_text(answer.notice), icon=":material/info:")
    with st.container(border=True):
        # Each citation shows, on hover, the source sentence its sentence was drawn from (Answer.spans).
        quotes = {sp.arxiv_id: sp.text for sp in reversed(answer.spans)}
        st.markdown(cited_markdown(answer.answer, retrieved, quotes))
    for gap in answer.gaps:
        st.info(f"**Not in the archive.** {cited_markdown(gap, retrieved)}", icon=":material/search_off:")
    left, right = st.columns([5, 6], gap="large")
    with left:
        st.subheader(f"Sources ({len(answer.sources)})", anchor=False, help=RELEVANCE_MEANING)
        for rank, src in enumerate(answer.sources, start=1):
            _source(rank, src, cited=src.arxiv_id in answer.citations)
    with right:
        st.subheader("Cited subgraph", anchor=False)
        _subgraph(answer)
    _followups(answer)


def _source(rank: int, src: Source, *, cited: bool) -> None:
    """One source: '1. 62% · hep-ph · 2024', its title linking to its page, then its id and concepts."""
    via = f" · via {md_text(', '.join(src.concepts[:4]))}" if src.concepts else ""
    head = " · ".join(
        b
        for b in (f"**{round(src.relevance * 100)}%**", md_text(src.category or ""), str(src.year or ""))
        if b
    )
    with st.container(gap=None):
        st.markdown(f"{rank}\\. {head}")
        st.page_link(PAPER_PAGE, label=md_text(src.title), query_params={state.PAPER.name: src.arxiv_id})
        st.caption(f"`{src.arxiv_id}`{' · **cited above**' if cited else ''}{via}")


def _subgraph(answer: Answer) -> None:
    if not answer.subgraph.nodes:
        st.caption("No graph edges to draw for this answer.")
        return
    sources = {paper_node(src.arxiv_id) for src in answer.sources}
    event = st.altair_chart(
        charts.subgraph_chart(answer.subgraph, width=charts.ASK_WIDTH, height=520, sources=sources),
        width="content",
        on_select="rerun",
        selection_mode=charts.SELECTION,
        key="subgraph",
    )
    n, m = len(answer.subgraph.nodes), len(answer.subgraph.edges)
    st.caption(
        f"{n} nodes, {m} edges. Hover a node, or the ◆ on an edge, for its evidence; "
        "click a node to list its edges. Scroll to zoom, drag to pan, double-click to reset."
    )
    by_id = {node.id: node for node in answer.subgraph.nodes}
    for node_id in charts.selected_nodes(event):
        if node_id in by_id:
            _node_details(answer, by_id[node_id])


def _node_details(answer: Answer, node: SubgraphNode) -> None:
    """A clicked node: a link to its page, then each of its edges with the sentence that supports it."""
    with st.container(border=True):
        sources = {paper_node(src.arxiv_id) for src in answer.sources}
        kind, bare = split_node(node.id)
        with st.container(horizontal=True, gap="small", vertical_alignment="center"):
            if kind == "paper":
                st.page_link(PAPER_PAGE, label=md_text(node.label), query_params={state.PAPER.name: bare})
            elif kind == "concept":
                concept_link(bare, node.label)
            elif kind == "author":
                author_link(bare, node.label)
            else:
                st.markdown(f"**{md_text(node.label)}**")
            st.caption(charts.node_kind(node, sources))
        names = {n.id: n.label for n in answer.subgraph.nodes}
        for edge in charts.node_edges(answer.subgraph, node.id)[:10]:
            other = edge.target if edge.source == node.id else edge.source
            st.markdown(
                f"- `{edge.rel}` {md_text(names.get(other, other))}"
                + (f": _{md_text(edge.evidence)}_" if edge.evidence else "")
            )


def _followups(answer: Answer) -> None:
    if not answer.followups:
        return
    st.subheader("Keep exploring", anchor=False)
    # One per row: the questions are full sentences and a narrow column would cut them off.
    for i, fu in enumerate(answer.followups):
        st.button(
            f"{md_text(fu.question)}  ·  _{md_text(fu.hop)}_" if fu.hop else md_text(fu.question),
            key=f"followup_{i}",
            on_click=state.on_followup,
            args=(fu.question, fu.from_nodes),
            icon=":material/alt_route:",
            help=f"Walk the graph again from {md_text(', '.join(fu.from_nodes))}",
        )


if __name__ == "__main__":
    render()
