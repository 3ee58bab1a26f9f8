"""An in-memory, array-backed view of the graph for retrieval, built from any GraphStore.

The view reads the store only through the Protocol's iterators, so it is the same on SQLite and Neo4j.
Nodes are numbered papers first (``0..P-1`` in key order), then concepts, then (optionally) authors.
Edges are kept per type in their stored direction:

=========  ====================  ===================================
type       direction             weight
=========  ====================  ===================================
MENTIONS   paper -> concept      link count (``rels`` holds USES_METHOD, STUDIES, ...)
IS_A       concept -> parent     1
SIMILAR    paper -> paper        embedding similarity score
CITES      citing -> cited       1 (only when both ends are stored papers)
WROTE      author -> paper       1 (only with ``include_authors``)
=========  ====================  ===================================

A view is immutable; build it once per store :meth:`~hepgraph.store.GraphStore.index_hash` and
reuse it (:func:`load_view` caches in memory and, with a cache folder, on disk).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import NamedTuple

import numpy as np

from hepgraph.caches import write_cache
from hepgraph.graph.view_arrays import _FORMAT
from hepgraph.graph.view_arrays import EDGE_TYPES as EDGE_TYPES
from hepgraph.graph.view_arrays import EdgeList as EdgeList
from hepgraph.graph.view_arrays import GraphView as GraphView
from hepgraph.models import Concept
from hepgraph.store import GraphStore

logger = logging.getLogger(__name__)

_EVIDENCE_CHARS = 300
_MEMORY: dict[tuple[str, str, bool], GraphView] = {}


def load_view(
    store: GraphStore,
    *,
    model: str,
    cache_dir: Path | None = None,
    include_authors: bool = False,
    embeddings: bool = True,
) -> GraphView:
    """The view of ``store`` for its current index hash: from memory, from ``cache_dir``, or built.

    ``embeddings=False`` leaves the paper vectors out (a store that scores them itself).
    """
    index_hash = store.index_hash()
    key = (index_hash, model, include_authors, embeddings)
    if key in _MEMORY:
        return _MEMORY[key]
    safe_model = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in model)
    suffix = ("-authors" if include_authors else "") + ("" if embeddings else "-novectors")
    path = cache_dir / f"view{_FORMAT}-{index_hash}-{safe_model}{suffix}.npz" if cache_dir else None
    view: GraphView | None = None
    if path is not None and path.exists():
        try:
            view = GraphView.load(path)
        except (OSError, ValueError, KeyError) as err:
            logger.warning("cannot read the cached graph view %s (%s); rebuilding", path, err)
    if view is None:
        view = build_view(
            store, model=model, include_authors=include_authors, index_hash=index_hash, embeddings=embeddings
        )
        if path is not None:
            write_cache(path, view.save, what="graph view")
    _MEMORY.clear()  # one index version at a time: an older view is stale
    _MEMORY[key] = view
    return view


# -- building from a store ---------------------------------------------------------------------------
def _concept_text(name: str, aliases: list[str], description: str) -> str:
    """What a concept is embedded as: its name, aliases and description."""
    parts = [name]
    if aliases:
        parts.append("(" + ", ".join(aliases[:6]) + ")")
    if description:
        parts.append(": " + description)
    return " ".join(parts)


def _edge_list(rows: list[tuple], *, with_rel: bool = False) -> EdgeList:
    src = np.array([r[0] for r in rows], dtype=np.int32)
    dst = np.array([r[1] for r in rows], dtype=np.int32)
    weight = np.array([r[2] for r in rows], dtype=np.float32)
    if not with_rel:
        return EdgeList(src, dst, weight)
    rels = np.array([r[3] for r in rows], dtype=str)
    # Object, not fixed-width: a str array pads every sentence to the longest (4 bytes a character).
    evidence = np.array([r[4] for r in rows], dtype=object)
    return EdgeList(src, dst, weight, rels, evidence)


class _PaperRow(NamedTuple):
    key: str
    arxiv: str
    title: str
    text: str
    year: int
    category: str
    physics: int
    text_hash: str


def build_view(
    store: GraphStore,
    *,
    model: str,
    include_authors: bool = False,
    index_hash: str | None = None,
    embeddings: bool = True,
) -> GraphView:
    """Read every paper, concept and edge of ``store`` into a :class:`GraphView`.

    ``index_hash`` saves re-hashing the store when the caller already has it.
    """
    papers = _paper_rows(store)
    concepts = sorted(store.iter_concepts(), key=lambda c: c.id)
    pidx = {p.key: i for i, p in enumerate(papers)}
    cidx = {c.id: len(papers) + i for i, c in enumerate(concepts)}
    edges = _edges(store, concepts, pidx, cidx)
    author_keys: list[str] = []
    if include_authors:
        author_keys, edges["WROTE"] = _authorship(store, pidx, base=len(papers) + len(concepts))
    view = GraphView(
        index_hash=index_hash or store.index_hash(),
        model=model,
        paper_keys=[p.key for p in papers],
        paper_arxiv=[p.arxiv for p in papers],
        paper_titles=[p.title for p in papers],
        paper_texts=[p.text for p in papers],
        paper_years=np.array([p.year for p in papers], dtype=np.int32),
        paper_categories=[p.category for p in papers],
        paper_physics=np.array([p.physics for p in papers], dtype=np.int8),
        concept_ids=[c.id for c in concepts],
        concept_names=[c.name for c in concepts],
        concept_types=[c.type for c in concepts],
        concept_texts=[_concept_text(c.name, c.aliases, c.description) for c in concepts],
        author_keys=author_keys,
        edges=edges,
        embeddings=(
            _embeddings(store, model, [p.text_hash for p in papers])
            if embeddings
            else np.zeros((len(papers), 0), dtype=np.float32)
        ),
    )
    logger.info(
        "graph view: %s papers, %s concepts, edges %s",
        view.n_papers,
        view.n_concepts,
        {k: len(v) for k, v in edges.items()},
    )
    return view


def _paper_rows(store: GraphStore) -> list[_PaperRow]:
    """The fields the view keeps of every paper, in key order.

    Whole Paper objects (collaboration author lists run to thousands of names) would hold the entire
    store in memory at once.
    """
    rows = (
        _PaperRow(
            p.key,
            p.arxiv_id or "",
            p.title_text or p.title,
            p.text,
            p.year or -1,
            p.primary_category or "",
            -1 if p.in_physics is None else int(p.in_physics),
            p.text_hash(),
        )
        for p in store.iter_papers()
    )
    return sorted(rows, key=lambda p: p.key)


def _edges(
    store: GraphStore, concepts: list[Concept], pidx: dict[str, int], cidx: dict[str, int]
) -> dict[str, EdgeList]:
    """MENTIONS, IS_A, SIMILAR and CITES edges between stored nodes, each list sorted."""
    links = []
    for link in store.iter_links():
        if link.paper_key in pidx and link.concept_id in cidx:
            ev = link.evidence[0].sentence[:_EVIDENCE_CHARS] if link.evidence else ""
            links.append((pidx[link.paper_key], cidx[link.concept_id], float(link.count), link.rel, ev))
    links.sort()
    is_a = sorted({(cidx[c.id], cidx[p], 1.0) for c in concepts for p in c.parents if p in cidx})
    similar = sorted(
        (pidx[e.a], pidx[e.b], float(e.score))
        for e in store.iter_similar()
        if e.a in pidx and e.b in pidx and e.a != e.b
    )
    cites = sorted(
        {
            (pidx[c.citing], pidx[c.cited], 1.0)
            for c in store.iter_citations()
            if c.citing in pidx and c.cited in pidx and c.citing != c.cited
        }
    )
    return {
        "MENTIONS": _edge_list(links, with_rel=True),
        "IS_A": _edge_list(is_a),
        "SIMILAR": _edge_list(similar),
        "CITES": _edge_list(cites),
    }


def _authorship(store: GraphStore, pidx: dict[str, int], *, base: int) -> tuple[list[str], EdgeList]:
    """Author keys (numbered from ``base``) and their WROTE edges to stored papers."""
    pairs = sorted({(a, p) for a, p in store.iter_authorship() if p in pidx})
    author_keys = sorted({a for a, _ in pairs})
    aidx = {a: base + i for i, a in enumerate(author_keys)}
    return author_keys, _edge_list([(aidx[a], pidx[p], 1.0) for a, p in pairs])


def _embeddings(store: GraphStore, model: str, hashes: list[str]) -> np.ndarray:
    """One row per paper: its cached ``model`` vector, or zeros (logged) when it has none."""
    found = store.get_embeddings(model, hashes)
    dim = len(next(iter(found.values()))) if found else 0
    emb = np.zeros((len(hashes), dim), dtype=np.float32)
    missing = 0
    for i, h in enumerate(hashes):
        if h in found:
            emb[i] = found[h]
        else:
            missing += 1  # counted per paper: papers with the same text share one cached vector
    if missing:
        logger.warning(
            "%s of %s papers have no %s embedding: they are found by words and the graph only",
            missing,
            len(hashes),
            model,
        )
    return emb
