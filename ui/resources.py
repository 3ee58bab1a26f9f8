"""Long-lived resources shared across Streamlit sessions (`st.cache_resource`): settings, store, models.

Everything here must be thread-safe or read-only: Streamlit shares one instance between sessions.
Arguments starting with ``_`` are left out of the cache key, so the store is keyed explicitly by the
home directory and backend it was opened from.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator

import streamlit as st

from hepgraph.answer.answerer import Answerer
from hepgraph.graph.explore import ExploreIndex
from hepgraph.graph.factory import open_store
from hepgraph.pipeline.runtime import build_answerer, load_query_embedder
from hepgraph.protocols import Embedder
from hepgraph.results import Answer
from hepgraph.settings import Settings, load_settings
from hepgraph.store import GraphStore


@st.cache_resource(show_spinner=False)
def get_settings() -> Settings:
    """The one settings object, read from the environment once."""
    return load_settings()


def _where(settings: Settings) -> str:
    return f"{settings.backend}:{settings.home if settings.backend == 'embedded' else settings.neo4j_uri}"


def get_store(settings: Settings) -> GraphStore:
    """The graph store, opened read-only; raises StoreMissingError when nothing was built."""
    return _open_store(settings, _where(settings))


@st.cache_resource(show_spinner=False)
def _open_store(_settings: Settings, where: str) -> GraphStore:
    return open_store(_settings, create=False, read_only=True)


@st.cache_resource(show_spinner=False)  # the Ask page shows one spinner that says what is loading
def get_embedder(_settings: Settings, model: str) -> Embedder:
    """The question embedder (loaded once per process; see load_query_embedder)."""
    return load_query_embedder(_settings)


def get_answerer(settings: Settings) -> Answerer:
    """Retriever + writers over the configured store, built once per store."""
    return _build_answerer(settings, _where(settings))


_READY: set[str] = set()  # stores whose answerer is built (set.add is atomic: no lock needed)


def answerer_ready(settings: Settings) -> bool:
    """Whether the answerer of the configured store is loaded, so a question only walks the graph."""
    return _where(settings) in _READY


@st.cache_resource(show_spinner=False)
def _build_answerer(_settings: Settings, where: str) -> Answerer:
    embedder = get_embedder(_settings, _settings.embedding_model)
    answerer = build_answerer(get_store(_settings), _settings, embedder=embedder)
    _READY.add(where)
    return answerer


class AnswerCache:
    """The last ``size`` answers, kept as dicts and shared by all sessions.

    A plain LRU instead of ``st.cache_data``: answers are streamed sentence by sentence, and a generator
    cannot be cached; the finished Answer is stored when the stream ends. Sessions run in threads, hence
    the lock.
    """

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, ...], dict] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> Answer | None:
        """The cached answer for ``key``, or None."""
        with self._lock:
            data = self._items.get(key)
            if data is None:
                return None
            self._items.move_to_end(key)
        return Answer.model_validate(data)

    def put(self, key: tuple[str, ...], answer: Answer) -> None:
        """Store ``answer``, dropping the least recently used one beyond ``size``."""
        with self._lock:
            # round_trip: without the computed fields (relevance), which validation would refuse
            self._items[key] = answer.model_dump(round_trip=True)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


@st.cache_resource(show_spinner=False)
def _answer_cache() -> AnswerCache:
    return AnswerCache()


def _answer_key(settings: Settings, question: str, seeds: list[str]) -> tuple[str, ...]:
    """Store, index version, question and seeds: a rebuilt index never serves an old answer."""
    return (_where(settings), get_store(settings).index_hash(), question, ",".join(seeds))


def cached_answer(settings: Settings, question: str, seeds: list[str]) -> Answer | None:
    """The answer already given to this question and seeds on this index version, if any."""
    return _answer_cache().get(_answer_key(settings, question, seeds))


def stream_answer(settings: Settings, question: str, seeds: list[str]) -> Iterator[str | Answer]:
    """Sentences of the answer as they are written, then the finished Answer (which is cached)."""
    key = _answer_key(settings, question, seeds)
    for item in get_answerer(settings).stream_ask(question, seed_nodes=list(seeds)):
        if isinstance(item, Answer):
            _answer_cache().put(key, item)
        yield item


def ask(settings: Settings, question: str, seeds: list[str]) -> Answer:
    """Answer ``question`` (a follow-up passes its seed nodes), reusing a cached answer when there is one."""
    found = cached_answer(settings, question, seeds)
    if found is not None:
        return found
    final = [item for item in stream_answer(settings, question, seeds) if isinstance(item, Answer)]
    return final[-1]


@st.cache_data(max_entries=4, show_spinner=False)
def paper_count(_store: GraphStore, index_hash: str) -> int:
    """Papers in the store (for the sidebar), counted once per index version."""
    return _store.stats().papers


@st.cache_resource(
    max_entries=2, show_spinner="Reading the graph's links, citations and authors for the explorer…"
)
def _explore_index(_store: GraphStore, where: str, index_hash: str) -> ExploreIndex:
    return ExploreIndex(_store)


def get_explore_index(settings: Settings) -> ExploreIndex:
    """Explorer indexes for the current index version (the hash is part of the cache key)."""
    store = get_store(settings)
    return _explore_index(store, _where(settings), store.index_hash())
