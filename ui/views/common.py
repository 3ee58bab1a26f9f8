"""Helpers every page uses: the store or a clear reason it cannot be opened, and links between pages.

Every entity the explorer shows (a paper, a concept, an author) is an in-app link to its own page
(`st.page_link` with the entity in the query string), so the graph can be walked by clicking; arXiv is
linked only from a paper's own page.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from hepgraph.errors import HepGraphError
from hepgraph.settings import Settings
from hepgraph.store import GraphStore
from hepgraph.ui import resources, state
from hepgraph.ui.markdown import md_text

ASK_PAGE = "views/ask.py"
PAPER_PAGE = "views/paper.py"
CONCEPT_PAGE = "views/concept.py"
AUTHOR_PAGE = "views/author.py"
MATRIX_PAGE = "views/matrix.py"
_EXTERNAL = ("doi:", "inspire:", "ref:")  # keys of works known only by a DOI or citation key


def settings() -> Settings:
    """The app's one settings object."""
    return resources.get_settings()


def store_or_stop() -> GraphStore:
    """The store, or a clear error on the page and a stop (e.g. nothing built at the home directory)."""
    try:
        return resources.get_store(settings())
    except HepGraphError as err:
        st.error(f"**Cannot open the graph.** {md_text(err)}", icon=":material/error:")
        st.stop()
        raise  # unreachable: st.stop() raises; keeps type checkers from seeing a None return


def shown_id(key: str) -> str:
    """A paper key as a reader knows it: the arXiv id, or the DOI / citation key without its prefix."""
    return key.split(":", 1)[-1] if key.startswith(_EXTERNAL) else key


def paper_link(key: str, title: str, year: int | None = None, extra: str = "") -> None:
    """A paper as one link to its page: title, id, year and an optional note."""
    # An id is letters, digits and punctuation: in a code span it needs no escaping, only no backticks.
    ident = shown_id(key).replace("`", "")
    bits = [md_text(title or key), f"`{ident}`", str(year) if year else "", md_text(extra)]
    st.page_link(PAPER_PAGE, label=" · ".join(b for b in bits if b), query_params={state.PAPER.name: key})


def concept_link(concept_id: str, name: str, count: int | None = None) -> None:
    """A concept (method, topic, experiment, dataset, ...) as a link to its page."""
    label = md_text(name) + (f" ({count:,})" if count is not None else "")
    st.page_link(CONCEPT_PAGE, label=label, query_params={state.CONCEPT.name: concept_id})


def author_link(author_key: str, name: str, count: int | None = None) -> None:
    """An author as a link to the author page."""
    label = md_text(name) + (f" ({count:,})" if count is not None else "")
    st.page_link(AUTHOR_PAGE, label=label, query_params={state.AUTHOR.name: author_key})


def link_row(
    title: str, links: Sequence[tuple[str, str, int | None]], kind: str, help_text: str = ""
) -> None:
    """A labelled row of concept or author links, wrapping like chips: (id, name, count) each."""
    if not links:
        return
    st.markdown(f"**{md_text(title)}**" + (f" :gray[{md_text(help_text)}]" if help_text else ""))
    with st.container(horizontal=True, gap="small"):
        for ident, name, count in links:
            (concept_link if kind == "concept" else author_link)(ident, name, count)


def ask_about(question: str, seeds: Sequence[str], *, key: str) -> None:
    """A button that asks ``question`` on the Ask page, its walk seeded at ``seeds`` (node ids)."""
    if st.button(f"Ask about this: “{md_text(question)}”", key=key, icon=":material/forum:"):
        state.ask(question, seed_nodes=list(seeds))
        st.switch_page(
            ASK_PAGE, query_params={state.QUESTION.name: question, state.SEEDS.name: ",".join(seeds)}
        )
