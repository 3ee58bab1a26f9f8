"""Long-lived resources shared across Streamlit sessions (`st.cache_resource`): settings, store, models.

Everything here must be thread-safe or read-only: Streamlit shares one instance between sessions.
"""

from __future__ import annotations

import streamlit as st

from hepgraph.graph.explore import ExploreIndex
from hepgraph.graph.store import GraphStore
from hepgraph.settings import Settings


@st.cache_resource
def get_settings() -> Settings:
    """The one settings object, read from the environment once."""
    return Settings()


@st.cache_resource
def get_store(_settings: Settings) -> GraphStore:
    """The graph store, opened read-only; raises StoreMissingError when nothing was built."""
    from hepgraph.graph.factory import open_store

    return open_store(_settings, create=False, read_only=True)


@st.cache_resource
def get_embedder(_settings: Settings):  # type: ignore[no-untyped-def]
    """The sentence-transformers model (loaded once: ~15 s on 2 cores)."""
    from hepgraph.extract.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(_settings.embedding_model, batch_size=_settings.embedding_batch_size)


@st.cache_resource
def get_answerer(_settings: Settings):  # type: ignore[no-untyped-def]
    """Retriever + writers over the store, built once."""
    from hepgraph.ui.answer.compose import build_answerer

    return build_answerer(get_store(_settings), _settings, embedder=get_embedder(_settings))


@st.cache_resource(max_entries=2)
def get_explore_index(_store: GraphStore, index_hash: str) -> ExploreIndex:
    """Explorer indexes for one index version (the hash is the cache key)."""
    return ExploreIndex(_store)
