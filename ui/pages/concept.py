"""Concept page: a concept's papers over time, its neighbours, hierarchy, experiments and datasets.

A page script: `st.navigation` runs it with ``__name__ == "__main__"``.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from hepgraph.graph.explore import ConceptSummary, ExploreIndex
from hepgraph.ui import resources, state
from hepgraph.ui.markdown import md_text
from hepgraph.ui.pages.common import paper_line, settings, store_or_stop

TYPES = ["Method", "Task", "Topic", "Experiment", "Dataset", "Process"]


def _choose(index: ExploreIndex) -> str | None:
    types = st.multiselect("Types", TYPES, default=[], placeholder="all concept types", key="concept_types")
    options = index.linked_concepts(types=types)
    if not options:
        st.info("No concept of these types is linked yet: build the graph with `hepgraph build PATH`.")
        return None
    ids = [c.id for c in options]
    current = state.CONCEPT.get()
    by_id = {c.id: c for c in options}
    choice = st.selectbox(
        "Concept",
        ids,
        index=ids.index(current) if current in ids else 0,
        key="concept_box",
        format_func=lambda cid: f"{by_id[cid].name} · {by_id[cid].type} · {by_id[cid].papers} papers",
    )
    state.CONCEPT.set(choice)
    return choice


def _chips(items: list[ConceptSummary], label: str) -> None:
    if items:
        st.markdown(f"**{label}:** " + " · ".join(f"{md_text(c.name)} ({c.papers})" for c in items))


def render() -> None:
    """Draw the concept page."""
    store_or_stop()
    index = resources.get_explore_index(settings())
    choice = _choose(index)
    if choice is None:
        return
    page = index.concept_page(choice)
    st.header(md_text(page.concept.name), anchor=False)
    st.caption(f"{page.concept.type} · `{page.concept.id}` · {len(page.papers)} papers link it")
    if page.concept.description:
        st.markdown(md_text(page.concept.description))
    left, right = st.columns([3, 2], gap="large")
    with left:
        if page.by_year:
            df = pd.DataFrame({"year": list(page.by_year), "papers": list(page.by_year.values())})
            chart = (
                alt.Chart(df)
                .mark_bar(color="#1f5fa8")
                .encode(
                    x=alt.X("year:O", title=None),
                    y=alt.Y("papers:Q", title="papers"),
                    tooltip=["year", "papers"],
                )
                .properties(height=200, title="Papers per year")
            )
            st.altair_chart(chart, width="stretch")
    with right:
        _chips(page.parents, "Is a")
        _chips(page.children, "Kinds")
        _chips(page.neighbours, "Co-occurs with")
        _chips(page.experiments, "Experiments")
        _chips(page.datasets, "Datasets")
    st.subheader("Papers", anchor=False)
    counts = index.papers_of.get(choice, {})
    for paper in index.store.get_papers(page.papers[:25]):
        n = counts.get(paper.key, 0)
        st.markdown(
            "- " + paper_line(paper.key, paper.title_text, paper.year, f"{n} mention{'s' * (n != 1)}")
        )
    if len(page.papers) > 25:
        st.caption(f"…and {len(page.papers) - 25} more.")


if __name__ == "__main__":
    render()
