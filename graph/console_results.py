"""Console answers as tables plus drawable nodes and edges: the shared shape, and LadybugDB's values.

Neo4j's values are converted in :mod:`hepgraph.graph.neo4j_results`, so the embedded path never imports
the driver.
"""

from __future__ import annotations

import logging
from typing import Any

from hepgraph.nodes import author_node, concept_node, paper_node, split_node
from hepgraph.results import SubgraphEdge, SubgraphNode

logger = logging.getLogger(__name__)

__all__ = ["KIND_TYPE", "finish", "from_ladybug_value", "json_props", "ran_past"]

KIND_TYPE = {"paper": "paper", "concept": "concept", "author": "author"}
# The property that names a node of each engine table (the console's node ids use it).
_NODE_KEYS = {"Paper": ("key", paper_node), "Concept": ("id", concept_node), "Author": ("key", author_node)}


def _node_from_id(node_id: str) -> SubgraphNode:
    try:
        kind, bare = split_node(node_id)
    except ValueError:
        kind, bare = "node", node_id
    return SubgraphNode(id=node_id, label=bare, type=KIND_TYPE.get(kind, "node"))


def from_ladybug_value(value: Any, nodes: dict[str, SubgraphNode], edges: dict[tuple, SubgraphEdge]) -> Any:
    """A JSON-friendly copy of a LadybugDB value; nodes, relationships and paths are collected for drawing.

    Nodes are keyed by the engine's internal id while a row is read, so a relationship (which names its
    ends by internal id) finds the console ids of the nodes returned with it; ends never returned are
    drawn from the internal id alone.
    """
    if isinstance(value, dict) and "_NODES" in value and "_RELS" in value:  # a path
        return [from_ladybug_value(v, nodes, edges) for v in (*value["_NODES"], *value["_RELS"])]
    if isinstance(value, dict) and "_LABEL" in value and "_SRC" in value:  # a relationship
        src, dst = _internal(value["_SRC"]), _internal(value["_DST"])
        edges[(src, value["_LABEL"], dst)] = SubgraphEdge(source=src, target=dst, rel=value["_LABEL"])
        return {"type": value["_LABEL"], **json_props(_props(value))}
    if isinstance(value, dict) and "_LABEL" in value and "_ID" in value:  # a node
        label, props = value["_LABEL"], _props(value)
        key, make = _NODE_KEYS.get(label, ("", None))
        node_id = make(props[key]) if make and props.get(key) else f"n:{_internal(value['_ID'])}"
        kind = KIND_TYPE[split_node(node_id)[0]] if make else "node"
        name = (
            props.get("title_text") or props.get("title") or props.get("name") or props.get("key") or node_id
        )
        nodes[node_id] = SubgraphNode(id=node_id, label=str(name), type=kind)
        nodes.setdefault(_internal(value["_ID"]), nodes[node_id])
        return {"labels": [label], **json_props(props)}
    if isinstance(value, list | tuple):
        return [from_ladybug_value(v, nodes, edges) for v in value]
    if isinstance(value, dict):
        return {k: from_ladybug_value(v, nodes, edges) for k, v in value.items()}
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


def _internal(engine_id: Any) -> str:
    """A stable text for the engine's internal id ({table, offset}) of a node."""
    if isinstance(engine_id, dict):
        return f"i:{engine_id.get('table')}:{engine_id.get('offset')}"
    return f"i:{engine_id}"


def _props(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if not k.startswith("_")}


def finish(columns: list[str], rows: list[list[Any]], truncated: bool, nodes: dict, edges: dict) -> dict:
    """ConsoleAnswer fields from converted rows and the nodes and edges collected while converting."""
    # An engine that names relationship ends by internal id left an alias per node (see from_ladybug_value).
    named = {key: node.id for key, node in nodes.items()}
    drawn: dict[str, SubgraphNode] = {node.id: node for node in nodes.values()}
    lines: dict[tuple, SubgraphEdge] = {}
    for edge in edges.values():
        src, dst = named.get(edge.source, edge.source), named.get(edge.target, edge.target)
        for end in (src, dst):  # an edge returned without its end nodes still draws
            drawn.setdefault(end, _node_from_id(end))
        lines[(src, edge.rel, dst)] = SubgraphEdge(source=src, target=dst, rel=edge.rel)
    return {
        "columns": columns,
        "rows": rows,
        "truncated": truncated,
        "nodes": list(drawn.values()),
        "edges": list(lines.values()),
    }


def json_props(props: dict[str, Any]) -> dict[str, Any]:
    """Properties with values JSON cannot hold (dates, points) as their text."""
    return {
        k: v if v is None or isinstance(v, bool | int | float | str | list) else str(v)
        for k, v in props.items()
    }


def ran_past(timeout_s: float) -> str:
    """What a console query stopped at its timeout says, on every engine."""
    return f"the console query ran past {timeout_s:g} s and was stopped: add a LIMIT or a narrower MATCH"
