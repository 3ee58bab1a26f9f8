"""Paper page: find a paper by what you remember, then its authors, concepts with evidence, and neighbours.

A page script: `st.navigation` runs it with ``__name__ == "__main__"``.
"""

from __future__ import annotations

import streamlit as st

from hepgraph.graph.explore import ExploreIndex, PaperPage
from hepgraph.nodes import paper_node
from hepgraph.ui import resources
from hepgraph.ui.markdown import arxiv_url, md_text
from hepgraph.ui.views.common import (
    ask_about,
    author_link,
    concept_link,
    paper_link,
    settings,
    shown_id,
    store_or_stop,
)
from hepgraph.ui.views.find import find_paper

MAX_AUTHORS = 12


def _titled(index: ExploreIndex, keys: list[str], extra: dict[str, str] | None = None) -> None:
    """Papers as links to their pages; keys outside the corpus (cited works) show as bare ids."""
    known = {p.key: p for p in index.store.get_papers(keys)}
    for key in keys:
        p = known.get(key)
        tail = (extra or {}).get(key, "")
        if p:
            paper_link(key, p.title_text, p.year, tail)
        else:
            st.markdown(f"`{md_text(shown_id(key))}` {md_text(tail)}")


def _authors(index: ExploreIndex, page: PaperPage) -> None:
    keys = index.authors_of.get(page.paper.key, [])
    names = index.store.author_names(keys[:MAX_AUTHORS])
    with st.container(horizontal=True, gap="small"):
        for key in keys[:MAX_AUTHORS]:
            author_link(key, names.get(key, key))
        if len(keys) > MAX_AUTHORS:
            st.caption(f"and {len(keys) - MAX_AUTHORS:,} more authors")


def _concepts(index: ExploreIndex, page: PaperPage) -> None:
    st.subheader("Concepts, with evidence", anchor=False)
    for link in page.links:
        concept = index.concepts.get(link.concept_id)
        with st.container(gap=None):
            with st.container(horizontal=True, gap="small", vertical_alignment="center"):
                concept_link(link.concept_id, concept.name if concept else link.concept_id)
                st.caption(
                    f"`{link.rel}` ×{link.count}"
                    + (" · :violet[linked by Claude]" if link.via == "claude" else "")
                )
            if link.evidence:
                st.caption(f"_{md_text(link.evidence[0].sentence)}_")


def render() -> None:
    """Draw the paper page."""
    store_or_stop()
    index = resources.get_explore_index(settings())
    key = find_paper(index)
    if key is None:
        return
    page = index.paper_page(key)
    if page is None:
        st.error(f"No paper {md_text(repr(key))} in this graph. Search it by title words or author above.")
        return
    p = page.paper
    st.header(md_text(p.title_text or p.key), anchor=False)
    st.caption(md_text(" · ".join(x for x in (p.primary_category, p.date, p.journal_ref) if x)))
    _authors(index, page)
    if p.arxiv_id:
        st.markdown(f"arXiv: [{md_text(p.arxiv_id)}]({arxiv_url(p.arxiv_id)})")
    if p.abstract_text:
        with st.expander("Abstract"):
            st.markdown(md_text(p.abstract_text))
    title = p.title_text or p.key
    ask_about(
        f"What does “{title}” find, and what does other work say about it?",
        [paper_node(p.key)],
        key="ask_paper",
    )
    _concepts(index, page)
    cols = st.columns(3, gap="large")
    with cols[0]:
        st.markdown(f"**Similar** ({len(page.similar)})")
        _titled(index, [k for k, _ in page.similar], {k: f"{s:.2f}" for k, s in page.similar})
    with cols[1]:
        st.markdown(f"**Cites** ({len(page.cites)})")
        _titled(index, page.cites[:15])
    with cols[2]:
        st.markdown(f"**Cited by** ({len(page.cited_by)})")
        _titled(index, page.cited_by[:15])


if __name__ == "__main__":
    render()
