"""`hepgraph push --to neo4j` and `hepgraph export --format neo4j-admin`: the embedded graph into Neo4j.

``push`` copies through the GraphStore Protocol (batched, idempotent: re-running it changes nothing);
``export`` writes the CSV files of ``neo4j-admin database import full``, the documented route for
millions of nodes, and prints the exact import command.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hepgraph.errors import ConfigError, HepGraphError
from hepgraph.graph.store import GraphStore, WriteReport
from hepgraph.models import Paper, PaperRecord
from hepgraph.settings import Settings
from hepgraph.ui.neo4j_admin_csv import (
    Row,
    paper_row,
    write_authors,
    write_citations,
    write_concepts,
    write_links,
)

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
        PaperRecord(source=s, origin=origin, location=paper.key, **fields)  # type: ignore[arg-type]
        for s in paper.sources or ["sample"]
    ]


def _chunks(items: Iterable[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def copy_store(source: GraphStore, target: GraphStore, *, model: str, tick: Tick) -> dict[str, WriteReport]:
    """Copy every paper, citation, concept, link, SIMILAR edge and cached embedding; ``tick(phase, n)``."""
    reports: dict[str, WriteReport] = {}

    def run(phase: str, items: Iterable[Any], write: Callable[[list[Any]], WriteReport | int]) -> None:
        reports[phase] = WriteReport()
        for chunk in _chunks(items):
            done = write(chunk)
            reports[phase] += done if isinstance(done, WriteReport) else WriteReport(added=done)
            tick(phase, len(chunk))

    origin = f"push:{getattr(source, 'path', 'embedded')}"
    run(
        "papers",
        source.iter_papers(),
        lambda ps: target.upsert_records([r for p in ps for r in paper_records(p, origin)]),
    )
    works = getattr(source, "iter_external_works", None)
    if works is not None:
        run("external works", works(), target.add_external_works)
    run("citations", source.iter_citations(), target.add_citations)
    run("concepts", [list(source.iter_concepts())], lambda chunk: target.upsert_concepts(chunk[0]))
    links: dict[str, list] = {}
    for link in source.iter_links():
        links.setdefault(link.paper_key, []).append(link)
    run("links", sorted(links), lambda keys: target.replace_links({k: links[k] for k in keys}))
    run("similar", [list(source.iter_similar())], lambda chunk: target.replace_similar(chunk[0]))
    hashes = (p.text_hash() for p in source.iter_papers())
    run("embeddings", hashes, lambda hs: target.put_embeddings(model, source.get_embeddings(model, hs)))
    return reports


# -- neo4j-admin CSV export ---------------------------------------------------------------------------------
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
    from hepgraph.graph.neo4j_rows import paper_id_rows

    papers: set[str] = set()
    for chunk in _chunks(store.iter_papers()):
        # One embedding lookup per chunk, not per paper.
        vectors = store.get_embeddings(model, [p.text_hash() for p in chunk])
        for p in chunk:
            papers.add(p.key)
            row("nodes_papers.csv", paper_row(p, vectors.get(p.text_hash())))
            for r in paper_id_rows(p, []):
                row("nodes_paper_ids.csv", [r["id"], "PaperId", r["key"]])
        tick("papers", len(chunk))
    return papers


def import_command(out: Path, database: str) -> str:
    """The neo4j-admin command that imports ``out`` into ``database`` (a stopped, empty database)."""
    nodes = " ".join(f"--nodes={out / n}" for n in FILES if n.startswith("nodes_"))
    rels = " ".join(f"--relationships={out / n}" for n in FILES if n.startswith("rels_"))
    return (
        f"neo4j-admin database import full --overwrite-destination --multiline-fields=true "
        f"--array-delimiter=';' {nodes} {rels} {database}"
    )


# -- commands -----------------------------------------------------------------------------------------------
def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description:<15}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _open_source(settings: Settings) -> GraphStore:
    from hepgraph.graph.factory import open_store

    return open_store(settings.model_copy(update={"backend": "embedded"}), create=False, read_only=True)


def push(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="Target backend (only neo4j).")] = "neo4j",
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", min=1, help="Rows per write transaction.")
    ] = None,
) -> None:
    """Copy the embedded graph (papers, citations, concepts, links, similar edges, embeddings) into Neo4j."""
    from hepgraph.graph.neo4j import Neo4jStore
    from hepgraph.ui.cli import fail

    settings: Settings = ctx.obj
    if to != "neo4j":
        msg = f"cannot push to {to!r}: only --to neo4j is supported"
        raise typer.BadParameter(msg, param_hint="--to")
    if batch_size is not None:
        settings = settings.model_copy(update={"neo4j_batch_size": batch_size})
    console = Console(stderr=True)
    try:
        source = _open_source(settings)
        if not settings.neo4j_uri:
            msg = "push needs NEO4J_URI (and NEO4J_PASSWORD): export NEO4J_URI=neo4j://localhost:7687"
            raise ConfigError(msg)
        target = Neo4jStore.from_settings(settings)
        target.ensure_schema()
        with _progress(console) as progress:
            tasks: dict[str, Any] = {}

            def tick(phase: str, n: int) -> None:
                if phase not in tasks:
                    tasks[phase] = progress.add_task(phase, total=None)
                progress.advance(tasks[phase], n)

            reports = copy_store(source, target, model=settings.embedding_model, tick=tick)
        target.close()
    except HepGraphError as err:
        raise fail(err) from err
    table = Table(title=f"pushed to {settings.neo4j_uri} ({settings.neo4j_database})", title_justify="left")
    for col in ("what", "added", "updated", "unchanged"):
        table.add_column(col, justify="left" if col == "what" else "right")
    for phase, r in reports.items():
        table.add_row(phase, str(r.added), str(r.updated), str(r.unchanged))
    Console().print(table)


def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Folder for the CSV files.")],
    fmt: Annotated[str, typer.Option("--format", help="Export format (only neo4j-admin).")] = "neo4j-admin",
) -> None:
    """Write the embedded graph as CSV files for `neo4j-admin database import full`."""
    from hepgraph.ui.cli import fail

    settings: Settings = ctx.obj
    if fmt != "neo4j-admin":
        msg = f"unknown format {fmt!r}: use neo4j-admin"
        raise typer.BadParameter(msg, param_hint="--format")
    console = Console(stderr=True)
    try:
        store = _open_source(settings)
        with _progress(console) as progress:
            tasks: dict[str, Any] = {}

            def tick(phase: str, n: int) -> None:
                tasks.setdefault(phase, progress.add_task(phase, total=None))
                progress.advance(tasks[phase], n)

            counts = export_neo4j_admin(store, out, model=settings.embedding_model, tick=tick)
    except HepGraphError as err:
        raise fail(err) from err
    table = Table(title=f"neo4j-admin CSV files in {out}", title_justify="left")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name, str(n))
    stdout = Console()
    stdout.print(table)
    stdout.print(
        "Import into a stopped Neo4j (the database is replaced), then start it and run any "
        "`hepgraph --backend neo4j` command once to create constraints and indexes:"
    )
    stdout.print(import_command(out, settings.neo4j_database), markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add `push` and `export` to the CLI."""
    app.command("push")(push)
    app.command("export")(export)
