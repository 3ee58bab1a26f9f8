"""`hepgraph harvest oai|arxiv|inspire|hepml` and `hepgraph update`: thin commands over extract.harvest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from hepgraph.errors import HepGraphError
from hepgraph.extract.fetch import ARXIV_API, ARXIV_DELAY_S, INSPIRE_API
from hepgraph.extract.harvest import (
    HEPML_BIB_URL,
    INSPIRE_DELAY_S,
    OAI_DELAY_S,
    OAI_ENDPOINT,
    HarvestResult,
    IdListHarvest,
    InspireHarvest,
    OaiHarvest,
    UrlHarvest,
    arxiv_ids_of_pages,
    client_for,
    day,
    oai_folder,
    read_id_file,
)
from hepgraph.graph.factory import open_store
from hepgraph.settings import Settings
from hepgraph.ui.terminal import fail

harvest_app = typer.Typer(
    help="Fetch papers from arXiv (OAI-PMH, API), INSPIRE and the HEPML Living Review into files that "
    "`hepgraph build` reads; every harvest resumes after a kill and a rerun changes nothing.",
    no_args_is_help=True,
)

OutOption = Annotated[
    Path | None, typer.Option("--out", help="Folder for the raw responses (default: HOME/harvest/...).")
]
DelayOption = Annotated[
    float | None,
    typer.Option(
        "--delay", min=0.0, help="Seconds between requests (default: the service's published rate)."
    ),
]


def _root(settings: Settings) -> Path:
    return settings.home / "harvest"


def _columns() -> tuple:
    return (
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )


def _print(result: HarvestResult, what: str) -> None:
    table = Table(title=f"harvest {what}", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    state = "already complete" if result.already_complete else ("resumed" if result.resumed else "done")
    for name, value in (
        ("folder", result.folder),
        ("files", f"{len(result.files):,}"),
        ("written by this run", f"{result.written:,}"),
        ("records", f"{result.records:,}"),
        ("requests", f"{result.requests:,}"),
        ("state", state),
    ):
        table.add_row(name, value)
    console = Console()
    console.print(table)
    console.print(f"next: hepgraph build {result.folder}", highlight=False)


def _run(job: Callable[[], HarvestResult], what: str) -> None:
    try:
        result = job()
    except HepGraphError as err:
        raise fail(err) from err
    _print(result, what)


@harvest_app.command("oai")
def oai_command(
    ctx: typer.Context,
    set_spec: Annotated[
        str | None,
        typer.Option("--set", help="OAI set: physics:hep-ex, physics:hep-ph, cs, ... (default: all)."),
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="First datestamp, YYYY-MM-DD (inclusive).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Last datestamp, YYYY-MM-DD (inclusive).")
    ] = None,
    prefix: Annotated[
        str, typer.Option("--prefix", help="Metadata format: arXiv, or arXivRaw (with version dates).")
    ] = "arXiv",
    endpoint: Annotated[str, typer.Option("--endpoint", help="OAI-PMH base URL (a mirror).")] = OAI_ENDPOINT,
    out: OutOption = None,
    delay: DelayOption = None,
    again: Annotated[
        bool, typer.Option("--again", help="Harvest a finished window once more (records changed since).")
    ] = False,
) -> None:
    """Harvest arXiv metadata over OAI-PMH by set and datestamp window, paged by resumption tokens."""
    settings: Settings = ctx.obj
    if prefix not in ("arXiv", "arXivRaw"):
        msg = f"--prefix must be arXiv or arXivRaw, not {prefix!r}"
        raise typer.BadParameter(msg)
    try:
        from_ = day(from_, option="--from") if from_ else None
        until = day(until, option="--until") if until else None
    except HepGraphError as err:
        raise fail(err) from err
    folder = out or oai_folder(_root(settings), set_spec, from_, until)
    client = client_for(delay, OAI_DELAY_S)
    with Progress(*_columns(), console=Console(stderr=True)) as progress:
        task = progress.add_task(f"records {set_spec or 'all sets'}", total=None)
        harvest = OaiHarvest(
            client,
            folder,
            endpoint=endpoint,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
        try:
            _run(
                lambda: harvest.run(set_spec=set_spec, from_=from_, until=until, prefix=prefix, again=again),
                "oai",
            )
        finally:
            client.close()


@harvest_app.command("arxiv")
def arxiv_command(
    ctx: typer.Context,
    ids: Annotated[Path, typer.Option("--ids", help="File of arXiv ids, one a line (# comments allowed).")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="arXiv API query URL (a mirror).")] = ARXIV_API,
    out: OutOption = None,
    delay: DelayOption = None,
) -> None:
    """Metadata for a list of arXiv ids from the arXiv API (Atom), 100 ids a request."""
    settings: Settings = ctx.obj
    client = client_for(delay, ARXIV_DELAY_S)
    try:
        id_list = read_id_file(ids)
        folder = out or _root(settings) / "arxiv"
        _run(lambda: IdListHarvest(client, folder, endpoint=endpoint).run(id_list), "arxiv")
    except HepGraphError as err:
        raise fail(err) from err
    finally:
        client.close()


@harvest_app.command("inspire")
def inspire_command(
    ctx: typer.Context,
    ids: Annotated[Path | None, typer.Option("--ids", help="File of arXiv ids, one a line.")] = None,
    pages: Annotated[
        Path | None, typer.Option("--pages", help="Folder of OAI-PMH pages: ask for the papers they hold.")
    ] = None,
    endpoint: Annotated[str, typer.Option("--endpoint", help="INSPIRE API base URL.")] = INSPIRE_API,
    out: OutOption = None,
    delay: DelayOption = None,
) -> None:
    """INSPIRE records of arXiv papers (reference lists, citation counts), 25 ids a search, paged."""
    settings: Settings = ctx.obj
    if (ids is None) == (pages is None):
        msg = "give exactly one of --ids FILE or --pages FOLDER"
        raise typer.BadParameter(msg)
    client = client_for(delay, INSPIRE_DELAY_S)
    try:
        if ids is not None:
            id_list = read_id_file(ids)
        else:
            id_list = arxiv_ids_of_pages(sorted(pages.rglob("page-*.xml")))
        folder = out or _root(settings) / "inspire"
        _run(lambda: InspireHarvest(client, folder, endpoint=endpoint).run(id_list), "inspire")
    except HepGraphError as err:
        raise fail(err) from err
    finally:
        client.close()


@harvest_app.command("hepml")
def hepml_command(
    ctx: typer.Context,
    url: Annotated[str, typer.Option("--endpoint", help="URL of HEPML.bib (a mirror).")] = HEPML_BIB_URL,
    out: OutOption = None,
    delay: DelayOption = None,
) -> None:
    """The HEPML Living Review bibliography (HEPML.bib); an unchanged file is left as it is."""
    settings: Settings = ctx.obj
    client = client_for(delay, ARXIV_DELAY_S)
    try:
        folder = out or _root(settings) / "hepml"
        _run(lambda: UrlHarvest(client, folder, url=url).run(), "hepml")
    finally:
        client.close()


def update_command(
    ctx: typer.Context,
    set_specs: Annotated[
        list[str] | None,
        typer.Option("--set", help="OAI set to keep current (repeat); default: the sets the store records."),
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Start date for new sets (YYYY-MM-DD); later runs need none.")
    ] = None,
    endpoint: Annotated[str | None, typer.Option("--endpoint", help="OAI-PMH base URL (a mirror).")] = None,
    inspire: Annotated[
        bool | None,
        typer.Option("--inspire/--no-inspire", help="Also fetch INSPIRE references of the harvested papers."),
    ] = None,
    inspire_endpoint: Annotated[
        str | None, typer.Option("--inspire-endpoint", help="INSPIRE API base URL.")
    ] = None,
    delay: DelayOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the update report as JSON.")] = False,
) -> None:
    """Harvest what arXiv changed since this store's last update, then build only that."""
    # Imported when the command runs: the build's models take seconds to import (see cmd_ask).
    from hepgraph.pipeline.update import Updater
    from hepgraph.ui.cmd_build import StageBars

    settings: Settings = ctx.obj
    console = Console(stderr=as_json)
    try:
        since = day(from_, option="--from") if from_ else None
        store = open_store(settings)
        try:
            with Progress(*_columns(), console=console, transient=as_json) as progress:
                updater = Updater(
                    store, settings, root=_root(settings), delay_s=delay, progress=StageBars(progress)
                )
                plan = updater.plan(
                    sets=set_specs,
                    since=since,
                    endpoint=endpoint,
                    inspire=inspire,
                    inspire_endpoint=inspire_endpoint,
                )
                report = updater.run(plan, only=set_specs)
        finally:
            store.close()
    except HepGraphError as err:
        raise fail(err) from err
    if as_json:
        typer.echo(report.model_dump_json(indent=2, exclude={"build"}))
        return
    table = Table(title="hepgraph update", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    for set_spec, window in report.windows.items():
        table.add_row(f"window {set_spec}", window)
    for name, value in (
        ("records harvested", report.records_harvested),
        ("pages", report.pages),
        ("requests", report.requests),
        ("INSPIRE files", report.inspire_files),
        ("papers added", report.papers_added),
        ("papers changed (new versions, metadata)", report.papers_updated),
        ("citation edges added", report.citations_added),
        ("papers in store", report.papers_total),
    ):
        table.add_row(name, f"{value:,}")
    for set_spec, start in report.next_from.items():
        table.add_row(f"next update of {set_spec} from", start)
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add `harvest ...` and `update` to the hepgraph app."""
    app.add_typer(harvest_app, name="harvest")
    app.command("update")(update_command)
