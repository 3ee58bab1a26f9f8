"""The `hepgraph` command line: thin typer commands that parse arguments and call library functions."""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from hepgraph.errors import HepGraphError
from hepgraph.settings import Settings

app = typer.Typer(
    name="hepgraph",
    help="A knowledge-graph explorer for the particle-physics literature.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# Each module defines `register(app)`; one module a command group keeps this file small.
COMMAND_MODULES = [
    "hepgraph.ui.cmd_ingest",
    "hepgraph.ui.cmd_build",
    "hepgraph.ui.cmd_search",
    "hepgraph.ui.cmd_ask",
    "hepgraph.ui.cmd_neo4j",
    "hepgraph.ui.cmd_ui",
]


@app.callback()
def main(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            envvar="HEPGRAPH_HOME",
            help="Directory of the graph store (default: per-user data dir).",
        ),
    ] = None,
    backend: Annotated[
        str | None, typer.Option("--backend", help="Graph store backend: embedded (default) or neo4j.")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug messages.")] = False,
) -> None:
    """Read the settings once; every command receives them through the context."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if not verbose:
        # Model loading draws its own progress bar; ours suffice.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    overrides: dict[str, object] = {}
    if home is not None:
        overrides["home"] = home
    if backend is not None:
        overrides["backend"] = backend
    ctx.obj = Settings(**overrides)  # type: ignore[arg-type]


def fail(err: HepGraphError) -> typer.Exit:
    """Print a HepGraphError as one clear line and return the exit to raise."""
    from rich.console import Console

    Console(stderr=True).print(f"[bold red]error:[/] {err}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name == name:  # command group not written yet
                continue
            raise
        module.register(app)


_register_all()
