"""The subgraph layout: no two node blocks (circle plus label) overlap, at every size the app draws.

Real answers on the bundled sample (the real pipeline and answerer) and a crowded star that forces the
canvas to grow; the browser test checks the same on the labels Chromium actually rendered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hepgraph.graph.factory import open_store
from hepgraph.pipeline.runtime import build_answerer
from hepgraph.results import Subgraph, SubgraphEdge, SubgraphNode
from hepgraph.settings import Settings
from hepgraph.ui import charts, graph_layout
from hepgraph.ui.views.ask import EXAMPLES

SIZES = [(charts.ASK_WIDTH, 520), (charts.CONSOLE_WIDTH, 440)]  # the Ask page and the console


def _overlaps(d: charts.Drawing) -> list[tuple[str, str]]:
    pos = {r.id: (r.x, r.y) for r in d.nodes.itertuples()}
    labels = {r.id: r.label for r in d.nodes.itertuples()}
    return graph_layout.overlapping_pairs(pos, labels)


def _inside(d: charts.Drawing) -> bool:
    for r in d.nodes.itertuples():
        box = graph_layout.block(r.x, r.y, r.label)
        if box.x0 < 0 or box.y0 < 0 or box.x1 > d.width or box.y1 > d.height:
            return False
    return True


@pytest.fixture(scope="module")
def sample_answers(sample_home: Path, answer_embedder: Any) -> list[Subgraph]:
    settings = Settings(home=sample_home, anthropic_api_key=None)
    store = open_store(settings, create=False, read_only=True)
    try:
        answerer = build_answerer(store, settings, embedder=answer_embedder)
        return [answerer.ask(q).subgraph for q in EXAMPLES]
    finally:
        store.close()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_real_answers_draw_without_overlap(sample_answers: list[Subgraph], width: int, height: int) -> None:
    for sub in sample_answers:
        assert len(sub.nodes) >= 5, "a real cited subgraph"
        d = charts.Drawing(sub, width=width, height=height)
        assert _overlaps(d) == []
        assert _inside(d), "every label is inside the canvas the chart is drawn on"
        assert d.height >= height


def test_a_crowded_star_grows_the_canvas_instead_of_overlapping() -> None:
    hub = SubgraphNode(id="p:2101.00001", label="hub", type="paper", score=0.9)
    leaves = [
        SubgraphNode(id=f"c:leaf{i:02d}", label=f"a long concept name number {i:02d}", type="Method")
        for i in range(45)
    ]
    edges = [SubgraphEdge(source=hub.id, target=leaf.id, rel="USES_METHOD") for leaf in leaves]
    sub = Subgraph(nodes=[hub, *leaves], edges=edges)
    for width, height in SIZES:
        d = charts.Drawing(sub, width=width, height=height)
        assert _overlaps(d) == [] and _inside(d)
        assert d.height > height, "45 wide labels do not fit the default canvas"


def test_the_same_answer_draws_the_same_picture(sample_answers: list[Subgraph]) -> None:
    a = charts.Drawing(sample_answers[0], width=560, height=520)
    b = charts.Drawing(sample_answers[0], width=560, height=520)
    assert a.nodes.equals(b.nodes) and a.edges.equals(b.edges)


def test_sources_are_marked_by_the_answer_not_by_a_score() -> None:
    src = SubgraphNode(id="p:2101.00001", label="a", type="paper")  # a source whose node lost its score
    other = SubgraphNode(id="p:2101.00002", label="b", type="paper", score=0.3)
    assert charts.node_kind(src, {"p:2101.00001"}) == "source paper"
    assert charts.node_kind(other, {"p:2101.00001"}) == "other paper"


def test_one_edge_style_by_type() -> None:
    assert charts.edge_style("USES_METHOD") == "link"
    assert charts.edge_style("SIMILAR") == charts.edge_style("CITES") == "similar / cites"
