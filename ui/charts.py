"""Offline charts: a subgraph (the cited one, or a console result) as an interactive Altair network.

Vega-Lite ships inside Streamlit's wheel, so these render with no network (no CDN scripts): the browser
test checks that the page makes no request beyond localhost.
"""

from __future__ import annotations

import altair as alt
import networkx as nx
import pandas as pd

from hepgraph.results import Subgraph, SubgraphEdge, SubgraphNode

# Legend entries in reading order; colours from the Tableau-10 scheme Vega-Lite users already know.
KIND_COLOURS = {
    "source paper": "#1f5fa8",
    "other paper": "#9ecae9",
    "Method": "#f58518",
    "Task": "#e45756",
    "Topic": "#54a24b",
    "Experiment": "#b279a2",
    "Dataset": "#9d755d",
    "Process": "#d6b400",
    "concept": "#72b7b2",
    "author": "#bab0ac",
    "question": "#222222",
}
SELECTION = "node"  # the Vega-Lite selection parameter st.altair_chart(on_select=...) reports
_EVIDENCE_CHARS = 220


def node_kind(node: SubgraphNode) -> str:
    """The legend entry of a node: sources (papers with a score) stand apart from papers they brought in."""
    if node.type == "paper":
        return "source paper" if node.score is not None else "other paper"
    return node.type if node.type in KIND_COLOURS else "concept"


def short_label(node: SubgraphNode) -> str:
    """What is written next to a node: arXiv id for papers (titles are too long), names for concepts."""
    if node.type == "paper":
        return node.id.split(":", 1)[-1]
    return node.label if len(node.label) <= 28 else node.label[:27] + "…"


