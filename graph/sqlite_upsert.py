"""The embedded store's upsert_records: read what a merge plan needs, then execute the plan.

Which records are one paper is decided by :func:`hepgraph.merge.plan_merge`, the rule both backends share;
this module only reads the stored records it touches and writes the plan's rows.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Sequence

from hepgraph.batching import batched
from hepgraph.graph.sqlite_schema import refresh_authors
from hepgraph.merge import MergePlan, PaperPlan, StoredRecord, plan_merge, record_identity, record_ids
from hepgraph.models import PaperRecord
from hepgraph.store import WriteReport

logger = logging.getLogger(__name__)

SQL_CHUNK = 900  # stays below SQLite's default limit of 999 host parameters on old builds
_MAX_CLOSURE_ROUNDS = 64  # a chain of papers joined by shared ids is rarely longer than two

PAPER_COLUMNS = (
    "key",
    "arxiv_id",
    "doi",
    "inspire_id",
    "title",
    "title_text",
    "abstract",
    "abstract_text",
    "authors",
    "date",
    "categories",
    "journal_ref",
    "sources",
    "hash",
)
UPSERT_PAPER = (
    f"INSERT INTO papers ({', '.join(PAPER_COLUMNS)}) VALUES ({', '.join('?' * len(PAPER_COLUMNS))}) "
    "ON CONFLICT (key) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in PAPER_COLUMNS[1:])
)
UPSERT_RECORD = (
    "INSERT INTO records (origin, rkey, paper_key, source, updated, hash, payload) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (origin, rkey) DO UPDATE SET paper_key = excluded.paper_key, source = excluded.source, "
    "updated = excluded.updated, hash = excluded.hash, payload = excluded.payload"
)


def placeholders(n: int) -> str:
    """``?, ?, ...`` for an IN list of ``n`` values."""
    return ", ".join("?" * n)


def select_in(conn: sqlite3.Connection, sql: str, values: Sequence[str], before: tuple = ()) -> list:
    """Rows of ``sql`` (one ``{ins}`` placeholder list) over ``values``, in chunks SQLite accepts."""
    rows: list = []
    for chunk in batched(list(values), SQL_CHUNK):
        rows.extend(conn.execute(sql.format(ins=placeholders(len(chunk))), (*before, *chunk)))
    return rows


def upsert_records(conn: sqlite3.Connection, records: Sequence[PaperRecord]) -> WriteReport:
    """Plan and write ``records`` inside the caller's open transaction; counts per merged paper."""
    fresh, quiet = _unstored(conn, records)
    stored = _closure(conn, fresh)
    keys = sorted({s.paper_key for s in stored})
    hashes = dict(select_in(conn, "SELECT key, hash FROM papers WHERE key IN ({ins})", keys))
    plan = plan_merge(fresh, stored, hashes)
    _execute(conn, plan)
    added, updated, unchanged = plan.counts
    touched = {p.paper.key for p in plan.papers} | {k for p in plan.papers for k in p.absorbs}
    return WriteReport(added=added, updated=updated, unchanged=unchanged + len(quiet - touched))


def _unstored(conn: sqlite3.Connection, records: Sequence[PaperRecord]) -> tuple[list[PaperRecord], set[str]]:
    """Records not already stored as they are, and the papers of those that are (nothing to do there).

    Only a shortcut: a record stored identically changes no paper, so leaving it out of the plan gives
    the plan's result without reading every stored record a re-read file touches.
    """
    by_origin: dict[str, list[str]] = {}
    for rec in records:
        rkey = record_identity(rec)
        if rkey is not None:
            by_origin.setdefault(rec.origin, []).append(rkey)
    stored: dict[tuple[str, str], tuple[str, str]] = {}
    for origin, rkeys in by_origin.items():
        sql = "SELECT rkey, hash, paper_key FROM records WHERE origin = ? AND rkey IN ({ins})"
        for rkey, digest, key in select_in(conn, sql, rkeys, (origin,)):
            stored[(origin, rkey)] = (digest, key)
    fresh, quiet = [], set()
    for rec in records:
        old = stored.get((rec.origin, record_identity(rec) or ""))
        if old is not None and old[0] == rec.content_hash():
            quiet.add(old[1])
        else:
            fresh.append(rec)
    return fresh, quiet


