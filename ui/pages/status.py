"""Status: backend, corpus size, snapshot date, index hash, models, and whether an API key is set."""

from __future__ import annotations

import streamlit as st

from hepgraph.ui import resources
from hepgraph.ui.pages.common import store_or_stop


def render() -> None:
    """Draw the status page (never shows a secret, only whether it is present)."""
    store = store_or_stop()
    settings = resources.get_settings()
    stats = store.stats()
    cols = st.columns(4)
    cols[0].metric("Papers", f"{stats.papers:,}")
    cols[1].metric("With abstract", f"{stats.papers_with_abstract:,}")
    cols[2].metric("Concepts", f"{stats.concepts:,}")
    cols[3].metric("Citations", f"{stats.citations:,}")
    rows = {
        "backend": store.backend,
        "home": str(settings.home) if store.backend == "embedded" else settings.neo4j_uri or "",
        "snapshot date": store.get_meta("snapshot_date") or "unknown",
        "index hash": store.index_hash(),
        "embedding model": store.get_meta("embedding_model") or settings.embedding_model,
        "vocabulary version": store.get_meta("vocabulary_version") or "unknown",
        "spaCy pipeline": store.get_meta("spacy_model") or settings.spacy_model,
        "answer writer": f"Claude ({settings.anthropic_model})" if settings.anthropic_api_key else "offline",
        "Anthropic API key": "present" if settings.anthropic_api_key else "not set",
    }
    st.table({"": list(rows), "value": list(rows.values())})
    st.subheader("Edges by type")
    st.table({"type": list(stats.edges), "count": [f"{v:,}" for v in stats.edges.values()]})
