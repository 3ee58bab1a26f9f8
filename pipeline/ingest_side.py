"""The side process of a parallel ingest: citation lists read and written by a second process.

The child runs a target function (:func:`hepgraph.pipeline.ingest.side_main`) that opens its own
connection to the same store from the settings; progress, the report and errors come back through a pipe.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from hepgraph.errors import IngestError
from hepgraph.pipeline.ingest_report import IngestReport
from hepgraph.settings import Limits, Settings

Target = Callable[[Settings, list[str], dict, Callable[[tuple], None]], IngestReport]


class _Run(Protocol):
    """What the side process needs of the main run: its options and progress callback."""

    fmt: str | None
    on_error: str
    batch_size: int
    limits: Limits
    progress: Callable[[Path, int, int | None], None] | None


def _child(target: Target, settings: Settings, files: list[str], options: dict, conn: Connection) -> None:
    """Entry of the side process: run ``target`` and send its report (or its error) to the parent."""
    parent = os.getppid()

    def send(message: tuple) -> None:
        if os.getppid() != parent:  # the main process was killed: stop; committed batches stay valid
            os._exit(1)
        conn.send(message)

    try:
        report = target(settings, files, options, send)
        conn.send(("done", report.model_dump_json()))
    except IngestError as err:
        conn.send(("error", str(err), err.source, err.location, err.record_id))
    except Exception as err:  # noqa: BLE001 - handed to the main process, which raises it
        conn.send(("error", f"citation reader process failed: {type(err).__name__}: {err}", "", "", ""))


class SideProcess:
    """The second process of a parallel ingest, and the pipe its progress and report come through."""

    def __init__(self, run: _Run, settings: Settings, files: list[Path], *, target: Target) -> None:
        ctx = mp.get_context("spawn")  # no fork: the main process holds a store connection and threads
        self.progress = run.progress
        self.conn, child = ctx.Pipe(duplex=False)
        options: dict[str, Any] = {
            "fmt": run.fmt,
            "on_error": run.on_error,
            "batch_size": run.batch_size,
            "limits": run.limits,
        }
        self.proc = ctx.Process(
            target=_child,
            args=(target, settings, [str(f) for f in files], options, child),
            daemon=True,
            name="hepgraph-citations",
        )
        self.proc.start()
        child.close()
        self.result: IngestReport | None = None

    def poll(self, timeout: float = 0.0) -> None:
        """Handle what the side process sent; raises its IngestError."""
        while self.result is None and self.conn.poll(timeout):
            try:
                msg = self.conn.recv()
            except EOFError:
                msg = ("error", "citation reader process died; rerun the ingest (it resumes)", "", "", "")
            if msg[0] == "progress" and self.progress:
                self.progress(Path(msg[1]), msg[2], msg[3])
            elif msg[0] == "done":
                self.result = IngestReport.model_validate_json(msg[1])
            elif msg[0] == "error":
                raise IngestError(msg[1], source=msg[2], location=msg[3], record_id=msg[4])

    def wait(self) -> IngestReport:
        """Block until the side process reports; its counts are returned."""
        while self.result is None:
            self.poll(timeout=0.5)
        return self.result

    def stop(self) -> None:
        """End the side process (it is already done unless the main run failed)."""
        self.proc.join(timeout=5 if self.result is not None else 0)
        if self.proc.is_alive():
            self.proc.terminate()  # its open transaction rolls back
            self.proc.join(timeout=10)
        self.conn.close()
