"""Offline charts: the cited subgraph as an interactive Altair (Vega-Lite) network.

Vega-Lite ships inside Streamlit's wheel, so these render with no network (no CDN scripts).
"""

from __future__ import annotations

import altair as alt
import networkx as nx
import pandas as pd

from hepgraph.results import Subgraph

TYPE_COLOURS = {
    "paper": "#4c78a8", "Method": "#f58518", "Task": "#e45756", "Topic": "#54a24b",
    "Experiment": "#b279a2", "Dataset": "#9d755d", "Process": "#eeca3b", "question": "#222222",
}


def layout(subgraph: Subgraph, *, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Deterministic spring layout of the subgraph's nodes."""
    g = nx.Graph()
    g.add_nodes_from(n.id for n in subgraph.nodes)
    g.add_edges_from((e.source, e.target) for e in subgraph.edges if e.source in g and e.target in g)
    if not g:
        return {}
    pos = nx.spring_layout(g, seed=seed, k=1.2 / max(len(g), 1) ** 0.5)
    return {n: (float(x), float(y)) for n, (x, y) in pos.items()}


def subgraph_frames(subgraph: Subgraph) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node and edge tables with layout coordinates, for drawing."""
    pos = layout(subgraph)
    nodes = pd.DataFrame(
        [
            {"id": n.id, "label": n.label, "type": n.type, "x": pos[n.id][0], "y": pos[n.id][1],
             "size": 260 if n.type == "paper" else 180}
            for n in subgraph.nodes if n.id in pos
        ],
        columns=["id", "label", "type", "x", "y", "size"],
    )
    edges = pd.DataFrame(
        [
            {"source": e.source, "target": e.target, "rel": e.rel, "evidence": e.evidence or "",
             "x": pos[e.source][0], "y": pos[e.source][1], "x2": pos[e.target][0], "y2": pos[e.target][1]}
            for e in subgraph.edges if e.source in pos and e.target in pos
        ],
        columns=["source", "target", "rel", "evidence", "x", "y", "x2", "y2"],
    )
    return nodes, edges


def subgraph_chart(subgraph: Subgraph, *, height: int = 460) -> alt.LayerChart:
    """Papers, concepts and the edges that brought each source; hover shows evidence, click selects."""
    nodes, edges = subgraph_frames(subgraph)
    axis = alt.Axis(labels=False, ticks=False, grid=False, title=None, domain=False)
    domain = list(TYPE_COLOURS)
    colour = alt.Color("type:N", scale=alt.Scale(domain=domain, range=[TYPE_COLOURS[t] for t in domain]),
                       legend=alt.Legend(orient="bottom", title=None))
    pick = alt.selection_point(fields=["id"], name="node")
    edge_layer = alt.Chart(edges).mark_rule(opacity=0.45, strokeWidth=1.5).encode(
        x=alt.X("x:Q", axis=axis), y=alt.Y("y:Q", axis=axis), x2="x2:Q", y2="y2:Q",
        tooltip=[alt.Tooltip("rel:N", title="edge"), alt.Tooltip("evidence:N", title="evidence")],
    )
    node_layer = alt.Chart(nodes).mark_circle(opacity=0.95, stroke="white", strokeWidth=1).encode(
        x=alt.X("x:Q", axis=axis), y=alt.Y("y:Q", axis=axis), color=colour, size=alt.Size("size:Q", legend=None),
        tooltip=[alt.Tooltip("label:N", title="node"), alt.Tooltip("type:N"), alt.Tooltip("id:N")],
    ).add_params(pick)
    label_layer = alt.Chart(nodes).mark_text(dy=-12, fontSize=10, limit=160).encode(
        x="x:Q", y="y:Q", text="label:N",
    )
    return (edge_layer + node_layer + label_layer).properties(height=height).interactive()
