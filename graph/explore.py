"""Read-side analytics for the explorer: concept pages, paper pages and the method x topic matrix.

Pure functions over the GraphStore Protocol, so they run on either backend. `ExploreIndex` reads the
links once (one pass over the store) and answers every page from memory; the UI caches it per index hash.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from hepgraph.models import Concept, ConceptLink, Paper
from hepgraph.store import GraphStore


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConceptSummary(_Model):
    """One concept with how many papers link it."""

    id: str
    name: str
    type: str
    papers: int


class ConceptPage(_Model):
    """What the concept page shows."""

    concept: Concept
    papers: list[str] = Field(description="paper keys, most mentions first")
    by_year: dict[int, int]
    neighbours: list[ConceptSummary] = Field(description="concepts co-linked with it, by shared papers")
    parents: list[ConceptSummary]
    children: list[ConceptSummary]
    experiments: list[ConceptSummary]
    datasets: list[ConceptSummary]


class PaperPage(_Model):
    """What the paper page shows."""

    paper: Paper
    links: list[ConceptLink]
    similar: list[tuple[str, float]]
    cites: list[str]
    cited_by: list[str]


class MatrixCell(_Model):
    """Papers linking both a method and a topic; an empty cell is something nobody here has tried."""

    method: str
    topic: str
    papers: int
    method_id: str = ""
    topic_id: str = ""


class AuthorPage(_Model):
    """What the author page shows: papers, co-authors and the methods used, year by year."""

    key: str
    name: str
    papers: list[str] = Field(description="paper keys, newest first")
    coauthors: list[tuple[str, str, int]] = Field(description="(author key, name, shared papers), most first")
    methods_by_year: dict[int, list[tuple[str, int]]] = Field(
        description="year -> (method concept id, papers that year), most used first"
    )


class Facets(_Model):
    """What the paper search can filter on: the years and arXiv categories the store holds."""

    first_year: int
    last_year: int
    categories: list[str] = Field(description="most used first")
    category_counts: dict[str, int]


class ExploreIndex:
    """In-memory indexes of links, citations and similarity for the explorer pages."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._facets: Facets | None = None
        self.concepts: dict[str, Concept] = {c.id: c for c in store.iter_concepts()}
        self.papers_of: dict[str, Counter[str]] = defaultdict(Counter)
        self.concepts_of: dict[str, set[str]] = defaultdict(set)
        for link in store.iter_links():
            self.papers_of[link.concept_id][link.paper_key] += link.count
            self.concepts_of[link.paper_key].add(link.concept_id)
        self.similar: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for edge in store.iter_similar():
            self.similar[edge.a].append((edge.b, edge.score))
            self.similar[edge.b].append((edge.a, edge.score))
        self.cites: dict[str, list[str]] = defaultdict(list)
        self.cited_by: dict[str, list[str]] = defaultdict(list)
        for cit in store.iter_citations():
            self.cites[cit.citing].append(cit.cited)
            self.cited_by[cit.cited].append(cit.citing)
        self.children: dict[str, list[str]] = defaultdict(list)
        for concept in self.concepts.values():
            for parent in concept.parents:
                self.children[parent].append(concept.id)
        self.papers_by: dict[str, set[str]] = defaultdict(set)
        self.authors_of: dict[str, list[str]] = defaultdict(list)
        for author, paper in store.iter_authorship():
            self.papers_by[author].add(paper)
            self.authors_of[paper].append(author)

    def facets(self) -> Facets:
        """Years and categories of the store's papers (read once, on first use)."""
        if self._facets is None:
            years: set[int] = set()
            cats: Counter[str] = Counter()
            for paper in self.store.iter_papers():
                if paper.year:
                    years.add(paper.year)
                cats.update(paper.categories)
            ordered = [c for c, _ in sorted(cats.items(), key=lambda kv: (-kv[1], kv[0]))]
            self._facets = Facets(
                first_year=min(years, default=0),
                last_year=max(years, default=0),
                categories=ordered,
                category_counts=dict(cats),
            )
        return self._facets

    def summary(self, concept_id: str) -> ConceptSummary:
        """Name, type and paper count of one concept."""
        c = self.concepts[concept_id]
        return ConceptSummary(id=c.id, name=c.name, type=c.type, papers=len(self.papers_of.get(c.id, ())))

    def linked_concepts(self, *, types: Sequence[str] = ()) -> list[ConceptSummary]:
        """Concepts that at least one paper links, most linked first."""
        ids = [cid for cid in self.papers_of if cid in self.concepts]
        out = [self.summary(cid) for cid in ids if not types or self.concepts[cid].type in types]
        return sorted(out, key=lambda s: (-s.papers, s.name))

    def concept_page(self, concept_id: str, *, top: int = 12) -> ConceptPage:
        """Papers over time, neighbours, hierarchy, experiments and datasets around one concept."""
        concept = self.concepts[concept_id]
        counts = self.papers_of.get(concept_id, Counter())
        keys = [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        by_year: Counter[int] = Counter()
        for paper in self.store.get_papers(keys):
            if paper.year:
                by_year[paper.year] += 1
        co: Counter[str] = Counter()
        for key in keys:
            co.update(self.concepts_of.get(key, set()) - {concept_id})

        def ranked(type_filter: set[str] | None) -> list[ConceptSummary]:
            ids = [
                cid for cid, _ in sorted(co.items(), key=lambda kv: (-kv[1], kv[0])) if cid in self.concepts
            ]
            if type_filter is not None:
                ids = [cid for cid in ids if self.concepts[cid].type in type_filter]
            return [self.summary(cid).model_copy(update={"papers": co[cid]}) for cid in ids[:top]]

        return ConceptPage(
            concept=concept,
            papers=keys,
            by_year=dict(sorted(by_year.items())),
            neighbours=ranked({"Method", "Task", "Topic", "Process"}),
            parents=[self.summary(p) for p in concept.parents if p in self.concepts],
            children=[self.summary(c) for c in sorted(self.children.get(concept_id, []))],
            experiments=ranked({"Experiment"}),
            datasets=ranked({"Dataset"}),
        )

    def paper_page(self, key: str, *, top: int = 10) -> PaperPage | None:
        """A paper's concepts with evidence, similar, citing and cited papers."""
        papers = self.store.get_papers([key])
        if not papers:
            return None
        links = self.store.links_for_papers([key]).get(key, [])
        similar = sorted(self.similar.get(key, []), key=lambda kv: (-kv[1], kv[0]))[:top]
        return PaperPage(
            paper=papers[0],
            links=sorted(links, key=lambda lk: (-lk.count, lk.concept_id)),
            similar=similar,
            cites=sorted(self.cites.get(key, []))[: top * 5],
            cited_by=sorted(self.cited_by.get(key, []))[: top * 5],
        )

    def author_page(self, author: str, *, top: int = 20) -> AuthorPage | None:
        """An author's papers (newest first), co-authors by shared papers, and methods per year."""
        keys = self.papers_by.get(author)
        if not keys:
            return None
        papers = self.store.get_papers(sorted(keys))
        papers.sort(key=lambda p: (-(p.year or 0), p.key))
        co: Counter[str] = Counter()
        for key in keys:
            co.update(set(self.authors_of.get(key, ())) - {author})
        ranked = sorted(co.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        names = self.store.author_names([author, *(k for k, _ in ranked)])
        per_year: dict[int, Counter[str]] = defaultdict(Counter)
        for paper in papers:
            for cid in self.concepts_of.get(paper.key, ()):
                if paper.year and cid in self.concepts and self.concepts[cid].type == "Method":
                    per_year[paper.year][cid] += 1
        return AuthorPage(
            key=author,
            name=names.get(author, author),
            papers=[p.key for p in papers],
            coauthors=[(k, names.get(k, k), n) for k, n in ranked],
            methods_by_year={
                y: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for y, c in sorted(per_year.items())
            },
        )

    def papers_linking(self, *concept_ids: str) -> list[str]:
        """Keys of the papers that link every given concept, most mentions first."""
        sets = [set(self.papers_of.get(cid, ())) for cid in concept_ids]
        both = set.intersection(*sets) if sets else set()
        weight = {k: sum(self.papers_of[cid][k] for cid in concept_ids) for k in both}
        return sorted(both, key=lambda k: (-weight[k], k))

    def method_topic_matrix(self, *, methods: int = 15, topics: int = 12) -> list[MatrixCell]:
        """Paper counts for the most linked methods x topics, including the empty cells."""
        top_methods = [s.id for s in self.linked_concepts(types=["Method"])[:methods]]
        top_topics = [s.id for s in self.linked_concepts(types=["Topic", "Task"])[:topics]]
        cells = []
        for m in top_methods:
            m_papers = set(self.papers_of[m])
            for t in top_topics:
                n = len(m_papers & set(self.papers_of[t]))
                cells.append(
                    MatrixCell(
                        method=self.concepts[m].name,
                        topic=self.concepts[t].name,
                        papers=n,
                        method_id=m,
                        topic_id=t,
                    )
                )
        return cells
