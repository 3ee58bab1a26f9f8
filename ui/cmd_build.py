"""`hepgraph build PATH...` and `hepgraph vocab candidates|stats`: thin wrappers over hepgraph.extract."""

from __future__ import annotations

import json
from collections import Counter
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
from rich.text import Text

from hepgraph.errors import HepGraphError, StoreMissingError
from hepgraph.extract.sources.detect import walk_paths
from hepgraph.extract.vocabulary import load_vocabulary
from hepgraph.graph.factory import open_store
from hepgraph.settings import Settings
from hepgraph.ui.cmd_ingest import (
    CategoriesOption,
    IdsOption,
    MatchOption,
    SinceOption,
    UntilOption,
    filter_from_options,
)
from hepgraph.ui.terminal import fail, term_text

vocab_app = typer.Typer(help="Inspect the concept vocabulary and find terms it misses.", no_args_is_help=True)


class StageBars:
    """One rich progress bar per build stage, fed by the pipeline's ``progress(stage, done, total)``."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        """Advance (or open) the bar of ``stage``."""
        if stage not in self.tasks:
            for task in self.tasks.values():  # a new stage means the previous ones are done
                t = self.progress.tasks[task]
                if not t.finished and t.total is not None:
                    self.progress.update(task, completed=t.total)
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


def _summary(report: object) -> Table:
    r = report  # BuildReport
    table = Table(title="hepgraph build", show_header=True, header_style="bold")
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [
        ("paper records read", r.papers_read),
        ("papers filtered out", r.filtered_out),
        ("papers added", r.papers_added),
        ("papers updated", r.papers_updated),
        ("papers in store", r.papers_total),
        ("papers extracted", r.papers_extracted),
        ("papers embedded", r.papers_embedded),
        ("embedding device", r.embedding_device or "(nothing to embed)"),
        ("concepts", r.concepts),
        ("SIMILAR recomputed", "yes" if r.similar_recomputed else "no"),
    ]
    rows += [(f"edges {rel}", n) for rel, n in sorted(r.edges.items())]
    rows += [("records skipped", sum(r.skipped.values())), ("LLM calls", r.llm_calls)]
    if r.llm_calls or r.llm_cache_hits or r.llm_failed:  # Claude relation extraction ran (llm_relations)
        rows += [
            ("LLM cache hits", r.llm_cache_hits),
            ("LLM input tokens", r.llm_input_tokens),
            ("LLM output tokens", r.llm_output_tokens),
            ("LLM links added", r.llm_links),
            ("LLM proposals rejected", sum(r.llm_rejected.values())),
            ("LLM papers failed", r.llm_failed),
        ]
    rows += [(f"seconds {stage}", f"{s:.1f}") for stage, s in r.seconds.items()]
    for name, value in rows:
        table.add_row(name, str(value))
    return table


def build_command(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest (e.g. ../shared/corpus).")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="Force one input format instead of detecting it.")
    ] = None,
    on_error: Annotated[
        str | None,
        typer.Option("--on-error", help="Bad records: 'raise' (stop) or 'skip' (count and go on)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the build report as JSON instead of a table.")
    ] = False,
    categories: CategoriesOption = None,
    match: MatchOption = "any",
    since: SinceOption = None,
    until: UntilOption = None,
    ids: IdsOption = None,
) -> None:
    """Ingest, link concepts, embed and index in one incremental run (no LLM calls unless llm_relations)."""
    # Imported when the command runs: the build's models take seconds to import (see cmd_ask).
    from hepgraph.pipeline.build import build

    settings: Settings = ctx.obj
    flt = filter_from_options(categories, match, since, until, ids)
    if on_error not in (None, "raise", "skip"):
        msg = f"--on-error must be 'raise' or 'skip', not {on_error!r}"
        raise typer.BadParameter(msg)
    console = Console(stderr=as_json)
    try:
        walk_paths(paths)  # a mistyped path fails here, before a store is created for nothing
        store = open_store(settings)
        try:
            columns = (
                TextColumn("{task.description:<28}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),  # the ETA of the running stage (the encoder's is most of a build)
            )
            with Progress(*columns, console=console, transient=as_json) as progress:
                report = build(
                    paths,
                    store=store,
                    settings=settings,
                    progress=StageBars(progress),
                    fmt=fmt,
                    on_error=on_error,
                    record_filter=flt,
                )
        finally:
            store.close()
    except HepGraphError as err:
        raise fail(err) from err
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        console.print(_summary(report))
    for warning in report.warnings:
        console.print(Text("warning: ", "yellow") + term_text(warning), highlight=False)


@vocab_app.command("candidates")
def candidates_command(
    ctx: typer.Context,
    top: Annotated[int, typer.Option("--top", help="How many candidates to show.")] = 50,
    min_count: Annotated[
        int, typer.Option("--min-count", help="Minimum number of papers using the term.")
    ] = 5,
    noun_chunks: Annotated[
        bool,
        typer.Option("--noun-chunks", help="Use the trained parser's noun chunks (slower, ~30 papers/s)."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
) -> None:
    """Frequent corpus terms no vocabulary form matches, for a curator; nothing is added automatically."""
    # Imported when the command runs: spaCy takes a second or two to import (see cmd_ask).
    from hepgraph.extract.candidates import vocabulary_candidates
    from hepgraph.extract.nlp import load_pipeline

    settings: Settings = ctx.obj
    try:
        store = open_store(settings, create=False, read_only=True)
        try:
            nlp = load_pipeline(settings.spacy_model, sentences="parser" if noun_chunks else "rules")
            found = vocabulary_candidates(
                store.iter_papers(), load_vocabulary(), nlp, min_count=min_count, top=top
            )
        finally:
            store.close()
    except HepGraphError as err:
        raise fail(err) from err
    if as_json:
        for c in found:
            typer.echo(c.model_dump_json())
        return
    table = Table(title=f"vocabulary candidates (top {top}, in >= {min_count} papers)")
    for col in ("term", "kind", "papers", "count", "example"):
        table.add_column(col, justify="right" if col in ("papers", "count") else "left")
    for c in found:
        example = term_text(f"{c.example_paper}: {c.example[:80]}")
        table.add_row(term_text(c.text), c.kind, str(c.papers), str(c.count), example)
    Console().print(table)


@vocab_app.command("stats")
def stats_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Concepts by type, surface forms by kind, and (with a built graph) how many papers each type links."""
    settings: Settings = ctx.obj
    try:
        vocab = load_vocabulary()
        linked = _linked_counts(settings)
    except HepGraphError as err:
        raise fail(err) from err
    stats = vocab.stats()
    if as_json:
        typer.echo(json.dumps({**stats.model_dump(), "links_by_type": linked}, indent=2))
        return
    table = Table(
        title=f"vocabulary {stats.version}: {stats.concepts} concepts, {stats.surface_forms} surface forms"
    )
    for col in ("concept type", "concepts", "paper links"):
        table.add_column(col, justify="left" if col == "concept type" else "right")
    for ctype, n in stats.concepts_by_type.items():
        table.add_row(ctype, str(n), str(linked.get(ctype, "-")))
    Console().print(table)
    Console().print(
        "surface forms: "
        + ", ".join(f"{k} {v}" for k, v in stats.forms_by_kind.items())
        + f"; IS_A edges {stats.is_a_edges}"
    )


def _linked_counts(settings: Settings) -> dict[str, int]:
    """Paper->concept links by concept type in the built graph ({} when there is none yet)."""
    try:
        store = open_store(settings, create=False, read_only=True)
    except StoreMissingError:
        return {}
    try:
        types = {c.id: c.type for c in store.iter_concepts()}
        return dict(Counter(types.get(link.concept_id, "?") for link in store.iter_links()))
    finally:
        store.close()


def register(app: typer.Typer) -> None:
    """Add `build` and the `vocab` group to the CLI."""
    app.command("build")(build_command)
    app.add_typer(vocab_app, name="vocab")
