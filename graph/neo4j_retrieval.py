"""Retrieval push-down (vector, full-text, neighbourhood, GDS PageRank) and console reads on Neo4j."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

import neo4j
import numpy as np
from neo4j.exceptions import DriverError, Neo4jError

from hepgraph.graph import cypher as q
from hepgraph.graph import neo4j_rows as rows
from hepgraph.graph.neo4j_base import Neo4jBase

logger = logging.getLogger(__name__)


class Neo4jRetrieval(Neo4jBase):
    """The reads retrieval and the console push down to the server; Neo4jStore inherits them."""

    def vector_seeds(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` papers nearest ``vector`` in the paper vector index."""
        found = self._read(q.VECTOR_SEEDS, k=k, vector=np.asarray(vector, dtype=np.float32).tolist())
        return [(r["key"], float(r["score"])) for r in found]

    def fulltext_seeds(self, text: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` best full-text matches of ``text`` (escaped: a question is words, not Lucene syntax)."""
        found = self._read(q.FULLTEXT_SEEDS, q=rows.lucene_escape(text), k=k)
        return [(r["key"], float(r["score"])) for r in found]

    def neighbourhood(self, seeds: Sequence[str], *, fanout: int = 50) -> list[tuple[str, str, str, float]]:
        """(source, rel, target, weight) edges of the seeds' two-hop neighbourhood (hepgraph.nodes ids)."""
        found = self._read(q.NEIGHBOURHOOD, seeds=list(seeds), rels=list(q.GRAPH_RELS), fanout=fanout)
        return [(r["source"], r["rel"], r["target"], float(r["weight"])) for r in found]

    def paper_details(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        """Key, arXiv id, title, date, categories and concept names of papers, in one query."""
        return self._read(q.PAPER_DETAILS, keys=list(keys), rels=list(q.LINK_RELS))

    def gds_available(self) -> bool:
        """Whether the Graph Data Science plugin's PageRank is installed."""
        return bool(self._read(q.GDS_AVAILABLE)[0]["n"])

    def gds_personalized_pagerank(
        self,
        seeds: Sequence[str],
        paper_keys: Sequence[str],
        concept_ids: Sequence[str],
        *,
        damping: float = 0.85,
        iterations: int = 20,
        limit: int = 100,
    ) -> list[tuple[str, float]]:
        """Personalized PageRank with GDS on a projection of the given nodes, dropped afterwards."""
        name = f"hepgraph_ppr_{uuid.uuid4().hex[:12]}"
        self._write(
            lambda tx: rows.data(
                tx,
                q.GDS_PROJECT,
                graph_name=name,
                paper_keys=list(paper_keys),
                concept_ids=list(concept_ids),
                rels=list(q.GRAPH_RELS),
            )
        )
        try:
            found = self._read(
                q.GDS_PAGERANK,
                graph_name=name,
                seeds=list(seeds),
                damping=damping,
                iterations=iterations,
                limit=limit,
            )
        finally:
            self._write(lambda tx: rows.data(tx, q.GDS_DROP, graph_name=name))
        return [(r["node"], float(r["score"])) for r in found]

    def console_read(
        self, query: str, *, row_limit: int, timeout_s: float
    ) -> tuple[list[str], list[list[Any]], bool]:
        """Run a console query in a READ-access session with a server-side timeout; <= ``row_limit`` rows."""

        def call() -> tuple[list[str], list[list[Any]], bool]:
            with self._session_factory(neo4j.READ_ACCESS) as session:
                result = session.run(neo4j.Query(query, timeout=timeout_s))  # type: ignore[arg-type]
                records = result.fetch(row_limit + 1)
                return (
                    list(result.keys()),
                    [list(r.values()) for r in records[:row_limit]],
                    len(records) > row_limit,
                )

        try:
            return call()
        except (Neo4jError, DriverError) as err:
            raise rows.wrap_error(err, self.uri) from err
