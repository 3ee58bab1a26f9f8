"""Merge the source records of one paper into the stored :class:`~hepgraph.models.Paper`.

A pure function: the result depends only on the set of records, never on the order they arrive in,
so an interrupted and resumed ingest ends with exactly the papers of an uninterrupted one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from hepgraph.extract.latex import latex_to_text
from hepgraph.ids import paper_key
from hepgraph.models import SOURCE_PRIORITY, Paper, PaperRecord

logger = logging.getLogger(__name__)

__all__ = ["earliest_date", "merge_records", "precedence_order", "record_identity"]


def record_identity(rec: PaperRecord) -> str | None:
    """What names a record inside its origin: its paper key, plus its citation key when it has one.

    A bibliography may hold two entries for one paper under different citation keys (HEPML.bib
    does); they are two descriptions to merge, not one record twice. None when the record has no id.

    >>> r = PaperRecord(source="bibtex", origin="x.bib", arxiv_id="1912.12238", bibkey="CMS:2019dqq")
    >>> record_identity(r)
    '1912.12238#CMS:2019dqq'
    """
    key = rec.key
    if key is None or not rec.bibkey or key == f"ref:{rec.bibkey}":
        return key
    return f"{key}#{rec.bibkey}"


def precedence_order(records: Sequence[PaperRecord]) -> list[PaperRecord]:
    """Records sorted by precedence: source priority, newest ``updated``, origin, then content.

    The content hash is the last tie-break so that equal-ranked records still sort the same way
    whatever order they were given in.
    """
    # Stable sorts from the least to the most significant key; "newest first" cannot be a negated
    # string key, hence the separate pass.
    if len(records) == 1:
        return list(records)
    ordered = sorted(records, key=lambda r: (r.origin, r.location, r.content_hash()))
    ordered.sort(key=lambda r: r.updated or "", reverse=True)
    ordered.sort(key=lambda r: SOURCE_PRIORITY.get(r.source, len(SOURCE_PRIORITY)))
    return ordered


def earliest_date(dates: Sequence[str | None]) -> str | None:
    """The earliest known date; a partial date refined by a compatible fuller one keeps the detail.

    >>> earliest_date(["2026-05", "2026-05-03", "2026-06-01", None])
    '2026-05-03'
    >>> earliest_date(["2019", "2020-01-02"])
    '2019'
    """
    known = sorted({d for d in dates if d})
    if not known:
        return None
    first = known[0]  # a prefix sorts before its extensions, so this is the coarsest earliest date
    refined = [d for d in known if d.startswith(first)]
    # The earliest of the most precise compatible dates: "2026-05" + "2026-05-03" -> "2026-05-03".
    longest = max(len(d) for d in refined)
    return min(d for d in refined if len(d) == longest)


def _first(values: list[str | None]) -> str | None:
    return next((v for v in values if v), None)


def merge_records(records: Sequence[PaperRecord]) -> Paper:
    """Merge the records of one paper field by field, the highest-precedence non-empty value winning.

    Args:
        records: at least one record; all describe the same paper.

    Returns:
        The merged paper; its key is :func:`hepgraph.ids.paper_key` of the merged ids.

    Raises:
        ValueError: when ``records`` is empty or no record carries any id.
    """
    if not records:
        msg = "merge_records needs at least one record"
        raise ValueError(msg)
    ordered = precedence_order(records)
    arxiv_id = _first([r.arxiv_id for r in ordered])
    doi = _first([r.doi for r in ordered])
    inspire_id = _first([r.inspire_id for r in ordered])
    key = paper_key(
        arxiv_id=arxiv_id, doi=doi, inspire_id=inspire_id, fallback=_first([r.bibkey for r in ordered])
    )
    if key is None:
        where = f"{ordered[0].origin}:{ordered[0].location}"
        msg = f"records from {where} carry no arXiv id, DOI, INSPIRE id or key"
        raise ValueError(msg)
    title = _first([r.title for r in ordered]) or ""
    abstract = _first([r.abstract for r in ordered]) or ""
    authors = next((r.authors for r in ordered if r.authors), [])
    categories = next((r.categories for r in ordered if r.categories), [])
    return Paper(
        key=key,
        arxiv_id=arxiv_id,
        doi=doi,
        inspire_id=inspire_id,
        title=title,
        title_text=latex_to_text(title) if title else "",
        abstract=abstract,
        abstract_text=latex_to_text(abstract) if abstract else "",
        authors=list(authors),
        categories=list(categories),
        date=earliest_date([r.date for r in ordered]),
        journal_ref=_first([r.journal_ref for r in ordered]),
        sources=sorted({r.source for r in ordered}),
    )
