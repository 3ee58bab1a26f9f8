"""Concept page: a concept's papers over time, its neighbours, hierarchy, experiments and datasets.

A page script: `st.navigation` runs it with ``__name__ == "__main__"``.
"""

from __future__ import annotations

import streamlit as st

from hepgraph.graph.explore import ConceptSummary, ExploreIndex
from hepgraph.nodes import concept_node
from hepgraph.ui import charts, resources, state
from hepgraph.ui.markdown import md_text
from hepgraph.ui.views.common import ask_about, link_row, paper_link, settings, store_or_stop

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


def _row(title: str, items: list[ConceptSummary], help_text: str = "") -> None:
    link_row(title, [(c.id, c.name, c.papers) for c in items], "concept", help_text)


def render() -> None:
    """Draw the concept page."""
    store_or_stop()
    index = resources.get_explore_index(settings())
    choice = _choose(index)
    if choice is None:
        return
    page = index.concept_page(choice)
    name = page.concept.name
    st.header(md_text(name), anchor=False)
    st.caption(f"{page.concept.type} · `{page.concept.id}` · {len(page.papers):,} papers link it")
    if page.concept.description:
        st.markdown(md_text(page.concept.description))
    ask_about(f"What has been done with {name}?", [concept_node(choice)], key="ask_concept")
    left, right = st.columns([3, 2], gap="large")
    with left:
        if page.by_year:
            st.altair_chart(charts.per_year_chart(page.by_year, "Papers per year"), width="stretch")
    with right:
        _row("Is a", page.parents)
        _row("Kinds", page.children, "(narrower concepts of the vocabulary; papers linking each)")
        _row("Co-occurs with", page.neighbours, "(papers linking both)")
        _row("Experiments", page.experiments, "(papers linking both)")
        _row("Datasets", page.datasets, "(papers linking both)")
    st.subheader("Papers", anchor=False)
    counts = index.papers_of.get(choice, {})
    for paper in index.store.get_papers(page.papers[:25]):
        n = counts.get(paper.key, 0)
        paper_link(paper.key, paper.title_text, paper.year, f"{n} mention{'s' * (n != 1)}")
    if len(page.papers) > 25:
        st.caption(f"…and {len(page.papers) - 25:,} more.")


if __name__ == "__main__":
    render()
