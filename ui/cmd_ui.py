"""`hepgraph ui`: start the Streamlit explorer bound to localhost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from hepgraph.settings import Settings

APP_FILE = Path(__file__).resolve().parent / "app.py"


def streamlit_command(settings: Settings, *, host: str | None = None, port: int | None = None) -> list[str]:
    """The `streamlit run` command line for the app: headless, no telemetry, no developer toolbar.

    ``host`` and ``port`` default to the settings' (127.0.0.1:8501 unless configured).
    """
    host, port = host or settings.ui_host, port or settings.ui_port
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_FILE),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        # A research tool, not a Streamlit demo: no "Deploy" button or developer menu.
        "--client.toolbarMode",
        "viewer",
    ]


def ui(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default 127.0.0.1: this machine only).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8501).")] = None,
) -> None:
    """Start the explorer in the browser (Ask, Explore, Cypher console, Status)."""
    settings: Settings = ctx.obj
    host, port = host or settings.ui_host, port or settings.ui_port
    # The app reads settings from the environment, so --home/--backend travel as variables.
    env = {**os.environ, "HEPGRAPH_HOME": str(settings.home), "HEPGRAPH_BACKEND": settings.backend}
    typer.echo(f"hepgraph UI on http://{host}:{port}  (Ctrl-C stops it)")
    cmd = streamlit_command(settings, host=host, port=port)
    if os.name == "posix":
        # Become the server: a signal to `hepgraph ui` (Ctrl-C, a test's terminate) then stops streamlit
        # itself instead of leaving an orphaned server holding the port.
        sys.stdout.flush()
        os.execve(cmd[0], cmd, env)
    try:
        code = subprocess.call(cmd, env=env)
    except KeyboardInterrupt:  # Ctrl-C reaches streamlit too; it stops cleanly, so do we
        code = 0
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add `ui` to the CLI."""
    app.command("ui")(ui)
