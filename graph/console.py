"""The read-only Cypher console on both backends.

Every query first passes :func:`check_read_only`, which tokenizes it (comments and string literals
stripped, so ``RETURN 'CREATE'`` passes and ``CREATE/* */(n)`` does not) and refuses write clauses and
procedures that are not on a read-only allowlist. Then:

- on Neo4j the query runs natively in a READ-access session (the server refuses writes there too) with a
  server-side transaction timeout and a row limit;
- on the embedded store it runs with grand-cypher over a networkx view of the store, built from the
  GraphStore iterators and cached per index hash. Python cannot stop a running thread, so a query past its
  timeout is abandoned (its daemon thread finishes in the background) and the call raises QueryError.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field

from hepgraph.errors import QueryError, ReadOnlyViolation
from hepgraph.graph.cypher import EXAMPLE_QUERIES
from hepgraph.graph.store import GraphStore
from hepgraph.nodes import author_node, concept_node, paper_node, split_node
from hepgraph.results import SubgraphEdge, SubgraphNode

logger = logging.getLogger(__name__)

__all__ = ["EXAMPLE_QUERIES", "EMBEDDED_SUBSET_NOTE", "ConsoleResult", "check_read_only", "run_console_query"]

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

# Clauses that write (or administer) anywhere in a query, compared on bare upper-cased words.
_WRITE_WORDS = {
    "CREATE",
    "MERGE",
    "SET",
    "DELETE",
    "DETACH",
    "REMOVE",
    "DROP",
    "FOREACH",
    "LOAD",
    "INSERT",
    "ALTER",
    "GRANT",
    "DENY",
    "REVOKE",
    "RENAME",
    "START",
    "STOP",
    "TERMINATE",
    "ENABLE",
    "DEALLOCATE",
    "REALLOCATE",
}
# Procedures (and functions) that write, run arbitrary Cypher, or reach outside the database.
_DENIED_PREFIXES = (
    "apoc.create.",
    "apoc.merge.",
    "apoc.refactor.",
    "apoc.periodic.",
    "apoc.load.",
    "apoc.cypher.",
    "apoc.do.",
    "apoc.nodes.delete",
    "apoc.atomic.",
    "apoc.lock.",
    "apoc.trigger.",
    "apoc.schema.",
    "apoc.export.",
    "apoc.import.",
    "apoc.graph.",
    "apoc.systemdb.",
    "apoc.custom.",
    "apoc.uuid.",
    "apoc.ttl.",
    "apoc.log.",
    "apoc.static.",
    "apoc.util.sleep",
    "apoc.case",
    "apoc.when",
    "db.create",
    "db.clearquerycaches",
    "dbms.",
    "gds.graph.drop",
    "gds.graph.project",
)
_READ_PROCEDURES = {
    "db.labels",
    "db.relationshiptypes",
    "db.propertykeys",
    "db.schema.visualization",
    "db.schema.nodetypeproperties",
    "db.schema.reltypeproperties",
    "db.index.fulltext.querynodes",
    "db.index.fulltext.queryrelationships",
    "db.index.vector.querynodes",
    "db.index.vector.queryrelationships",
    "db.info",
    "db.ping",
    "apoc.meta.schema",
    "apoc.meta.stats",
    "apoc.meta.data",
    "apoc.path.expand",
    "apoc.path.expandconfig",
    "apoc.path.subgraphnodes",
    "apoc.path.subgraphall",
    "apoc.path.spanningtree",
    "gds.graph.list",
}
_GDS_READ = re.compile(r"^gds\.[\w.]+\.stream(\.estimate)?$")
_TOKEN = re.compile(
    r"(?P<comment>//[^\n]*|/\*.*?(?:\*/|$))|(?P<string>'(?:[^'\\]|\\.)*'?|\"(?:[^\"\\]|\\.)*\"?)"
    r"|(?P<name>`(?:[^`]|``)*`?)|(?P<param>\$\w+)|(?P<word>[A-Za-z_][\w]*)|(?P<dot>\.)|(?P<other>\S)",
    re.S,
)


class ConsoleResult(BaseModel):
    """A console answer: a table, plus the nodes and edges it contains for drawing."""

    model_config = ConfigDict(extra="forbid")

    columns: list[str] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list)
    truncated: bool = False
    nodes: list[SubgraphNode] = Field(default_factory=list)
    edges: list[SubgraphEdge] = Field(default_factory=list)
    backend: str
    subset_note: str = ""
    ms: float = 0.0


def _tokens(query: str) -> list[tuple[str, str, int]]:
    """(kind, text, offset) tokens with comments and string literals dropped; dotted names joined."""
    out: list[tuple[str, str, int]] = []
    for m in _TOKEN.finditer(query):
        kind, text = m.lastgroup or "other", m.group()
        if kind in ("comment", "string"):
            continue
        if kind == "name":
            text = text.strip("`").replace("``", "`")
        if out and kind in ("word", "name") and out[-1][0] == "dotted":
            out[-1] = ("qualified", out[-1][1] + text, out[-1][2])
            continue
        if kind == "dot" and out and out[-1][0] in ("word", "name", "qualified"):
            out[-1] = ("dotted", out[-1][1] + ".", out[-1][2])
            continue
        out.append((kind, text, m.start()))
    return out


def check_read_only(query: str) -> None:
    """Raise ReadOnlyViolation when ``query`` could write; string literals and comments are ignored."""
    tokens = _tokens(query)
    for i, (kind, text, offset) in enumerate(tokens):
        after_colon = i > 0 and tokens[i - 1][1] == ":"  # a label or type named like a keyword
        if kind == "word" and text.upper() in _WRITE_WORDS and not after_colon:
            msg = (
                f"the console is read-only: {text.upper()} (at character {offset}) writes or changes the "
                "database; use MATCH ... RETURN"
            )
            raise ReadOnlyViolation(msg)
        lowered = text.lower()
        if kind in ("qualified", "name", "word") and lowered.startswith(_DENIED_PREFIXES):
            msg = (
                f"the console is read-only: {text} (at character {offset}) can write or run arbitrary Cypher"
            )
            raise ReadOnlyViolation(msg)
        if kind == "word" and text.upper() == "CALL":
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ("other", "", offset)
            if nxt[1] in ("{", "("):  # a subquery: its clauses are checked as tokens of this query
                continue
            name = nxt[1].lower()
            if name not in _READ_PROCEDURES and not _GDS_READ.match(name):
                msg = (
                    f"the console is read-only: procedure {nxt[1] or '?'} is not on its read-only list "
                    "(db.labels, db.index.fulltext.queryNodes, db.index.vector.queryNodes, gds.*.stream, ...)"
                )
                raise ReadOnlyViolation(msg)


def run_console_query(store: GraphStore, query: str, *, row_limit: int, timeout_s: float) -> ConsoleResult:
    """Run a read-only console query on ``store``'s backend; <= ``row_limit`` rows, ``timeout_s`` seconds.

    Raises:
        ReadOnlyViolation: the query could write.
        QueryError: empty, unsupported by the embedded subset, failed, or timed out.
    """
    if not query.strip():
        msg = "the console query is empty: type a MATCH ... RETURN query or pick an example"
        raise QueryError(msg)
    check_read_only(query)
    start = time.perf_counter()
    if store.backend == "neo4j":
        columns, values, truncated = store.console_read(  # type: ignore[attr-defined]
            query, row_limit=row_limit, timeout_s=timeout_s
        )
        result = _from_neo4j(columns, values, truncated)
        note = (
            f"Native Cypher on Neo4j in a READ-access session (timeout {timeout_s:g} s, "
            f"at most {row_limit} rows)."
        )
    else:
        graph = console_graph(store)
        raw = _run_with_timeout(graph, query, row_limit, timeout_s)
        result = _from_grandcypher(query, raw, row_limit)
        note = EMBEDDED_SUBSET_NOTE
    return ConsoleResult(
        **result, backend=store.backend, subset_note=note, ms=round((time.perf_counter() - start) * 1000, 1)
    )


def _run_with_timeout(graph: nx.MultiDiGraph, query: str, row_limit: int, timeout_s: float) -> dict:
    """grand-cypher in a daemon thread; past ``timeout_s`` the result is abandoned and QueryError raised."""
    from grandcypher import GrandCypher

    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["result"] = GrandCypher(graph, limit=row_limit + 1).run(query)
        except Exception as err:  # noqa: BLE001 - re-raised as QueryError in the caller's thread
            box["error"] = err

    worker = threading.Thread(target=work, name="hepgraph-console", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
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


def console_graph(store: GraphStore) -> nx.MultiDiGraph:
    """The networkx view the embedded console queries, cached per store index hash (the last two kept)."""
    key = store.index_hash()
    with _GRAPHS_LOCK:
        if key not in _GRAPHS:
            if len(_GRAPHS) >= 2:
                _GRAPHS.pop(next(iter(_GRAPHS)))
            _GRAPHS[key] = build_console_graph(store)
        return _GRAPHS[key]


def build_console_graph(store: GraphStore) -> nx.MultiDiGraph:
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
    names_of = getattr(store, "author_names", None)
    names = names_of(sorted({a for a, _ in pairs})) if names_of else {}
    for author, paper in pairs:
        node = author_node(author)
        if node not in g:
            g.add_node(node, __labels__={"Author"}, _id=node, key=author, name=names.get(author, author))
        edge(node, paper_node(paper), "WROTE")
    logger.info("console graph: %s nodes, %s edges", g.number_of_nodes(), g.number_of_edges())
    return g


# -- results as tables and drawable nodes/edges --------------------------------------------------------------
_INTERNAL = {"__labels__", "_id", "_from", "_to"}
_KIND_TYPE = {"paper": "paper", "concept": "concept", "author": "author"}


def _column_order(query: str, keys: list[str]) -> list[str]:
    """grand-cypher returns columns in no fixed order; put them back in the RETURN clause's order."""
    tokens = [t for t in _tokens(query)]
    starts = [t[2] for t in tokens if t[0] == "word" and t[1].upper() == "RETURN"]
    clause = query[starts[-1] + len("RETURN") :] if starts else ""
    clause = re.split(r"\b(?:ORDER\s+BY|SKIP|LIMIT)\b", clause, flags=re.I)[0]
    clause = re.sub(r"^\s*DISTINCT\b", "", clause, flags=re.I)
    items, depth, current = [], 0, ""
    for ch in clause:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += ch
    items.append(current)
    names = []
    for item in items:
        alias = re.search(r"\bAS\s+(\w+)\s*$", item.strip(), flags=re.I)
        names.append((alias.group(1) if alias else re.sub(r"\s+", "", item)).lower())

    def rank(key: str) -> int:
        k = re.sub(r"\s+", "", key).lower()
        return names.index(k) if k in names else len(names)

    return sorted(keys, key=rank)


