"""Open the configured GraphStore backend from Settings."""

from __future__ import annotations

from hepgraph.caches import writable
from hepgraph.errors import ConfigError, GraphStoreError, StoreMissingError
from hepgraph.graph.embedded import EmbeddedStore
from hepgraph.settings import Settings
from hepgraph.store import GraphStore


def open_store(settings: Settings, *, create: bool = True, read_only: bool = False) -> GraphStore:
    """Open the store ``settings.backend`` names.

    Args:
        settings: the one settings object.
        create: create the embedded store when missing; with False a missing store raises
            StoreMissingError, which readers (search, ask, the UI) want.
        read_only: open the store read-only (the UI, search and answers): writes are refused.

    The one place that knows the backends by name; everything else holds a GraphStore.
    """
    if settings.backend == "embedded":
        path = settings.store_path
        if settings.home.exists() and not settings.home.is_dir():
            msg = f"--home {settings.home} is a file, not a folder: point --home / HEPGRAPH_HOME at a folder"
            raise ConfigError(msg)
        if not create and not path.exists():
            msg = (
                f"no graph at {path}: build one first with `hepgraph --home {settings.home} build PATH...` "
                "(or point --home / HEPGRAPH_HOME at an existing one)"
            )
            raise StoreMissingError(msg)
        if not read_only and not (writable(settings.home) and writable(path)):
            msg = (
                f"--home {settings.home} is read-only, and this command writes the graph there: point "
                "--home / HEPGRAPH_HOME at a writable folder (or a writable copy); search, ask and stats "
                "can still read this one"
            )
            raise GraphStoreError(msg)
        store: GraphStore = EmbeddedStore(path, read_only=read_only)
        if not read_only:
            store.ensure_schema()
        return store
    if settings.backend == "neo4j":
        if not settings.neo4j_uri:
            msg = (
                "backend is neo4j but NEO4J_URI is not set: "
                "export NEO4J_URI=neo4j://host:7687 (and NEO4J_PASSWORD)"
            )
            raise ConfigError(msg)
        from hepgraph.graph.neo4j import Neo4jStore  # the driver loads only for this backend

        return Neo4jStore.from_settings(settings, read_only=read_only)
    msg = f"unknown backend {settings.backend!r}: use 'embedded' or 'neo4j'"
    raise ConfigError(msg)
