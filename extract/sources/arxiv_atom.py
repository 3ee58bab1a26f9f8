"""arXiv API responses (export.arxiv.org/api/query): an Atom feed, one page of entries per response."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from pydantic import BaseModel, ValidationError

from hepgraph.extract.sources.common import (
    DEFAULT_LIMITS,
    Item,
    author_from_full_name,
    child,
    children,
    first_doi,
    local,
    partial_date,
    problem,
    read_xml_file,
    text_of,
    xml_root,
)
from hepgraph.ids import normalize_arxiv_id
from hepgraph.models import PaperRecord, RecordProblem
from hepgraph.settings import Limits

logger = logging.getLogger(__name__)

SOURCE = "arxiv-atom"


class FeedInfo(BaseModel):
    """The paging numbers of one API response (OpenSearch elements)."""

    total: int | None = None
    start: int = 0
    per_page: int | None = None
    entries: int = 0


def read(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[Item]:
    """Records of one saved API response."""
    return read_xml_file(path, SOURCE, parse_bytes, limits.max_file_bytes)


def parse_text(text: str, origin: str) -> Iterator[Item]:
    """Records of a response already decoded to text."""
    yield from parse_bytes(text.encode("utf-8"), origin=origin)


def parse_bytes(data: bytes, origin: str) -> Iterator[Item]:
    """Records of one Atom feed; API error entries and bad entries become RecordProblems."""
    root = xml_root(data, source=SOURCE, origin=origin)
    if isinstance(root, RecordProblem):
        yield root
        return
    if local(root.tag) != "feed":
        yield problem(
            SOURCE,
            origin,
            "file",
            f"root element is <{local(root.tag)}>, not an Atom <feed>",
            "pass an arXiv API response (or choose the right --format)",
        )
        return
    for index, entry in enumerate(children(root, "entry"), start=1):
        yield _entry(entry, origin=origin, location=f"entry {index}")


def feed_info(data: bytes) -> FeedInfo:
    """Total results, start index and page size of a response, for paging through a query."""
    root = xml_root(data, source=SOURCE, origin="response")
    if isinstance(root, RecordProblem):
        return FeedInfo()

    def number(name: str) -> int | None:
        value = text_of(root, name)
        return int(value) if value.isdigit() else None

    return FeedInfo(
        total=number("totalResults"),
        start=number("startIndex") or 0,
        per_page=number("itemsPerPage"),
        entries=len(children(root, "entry")),
    )


def _entry(entry: Element, *, origin: str, location: str) -> PaperRecord | RecordProblem:
    raw_id = text_of(entry, "id")
    if "/api/errors" in raw_id:
        return problem(
            SOURCE,
            origin,
            location,
            f"arXiv API error: {text_of(entry, 'summary')}",
            "fix the query or id list and fetch again",
            record_id=raw_id.rsplit("#", 1)[-1],
        )
    arxiv_id = normalize_arxiv_id(raw_id)
    if arxiv_id is None:
        reason = "entry has no <id>" if not raw_id else f"id {raw_id[:80]!r} is not an arXiv abstract URL"
        return problem(SOURCE, origin, location, reason, "check the entry's <id>", record_id=raw_id[:80])
    authors = [author_from_full_name(text_of(a, "name")) for a in children(entry, "author")]
    try:
        return PaperRecord(
            source=SOURCE,
            origin=origin,
            location=location,
            arxiv_id=arxiv_id,
            doi=first_doi(text_of(entry, "doi")),
            title=text_of(entry, "title"),
            abstract=text_of(entry, "summary"),
            authors=[a for a in authors if a is not None],
            categories=_categories(entry),
            date=partial_date(text_of(entry, "published")),
            updated=partial_date(text_of(entry, "updated")),
            journal_ref=text_of(entry, "journal_ref") or None,
        )
    except ValidationError as err:
        return problem(
            SOURCE,
            origin,
            location,
            f"fields do not fit a paper record: {err}",
            "check the entry's elements",
            record_id=arxiv_id,
        )


def _categories(entry: Element) -> list[str]:
    """Primary category first (arXiv's convention), then the others in feed order."""
    primary = child(entry, "primary_category")
    terms = [primary.get("term", "")] if primary is not None else []
    terms += [c.get("term", "") for c in children(entry, "category")]
    return list(dict.fromkeys(t for t in terms if t))