def _node_from_id(node_id: str) -> SubgraphNode:
    try:
        kind, bare = split_node(node_id)
    except ValueError:
        kind, bare = "node", node_id
    return SubgraphNode(id=node_id, label=bare, type=_KIND_TYPE.get(kind, "node"))


def _plain(value: Any, nodes: dict[str, SubgraphNode], edges: dict[tuple, SubgraphEdge]) -> Any:
    """A JSON-friendly copy of a grand-cypher value; nodes and edges are collected for drawing."""
    if isinstance(value, dict) and "_id" in value:
        labels = sorted(value.get("__labels__", ()))
        node_id = value["_id"]
        label = value.get("title") or value.get("name") or value.get("key") or node_id
        nodes[node_id] = SubgraphNode(
            id=node_id, label=str(label), type=_KIND_TYPE.get(split_node(node_id)[0], "node")
        )
        return {"labels": labels, **{k: v for k, v in value.items() if k not in _INTERNAL}}
    if isinstance(value, dict) and "_from" in value:
        rel = next(iter(value.get("__labels__", {"?"})))
        edges[(value["_from"], rel, value["_to"])] = SubgraphEdge(
            source=value["_from"], target=value["_to"], rel=rel
        )
        return {"type": rel, **{k: v for k, v in value.items() if k not in _INTERNAL}}
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, list | tuple):
        return [_plain(v, nodes, edges) for v in value]
    return value


