"""Console answers as tables plus drawable nodes and edges: the shared shape, and grand-cypher's results.

Neo4j's values are converted in :mod:`hepgraph.graph.neo4j_results`, so the embedded path never imports
the driver.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from hepgraph.graph.console_guard import query_tokens
from hepgraph.nodes import split_node
from hepgraph.results import SubgraphEdge, SubgraphNode

logger = logging.getLogger(__name__)

__all__ = ["KIND_TYPE", "finish", "from_grandcypher", "json_props"]

_INTERNAL = {"__labels__", "_id", "_from", "_to"}
KIND_TYPE = {"paper": "paper", "concept": "concept", "author": "author"}


def _column_order(query: str, keys: list[str]) -> list[str]:
    """grand-cypher returns columns in no fixed order; put them back in the RETURN clause's order."""
    tokens = [t for t in query_tokens(query)]
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
    return SubgraphNode(id=node_id, label=bare, type=KIND_TYPE.get(kind, "node"))


def _plain(value: Any, nodes: dict[str, SubgraphNode], edges: dict[tuple, SubgraphEdge]) -> Any:
    """A JSON-friendly copy of a grand-cypher value; nodes and edges are collected for drawing."""
    if isinstance(value, dict) and "_id" in value:
        labels = sorted(value.get("__labels__", ()))
        node_id = value["_id"]
        label = value.get("title") or value.get("name") or value.get("key") or node_id
        nodes[node_id] = SubgraphNode(
            id=node_id, label=str(label), type=KIND_TYPE.get(split_node(node_id)[0], "node")
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


def finish(columns: list[str], rows: list[list[Any]], truncated: bool, nodes: dict, edges: dict) -> dict:
    """ConsoleAnswer fields from converted rows and the nodes and edges collected while converting."""
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


def from_grandcypher(query: str, raw: dict, row_limit: int) -> dict:
    """A grand-cypher answer (column -> values) as ConsoleResult fields, columns in RETURN order."""
    columns = _column_order(query, [str(k) for k in raw])
    by_name = {str(k): v for k, v in raw.items()}
    n = max((len(v) for v in by_name.values()), default=0)
    nodes: dict[str, SubgraphNode] = {}
    edges: dict[tuple, SubgraphEdge] = {}
    rows = [
        [_plain(by_name[c][i] if i < len(by_name[c]) else None, nodes, edges) for c in columns]
        for i in range(min(n, row_limit))
    ]
    return finish(columns, rows, n > row_limit, nodes, edges)


def json_props(props: dict[str, Any]) -> dict[str, Any]:
    """Properties with values JSON cannot hold (dates, points) as their text."""
    return {
        k: v if v is None or isinstance(v, bool | int | float | str | list) else str(v)
        for k, v in props.items()
    }
