"""Offline charts: a subgraph (the cited one, or a console result) as an interactive Altair network.

Vega-Lite ships inside Streamlit's wheel, so these render with no network (no CDN scripts): the browser
test checks that the page makes no request beyond localhost.
"""

from __future__ import annotations

from collections.abc import Collection

import altair as alt
import pandas as pd

from hepgraph.results import Subgraph, SubgraphEdge, SubgraphNode
from hepgraph.ui import graph_layout

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
ASK_WIDTH = 560  # the Ask page's subgraph, in its right-hand column
CONSOLE_WIDTH = 860  # the console's graph tab, full width
SELECTION = "node"  # the Vega-Lite selection parameter st.altair_chart(on_select=...) reports
# One edge style everywhere: a paper's link to a concept (or an author, or a concept's IS_A) is solid; a
# paper-to-paper edge (similar, cites) is dashed, whether or not it carries a sentence.
PAPER_TO_PAPER = frozenset({"SIMILAR", "CITES"})
EDGE_STYLES = {"link": [1, 0], "similar / cites": [4, 3]}
_EVIDENCE_CHARS = 220


def node_kind(node: SubgraphNode, sources: Collection[str] = ()) -> str:
    """The legend entry of a node: the answer's sources stand apart from papers they brought in.

    ``sources`` are the node ids of the answer's sources; without them, a paper with a score is a source.
    """
    if node.type == "paper":
        is_source = node.id in sources if sources else node.score is not None
        return "source paper" if is_source else "other paper"
    return node.type if node.type in KIND_COLOURS else "concept"


def edge_style(rel: str) -> str:
    """The line an edge is drawn with (a key of EDGE_STYLES), from its type alone."""
    return "similar / cites" if rel.upper() in PAPER_TO_PAPER else "link"


def short_label(node: SubgraphNode) -> str:
    """What is written next to a node: arXiv id for papers (titles are too long), names for concepts."""
    if node.type == "paper":
        return node.id.split(":", 1)[-1]
    limit = graph_layout.MAX_LABEL
    return node.label if len(node.label) <= limit else node.label[: limit - 1] + "…"


