"""Finding a paper by what a reader remembers: title words, author names, a year range, categories.

Results follow the typing (``live``); an arXiv id or paper key opens that paper directly.
"""

from __future__ import annotations

import re

import streamlit as st

from hepgraph.graph.explore import ExploreIndex
from hepgraph.ids import normalize_arxiv_id
from hepgraph.store import PaperQuery
from hepgraph.ui import state
from hepgraph.ui.markdown import md_text
from hepgraph.ui.views.common import paper_link

SEARCH_BOX = "find_box"
# An identifier (arXiv new and old style, prefixed keys) is looked up when typed, never searched.
_ID_LIKE = re.compile(r"\d{4}\.\d{4,5}(v\d+)?|[a-z\-]+(\.[A-Z]{2})?/\d{7}(v\d+)?|(doi|inspire|ref):\S+")
MAX_RESULTS = 15


def _query(index: ExploreIndex) -> PaperQuery:
    facets = index.facets()
    text = st.text_input(
        "Find a paper",
        key=SEARCH_BOX,
        type="search",
        live=True,
        placeholder="title words, author names or an arXiv id, e.g. adversarial Rothen",
        help="Words of the title and authors' names, in any order; the last word may be unfinished.",
    )
    left, right = st.columns([1, 1])
    lo, hi = facets.first_year, facets.last_year
    years = left.slider("Years", lo, hi, (lo, hi), key="find_years") if lo < hi else (lo, hi)
    cats = right.multiselect(
        "Categories",
        facets.categories,
        key="find_categories",
        placeholder="any arXiv category",
        format_func=lambda c: f"{c} ({facets.category_counts[c]:,})",
    )
    return PaperQuery(
        text=text or "",
        year_from=years[0] if years[0] > lo else None,
        year_to=years[1] if years[1] < hi else None,
        categories=tuple(cats),
    )


def find_paper(index: ExploreIndex) -> str | None:
    """The paper to show (from the URL or an id typed in the box); search results are listed as links."""
    query = _query(index)
    typed = query.text.strip()
    arxiv_id = normalize_arxiv_id(typed) if typed else None
    direct = index.store.resolve_key(arxiv_id or typed) if typed else None
    if direct:
        state.PAPER.set(direct)
        return direct
    if arxiv_id or _ID_LIKE.fullmatch(
        typed
    ):  # an id is not words of a title: say it is not here instead of searching for it
        st.error(f"No paper {md_text(repr(typed))} in this graph. Check the id, or search by title words.")
        return None
    if typed or query.year_from or query.year_to or query.categories:
        keys = index.store.find_papers(query, limit=MAX_RESULTS)
        with st.container(border=True):
            if keys:
                st.caption(
                    f"{len(keys)} best matches" if len(keys) == MAX_RESULTS else f"{len(keys)} matches"
                )
                for paper in index.store.get_papers(keys):
                    paper_link(
                        paper.key, paper.title_text, paper.year, ", ".join(a.name for a in paper.authors[:3])
                    )
            else:
                st.caption("No paper matches: try fewer words, or widen the years and categories.")
    return state.PAPER.get() or None
