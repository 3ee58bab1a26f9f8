"""Row writers of the neo4j-admin CSV export, one per family of files (see ``cmd_neo4j.FILES``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from hepgraph.graph.store import GraphStore
from hepgraph.models import Concept, Paper

Row = Callable[[str, list[Any]], None]  # writes one CSV row: (file name, values)


def _array(values: Iterable[Any]) -> str:
    # ';' is the array delimiter of the import; an element holding one would split in two.
    return ";".join(str(v).replace(";", ",") for v in values)


def paper_row(p: Paper, vec: Any) -> list[Any]:
    """The nodes_papers.csv row of ``p``, in PAPER_HEADER order; ``vec`` is its cached embedding or None."""
    return [
        p.key,
        "Work;Paper",
        p.arxiv_id,
        p.doi,
        p.inspire_id,
        p.title,
        p.title_text,
        p.abstract,
        p.abstract_text,
        p.year,
        p.date,
        _array(p.categories),
        p.journal_ref,
        _array(p.sources),
        _array(a.name for a in p.authors),
        _array(a.key for a in p.authors),
        p.content_hash(),
        p.text_hash(),
        _array(f"{x:.7g}" for x in vec) if vec is not None else None,
    ]


def write_citations(store: GraphStore, papers: set[str], row: Row) -> int:
    """Write the CITES edges and a Work node for every end not in ``papers``; returns the edge count."""
    # The import needs a node for both ends of an edge; external works keep their title and categories.
    works: dict[str, tuple[str, list[str], str]] = {}
    iter_works = getattr(store, "iter_external_works", None)
    for w in iter_works() if iter_works else ():
        if w.key not in papers:
            works[w.key] = (w.title, w.categories, "Work;ExternalWork")
    cites = 0
    for c in store.iter_citations():
        for end in (c.citing, c.cited):
            if end not in papers and end not in works:
                works[end] = ("", [], "Work")  # a citation endpoint known by its id only
        row("rels_cites.csv", [c.citing, c.cited, "CITES", c.source])
        cites += 1
    for key, (title, cats, labels) in sorted(works.items()):
        row("nodes_works.csv", [key, labels, title, _array(cats)])
    return cites


def write_concepts(store: GraphStore, row: Row) -> dict[str, Concept]:
    """Write the Concept nodes and the IS_A edges between them; returns the concepts by id."""
    concepts = {c.id: c for c in store.iter_concepts()}
    for c in concepts.values():
        row(
            "nodes_concepts.csv",
            [
                c.id,
                f"Concept;{c.type}",
                c.type,
                c.name,
                _array(c.aliases),
                _array(c.acronyms),
                _array(c.latex),
                _array(c.parents),
                c.description,
            ],
        )
        for parent in c.parents:
            if parent in concepts:  # a parent outside the store would be an edge to no node
                row("rels_is_a.csv", [c.id, parent, "IS_A"])
    return concepts


def write_links(store: GraphStore, papers: set[str], concepts: dict[str, Concept], row: Row) -> None:
    """Write the paper-to-concept edges whose two ends were both exported."""
    from hepgraph.graph.neo4j_rows import link_row

    for link in store.iter_links():
        if link.paper_key in papers and link.concept_id in concepts:
            r = link_row(link)
            row(
                "rels_links.csv",
                [link.paper_key, link.concept_id, link.rel, r["count"], r["evidence"], r["via"]],
            )


def write_authors(store: GraphStore, row: Row) -> None:
    """Write the WROTE edges, numbered per paper in authorship order, then the Author nodes."""
    authors: dict[str, str] = {}
    positions: dict[str, int] = {}
    pairs = list(store.iter_authorship())
    # Stores without author_names fall back to the author key as the name.
    names = getattr(store, "author_names", lambda keys: {})(sorted({a for a, _ in pairs}))
    for author, paper in pairs:
        authors.setdefault(author, names.get(author, author))
        row("rels_wrote.csv", [author, paper, "WROTE", positions.get(paper, 0)])
        positions[paper] = positions.get(paper, 0) + 1
    for key, name in sorted(authors.items()):
        row("nodes_authors.csv", [key, "Author", name])