def _closure(conn: sqlite3.Connection, records: Sequence[PaperRecord]) -> list[StoredRecord]:
    """Stored records of every paper that shares an id with ``records``, transitively."""
    ids = {i for rec in records for i in record_ids(rec)}
    seen: set[str] = set()
    out: list[StoredRecord] = []
    for _ in range(_MAX_CLOSURE_ROUNDS):
        keys = {k for (k,) in select_in(conn, "SELECT key FROM paper_ids WHERE id IN ({ins})", sorted(ids))}
        new = sorted(keys - seen)
        if not new:
            break
        seen.update(new)
        sql = "SELECT paper_key, payload FROM records WHERE paper_key IN ({ins}) ORDER BY origin, rkey"
        for key, payload in select_in(conn, sql, new):
            rec = PaperRecord.model_validate_json(payload)
            out.append(StoredRecord(rec, key))
            ids.update(record_ids(rec))
    return out


def _execute(conn: sqlite3.Connection, plan: MergePlan) -> None:
    """Write the plan: records, ids, merged papers and authorship; drop absorbed papers' rows."""
    written = [p for p in plan.papers if p.status != "unchanged"]
    # Authors of the lists about to be replaced or dropped: any of them may now have written nothing.
    before = {
        k
        for (k,) in select_in(
            conn,
            "SELECT DISTINCT author_key FROM wrote WHERE paper_key IN ({ins})",
            sorted(set(plan.absorbed) | {p.paper.key for p in written}),
        )
    }
    for key in sorted(plan.absorbed):
        logger.debug("paper %s merged into another", key)
        # Cascades to wrote, links and similar: the absorbing paper is re-extracted by the next build.
        conn.execute("DELETE FROM papers WHERE key = ?", (key,))
        conn.execute("DELETE FROM stage_hashes WHERE paper_key = ?", (key,))
    planned = [p for p in plan.papers if p.ids]
    rewired = sorted({p.paper.key for p in planned} | {k for p in planned for k in p.absorbs})
    for chunk in batched(rewired, SQL_CHUNK):
        conn.execute(f"DELETE FROM paper_ids WHERE key IN ({placeholders(len(chunk))})", chunk)
    conn.executemany(
        "INSERT OR REPLACE INTO paper_ids (id, key) VALUES (?, ?)",
        [(i, p.paper.key) for p in planned for i in p.ids],
    )
    conn.executemany(UPSERT_RECORD, [_record_row(rec, p.paper.key) for p in plan.papers for rec in p.moved])
    after = _write_papers(conn, written)
    refresh_authors(conn, before | after)


def _record_row(rec: PaperRecord, paper_key: str) -> tuple:
    rkey = record_identity(rec)
    digest = rec.content_hash()
    return (rec.origin, rkey, paper_key, rec.source, rec.updated, digest, rec.model_dump_json())


def _write_papers(conn: sqlite3.Connection, plans: Sequence[PaperPlan]) -> set[str]:
    """Upsert the papers and replace their WROTE rows; the author keys written."""
    rows, wrote = [], []
    for plan in plans:
        p = plan.paper
        rows.append(
            (
                p.key,
                p.arxiv_id,
                p.doi,
                p.inspire_id,
                p.title,
                p.title_text,
                p.abstract,
                p.abstract_text,
                json.dumps([[a.name, a.key] for a in p.authors], ensure_ascii=False),
                p.date,
                json.dumps(p.categories),
                p.journal_ref,
                json.dumps(p.sources),
                p.content_hash(),
            )
        )
        wrote.extend((a.key, p.key, pos, a.name) for pos, a in p.authorship())
    conn.executemany(UPSERT_PAPER, rows)
    conn.executemany("DELETE FROM wrote WHERE paper_key = ?", [(r[0],) for r in rows])
    sql = "INSERT OR IGNORE INTO wrote (author_key, paper_key, position, name) VALUES (?, ?, ?, ?)"
    conn.executemany(sql, wrote)
    return {w[0] for w in wrote}
