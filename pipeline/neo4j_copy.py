"""`hepgraph push --to neo4j`: copy a store into another through the GraphStore Protocol.

Batched and idempotent: every write is an upsert, so re-running a copy changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

from hepgraph.batching import batched
from hepgraph.models import Paper, PaperRecord
from hepgraph.pipeline.concepts import concept_hash
from hepgraph.store import GraphStore, WriteReport

_CHUNK = 1000
Tick = Callable[[str, int], None]


def paper_records(paper: Paper, origin: str) -> list[PaperRecord]:
    """Records that merge back into ``paper``: one per source it was merged from, all with its content.

    The Protocol exposes merged papers, not raw source records, so a pushed paper is its merged self.
    """
    bibkey = paper.key[4:] if paper.key.startswith("ref:") else None
    fields = dict(
        arxiv_id=paper.arxiv_id,
        doi=paper.doi,
        inspire_id=paper.inspire_id,
        bibkey=bibkey,
        title=paper.title,
        abstract=paper.abstract,
        authors=paper.authors,
        categories=paper.categories,
        date=paper.date,
        journal_ref=paper.journal_ref,
    )
    return [
        PaperRecord(source=s, origin=origin, location=paper.key, **fields)
        for s in paper.sources or ["sample"]
    ]


def copy_store(source: GraphStore, target: GraphStore, *, model: str, tick: Tick) -> dict[str, WriteReport]:
    """Copy every paper, citation, concept, link, SIMILAR edge and cached embedding; ``tick(phase, n)``."""
    reports: dict[str, WriteReport] = {}

    def run(phase: str, items: Iterable[Any], write: Callable[[list[Any]], WriteReport | int]) -> None:
        reports[phase] = WriteReport()
        for chunk in batched(items, _CHUNK):
            done = write(chunk)
            # A bare count (embeddings) is of what was new; the rest of the chunk was there already.
            if not isinstance(done, WriteReport):
                done = WriteReport(added=done, unchanged=len(chunk) - done)
            reports[phase] += done
            tick(phase, len(chunk))

    origin = f"push:{source.location}"
    # One record per source a paper was merged from, so this phase counts records, not papers.
    run(
        "paper records",
        source.iter_papers(),
        lambda ps: target.upsert_records([r for p in ps for r in paper_records(p, origin)]),
    )
    run("external works", source.iter_external_works(), target.add_external_works)
    run("citations", source.iter_citations(), target.add_citations)
    run("concepts", [list(source.iter_concepts())], lambda chunk: target.upsert_concepts(chunk[0]))
    links: dict[str, list] = {}
    for link in source.iter_links():
        links.setdefault(link.paper_key, []).append(link)
    run("papers' links", sorted(links), lambda keys: target.replace_links({k: links[k] for k in keys}))
    run("similar", [list(source.iter_similar())], lambda chunk: target.replace_similar(chunk[0]))
    # Concept vectors too: a store opened read-only for questions cannot cache them, and embedding the
    # vocabulary at every start costs seconds and hundreds of MB.
    concepts = sorted(source.get_embeddings(model, [concept_hash(c) for c in source.iter_concepts()]))
    hashes = chain((p.text_hash() for p in source.iter_papers()), concepts)
    run("embeddings", hashes, lambda hs: target.put_embeddings(model, source.get_embeddings(model, hs)))
    return reports
