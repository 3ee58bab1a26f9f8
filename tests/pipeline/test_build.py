"""`build` end to end on a real slice (real ingest, spaCy, embedding model, SQLite); incremental reruns."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from hepgraph.extract.embed import SentenceTransformerEmbedder
from hepgraph.extract.similar import knn_edges
from hepgraph.extract.vocabulary import Vocabulary, load_vocabulary
from hepgraph.graph.embedded import EmbeddedStore
from hepgraph.pipeline.build import BuildReport, build
from hepgraph.pipeline.concepts import concept_matrix
from hepgraph.settings import Settings

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return load_vocabulary()


@pytest.fixture(scope="module")
def built(tmp_path_factory, hepml_slice_file, embedder, vocabulary):
    """A slice copied to a private folder (one test edits it), built once."""
    home = tmp_path_factory.mktemp("build")
    source = home / "slice.jsonl"
    source.write_text(hepml_slice_file.read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(home=home)
    store = EmbeddedStore(settings.store_path)
    store.ensure_schema()
    report = build([source], store=store, settings=settings, embedder=embedder, vocabulary=vocabulary)
    yield store, settings, source, report
    store.close()


def _build_again(built, embedder, vocabulary) -> BuildReport:
    store, settings, source, _ = built
    return build([source], store=store, settings=settings, embedder=embedder, vocabulary=vocabulary)


def test_first_build_links_embeds_and_indexes(built, vocabulary):
    store, _, source, report = built
    keys = {json.loads(line)["id"] for line in source.read_text(encoding="utf-8").splitlines()}
    assert report.papers_total == len(keys) == report.papers_added
    assert report.papers_extracted == len(keys)
    assert 0 < report.papers_embedded <= len(keys)
    assert report.concepts == len(vocabulary) and report.llm_calls == 0
    assert report.edges["IS_A"] == len(vocabulary.is_a_edges())
    assert report.edges["USES_METHOD"] > len(keys) / 2  # an ML slice: most papers name a method
    assert len(keys) * 5 / 2 <= report.edges["SIMILAR"] <= len(keys) * 5
    assert store.get_meta("vocabulary_version") == vocabulary.version
    assert set(report.seconds) >= {"ingest", "mentions", "embed", "similar"}


def test_stored_evidence_slices_back_to_paper_text(built):
    store, *_ = built
    papers = {p.key: p for p in store.iter_papers()}
    links = list(store.iter_links())
    assert links
    for link in links:
        text = papers[link.paper_key].text
        for e in link.evidence:
            assert text[e.start : e.end] == e.surface


def test_second_build_processes_zero_papers_and_changes_nothing(built, embedder, vocabulary):
    store, *_ = built
    before_hash = store.index_hash()
    before_links = Counter((lk.paper_key, lk.concept_id) for lk in store.iter_links())
    report = _build_again(built, embedder, vocabulary)
    assert (report.papers_added, report.papers_updated) == (0, 0)
    assert (report.papers_extracted, report.papers_embedded) == (0, 0)
    assert not report.similar_recomputed
    after_links = Counter((lk.paper_key, lk.concept_id) for lk in store.iter_links())
    assert after_links == before_links and max(after_links.values()) == 1  # no duplicate links
    assert len({c.id for c in store.iter_concepts()}) == len(vocabulary)
    assert store.index_hash() == before_hash


def test_changed_abstract_is_the_only_paper_reprocessed(built, embedder, vocabulary):
    store, _, source, _ = built
    lines = source.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[3])
    record["abstract"] = record["abstract"].split(". ")[0] + "."  # keep only its first sentence
    lines[3] = json.dumps(record)
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = _build_again(built, embedder, vocabulary)
    assert report.papers_updated == 1
    assert report.papers_extracted == 1 and report.papers_embedded == 1
    assert report.similar_recomputed and report.similar_incremental
    assert list(store.iter_similar()) == _full_knn(store, embedder)


def test_new_papers_update_similar_from_the_earlier_edges(built, embedder, vocabulary, corpus_dir):
    store, _, source, _ = built
    known = {p.key for p in store.iter_papers()}
    extra = []
    with (corpus_dir / "arxiv-hep.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["id"] not in known and rec.get("abstract"):
                extra.append(line.strip())
            if len(extra) == 6:
                break
    with source.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(extra) + "\n")
    report = _build_again(built, embedder, vocabulary)
    assert report.papers_added == 6 and report.papers_embedded == 6
    assert report.similar_incremental
    assert list(store.iter_similar()) == _full_knn(store, embedder)


def _full_knn(store, embedder) -> list:
    """SIMILAR edges computed from scratch over every stored vector: what an incremental run must equal."""
    papers = [p for p in store.iter_papers() if p.title_text or p.abstract_text]
    vectors = store.get_embeddings(embedder.model_name, [p.text_hash() for p in papers])
    rows = [p for p in papers if p.text_hash() in vectors]
    matrix = np.stack([vectors[p.text_hash()] for p in rows])
    return knn_edges([p.key for p in rows], matrix, Settings().similar_k)


def test_concept_matrix_is_cached_and_links_a_paraphrase(built, embedder, vocabulary):
    store, *_ = built
    ids, matrix = concept_matrix(store, vocabulary, embedder)
    assert ids == [c.id for c in vocabulary.concepts]
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)
    vae = next(f.concept_id for f in vocabulary.surface_forms() if f.text == "VAE")
    query = embedder.encode(["a variational autoencoder trained to reconstruct jets"])[0]
    assert vae in [ids[i] for i in np.argsort(-(matrix @ query))[:3]]


@pytest.mark.slow
def test_full_corpus_build_then_zero_papers(tmp_path: Path, corpus_dir, embedder, vocabulary):
    settings = Settings(home=tmp_path)
    store = EmbeddedStore(settings.store_path)
    store.ensure_schema()
    try:
        first = build(
            [corpus_dir],
            store=store,
            settings=settings,
            embedder=embedder,
            vocabulary=vocabulary,
            on_error="skip",
        )
        assert first.papers_total > 10_000 and first.papers_extracted == first.papers_total
        second = build(
            [corpus_dir],
            store=store,
            settings=settings,
            embedder=embedder,
            vocabulary=vocabulary,
            on_error="skip",
        )
        assert (second.papers_extracted, second.papers_embedded) == (0, 0)
    finally:
        store.close()
