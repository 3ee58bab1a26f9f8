"""Mentions on real abstracts: aliases, acronyms, LaTeX forms, local acronyms, longest match, offsets.

Abstracts are found by scanning the shared corpus for the phrases under test, never hard-coded. The
vocabulary is the packaged one; the expected concept of a phrase is looked up in it, not written here.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hepgraph.extract.acronyms import find_definitions
from hepgraph.extract.mentions import MentionExtractor
from hepgraph.extract.nlp import fold, load_pipeline
from hepgraph.extract.vocabulary import Vocabulary, load_vocabulary
from hepgraph.merge import merge_records
from hepgraph.models import Paper, PaperRecord

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return load_vocabulary()


@pytest.fixture(scope="module")
def extractor(vocabulary: Vocabulary) -> MentionExtractor:
    return MentionExtractor(vocabulary, load_pipeline())


@functools.cache
def _all_papers(corpus_dir: Path) -> list[Paper]:
    """Every arXiv JSONL record of the corpus, merged as the store merges it (once per session)."""
    out = []
    for name in ("arxiv-hep.jsonl", "arxiv-ml.jsonl"):
        with (corpus_dir / name).open(encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                r = json.loads(line)
                rec = PaperRecord(
                    source="arxiv-jsonl",
                    origin=name,
                    location=str(i + 1),
                    arxiv_id=r["id"],
                    title=r.get("title") or "",
                    abstract=r.get("abstract") or "",
                )
                out.append(merge_records([rec]))
    return out


def _papers(corpus_dir: Path) -> Iterator[Paper]:
    yield from _all_papers(corpus_dir)


def _find(corpus_dir: Path, raw: Callable[[Paper], bool], n: int) -> list[Paper]:
    out = []
    for paper in _papers(corpus_dir):
        if raw(paper):
            out.append(paper)
            if len(out) >= n:
                break
    return out


def _acronym_owner(vocabulary: Vocabulary, acronym: str) -> str:
    owners = {f.concept_id for f in vocabulary.surface_forms() if f.kind == "acronym" and f.text == acronym}
    assert len(owners) == 1, (
        f"vocabulary should define acronym {acronym} on exactly one concept, has {owners}"
    )
    return owners.pop()


@pytest.mark.parametrize("acronym", ["VAE", "GNN", "ParT", "CWoLa", "ttH"])
def test_acronym_and_its_long_form_link_one_concept(corpus_dir, vocabulary, extractor, acronym):
    owner = _acronym_owner(vocabulary, acronym)
    word = re.compile(rf"(?<![\w-]){re.escape(acronym)}s?(?![\w])")
    papers = _find(corpus_dir, lambda p: bool(word.search(p.text)), 6)
    assert papers, f"no real abstract uses {acronym}"
    for paper in papers:
        mentions = extractor.match_doc(extractor.nlp(paper.text))
        for occurrence in word.finditer(paper.text):
            # The mention covering this use of the acronym ("CWoLa" alone or inside "CWoLa hunting").
            covering = {
                m.concept_id
                for m in mentions
                if m.start_char <= occurrence.start() and occurrence.end() <= m.end_char
            }
            assert covering == {owner}, f"{paper.key}: {acronym} at {occurrence.start()} linked to {covering}"
        # Acronym and long form land on one link whose count covers every mention of the concept.
        linked = [lk for lk in extractor.extract(paper) if lk.concept_id == owner]
        assert len(linked) == 1
        assert linked[0].count == sum(1 for m in mentions if m.concept_id == owner)


def test_latex_form_links_the_same_concept_as_the_acronym(corpus_dir, vocabulary, extractor):
    owner = _acronym_owner(vocabulary, "ttH")
    papers = _find(corpus_dir, lambda p: r"t\bar{t}H" in p.abstract or r"t\bar tH" in p.abstract, 5)
    assert papers, r"no real abstract writes $t\bar{t}H$"
    for paper in papers:
        links = {lk.concept_id: lk for lk in extractor.extract(paper)}
        assert owner in links, f"{paper.key}: $t\\bar{{t}}H$ not linked; text {paper.abstract_text[:200]!r}"
        surfaces = {fold(e.surface) for e in links[owner].evidence}
        assert "tth" in surfaces


def test_evidence_offsets_slice_back_to_the_surface(corpus_dir, vocabulary, extractor):
    papers = _find(corpus_dir, lambda p: "neural" in p.text.lower(), 80)
    all_links = extractor.extract_many(papers)
    n_evidence = 0
    for paper in papers:
        for link in all_links[paper.key]:
            concept = vocabulary.get(link.concept_id)
            assert concept is not None and link.rel == concept.relation
            assert 1 <= len(link.evidence) <= 3 and link.count >= len(link.evidence)
            for e in link.evidence:
                assert paper.text[e.start : e.end] == e.surface
                assert e.surface in e.sentence
                n_evidence += 1
    assert n_evidence > 80


def test_overlaps_resolve_to_the_longest_span(corpus_dir, vocabulary, extractor):
    # A concept whose name contains another concept's name: the inner one must not fire inside the outer.
    names = {fold(c.name): c.id for c in vocabulary.concepts}
    pairs = [
        (outer, names[inner])
        for outer in names
        for inner in names
        if inner != outer and re.search(rf"\b{re.escape(inner)}\b", outer)
    ]
    assert pairs, "the vocabulary has no nested names to test"
    checked = 0
    for outer, inner_id in pairs[:40]:
        outer_id = names[outer]
        outer_name = vocabulary.get(outer_id).name.lower()  # type: ignore[union-attr]
        papers = _find(corpus_dir, lambda p, s=outer_name: s in p.text.lower(), 2)
        for paper in papers:
            links = {lk.concept_id: lk for lk in extractor.extract(paper)}
            if outer_id not in links:
                continue
            outer_spans = [(e.start, e.end) for e in links[outer_id].evidence]
            for e in links.get(inner_id, None).evidence if inner_id in links else []:
                assert not any(s <= e.start and e.end <= t for s, t in outer_spans), (paper.key, e)
            checked += 1
    assert checked >= 3


def test_locally_defined_acronym_links_later_bare_uses(corpus_dir, vocabulary, extractor):
    nlp = extractor.nlp
    found = 0
    for paper in _papers(corpus_dir):
        for d in find_definitions(paper.text):
            if extractor.acronym_concept(d.short) is not None:
                continue
            later = [
                m.start()
                for m in re.finditer(rf"(?<![\w-]){re.escape(d.short)}(?![\w])", paper.text)
                if m.start() > d.short_end
            ]
            if not later:
                continue
            doc = nlp(paper.text)
            long_hits = [
                m
                for m in extractor.match_doc(doc)
                if m.start_char >= d.long_start and m.end_char == d.long_end
            ]
            if not long_hits:
                continue
            concept = long_hits[0].concept_id
            links = {lk.concept_id: lk for lk in extractor.extract(paper)}
            assert concept in links
            mentions = extractor.match_doc(doc)
            assert any(m.start_char == later[0] and m.concept_id == concept for m in mentions), (
                f"{paper.key}: bare {d.short} at {later[0]} not linked to {concept} defined by {d.long!r}"
            )
            found += 1
            break
        if found >= 3:
            break
    assert found >= 1, "no real abstract defines a local acronym for a vocabulary long form"


def test_title_only_paper_is_linked_from_its_title(corpus_dir, vocabulary, extractor):
    owner = _acronym_owner(vocabulary, "GNN")
    long_name = vocabulary.get(owner).name.lower()  # type: ignore[union-attr]
    papers = _find(corpus_dir, lambda p: long_name in p.title_text.lower(), 1)
    assert papers
    title_only = Paper(key=papers[0].key, title=papers[0].title, title_text=papers[0].title_text)
    assert owner in {lk.concept_id for lk in extractor.extract(title_only)}


def test_acronym_definitions_on_real_text(corpus_dir):
    papers = _find(corpus_dir, lambda p: "(GNNs)" in p.text, 3)
    assert papers
    for paper in papers:
        defs = [d for d in find_definitions(paper.text) if d.short == "GNN"]
        assert defs, paper.key
        assert fold(defs[0].long.replace("-", " ").split()[-1]) == "network"
        assert paper.text[defs[0].short_start : defs[0].short_end] == "GNN"
        assert paper.text[defs[0].long_start : defs[0].long_end] == defs[0].long
