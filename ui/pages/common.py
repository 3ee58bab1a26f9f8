"""Helpers every page uses: the store or a clear reason it cannot be opened, and links to arXiv."""

from __future__ import annotations

import re

import streamlit as st

from hepgraph.errors import HepGraphError
from hepgraph.settings import Settings
from hepgraph.store import GraphStore
from hepgraph.ui import resources

_CITATION = re.compile(r"\[((?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))\]")


def settings() -> Settings:
    """The app's one settings object."""
    return resources.get_settings()


def store_or_stop() -> GraphStore:
    """The store, or a clear error on the page and a stop (e.g. nothing built at the home directory)."""
    try:
        return resources.get_store(settings())
    except HepGraphError as err:
        st.error(f"**Cannot open the graph.** {err}", icon=":material/error:")
        st.stop()
        raise  # unreachable: st.stop() raises; keeps type checkers from seeing a None return


def link_citations(text: str) -> str:
    """Turn inline [arXiv id] citations into links to the paper's arXiv page."""
    return _CITATION.sub(lambda m: f"[[{m.group(1)}]]({arxiv_url(m.group(1))})", text)


def arxiv_url(arxiv_id: str) -> str:
    """The abstract page of a paper on arXiv."""
    return f"https://arxiv.org/abs/{arxiv_id}"


def paper_line(key: str, title: str, year: int | None, extra: str = "") -> str:
    """One markdown line naming a paper: linked title, id and year (the explorer's list style)."""
    ident = key.split(":", 1)[-1] if key.startswith(("doi:", "inspire:", "ref:")) else key
    link = (
        f"[{title or key}]({arxiv_url(key)})" if not key.startswith(("doi:", "inspire:", "ref:")) else title
    )
    bits = [link, f"`{ident}`", str(year) if year else "", extra]
    return " · ".join(b for b in bits if b)
