"""Helpers every page uses: the store or a clear reason it cannot be opened, and links to arXiv."""

from __future__ import annotations

import streamlit as st

from hepgraph.errors import HepGraphError
from hepgraph.settings import Settings
from hepgraph.store import GraphStore
from hepgraph.ui import resources
from hepgraph.ui.markdown import arxiv_url, md_text


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


def paper_line(key: str, title: str, year: int | None, extra: str = "") -> str:
    """One markdown line naming a paper: linked title, id and year (the explorer's list style)."""
    ident = key.split(":", 1)[-1] if key.startswith(("doi:", "inspire:", "ref:")) else key
    shown = md_text(title or key)
    link = f"[{shown}]({arxiv_url(key)})" if not key.startswith(("doi:", "inspire:", "ref:")) else shown
    bits = [link, f"`{ident}`", str(year) if year else "", md_text(extra)]
    return " · ".join(b for b in bits if b)
