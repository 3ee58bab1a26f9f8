"""GraphView built from a real store: nodes, typed edges, embeddings, matrices, caching."""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
import numpy as np
import pytest

from hepgraph.graph.view import GraphView, build_view, load_view
from hepgraph.graph.walk import personalized_pagerank

WEIGHTS = {"MENTIONS": 1.0, "IS_A": 0.5, "SIMILAR": 2.0, "CITES": 1.0}


@pytest.fixture(scope="module")
def view(slice_graph):  # noqa: ANN001, ANN201
    return build_view(slice_graph.store, model=slice_graph.embedder.model_name)


def test_view_holds_every_paper_and_concept_of_the_store(view: GraphView, slice_graph) -> None:  # noqa: ANN001
    store = slice_graph.store
    assert view.paper_keys == sorted(p.key for p in store.iter_papers())
    assert sorted(view.concept_ids) == sorted(c.id for c in store.iter_concepts())
    assert view.n_papers >= 250
    assert view.index_hash == store.index_hash()
    assert view.nodes[0].startswith("p:") and view.nodes[view.n_papers].startswith("c:")
    assert all(view.index_of(n) == i for i, n in enumerate(view.nodes))


def test_view_edges_match_the_store(view: GraphView, slice_graph) -> None:  # noqa: ANN001
    store = slice_graph.store
    nodes = view.nodes
    links = {(f"p:{lk.paper_key}", f"c:{lk.concept_id}", lk.rel, lk.count) for lk in store.iter_links()}
    m = view.edges["MENTIONS"]
    rows = zip(m.src, m.dst, m.rels, m.weight, strict=True)
    got = {(nodes[s], nodes[d], str(r), int(w)) for s, d, r, w in rows}
    assert got == links and len(links) > 100
    similar = {(f"p:{e.a}", f"p:{e.b}") for e in store.iter_similar()}
    s = view.edges["SIMILAR"]
    assert {(nodes[a], nodes[b]) for a, b in zip(s.src, s.dst, strict=True)} == similar
    parents = {(f"c:{c.id}", f"c:{p}") for c in store.iter_concepts() for p in c.parents}
    isa = view.edges["IS_A"]
    assert {(nodes[a], nodes[b]) for a, b in zip(isa.src, isa.dst, strict=True)} == parents


def test_view_embeddings_are_the_stored_vectors(view: GraphView, slice_graph) -> None:  # noqa: ANN001
    store = slice_graph.store
    papers = store.get_papers(view.paper_keys[:5])
    stored = store.get_embeddings(view.model, [p.text_hash() for p in papers])
    for i, p in enumerate(papers):
        np.testing.assert_allclose(view.embeddings[i], stored[p.text_hash()], rtol=1e-6)


def test_transition_matrix_is_row_stochastic_with_dangling_rows(view: GraphView) -> None:
    P = view.transition_matrix(WEIGHTS)
    sums = np.asarray(P.sum(axis=1)).ravel()
    A = view.adjacency(WEIGHTS)
    has_edges = np.asarray(A.sum(axis=1)).ravel() > 0
    np.testing.assert_allclose(sums[has_edges], 1.0, atol=1e-12)
    assert (sums[~has_edges] == 0).all()
    assert (A != A.T).nnz == 0  # walked both ways


def test_adjacency_walk_equals_networkx_pagerank_on_to_networkx(view: GraphView) -> None:
    # The view's own matrix and its networkx export must describe the same weighted graph.
    G = view.to_networkx()
    H = nx.DiGraph()
    H.add_nodes_from(G)
    for u, v, etype, data in G.edges(keys=True, data=True):
        w = WEIGHTS.get(etype, 0.0) * data["weight"]
        if w > 0:
            for a, b in ((u, v), (v, u)):
                H.add_edge(a, b, weight=H.get_edge_data(a, b, {"weight": 0.0})["weight"] + w)
    seeds = {view.nodes[0]: 1.0, view.nodes[view.n_papers]: 0.5}
    ref = nx.pagerank(H, alpha=0.5, personalization=seeds, tol=1e-12, max_iter=500)
    p = np.array([seeds.get(n, 0.0) for n in view.nodes])
    ours = personalized_pagerank(view.adjacency(WEIGHTS), p, alpha=0.5, max_iter=500)
    np.testing.assert_allclose(ours, [ref[n] for n in view.nodes], atol=1e-8)


