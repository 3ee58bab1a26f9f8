"""Neo4j console values (nodes, relationships, paths) as the console's tables and drawable subgraph."""

from __future__ import annotations

from typing import Any

from neo4j.graph import Node, Path, Relationship

from hepgraph.graph.console_results import KIND_TYPE, finish, json_props
from hepgraph.nodes import author_node, concept_node, paper_node, split_node
from hepgraph.results import SubgraphEdge, SubgraphNode

__all__ = ["from_neo4j"]


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
    if isinstance(value, Node):
        node_id = _neo4j_node_id(value)
        props = {k: v for k, v in value.items() if k != "embedding"}
        label = props.get("title") or props.get("name") or props.get("key") or node_id
        kind = "node" if node_id.startswith("n:") else KIND_TYPE[split_node(node_id)[0]]
        nodes[node_id] = SubgraphNode(id=node_id, label=str(label), type=kind)
        return {"labels": sorted(value.labels), **json_props(props)}
    if isinstance(value, Relationship):
        src, dst = _neo4j_node_id(value.start_node), _neo4j_node_id(value.end_node)
        edges[(src, value.type, dst)] = SubgraphEdge(source=src, target=dst, rel=value.type)
        return {"type": value.type, **json_props(dict(value.items()))}
    if isinstance(value, Path):
        return [_neo4j_value(v, nodes, edges) for v in (*value.nodes, *value.relationships)]
    if isinstance(value, list | tuple):
        return [_neo4j_value(v, nodes, edges) for v in value]
    if isinstance(value, dict):
        return {k: _neo4j_value(v, nodes, edges) for k, v in value.items()}
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


def from_neo4j(columns: list[str], values: list[list[Any]], truncated: bool) -> dict:
    """Neo4j columns and record values as ConsoleResult fields (nodes, relationships, paths drawn)."""
    nodes: dict[str, SubgraphNode] = {}
    edges: dict[tuple, SubgraphEdge] = {}
    rows = [[_neo4j_value(v, nodes, edges) for v in row] for row in values]
    return finish(list(columns), rows, truncated, nodes, edges)