def _finish(columns: list[str], rows: list[list[Any]], truncated: bool, nodes: dict, edges: dict) -> dict:
    for edge in edges.values():  # an edge returned without its end nodes still draws
        for end in (edge.source, edge.target):
            nodes.setdefault(end, _node_from_id(end))
    return {
        "columns": columns,
        "rows": rows,
        "truncated": truncated,
        "nodes": list(nodes.values()),
        "edges": list(edges.values()),
    }


def _from_grandcypher(query: str, raw: dict, row_limit: int) -> dict:
    columns = _column_order(query, [str(k) for k in raw])
    by_name = {str(k): v for k, v in raw.items()}
    n = max((len(v) for v in by_name.values()), default=0)
    nodes: dict[str, SubgraphNode] = {}
    edges: dict[tuple, SubgraphEdge] = {}
    rows = [
        [_plain(by_name[c][i] if i < len(by_name[c]) else None, nodes, edges) for c in columns]
        for i in range(min(n, row_limit))
    ]
    return _finish(columns, rows, n > row_limit, nodes, edges)


def _neo4j_node_id(node: Any) -> str:
    props = dict(node.items())
    labels = set(node.labels)
    if "Paper" in labels and "key" in props:
        return paper_node(props["key"])
    if "Concept" in labels and "id" in props:
        return concept_node(props["id"])
    if "Author" in labels and "key" in props:
        return author_node(props["key"])
    return f"n:{node.element_id}"