def test_edge_between_finds_stored_edges_both_ways(view: GraphView) -> None:
    m = view.edges["MENTIONS"]
    s, d = int(m.src[0]), int(m.dst[0])
    for a, b in ((s, d), (d, s)):
        rel, src, dst, _ = view.edge_between(a, b)
        assert (src, dst, rel) == (s, d, str(m.rels[0]))
    assert view.edge_between(0, 0) is None


def test_view_save_load_round_trip(view: GraphView, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "view.npz"
    view.save(path)
    back = GraphView.load(path)
    assert back.nodes == view.nodes and back.index_hash == view.index_hash
    np.testing.assert_array_equal(back.embeddings, view.embeddings)
    for etype, e in view.edges.items():
        np.testing.assert_array_equal(back.edges[etype].src, e.src)
        np.testing.assert_array_equal(back.edges[etype].weight, e.weight)
        for part in ("rels", "evidence"):  # strings come back exactly, none padded or cut
            if getattr(e, part) is not None:
                assert list(getattr(back.edges[etype], part)) == list(getattr(e, part))
    assert back.paper_texts == view.paper_texts and back.concept_texts == view.concept_texts
    assert back.author_keys == view.author_keys == []
    # No fixed-width string arrays in the file: their padding made a 100k-paper view 2.6 GB.
    with np.load(path, allow_pickle=False) as z:
        assert all(z[k].dtype.kind != "U" for k in z.files if k != "meta")
    assert (back.transition_matrix(WEIGHTS) != view.transition_matrix(WEIGHTS)).nnz == 0


def test_load_view_caches_by_index_hash(slice_graph, tmp_path) -> None:  # noqa: ANN001
    from hepgraph.graph import view as view_module

    store, model = slice_graph.store, slice_graph.embedder.model_name
    view_module._MEMORY.clear()  # the session's retriever already holds this version in memory
    first = load_view(store, model=model, cache_dir=tmp_path)
    files = list(tmp_path.glob("view*.npz"))
    assert len(files) == 1 and store.index_hash() in files[0].name
    assert load_view(store, model=model, cache_dir=tmp_path) is first
    view_module._MEMORY.clear()
    again = load_view(store, model=model, cache_dir=tmp_path)  # from disk this time
    assert again is not first and again.nodes == first.nodes


def test_view_degree_sanity(view: GraphView) -> None:
    # Every paper with a concept link is a MENTIONS source; concepts never are.
    m = view.edges["MENTIONS"]
    assert m.src.max() < view.n_papers <= m.dst.min()
    per_paper = defaultdict(int)
    for s in m.src.tolist():
        per_paper[s] += 1
    assert len(per_paper) > view.n_papers // 2


def test_papers_sharing_a_text_share_its_vector_without_a_missing_warning(tmp_path, caplog) -> None:  # noqa: ANN001
    import logging

    from hepgraph.graph.embedded import EmbeddedStore
    from hepgraph.models import PaperRecord

    store = EmbeddedStore(tmp_path / "s.sqlite")
    store.ensure_schema()
    title = "Jet tagging with graph neural networks"  # two title-only papers with the same title
    records = [
        PaperRecord(source="bibtex", origin="t.bib", location=str(i), arxiv_id=aid, title=title)
        for i, aid in enumerate(["2101.00001", "2101.00002", "2101.00003"])
    ]
    store.upsert_records(records)
    papers = store.get_papers(["2101.00001", "2101.00002", "2101.00003"])
    store.put_embeddings("m", {papers[0].text_hash(): np.ones(4, dtype=np.float32) / 2})
    with caplog.at_level(logging.WARNING, logger="hepgraph.graph.view"):
        view = build_view(store, model="m")
    assert not [r for r in caplog.records if "no m embedding" in r.getMessage()]
    assert np.allclose(view.embeddings, 0.5)
    # A paper whose text has no vector is counted once, by paper.
    store.upsert_records(
        [
            PaperRecord(
                source="bibtex", origin="t.bib", location="9", arxiv_id="2101.00009", title="Another title"
            )
        ]
    )
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="hepgraph.graph.view"):
        build_view(store, model="m")
    assert any("1 of 4 papers have no m embedding" in r.getMessage() for r in caplog.records)
    store.close()
