"""`hepgraph ui`: start the Streamlit explorer bound to localhost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from hepgraph.settings import Settings


def streamlit_command(settings: Settings, *, host: str, port: int) -> list[str]:
    """The `streamlit run` command line for the app, headless, no telemetry."""
    app_file = Path(__file__).resolve().parent / "app.py"
    return [
        sys.executable, "-m", "streamlit", "run", str(app_file),
        "--server.address", host, "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
    ]


def ui(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1: this machine only).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8501).")] = None,
) -> None:
    """Start the explorer in the browser (Ask, Explore, Cypher console, Status)."""
    settings: Settings = ctx.obj
    env = {**os.environ, "HEPGRAPH_HOME": str(settings.home), "HEPGRAPH_BACKEND": settings.backend}
    cmd = streamlit_command(settings, host=host or settings.ui_host, port=port or settings.ui_port)
    typer.echo(f"hepgraph UI on http://{host or settings.ui_host}:{port or settings.ui_port}  (Ctrl-C stops it)")
    raise typer.Exit(subprocess.call(cmd, env=env))


def register(app: typer.Typer) -> None:
    """Add `ui` to the CLI."""
    app.command("ui")(ui)
