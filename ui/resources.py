"""Long-lived resources shared across Streamlit sessions (`st.cache_resource`): settings, store, models.

Everything here must be thread-safe or read-only: Streamlit shares one instance between sessions.
Arguments starting with ``_`` are left out of the cache key, so the store is keyed explicitly by the
home directory and backend it was opened from.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from hepgraph.graph.explore import ExploreIndex
from hepgraph.graph.store import GraphStore
from hepgraph.results import Answer
from hepgraph.settings import Settings


@st.cache_resource(show_spinner=False)
def get_settings() -> Settings:
    """The one settings object, read from the environment once."""
    return Settings()


def _where(settings: Settings) -> str:
    return f"{settings.backend}:{settings.home if settings.backend == 'embedded' else settings.neo4j_uri}"


def get_store(settings: Settings) -> GraphStore:
    """The graph store, opened read-only; raises StoreMissingError when nothing was built."""
    return _open_store(settings, _where(settings))


@st.cache_resource(show_spinner=False)
def _open_store(_settings: Settings, where: str) -> GraphStore:
    from hepgraph.graph.factory import open_store

    return open_store(_settings, create=False, read_only=True)


@st.cache_resource(show_spinner="Loading the embedding model…")
def get_embedder(_settings: Settings, model: str) -> Any:
    """The sentence-transformers model (loaded once per process: ~15 s on 2 cores)."""
    from hepgraph.extract.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model, batch_size=_settings.embedding_batch_size)


def get_answerer(settings: Settings) -> Any:
    """Retriever + writers over the configured store, built once per store."""
    return _build_answerer(settings, _where(settings))


@st.cache_resource(show_spinner="Reading the graph…")
def _build_answerer(_settings: Settings, where: str) -> Any:
    from hepgraph.ui.answer.compose import build_answerer

    embedder = get_embedder(_settings, _settings.embedding_model)
    return build_answerer(get_store(_settings), _settings, embedder=embedder)


@st.cache_data(max_entries=64, show_spinner=False)
def answer(_answerer: Any, where: str, index_hash: str, question: str, seeds: tuple[str, ...]) -> dict:
    """The answer to a question as a dict (cache_data copies values); keyed by store, index and seeds."""
    result: Answer = _answerer.ask(question, seed_nodes=list(seeds))
    return result.model_dump()


def ask(settings: Settings, question: str, seeds: list[str]) -> Answer:
    """Answer ``question`` (a follow-up passes its seed nodes), reusing a cached answer when there is one."""
    store = get_store(settings)
    data = answer(get_answerer(settings), _where(settings), store.index_hash(), question, tuple(seeds))
    return Answer.model_validate(data)


@st.cache_data(max_entries=4, show_spinner=False)
def paper_count(_store: GraphStore, index_hash: str) -> int:
    """Papers in the store (for the sidebar), counted once per index version."""
    return _store.stats().papers


@st.cache_resource(max_entries=2, show_spinner="Indexing the graph for the explorer…")
def _explore_index(_store: GraphStore, where: str, index_hash: str) -> ExploreIndex:
    return ExploreIndex(_store)


def get_explore_index(settings: Settings) -> ExploreIndex:
    """Explorer indexes for the current index version (the hash is part of the cache key)."""
    store = get_store(settings)
    return _explore_index(store, _where(settings), store.index_hash())
