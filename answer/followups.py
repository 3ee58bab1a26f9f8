"""Follow-up questions as typed hops out of the answer's subgraph.

(a) topic -> other papers -> a method they use that the answer does not mention;
(b) method -> other papers -> a neighbouring topic the same method serves;
(c) top source -> papers citing it, cited by it or similar to it.
Each :class:`~hepgraph.results.Followup` carries the node ids of both ends of its hop, so asking it seeds
the walk there. Candidates are ranked by counts with ids as tie-breakers: the output is deterministic.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from hepgraph.answer.graphindex import AnswerIndex
from hepgraph.nodes import concept_node, paper_node
from hepgraph.results import Followup, RetrievalResult, ScoredPaper

TOPIC_TYPES = frozenset({"Topic", "Task", "Process"})
METHOD_TYPES = frozenset({"Method"})
MAX_NEIGHBOURS = 3


def short_title(title: str, limit: int = 70) -> str:
    """A title cut at a word boundary to at most ``limit`` characters."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    return title[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


class FollowupMaker:
    """Builds up to ``n`` follow-ups for one answer from the answer index."""

    def __init__(self, index: AnswerIndex, *, n: int = 3) -> None:
        self.index = index
        self.n = n

    def make(
        self, retrieval: RetrievalResult, sources: Sequence[ScoredPaper], cited: Sequence[str] = ()
    ) -> list[Followup]:
        """Follow-ups for an answer from ``sources`` citing ``cited`` (arXiv ids; all sources when empty).

        Each kind of hop gets a place before any kind gets a second one.
        """
        kinds: list[Callable[[_Context], list[Followup]]] = [_method_elsewhere, _neighbour_topic, _top_source]
        strict = _Context(self.index, retrieval, sources, cited, strict=True)
        relaxed = _Context(self.index, retrieval, sources, cited, strict=False)
        # Per kind, strict hops (reaching concepts the answer does not touch) before relaxed ones, so each
        # kind of hop gets a place before any kind gets a second one.
        ranked = [kind(strict) + kind(relaxed) for kind in kinds]
        out: list[Followup] = []
        seen: set[tuple[str, ...]] = set()
        for rank in range(max((len(r) for r in ranked), default=0)):
            for candidates in ranked:
                if len(out) >= self.n:
                    return out
                taken = {f.hop for f in out}
                # Walk this kind's list from `rank` to its first new candidate of a hop not yet shown.
                for cand in candidates[rank:]:
                    key = tuple(sorted(cand.from_nodes))
                    if cand.question == retrieval.query:  # never offer the question just asked
                        continue
                    if key not in seen and (rank > 0 or cand.hop not in taken):
                        seen.add(key)
                        out.append(cand)
                        break
        return out


class _Context:
    """What the hops start from: the question's and the sources' concepts, and the source papers."""

    def __init__(
        self,
        index: AnswerIndex,
        retrieval: RetrievalResult,
        sources: Sequence[ScoredPaper],
        cited: Sequence[str],
        *,
        strict: bool = True,
    ) -> None:
        self.index = index
        self.sources = list(sources)
        used = [s for s in sources if s.arxiv_id in set(cited)] or self.sources
        # "Elsewhere" means outside the papers the answer cites; their concepts are already in the answer.
        self.source_keys = {s.key for s in used}
        question = [c.id for c in retrieval.linked_concepts]
        source_counts = Counter(c for s in used for c in index.concepts_of.get(s.key, ()))
        # Question concepts first, then the sources' concepts by how many sources share them.
        by_count = [c for c, _ in sorted(source_counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        ordered = list(dict.fromkeys(question + by_count))
        # Relaxed: only the question's own concepts are excluded as hop targets.
        self.answer_concepts = set(ordered) if strict else set(question)
        self.topics = [c for c in ordered if index.type_of(c) in TOPIC_TYPES]
        self.methods = [c for c in ordered if index.type_of(c) in METHOD_TYPES]

    def ranked_neighbours(self, concept_id: str, types: frozenset[str], exclude: Iterable[str]) -> list[str]:
        """Concepts of ``types`` on papers outside the answer that link ``concept_id``, most shared first."""
        banned = self.answer_concepts | set(exclude)
        counts: Counter[str] = Counter()
        for paper in self.index.papers_linking(concept_id) - self.source_keys:
            counts.update(
                c
                for c in self.index.concepts_of.get(paper, ())
                if c not in banned and self.index.type_of(c) in types
            )
        return [c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _method_elsewhere(ctx: _Context) -> list[Followup]:
    out: list[Followup] = []
    for topic in ctx.topics[:2]:
        for method in ctx.ranked_neighbours(topic, METHOD_TYPES, ())[:1]:
            out.append(
                Followup(
                    question=f"How has {ctx.index.name(method)} been used for {ctx.index.name(topic)}?",
                    from_nodes=[concept_node(topic), concept_node(method)],
                    hop="topic → papers → method",
                )
            )
    return out


def _neighbour_topic(ctx: _Context) -> list[Followup]:
    out: list[Followup] = []
    for method in ctx.methods[:2]:
        for topic in ctx.ranked_neighbours(method, TOPIC_TYPES, ())[:1]:
            out.append(
                Followup(
                    question=f"What does {ctx.index.name(method)} achieve in {ctx.index.name(topic)}?",
                    from_nodes=[concept_node(method), concept_node(topic)],
                    hop="method → papers → topic",
                )
            )
    return out


def _neighbours(keys: Iterable[str], exclude: set[str], weight: Callable[[str], float]) -> list[str]:
    return sorted(set(keys) - exclude, key=lambda k: (-weight(k), k))[:MAX_NEIGHBOURS]


def _top_source(ctx: _Context) -> list[Followup]:
    out: list[Followup] = []
    for top in ctx.sources[:2]:
        title = short_title(top.title or top.key)
        linked = lambda k: float(len(ctx.index.concepts_of.get(k, ())))  # noqa: E731 - prefer linked papers
        hops = [
            (
                ctx.index.cited_by.get(top.key, set()),
                f"What has later work citing “{title}” found?",
                "paper ← cited by",
            ),
            (
                ctx.index.cites.get(top.key, set()),
                f"What earlier work does “{title}” build on?",
                "paper → cites",
            ),
        ]
        similar = ctx.index.similar.get(top.key, {})
        hops.append(
            (set(similar), f"Which other papers work on the same problem as “{title}”?", "paper ~ similar")
        )
        for keys, question, hop in hops:
            weight = similar.get if hop == "paper ~ similar" else linked
            near = _neighbours(keys, ctx.source_keys, lambda k, w=weight: w(k) or 0.0)
            if near:
                # The similar hop asks for *other* papers: seeding the walk at the named paper too would
                # rank it first and offer the same question again (issue 18).
                start = [] if hop == "paper ~ similar" else [paper_node(top.key)]
                nodes = start + [paper_node(k) for k in near]
                out.append(Followup(question=question, from_nodes=nodes, hop=hop))
                break
    return out