def _clip(text: str, n: int = _EVIDENCE_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def layout(subgraph: Subgraph, *, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Deterministic spring layout of the subgraph's nodes (same answer, same picture)."""
    g = nx.Graph()
    g.add_nodes_from(n.id for n in subgraph.nodes)
    g.add_edges_from((e.source, e.target) for e in subgraph.edges if e.source in g and e.target in g)
    if not g:
        return {}
    pos = nx.spring_layout(g, seed=seed, k=2.2 / max(len(g), 1) ** 0.5, iterations=100)
    return {n: (float(x), float(y)) for n, (x, y) in pos.items()}


def node_edges(subgraph: Subgraph, node_id: str) -> list[SubgraphEdge]:
    """Edges touching a node, those with an evidence sentence first."""
    edges = [e for e in subgraph.edges if node_id in (e.source, e.target)]
    return sorted(edges, key=lambda e: (not e.evidence, e.rel, e.source, e.target))


def node_evidence(subgraph: Subgraph, node_id: str) -> str:
    """The first evidence sentence on an edge of the node: why it is in the picture."""
    for edge in node_edges(subgraph, node_id):
        if edge.evidence:
            return _clip(edge.evidence)
    return ""


def subgraph_frames(subgraph: Subgraph) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node and edge tables with layout coordinates and tooltip text, for drawing."""
    pos = layout(subgraph)
    degree = {n.id: len(node_edges(subgraph, n.id)) for n in subgraph.nodes}
    nodes = pd.DataFrame(
        [
            {
                "id": n.id,
                "name": n.label,
                "label": short_label(n),
                "kind": node_kind(n),
                "x": pos[n.id][0],
                "y": pos[n.id][1],
                "edges": degree[n.id],
                "relevance": f"{round(n.score * 100)}%" if n.score is not None else "",
                "evidence": node_evidence(subgraph, n.id),
                "size": 420 if node_kind(n) == "source paper" else 220,
            }
            for n in subgraph.nodes
            if n.id in pos
        ],
        columns=["id", "name", "label", "kind", "x", "y", "edges", "relevance", "evidence", "size"],
    )
    names = {n.id: n.label for n in subgraph.nodes}
    edges = pd.DataFrame(
        [
            {
                "source": names[e.source],
                "target": names[e.target],
                "rel": e.rel,
                "evidence": _clip(e.evidence) if e.evidence else "(no sentence: a graph edge)",
                "line": "link" if e.evidence else "similar / cites",
                "x": pos[e.source][0],
                "y": pos[e.source][1],
                "x2": pos[e.target][0],
                "y2": pos[e.target][1],
                "mx": (pos[e.source][0] + pos[e.target][0]) / 2,
                "my": (pos[e.source][1] + pos[e.target][1]) / 2,
            }
            for e in subgraph.edges
            if e.source in pos and e.target in pos
        ],
        columns=["source", "target", "rel", "evidence", "line", "x", "y", "x2", "y2", "mx", "my"],
    )
    return nodes, edges


def _position() -> tuple[alt.X, alt.Y]:
    """x/y encodings with every axis decoration off: layout coordinates mean nothing to a reader."""
    axis = alt.Axis(labels=False, ticks=False, grid=False, title=None, domain=False)
    return alt.X("x:Q", axis=axis), alt.Y("y:Q", axis=axis)


def _kind_colour(nodes: pd.DataFrame) -> alt.Color:
    """Colour by kind; the legend lists only the kinds drawn, in KIND_COLOURS order."""
    present = [k for k in KIND_COLOURS if k in set(nodes["kind"])]
    return alt.Color(
        "kind:N",
        scale=alt.Scale(domain=present, range=[KIND_COLOURS[k] for k in present]),
        legend=alt.Legend(orient="bottom", title=None, columns=4, symbolSize=120, labelFontSize=12),
    )


def _edge_layers(edges: pd.DataFrame, pick: alt.Parameter) -> tuple[alt.Chart, alt.Chart]:
    """Edge rules (solid with evidence, dashed without) and a hoverable midpoint mark per edge."""
    x, y = _position()
    tip = [
        alt.Tooltip("source:N", title="from"),
        alt.Tooltip("rel:N", title="edge"),
        alt.Tooltip("target:N", title="to"),
        alt.Tooltip("evidence:N", title="evidence"),
    ]
    rules = (
        alt.Chart(edges)
        .mark_rule(strokeWidth=1.4, color="#8a8f98")
        .encode(
            x=x,
            y=y,
            x2="x2:Q",
            y2="y2:Q",
            strokeDash=alt.StrokeDash(
                "line:N",
                scale=alt.Scale(domain=["link", "similar / cites"], range=[[1, 0], [4, 3]]),
                legend=None,
            ),
            opacity=alt.condition(pick, alt.value(0.6), alt.value(0.25)),
            tooltip=tip,
        )
    )
    # Rules are one pixel wide and hard to hover; a small mark at each midpoint carries the edge's evidence.
    midpoints = (
        alt.Chart(edges)
        .mark_point(shape="diamond", size=28, filled=True, color="#8a8f98")
        .encode(
            x="mx:Q",
            y="my:Q",
            opacity=alt.value(0.55),
            tooltip=tip,
        )
    )
    return rules, midpoints


def _node_layer(nodes: pd.DataFrame, pick: alt.Parameter) -> alt.Chart:
    """Node circles coloured by kind; the click selection lives here."""
    x, y = _position()
    return (
        alt.Chart(nodes)
        .mark_circle(stroke="white", strokeWidth=1.5)
        .encode(
            x=x,
            y=y,
            color=_kind_colour(nodes),
            size=alt.Size("size:Q", legend=None),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
            tooltip=[
                alt.Tooltip("name:N", title="node"),
                alt.Tooltip("kind:N", title="type"),
                alt.Tooltip("relevance:N"),
                alt.Tooltip("edges:Q", title="edges here"),
                alt.Tooltip("evidence:N", title="evidence"),
            ],
        )
        .add_params(pick)
    )


def _label_layer(nodes: pd.DataFrame) -> alt.Chart:
    """Short labels just above each node."""
    return (
        alt.Chart(nodes)
        .mark_text(dy=-13, fontSize=11, limit=170, color="#31333f")
        .encode(
            x="x:Q",
            y="y:Q",
            text="label:N",
        )
    )


def subgraph_chart(subgraph: Subgraph, *, height: int = 480) -> alt.LayerChart:
    """Papers, concepts and their edges; hover a node or an edge midpoint for evidence, click to select."""
    nodes, edges = subgraph_frames(subgraph)
    pick = alt.selection_point(fields=["id"], name=SELECTION, on="click", empty=True)
    edge_layer, mid_layer = _edge_layers(edges, pick)
    return (
        alt.layer(edge_layer, mid_layer, _node_layer(nodes, pick), _label_layer(nodes))
        .properties(height=height)
        .configure_view(strokeWidth=0)
    )


def selected_nodes(event: object) -> list[str]:
    """Node ids a click selected, from the object st.altair_chart(on_select="rerun") returns."""
    selection = getattr(event, "selection", None) or (
        event.get("selection") if isinstance(event, dict) else None
    )
    points = (selection or {}).get(SELECTION) or []
    return [str(p["id"]) for p in points if isinstance(p, dict) and p.get("id")]
