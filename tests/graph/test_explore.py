"""ExploreIndex on data/sample built by the real pipeline: every count is checked against the store itself."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from hepgraph.graph.explore import ExploreIndex
from hepgraph.settings import Settings

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory, walk_embedder: Any) -> Any:
    """data/sample in an embedded store (spaCy, shipped vocabulary, embedding model, SQLite)."""
    from hepgraph.graph.factory import open_store
    from hepgraph.pipeline.build import build

    settings = Settings(home=tmp_path_factory.mktemp("explore-home"), anthropic_api_key=None)
    store = open_store(settings)
    build([SAMPLE], store=store, settings=settings, embedder=walk_embedder)
    yield store
    store.close()


@pytest.fixture(scope="module")
def index(sample_store: Any) -> ExploreIndex:
    """The explorer's indexes over the sample store."""
    return ExploreIndex(sample_store)


def _papers_by_concept(store: Any) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for link in store.iter_links():
        out[link.concept_id].add(link.paper_key)
    return out


def test_concept_pages_count_exactly_the_store_links(sample_store: Any, index: ExploreIndex) -> None:
    """Each concept page lists exactly the papers the store links to it."""
    expected = _papers_by_concept(sample_store)
    assert len(expected) > 20, "the sample links many concepts"
    for concept_id, keys in expected.items():
        page = index.concept_page(concept_id)
        assert set(page.papers) == keys, concept_id
        assert index.summary(concept_id).papers == len(keys)
        dated = [p for p in sample_store.get_papers(sorted(keys)) if p.year]
        assert sum(page.by_year.values()) == len(dated)


def test_concept_page_neighbours_share_papers(sample_store: Any, index: ExploreIndex) -> None:
    """Neighbour counts are the papers shared with the concept."""
    expected = _papers_by_concept(sample_store)
    top = index.linked_concepts()[0]
    assert top.papers == max(len(v) for v in expected.values())
    page = index.concept_page(top.id)
    assert page.neighbours, "the most linked concept co-occurs with others"
    for n in page.neighbours + page.experiments + page.datasets:
        assert n.papers == len(expected[top.id] & expected[n.id]), n.id
    assert all(n.type == "Experiment" for n in page.experiments)


def test_linked_concepts_are_ordered_and_filtered(index: ExploreIndex) -> None:
    """Linked concepts filter by type and come most linked first."""
    methods = index.linked_concepts(types=["Method"])
    assert methods and all(m.type == "Method" for m in methods)
    counts = [m.papers for m in methods]
    assert counts == sorted(counts, reverse=True)


def test_method_topic_matrix_includes_empty_cells(sample_store: Any, index: ExploreIndex) -> None:
    """Every method x topic pair is a cell with its true count, zeros included."""
    expected = _papers_by_concept(sample_store)
    names = {c.id: c.name for c in sample_store.iter_concepts()}
    by_name = {names[cid]: keys for cid, keys in expected.items()}
    cells = index.method_topic_matrix(methods=6, topics=5)
    methods = {c.method for c in cells}
    topics = {c.topic for c in cells}
    assert len(cells) == len(methods) * len(topics), "every pair is a cell, even an empty one"
    for cell in cells:
        assert cell.papers == len(by_name[cell.method] & by_name[cell.topic]), cell
    assert any(c.papers == 0 for c in cells), "the sample has method x topic pairs nobody tried"
    assert any(c.papers > 0 for c in cells)


def test_paper_page_lists_similar_and_citations(sample_store: Any, index: ExploreIndex) -> None:
    """The paper page's cites, cited-by and similar lists match the store."""
    cites: dict[str, set[str]] = defaultdict(set)
    cited_by: dict[str, set[str]] = defaultdict(set)
    for c in sample_store.iter_citations():
        cites[c.citing].add(c.cited)
        cited_by[c.cited].add(c.citing)
    key = max(cites, key=lambda k: (len(cites[k]), k))
    page = index.paper_page(key)
    assert page is not None and page.paper.key == key
    assert set(page.cites) == cites[key]
    assert set(page.cited_by) == cited_by[key]
    similar = {
        (e.b if e.a == key else e.a): e.score for e in sample_store.iter_similar() if key in (e.a, e.b)
    }
    assert page.similar, "every sample paper has SIMILAR neighbours"
    assert {k for k, _ in page.similar} <= set(similar)
    scores = [s for _, s in page.similar]
    assert scores == sorted(scores, reverse=True)
    assert len(page.links) == len(sample_store.links_for_papers([key]).get(key, []))


def test_paper_page_of_an_unknown_key_is_none(index: ExploreIndex) -> None:
    """An unknown key has no paper page."""
    assert index.paper_page("9999.99999") is None
