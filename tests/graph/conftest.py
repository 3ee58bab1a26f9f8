"""Fixtures for the retrieval tests: a real ~300-paper HEP-ML slice built once per session.

The slice goes through the real pipeline (spaCy matchers, shipped vocabulary, embedding model, SQLite store).
"""

from __future__ import annotations

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
