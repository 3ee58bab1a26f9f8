"""Method x topic matrix: paper counts per pair, with the empty cells (what nobody here has tried) visible.

A page script: `st.navigation` runs it with ``__name__ == "__main__"``.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from hepgraph.ui import resources
from hepgraph.ui.pages.common import settings, store_or_stop


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
        "nobody in this archive has tried."
    )
    base = alt.Chart(df).encode(
        x=alt.X("topic:N", title=None, axis=alt.Axis(labelAngle=-35, labelLimit=180)),
        y=alt.Y("method:N", title=None, axis=alt.Axis(labelLimit=220)),
    )
    heat = base.mark_rect(stroke="#d0d4da").encode(
        color=alt.condition(
            "datum.papers == 0",
            alt.value("#ffffff"),
            alt.Color("papers:Q", scale=alt.Scale(scheme="blues", type="sqrt"), title="papers"),
        ),
        tooltip=["method", "topic", "papers"],
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("papers:Q"),
        color=alt.condition("datum.papers == 0", alt.value("#b0b4ba"), alt.value("#1b1e23")),
    )
    st.altair_chart((heat + text).properties(height=26 * df["method"].nunique() + 60), width="stretch")
    with st.expander(f"The {len(empty)} empty cells as a list"):
        st.dataframe(empty[["method", "topic"]], hide_index=True, width="stretch")


if __name__ == "__main__":
    render()
