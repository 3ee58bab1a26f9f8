"""Helpers of the Neo4j store: parameter rows, record grouping and small transaction helpers.

Typed records <-> the parameter rows of graph/cypher.py (pure functions), which records form one paper,
and the transaction helpers every write uses.

Kept apart from graph/neo4j.py so the row logic can be tested without a driver.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import neo4j
from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired

from hepgraph.errors import GraphStoreError
from hepgraph.graph import cypher as q
from hepgraph.graph.store import WriteReport
from hepgraph.models import Author, Concept, ConceptLink, Evidence, Paper, PaperRecord

INDEX_VERSION = "_index_version"  # meta keys starting with "_" are bookkeeping, as in the embedded store

# Lucene's query syntax characters; a question typed by a user must match as plain words.
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


def batched(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``items`` in consecutive slices of at most ``size`` (one write transaction each)."""
    if size < 1:
        msg = f"batch size {size} must be at least 1: set HEPGRAPH_NEO4J_BATCH_SIZE to a positive number"
        raise ValueError(msg)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def record_ids(record: PaperRecord) -> set[str]:
    """Every normalised id of a record in the store's id space (``doi:...``, ``inspire:...``, ``ref:...``)."""
    ids = {
        record.arxiv_id or "",
        f"doi:{record.doi}" if record.doi else "",
        f"inspire:{record.inspire_id}" if record.inspire_id else "",
    }
    if record.bibkey and not (record.arxiv_id or record.doi or record.inspire_id):
        ids.add(f"ref:{record.bibkey}")
    return {i for i in ids if i}


def record_store_key(record: PaperRecord) -> str:
    """The Record node key: (origin, record key), so re-reading a file replaces rather than adds."""
    return f"{record.origin}|{record.key}"


def components(records: Sequence[PaperRecord]) -> list[list[PaperRecord]]:
    """Group records that share any id (transitively) into the records of one paper each.

    Two different arXiv ids are never merged (as in the embedded store): a DOI shared by two arXiv
    papers is a data error, not one paper.
    """
    parent = list(range(len(records)))
    arxiv: dict[int, str] = {i: r.arxiv_id for i, r in enumerate(records) if r.arxiv_id}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a == b or (a in arxiv and b in arxiv and arxiv[a] != arxiv[b]):
            return
        parent[b] = a
        if b in arxiv:
            arxiv.setdefault(a, arxiv[b])

    owner: dict[str, int] = {}
    for i, record in enumerate(records):
        for ident in sorted(record_ids(record)):
            if ident in owner:
                union(owner[ident], i)
            else:
                owner[ident] = i
    groups: dict[int, list[PaperRecord]] = {}
    for i, record in enumerate(records):
        groups.setdefault(find(i), []).append(record)
    return list(groups.values())


def newer_or_same(new: PaperRecord, old: PaperRecord) -> bool:
    """Whether ``new`` may replace ``old`` (same origin and key): not when its ``updated`` is older."""
    return not (new.updated and old.updated and new.updated < old.updated)


def record_row(record: PaperRecord, paper_key: str) -> dict[str, Any]:
    """The UPSERT_RECORDS row of one record."""
    return {
        "key": record_store_key(record),
        "props": {
            "origin": record.origin,
            "source": record.source,
            "paper_key": paper_key,
            "content_hash": record.content_hash(),
            "json": record.model_dump_json(),
        },
    }


def paper_row(paper: Paper) -> dict[str, Any]:
    """The UPSERT_PAPERS row of a merged paper (authors as two parallel lists: no list of maps in Neo4j)."""
    props = paper.model_dump(exclude={"key", "authors"})
    props.update(
        author_names=[a.name for a in paper.authors],
        author_keys=[a.key for a in paper.authors],
        year=paper.year,
        content_hash=paper.content_hash(),
        text_hash=paper.text_hash(),
    )
    return {"key": paper.key, "props": props}


