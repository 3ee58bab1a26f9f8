"""Status: backend, corpus size, snapshot date, index hash, models, and whether an API key is set.

A page script: `st.navigation` runs it with ``__name__ == "__main__"``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hepgraph.ui import charts
from hepgraph.ui.views.common import settings, store_or_stop


def render() -> None:
    """Draw the status page (never shows a secret, only whether it is present)."""
    store = store_or_stop()
    cfg = settings()
    stats = store.stats()
    cols = st.columns(4)
    cols[0].metric("Papers", f"{stats.papers:,}")
    cols[1].metric("With abstract", f"{stats.papers_with_abstract:,}")
    cols[2].metric("Concepts", f"{stats.concepts:,}")
    cols[3].metric("Citations", f"{stats.citations:,}")
    size = f"{stats.papers:,} papers, {stats.authors:,} authors, {stats.external_works:,} cited works"
    rows = {
        "backend": store.backend,
        "location": store.location,
        "corpus size": size,
        "snapshot date": store.get_meta("snapshot_date") or "unknown",
        "index hash": store.index_hash(),
        "embedding model": store.get_meta("embedding_model") or cfg.embedding_model,
        "spaCy pipeline": store.get_meta("spacy_model") or cfg.spacy_model,
        "vocabulary version": store.get_meta("vocabulary_version") or "unknown",
        "answer writer": f"Claude ({cfg.anthropic_model})" if cfg.anthropic_api_key else "offline extractive",
        # Only presence: the key itself is a SecretStr and is never rendered.
        "Anthropic API key": "present" if cfg.anthropic_api_key else "not set",
    }
    st.subheader("This graph", anchor=False)
    st.dataframe(
        pd.DataFrame({"setting": list(rows), "value": list(rows.values())}), hide_index=True, width="stretch"
    )
    st.subheader("Edges by type", anchor=False)
    st.altair_chart(charts.count_bars(stats.edges, what="edges"), width="stretch")


if __name__ == "__main__":
    render()
