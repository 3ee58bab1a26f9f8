"""`hepgraph ingest PATH...` and `hepgraph stats`: thin commands over extract.ingest and the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from hepgraph.errors import ConfigError, HepGraphError
from hepgraph.extract.sources.detect import walk_paths
from hepgraph.filters import RecordFilter, record_filter
from hepgraph.graph.factory import open_store
from hepgraph.pipeline.ingest import IngestReport, ingest
from hepgraph.store import StoreStats
from hepgraph.ui.terminal import fail, term_text

_SHOWN_PROBLEMS = 10

# The record filter's options, shared by `ingest` and `build` (hepgraph.filters.RecordFilter).
CategoriesOption = Annotated[
    str | None,
    typer.Option(
        "--categories",
        help="Keep papers in these arXiv categories or archives, comma-separated (hep-ph,hep-ex,cs); "
        "a record without categories (BibTeX) is dropped.",
    ),
]
MatchOption = Annotated[
    str, typer.Option("--match", help="--categories against 'any' listed category or the 'primary' one.")
]
SinceOption = Annotated[
    str | None,
    typer.Option("--since", help="Keep papers whose first version is this date or later (YYYY[-MM[-DD]])."),
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="Keep papers whose first version is this date or earlier.")
]
IdsOption = Annotated[
    Path | None, typer.Option("--ids", help="Keep only the arXiv ids / DOIs listed in this file, one a line.")
]


def filter_from_options(
    categories: str | None, match: str, since: str | None, until: str | None, ids: Path | None
) -> RecordFilter:
    """The RecordFilter of the options, or the CLI's one-line error."""
    try:
        return record_filter(categories=categories, match=match, since=since, until=until, ids=ids)
    except HepGraphError as err:
        raise fail(err) from err


class _FileBars:
    """One rich progress bar per file, fed by the ingest progress callback."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[Path, TaskID] = {}

    def __call__(self, path: Path, done: int, total: int | None) -> None:
        task = self.tasks.get(path)
        if task is None:
            task = self.tasks[path] = self.progress.add_task(path.name, total=total)
        self.progress.update(task, completed=done, total=total)


def _summary(report: IngestReport, stats: StoreStats) -> Table:
    table = Table(title="ingest summary", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [
        ("files", report.files),
        ("records read", report.records_read),
        ("papers added", report.papers_added),
        ("papers updated", report.papers_updated),
        ("papers unchanged", report.papers_unchanged),
        ("identical duplicates", report.duplicates),
        ("filtered out (--categories/--since/--until/--ids)", report.filtered_out),
        ("citation edges read / added", f"{report.citations_read:,} / {report.citations_added:,}"),
        (
            "external works added / updated",
            f"{report.external_works_added:,} / {report.external_works_updated:,}",
        ),
        ("unique papers in store", stats.papers),
        ("papers with abstract", stats.papers_with_abstract),
        ("authors in store", stats.authors),
        ("citation edges in store", stats.citations),
        ("seconds", f"{report.seconds:.1f}"),
    ]
    for what, n in rows:
        table.add_row(what, f"{n:,}" if isinstance(n, int) else n)
    for reason, n in sorted(report.skipped.items()):
        table.add_row(term_text(f"skipped: {reason}", "yellow"), f"{n:,}")
    return table


def ingest_cmd(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to read (folders are walked).")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="Force one format for every file instead of detecting it."),
    ] = None,
    on_error: Annotated[
        str | None,
        typer.Option("--on-error", help="skip: count bad records and go on; raise: stop at the first one."),
    ] = None,
    batch_size: Annotated[
        int,
        typer.Option("--batch-size", min=1, help="Records per store transaction (a kill loses at most one)."),
    ] = 500,
    categories: CategoriesOption = None,
    match: MatchOption = "any",
    since: SinceOption = None,
    until: UntilOption = None,
    ids: IdsOption = None,
) -> None:
    """Read papers, citations and bibliographies into the graph store, merging records of one paper."""
    settings = ctx.obj
    flt = filter_from_options(categories, match, since, until, ids)
    policy = on_error or settings.on_error
    if policy not in ("skip", "raise"):
        raise fail(ConfigError(f"--on-error must be skip or raise, not {policy!r}"))
    err_console = Console(stderr=True)
    try:
        walk_paths(paths)  # a mistyped path fails here, before a store is created for nothing
        store = open_store(settings)
    except HepGraphError as err:
        raise fail(err) from err
    try:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=err_console, transient=False) as progress:
            report = ingest(
                paths,
                store=store,
                fmt=fmt,
                on_error=policy,
                progress=_FileBars(progress),
                batch_size=batch_size,
                parallel=settings,
                limits=settings.limits(),
                record_filter=flt,
            )
        stats = store.stats()
    except HepGraphError as err:
        raise fail(err) from err
    finally:
        store.close()
    console = Console()
    console.print(_summary(report, stats))
    for problem in report.problems[:_SHOWN_PROBLEMS]:
        line = Text("skipped ", "yellow") + term_text(problem.message())
        console.print(line, highlight=False, soft_wrap=True)
    if report.skipped_total > _SHOWN_PROBLEMS:
        console.print(
            f"... and {report.skipped_total - _SHOWN_PROBLEMS:,} more skipped (run with -v to log all)"
        )


def stats_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON for scripts.")] = False,
) -> None:
    """Count papers, authors, citations, concepts and edges in the graph store."""
    try:
        store = open_store(ctx.obj, create=False, read_only=True)
        try:
            stats = store.stats()
        finally:
            store.close()
    except HepGraphError as err:
        raise fail(err) from err
    if as_json:
        typer.echo(stats.model_dump_json(indent=2))
        return
    table = Table(title=f"graph store at {ctx.obj.home}", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for name, value in stats.model_dump(exclude={"edges"}).items():
        table.add_row(name.replace("_", " "), f"{value:,}")
    for rel, n in stats.edges.items():
        table.add_row(f"edges {rel}", f"{n:,}")
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add `ingest` and `stats` to the hepgraph app."""
    app.command("ingest")(ingest_cmd)
    app.command("stats")(stats_cmd)
