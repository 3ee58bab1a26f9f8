"""Graph-walk retrieval: hybrid seeds, personalized PageRank over the paper-concept graph, diverse ranking.

One search:

1. understand the question: embed it, link it to concepts (:mod:`hepgraph.graph.linking`);
2. seeds: BM25 and dense matches over papers fused by their min-max normalised scores (CombSUM), the
   linked concepts (weighted by their specificity, as HippoRAG weights entities), and any follow-up nodes;
3. walk: personalized PageRank over papers and concepts (MENTIONS, IS_A, SIMILAR, CITES edges walked both
   ways), restarting on the seeds (:func:`~hepgraph.graph.walk.personalized_pagerank`);
4. rank papers by walk mass over the square root of their degree (PageRank mass grows with degree; the
   correction keeps hubs from outranking what the question is about), diversify the top with MMR, and
   give each a calibrated relevance in [0, 1];
5. explain each result by the paths its mass came along (:mod:`hepgraph.graph.explain`).

Everything is deterministic: ties break by paper order and no randomness is used.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from hepgraph.errors import QueryError
from hepgraph.graph.dense import DenseIndex, DenseScorer
from hepgraph.graph.explain import PathFinder, question_edge
from hepgraph.graph.lexical import LexicalIndex, top_k
from hepgraph.graph.linking import QuestionLinker, UnderstoodQuestion
from hepgraph.graph.structure import QuestionStructure, StructureIndex
from hepgraph.graph.view import GraphView, load_view
from hepgraph.graph.walk import WalkOperator
from hepgraph.protocols import ConceptMatcher, Embedder
from hepgraph.question import clean_question
from hepgraph.results import PathEdge, RetrievalResult, ScoredPaper
from hepgraph.settings import Settings
from hepgraph.store import GraphStore

logger = logging.getLogger(__name__)


class RetrievalConfig(BaseModel):
    """The retriever's settings. Defaults are literature values or round numbers, not fitted to labels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed_depth: int = Field(100, description="Papers taken from each of the BM25 and dense lists as seeds.")
    seed_fusion: Literal["combsum", "rrf"] = Field(
        "combsum",
        description="How BM25 and dense seeds are weighted: their min-max normalised scores summed (CombSUM,"
        " Fox & Shaw 1994), or reciprocal rank (RRF). Scores keep how much better the best hits are.",
    )
    rrf_k: int = Field(
        60, description="Reciprocal-rank-fusion constant (Cormack et al. 2009), for rrf seeds."
    )
    alpha: float = Field(0.5, description="Walk damping (0.5 as in HippoRAG); lower stays near the seeds.")
    concept_min_cosine: float = Field(
        0.5, description="Question-concept cosine from which a concept is linked by embedding."
    )
    concept_max_embedding: int = Field(3, description="At most this many concepts linked by embedding.")
    concept_embedding_fallback: bool = Field(
        True, description="Link concepts by embedding only when the matchers link none."
    )
    concept_share: float = Field(
        0.5, description="Restart mass on linked concepts, if any: text and concepts weigh equally."
    )
    followup_share: float = Field(0.5, description="Restart mass on follow-up seed nodes when given.")
    edge_weights: dict[str, float] = Field(
        default_factory=lambda: {"MENTIONS": 1.0, "IS_A": 1.0, "SIMILAR": 1.0, "CITES": 1.0},
        description="Multiplier per edge type in the walk.",
    )
    per_source: tuple[str, ...] = Field(
        ("MENTIONS",), description="Edge types scaled to sum 1 per source (length normalisation)."
    )
    degree_exponent: float = Field(
        0.5,
        description="Papers rank by walk mass / (weighted degree + 1) ** this. On an undirected graph"
        " PageRank mass grows with degree; 0.5 is the symmetric normalisation D^-1/2 (0: raw mass).",
    )
    side_coverage: bool = Field(
        True,
        description="When the question links a method and a physics goal, scale each paper's score by the"
        " share of the two sides it covers, smoothed ((1 + covered) / 3): Lucene's coordination factor over"
        " the question's sides, so a paper joining both outranks one matching a single side.",
    )
    physics_first: bool = Field(
        True,
        description="When the question names physics, papers with no physics category rank after every"
        " physics paper the walk reached (graph/structure.py says when a question names physics).",
    )
    mmr_lambda: float = Field(0.9, description="MMR trade-off: 1 = pure relevance.")
    mmr_pool: int = Field(3, description="MMR re-ranks the best k * mmr_pool papers.")
    tol: float = Field(1e-9, description="Walk tolerance per node (L1 change < n * tol).")
    walk_dtype: Literal["float32", "float64"] = Field(
        "float32",
        description="Float type of the walk. float32 halves the memory traffic of the memory-bound mat-vec;"
        " ranks agree with float64 to rounding (~1e-7 relative).",
    )
    max_iter: int = Field(200, description="Walk iteration limit.")
    cos_floor: float = Field(0.2, description="Question-paper cosine read as 0% relevant (unrelated texts).")
    cos_full: float = Field(0.65, description="Question-paper cosine read as 100% relevant.")
    off_topic_below: float = Field(0.15, description="Best relevance under which the question is flagged.")
    neighbourhood_per_paper: int = Field(
        50, description="In-database retrieval: CITES/SIMILAR neighbours fetched per seed paper."
    )
    neighbourhood_per_concept: int = Field(
        200, description="In-database retrieval: papers fetched per linked concept (most mentions first)."
    )