def _clip(text: str, n: int = _EVIDENCE_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


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


class Drawing:
    """A subgraph laid out on a pixel canvas: node and edge tables plus the canvas size they fit."""

    def __init__(self, subgraph: Subgraph, *, width: int, height: int, sources: Collection[str] = ()) -> None:
        labels = {n.id: short_label(n) for n in subgraph.nodes}
        pos, canvas_h = graph_layout.place(
            labels, [(e.source, e.target) for e in subgraph.edges], width=width, height=height
        )
        self.width, self.height = width, round(canvas_h)
        self.nodes = _node_frame(subgraph, pos, labels, sources)
        self.edges = _edge_frame(subgraph, pos)


def _node_frame(
    subgraph: Subgraph,
    pos: dict[str, tuple[float, float]],
    labels: dict[str, str],
    sources: Collection[str],
) -> pd.DataFrame:
    rows = []
    for n in subgraph.nodes:
        if n.id not in pos:
            continue
        kind = node_kind(n, sources)
        rows.append(
            {
                "id": n.id,
                "name": n.label,
                "label": labels[n.id],
                "kind": kind,
                "x": pos[n.id][0],
                "y": pos[n.id][1],
                "edges": len(node_edges(subgraph, n.id)),
                "relevance": f"{round(n.relevance * 100)}%" if n.relevance is not None else "",
                "evidence": node_evidence(subgraph, n.id),
                "size": 314 if kind == "source paper" else 170,  # areas: radius 10 and about 7 px
            }
        )
    columns = ["id", "name", "label", "kind", "x", "y", "edges", "relevance", "evidence", "size"]
    return pd.DataFrame(rows, columns=columns)


def _edge_frame(subgraph: Subgraph, pos: dict[str, tuple[float, float]]) -> pd.DataFrame:
    names = {n.id: n.label for n in subgraph.nodes}
    rows = [
        {
            "source": names[e.source],
            "target": names[e.target],
            "rel": e.rel,
            "evidence": _clip(e.evidence) if e.evidence else "(no sentence: a graph edge)",
            "line": edge_style(e.rel),
            "x": pos[e.source][0],
            "y": pos[e.source][1],
            "x2": pos[e.target][0],
            "y2": pos[e.target][1],
            "mx": (pos[e.source][0] + pos[e.target][0]) / 2,
            "my": (pos[e.source][1] + pos[e.target][1]) / 2,
        }
        for e in subgraph.edges
        if e.source in pos and e.target in pos
    ]
    columns = ["source", "target", "rel", "evidence", "line", "x", "y", "x2", "y2", "mx", "my"]
    return pd.DataFrame(rows, columns=columns)


def subgraph_frames(
    subgraph: Subgraph, *, width: int = 560, height: int = 480
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node and edge tables with pixel coordinates and tooltip text, for drawing."""
    drawing = Drawing(subgraph, width=width, height=height)
    return drawing.nodes, drawing.edges


def _position(width: int, height: int, x: str = "x", y: str = "y") -> tuple[alt.X, alt.Y]:
    """x/y in canvas pixels (y downwards), every axis decoration off: coordinates mean nothing to a reader."""
    axis = alt.Axis(labels=False, ticks=False, grid=False, title=None, domain=False)
    return (
        alt.X(f"{x}:Q", axis=axis, scale=alt.Scale(domain=[0, width], nice=False, zero=False)),
        alt.Y(f"{y}:Q", axis=axis, scale=alt.Scale(domain=[0, height], nice=False, zero=False, reverse=True)),
    )


def _kind_colour(nodes: pd.DataFrame) -> alt.Color:
    """Colour by kind; the legend lists only the kinds drawn, in KIND_COLOURS order."""
    present = [k for k in KIND_COLOURS if k in set(nodes["kind"])]
    return alt.Color(
        "kind:N",
        scale=alt.Scale(domain=present, range=[KIND_COLOURS[k] for k in present]),
        legend=alt.Legend(orient="bottom", title=None, columns=4, symbolSize=120, labelFontSize=12),
    )


def _edge_layers(d: Drawing, pick: alt.Parameter) -> tuple[alt.Chart, alt.Chart]:
    """Edge rules (solid: a link; dashed: similar or citing papers) and a hoverable midpoint per edge."""
    x, y = _position(d.width, d.height)
    tip = [
        alt.Tooltip("source:N", title="from"),
        alt.Tooltip("rel:N", title="edge"),
        alt.Tooltip("target:N", title="to"),
        alt.Tooltip("evidence:N", title="evidence"),
    ]
    rules = (
        alt.Chart(d.edges)
        .mark_rule(strokeWidth=1.4, color="#8a8f98")
        .encode(
            x=x,
            y=y,
            x2="x2:Q",
            y2="y2:Q",
            strokeDash=alt.StrokeDash(
                "line:N",
                scale=alt.Scale(domain=list(EDGE_STYLES), range=list(EDGE_STYLES.values())),
                legend=alt.Legend(orient="bottom", title=None, symbolType="stroke", labelFontSize=12),
            ),
            opacity=alt.condition(pick, alt.value(0.6), alt.value(0.25)),
            tooltip=tip,
        )
    )
    # Rules are one pixel wide and hard to hover; a small mark at each midpoint carries the edge's evidence.
    midpoints = (
        alt.Chart(d.edges)
        .mark_point(shape="diamond", size=28, filled=True, color="#8a8f98")
        .encode(
            *_position(d.width, d.height, "mx", "my"),
            opacity=alt.value(0.55),
            tooltip=tip,
        )
    )
    return rules, midpoints


def _node_layer(d: Drawing, pick: alt.Parameter, zoom: alt.Parameter) -> alt.Chart:
    """Node circles coloured by kind; the click selection and the zoom/drag binding live here."""
    x, y = _position(d.width, d.height)
    return (
        alt.Chart(d.nodes)
        .mark_circle(stroke="white", strokeWidth=1.5)
        .encode(
            x=x,
            y=y,
            color=_kind_colour(d.nodes),
            size=alt.Size("size:Q", legend=None, scale=None),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
            tooltip=[
                alt.Tooltip("name:N", title="node"),
                alt.Tooltip("kind:N", title="type"),
                alt.Tooltip("relevance:N"),
                alt.Tooltip("edges:Q", title="edges here"),
                alt.Tooltip("evidence:N", title="evidence"),
            ],
        )
        .add_params(pick, zoom)
    )


def _label_layer(d: Drawing) -> alt.Chart:
    """Short labels centred above each node, where the layout left room for them."""
    x, y = _position(d.width, d.height)
    offset = -(graph_layout.NODE_RADIUS + graph_layout.GAP)
    return (
        alt.Chart(d.nodes)
        .mark_text(dy=offset, baseline="bottom", fontSize=graph_layout.FONT_PX, color="#31333f")
        .encode(x=x, y=y, text="label:N")
    )


def subgraph_chart(
    subgraph: Subgraph, *, width: int = 560, height: int = 480, sources: Collection[str] = ()
) -> alt.LayerChart:
    """Papers, concepts and their edges, no two labels overlapping; hover for evidence, click to select.

    Scroll zooms and dragging pans (double-click resets). ``sources`` are the node ids drawn as sources.
    """
    d = Drawing(subgraph, width=width, height=height, sources=sources)
    pick = alt.selection_point(fields=["id"], name=SELECTION, on="click", empty=True)
    zoom = alt.selection_interval(bind="scales", name="zoom")
    edge_layer, mid_layer = _edge_layers(d, pick)
    return (
        alt.layer(edge_layer, mid_layer, _node_layer(d, pick, zoom), _label_layer(d))
        .properties(width=d.width, height=d.height)
        .configure_view(strokeWidth=0)
        .resolve_legend(strokeDash="independent")
    )


def selected_nodes(event: object) -> list[str]:
    """Node ids a click selected, from the object st.altair_chart(on_select="rerun") returns."""
    selection = getattr(event, "selection", None) or (
        event.get("selection") if isinstance(event, dict) else None
    )
    points = (selection or {}).get(SELECTION) or []
    return [str(p["id"]) for p in points if isinstance(p, dict) and p.get("id")]


def per_year_chart(by_year: dict[int, int], title: str, *, height: int = 200) -> alt.Chart:
    """Papers per year as bars, every year labelled, counts as whole numbers."""
    df = pd.DataFrame({"year": list(by_year), "papers": list(by_year.values())})
    return (
        alt.Chart(df)
        .mark_bar(color="#1f5fa8")
        .encode(
            # Every year named: upright while they fit, turned a quarter when there are many.
            x=alt.X(
                "year:O",
                title=None,
                axis=alt.Axis(labelAngle=0 if len(df) <= 12 else -90, labelOverlap=False),
            ),
            y=alt.Y("papers:Q", title="papers", axis=alt.Axis(format="d", tickMinStep=1)),
            tooltip=["year", "papers"],
        )
        .properties(height=height, title=title)
    )


def count_bars(counts: dict[str, int], *, what: str) -> alt.Chart:
    """Horizontal bars, one per category, every category named on its own row, counts as whole numbers."""
    df = pd.DataFrame({"type": list(counts), "count": list(counts.values())})
    order = df.sort_values("count", ascending=False)["type"].tolist()
    bars = (
        alt.Chart(df)
        .mark_bar(color="#1f5fa8")
        .encode(
            y=alt.Y("type:N", sort=order, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=220)),
            x=alt.X("count:Q", title=what, axis=alt.Axis(format=",d", tickMinStep=1)),
            tooltip=[alt.Tooltip("type:N"), alt.Tooltip("count:Q", format=",d")],
        )
    )
    text = bars.mark_text(align="left", dx=4, fontSize=11, color="#31333f").encode(
        text=alt.Text("count:Q", format=",d")
    )
    return (bars + text).properties(height=24 * len(df) + 30)