def _neo4j_value(value: Any, nodes: dict[str, SubgraphNode], edges: dict[tuple, SubgraphEdge]) -> Any:
    from neo4j.graph import Node, Path, Relationship

    if isinstance(value, Node):
        node_id = _neo4j_node_id(value)
        props = {k: v for k, v in value.items() if k != "embedding"}
        label = props.get("title") or props.get("name") or props.get("key") or node_id
        kind = "node" if node_id.startswith("n:") else _KIND_TYPE[split_node(node_id)[0]]
        nodes[node_id] = SubgraphNode(id=node_id, label=str(label), type=kind)
        return {"labels": sorted(value.labels), **_json_props(props)}
    if isinstance(value, Relationship):
        src, dst = _neo4j_node_id(value.start_node), _neo4j_node_id(value.end_node)
        edges[(src, value.type, dst)] = SubgraphEdge(source=src, target=dst, rel=value.type)
        return {"type": value.type, **_json_props(dict(value.items()))}
    if isinstance(value, Path):
        return [_neo4j_value(v, nodes, edges) for v in (*value.nodes, *value.relationships)]
    if isinstance(value, list | tuple):
        return [_neo4j_value(v, nodes, edges) for v in value]
    if isinstance(value, dict):
        return {k: _neo4j_value(v, nodes, edges) for k, v in value.items()}
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


def _json_props(props: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if v is None or isinstance(v, bool | int | float | str | list) else str(v)
        for k, v in props.items()
    }


def _from_neo4j(columns: list[str], values: list[list[Any]], truncated: bool) -> dict:
    nodes: dict[str, SubgraphNode] = {}
    edges: dict[tuple, SubgraphEdge] = {}
    rows = [[_neo4j_value(v, nodes, edges) for v in row] for row in values]
    return _finish(list(columns), rows, truncated, nodes, edges)
