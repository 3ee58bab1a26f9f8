"""The side process of a parallel ingest: citation lists read and written by a second process."""

from __future__ import annotations

import multiprocessing as mp
import os
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from hepgraph.errors import IngestError
from hepgraph.extract.ingest_report import IngestReport

if TYPE_CHECKING:
    from hepgraph.extract.ingest import IngestRun


def _side_main(db_path: str, files: list[str], options: dict, conn: Connection) -> None:
    """Entry of the side process: ingest citation lists through its own store connection."""
    from hepgraph.extract.ingest import IngestRun
    from hepgraph.graph.embedded import EmbeddedStore

    parent = os.getppid()

    def progress(path: Path, done: int, total: int | None) -> None:
        if os.getppid() != parent:  # the main process was killed: stop; committed batches stay valid
            os._exit(1)
        conn.send(("progress", str(path), done, total))

    store = EmbeddedStore(Path(db_path))
    run = IngestRun(store, progress=progress, parallel=False, **options)
    try:
        for f in files:
            run.report.files += 1
            run._file(Path(f))
        conn.send(("done", run.report.model_dump_json()))
    except IngestError as err:
        conn.send(("error", str(err), err.source, err.location, err.record_id))
    except Exception as err:  # noqa: BLE001 - handed to the main process, which raises it
        conn.send(("error", f"citation reader process failed: {type(err).__name__}: {err}", "", "", ""))
    finally:
        store.close()


class _SideProcess:
    """The second process of a parallel ingest, and the pipe its progress and report come through."""

    def __init__(self, run: IngestRun, files: list[Path]) -> None:
        ctx = mp.get_context("spawn")  # no fork: the main process holds an SQLite connection and threads
        self.run = run
        self.conn, child = ctx.Pipe(duplex=False)
        options = {"fmt": run.fmt, "on_error": run.on_error, "batch_size": run.batch_size}
        self.proc = ctx.Process(
            target=_side_main,
            args=(str(run.store.path), [str(f) for f in files], options, child),  # type: ignore[attr-defined]
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
            if msg[0] == "progress" and self.run.progress:
                self.run.progress(Path(msg[1]), msg[2], msg[3])
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
