"""Which reader reads a file: by extension and a look at its first bytes; directory expansion for ingest."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

from hepgraph.errors import UnknownFormatError
from hepgraph.extract.sources import arxiv_atom, arxiv_jsonl, bibtex, citations, inspire, oai_pmh
from hepgraph.extract.sources.common import DEFAULT_LIMITS, READ_ERRORS, Item, is_gzip
from hepgraph.settings import MAX_LINE_BYTES, Limits

logger = logging.getLogger(__name__)

# --format values -> reader modules; each module exposes read(path) -> Iterator[Item].
FORMATS: dict[str, ModuleType] = {
    "arxiv-jsonl": arxiv_jsonl,
    "oai-pmh": oai_pmh,
    "arxiv-atom": arxiv_atom,
    "inspire": inspire,
    "bibtex": bibtex,
    "citations": citations,
}
# Documentation next to data files; a directory walk passes over these without a word.
_SKIP_SUFFIXES = {".md", ".txt", ".rst"}
_SNIFF_BYTES = 4096


def detect_format(path: Path) -> str:
    """The --format name for ``path``, from its extension and first bytes.

    Raises:
        UnknownFormatError: naming the file and the --format values to choose from.
    """
    suffixes = [s.lower() for s in path.suffixes]
    name = path.name.lower()
    ext = suffixes[-2] if len(suffixes) >= 2 and suffixes[-1] == ".gz" else (suffixes[-1] if suffixes else "")
    if ext == ".jsonl" or (ext == ".json" and name.endswith(".gz")):
        return "inspire" if _looks_inspire(_first_json_line(path)) else "arxiv-jsonl"
    if ext == ".json":
        # The arXiv snapshot ships as one big ".json" that is really JSONL.
        return "arxiv-jsonl" if _looks_arxiv(_first_json_line(path)) else "inspire"
    if ext in (".xml", ".atom"):
        head = _head(path)
        if b"OAI-PMH" in head:
            return "oai-pmh"
        if b"<feed" in head:
            return "arxiv-atom"
    elif ext == ".bib":
        return "bibtex"
    elif ext in (".tsv", ".tab"):
        first = _head(path).split(b"\n", 1)[0].decode("utf-8", "replace")
        if citations.header_kind(first):
            return "citations"
    raise _unknown(path)


def walk_paths(paths: Sequence[Path]) -> list[Path]:
    """Explicit files as given and directories walked recursively, sorted, without notes; no detection.

    Raises:
        UnknownFormatError: for a path that does not exist.
    """
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(f for f in sorted(path.rglob("*")) if f.is_file() and not _skipped(f, root=path))
        elif path.is_file():
            out.append(path)
        else:
            msg = f"{path}: no such file or directory; check the path"
            raise UnknownFormatError(msg, source=str(path))
    return out


def iter_paths(paths: Sequence[Path]) -> list[Path]:
    """Files to ingest: explicit files as given, directories walked recursively, sorted.

    A walk skips hidden files, README* and notes (*.md, *.txt); any other file it cannot place raises,
    because a silently skipped data file is a silently missing part of the graph. An explicit file of
    unknown format raises too.

    Raises:
        UnknownFormatError: for a missing path or a file of unknown format.
    """
    out = walk_paths(paths)
    for f in out:
        detect_format(f)  # fail before reading anything, not half-way through an ingest
    return list(dict.fromkeys(out))


def read_path(
    path: Path,
    fmt: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    *,
    keep_line: arxiv_jsonl.LineFilter | None = None,
) -> Iterator[Item]:
    """Items of one file with the reader ``fmt`` names (detected when None), within the size ``limits``.

    ``keep_line`` pre-filters the lines of an arXiv snapshot (the one format big enough to need it).

    Raises:
        UnknownFormatError: when ``fmt`` is not a known format or detection fails.
    """
    name = fmt or detect_format(path)
    reader = FORMATS.get(name)
    if reader is None:
        msg = f"{path}: unknown --format {name!r}; use one of: {', '.join(FORMATS)}"
        raise UnknownFormatError(msg, source=str(path))
    logger.debug("reading %s as %s", path, name)
    if keep_line is not None and reader is arxiv_jsonl:
        return arxiv_jsonl.read(path, limits, keep_line=keep_line)
    return reader.read(path, limits)


def _unknown(path: Path) -> UnknownFormatError:
    msg = (
        f"{path}: cannot tell the format from its name and first bytes; "
        f"pass --format with one of: {', '.join(FORMATS)}"
    )
    return UnknownFormatError(msg, source=str(path))


def _skipped(f: Path, *, root: Path) -> bool:
    rel = f.relative_to(root).parts
    return (
        any(p.startswith(".") for p in rel)
        or f.name.upper().startswith("README")
        or (f.suffix.lower() in _SKIP_SUFFIXES)
    )


def _head(path: Path) -> bytes:
    try:
        if is_gzip(path):
            with gzip.open(path, "rb") as fh:
                return fh.read(_SNIFF_BYTES)
        with path.open("rb") as fh:
            return fh.read(_SNIFF_BYTES)
    except READ_ERRORS:
        return b""


def _first_json_line(path: Path) -> object:
    """The first non-blank line of a JSONL file, parsed; None when unreadable (the reader will report it)."""
    try:
        opener = gzip.open if is_gzip(path) else open
        with opener(path, "rb") as fh:
            # Bounded: a first line over the cap is not read whole just to sniff it (the reader refuses it).
            while raw := fh.readline(MAX_LINE_BYTES + 1):
                if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    return None
                if raw.strip():
                    return json.loads(raw)
    except (*READ_ERRORS, ValueError, RecursionError):  # the reader says what is wrong with it
        return None
    return None


def _looks_arxiv(obj: object) -> bool:
    return isinstance(obj, dict) and "id" in obj and ("authors_parsed" in obj or "abstract" in obj)


def _looks_inspire(doc: object) -> bool:
    """INSPIRE reference lists and literature records, as opposed to arXiv snapshot objects.

    A saved search response or a list is judged by its first record, as the reader will read it (a
    ``.json.gz`` response was taken for arXiv JSONL).
    """
    obj = next(iter(inspire.records_of(doc)), None)
    if not isinstance(obj, dict):
        return False
    if "citing_arxiv_id" in obj or "citing_inspire_recid" in obj:
        return True
    meta = obj.get("metadata", obj)
    return isinstance(meta, dict) and ("control_number" in meta or "arxiv_eprints" in meta)
