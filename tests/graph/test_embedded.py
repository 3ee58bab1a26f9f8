"""EmbeddedStore on real SQLite files: idempotent upserts, cross-source merging, every Protocol method."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from hepgraph.errors import GraphStoreError, StoreMissingError
from hepgraph.graph import sqlite_schema as sq
from hepgraph.graph.embedded import EmbeddedStore
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
from hepgraph.store import GraphStore


def rec(**kw: object) -> PaperRecord:
    base: dict[str, object] = {"source": "arxiv-jsonl", "origin": "a.jsonl", "location": "line 1"}
    base.update(kw)
    return PaperRecord(**base)  # type: ignore[arg-type]


ARXIV = rec(
    arxiv_id="2505.13228",
    doi="10.1103/physrevd.1.1",
    title="Anomaly detection with $\\sqrt{s}$",
    abstract="An abstract.",
    authors=[Author(name="Ada Lovelace"), Author(name="Alan Turing")],
    categories=["hep-ph"],
    date="2025-05-19",
    updated="2025-05-20",
)
BIB_DOI = rec(
    source="bibtex",
    origin="refs.bib",
    location="line 9",
    doi="10.1103/physrevd.1.1",
    bibkey="Lovelace:2025abc",
    title="Anomaly detection (bib)",
    journal_ref="Phys. Rev. D 1 (2025) 1",
    authors=[Author(name="Lovelace, Ada")],
    date="2025",
)


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    s = EmbeddedStore(tmp_path / "g.sqlite")
    s.ensure_schema()
    yield s
    s.close()


def snapshot(s: EmbeddedStore) -> tuple:
    """Everything a reader sees, to compare two stores."""
    papers = [(p.key, p.content_hash()) for p in s.iter_papers()]
    return papers, sorted(s.iter_citations(), key=lambda c: (c.citing, c.cited)), sorted(s.iter_authorship())


def test_embedded_store_satisfies_the_protocol_and_uses_wal(store: EmbeddedStore) -> None:
    assert isinstance(store, GraphStore)
    assert store.backend == "embedded"
    store.ensure_schema()  # a second call is harmless
    mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_upsert_is_idempotent_and_counts_per_paper(store: EmbeddedStore) -> None:
    first = store.upsert_records([ARXIV, rec(arxiv_id="2501.00001", title="Other", location="line 2")])
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    h = store.index_hash()
    again = store.upsert_records([ARXIV, rec(arxiv_id="2501.00001", title="Other", location="line 2")])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert store.index_hash() == h
    [paper] = store.get_papers(["2505.13228"])
    assert paper.title_text == "Anomaly detection with √s"
    assert [a.name for a in paper.authors] == ["Ada Lovelace", "Alan Turing"]


def test_newer_version_from_same_origin_replaces_and_older_is_ignored(store: EmbeddedStore) -> None:
    store.upsert_records([ARXIV])
    newer = ARXIV.model_copy(update={"title": "Revised title", "updated": "2025-07-01", "location": "line 5"})
    w = store.upsert_records([newer])
    assert (w.added, w.updated) == (0, 1)
    assert store.get_papers(["2505.13228"])[0].title == "Revised title"
    stale = store.upsert_records([ARXIV])  # the old version read again must not undo the update
    assert stale.unchanged == 1
    assert store.get_papers(["2505.13228"])[0].title == "Revised title"


@pytest.mark.parametrize("order", [[ARXIV, BIB_DOI], [BIB_DOI, ARXIV]])
def test_doi_only_bibtex_entry_merges_into_the_arxiv_paper(tmp_path: Path, order: list[PaperRecord]) -> None:
    s = EmbeddedStore(tmp_path / "m.sqlite")
    s.ensure_schema()
    for r in order:  # separate transactions: the second merges into what the first stored
        s.upsert_records([r])
    [paper] = list(s.iter_papers())
    assert paper.key == "2505.13228"
    assert paper.sources == ["arxiv-jsonl", "bibtex"]
    assert paper.title == ARXIV.title and paper.journal_ref == BIB_DOI.journal_ref
    assert s.resolve_key("doi:10.1103/physrevd.1.1") == "2505.13228"
    assert s.resolve_key("ref:Lovelace:2025abc") is None  # a record with a DOI is not keyed by its bibkey
    assert s.stats().papers == 1


def test_merge_result_does_not_depend_on_batching_or_order(tmp_path: Path) -> None:
    recs = [
        BIB_DOI,
        ARXIV,
        rec(source="inspire", origin="i.json", inspire_id="123", doi="10.1103/physrevd.1.1"),
    ]
    one = EmbeddedStore(tmp_path / "one.sqlite")
    one.ensure_schema()
    one.upsert_records(recs)
    other = EmbeddedStore(tmp_path / "other.sqlite")
    other.ensure_schema()
    for r in reversed(recs):
        other.upsert_records([r])
    assert snapshot(one) == snapshot(other)
    assert one.index_hash() == other.index_hash()
    assert one.resolve_key("inspire:123") == "2505.13228"


def test_inspire_only_paper_is_rekeyed_when_a_doi_arrives(store: EmbeddedStore) -> None:
    store.upsert_records([rec(source="inspire", origin="i.json", inspire_id="77", title="T")])
    assert store.resolve_key("inspire:77") == "inspire:77"
    w = store.upsert_records([rec(source="bibtex", origin="b.bib", inspire_id="77", doi="10.1/x", title="T")])
    assert w.updated == 1 and w.added == 0
    assert [p.key for p in store.iter_papers()] == ["doi:10.1/x"]
    assert store.resolve_key("inspire:77") == "doi:10.1/x"


def test_two_arxiv_papers_sharing_a_doi_stay_apart(store: EmbeddedStore) -> None:
    store.upsert_records(
        [
            rec(arxiv_id="2501.00001", doi="10.1/same"),
            rec(arxiv_id="2501.00002", doi="10.1/same", location="line 2"),
        ]
    )
    assert [p.key for p in store.iter_papers()] == ["2501.00001", "2501.00002"]


def test_record_without_any_id_is_rejected_and_nothing_is_written(store: EmbeddedStore) -> None:
    with pytest.raises(GraphStoreError, match="a.jsonl:line 3"):
        store.upsert_records([ARXIV, rec(location="line 3", title="no id")])
    assert store.stats().papers == 0


def test_citations_resolve_through_ids_at_read_time(store: EmbeddedStore) -> None:
    w = store.add_citations(
        [
            Citation(citing="2501.00001", cited="doi:10.1103/physrevd.1.1", source="t"),
            Citation(citing="2501.00001", cited="2505.13228", source="t"),
        ]
    )
    assert w.added == 2
    assert store.add_citations([Citation(citing="2501.00001", cited="2505.13228")]).unchanged == 1
    assert store.stats().citations == 2  # the DOI is not known yet: two different targets
    store.upsert_records([ARXIV])
    assert [(c.citing, c.cited) for c in store.iter_citations()] == [("2501.00001", "2505.13228")]
    assert store.stats().citations == 1


def test_external_works_add_update_unchanged(store: EmbeddedStore) -> None:
    w = store.add_external_works([ExternalWork(key="hep-th/9201061", title="A", categories=["hep-th"])])
    assert w.added == 1
    w = store.add_external_works(
        [
            ExternalWork(key="hep-th/9201061", title="B", categories=["hep-th"]),
            ExternalWork(key="hep-th/9201062", title="C"),
        ]
    )
    assert (w.added, w.updated, w.unchanged) == (1, 1, 0)
    assert [e.title for e in store.iter_external_works()] == ["B", "C"]
    assert store.stats().external_works == 2


def test_concepts_links_similar_round_trip_and_change_the_index_hash(store: EmbeddedStore) -> None:
    store.upsert_records([ARXIV, rec(arxiv_id="2501.00001", location="line 2")])
    h0 = store.index_hash()
    vae = Concept(
        id="method:vae", type="Method", name="variational autoencoder", parents=["method:autoencoder"]
    )
    assert store.upsert_concepts([vae]).added == 1
    assert store.upsert_concepts([vae]).unchanged == 1
    h1 = store.index_hash()
    assert h1 != h0
    ev = Evidence(sentence="We use a VAE.", start=9, end=12, surface="VAE")
    link = ConceptLink(
        paper_key="2505.13228", concept_id="method:vae", rel="USES_METHOD", count=2, evidence=[ev]
    )
    assert store.replace_links({"2505.13228": [link]}).added == 1
    assert store.replace_links({"2505.13228": [link]}).unchanged == 1
    assert store.links_for_papers(["2505.13228", "2501.00001"]) == {"2505.13228": [link]}
    assert list(store.iter_links()) == [link]
    h2 = store.index_hash()
    assert h2 != h1
    w = store.replace_similar([SimilarEdge(a="2501.00001", b="2505.13228", score=0.5)])
    assert w.added == 1
    assert list(store.iter_similar()) == [SimilarEdge(a="2501.00001", b="2505.13228", score=0.5)]
    assert store.index_hash() != h2
    stats = store.stats()
    assert stats.concepts == 1
    assert stats.edges["USES_METHOD"] == 1 and stats.edges["IS_A"] == 1 and stats.edges["SIMILAR"] == 1
    assert store.replace_links({"2505.13228": []}).updated == 1
    assert list(store.iter_links()) == []


def test_failed_write_rolls_back_whole_call(store: EmbeddedStore) -> None:
    store.upsert_records([ARXIV])
    link = ConceptLink(paper_key="2505.13228", concept_id="c", rel="STUDIES")
    orphan = ConceptLink(paper_key="9999.99999", concept_id="c", rel="STUDIES")
    with pytest.raises(GraphStoreError, match="rolled back"):
        store.replace_links({"2505.13228": [link], "9999.99999": [orphan]})  # foreign key: unknown paper
    assert list(store.iter_links()) == []


def test_embeddings_stage_hashes_and_meta(store: EmbeddedStore) -> None:
    v = np.arange(4, dtype=np.float64) / 3
    assert store.put_embeddings("m", {"h1": v, "h2": v * 2}) == 2
    assert store.put_embeddings("m", {"h1": v}) == 0
    got = store.get_embeddings("m", ["h1", "missing"])
    assert list(got) == ["h1"] and got["h1"].dtype == np.float32
    np.testing.assert_allclose(got["h1"], v.astype(np.float32))
    assert store.get_embeddings("other", ["h1"]) == {}
    store.set_stage_hashes("mentions", {"a": "1", "b": "2"})
    store.set_stage_hashes("mentions", {"a": "3"})
    assert store.stage_hashes("mentions") == {"a": "3", "b": "2"}
    assert store.get_meta("embedding_model") is None
    h = store.index_hash()
    store.set_meta("embedding_model", "minilm")
    assert store.get_meta("embedding_model") == "minilm"
    assert store.index_hash() != h
    with pytest.raises(GraphStoreError, match="reserved"):
        store.set_meta("_write_counter", "0")


def test_read_only_store_reads_and_refuses_writes(store: EmbeddedStore, tmp_path: Path) -> None:
    store.upsert_records([ARXIV])
    ro = EmbeddedStore(store.path, read_only=True)
    assert [p.key for p in ro.iter_papers()] == ["2505.13228"]
    assert ro.index_hash() == store.index_hash()
    with pytest.raises(GraphStoreError, match="read-only"):
        ro.upsert_records([ARXIV])
    ro.close()
    with pytest.raises(StoreMissingError, match="hepgraph ingest"):
        EmbeddedStore(tmp_path / "absent.sqlite", read_only=True)


def test_a_reader_reuses_the_hash_the_writer_recorded_until_the_next_write(store: EmbeddedStore) -> None:
    """Questions open the store read-only: no re-hash of an unchanged store, no trust in a stale hash."""
    from hepgraph.graph import sqlite_schema as sq

    store.upsert_records([ARXIV])
    h1 = store.index_hash()
    counter = store.get_meta(sq.WRITE_COUNTER)
    assert store.get_meta(sq.CONTENT_HASH) == f"{counter}:{h1}"
    with sqlite3.connect(store.path) as raw:  # a recorded hash is taken as is while the counter matches
        raw.execute("UPDATE meta SET value = ? WHERE key = ?", (f"{counter}:recorded", sq.CONTENT_HASH))
    reader = EmbeddedStore(store.path, read_only=True)
    assert reader.index_hash() == "recorded"
    store.upsert_records([rec(arxiv_id="2501.00001", title="Other", location="line 2")])
    h2 = reader.index_hash()  # the write bumped the counter: the reader hashes the content itself
    assert h2 not in {"recorded", h1}
    assert h2 == sq.content_hash(store._conn)
    assert reader.get_meta(sq.CONTENT_HASH) == f"{counter}:recorded"  # a reader never writes
    reader.close()


def test_stats_count_distinct_authors_and_abstracts(store: EmbeddedStore) -> None:
    store.upsert_records(
        [ARXIV, rec(arxiv_id="2501.00001", location="line 2", authors=[Author(name="Ada Lovelace")])]
    )
    s = store.stats()
    assert (s.papers, s.papers_with_abstract, s.authors) == (2, 1, 2)
    assert s.edges["WROTE"] == 3
    assert store.author_names(["lovelace_a"]) == {"lovelace_a": "Ada Lovelace"}


@pytest.mark.corpus
def test_real_slice_round_trip(hepml_slice_file: Path, tmp_path: Path) -> None:
    from hepgraph.extract.sources.arxiv_jsonl import read

    records = [r for r in read(hepml_slice_file) if isinstance(r, PaperRecord)]
    assert len(records) == 300
    s = EmbeddedStore(tmp_path / "slice.sqlite")
    s.ensure_schema()
    assert s.upsert_records(records[:150]).added == 150
    assert s.upsert_records(records[150:]).added == 150
    w = s.upsert_records(records)
    assert (w.added, w.updated, w.unchanged) == (0, 0, 300)
    got = s.get_papers([r.arxiv_id for r in records[:5]])
    assert [p.title for p in got] == [r.title for r in records[:5]]
    assert sum(1 for _ in s.iter_papers(batch_size=7)) == 300


def test_a_schema_1_store_reads_and_migrates_links_without_losing_any(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    s = EmbeddedStore(path)
    s.ensure_schema()
    s.upsert_records([ARXIV])
    s.upsert_concepts([Concept(id="method:vae", type="Method", name="variational autoencoder")])
    ev = Evidence(sentence="We use a VAE.", start=9, end=12, surface="VAE")
    link = ConceptLink(
        paper_key="2505.13228", concept_id="method:vae", rel="USES_METHOD", count=2, evidence=[ev]
    )
    s.replace_links({"2505.13228": [link]})
    hash_before = s.index_hash()
    s.close()
    with sqlite3.connect(path) as conn:  # make it the store an older hepgraph wrote
        conn.execute("ALTER TABLE links DROP COLUMN via")
        conn.execute("UPDATE meta SET value = '1' WHERE key = '_schema_version'")

    old = EmbeddedStore(path, read_only=True)  # a reader does not migrate, and still reads the links
    assert list(old.iter_links()) == [link] and old.links_for_papers(["2505.13228"]) == {"2505.13228": [link]}
    old.close()
    s = EmbeddedStore(path)
    s.ensure_schema()
    s.ensure_schema()  # idempotent
    assert list(s.iter_links()) == [link] and link.via == "matcher"
    assert s.get_meta("_schema_version") == sq.SCHEMA_VERSION and s.index_hash() == hash_before
    claude = link.model_copy(update={"via": "claude"})
    assert s.replace_links({"2505.13228": [claude]}).updated == 1
    assert [lk.via for lk in s.iter_links()] == ["claude"]
    s.close()
