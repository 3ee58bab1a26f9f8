"""Open a store with its models, ready to search and answer: what the CLI, the app and benchmarks call.

The parts meet here and nowhere else: the graph's Retriever gets the extraction models it needs through
their Protocols (the embedder and the build's concept matcher), and the Answerer gets the Retriever.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from hepgraph.answer.answerer import Answerer
from hepgraph.caches import write_cache
from hepgraph.errors import StoreMissingError
from hepgraph.extract.embed import SentenceTransformerEmbedder
from hepgraph.extract.mentions import MentionExtractor
from hepgraph.extract.nlp import load_pipeline
from hepgraph.extract.onnx_embed import OnnxEmbedder, export_onnx, exportable, onnx_path
from hepgraph.extract.vocabulary import Vocabulary, load_vocabulary
from hepgraph.graph.factory import open_store
from hepgraph.graph.retrieve import RetrievalConfig, Retriever
from hepgraph.graph.retrieve_local import AnyRetriever, NeighbourhoodRetriever
from hepgraph.pipeline.concepts import concept_matrix
from hepgraph.protocols import Embedder
from hepgraph.settings import Settings
from hepgraph.store import GraphStore, SeedSearch

if TYPE_CHECKING:  # spaCy is imported through hepgraph.extract, which keeps torch out of its import
    from spacy.language import Language

logger = logging.getLogger(__name__)


def load_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    """The embedding model the store was built with (``settings.embedding_model``)."""
    return SentenceTransformerEmbedder(settings.embedding_model, batch_size=settings.embedding_batch_size)


def load_query_embedder(settings: Settings) -> Embedder:
    """The embedder for questions: the model's ONNX export when cached, else the model itself.

    Without an export, the model is loaded and exported into ``settings.cache_dir`` so the next process
    starts in a fraction of the time; a cache it may not write (a shared, read-only home) only costs that.
    """
    path = onnx_path(settings.cache_dir, settings.embedding_model)
    if path.is_file():
        return OnnxEmbedder(path, settings.embedding_model, batch_size=settings.embedding_batch_size)
    embedder = load_embedder(settings)
    if exportable(embedder):
        write_cache(path, lambda p: export_onnx(embedder, p), what="query encoder (ONNX)")
    return embedder


def build_retriever(
    store: GraphStore,
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    vocabulary: Vocabulary | None = None,
    nlp: Language | None = None,
    config: RetrievalConfig | None = None,
) -> AnyRetriever:
    """A Retriever over ``store`` that links questions as the build linked papers.

    ``vocabulary`` and ``nlp`` default to the shipped vocabulary and ``settings.spacy_model``.
    """
    if next(iter(store.iter_papers(batch_size=1)), None) is None:
        # An empty store (a build that failed before its first record) has nothing to rank.
        msg = (
            f"the graph at {store.location} holds no papers yet: "
            f"build one with `hepgraph --home {settings.home} build PATH...`"
        )
        raise StoreMissingError(msg)
    embedder = embedder if embedder is not None else load_query_embedder(settings)
    vocabulary = vocabulary if vocabulary is not None else load_vocabulary()
    matcher = MentionExtractor(vocabulary, nlp if nlp is not None else load_pipeline(settings.spacy_model))
    vectors = concept_matrix(store, vocabulary, embedder, save=not store.read_only)
    if isinstance(store, SeedSearch):  # seeds and neighbourhood come from the database itself
        return NeighbourhoodRetriever(
            store,
            embedder=embedder,
            matcher=matcher,
            concept_vectors=vectors,
            settings=settings,
            config=config,
        )
    return Retriever(
        store, embedder=embedder, matcher=matcher, concept_vectors=vectors, settings=settings, config=config
    )


def open_retriever(settings: Settings, *, config: RetrievalConfig | None = None) -> AnyRetriever:
    """Open the configured store read-only and build its Retriever."""
    return build_retriever(open_store(settings, create=False, read_only=True), settings, config=config)


def build_answerer(store: GraphStore, settings: Settings, *, embedder: Embedder | None = None) -> Answerer:
    """An Answerer over ``store``: graph retriever, shipped vocabulary, the writers ``settings`` allow."""
    embedder = embedder if embedder is not None else load_query_embedder(settings)
    retriever = build_retriever(store, settings, embedder=embedder)
    return Answerer(retriever, store, settings=settings, embedder=embedder)


def open_answerer(settings: Settings) -> Answerer:
    """Open the configured store read-only and build its Answerer (for the CLI and benchmarks)."""
    return build_answerer(open_store(settings, create=False, read_only=True), settings)
