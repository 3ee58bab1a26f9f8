"""The Neo4j store's rows and write transactions: typed records <-> the parameters of graph/cypher.py.

Which records are one paper is decided by :func:`hepgraph.merge.plan_merge`, the rule both backends share;
:func:`upsert_batch` reads the stored records a batch touches, plans, and writes the plan's rows.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import neo4j
from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired

from hepgraph.errors import GraphStoreError
from hepgraph.graph import cypher as q
from hepgraph.merge import PaperPlan, StoredRecord, plan_merge, record_identity, record_ids
from hepgraph.models import Author, Concept, ConceptLink, Evidence, Paper, PaperRecord
from hepgraph.store import WriteReport

INDEX_VERSION = "_index_version"  # meta keys starting with "_" are bookkeeping, as in the embedded store


def record_store_key(record: PaperRecord) -> str:
    """The Record node key: (origin, record identity), so re-reading a file replaces rather than adds."""
    return f"{record.origin}|{record_identity(record)}"


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


def paper_id_rows(paper: Paper, ids: Sequence[str] = ()) -> list[dict[str, str]]:
    """UPSERT_PAPER_IDS rows: the paper's key and the ids a merge plan gave it, each mapped to the key."""
    return [{"id": i, "key": paper.key} for i in sorted({paper.key, *ids})]


def authorship_rows(paper: Paper) -> list[dict[str, Any]]:
    """WRITE_AUTHORSHIP rows, one per edge of :meth:`Paper.authorship`."""
    return [
        {"paper_key": paper.key, "key": author.key, "name": author.name, "position": position}
        for position, author in paper.authorship()
    ]


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
    missing = _MISSING_INDEX.search(message)
    if missing:
        return GraphStoreError(
            f"Neo4j at {uri} has no {missing['kind']} index {missing['name']!r} (a neo4j-admin import "
            "creates no index): create them once with `hepgraph --backend neo4j schema`"
        )
    return GraphStoreError(f"Neo4j at {uri} failed: {message}")


_MISSING_INDEX = re.compile(r"There is no such (?P<kind>\w+) schema index: (?P<name>\S+)")


# -- record upsert and link replacement, inside one transaction each -------------------------------------
_MAX_CLOSURE_ROUNDS = 64  # a chain of papers joined by shared ids is rarely longer than two


def upsert_batch(
    tx: neo4j.ManagedTransaction, batch: Sequence[PaperRecord], *, embedding_model: str
) -> WriteReport:
    """Store one batch of records and re-merge the papers they touch (counts per merged paper)."""
    stored, keys = records_sharing_ids(tx, batch)
    hashes = {r["key"]: r["content_hash"] for r in data(tx, q.PAPER_HASHES, keys=sorted(keys))}
    plan = plan_merge(batch, stored, hashes)
    moved = [record_row(rec, p.paper.key) for p in plan.papers for rec in p.moved]
    planned = [p for p in plan.papers if p.ids]
    changed = [p for p in plan.papers if p.status != "unchanged"]
    # Authors of the lists about to be replaced or dropped with an absorbed paper: some may be left with none.
    rewritten = sorted(set(plan.absorbed) | {p.paper.key for p in changed})
    before = {r["key"] for r in data(tx, q.AUTHORS_OF_PAPERS, keys=rewritten)} if rewritten else set()
    counters(tx, q.UPSERT_RECORDS, rows=moved)
    if planned:
        write_ids(tx, planned, absorbed=sorted(plan.absorbed))
    if changed:
        write_papers(tx, [p.paper for p in changed], embedding_model=embedding_model)
    if before or changed:
        touched = sorted(before | {a.key for p in changed for _, a in p.paper.authorship()})
        counters(tx, q.PRUNE_AUTHORS, keys=touched)
        counters(tx, q.NAME_AUTHORS, keys=touched)
    if moved or planned or changed:
        bump(tx)
    added, updated, unchanged = plan.counts
    return WriteReport(added=added, updated=updated, unchanged=unchanged)


def records_sharing_ids(
    tx: neo4j.ManagedTransaction, batch: Sequence[PaperRecord]
) -> tuple[list[StoredRecord], set[str]]:
    """Stored records of every paper that shares an id with ``batch`` (transitively), and those papers."""
    ids = {i for r in batch for i in record_ids(r)}
    stored: list[StoredRecord] = []
    keys: set[str] = set()
    for _ in range(_MAX_CLOSURE_ROUNDS):
        new = {r["key"] for r in data(tx, q.RESOLVE_IDS, ids=sorted(ids))} - keys
        if not new:
            break
        keys |= new
        for row in data(tx, q.RECORDS_FOR_PAPERS, keys=sorted(new)):
            record = PaperRecord.model_validate_json(row["json"])
            stored.append(StoredRecord(record, row["paper_key"]))
            ids.update(record_ids(record))
    return stored, keys


def write_ids(tx: neo4j.ManagedTransaction, planned: Sequence[PaperPlan], *, absorbed: Sequence[str]) -> None:
    """Point every id of the planned papers at them; move citations of superseded keys onto the papers."""
    rows = [r for p in planned for r in paper_id_rows(p.paper, p.ids)]
    keys = sorted({p.paper.key for p in planned} | {k for p in planned for k in p.absorbs})
    moves = [{"old": r["id"], "new": r["key"]} for r in rows if r["id"] != r["key"]]
    counters(tx, q.DELETE_PAPER_IDS, keys=keys)
    counters(tx, q.UPSERT_PAPER_IDS, rows=rows)
    counters(tx, q.REWIRE_CITES_OUT, moves=moves)
    counters(tx, q.REWIRE_CITES_IN, moves=moves)
    papers = {p.paper.key for p in planned}
    counters(tx, q.DELETE_WORKS, keys=sorted({m["old"] for m in moves} - papers))
    counters(tx, q.DELETE_STAGES, keys=list(absorbed))


def write_papers(tx: neo4j.ManagedTransaction, papers: Sequence[Paper], *, embedding_model: str) -> None:
    """Write merged papers and their authorship; fill their embedding from the cache."""
    keys = [p.key for p in papers]
    counters(tx, q.UPSERT_PAPERS, rows=[paper_row(p) for p in papers])
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