def paper_id_rows(paper: Paper, records: Iterable[PaperRecord]) -> list[dict[str, str]]:
    """UPSERT_PAPER_IDS rows: the paper's key and every id of its records map to the key."""
    ids = {paper.key}
    for record in records:
        ids |= record_ids(record)
    return [{"id": i, "key": paper.key} for i in sorted(ids)]


def authorship_rows(paper: Paper) -> list[dict[str, Any]]:
    """WRITE_AUTHORSHIP rows; namesakes in one paper collapse to one WROTE edge (the first position)."""
    rows: dict[str, dict[str, Any]] = {}
    for position, author in enumerate(paper.authors):
        rows.setdefault(
            author.key, {"paper_key": paper.key, "key": author.key, "name": author.name, "position": position}
        )
    return list(rows.values())


def paper_from_map(data: dict[str, Any]) -> Paper:
    """A Paper from the GET_PAPERS map projection."""
    data = dict(data)
    names = data.pop("author_names", None) or []
    keys = data.pop("author_keys", None) or []
    data["authors"] = [Author(name=n, key=k) for n, k in zip(names, keys, strict=False)]
    for field in ("title", "title_text", "abstract", "abstract_text"):
        data[field] = data.get(field) or ""
    for field in ("categories", "sources"):
        data[field] = list(data.get(field) or [])
    return Paper.model_validate(data)


def concept_row(concept: Concept) -> dict[str, Any]:
    """The UPSERT_CONCEPTS row of one concept, with a hash to report unchanged concepts."""
    props = concept.model_dump(exclude={"id"})
    props["content_hash"] = hashlib.sha1(concept.model_dump_json().encode()).hexdigest()
    return {"id": concept.id, "props": props}


def concept_from_map(data: dict[str, Any]) -> Concept:
    """A Concept from the ITER_CONCEPTS map projection."""
    data = {k: v for k, v in data.items() if v is not None}
    return Concept.model_validate(data)


def link_row(link: ConceptLink) -> dict[str, Any]:
    """A LINK_WRITE row; evidence as a JSON string (a property cannot hold a list of maps)."""
    evidence = json.dumps([e.model_dump() for e in link.evidence], sort_keys=True)
    return {
        "paper_key": link.paper_key,
        "concept_id": link.concept_id,
        "count": link.count,
        "evidence": evidence,
        "via": link.via,
    }


def link_from_row(row: dict[str, Any]) -> ConceptLink:
    """A ConceptLink from a LINKS_FOR_PAPERS / ITER_LINKS row."""
    evidence = [Evidence.model_validate(e) for e in json.loads(row["evidence"] or "[]")]
    return ConceptLink(
        paper_key=row["paper_key"],
        concept_id=row["concept_id"],
        rel=row["rel"],
        count=int(row["count"] or 1),
        evidence=evidence,
        via=row.get("via") or "matcher",
    )


def external_work_row(key: str, title: str, categories: list[str]) -> dict[str, Any]:
    """An UPSERT_EXTERNAL_WORKS row with its content hash."""
    digest = hashlib.sha1(json.dumps([title, categories]).encode()).hexdigest()
    return {"key": key, "hash": digest, "title": title, "categories": list(categories)}


def lucene_escape(text: str) -> str:
    """``text`` as a Lucene query of plain terms (operators and wildcards escaped)."""
    escaped = _LUCENE_SPECIAL.sub(r"\\\1", text)
    # AND/OR/NOT are operators only in upper case; lower-casing keeps them as words.
    return re.sub(r"\b(AND|OR|NOT)\b", lambda m: m.group(1).lower(), escaped)


# -- transaction helpers -------------------------------------------------------------------------------
def data(tx: neo4j.ManagedTransaction, statement: str, **params: Any) -> list[dict[str, Any]]:
    """The rows of one statement as dicts."""
    return [record.data() for record in tx.run(statement, params)]  # type: ignore[arg-type]


def counters(tx: neo4j.ManagedTransaction, statement: str, **params: Any) -> neo4j.SummaryCounters:
    """Run one write statement; its update counters."""
    return tx.run(statement, params).consume().counters  # type: ignore[arg-type]


