"""`hepgraph push --to neo4j`, `export --format neo4j-admin` and `schema`: the embedded graph into Neo4j.

``push`` copies through the GraphStore Protocol (batched, idempotent: re-running it changes nothing);
``export`` writes the CSV files of ``neo4j-admin database import full``, the documented route for
millions of nodes, and prints the exact import command.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hepgraph.errors import ConfigError, HepGraphError
from hepgraph.graph.factory import open_store
from hepgraph.pipeline.neo4j_copy import copy_store
from hepgraph.settings import Settings
from hepgraph.store import GraphStore
from hepgraph.ui.terminal import fail


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description:<15}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _open_source(settings: Settings) -> GraphStore:
    return open_store(settings.model_copy(update={"backend": "embedded"}), create=False, read_only=True)


def push(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="Target backend (only neo4j).")] = "neo4j",
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", min=1, help="Rows per write transaction.")
    ] = None,
) -> None:
    """Copy the embedded graph (papers, citations, concepts, links, similar edges, embeddings) into Neo4j."""
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
        target = open_store(settings.model_copy(update={"backend": "neo4j"}))
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
    # Here, not at the top: its row mapping imports the driver, which no other command should pay for.
    from hepgraph.pipeline.neo4j_admin import export_neo4j_admin, import_command

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
        "Import into a stopped Neo4j (the database is replaced), then start it and run "
        "`hepgraph --backend neo4j schema` once to create constraints and indexes:"
    )
    stdout.print(import_command(out, settings.neo4j_database), markup=False, highlight=False, soft_wrap=True)


def schema(ctx: typer.Context) -> None:
    """Create the store's constraints and indexes and wait until they are online (after an import)."""
    settings: Settings = ctx.obj
    start = time.perf_counter()
    try:
        store = open_store(settings)
        store.ensure_schema()
        store.close()
    except HepGraphError as err:
        raise fail(err) from err
    Console().print(
        f"constraints and indexes online on {store.location} ({time.perf_counter() - start:.1f} s)",
        markup=False,
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add `push`, `export` and `schema` to the CLI."""
    app.command("push")(push)
    app.command("export")(export)
    app.command("schema")(schema)
