"""Fixtures for the retrieval tests: a real ~300-paper HEP-ML slice built once per session.

The slice goes through the real pipeline (spaCy matchers, shipped vocabulary, embedding model, SQLite store).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hepgraph.extract.vocabulary import load_vocabulary
from hepgraph.graph.embedded import EmbeddedStore
from hepgraph.pipeline.build import build
from hepgraph.pipeline.runtime import build_retriever
from hepgraph.settings import Settings


@dataclass
class SliceGraph:
    """A built store, the models it was built with, and a retriever over it."""

    settings: Settings
    store: Any
    embedder: Any
    vocabulary: Any
    retriever: Any


@pytest.fixture(scope="session")
def walk_embedder(answer_embedder: Any) -> Any:
    """The real embedding model, loaded once for the whole session (tests/graphs.py)."""
    return answer_embedder


@pytest.fixture(scope="session")
def slice_graph(
    hepml_slice_file: Path, tmp_path_factory: pytest.TempPathFactory, walk_embedder: Any
) -> SliceGraph:
    """The hepml slice indexed by `pipeline.build` into an embedded store, with its Retriever."""
    home = tmp_path_factory.mktemp("walk-slice-home")
    settings = Settings(home=home, anthropic_api_key=None)
    store = EmbeddedStore(settings.store_path)
    store.ensure_schema()
    vocabulary = load_vocabulary()
    build([hepml_slice_file], store=store, settings=settings, embedder=walk_embedder, vocabulary=vocabulary)
    retriever = build_retriever(store, settings, embedder=walk_embedder, vocabulary=vocabulary)
    return SliceGraph(settings, store, walk_embedder, vocabulary, retriever)


@pytest.fixture(scope="module")
def neo4j_slice(slice_graph: SliceGraph) -> Iterator[Any]:
    """The live Neo4j at NEO4J_URI holding the slice, pushed through the GraphStore Protocol.

    Module-scoped: other modules wipe the same database, so each module pushes its own copy.
    """
    from hepgraph.graph.neo4j import Neo4jStore
    from hepgraph.pipeline.neo4j_copy import copy_store

    settings = Settings()
    store = Neo4jStore.from_settings(settings)
    store.wipe(confirm=settings.neo4j_database)
    store.ensure_schema()
    copy_store(slice_graph.store, store, model=settings.embedding_model, tick=lambda _phase, _n: None)
    yield store
    store.close()
