"""`hepgraph export --format neo4j-admin`: the CSV files of `neo4j-admin database import full`.

The documented route for millions of nodes; one row writer per family of files (see :data:`FILES`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from hepgraph.batching import batched
from hepgraph.graph.neo4j_rows import link_row
from hepgraph.models import Concept, Paper
from hepgraph.pipeline.concepts import concept_hash
from hepgraph.store import GraphStore

_CHUNK = 1000
Tick = Callable[[str, int], None]

Row = Callable[[str, list[Any]], None]  # writes one CSV row: (file name, values)


def _array(values: Iterable[Any]) -> str:
    # ';' is the array delimiter of the import; an element holding one would split in two.
    return ";".join(str(v).replace(";", ",") for v in values)


def _floats(vec: Iterable[float]) -> str:
    # Nine significant digits give back the very float32 the store holds.
    return _array(f"{x:.9g}" for x in vec)


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
        _floats(vec) if vec is not None else None,
    ]


def write_citations(store: GraphStore, papers: set[str], row: Row) -> int:
    """Write the CITES edges and a Work node for every end not in ``papers``; returns the edge count."""
    # The import needs a node for both ends of an edge; external works keep their title and categories.
    works: dict[str, tuple[str, list[str], str]] = {}
    for w in store.iter_external_works():
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


def write_concept_vectors(store: GraphStore, model: str, concepts: Iterable[Concept], row: Row) -> None:
    """Write the cached concept vectors, as `push` copies them, so a read-only client need not embed them."""
    for text_hash, vec in sorted(store.get_embeddings(model, [concept_hash(c) for c in concepts]).items()):
        row("nodes_embeddings.csv", [f"{model}|{text_hash}", "Embedding", model, text_hash, _floats(vec)])


def write_links(store: GraphStore, papers: set[str], concepts: dict[str, Concept], row: Row) -> None:
    """Write the paper-to-concept edges whose two ends were both exported."""
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
    names = store.author_names(sorted({a for a, _ in pairs}))
    for author, paper in pairs:
        authors.setdefault(author, names.get(author, author))
        row("rels_wrote.csv", [author, paper, "WROTE", positions.get(paper, 0)])
        positions[paper] = positions.get(paper, 0) + 1
    for key, name in sorted(authors.items()):
        row("nodes_authors.csv", [key, "Author", name])


def _writer(out: Path, name: str, header: list[str]) -> tuple[Any, Any]:
    fh = (out / name).open("w", encoding="utf-8", newline="")
    writer = csv.writer(fh)
    writer.writerow(header)
    return fh, writer


PAPER_HEADER = [
    "key:ID(Work)",
    ":LABEL",
    "arxiv_id",
    "doi",
    "inspire_id",
    "title",
    "title_text",
    "abstract",
    "abstract_text",
    "year:int",
    "date",
    "categories:string[]",
    "journal_ref",
    "sources:string[]",
    "author_names:string[]",
    "author_keys:string[]",
    "content_hash",
    "text_hash",
    "embedding:float[]",
]
FILES: dict[str, list[str]] = {
    "nodes_papers.csv": PAPER_HEADER,
    "nodes_works.csv": ["key:ID(Work)", ":LABEL", "title", "categories:string[]"],
    "nodes_paper_ids.csv": ["id:ID(PaperId)", ":LABEL", "key"],
    "nodes_concepts.csv": [
        "id:ID(Concept)",
        ":LABEL",
        "type",
        "name",
        "aliases:string[]",
        "acronyms:string[]",
        "latex:string[]",
        "parents:string[]",
        "description",
    ],
    "nodes_authors.csv": ["key:ID(Author)", ":LABEL", "name"],
    # The embedding cache the store reads vectors from (Paper.embedding only feeds the vector index).
    "nodes_embeddings.csv": ["key:ID(Embedding)", ":LABEL", "model", "text_hash", "vector:float[]"],
    "rels_cites.csv": [":START_ID(Work)", ":END_ID(Work)", ":TYPE", "source"],
    "rels_links.csv": [":START_ID(Work)", ":END_ID(Concept)", ":TYPE", "count:int", "evidence", "via"],
    "rels_is_a.csv": [":START_ID(Concept)", ":END_ID(Concept)", ":TYPE"],
    "rels_similar.csv": [":START_ID(Work)", ":END_ID(Work)", ":TYPE", "score:float"],
    "rels_wrote.csv": [":START_ID(Author)", ":END_ID(Work)", ":TYPE", "position:int"],
}


def export_neo4j_admin(store: GraphStore, out: Path, *, model: str, tick: Tick) -> dict[str, int]:
    """Write the import CSV files into ``out``; returns rows written per file."""
    out.mkdir(parents=True, exist_ok=True)
    handles = {name: _writer(out, name, header) for name, header in FILES.items()}
    counts = dict.fromkeys(FILES, 0)

    def row(name: str, values: list[Any]) -> None:
        handles[name][1].writerow(["" if v is None else v for v in values])
        counts[name] += 1

    try:
        papers = _write_papers(store, model, row, tick)
        tick("citations", write_citations(store, papers, row))
        concepts = write_concepts(store, row)
        write_concept_vectors(store, model, concepts.values(), row)
        write_links(store, papers, concepts, row)
        for s in store.iter_similar():
            row("rels_similar.csv", [s.a, s.b, "SIMILAR", s.score])
        write_authors(store, row)
        tick("graph", 1)
    finally:
        for fh, _ in handles.values():
            fh.close()
    return counts


def _write_papers(store: GraphStore, model: str, row: Row, tick: Tick) -> set[str]:
    """Write the Paper and PaperId nodes; returns the paper keys."""
    papers: set[str] = set()
    cached: set[str] = set()  # papers with the same text share one cache entry
    for chunk in batched(store.iter_papers(), _CHUNK):
        # One embedding lookup per chunk, not per paper.
        vectors = store.get_embeddings(model, [p.text_hash() for p in chunk])
        for p in chunk:
            papers.add(p.key)
            vec = vectors.get(p.text_hash())
            row("nodes_papers.csv", paper_row(p, vec))
            row("nodes_paper_ids.csv", [p.key, "PaperId", p.key])
            if vec is not None and p.text_hash() not in cached:
                cached.add(p.text_hash())
                vector = _floats(vec)
                row(
                    "nodes_embeddings.csv",
                    [f"{model}|{p.text_hash()}", "Embedding", model, p.text_hash(), vector],
                )
        tick("papers", len(chunk))
    return papers


def import_command(out: Path, database: str) -> str:
    """The neo4j-admin command that imports ``out`` into ``database`` (a stopped, empty database)."""
    out = out.resolve()  # the command may be run from another folder
    nodes = " ".join(f"--nodes={out / n}" for n in FILES if n.startswith("nodes_"))
    rels = " ".join(f"--relationships={out / n}" for n in FILES if n.startswith("rels_"))
    # The database name goes first: --nodes and --relationships take one or more values, so a name
    # after them is read as one more file.
    return (
        f"neo4j-admin database import full {database} --overwrite-destination --multiline-fields=true "
        f"--array-delimiter=';' {nodes} {rels}"
    )
