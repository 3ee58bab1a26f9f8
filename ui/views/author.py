"""Author page: an author's papers, co-authors, and the methods they used, year by year.

A page script: `st.navigation` runs it with ``__name__ == "__main__"``.
"""

from __future__ import annotations

from collections import Counter

import altair as alt
import pandas as pd
import streamlit as st

from hepgraph.graph.explore import AuthorPage, ExploreIndex
from hepgraph.nodes import author_node
from hepgraph.ui import resources, state
from hepgraph.ui.markdown import md_text
from hepgraph.ui.views.common import ask_about, link_row, paper_link, settings, store_or_stop

MAX_PAPERS = 30


def _methods_chart(index: ExploreIndex, page: AuthorPage, *, top: int = 12) -> alt.Chart | None:
    """The author's ``top`` methods (rows) by year (columns): a dot per year used, sized by papers."""
    total: Counter[str] = Counter()
    for used in page.methods_by_year.values():
        total.update(dict(used))
    kept = {cid for cid, _ in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:top]}
    rows = [
        {"year": year, "method": index.concepts[cid].name, "papers": n}
        for year, used in page.methods_by_year.items()
        for cid, n in used
        if cid in kept
    ]
    if not rows:
        return None
    df = pd.DataFrame(rows)
    order = [
        index.concepts[cid].name for cid, _ in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    ]
    many_years = df["year"].nunique() > 6
    return (
        alt.Chart(df)
        .mark_circle(color="#f58518")
        .encode(
            x=alt.X(
                "year:O", title=None, axis=alt.Axis(labelAngle=-90 if many_years else 0, labelOverlap=False)
            ),
            y=alt.Y("method:N", title=None, sort=order, axis=alt.Axis(labelLimit=260, labelOverlap=False)),
            size=alt.Size("papers:Q", legend=alt.Legend(title="papers", format="d", tickMinStep=1)),
            tooltip=["year", "method", alt.Tooltip("papers:Q", format="d")],
        )
        .properties(height=alt.Step(22), title=f"Methods over time (the {len(order)} used most)")
    )


def render() -> None:
    """Draw the author page."""
    store_or_stop()
    index = resources.get_explore_index(settings())
    key = state.AUTHOR.get()
    if not key:
        st.info("Open an author from a paper page (its author names are links), or search papers by author.")
        return
    page = index.author_page(key)
    if page is None:
        st.error(f"No author {md_text(repr(key))} in this graph. Open one from a paper page.")
        return
    st.header(md_text(page.name), anchor=False)
    n = len(page.papers)
    # A key is letters, digits and underscores: in a code span it needs no escaping, only no backticks.
    st.caption(f"{n:,} paper{'s' * (n != 1)} in this graph · author key `{page.key.replace('`', '')}`")
    ask_about(f"What has {page.name} worked on?", [author_node(page.key)], key="ask_author")
    left, right = st.columns([3, 2], gap="large")
    with left:
        chart = _methods_chart(index, page)
        if chart is not None:
            st.altair_chart(chart, width="stretch")
        else:
            st.caption("No method concept is linked from these papers.")
    with right:
        link_row("Co-authors", page.coauthors, "author", "(shared papers)")
    st.subheader("Papers", anchor=False)
    papers = {p.key: p for p in index.store.get_papers(page.papers[:MAX_PAPERS])}
    for k in page.papers[:MAX_PAPERS]:
        if k in papers:
            paper_link(k, papers[k].title_text, papers[k].year)
    if len(page.papers) > MAX_PAPERS:
        st.caption(f"…and {len(page.papers) - MAX_PAPERS:,} more.")


if __name__ == "__main__":
    render()
