"""Citation graphs as TSV: an edge list or a Paperscape-style node list, told apart by the header.

Edges: ``citing cited cited_id_scheme source``; nodes: ``arxiv_id categories n_refs_matched
n_refs_total title``. Streamed line by line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from hepgraph.extract.sources.common import (
    DEFAULT_LIMITS,
    READ_ERRORS,
    UTF8_FIX,
    Item,
    file_problem,
    iter_byte_lines,
    problem,
)
from hepgraph.ids import normalize_arxiv_id, normalize_doi, normalize_inspire_id
from hepgraph.models import Citation, ExternalWork, RecordProblem
from hepgraph.settings import Limits

logger = logging.getLogger(__name__)

SOURCE = "citations"
EDGE_HEADER = ("citing", "cited")
NODE_HEADER = ("arxiv_id", "categories")


def read(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[Item]:
    """Citations (edge list) or ExternalWorks (node list) of one TSV file; bad rows become problems."""
    kind: str | None = None
    try:
        for lineno, raw in enumerate(iter_byte_lines(path, SOURCE, limits.max_line_bytes), start=1):
            if isinstance(raw, RecordProblem):  # a line over the cap, skipped unread
                yield raw
                if kind is None:  # no header, no way to read the rows
                    return
                continue
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as err:
                yield problem(
                    SOURCE, path.name, f"line {lineno}", f"bytes are not UTF-8 (byte {err.start})", UTF8_FIX
                )
                if kind is None:
                    return
                continue
            if kind is None:
                kind = _header(line, origin=path.name)
                if not isinstance(kind, str):
                    yield kind
                    return
                continue
            if line.strip():
                yield _row(kind, line, origin=path.name, location=f"line {lineno}")
    except READ_ERRORS as err:
        yield file_problem(SOURCE, path, f"cannot read past this point: {err}", "re-download the file")
        return
    if kind is None:
        yield file_problem(SOURCE, path, "file is empty", "the file is empty: re-download or re-export it")


def parse_text(text: str, origin: str) -> Iterator[Item]:
    """Items of TSV text already in memory."""
    lines = text.splitlines()
    if not lines:
        yield problem(
            SOURCE, origin, "file", "file is empty", "the file is empty: re-download or re-export it"
        )
        return
    kind = _header(lines[0], origin=origin)
    if not isinstance(kind, str):
        yield kind
        return
    for lineno, line in enumerate(lines[1:], start=2):
        if line.strip():
            yield _row(kind, line, origin=origin, location=f"line {lineno}")


def header_kind(header_line: str) -> str | None:
    """Say "edges" or "nodes" from a header line; None when it is neither."""
    cols = tuple(c.strip().lower() for c in header_line.rstrip("\r\n").split("\t"))
    if cols[:2] == EDGE_HEADER:
        return "edges"
    if cols[:2] == NODE_HEADER:
        return "nodes"
    return None


def normalize_key(raw: str, scheme: str = "") -> str | None:
    """A paper key from a TSV cell: "2505.13228", "hep-th/9109016", "doi:10...", "inspire:123"."""
    s = raw.strip()
    scheme = scheme.strip().lower()
    if s.lower().startswith("doi:") or scheme == "doi":
        doi = normalize_doi(s)
        return f"doi:{doi}" if doi else None
    if s.lower().startswith("inspire:") or scheme == "inspire":
        recid = normalize_inspire_id(s.split(":", 1)[-1])
        return f"inspire:{recid}" if recid else None
    return normalize_arxiv_id(s)


def _header(line: str, *, origin: str) -> str | RecordProblem:
    kind = header_kind(line)
    if kind is not None:
        return kind
    return problem(
        SOURCE,
        origin,
        "line 1",
        f"unknown TSV header {line.strip()[:80]!r}",
        "use 'citing<TAB>cited<TAB>cited_id_scheme<TAB>source' or "
        "'arxiv_id<TAB>categories<TAB>n_refs_matched<TAB>n_refs_total<TAB>title'",
    )


def _row(kind: str, line: str, *, origin: str, location: str) -> Item:
    cols = line.rstrip("\r\n").split("\t")
    return (
        _edge(cols, origin=origin, location=location)
        if kind == "edges"
        else _node(cols, origin=origin, location=location)
    )


def _edge(cols: list[str], *, origin: str, location: str) -> Item:
    if len(cols) < 2:
        return problem(
            SOURCE,
            origin,
            location,
            f"expected at least 2 tab-separated columns, got {len(cols)}",
            "separate columns with tabs",
        )
    scheme = cols[2] if len(cols) > 2 else ""
    citing, cited = normalize_key(cols[0]), normalize_key(cols[1], scheme)
    if citing is None or cited is None:
        bad = cols[0] if citing is None else cols[1]
        return problem(
            SOURCE,
            origin,
            location,
            f"{bad[:60]!r} is not an arXiv id, doi:... or inspire:...",
            "fix the id in this row",
            record_id=bad[:60],
        )
    return Citation(citing=citing, cited=cited, source=cols[3].strip() if len(cols) > 3 else SOURCE)


def _node(cols: list[str], *, origin: str, location: str) -> Item:
    key = normalize_key(cols[0])
    if key is None:
        return problem(
            SOURCE,
            origin,
            location,
            f"{cols[0][:60]!r} is not an arXiv id",
            "fix the id in this row",
            record_id=cols[0][:60],
        )
    try:
        return ExternalWork(
            key=key,
            title=cols[4].strip() if len(cols) > 4 else "",
            categories=cols[1].split() if len(cols) > 1 else [],
        )
    except ValidationError as err:
        return problem(
            SOURCE, origin, location, f"row does not fit a work: {err}", "check the columns", record_id=key
        )
