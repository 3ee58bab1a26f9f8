"""The cited subgraph: the sources, the concepts that linked them and the edges between, with evidence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hepgraph.answer.graphindex import AnswerIndex
from hepgraph.models import ConceptLink
from hepgraph.nodes import QUESTION_NODE, concept_node, paper_node
from hepgraph.results import LinkedConcept, PathEdge, ScoredPaper, Subgraph, SubgraphEdge, SubgraphNode

EXTRA_CONCEPTS_PER_PAPER = 3
_PREFIXES = ("p:", "c:", "a:")


def node_id(raw: str) -> str:
    """A path end as a node id: ``p:``/``c:``/``a:`` ids kept, 'concept:<id>' and bare paper keys mapped.

    >>> node_id("concept:method:gnn"), node_id("2411.09296"), node_id("question")
    ('c:method:gnn', 'p:2411.09296', 'q')
    """
    if raw in (QUESTION_NODE, "question"):
        return QUESTION_NODE
    if raw.startswith(_PREFIXES):
        return raw
    if raw.startswith("concept:"):
        return concept_node(raw.removeprefix("concept:"))
    return paper_node(raw)


class SubgraphBuilder:
    """Collects nodes and edges without repeats."""

    def __init__(self, index: AnswerIndex) -> None:
        self.index = index
        self.nodes: dict[str, SubgraphNode] = {}
        self.edges: dict[tuple[str, str, str], SubgraphEdge] = {}

    def add_paper(self, hit: ScoredPaper) -> None:
        """A source paper node with its relevance."""
        self.nodes[paper_node(hit.key)] = SubgraphNode(
            id=paper_node(hit.key), label=hit.title or hit.key, type="paper", score=round(hit.score, 4)
        )

    def add_concept(self, concept_id: str) -> None:
        """A concept node labelled with its name and typed with its concept type."""
        node = concept_node(concept_id)
        if node not in self.nodes:
            self.nodes[node] = SubgraphNode(
                id=node, label=self.index.name(concept_id), type=self.index.type_of(concept_id) or "concept"
            )

    def add_edge(self, source: str, target: str, rel: str, evidence: str = "") -> None:
        """An edge; a repeat keeps the first evidence it was given."""
        key = (source, target, rel)
        if key not in self.edges or (evidence and not self.edges[key].evidence):
            self.edges[key] = SubgraphEdge(source=source, target=target, rel=rel, evidence=evidence)

    def add_path(self, path: Sequence[PathEdge]) -> None:
        """Edges of one explanation path; the question node is left out."""
        for edge in path:
            src, dst = node_id(edge.source), node_id(edge.target)
            if QUESTION_NODE in (src, dst):
                continue
            for end in (src, dst):
                if end.startswith("c:"):
                    self.add_concept(end[2:])
                elif end not in self.nodes:
                    self.nodes[end] = SubgraphNode(
                        id=end, label=end[2:], type="paper" if end[0] == "p" else "author"
                    )
            self.add_edge(src, dst, edge.rel, edge.evidence)

    def build(self) -> Subgraph:
        """The collected subgraph, nodes and edges in a stable order."""
        return Subgraph(
            nodes=sorted(self.nodes.values(), key=lambda n: n.id),
            edges=sorted(self.edges.values(), key=lambda e: (e.source, e.target, e.rel)),
        )


def build_subgraph(
    hits: Sequence[ScoredPaper],
    links: Mapping[str, Sequence[ConceptLink]],
    linked: Sequence[LinkedConcept],
    index: AnswerIndex,
) -> Subgraph:
    """Subgraph of ``hits``: their paths, their links to the question's concepts and their top other links."""
    builder = SubgraphBuilder(index)
    question_ids = {c.id for c in linked}
    for hit in hits:
        builder.add_paper(hit)
    for hit in hits:
        for path in hit.paths:
            builder.add_path(path)
        ranked = sorted(
            links.get(hit.key, []),
            key=lambda lk: (lk.concept_id not in question_ids, -lk.count, lk.concept_id),
        )
        extra = 0
        for link in ranked:  # the question's concepts first, then a few of the paper's own
            if link.concept_id not in question_ids:
                extra += 1
                if extra > EXTRA_CONCEPTS_PER_PAPER:
                    break
            builder.add_concept(link.concept_id)
            evidence = link.evidence[0].sentence if link.evidence else ""
            builder.add_edge(paper_node(hit.key), concept_node(link.concept_id), link.rel, evidence)
    return builder.build()
