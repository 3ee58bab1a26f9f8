"""GraphView and EdgeList: the view's arrays, the matrices walked over them, and their .npz cache file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse as sp

from hepgraph.graph.walk import row_normalize
from hepgraph.nodes import author_node, concept_node, paper_node

EDGE_TYPES = ("MENTIONS", "IS_A", "SIMILAR", "CITES", "WROTE")
_STRING_LISTS = (  # GraphView's list-of-str fields, as the cache file stores them
    "paper_keys",
    "paper_arxiv",
    "paper_titles",
    "paper_texts",
    "paper_categories",
    "concept_ids",
    "concept_names",
    "concept_types",
    "concept_texts",
    "author_keys",
)
_FORMAT = "3"  # bump when the .npz layout changes: older cache files are then ignored, not misread


@dataclass(frozen=True)
class EdgeList:
    """Edges of one type as parallel arrays (node indices into the view)."""

    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    rels: np.ndarray | None = None
    evidence: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.src.shape[0])


@dataclass
class GraphView:
    """Papers, concepts, typed edges and paper embeddings as numpy arrays."""

    index_hash: str
    model: str
    paper_keys: list[str]
    paper_arxiv: list[str]
    paper_titles: list[str]
    paper_texts: list[str]
    paper_years: np.ndarray
    paper_categories: list[str]
    paper_physics: np.ndarray  # int8 per paper: 1 a physics category, 0 none, -1 no categories at all
    concept_ids: list[str]
    concept_names: list[str]
    concept_types: list[str]
    concept_texts: list[str]
    author_keys: list[str]
    edges: dict[str, EdgeList]
    embeddings: np.ndarray
    _index: dict[str, int] = field(default_factory=dict, repr=False)
    _pairs: dict[int, tuple[str, int]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._index = {n: i for i, n in enumerate(self.nodes)}

    # -- nodes -------------------------------------------------------------------------------------
    @property
    def n_papers(self) -> int:
        """Number of paper nodes (indices ``0..n_papers-1``)."""
        return len(self.paper_keys)

    @property
    def n_concepts(self) -> int:
        """Number of concept nodes (after the papers)."""
        return len(self.concept_ids)

    @property
    def n_nodes(self) -> int:
        """All nodes: papers, concepts, authors."""
        return self.n_papers + self.n_concepts + len(self.author_keys)

    @property
    def nodes(self) -> list[str]:
        """Node ids (``p:``, ``c:``, ``a:``) in index order."""
        return (
            [paper_node(k) for k in self.paper_keys]
            + [concept_node(c) for c in self.concept_ids]
            + [author_node(a) for a in self.author_keys]
        )

    def index_of(self, node: str) -> int | None:
        """Index of a node id, or None when the view does not hold it."""
        return self._index.get(node)

    def node_id(self, i: int) -> str:
        """Node id of index ``i``."""
        if i < self.n_papers:
            return paper_node(self.paper_keys[i])
        if i < self.n_papers + self.n_concepts:
            return concept_node(self.concept_ids[i - self.n_papers])
        return author_node(self.author_keys[i - self.n_papers - self.n_concepts])

    # -- edges -------------------------------------------------------------------------------------
    def adjacency(
        self, edge_weights: dict[str, float], *, symmetric: bool = True, per_source: Sequence[str] = ()
    ) -> sp.csr_matrix:
        """Weighted adjacency ``A[i, j]``: the sum over types of ``edge_weights[type] * weight(i -> j)``.

        With ``symmetric`` every edge is also walked backwards (relevance flows both ways: a paper
        about a method makes the method relevant and vice versa). Types missing from ``edge_weights``
        or weighted 0 are left out. For the types in ``per_source`` each source node's edges of that
        type are first scaled to sum 1, so a paper linked to 20 concepts carries no more concept weight
        than one linked to 2 (document-length normalisation; without it the walk favours long texts).
        """
        rows, cols, vals = [], [], []
        for etype, w in sorted(edge_weights.items()):
            e = self.edges.get(etype)
            if e is None or w <= 0 or len(e) == 0:
                continue
            weight = e.weight.astype(np.float64)
            if etype in per_source:
                totals = np.bincount(e.src, weights=weight, minlength=self.n_nodes)
                weight = weight / totals[e.src]
            rows.append(e.src)
            cols.append(e.dst)
            vals.append(w * weight)
            if symmetric:
                rows.append(e.dst)
                cols.append(e.src)
                vals.append(w * weight)
        n = self.n_nodes
        if not rows:
            return sp.csr_matrix((n, n), dtype=np.float64)
        A = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
        return sp.csr_matrix(A)  # duplicates are summed

    def transition_matrix(
        self, edge_weights: dict[str, float], *, symmetric: bool = True, per_source: Sequence[str] = ()
    ) -> sp.csr_matrix:
        """Row-stochastic transition matrix ``P[i, j]`` = probability of stepping i -> j.

        Rows are :meth:`adjacency` rows scaled to sum 1. A node without edges (dangling) keeps an
        all-zero row; :func:`~hepgraph.graph.walk.personalized_pagerank` then sends its mass to the
        personalization vector, as ``networkx.pagerank`` does.
        """
        return row_normalize(self.adjacency(edge_weights, symmetric=symmetric, per_source=per_source))[0]

    def edge_between(self, i: int, j: int) -> tuple[str, int, int, str] | None:
        """A stored edge joining nodes i and j in either direction: (rel, source, target, evidence)."""
        if self._pairs is None:
            self._pairs = self._build_pairs()
        hit = self._pairs.get(i * self.n_nodes + j) or self._pairs.get(j * self.n_nodes + i)
        if hit is None:
            return None
        etype, k = hit
        e = self.edges[etype]
        rel = str(e.rels[k]) if e.rels is not None else etype
        ev = str(e.evidence[k]) if e.evidence is not None else ""
        return rel, int(e.src[k]), int(e.dst[k]), ev

    def _build_pairs(self) -> dict[int, tuple[str, int]]:
        pairs: dict[int, tuple[str, int]] = {}
        n = self.n_nodes
        for etype in EDGE_TYPES:  # first type wins for a pair joined twice
            e = self.edges.get(etype)
            if e is None:
                continue
            for k, code in enumerate((e.src.astype(np.int64) * n + e.dst).tolist()):
                pairs.setdefault(code, (etype, k))
        return pairs

    def to_networkx(self) -> nx.MultiDiGraph:
        """The view as a networkx MultiDiGraph: nodes carry ``kind``/``label``, edges ``rel``/``weight``."""
        G = nx.MultiDiGraph()
        for i, node in enumerate(self.nodes):
            if i < self.n_papers:
                G.add_node(node, kind="paper", label=self.paper_titles[i])
            elif i < self.n_papers + self.n_concepts:
                G.add_node(node, kind="concept", label=self.concept_names[i - self.n_papers])
            else:
                G.add_node(node, kind="author", label=self.author_keys[i - self.n_papers - self.n_concepts])
        nodes = self.nodes
        for etype, e in self.edges.items():
            rels = e.rels if e.rels is not None else np.full(len(e), etype)
            rows = zip(e.src.tolist(), e.dst.tolist(), e.weight.tolist(), rels.tolist(), strict=True)
            for s, d, w, r in rows:
                G.add_edge(nodes[s], nodes[d], key=etype, rel=r, weight=w)
        return G

    # -- persistence -------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the view to one ``.npz`` file (no pickles)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {
            "meta": np.array([self.index_hash, self.model]),
            "paper_years": self.paper_years,
            "paper_physics": self.paper_physics,
            "embeddings": self.embeddings,
        }
        for name in _STRING_LISTS:
            _pack(arrays, name, getattr(self, name))
        for etype, e in self.edges.items():
            for part in ("src", "dst", "weight"):
                arrays[f"edge.{etype}.{part}"] = getattr(e, part)
            for part in ("rels", "evidence"):
                val = getattr(e, part)
                if val is not None:
                    _pack(arrays, f"edge.{etype}.{part}", [str(x) for x in val])
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> GraphView:
        """Read a view written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
        edges: dict[str, EdgeList] = {}
        for etype in EDGE_TYPES:
            if f"edge.{etype}.src" in data:
                base = f"edge.{etype}"
                rels = _unpack(data, f"{base}.rels") if f"{base}.rels.utf8" in data else None
                ev = _unpack(data, f"{base}.evidence") if f"{base}.evidence.utf8" in data else None
                edges[etype] = EdgeList(
                    data[f"{base}.src"],
                    data[f"{base}.dst"],
                    data[f"{base}.weight"],
                    None if rels is None else np.array(rels, dtype=str),
                    None if ev is None else np.array(ev, dtype=object),
                )
        lists = {k: _unpack(data, k) for k in _STRING_LISTS}
        meta = data["meta"].tolist()
        return cls(
            index_hash=meta[0],
            model=meta[1],
            paper_years=data["paper_years"],
            paper_physics=data["paper_physics"],
            embeddings=data["embeddings"],
            edges=edges,
            **lists,
        )


def _pack(arrays: dict[str, np.ndarray], name: str, strings: Sequence[str]) -> None:
    """Store strings as one UTF-8 byte array plus end offsets: no pickles and no padding.

    A numpy str array pads every entry to the longest one: a 100k-paper view file was 2.6 GB that way.
    """
    encoded = [x.encode("utf-8") for x in strings]
    arrays[f"{name}.utf8"] = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    arrays[f"{name}.ends"] = np.cumsum([len(b) for b in encoded], dtype=np.int64)


def _unpack(data: dict[str, np.ndarray], name: str) -> list[str]:
    blob = data[f"{name}.utf8"].tobytes()
    ends = data[f"{name}.ends"].tolist()
    starts = [0, *ends[:-1]] if ends else []
    return [blob[a:b].decode("utf-8") for a, b in zip(starts, ends, strict=True)]