def question_linker(
    view: GraphView,
    embedder: Embedder,
    config: RetrievalConfig,
    *,
    matcher: ConceptMatcher | None,
    concept_vectors: tuple[list[str], np.ndarray] | None,
    cache_dir: Path | None = None,
) -> QuestionLinker:
    """The linker of questions to ``view``'s concepts, with the configured linking thresholds."""
    return QuestionLinker(
        view,
        embedder,
        matcher=matcher,
        cache_dir=cache_dir,
        min_cosine=config.concept_min_cosine,
        max_embedding_links=config.concept_max_embedding,
        fallback_only=config.concept_embedding_fallback,
        concept_vectors=concept_vectors,
    )


class Retriever:
    """Graph-walk retriever over one store version.

    Args:
        store: any GraphStore; read through a cached :class:`~hepgraph.graph.view.GraphView`.
        embedder: the model that embedded the papers (``settings.embedding_model``).
        matcher: the build's concept matcher, which links the question as it linked paper texts; None
            links by embedding only.
        concept_vectors: (concept ids, unit vectors) the build cached; None embeds the view's concepts.
        settings: cache folder and model name; defaults to ``Settings()``.
        config: retrieval settings.
        cache: keep the view and BM25 index in the cache folder (False for a per-question neighbourhood).
        dense: scores papers against the question on the built view; by default exact cosine over the
            view's vectors (a store that scores inside itself passes its own, and the view holds none).
    """

    def __init__(
        self,
        store: GraphStore,
        *,
        embedder: Embedder,
        matcher: ConceptMatcher | None = None,
        concept_vectors: tuple[list[str], np.ndarray] | None = None,
        settings: Settings | None = None,
        config: RetrievalConfig | None = None,
        cache: bool = True,
        dense: Callable[[GraphView], DenseScorer] | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.config = config or RetrievalConfig()
        self.store = store
        cache_dir = self.settings.cache_dir if cache else None
        self.view: GraphView = load_view(
            store, model=embedder.model_name, cache_dir=cache_dir, embeddings=dense is None
        )
        v = self.view
        self.lexical = LexicalIndex.load_or_build(cache_dir, v.index_hash, v.paper_keys, v.paper_texts)
        self.dense: DenseScorer | None = (
            dense(v)
            if dense is not None
            else DenseIndex(v.paper_keys, v.embeddings)
            if v.embeddings.shape[1]
            else None
        )
        self.linker = question_linker(
            v, embedder, self.config, matcher=matcher, concept_vectors=concept_vectors, cache_dir=cache_dir
        )
        A = v.adjacency(self.config.edge_weights, per_source=self.config.per_source)
        degree = np.asarray(A.sum(axis=1)).ravel()[: v.n_papers]
        self._rank_scale = 1.0 / (degree + 1.0) ** self.config.degree_exponent
        self.walk = WalkOperator.from_adjacency(A, dtype=np.dtype(self.config.walk_dtype).type)
        self.PT = self.walk.PT
        mentions = v.edges["MENTIONS"]
        self._paper_concepts = sp.csr_matrix(
            (np.ones(len(mentions)), (mentions.src, mentions.dst - v.n_papers)),
            shape=(v.n_papers, v.n_concepts),
        )
        df = np.asarray(self._paper_concepts.sum(axis=0)).ravel()
        self._concept_idf = np.log((v.n_papers + 1) / (df + 1)) + 1.0  # smoothed IDF (Robertson-Sparck Jones)
        self.structures = StructureIndex(v, self._paper_concepts)

    @functools.cached_property
    def P(self) -> sp.csr_matrix:  # noqa: N802 - the usual name of a transition matrix
        """Row-stochastic transition matrix of the walk (built on first use: only inspection needs it)."""
        return sp.csr_matrix(self.walk.PT.T)

    @property
    def index_hash(self) -> str:
        """Hash of the store version this retriever reads."""
        return self.view.index_hash

    # -- search ------------------------------------------------------------------------------------
    def search(self, question: str, *, k: int = 20, seed_nodes: Sequence[str] = ()) -> RetrievalResult:
        """Retrieve the ``k`` papers most relevant to ``question``.

        Args:
            question: free text.
            k: number of papers.
            seed_nodes: node ids (``p:...``, ``c:...``) a follow-up starts from; they get
                ``config.followup_share`` of the walk's restart mass.

        Raises:
            QueryError: the question is empty, or ``k`` is not positive.
        """
        t0 = time.perf_counter()
        text = clean_question(question, self.settings.max_question_chars)
        if k <= 0:
            msg = f"k must be a positive number of papers, got {k}"
            raise QueryError(msg)
        uq = self.linker.understand(text)
        n = self.view.n_papers
        cos = self.dense.scores(uq.vector) if self.dense is not None else np.zeros(n, np.float32)
        lex = self.lexical.scores(text)
        p, seed_edges = self._personalization(uq, cos, lex, seed_nodes)
        result = RetrievalResult(query=text, linked_concepts=uq.concepts, index_hash=self.index_hash)
        if not p.any():
            result.notice = "nothing in the archive matches this question: no shared terms, concepts or texts"
            result.off_topic = True
            result.ms = round((time.perf_counter() - t0) * 1000, 1)
            return result
        cfg = self.config
        mass = self.walk.run(p, alpha=cfg.alpha, tol=cfg.tol, max_iter=cfg.max_iter)
        structure = self.structures.structure(uq.concepts)
        ranking = mass[: self.view.n_papers] * self._rank_scale
        if cfg.side_coverage and structure.joined:
            ranking = ranking * self.structures.coverage(structure)
        order = self._rank(ranking, k, first=self._first_tier(ranking, structure))
        finder = PathFinder(self.view, self.PT, mass, seed_edges)
        result.results = _non_increasing(self._scored(order, ranking, cos, finder, uq))
        best = max((r.score for r in result.results), default=0.0)
        if best < cfg.off_topic_below:
            result.off_topic = True
            result.notice = (
                f"the archive holds little on this question (best relevance {best:.0%}): "
                "the papers below are weak matches"
            )
        result.ms = round((time.perf_counter() - t0) * 1000, 1)
        return result

    # -- seeds -------------------------------------------------------------------------------------
    def _personalization(
        self, uq: UnderstoodQuestion, cos: np.ndarray, lex: np.ndarray, seed_nodes: Sequence[str]
    ) -> tuple[np.ndarray, dict[int, PathEdge]]:
        """Restart distribution over all nodes and the question edge into every seed."""
        v, cfg = self.view, self.config
        edges: dict[int, PathEdge] = {}
        papers = np.zeros(v.n_papers)
        dense_top = top_k(cos, cfg.seed_depth) if self.dense is not None else np.zeros(0, np.int64)
        dense_top = dense_top[cos[dense_top] > 0]
        lex_top = top_k(lex, cfg.seed_depth)
        lex_top = lex_top[lex[lex_top] > 0]
        for top, score in ((lex_top, lex), (dense_top, cos)):
            papers[top] += _seed_weights(score[top], cfg.seed_fusion, cfg.rrf_k)
        for i in lex_top.tolist():  # dense second: its edge label wins for papers in both lists
            edges[i] = question_edge("SHARES_TERMS", v.node_id(i), f"BM25 {lex[i]:.2f}")
        for i in dense_top.tolist():
            edges[i] = question_edge("SIMILAR_TEXT", v.node_id(i), f"cosine {cos[i]:.2f}")
        concepts = np.zeros(v.n_concepts)
        for c in uq.concepts:
            i = v.index_of(f"c:{c.id}")
            if i is None:
                continue
            concepts[i - v.n_papers] = c.score * self._concept_idf[i - v.n_papers]
            rel, ev = (
                ("MATCHES", uq.surfaces.get(c.id, c.name))
                if c.how == "matcher"
                else ("RESEMBLES", f"cosine {c.score:.2f}")
            )
            edges[i] = question_edge(rel, v.node_id(i), ev)
        follow = np.zeros(v.n_nodes)
        for node in seed_nodes:
            i = v.index_of(node)
            if i is None:
                logger.warning("follow-up seed %s is not in the graph; ignored", node)
                continue
            follow[i] = 1.0
            edges[i] = question_edge("FOLLOWS_UP", node)
        parts = [(np.concatenate([papers, np.zeros(v.n_nodes - v.n_papers)]), 1.0)]
        if concepts.any():
            parts.append(
                (
                    np.concatenate([np.zeros(v.n_papers), concepts, np.zeros(len(v.author_keys))]),
                    cfg.concept_share,
                )
            )
        if follow.any():
            parts.append((follow, cfg.followup_share))
        return _mix(parts), edges

    # -- ranking -----------------------------------------------------------------------------------
    def _first_tier(self, ranking: np.ndarray, structure: QuestionStructure) -> np.ndarray | None:
        """Papers that rank before all others (physics papers, when the question names physics), or None."""
        if not (self.config.physics_first and structure.names_physics):
            return None
        return self.structures.physics_paper & (ranking > 0)

    def _rank(self, scores: np.ndarray, k: int, *, first: np.ndarray | None = None) -> list[int]:
        """Top ``k`` paper indices by score, diversified by MMR (Carbonell & Goldstein 1998).

        With ``first``, the papers it marks come before all others (each tier diversified on its own).
        """
        if first is not None and first.any():
            lead = self._rank(np.where(first, scores, 0.0), k)
            rest = self._rank(np.where(first, 0.0, scores), k - len(lead)) if len(lead) < k else []
            return lead + rest
        cfg = self.config
        pool = top_k(scores, k * cfg.mmr_pool)
        pool = pool[scores[pool] > 0]
        if cfg.mmr_lambda >= 1.0 or self.dense is None or len(pool) <= 1:
            return pool[:k].tolist()
        rel = scores[pool] / scores[pool[0]]
        vecs = self.dense.rows(pool)
        chosen: list[int] = []
        max_sim = np.zeros(len(pool), dtype=np.float32)
        free = np.ones(len(pool), dtype=bool)
        for _ in range(min(k, len(pool))):
            mmr = cfg.mmr_lambda * rel - (1 - cfg.mmr_lambda) * max_sim
            mmr[~free] = -np.inf
            j = int(np.argmax(mmr))  # first maximum: ties go to the better-ranked paper
            chosen.append(j)
            free[j] = False
            max_sim = np.maximum(max_sim, vecs @ vecs[j])
        return pool[chosen].tolist()

    def _relevance(self, cos_i: float, mass_ratio: float, best_cos: float) -> float:
        """Relevance in [0, 1] from the paper's own text similarity and its walk mass.

        The walk part is scaled by the question's best similarity, so an off-topic question cannot
        score high on graph mass alone.
        """
        cfg = self.config
        span = cfg.cos_full - cfg.cos_floor
        own = min(max((cos_i - cfg.cos_floor) / span, 0.0), 1.0)
        conf = min(max((best_cos - cfg.cos_floor) / span, 0.0), 1.0)
        return round(0.5 * own + 0.5 * conf * math.sqrt(max(mass_ratio, 0.0)), 4)

    def _scored(
        self,
        order: list[int],
        ranking: np.ndarray,
        cos: np.ndarray,
        finder: PathFinder,
        uq: UnderstoodQuestion,
    ) -> list[ScoredPaper]:
        v = self.view
        if not order:
            return []
        top = float(ranking.max())
        best_cos = float(cos.max()) if len(cos) else 0.0
        linked = {v.index_of(f"c:{c.id}") for c in uq.concepts}
        out: list[ScoredPaper] = []
        for i in order:
            paths = finder.paths(i)
            names = self._concept_names(i, linked, paths)
            out.append(
                ScoredPaper(
                    key=v.paper_keys[i],
                    arxiv_id=v.paper_arxiv[i] or None,
                    score=self._relevance(float(cos[i]), float(ranking[i]) / top, best_cos),
                    raw_score=float(ranking[i]),
                    title=v.paper_titles[i],
                    year=int(v.paper_years[i]) if v.paper_years[i] > 0 else None,
                    category=v.paper_categories[i] or None,
                    concepts=names,
                    paths=paths,
                )
            )
        return out

    def _concept_names(self, i: int, linked: set[int | None], paths: list[list[PathEdge]]) -> list[str]:
        """Names of the question's concepts this paper mentions, then concepts on its paths."""
        v = self.view
        row = self._paper_concepts.indices[
            self._paper_concepts.indptr[i] : self._paper_concepts.indptr[i + 1]
        ]
        ids = [j + v.n_papers for j in sorted(row.tolist()) if j + v.n_papers in linked]
        for path in paths:
            for edge in path:
                for node in (edge.source, edge.target):
                    j = v.index_of(node) if node.startswith("c:") else None
                    if j is not None and j not in ids:
                        ids.append(j)
        return [v.concept_names[j - v.n_papers] for j in ids]


def _non_increasing(papers: list[ScoredPaper]) -> list[ScoredPaper]:
    """The papers with their relevance made non-increasing down the list by isotonic regression.

    A running minimum would instead flatten every later paper to the lowest value seen, so one weak
    paper early on made the whole rest of the list read the same.
    """
    if len(papers) < 2:
        return papers
    fitted = non_increasing_fit([p.score for p in papers])
    return [
        p.model_copy(update={"score": round(min(max(f, 0.0), 1.0), 4)})
        for p, f in zip(papers, fitted, strict=True)
    ]


def non_increasing_fit(values: Sequence[float]) -> list[float]:
    """The non-increasing sequence closest to ``values`` in least squares (pool-adjacent-violators).

    Each run that rises against the order is replaced by its mean. ``scipy.optimize.isotonic_regression``
    computes the same (the tests compare them), but importing scipy.optimize costs every question a
    quarter of a second for a list of twenty numbers.

    >>> non_increasing_fit([0.9, 0.5, 0.7, 0.2])
    [0.9, 0.6, 0.6, 0.2]
    """
    blocks: list[tuple[float, int]] = []  # (mean, length) of the pooled runs so far
    for value in values:
        mean, size = float(value), 1
        while blocks and blocks[-1][0] < mean:
            before, n = blocks.pop()
            mean, size = (before * n + mean * size) / (n + size), n + size
        blocks.append((mean, size))
    return [mean for mean, size in blocks for _ in range(size)]


def _seed_weights(scores: np.ndarray, how: str, rrf_k: int) -> np.ndarray:
    """Seed weight of each paper of a ranked list from its score (CombSUM, min-max) or its rank (RRF)."""
    if how == "rrf" or len(scores) < 2:
        return 1.0 / (rrf_k + 1 + np.arange(len(scores)))
    lo, hi = float(scores[-1]), float(scores[0])
    if hi <= lo:  # all tied: every paper weighs the same
        return np.ones(len(scores))
    return (scores - lo) / (hi - lo)


def _mix(parts: list[tuple[np.ndarray, float]]) -> np.ndarray:
    """Weighted mixture of non-negative vectors, each first normalised to sum 1; the first takes the rest."""
    head, _ = parts[0]
    out = np.zeros_like(head)
    rest = 1.0 - sum(share for _, share in parts[1:])
    for idx, (vec, share) in enumerate(parts):
        total = vec.sum()
        if total > 0:
            out += (rest if idx == 0 else share) * vec / total
    return out
