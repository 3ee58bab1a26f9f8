"""Read source files and write their records into a GraphStore, in batches, with an explicit error policy.

Resumability: every batch is one store transaction and every write is an idempotent upsert, so a run
killed at any point and started again ends with the store an uninterrupted run builds. With
``on_error="raise"`` the records read before the bad one are stored (they are valid) and nothing after
it; with ``"skip"`` the bad record is counted by reason and the run goes on.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Literal

from hepgraph.errors import IngestError
from hepgraph.extract.sources.arxiv_jsonl import LineFilter
from hepgraph.extract.sources.detect import detect_format, iter_paths, read_path, walk_paths
from hepgraph.filters import RecordFilter
from hepgraph.graph.factory import open_store
from hepgraph.merge import record_identity
from hepgraph.models import Citation, ExternalWork, PaperRecord, RecordProblem
from hepgraph.pipeline.ingest_report import MAX_PROBLEMS_KEPT, IngestReport, reason_label
from hepgraph.pipeline.ingest_side import SideProcess
from hepgraph.settings import Limits, Settings, cap_variable
from hepgraph.store import GraphStore

logger = logging.getLogger(__name__)

__all__ = ["MAX_PROBLEMS_KEPT", "IngestReport", "IngestRun", "ProgressFn", "ingest", "reason_label"]

OnError = Literal["raise", "skip"]
# progress(file, items or lines done, total lines or None when unknown)
ProgressFn = Callable[[Path, int, int | None], None]
_LINE = re.compile(r"^(?:line\s*)?(\d+)$", re.I)


def _where(location: str) -> str:
    m = _LINE.match(location.strip())
    return f"line {m.group(1)}" if m else location


def _line_of(location: str) -> int | None:
    m = _LINE.match(location.strip())
    return int(m.group(1)) if m else None


def count_lines(path: Path) -> int | None:
    """Lines in a plain text file (a progress total); None for compressed files."""
    if path.suffix in {".gz", ".bz2", ".xz", ".zip"}:
        return None
    n = 0
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                n += chunk.count(b"\n")
    except OSError:  # gone or unreadable since it was listed: the reader reports it as a file problem
        return None
    return n


class _FileState:
    """Per-file buffers and the duplicate index: record key -> (location, content hash, updated)."""

    def __init__(self, path: Path, total: int | None) -> None:
        self.path = path
        self.total = total
        self.done = 0
        self.seen: dict[str, tuple[str, str, str | None]] = {}
        self.records: list[PaperRecord] = []
        self.citations: list[Citation] = []
        self.works: list[ExternalWork] = []


class IngestRun:
    """One ingest of some paths into a store.

    Args:
        store: where records go (opened by the caller, who also closes it).
        fmt: force a format for every file instead of detecting it.
        on_error: ``"raise"`` stops at the first bad record with an IngestError; ``"skip"`` counts it.
        progress: called as ``progress(file, done, total)`` while a file is read.
        batch_size: records per store transaction (citation edges go 20 times as many per batch).
        parallel: the settings ``store`` was opened from, to let a second process open the same store and
            read and write citation lists meanwhile. None (the default) reads everything here: a spawned
            process re-imports ``__main__``, which breaks inside hosts such as Streamlit or notebooks; the
            CLI passes its settings.
        limits: the size caps (``Settings.limits()``; the defaults when None). A record over them is one
            problem, as is a line or file over them.
        record_filter: which paper records to keep (categories, dates, ids); the rest are counted as
            ``filtered_out``. Citation edges and external works are kept as they are.
    """

    def __init__(
        self,
        store: GraphStore,
        *,
        fmt: str | None = None,
        on_error: OnError = "raise",
        progress: ProgressFn | None = None,
        batch_size: int = 500,
        parallel: Settings | None = None,
        limits: Limits | None = None,
        record_filter: RecordFilter | None = None,
    ) -> None:
        if on_error not in ("raise", "skip"):
            msg = f"on_error must be 'raise' or 'skip', not {on_error!r}"
            raise IngestError(msg)
        self.store = store
        self.fmt = fmt
        self.on_error = on_error
        self.progress = progress
        self.batch_size = max(1, batch_size)
        self.parallel = parallel
        self.limits = limits or (parallel.limits() if parallel is not None else Limits())
        self.report = IngestReport()
        self.side: SideProcess | None = None
        self.filter = record_filter if record_filter is not None and record_filter.active else None

    def run(self, paths: Sequence[Path | str]) -> IngestReport:
        """Ingest every file under ``paths``; returns the report (also on ``self.report``)."""
        start = time.perf_counter()
        files = self._expand([Path(p) for p in paths])
        if not files and not self.report.skipped:
            # A folder of notes only (or nothing): ingesting nothing is never what the user meant.
            names = ", ".join(str(p) for p in paths) or "(no paths)"
            msg = (
                f"{names}: no data files found (only notes/hidden files); pass files or folders holding "
                ".jsonl, .json, .xml, .bib or .tsv sources"
            )
            raise IngestError(msg, source=names)
        side = self._side_files(files)
        try:
            if side and self.parallel is not None:
                self.side = SideProcess(self, self.parallel, side, target=side_main)
            for path in files:
                if path not in side:
                    self.report.files += 1
                    self._file(path)
            if self.side:
                self.report.absorb(self.side.wait())
        finally:
            if self.side:
                self.side.stop()
            self.report.seconds = round(time.perf_counter() - start, 3)
        return self.report

    def _side_files(self, files: list[Path]) -> list[Path]:
        """Citation lists, which need no merging: read and written by a second process in parallel.

        Only when the run knows how to open a second connection to its store, on a machine with two or
        more cores, and only when paper files keep this process busy meanwhile.
        """
        if self.parallel is None or (os.cpu_count() or 1) < 2:
            return []
        side = [f for f in files if (self.fmt or detect_format(f)) == "citations"]
        return side if len(side) < len(files) else []

    def _expand(self, paths: list[Path]) -> list[Path]:
        """The files to read, found by ``iter_paths`` (which refuses a run over one unknown file).

        With the skip policy an unknown file is counted instead and the others are read.
        """
        if self.on_error == "raise" or self.fmt:
            return iter_paths(paths) if not self.fmt else walk_paths(paths)
        files: list[Path] = []
        for f in walk_paths(paths):
            try:
                detect_format(f)
            except IngestError as err:
                self._file_problem(f, err.reason or str(err))
                continue
            files.append(f)
        return list(dict.fromkeys(files))

    def _file(self, path: Path) -> None:
        state = _FileState(path, count_lines(path) if self.progress else None)
        keep_line = LineFilter(self.filter) if self.filter is not None else None
        try:
            for item in read_path(path, self.fmt, self.limits, keep_line=keep_line):
                self._take(item, state)
        except IngestError as err:
            self._flush(state)
            if self.on_error == "raise":
                raise
            self._file_problem(path, err.reason or str(err), record_id=err.record_id, location=err.location)
        except (OSError, UnicodeDecodeError) as err:
            self._flush(state)
            problem_reason = f"cannot read the file ({type(err).__name__}: {err})"
            if self.on_error == "raise":
                msg = f"{path}: {problem_reason}; check the path, its permissions and that it is UTF-8 text"
                raise IngestError(msg, source=str(path)) from err
            self._file_problem(path, problem_reason)
        self._flush(state)
        if keep_line is not None:  # lines the pre-check dropped unparsed are records filtered out too
            self.report.records_read += keep_line.dropped
            self.report.filtered_out += keep_line.dropped
        if self.progress:
            self.progress(path, state.total or state.done, state.total or state.done)

    def _take(self, item: object, state: _FileState) -> None:
        state.done += 1
        if isinstance(item, PaperRecord):
            self.report.records_read += 1
            line = _line_of(item.location)
            state.done = max(state.done, line or 0)
            if self.filter is not None and not self.filter.keeps(item):
                self.report.filtered_out += 1
            elif self._admit(item, state):
                state.records.append(item)
        elif isinstance(item, Citation):
            self.report.citations_read += 1
            state.citations.append(item)
        elif isinstance(item, ExternalWork):
            state.works.append(item)
        elif isinstance(item, RecordProblem):
            self.report.records_read += 1
            self._problem(item, state)
        else:
            logger.warning("reader of %s yielded an unexpected %s; ignored", state.path, type(item).__name__)
        if (
            len(state.records) >= self.batch_size
            or len(state.citations) >= 20 * self.batch_size
            or len(state.works) >= 20 * self.batch_size
        ):
            self._flush(state)
        if state.done % 256 == 0:
            if self.progress:
                self.progress(state.path, min(state.done, state.total or state.done), state.total)
            if self.side:
                self.side.poll()

    def _admit(self, rec: PaperRecord, state: _FileState) -> bool:
        """Whether a record goes to the store: over-size records, repeats and disagreeing repeats do not."""
        oversize = size_problem(rec, self.limits)
        if oversize is not None:
            self._problem(oversize, state)
            return False
        rkey = record_identity(rec)
        if rkey is None:
            self._problem(
                RecordProblem(
                    source=rec.source,
                    origin=rec.origin,
                    location=rec.location,
                    reason="record has no arXiv id, DOI, INSPIRE id or citation key",
                    fix="add an identifier to the record or remove it",
                ),
                state,
            )
            return False
        digest = rec.content_hash()
        prev = state.seen.get(rkey)
        if prev is not None:
            if prev[1] == digest:
                self.report.duplicates += 1
                return False
            if not (rec.updated and prev[2] and rec.updated > prev[2]):
                self._problem(
                    RecordProblem(
                        source=rec.source,
                        origin=rec.origin,
                        location=rec.location,
                        record_id=rkey,
                        reason=f"conflicting duplicate of {_where(prev[0])}",
                        fix="keep one version of the record, or give the newer one a later update date",
                    ),
                    state,
                )
                return False
        state.seen[rkey] = (rec.location, digest, rec.updated)
        return True

    def _problem(self, problem: RecordProblem, state: _FileState) -> None:
        if self.on_error == "raise":
            self._flush(state)  # what came before the bad record is valid: keep it
            raise IngestError(
                problem.message(),
                source=problem.origin,
                location=problem.location,
                record_id=problem.record_id,
            )
        label = reason_label(problem)
        self.report.skipped[label] = self.report.skipped.get(label, 0) + 1
        if len(self.report.problems) < MAX_PROBLEMS_KEPT:
            self.report.problems.append(problem)
        logger.info("skipped %s", problem.message())

    def _file_problem(self, path: Path, reason: str, *, record_id: str = "", location: str = "") -> None:
        problem = RecordProblem(
            source="", origin=str(path), location=location or "file", reason=reason, record_id=record_id
        )
        label = reason_label(problem)
        self.report.skipped[label] = self.report.skipped.get(label, 0) + 1
        if len(self.report.problems) < MAX_PROBLEMS_KEPT:
            self.report.problems.append(problem)
        logger.warning("skipped %s", problem.message())

    def _flush(self, state: _FileState) -> None:
        if state.records:
            self.report.add_papers(self.store.upsert_records(state.records))
            state.records = []
        if state.citations:
            w = self.store.add_citations(state.citations)
            self.report.citations_added += w.added
            self.report.citations_unchanged += w.unchanged
            state.citations = []
        if state.works:
            w = self.store.add_external_works(state.works)
            self.report.external_works_added += w.added
            self.report.external_works_updated += w.updated
            self.report.external_works_unchanged += w.unchanged
            state.works = []


def size_problem(rec: PaperRecord, limits: Limits) -> RecordProblem | None:
    """The problem with a record whose title or abstract is over its cap, else None.

    The one place the record caps apply, whatever the reader: every PaperRecord passes here before the
    store, and a record refused here is never embedded (a 50 MB abstract took a build to 7.7 GB).

    >>> rec = PaperRecord(source="sample", origin="f.jsonl", location="line 2", arxiv_id="2401.00001",
    ...                   abstract="x" * 30)
    >>> print(size_problem(rec, Limits(max_abstract_chars=20)).message())
    f.jsonl:line 2 (record 2401.00001): abstract is too long: 30 characters, over the 20 allowed \
