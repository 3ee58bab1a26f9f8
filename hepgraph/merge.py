"""Which records are one paper, which record wins, which ids redirect: the one merge rule of both stores.

:func:`plan_merge` decides, from the records a write brings and the stored records they touch, which
papers exist afterwards and what each is made of; :func:`merge_records` merges the records of one paper
field by field. Both are pure: the result depends only on the set of records, never on the order they
arrive in, so an interrupted and resumed ingest ends with exactly the papers of an uninterrupted one.
The stores only read what a plan needs and execute it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, NamedTuple

from networkx.utils import UnionFind

from hepgraph.errors import GraphStoreError
from hepgraph.ids import paper_key
from hepgraph.latex import latex_to_text
from hepgraph.models import SOURCE_PRIORITY, Paper, PaperRecord

logger = logging.getLogger(__name__)

__all__ = [
    "MergePlan",
    "PaperPlan",
    "StoredRecord",
    "earliest_date",
    "is_arxiv_key",
    "merge_records",
    "plan_merge",
    "precedence_order",
    "record_identity",
    "record_ids",
]
_NON_ARXIV = ("doi:", "inspire:", "ref:")


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


# -- which records are one paper ---------------------------------------------------------------------------
def record_ids(rec: PaperRecord) -> list[str]:
    """Every normalised id a record names, in the store's id space, its own key first.

    A citation key (``ref:``) counts only for a record with no other id: two bibliographies may file
    one arXiv paper under different keys.

    >>> record_ids(PaperRecord(source="bibtex", origin="x.bib", arxiv_id="1912.12238", doi="10.1/x"))
    ['1912.12238', 'doi:10.1/x']
    """
    ids = [rec.arxiv_id] if rec.arxiv_id else []
    ids += [f"doi:{rec.doi}"] if rec.doi else []
    ids += [f"inspire:{rec.inspire_id}"] if rec.inspire_id else []
    return ids or ([f"ref:{rec.bibkey}"] if rec.bibkey else [])


def is_arxiv_key(key: str) -> bool:
    """True for a paper keyed by its arXiv id, which is never merged into another paper."""
    return not key.startswith(_NON_ARXIV)


class StoredRecord(NamedTuple):
    """A record as a store holds it: the record and the key of the paper it belongs to now."""

    record: PaperRecord
    paper_key: str


class PaperPlan(NamedTuple):
    """One paper after the write: its merged content and everything a store must write for it."""

    paper: Paper
    records: list[PaperRecord]
    ids: list[str]  # every normalised id that resolves to this paper (its key included)
    absorbs: list[str]  # stored paper keys that end in this paper (a key that changed, or merged papers)
    status: Literal["added", "updated", "unchanged"]
    moved: list[PaperRecord]  # records to (re)write: new, newer, or now belonging to this paper


class MergePlan(NamedTuple):
    """What a write does to the papers it touches; a store executes it in one transaction."""

    papers: list[PaperPlan]

    @property
    def counts(self) -> tuple[int, int, int]:
        """(added, updated, unchanged) papers."""
        status = [p.status for p in self.papers]
        return status.count("added"), status.count("updated"), status.count("unchanged")

    @property
    def absorbed(self) -> set[str]:
        """Stored paper keys that no longer exist after the write (merged into another paper)."""
        keys = {p.paper.key for p in self.papers}
        return {k for p in self.papers for k in p.absorbs} - keys


def _identity(rec: PaperRecord) -> tuple[str, str]:
    rkey = record_identity(rec)
    if rkey is None:
        msg = f"{rec.origin}:{rec.location}: record has no arXiv id, DOI, INSPIRE id or key; skip it"
        raise GraphStoreError(msg)
    return rec.origin, rkey


def _older(new: str | None, old: str | None) -> bool:
    """Whether ``new`` is an older ``updated`` than ``old`` (a stored newer version wins over a re-read)."""
    return bool(new and old and new < old)


def _latest(incoming: Iterable[PaperRecord], stored: Mapping[tuple[str, str], StoredRecord]) -> dict:
    """Record identity -> the version that wins: the newest ``updated``, a later one on a tie."""
    chosen: dict[tuple[str, str], PaperRecord] = {ident: s.record for ident, s in stored.items()}
    for rec in incoming:
        ident = _identity(rec)
        prev = chosen.get(ident)
        if prev is None or not _older(rec.updated, prev.updated):
            chosen[ident] = rec
    return chosen


def _components(records: Mapping[tuple[str, str], PaperRecord]) -> tuple[list[list], dict[str, tuple]]:
    """Record identities grouped into papers, and the owner (first record, in identity order) of each id.

    Records sharing any id are one paper, transitively, except that two different arXiv ids never join:
    a DOI shared by two arXiv papers is a data error, not one paper; the id stays with its owner.
    """
    sets = UnionFind()
    arxiv: dict[tuple, str] = {}  # set name -> its arXiv id
    owner: dict[str, tuple] = {}
    for ident in sorted(records):
        rec = records[ident]
        sets[ident]  # noqa: B018 - registers a singleton
        if rec.arxiv_id:
            arxiv[sets[ident]] = rec.arxiv_id
        for i in record_ids(rec):
            if i not in owner:
                owner[i] = ident
                continue
            a, b = sets[owner[i]], sets[ident]
            if a == b or (a in arxiv and b in arxiv and arxiv[a] != arxiv[b]):
                continue
            sets.union(a, b)
            joined = [arxiv[x] for x in (a, b) if x in arxiv]
            if joined:
                arxiv[sets[a]] = joined[0]
    groups = sorted(sorted(g) for g in sets.to_sets())
    return groups, owner


def plan_merge(
    incoming: Sequence[PaperRecord],
    stored: Sequence[StoredRecord],
    stored_hashes: Mapping[str, str],
) -> MergePlan:
    """Plan a write of ``incoming`` records given the stored records of every paper they can touch.

    Args:
        incoming: the records to write; a record is named by (origin, :func:`record_identity`).
        stored: the stored records of every paper that shares an id with ``incoming``, transitively
            (the store reads this closure); a stored record of the same identity is replaced unless it
            is newer (``updated``).
        stored_hashes: content hash of every stored paper among those (key -> hash).

    Returns:
        One :class:`PaperPlan` per paper that the records make up. A paper whose records are all stored
        unchanged is planned ``unchanged`` without being merged again.

    Raises:
        GraphStoreError: a record has no id at all.

    >>> a = PaperRecord(source="arxiv-jsonl", origin="a", arxiv_id="2101.00001", doi="10.1/x")
    >>> b = PaperRecord(source="bibtex", origin="b", doi="10.1/x", title="From the bib")
    >>> first = plan_merge([b], [], {})
    >>> [(p.paper.key, p.status) for p in first.papers]
    [('doi:10.1/x', 'added')]
    >>> second = plan_merge([a], [StoredRecord(b, "doi:10.1/x")], {"doi:10.1/x": "h"})
    >>> [(p.paper.key, p.absorbs, p.ids, p.status) for p in second.papers]
    [('2101.00001', ['doi:10.1/x'], ['2101.00001', 'doi:10.1/x'], 'updated')]
    """
    before = {_identity(s.record): s for s in stored}
    records = _latest(incoming, before)
    changed = {
        ident
        for ident, rec in records.items()
        if ident not in before or before[ident].record.content_hash() != rec.content_hash()
    }
    groups, owner = _components(records)
    olds = [sorted({before[i].paper_key for i in group if i in before}) for group in groups]
    moving = [bool(changed.intersection(g)) or len(o) != 1 for g, o in zip(groups, olds, strict=True)]
    # A stored paper that gives records to a changing group changes too, even if its own are unchanged.
    touched = {k for o, m in zip(olds, moving, strict=True) if m for k in o}
    plans = []
    for group, old, move in zip(groups, olds, moving, strict=True):
        if not move and old[0] not in touched:
            # Nothing new reached this paper: keep it as stored.
            recs = [records[i] for i in group]
            plans.append(PaperPlan(_stored_paper(old[0], recs), recs, [], [], "unchanged", []))
            continue
        plans.append(_plan_paper(group, records, before, old, owner, changed, stored_hashes))
    return MergePlan(plans)


def _stored_paper(key: str, records: list[PaperRecord]) -> Paper:
    """A placeholder for an unchanged paper: only its key is read (nothing is written for it)."""
    return Paper(key=key, sources=sorted({r.source for r in records}))


def _plan_paper(
    group: list[tuple[str, str]],
    records: Mapping[tuple[str, str], PaperRecord],
    before: Mapping[tuple[str, str], StoredRecord],
    olds: list[str],
    owner: Mapping[str, tuple],
    changed: set[tuple[str, str]],
    stored_hashes: Mapping[str, str],
) -> PaperPlan:
    recs = [records[i] for i in group]
    paper = merge_records(recs)
    members = set(group)
    ids = sorted({i for rec in recs for i in record_ids(rec) if owner[i] in members} | {paper.key})
    absorbs = [k for k in olds if k != paper.key]
    moved = [records[i] for i in group if i in changed or before[i].paper_key != paper.key]
    if paper.key not in stored_hashes and not olds:
        status: Literal["added", "updated", "unchanged"] = "added"
    elif stored_hashes.get(paper.key) == paper.content_hash() and not absorbs:
        status = "unchanged"
    else:
        status = "updated"
    return PaperPlan(paper, recs, ids, absorbs, status, moved)
