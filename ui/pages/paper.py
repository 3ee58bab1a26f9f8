"""Paper page: a paper's concepts with evidence, its similar papers, what it cites and what cites it.

A page script: `st.navigation` runs it with ``__name__ == "__main__"``.
"""

from __future__ import annotations

import streamlit as st

from hepgraph.graph.explore import ExploreIndex
from hepgraph.ui import resources, state
from hepgraph.ui.markdown import arxiv_url, md_text
from hepgraph.ui.pages.common import paper_line, settings, store_or_stop


def _titled(index: ExploreIndex, keys: list[str], extra: dict[str, str] | None = None) -> None:
    """Papers as linked lines; keys outside the corpus (cited works) show as bare ids."""
    known = {p.key: p for p in index.store.get_papers(keys)}
    for key in keys:
        p = known.get(key)
        tail = (extra or {}).get(key, "")
        st.markdown("- " + (paper_line(key, p.title_text, p.year, tail) if p else f"`{key}` {md_text(tail)}"))


def render() -> None:
    """Draw the paper page."""
    store_or_stop()
    index = resources.get_explore_index(settings())
    if "paper_box" not in st.session_state:
        st.session_state["paper_box"] = state.PAPER.get()
    key = st.text_input("arXiv id or paper key", key="paper_box", placeholder="e.g. 2202.03772")
    if not key.strip():
        st.caption("Enter an arXiv id, e.g. one from an answer's sources.")
        return
    resolved = index.store.resolve_key(key.strip()) or key.strip()
    page = index.paper_page(resolved)
    if page is None:
        st.error(
            f"No paper {md_text(repr(key.strip()))} in this graph. "
            "Check the id (e.g. 2505.13228 or hep-ph/9709356)."
        )
        return
    state.PAPER.set(resolved)
    p = page.paper
    st.header(md_text(p.title_text or p.key), anchor=False)
    authors = ", ".join(a.name for a in p.authors[:6]) + (" et al." if len(p.authors) > 6 else "")
    st.caption(md_text(" · ".join(x for x in (authors, p.primary_category, p.date, p.journal_ref) if x)))
    if p.arxiv_id:
        st.markdown(f"[arxiv.org/abs/{p.arxiv_id}]({arxiv_url(p.arxiv_id)})")
    if p.abstract_text:
        with st.expander("Abstract"):
            st.markdown(md_text(p.abstract_text))
    st.subheader("Concepts, with evidence", anchor=False)
    for link in page.links:
        concept = index.concepts.get(link.concept_id)
        name = concept.name if concept else link.concept_id
        ev = f": _{md_text(link.evidence[0].sentence)}_" if link.evidence else ""
        by = " · :violet[linked by Claude]" if link.via == "claude" else ""
        st.markdown(f"- **{md_text(name)}** `{link.rel}` ×{link.count}{by}{ev}")
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