(HEPGRAPH_MAX_ABSTRACT_CHARS); shorten it or raise the cap
    """
    for field, cap in (("title", limits.max_title_chars), ("abstract", limits.max_abstract_chars)):
        n = len(getattr(rec, field))
        if n > cap:
            return RecordProblem(
                source=rec.source,
                origin=rec.origin,
                location=rec.location,
                record_id=rec.key or "",
                reason=f"{field} is too long: {n:,} characters, over the {cap:,} allowed "
                f"({cap_variable(f'max_{field}_chars')})",
                fix="shorten it or raise the cap",
            )
    return None


def ingest(
    paths: Iterable[Path | str],
    *,
    store: GraphStore,
    fmt: str | None = None,
    on_error: OnError = "raise",
    progress: ProgressFn | None = None,
    batch_size: int = 500,
    parallel: Settings | None = None,
    limits: Limits | None = None,
    record_filter: RecordFilter | None = None,
) -> IngestReport:
    """Ingest files or folders into ``store``; see :class:`IngestRun` for the arguments.

    Raises:
        IngestError: with ``on_error="raise"``, at the first bad record or unreadable file, naming
            the file, the line or record and the fix.
    """
    run = IngestRun(
        store,
        fmt=fmt,
        on_error=on_error,
        progress=progress,
        batch_size=batch_size,
        parallel=parallel,
        limits=limits,
        record_filter=record_filter,
    )
    return run.run(list(paths))


def side_main(
    settings: Settings, files: list[str], options: dict, send: Callable[[tuple], None]
) -> IngestReport:
    """The side process's work: ingest citation lists into its own connection to the same store."""
    store = open_store(settings)
    try:
        run = IngestRun(store, progress=lambda p, d, t: send(("progress", str(p), d, t)), **options)
        for f in files:
            run.report.files += 1
            run._file(Path(f))
        return run.report
    finally:
        store.close()