def bump(tx: neo4j.ManagedTransaction) -> bool:
    """Record, inside the writing transaction, that retrieval-visible content changed."""
    tx.run(q.SET_META, key=INDEX_VERSION, value=uuid.uuid4().hex).consume()
    return True


def created_then_bump(tx: neo4j.ManagedTransaction, statement: str, **params: Any) -> int:
    """Run a MERGE of relationships; how many it created (bumping the index version when any)."""
    created = counters(tx, statement, **params).relationships_created
    if created:
        bump(tx)
    return created


def upsert_hashed(
    tx: neo4j.ManagedTransaction,
    read: str,
    write: str,
    batch: Sequence[dict[str, Any]],
    key: str,
    *,
    id_param: str = "keys",
) -> WriteReport:
    """Write the rows whose stored hash differs; report added/updated/unchanged by that hash."""

    def digest(row: dict[str, Any]) -> str:
        return row.get("hash") or row["props"]["content_hash"]

    stored = {r[key]: r["hash"] for r in data(tx, read, **{id_param: [row[key] for row in batch]})}
    todo = [row for row in batch if stored.get(row[key]) != digest(row)]
    if todo:
        counters(tx, write, rows=todo)
        bump(tx)
    added = sum(1 for row in todo if row[key] not in stored)
    return WriteReport(added=added, updated=len(todo) - added, unchanged=len(batch) - len(todo))


def wrap_error(err: Exception, uri: str, user: str = "") -> GraphStoreError:
    """One clear message for a driver error; never the password."""
    if isinstance(err, AuthError):
        who = f"user {user!r}" if user else "the configured user"
        return GraphStoreError(f"Neo4j at {uri} refused {who}: fix NEO4J_USER / NEO4J_PASSWORD")
    if isinstance(err, ServiceUnavailable | SessionExpired):
        return GraphStoreError(
            f"cannot reach Neo4j at {uri}: start it (docker run -p 7687:7687 -e NEO4J_AUTH=neo4j/<password> "
            "neo4j:5) or fix NEO4J_URI"
        )
    if isinstance(err, ValueError):
        return GraphStoreError(
            f"NEO4J_URI {uri!r} is not a Neo4j URI ({err}): use neo4j://host:7687 or neo4j+s://..."
        )
    message = getattr(err, "message", None) or str(err)
    return GraphStoreError(f"Neo4j at {uri} failed: {message}")


# -- record upsert and link replacement, inside one transaction each -------------------------------------
_MAX_CLOSURE_ROUNDS = 10


def upsert_batch(
    tx: neo4j.ManagedTransaction, batch: Sequence[PaperRecord], *, embedding_model: str
) -> WriteReport:
    """Store one batch of records and re-merge the papers they touch (counts per merged paper)."""
    from hepgraph.extract.merge import merge_records

    existing, old_keys = records_sharing_ids(tx, batch)
    incoming: dict[str, PaperRecord] = {}
    for record in batch:  # a stored record with a later `updated` wins over an older re-read
        key = record_store_key(record)
        if key not in existing or newer_or_same(record, existing[key][0]):
            incoming[key] = record
    records = {k: rec for k, (rec, _) in existing.items()} | incoming
    merged = [(merge_records(group), group) for group in components(list(records.values()))]
    wanted = sorted(old_keys | {paper.key for paper, _ in merged})
    hashes = {r["key"]: r["content_hash"] for r in data(tx, q.PAPER_HASHES, keys=wanted)}
    report, changed, record_rows = WriteReport(), [], []
    for paper, group in merged:
        stored_keys = [record_store_key(r) for r in group]
        group_old = {existing[k][1] for k in stored_keys if k in existing}
        record_rows += [
            record_row(r, paper.key)
            for k, r in zip(stored_keys, group, strict=True)
            if k in incoming or existing[k][1] != paper.key
        ]
        if paper.key not in hashes and not group_old:
            report += WriteReport(added=1)
        elif hashes.get(paper.key) == paper.content_hash() and group_old <= {paper.key}:
            report += WriteReport(unchanged=1)
            continue
        else:
            report += WriteReport(updated=1)
        changed.append((paper, group))
    counters(tx, q.UPSERT_RECORDS, rows=record_rows)
    if changed:
        write_papers(tx, changed, embedding_model=embedding_model)
        bump(tx)
    return report


