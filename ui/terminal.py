"""What the CLI prints to a terminal: one clear line for an error."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from hepgraph.errors import HepGraphError


def fail(err: HepGraphError) -> typer.Exit:
    """Print a HepGraphError as one clear line on stderr and return the exit (code 2) to raise."""
    Console(stderr=True).print(f"[bold red]error:[/] {escape(str(err))}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)
