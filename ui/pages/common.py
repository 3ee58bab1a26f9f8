"""Helpers every page uses: open the store or show why it cannot be opened."""

from __future__ import annotations

import re

import streamlit as st

from hepgraph.errors import HepGraphError
from hepgraph.graph.store import GraphStore
from hepgraph.ui import resources

_CITATION = re.compile(r"\[((?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))\]")


def store_or_stop() -> GraphStore:
    """The store, or a clear error on the page and a stop (e.g. nothing built at the home directory)."""
    try:
        return resources.get_store(resources.get_settings())
    except HepGraphError as err:
        st.error(f"**Cannot open the graph.** {err}")
        st.stop()
        raise  # unreachable: st.stop() raises


def link_citations(text: str) -> str:
    """Turn inline [arXiv id] citations into links to the paper's arXiv page."""
    return _CITATION.sub(lambda m: f"[[{m.group(1)}]](https://arxiv.org/abs/{m.group(1)})", text)


def arxiv_url(arxiv_id: str) -> str:
    """The abstract page of a paper on arXiv."""
    return f"https://arxiv.org/abs/{arxiv_id}"
