"""Explore: a concept page, a paper page, and the method x topic matrix with its empty cells."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from hepgraph.graph.explore import ConceptSummary, ExploreIndex
from hepgraph.ui import resources, state
from hepgraph.ui.pages.common import arxiv_url, store_or_stop


def _index() -> ExploreIndex:
    store = store_or_stop()
    return resources.get_explore_index(store, store.index_hash())


def _concept_links(items: list[ConceptSummary], label: str) -> None:
    if not items:
        return
    st.markdown(f"**{label}:** " + " · ".join(f"{c.name} ({c.papers})" for c in items))


def render_concept() -> None:
    """Concept page: papers over time, neighbours, hierarchy, experiments and datasets around it."""
    index = _index()
    options = index.linked_concepts()
    if not options:
        st.info("No concept is linked yet: build the graph with `hepgraph build PATH`.")
        return
    ids = [c.id for c in options]
    current = state.CONCEPT.get()
    choice = st.selectbox(
        "Concept", ids, index=ids.index(current) if current in ids else 0,
        format_func=lambda cid: f"{index.concepts[cid].name} · {index.concepts[cid].type} ({index.summary(cid).papers})",
    )
    state.CONCEPT.set(choice)
    page = index.concept_page(choice)
    st.header(page.concept.name)
    st.caption(f"{page.concept.type} · {page.concept.id} · {len(page.papers)} papers")
    if page.concept.description:
        st.write(page.concept.description)
    if page.by_year:
        df = pd.DataFrame({"year": list(page.by_year), "papers": list(page.by_year.values())})
        st.altair_chart(
            alt.Chart(df).mark_bar().encode(x="year:O", y="papers:Q", tooltip=["year", "papers"]).properties(height=200),
            width="stretch",
        )
    _concept_links(page.parents, "Is a")
    _concept_links(page.children, "Kinds")
    _concept_links(page.neighbours, "Neighbours")
    _concept_links(page.experiments, "Experiments")
    _concept_links(page.datasets, "Datasets")
    st.subheader("Papers")
    for paper in index.store.get_papers(page.papers[:25]):
        st.markdown(f"- [{paper.title_text}]({arxiv_url(paper.arxiv_id or paper.key)}) · {paper.year or ''}")


def render_paper() -> None:
    """Paper page: its concepts with evidence, similar, citing and cited papers."""
    index = _index()
    key = st.text_input("arXiv id or paper key", value=state.PAPER.get(), placeholder="e.g. 2203.12345")
    if not key:
        st.caption("Enter an id, or open one from a source list.")
        return
    resolved = index.store.resolve_key(key.strip()) or key.strip()
    page = index.paper_page(resolved)
    if page is None:
        st.error(f"No paper {key!r} in this graph. Check the id (e.g. 2505.13228 or hep-ph/9709356).")
        return
    state.PAPER.set(resolved)
    p = page.paper
    st.header(p.title_text or p.key)
    st.caption(" · ".join(str(x) for x in (p.primary_category, p.date, p.key) if x))
    if p.abstract_text:
        st.write(p.abstract_text)
    st.subheader("Concepts, with evidence")
    for link in page.links:
        name = index.concepts[link.concept_id].name if link.concept_id in index.concepts else link.concept_id
        ev = link.evidence[0].sentence if link.evidence else ""
        st.markdown(f"- **{name}** ({link.rel}, ×{link.count}): {ev}")
    cols = st.columns(3)
    with cols[0]:
        st.markdown("**Similar**")
        for other, score in page.similar:
            st.caption(f"{other} ({score:.2f})")
    with cols[1]:
        st.markdown(f"**Cites** ({len(page.cites)})")
        for other in page.cites[:15]:
            st.caption(other)
    with cols[2]:
        st.markdown(f"**Cited by** ({len(page.cited_by)})")
        for other in page.cited_by[:15]:
            st.caption(other)


def render_matrix() -> None:
    """Method x topic matrix; empty cells are combinations nobody in the archive has tried."""
    index = _index()
    cells = index.method_topic_matrix()
    if not cells:
        st.info("No methods or topics are linked yet.")
        return
    df = pd.DataFrame([c.model_dump() for c in cells])
    empty = int((df["papers"] == 0).sum())
    st.caption(f"{empty} of {len(df)} method × topic cells have no paper: candidate directions nobody here has tried.")
    base = alt.Chart(df).encode(x=alt.X("topic:N", title=None), y=alt.Y("method:N", title=None))
    heat = base.mark_rect(stroke="#ddd").encode(
        color=alt.condition("datum.papers == 0", alt.value("#ffffff"),
                            alt.Color("papers:Q", scale=alt.Scale(type="log"), legend=None)),
        tooltip=["method", "topic", "papers"],
    )
    text = base.mark_text(fontSize=10).encode(text=alt.Text("papers:Q"))
    st.altair_chart((heat + text).properties(height=28 * df["method"].nunique()), width="stretch")
