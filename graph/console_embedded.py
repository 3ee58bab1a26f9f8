"""The embedded store's console engine: grand-cypher over a networkx view of the store.

The view is built from the GraphStore iterators and cached per index hash. Python cannot stop a running
thread, so a query past its timeout is abandoned (its daemon thread finishes in the background) and the
call raises QueryError.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import networkx as nx

from hepgraph.errors import QueryError
from hepgraph.graph.console_results import from_grandcypher
from hepgraph.nodes import author_node, concept_node, paper_node
from hepgraph.store import ConsoleAnswer, GraphData

logger = logging.getLogger(__name__)

EMBEDDED_SUBSET_NOTE = (
    "Embedded backend: queries run with grand-cypher over an in-memory view of the graph, a Cypher subset: "
    "MATCH (several, with labels, {property: value} maps, typed and variable-length relationships *1..2), "
    "WHERE (= <> < > <= >= IN, CONTAINS, STARTS WITH, ENDS WITH, AND/OR/NOT, EXISTS {}), RETURN with "
    "DISTINCT and AS, COUNT/SUM/AVG/MIN/MAX/COLLECT (upper case), ORDER BY, SKIP, LIMIT; strings in double "
    "quotes. Not supported: OPTIONAL MATCH, WITH, UNWIND, CALL, parameters, path functions. "
    "Nodes: Paper (key, "
    "arxiv_id, title, year, category), Concept (id, name, type), Author (key, name); relationships: CITES "
    "(between indexed papers), USES_METHOD/ADDRESSES/STUDIES/FROM_EXPERIMENT/USES_DATASET/STUDIES_PROCESS "
    "(count), IS_A, SIMILAR (score), WROTE. A query past its timeout is abandoned, not killed."
)


def console_answer(store: GraphData, query: str, *, row_limit: int, timeout_s: float) -> ConsoleAnswer:
    """The embedded store's console answer to ``query`` (already checked read-only)."""
    raw = run_grand_cypher(console_graph(store), query, row_limit=row_limit, timeout_s=timeout_s)
    return ConsoleAnswer(**from_grandcypher(query, raw, row_limit))


def run_grand_cypher(graph: nx.MultiDiGraph, query: str, *, row_limit: int, timeout_s: float) -> dict:
    """grand-cypher in a daemon thread; past ``timeout_s`` the result is abandoned and QueryError raised."""
    # Imported here: its Lark grammar takes a while to build, and only the console needs it.
    from grandcypher import GrandCypher

    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["result"] = GrandCypher(graph, limit=row_limit + 1).run(query)
        except Exception as err:  # noqa: BLE001 - re-raised as QueryError in the caller's thread
            box["error"] = err

    worker = threading.Thread(target=work, name="hepgraph-console", daemon=True)
    start = time.perf_counter()
    worker.start()
    worker.join(timeout_s)
    # A query that finished only after its time ran out is refused too: whether a busy machine let the
    # worker finish before join() returned must not decide what the user gets.
    if worker.is_alive() or time.perf_counter() - start > timeout_s:
        msg = (
            f"the console query ran past {timeout_s:g} s and was abandoned: add a LIMIT or a narrower "
            "MATCH (the embedded backend cannot stop it early)"
        )
        raise QueryError(msg)
    if "error" in box:
        err = box["error"]
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        msg = (
            f"the embedded console cannot run this query ({first}); it supports a Cypher subset: see the note"
        )
        raise QueryError(msg) from err
    return box["result"]


_GRAPHS: dict[str, nx.MultiDiGraph] = {}
_GRAPHS_LOCK = threading.Lock()


def console_graph(store: GraphData) -> nx.MultiDiGraph:
    """The networkx view the embedded console queries, cached per store index hash (the last two kept)."""
    key = store.index_hash()
    with _GRAPHS_LOCK:
        if key not in _GRAPHS:
            if len(_GRAPHS) >= 2:
                _GRAPHS.pop(next(iter(_GRAPHS)))
            _GRAPHS[key] = build_console_graph(store)
        return _GRAPHS[key]


def build_console_graph(store: GraphData) -> nx.MultiDiGraph:
    """Papers, concepts and authors with typed edges, from the GraphStore iterators only."""
    g = nx.MultiDiGraph()
    for paper in store.iter_papers():
        g.add_node(
            paper_node(paper.key),
            __labels__={"Paper"},
            _id=paper_node(paper.key),
            key=paper.key,
            arxiv_id=paper.arxiv_id,
            title=paper.title_text,
            year=paper.year,
            category=paper.primary_category,
            date=paper.date,
        )
    for concept in store.iter_concepts():
        g.add_node(
            concept_node(concept.id),
            __labels__={"Concept", concept.type},
            _id=concept_node(concept.id),
            id=concept.id,
            name=concept.name,
            type=concept.type,
        )

    def edge(src: str, dst: str, rel: str, **attrs: Any) -> None:
        if src in g and dst in g:
            g.add_edge(src, dst, key=rel, __labels__={rel}, _from=src, _to=dst, **attrs)

    for concept in store.iter_concepts():
        for parent in concept.parents:
            edge(concept_node(concept.id), concept_node(parent), "IS_A")
    for link in store.iter_links():
        edge(paper_node(link.paper_key), concept_node(link.concept_id), link.rel, count=link.count)
    for citation in store.iter_citations():
        edge(paper_node(citation.citing), paper_node(citation.cited), "CITES")
    for sim in store.iter_similar():
        edge(paper_node(sim.a), paper_node(sim.b), "SIMILAR", score=sim.score)
    pairs = list(store.iter_authorship())
    names = store.author_names(sorted({a for a, _ in pairs}))
    for author, paper in pairs:
        node = author_node(author)
        if node not in g:
            g.add_node(node, __labels__={"Author"}, _id=node, key=author, name=names.get(author, author))
        edge(node, paper_node(paper), "WROTE")
    logger.info("console graph: %s nodes, %s edges", g.number_of_nodes(), g.number_of_edges())
    return g
