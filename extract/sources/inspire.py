"""INSPIRE-HEP literature JSON: literature records and reference lists.

Records come bare, as ``{"metadata": ...}`` or inside a search response; reference lists
(``references.jsonl``) hold one citing record a line.

A record yields its PaperRecord, then one Citation per resolvable reference. Keys follow
:func:`hepgraph.ids.paper_key`: arXiv id, else ``doi:...``, else ``inspire:<recid>``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hepgraph.extract.sources.common import (
    DEFAULT_LIMITS,
    READ_ERRORS,
    UTF8_FIX,
    Item,
    author_from_full_name,
    clean_ws,
    file_problem,
    iter_byte_lines,
    partial_date,
    problem,
    read_text,
)
from hepgraph.ids import normalize_arxiv_id, normalize_doi, normalize_inspire_id, paper_key
from hepgraph.models import Author, Citation, PaperRecord, RecordProblem
from hepgraph.settings import Limits

logger = logging.getLogger(__name__)

SOURCE = "inspire"


def read(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[Item]:
    """Items of an INSPIRE file: ``.json`` holds records, ``.jsonl`` one record or reference list a line."""
    if ".jsonl" in path.suffixes:
        yield from _read_lines(path, limits.max_line_bytes)
        return
    text = read_text(path, SOURCE, limits.max_file_bytes)
    if isinstance(text, RecordProblem):
        yield text
        return
    yield from parse_text(text, origin=path.name)


def parse_text(text: str, origin: str) -> Iterator[Item]:
    """Items of one JSON document: a record, a list of records or an API search response."""
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as err:
        yield problem(
            SOURCE, origin, "file", f"not valid JSON ({err})", "re-download the record; it is truncated"
        )
        return
    for index, obj in enumerate(records_of(doc), start=1):
        yield from parse_object(obj, origin=origin, location=f"record {index}")


def parse_object(obj: object, *, origin: str, location: str) -> Iterator[Item]:
    """Items of one JSON object: a literature record or a references.jsonl line."""
    if not isinstance(obj, dict):
        yield problem(
            SOURCE,
            origin,
            location,
            f"expected a JSON object, got {type(obj).__name__}",
            "pass INSPIRE literature records",
        )
        return
    if "references" in obj and any(
        k in obj for k in ("citing_arxiv_id", "citing_inspire_recid", "citing_doi")
    ):
        yield from _reference_list(obj, origin=origin, location=location)
        return
    meta = obj.get("metadata", obj)
    if not isinstance(meta, dict):
        yield problem(
            SOURCE, origin, location, "'metadata' is not an object", "pass INSPIRE literature records"
        )
        return
    yield from _literature(meta, origin=origin, location=location)


def _read_lines(path: Path, max_line_bytes: int) -> Iterator[Item]:
    seen_any = False
    try:
        for lineno, raw in enumerate(iter_byte_lines(path, SOURCE, max_line_bytes), start=1):
            if isinstance(raw, RecordProblem):  # a line over the cap, skipped unread
                seen_any = True
                yield raw
                continue
            if not raw.strip():
                continue
            seen_any = True
            location = f"line {lineno}"
            try:
                obj = json.loads(raw.decode("utf-8-sig"))
            except UnicodeDecodeError as err:
                yield problem(
                    SOURCE, path.name, location, f"bytes are not UTF-8 (byte {err.start})", UTF8_FIX
                )
                continue
            except (json.JSONDecodeError, RecursionError) as err:
                yield problem(
                    SOURCE, path.name, location, f"truncated or invalid JSON ({err})", "fix or drop the line"
                )
                continue
            yield from parse_object(obj, origin=path.name, location=location)
    except READ_ERRORS as err:
        yield file_problem(SOURCE, path, f"cannot read past this point: {err}", "re-download the file")
        return
    if not seen_any:
        yield file_problem(SOURCE, path, "file is empty", "the file is empty: re-download or re-export it")


def records_of(doc: Any) -> list[Any]:
    """The records inside a document: a search response ``{"hits": {"hits": [...]}}``, a list, or one."""
    if isinstance(doc, dict) and isinstance(doc.get("hits"), dict):
        return list(doc["hits"].get("hits") or [])
    if isinstance(doc, list):
        return doc
    return [doc]


def _literature(meta: dict[str, Any], *, origin: str, location: str) -> Iterator[Item]:
    eprints = [e for e in meta.get("arxiv_eprints") or [] if isinstance(e, dict)]
    arxiv_id = normalize_arxiv_id(eprints[0].get("value")) if eprints else None
    doi = next((d for d in (normalize_doi(_value(x)) for x in meta.get("dois") or []) if d), None)
    recid = normalize_inspire_id(meta.get("control_number"))
    key = paper_key(arxiv_id=arxiv_id, doi=doi, inspire_id=recid)
    if key is None:
        yield problem(
            SOURCE,
            origin,
            location,
            "record has no arXiv eprint, DOI or control_number",
            "pass complete INSPIRE literature records",
        )
        return
    try:
        yield PaperRecord(
            source=SOURCE,
            origin=origin,
            location=location,
            arxiv_id=arxiv_id,
            doi=doi,
            inspire_id=recid,
            title=clean_ws(_pick(meta.get("titles"), "title")),
            abstract=clean_ws(_pick(meta.get("abstracts"), "value")),
            authors=[a for a in (_author(x) for x in meta.get("authors") or []) if a is not None],
            categories=list(
                dict.fromkeys(c for c in (eprints[0].get("categories") or []) if isinstance(c, str))
            )
            if eprints
            else [],
            date=_first_date(meta),
            updated=partial_date(meta.get("updated")),
            journal_ref=_journal_ref(meta.get("publication_info")),
        )
    except ValidationError as err:
        yield problem(
            SOURCE,
            origin,
            location,
            f"fields do not fit a paper record: {err}",
            "check the record's fields",
            record_id=key,
        )
        return
    yield from _citations(key, meta.get("references") or [])


def _citations(citing: str, references: list[Any]) -> Iterator[Citation]:
    seen: set[str] = set()
    for ref in references:
        if not isinstance(ref, dict):
            continue
        inner = ref.get("reference") if isinstance(ref.get("reference"), dict) else {}
        record = ref.get("record") if isinstance(ref.get("record"), dict) else {}
        cited = paper_key(
            arxiv_id=normalize_arxiv_id(inner.get("arxiv_eprint")),
            doi=next((d for d in (normalize_doi(x) for x in inner.get("dois") or []) if d), None),
            inspire_id=normalize_inspire_id(record.get("$ref")),
        )
        if cited and cited != citing and cited not in seen:
            seen.add(cited)
            yield Citation(citing=citing, cited=cited, source=SOURCE)


def _reference_list(obj: dict[str, Any], *, origin: str, location: str) -> Iterator[Item]:
    citing = paper_key(
        arxiv_id=normalize_arxiv_id(obj.get("citing_arxiv_id")),
        doi=normalize_doi(obj.get("citing_doi")),
        inspire_id=normalize_inspire_id(obj.get("citing_inspire_recid")),
    )
    if citing is None:
        yield problem(
            SOURCE,
            origin,
            location,
            "reference list names no citing arXiv id, DOI or INSPIRE recid",
            "add citing_arxiv_id, citing_doi or citing_inspire_recid",
        )
        return
    seen: set[str] = set()
    for ref in obj.get("references") or []:
        if not isinstance(ref, dict):
            continue
        cited = paper_key(
            arxiv_id=normalize_arxiv_id(ref.get("arxiv_id")),
            doi=normalize_doi(ref.get("doi")),
            inspire_id=normalize_inspire_id(ref.get("inspire_recid")),
        )
        if cited and cited != citing and cited not in seen:
            seen.add(cited)
            yield Citation(citing=citing, cited=cited, source=SOURCE)


def _value(x: object) -> object:
    return x.get("value") if isinstance(x, dict) else x


def _pick(entries: object, field: str) -> str:
    """The arXiv-sourced entry of a list of {field, source} dicts, else the first one."""
    items = [e for e in entries or [] if isinstance(e, dict) and isinstance(e.get(field), str)]  # type: ignore[union-attr]
    preferred = [e for e in items if str(e.get("source", "")).lower() == "arxiv"]
    return (preferred or items or [{field: ""}])[0][field]


def _author(x: object) -> Author | None:
    return (
        author_from_full_name(x["full_name"])
        if isinstance(x, dict) and isinstance(x.get("full_name"), str)
        else None
    )


def _first_date(meta: dict[str, Any]) -> str | None:
    """Earliest known date: preprint, earliest, imprint, publication year, then record creation."""
    imprints = [i for i in meta.get("imprints") or [] if isinstance(i, dict)]
    pubs = [p for p in meta.get("publication_info") or [] if isinstance(p, dict)]
    candidates = [meta.get("preprint_date"), meta.get("earliest_date")]
    candidates += [i.get("date") for i in imprints] + [p.get("year") for p in pubs]
    candidates.append(meta.get("legacy_creation_date"))
    return next((d for d in map(partial_date, candidates) if d), None)


def _journal_ref(pubs: object) -> str | None:
    for pub in pubs or []:  # type: ignore[attr-defined]
        if isinstance(pub, dict) and pub.get("journal_title"):
            parts = [
                pub.get("journal_title"),
                pub.get("journal_volume"),
                f"({pub['year']})" if pub.get("year") else None,
                pub.get("artid") or pub.get("page_start"),
            ]
            return " ".join(str(p) for p in parts if p)
    return None
