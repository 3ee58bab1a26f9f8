"""arXiv metadata snapshot (Kaggle-style JSONL, plain or gzip): one paper per line, streamed."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hepgraph.extract.sources.common import (
    DEFAULT_LIMITS,
    READ_ERRORS,
    UTF8_FIX,
    Item,
    author_from_parts,
    clean_ws,
    file_problem,
    first_doi,
    iter_byte_lines,
    partial_date,
    problem,
    rfc2822_date,
    split_author_string,
)
from hepgraph.filters import RecordFilter
from hepgraph.ids import normalize_arxiv_id
from hepgraph.models import Author, PaperRecord, RecordProblem
from hepgraph.settings import Limits

logger = logging.getLogger(__name__)

SOURCE = "arxiv-jsonl"
_NUMERIC_ID = re.compile(r"^(\d{3,4})\.(\d{1,5})$")
# Matched where a key starts (see _value_at): its value, when it is a plain string.
_CATEGORIES = re.compile(rb'"categories"\s*:\s*"([^"\\]*)"')
_ID = re.compile(rb'"id"\s*:\s*"([^"\\]*)"')
_V1_YEAR = re.compile(rb'"created"\s*:\s*"[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} (\d{4}) ')
_UPDATE_YEAR = re.compile(rb'"update_date"\s*:\s*"(\d{4})')


class LineFilter:
    """A cheap test of a raw snapshot line against a RecordFilter, before any JSON is parsed.

    It only drops a line when the fields it reads with a regular expression show the record fails the
    filter (categories; the year of v1, else of the last update; the id); when a field is absent or
    escaped it keeps the line, and the full rule (:meth:`RecordFilter.keeps`) decides on the parsed
    record. So it never drops a record the full rule keeps. ``dropped`` counts the lines it dropped.
    """

    def __init__(self, flt: RecordFilter) -> None:
        self.flt = flt
        self.since_year = flt.since[:4].encode() if flt.since else None
        self.until_year = flt.until[:4].encode() if flt.until else None
        # An id list with DOIs may keep a record by its DOI, which this test does not read.
        self.check_id = flt.ids is not None and not any(i.startswith("10.") for i in flt.ids)
        self.dropped = 0

    def __call__(self, raw: bytes) -> bool:
        """Whether the line may hold a record the filter keeps (False: it certainly does not)."""
        keep = self._keep(raw)
        self.dropped += not keep
        return keep

    def _keep(self, raw: bytes) -> bool:
        flt = self.flt
        if flt.categories:
            value = _value_at(raw, b'"categories"', _CATEGORIES)
            if value is not None and not flt.category_match(value.decode("utf-8", "replace").split()):
                return False
        if self.since_year or self.until_year:
            year = _value_at(raw, b'"created"', _V1_YEAR) or _value_at(raw, b'"update_date"', _UPDATE_YEAR)
            if year is not None and (
                (self.since_year and year < self.since_year) or (self.until_year and year > self.until_year)
            ):
                return False
        if self.check_id and flt.ids is not None:
            value = _value_at(raw, b'"id"', _ID)
            if value is not None:
                arxiv_id = normalize_arxiv_id(_repair_numeric_id(value.decode("utf-8", "replace")))
                if arxiv_id is not None and arxiv_id not in flt.ids:
                    return False
        return True


def _value_at(raw: bytes, key: bytes, pattern: re.Pattern[bytes]) -> bytes | None:
    """The pattern's group at the first unescaped occurrence of ``key`` in the line, or None.

    ``bytes.find`` skips to the key at C speed; the pattern then only has to match there (a regex search
    alone stops at every quote of a 2 KB line).
    """
    at = raw.find(key)
    while at > 0 and raw[at - 1 : at] == b"\\":  # the same letters inside a string: look further
        at = raw.find(key, at + 1)
    if at < 0:
        return None
    m = pattern.match(raw, at)
    return m.group(1) if m else None


def read(
    path: Path, limits: Limits = DEFAULT_LIMITS, *, keep_line: LineFilter | None = None
) -> Iterator[Item]:
    """Stream the records of a snapshot file; bad lines become RecordProblems, never exceptions.

    ``keep_line`` (:class:`LineFilter`) drops lines a record filter cannot keep before they are parsed.
    """
    seen_any = False
    try:
        for lineno, raw in enumerate(iter_byte_lines(path, SOURCE, limits.max_line_bytes), start=1):
            if isinstance(raw, RecordProblem):  # a line over the cap, skipped unread
                seen_any = True
                yield raw
                continue
            seen_any = seen_any or bool(raw.strip())
            if keep_line is not None and not keep_line(raw):
                continue
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as err:
                yield problem(
                    SOURCE, path.name, f"line {lineno}", f"bytes are not UTF-8 (byte {err.start})", UTF8_FIX
                )
                continue
            yield from parse_line(line, origin=path.name, lineno=lineno)
    except READ_ERRORS as err:  # truncated or corrupt gzip stream, unreadable or vanished file
        yield file_problem(SOURCE, path, f"cannot read past this point: {err}", "re-download the file")
        return
    if not seen_any:
        yield file_problem(SOURCE, path, "file is empty", "the file is empty: re-download or re-export it")


def parse_text(text: str, origin: str) -> Iterator[Item]:
    """Records of JSONL text already in memory (a fetched response, a test string)."""
    for lineno, line in enumerate(text.splitlines(), start=1):
        yield from parse_line(line, origin=origin, lineno=lineno)


def parse_lines(lines: Iterable[str], origin: str) -> Iterator[Item]:
    """Records of an iterable of JSONL lines."""
    for lineno, line in enumerate(lines, start=1):
        yield from parse_line(line, origin=origin, lineno=lineno)


def parse_line(line: str, *, origin: str, lineno: int) -> Iterator[Item]:
    """Zero (blank line) or one item for one line."""
    if not line.strip():
        return
    location = f"line {lineno}"
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as err:
        yield problem(SOURCE, origin, location, f"truncated or invalid JSON ({err})", "fix or drop the line")
        return
    if not isinstance(obj, dict):
        yield problem(
            SOURCE,
            origin,
            location,
            f"expected a JSON object, got {type(obj).__name__}",
            "each line must be one arXiv metadata object",
        )
        return
    yield record_from_dict(obj, origin=origin, location=location)


def record_from_dict(obj: dict[str, Any], *, origin: str, location: str) -> PaperRecord | RecordProblem:
    """One snapshot object as a PaperRecord, or the RecordProblem saying why not."""
    raw_id = obj.get("id")
    if raw_id in (None, ""):
        return problem(SOURCE, origin, location, "record has no 'id'", "add the arXiv id or drop the line")
    arxiv_id = normalize_arxiv_id(_repair_numeric_id(raw_id))
    if arxiv_id is None:
        return problem(
            SOURCE,
            origin,
            location,
            f"id {str(raw_id)[:60]!r} is not an arXiv id",
            "use an id like 2505.13228 or hep-ph/9709356",
            record_id=str(raw_id)[:60],
        )
    try:
        return PaperRecord(
            source=SOURCE,
            origin=origin,
            location=location,
            arxiv_id=arxiv_id,
            doi=first_doi(obj.get("doi")),
            title=clean_ws(obj.get("title")),
            abstract=clean_ws(obj.get("abstract")),
            authors=_authors(obj),
            categories=_categories(obj.get("categories")),
            date=_first_version_date(obj.get("versions")) or partial_date(obj.get("update_date")),
            updated=partial_date(obj.get("update_date")),
            journal_ref=clean_ws(obj.get("journal-ref")) or None,
        )
    except (ValidationError, TypeError, ValueError) as err:
        return problem(
            SOURCE,
            origin,
            location,
            f"fields do not fit a paper record: {err}",
            "check the field types",
            record_id=arxiv_id,
        )


def _repair_numeric_id(raw: object) -> str:
    """Undo the damage of ids once stored as numbers: 2010.0067 was 2010.00670, 704.0001 was 0704.0001.

    A float drops leading and trailing zeros; after 1501 arXiv numbers have five digits, before four,
    so the padding is unambiguous.
    """
    s = str(raw).strip()
    m = _NUMERIC_ID.match(s)
    if not m:
        return s
    yymm = m.group(1).zfill(4)
    width = 5 if int(yymm) >= 1501 else 4
    repaired = f"{yymm}.{m.group(2).ljust(width, '0')}"
    if repaired != s:
        logger.debug("arXiv id %r read as %r (zeros lost to a numeric round trip)", s, repaired)
    return repaired


def _categories(raw: object) -> list[str]:
    if isinstance(raw, str):
        return list(dict.fromkeys(raw.split()))
    if isinstance(raw, list):
        return list(dict.fromkeys(c for c in raw if isinstance(c, str) and c))
    return []


def _authors(obj: dict[str, Any]) -> list[Author]:
    raw = obj.get("authors")
    parsed = obj.get("authors_parsed")
    entries = [
        p
        for p in (parsed if isinstance(parsed, list) else [])
        if isinstance(p, list) and p and all(isinstance(x, str) for x in p)
    ]
    if isinstance(raw, str) and _well_nested(raw) and any(_failed_parse(p) for p in entries):
        # arXiv's own parse failed on this list: it took affiliation marks for surnames ("(1)", "(ed)"),
        # affiliations for authors, or a whole collaboration list for one author's forenames. The free
        # text, its parentheses dropped, names the people. Where the text's own parentheses are broken,
        # neither is right and arXiv's parse is kept.
        from_text = split_author_string(raw)
        if from_text:
            return from_text
    authors = [a for a in (author_from_parts(*(list(p) + ["", ""])[:3]) for p in entries) if a is not None]
    if authors:
        return authors
    return split_author_string(raw) if isinstance(raw, str) else []


def _failed_parse(entry: list[str]) -> bool:
    """Whether one authors_parsed entry holds a list's punctuation around words, which no name does.

    A bare ":" entry (from "Collaboration, :, names") is junk that is dropped anyway, not a failed parse.
    """
    name = " ".join(entry[:3])
    return bool(re.search(r"[,():]", name) and re.search(r"\w", name))


def _well_nested(text: str) -> bool:
    """Whether every ")" closes an earlier "(" and all are closed."""
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0


def _first_version_date(versions: object) -> str | None:
    """Date of v1: the snapshot lists versions oldest first, each with an RFC 2822 'created'."""
    if not isinstance(versions, list):
        return None
    for version in versions:
        if isinstance(version, dict):
            date = rfc2822_date(version.get("created"))
            if date:
                return date
    return None
