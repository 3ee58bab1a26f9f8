"""Rows of the embedded store's papers and links tables converted to and from the typed models."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from hepgraph.models import Author, ConceptLink, Evidence, Paper


def paper_from_row(row: sqlite3.Row) -> Paper:
    """The Paper stored in a ``papers`` row."""
    authors = [Author(name=name, key=key) for name, key in json.loads(row["authors"])]
    return Paper(
        key=row["key"],
        arxiv_id=row["arxiv_id"],
        doi=row["doi"],
        inspire_id=row["inspire_id"],
        title=row["title"],
        title_text=row["title_text"],
        abstract=row["abstract"],
        abstract_text=row["abstract_text"],
        authors=authors,
        categories=json.loads(row["categories"]),
        date=row["date"],
        journal_ref=row["journal_ref"],
        sources=json.loads(row["sources"]),
    )


def link_from_row(row: Sequence) -> ConceptLink:
    """The ConceptLink stored in a ``links`` row (paper_key, concept_id, rel, count, evidence, via).

    A store of schema version 1, opened read-only and so not migrated, has no ``via`` column: its
    links were all made by the matcher.
    """
    evidence = [Evidence(**e) for e in json.loads(row[4])]
    via = row[5] if len(row) > 5 else "matcher"
    return ConceptLink(
        paper_key=row[0], concept_id=row[1], rel=row[2], count=row[3], evidence=evidence, via=via
    )


def link_row(link: ConceptLink) -> tuple:
    """The ``links`` row of a concept link (evidence as JSON)."""
    evidence = json.dumps([e.model_dump() for e in link.evidence], ensure_ascii=False)
    return (link.paper_key, link.concept_id, link.rel, link.count, evidence, link.via)