def records_sharing_ids(
    tx: neo4j.ManagedTransaction, batch: Sequence[PaperRecord]
) -> tuple[dict[str, tuple[PaperRecord, str]], set[str]]:
    """Stored records of every paper that shares an id with ``batch`` (transitively), and those papers."""
    ids = set().union(*(record_ids(r) for r in batch))
    existing: dict[str, tuple[PaperRecord, str]] = {}
    keys: set[str] = set()
    for _ in range(_MAX_CLOSURE_ROUNDS):
        new = {r["key"] for r in data(tx, q.RESOLVE_IDS, ids=sorted(ids))} - keys
        if not new:
            break
        keys |= new
        for row in data(tx, q.RECORDS_FOR_PAPERS, keys=sorted(new)):
            record = PaperRecord.model_validate_json(row["json"])
            existing[row["key"]] = (record, row["paper_key"])
            ids |= record_ids(record)
    return existing, keys


def write_papers(
    tx: neo4j.ManagedTransaction, changed: list[tuple[Paper, list[PaperRecord]]], *, embedding_model: str
) -> None:
    """Write merged papers, their ids and authorship; move citations of superseded keys onto them."""
    papers = [p for p, _ in changed]
    id_rows = [r for p, group in changed for r in paper_id_rows(p, group)]
    moves = [{"old": r["id"], "new": r["key"]} for r in id_rows if r["id"] != r["key"]]
    keys = [p.key for p in papers]
    counters(tx, q.UPSERT_PAPERS, rows=[paper_row(p) for p in papers])
    counters(tx, q.REWIRE_CITES_OUT, moves=moves)
    counters(tx, q.REWIRE_CITES_IN, moves=moves)
    counters(tx, q.DELETE_WORKS, keys=sorted({m["old"] for m in moves} - set(keys)))
    counters(tx, q.UPSERT_PAPER_IDS, rows=id_rows)
    counters(tx, q.DELETE_AUTHORSHIP, keys=keys)
    counters(tx, q.WRITE_AUTHORSHIP, rows=[r for p in papers for r in authorship_rows(p)])
    counters(tx, q.SYNC_PAPER_EMBEDDINGS, keys=keys, model=embedding_model)


def replace_links_batch(
    tx: neo4j.ManagedTransaction,
    keys: Sequence[str],
    links_by_paper: Mapping[str, Sequence[ConceptLink]],
) -> WriteReport:
    """Replace the links of the papers whose links differ; counts per paper."""
    old: dict[str, list[dict[str, Any]]] = {}
    for row in data(tx, q.LINKS_FOR_PAPERS, keys=list(keys), rels=list(q.LINK_RELS)):
        old.setdefault(row["paper_key"], []).append(link_row(link_from_row(row)) | {"rel": row["rel"]})
    report, changed = WriteReport(), []
    for key in keys:
        new = sorted(
            (link_row(link) | {"rel": link.rel} for link in links_by_paper[key]),
            key=lambda r: (r["concept_id"], r["rel"]),
        )
        before = sorted(old.get(key, []), key=lambda r: (r["concept_id"], r["rel"]))
        if new == before:
            report += WriteReport(unchanged=1)
            continue
        report += WriteReport(added=1) if not before else WriteReport(updated=1)
        changed.append((key, new))
    if changed:
        counters(tx, q.DELETE_LINKS, keys=[k for k, _ in changed], rels=list(q.LINK_RELS))
        for rel in q.LINK_RELS:
            counters(tx, q.LINK_WRITE[rel], rows=[r for _, new in changed for r in new if r["rel"] == rel])
        bump(tx)
    return report
