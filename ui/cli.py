"""The `hepgraph` command line: thin typer commands that parse arguments and call library functions."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from hepgraph.errors import ConfigError
from hepgraph.settings import load_settings
from hepgraph.ui import (
    cmd_ask,
    cmd_build,
    cmd_cypher,
    cmd_harvest,
    cmd_ingest,
    cmd_neo4j,
    cmd_search,
    cmd_ui,
)
from hepgraph.ui.terminal import fail

app = typer.Typer(
    name="hepgraph",
    help="A knowledge-graph explorer for the particle-physics literature.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


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
    try:
        ctx.obj = load_settings(**overrides)
    except ConfigError as err:
        raise fail(err) from err


# Each module defines `register(app)`; one module a command group keeps this file small.
for _module in (cmd_ingest, cmd_build, cmd_harvest, cmd_search, cmd_ask, cmd_cypher, cmd_neo4j, cmd_ui):
    _module.register(app)

if __name__ == "__main__":
    app(prog_name="hepgraph")
