"""`hepgraph ui`: start the Streamlit explorer bound to localhost."""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from hepgraph.errors import HepGraphError
from hepgraph.settings import Settings

logger = logging.getLogger(__name__)

WARM_THREAD = "hepgraph-warm-up"
APP_FILE = Path(__file__).resolve().parent / "app.py"


def streamlit_args(settings: Settings, *, host: str | None = None, port: int | None = None) -> list[str]:
    """The arguments of `streamlit run` for the app: headless, no telemetry, no developer toolbar.

    ``host`` and ``port`` default to the settings' (127.0.0.1:8501 unless configured).
    """
    host, port = host or settings.ui_host, port or settings.ui_port
    return [
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


class _NoContextWarning(logging.Filter):
    """Drops Streamlit's "missing ScriptRunContext" warning in the warm-up thread (it runs outside a page)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            threading.current_thread().name == WARM_THREAD and "ScriptRunContext" in record.getMessage()
        )


def warm_up() -> None:
    """Load the store, models and graph view into the app's shared resources, before any page asks.

    Runs in a thread of the server process, so the first question does not pay for the loading
    (seconds); a question that arrives sooner waits on the same cache entry instead of loading twice.
    """
    from hepgraph.ui import resources  # Streamlit and the models: only the UI process pays for them

    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        _NoContextWarning()
    )
    try:
        resources.get_answerer(resources.get_settings())
    except HepGraphError as err:  # no store yet, say: the page shows the error and its fix
        logger.info("warm-up skipped: %s", err)


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
    os.environ.update(HEPGRAPH_HOME=str(settings.home), HEPGRAPH_BACKEND=settings.backend)
    typer.echo(f"hepgraph UI on http://{host}:{port}  (Ctrl-C stops it)")
    # The server runs in this process (Streamlit's own CLI entry, with our arguments) so the warm-up
    # thread fills the same resource cache the pages read; Ctrl-C and SIGTERM reach Streamlit directly.
    threading.Thread(target=warm_up, name=WARM_THREAD, daemon=True).start()
    from streamlit.web import cli as streamlit_cli  # only `hepgraph ui` needs Streamlit's server

    sys.argv = ["streamlit", *streamlit_args(settings, host=host, port=port)]
    streamlit_cli.main()


def register(app: typer.Typer) -> None:
    """Add `ui` to the CLI."""
    app.command("ui")(ui)
