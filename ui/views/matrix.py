"""Method x topic matrix: paper counts per pair, with the empty cells (what nobody here has tried) visible.

Click a cell to list its papers and ask about the pair. A page script: `st.navigation` runs it with
``__name__ == "__main__"``.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from hepgraph.graph.explore import ExploreIndex
from hepgraph.nodes import concept_node
from hepgraph.ui import resources, state
from hepgraph.ui.markdown import md_text
from hepgraph.ui.views.common import ask_about, concept_link, paper_link, settings, store_or_stop

CELL = "cell"  # the Vega-Lite selection parameter of a clicked cell
MAX_PAPERS = 20


def _chart(df: pd.DataFrame) -> alt.Chart:
    pick = alt.selection_point(fields=["method_id", "topic_id"], name=CELL, on="click")
    base = alt.Chart(df).encode(
        # Every topic named: turned labels, never dropped for overlap, long names cut at 200 px.
        x=alt.X(
            "topic:N",
            title=None,
            axis=alt.Axis(labelAngle=-40, labelLimit=200, labelOverlap=False, orient="top"),
        ),
        y=alt.Y("method:N", title=None, axis=alt.Axis(labelLimit=240, labelOverlap=False)),
    )
    heat = (
        base.mark_rect(stroke="#d0d4da", cursor="pointer")
        .encode(
            color=alt.condition(
                "datum.papers == 0",
                alt.value("#ffffff"),
                alt.Color(
                    "papers:Q",
                    scale=alt.Scale(scheme="blues", type="sqrt"),
                    title="papers",
                    legend=alt.Legend(format="d", tickMinStep=1),
                ),
            ),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.55)),
            tooltip=["method", "topic", alt.Tooltip("papers:Q", format="d")],
        )
        .add_params(pick)
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("papers:Q", format="d"),
        color=alt.condition("datum.papers == 0", alt.value("#b0b4ba"), alt.value("#1b1e23")),
    )
    return (heat + text).properties(height=alt.Step(26))  # a row per method, each 26 px


def _picked(event: object) -> tuple[str, str] | None:
    selection = getattr(event, "selection", None) or {}
    points = selection.get(CELL) or []
    if points and isinstance(points[0], dict) and points[0].get("method_id"):
        return str(points[0]["method_id"]), str(points[0]["topic_id"])
    cell = state.CELL.get()
    return tuple(cell.split("|", 1)) if "|" in cell else None  # type: ignore[return-value]


def _cell(index: ExploreIndex, method_id: str, topic_id: str) -> None:
    """The papers of one cell, links to both concepts, and a question about the pair."""
    if method_id not in index.concepts or topic_id not in index.concepts:
        return
    state.CELL.set(f"{method_id}|{topic_id}")
    method, topic = index.concepts[method_id].name, index.concepts[topic_id].name
    keys = index.papers_linking(method_id, topic_id)
    with st.container(border=True):
        st.markdown(f"**{md_text(method)} × {md_text(topic)}** · {len(keys):,} papers link both")
        with st.container(horizontal=True, gap="small"):
            concept_link(method_id, method)
            concept_link(topic_id, topic)
        ask_about(
            f"How is {method} used for {topic}?",
            [concept_node(method_id), concept_node(topic_id)],
            key="ask_cell",
        )
        for paper in index.store.get_papers(keys[:MAX_PAPERS]):
            paper_link(paper.key, paper.title_text, paper.year)
        if len(keys) > MAX_PAPERS:
            st.caption(f"…and {len(keys) - MAX_PAPERS:,} more.")
        if not keys:
            st.caption("No paper in this archive links both: an open combination.")


def render() -> None:
    """Draw the matrix page."""
    store_or_stop()
    index = resources.get_explore_index(settings())
    cols = st.columns(2)
    methods = cols[0].slider("Methods (most linked first)", 5, 40, 15, key="matrix_methods")
    topics = cols[1].slider("Topics and tasks", 5, 30, 12, key="matrix_topics")
    cells = index.method_topic_matrix(methods=methods, topics=topics)
    if not cells:
        st.info("No methods or topics are linked yet: build the graph with `hepgraph build PATH`.")
        return
    df = pd.DataFrame([c.model_dump() for c in cells])
    empty = df[df["papers"] == 0]
    st.caption(
        f"**{len(empty)} of {len(df)}** method × topic cells have no paper (white): combinations "
        "nobody in this archive has tried. Click a cell for its papers."
    )
    event = st.altair_chart(
        _chart(df), width="stretch", on_select="rerun", selection_mode=CELL, key="matrix_chart"
    )
    picked = _picked(event)
    if picked:
        _cell(index, *picked)
    with st.expander(f"The {len(empty)} empty cells as a list"):
        st.dataframe(empty[["method", "topic"]], hide_index=True, width="stretch")


if __name__ == "__main__":
    render()
