"""arXiv OAI-PMH responses (ListRecords / GetRecord) in the ``arXiv`` and ``arXivRaw`` metadata formats.

One response is one page, so the document is parsed whole (safely, with defusedxml). Namespaces are
matched by local name because real dumps differ (some omit the arXiv namespace).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from pydantic import ValidationError

from hepgraph.extract.sources.common import (
    DEFAULT_LIMITS,
    Item,
    author_from_parts,
    child,
    children,
    clean_ws,
    first_doi,
    local,
    partial_date,
    problem,
    read_xml_file,
    rfc2822_date,
    split_author_string,
    text_of,
    xml_root,
)
from hepgraph.ids import normalize_arxiv_id
from hepgraph.models import Author, PaperRecord, RecordProblem
from hepgraph.settings import Limits

logger = logging.getLogger(__name__)

SOURCE = "oai-pmh"
# An empty harvest window is answered with this "error"; it is not a problem with the data.
_BENIGN_ERRORS = {"noRecordsMatch"}


def read(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[Item]:
    """Records of one OAI-PMH response file."""
    return read_xml_file(path, SOURCE, parse_bytes, limits.max_file_bytes)


def parse_text(text: str, origin: str) -> Iterator[Item]:
    """Records of a response already decoded to text."""
    yield from parse_bytes(text.encode("utf-8"), origin=origin)


def parse_bytes(data: bytes, origin: str) -> Iterator[Item]:
    """Records of one OAI-PMH response; protocol errors and bad records become RecordProblems."""
    root = xml_root(data, source=SOURCE, origin=origin)
    if isinstance(root, RecordProblem):
        yield root
        return
    if local(root.tag) != "OAI-PMH":
        yield problem(
            SOURCE,
            origin,
            "file",
            f"root element is <{local(root.tag)}>, not <OAI-PMH>",
            "pass an OAI-PMH response (or choose the right --format)",
        )
        return
    for err in children(root, "error"):
        code = err.get("code", "")
        if code in _BENIGN_ERRORS:
            logger.debug("%s: OAI-PMH %s (empty harvest)", origin, code)
            continue
        yield problem(
            SOURCE,
            origin,
            "response",
            f"OAI-PMH error {code}: {text_of(err)}",
            "fix the request (verb, metadataPrefix, identifier or resumptionToken) and harvest again",
        )
    records = (elem for elem in root.iter() if local(elem.tag) == "record")
    for index, record in enumerate(records, start=1):
        yield from _parse_record(record, origin=origin, location=f"record {index}")


def resumption_token(data: bytes) -> str | None:
    """The resumptionToken of a ListRecords page, or None on the last page (for harvesters)."""
    root = xml_root(data, source=SOURCE, origin="response")
    if isinstance(root, RecordProblem):
        return None
    for elem in root.iter():
        if local(elem.tag) == "resumptionToken":
            return (elem.text or "").strip() or None
    return None


def _parse_record(record: Element, *, origin: str, location: str) -> Iterator[Item]:
    header = child(record, "header")
    header_id = text_of(header, "identifier") if header is not None else ""
    if header is not None and header.get("status") == "deleted":
        logger.debug("%s %s: %s is deleted upstream; skipped", origin, location, header_id)
        return
    metadata = child(record, "metadata")
    payload = next(iter(metadata), None) if metadata is not None else None
    if payload is None:
        yield problem(
            SOURCE, origin, location, "record has no metadata", "harvest it again", record_id=header_id
        )
        return
    fmt = local(payload.tag)
    if fmt not in ("arXiv", "arXivRaw"):
        yield problem(
            SOURCE,
            origin,
            location,
            f"metadata format <{fmt}> is not supported",
            "harvest with metadataPrefix=arXiv or arXivRaw",
            record_id=header_id,
        )
        return
    yield _record(payload, fmt=fmt, header_id=header_id, origin=origin, location=location)


def _record(
    meta: Element, *, fmt: str, header_id: str, origin: str, location: str
) -> PaperRecord | RecordProblem:
    raw_id = text_of(meta, "id") or header_id
    arxiv_id = normalize_arxiv_id(raw_id)
    if arxiv_id is None:
        reason = "record has no arXiv id" if not raw_id else f"id {raw_id[:60]!r} is not an arXiv id"
        return problem(SOURCE, origin, location, reason, "check the <id> element", record_id=raw_id[:60])
    if fmt == "arXiv":
        authors = _authors_arxiv(meta)
        date, updated = partial_date(text_of(meta, "created")), partial_date(text_of(meta, "updated"))
    else:
        authors = split_author_string(text_of(meta, "authors"))
        date, updated = _version_dates(meta)
    try:
        return PaperRecord(
            source=SOURCE,
            origin=origin,
            location=location,
            arxiv_id=arxiv_id,
            doi=first_doi(text_of(meta, "doi")),
            title=text_of(meta, "title"),
            abstract=text_of(meta, "abstract"),
            authors=authors,
            categories=list(dict.fromkeys(text_of(meta, "categories").split())),
            date=date,
            updated=updated if updated != date else None,
            journal_ref=text_of(meta, "journal-ref") or None,
        )
    except ValidationError as err:
        return problem(
            SOURCE,
            origin,
            location,
            f"fields do not fit a paper record: {err}",
            "check the record's elements",
            record_id=arxiv_id,
        )


def _authors_arxiv(meta: Element) -> list[Author]:
    """<authors><author><keyname/><forenames/><suffix/></author>...; some dumps repeat <keyname>."""
    box = child(meta, "authors")
    if box is None:
        return []
    authors = []
    for elem in children(box, "author"):
        last = " ".join(clean_ws(k.text) for k in children(elem, "keyname"))
        author = author_from_parts(last, text_of(elem, "forenames"), text_of(elem, "suffix"))
        if author is not None:
            authors.append(author)
    return authors


def _version_dates(meta: Element) -> tuple[str | None, str | None]:
    """arXivRaw: (v1 date, latest version date) from <version><date>RFC 2822</date></version>."""
    dates = [rfc2822_date(text_of(v, "date")) for v in children(meta, "version")]
    dates = [d for d in dates if d]
    return (dates[0], dates[-1]) if dates else (None, None)
