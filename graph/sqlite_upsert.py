"""Source records merged into papers (the embedded store's upsert_records) and the SQL they write with."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Sequence

from hepgraph.errors import GraphStoreError
from hepgraph.extract.merge import merge_records, record_identity
from hepgraph.models import Paper, PaperRecord

logger = logging.getLogger(__name__)

SQL_CHUNK = 900  # stays below SQLite's default limit of 999 host parameters on old builds

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


def chunks(items: list, size: int = SQL_CHUNK) -> list[list]:
    """``items`` cut into lists of at most ``size`` (one IN (...) query each)."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def placeholders(n: int) -> str:
    """``?, ?, ...`` for an IN list of ``n`` values."""
    return ", ".join("?" * n)


_NON_ARXIV = ("doi:", "inspire:", "ref:")


def record_ids(rec: PaperRecord) -> list[str]:
    """Every normalised id a record names, its own key first (see :func:`hepgraph.ids.paper_key`)."""
    ids = [rec.arxiv_id] if rec.arxiv_id else []
    ids += [f"doi:{rec.doi}"] if rec.doi else []
    ids += [f"inspire:{rec.inspire_id}"] if rec.inspire_id else []
    return ids or ([f"ref:{rec.bibkey}"] if rec.bibkey else [])


def is_arxiv_key(key: str) -> bool:
    """True for a paper keyed by its arXiv id, which is never merged into another paper."""
    return not key.startswith(_NON_ARXIV)


def _older(new: str | None, old: str | None) -> bool:
    return bool(new and old and new < old)


class RecordUpsert:
    """One ``upsert_records`` call inside an open transaction.

    Steps: drop records already stored (same hash) or stale (older ``updated``); assign each remaining
    record a target paper through ``paper_ids`` (its arXiv id, else the paper its DOI / INSPIRE id / ref
    already belongs to); move papers that a record links together into one (an arXiv-keyed paper
    always absorbs, never gets absorbed); write the record rows; re-merge every touched paper.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.idmap: dict[str, str] = {}
        self.redirect: dict[str, str] = {}  # paper key merged away -> the key it went into
        self.merge_dsts: set[str] = set()
        self.touched: set[str] = set()

    def _select_in(self, sql: str, values: list[str], before: tuple = ()) -> list[tuple]:
        rows: list[tuple] = []
        for chunk in chunks(values):
            rows.extend(self.conn.execute(sql.format(ins=placeholders(len(chunk))), (*before, *chunk)))
        return rows

    def run(self, records: Sequence[PaperRecord]) -> tuple[int, int, int]:
        """Write ``records``; returns (added, updated, unchanged) counted per merged paper."""
        incoming: dict[tuple[str, str], tuple[PaperRecord, str]] = {}
        for rec in records:
            rkey = record_identity(rec)
            if rkey is None:
                msg = f"{rec.origin}:{rec.location}: record has no arXiv id, DOI, INSPIRE id or key; skip it"
                raise GraphStoreError(msg)
            prev = incoming.get((rec.origin, rkey))
            if prev is None or not _older(rec.updated, prev[0].updated):
                incoming[(rec.origin, rkey)] = (rec, rec.content_hash())
        stored = self._stored(list(incoming))
        changed: list[tuple[PaperRecord, str, str]] = []
        quiet: set[str] = set()  # papers whose incoming records are all already stored
        for (origin, rkey), (rec, digest) in incoming.items():
            old = stored.get((origin, rkey))
            if old is not None and (old[0] == digest or _older(rec.updated, old[1])):
                quiet.add(old[2])
            else:
                changed.append((rec, digest, rkey))
                if old is not None:
                    self.touched.add(old[2])
        groups = self._assign(changed)
        self._apply_merges()
        groups = self._write_records(changed, groups)
        counts = self._remerge(groups)
        return (
            counts[0],
            counts[1],
            counts[2] + len(quiet - self.touched - set(groups) - self.redirect.keys()),
        )

    def _stored(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str | None, str]]:
        by_origin: dict[str, list[str]] = {}
        for origin, rkey in keys:
            by_origin.setdefault(origin, []).append(rkey)
        out = {}
        for origin, rkeys in by_origin.items():
            sql = "SELECT rkey, hash, updated, paper_key FROM records WHERE origin = ? AND rkey IN ({ins})"
            for rkey, digest, updated, pkey in self._select_in(sql, rkeys, (origin,)):
                out[(origin, rkey)] = (digest, updated, pkey)
        return out

    def _resolve(self, key: str | None) -> str | None:
        seen = 0
        while key in self.redirect and seen < 64:  # bounded: redirects never form a cycle
            key, seen = self.redirect[key], seen + 1
        return key

    def _assign(self, changed: list[tuple[PaperRecord, str, str]]) -> list[str]:
        """Target paper key of each changed record; fills idmap and the merges to apply."""
        wanted = sorted({i for rec, _, _ in changed for i in record_ids(rec)})
        self.idmap = dict(self._select_in("SELECT id, key FROM paper_ids WHERE id IN ({ins})", wanted))
        targets = []
        for rec, _, _ in changed:
            ids = record_ids(rec)
            found = [(i, self._resolve(self.idmap.get(i))) for i in ids]
            keys = [k for _, k in found if k]
            arxiv = [k for k in keys if is_arxiv_key(k)]
            target = rec.arxiv_id or (arxiv[0] if arxiv else min(keys, default=ids[0]))
            for i, k in found:
                if k is None:
                    self.idmap[i] = target
                elif k != target and not is_arxiv_key(k):
                    self.redirect[k] = target
                    self.merge_dsts.add(target)
                elif k != target:
                    logger.debug("%s names arXiv paper %s and %s; left unmerged", i, k, target)
            targets.append(target)
        return targets

    def move(self, src: str, dst: str) -> None:
        """Merge paper ``src`` into ``dst``: re-point its records and ids, drop its derived rows."""
        self.conn.execute("UPDATE records SET paper_key = ? WHERE paper_key = ?", (dst, src))
        self.conn.execute("UPDATE paper_ids SET key = ? WHERE key = ?", (dst, src))
        self.conn.execute("DELETE FROM papers WHERE key = ?", (src,))  # cascades wrote, links, similar
        self.conn.execute("DELETE FROM stage_hashes WHERE paper_key = ?", (src,))
        self.touched.discard(src)
        self.touched.add(dst)

    def _apply_merges(self) -> None:
        for src in sorted(self.redirect):
            dst = self._resolve(src)
            if dst and dst != src:
                logger.debug("merging paper %s into %s", src, dst)
                self.move(src, dst)
                self.merge_dsts.add(dst)

    def _write_records(self, changed: list, targets: list[str]) -> dict[str, list[PaperRecord]]:
        groups: dict[str, list[PaperRecord]] = {}
        rows = []
        for (rec, digest, rkey), target in zip(changed, targets, strict=True):
            final = self._resolve(target) or target
            groups.setdefault(final, []).append(rec)
            rows.append((rec.origin, rkey, final, rec.source, rec.updated, digest, rec.model_dump_json()))
        self.conn.executemany(UPSERT_RECORD, rows)
        self.conn.executemany(
            "INSERT OR IGNORE INTO paper_ids (id, key) VALUES (?, ?)",
            [(i, self._resolve(k)) for i, k in self.idmap.items()],
        )
        self.touched = {self._resolve(k) or k for k in self.touched}
        return groups

    def _load(self, keys: list[str]) -> dict[str, list[PaperRecord]]:
        out: dict[str, list[PaperRecord]] = {}
        sql = "SELECT paper_key, payload FROM records WHERE paper_key IN ({ins}) ORDER BY origin, rkey"
        for key, payload in self._select_in(sql, keys):
            out.setdefault(key, []).append(PaperRecord.model_validate_json(payload))
        return out

    def _remerge(self, groups: dict[str, list[PaperRecord]]) -> tuple[int, int, int]:
        """Merge every touched paper from its records; write those whose content changed."""
        keys = sorted(set(groups) | self.touched)
        existing = dict(self._select_in("SELECT key, hash FROM papers WHERE key IN ({ins})", keys))
        # Papers new in this batch have no stored records: merge them from memory, not from disk.
        stored_keys = [k for k in keys if k in existing or k in self.touched or k in self.merge_dsts]
        recs_by_key = self._load(stored_keys)
        recs_by_key.update({k: groups[k] for k in keys if k not in recs_by_key and k not in stored_keys})
        added = updated = unchanged = 0
        out: list[tuple[Paper, str]] = []
        for key in keys:
            recs = recs_by_key.get(key)
            if not recs:  # its last record moved to another paper
                self._drop(key)
                continue
            paper = merge_records(recs)
            old_hash = existing.get(key)
            if paper.key != key:  # the best id changed (an INSPIRE-only paper gained a DOI)
                if old_hash is None:
                    row = self.conn.execute("SELECT hash FROM papers WHERE key = ?", (paper.key,)).fetchone()
                    old_hash = row[0] if row else None
                self.move(key, paper.key)
                paper = merge_records(self._load([paper.key])[paper.key])
            digest = paper.content_hash()
            if old_hash is None and key not in self.merge_dsts:
                added += 1
            elif old_hash == digest:
                unchanged += 1
                continue
            else:
                updated += 1
            out.append((paper, digest))
        self._write_papers(out)
        return added, updated, unchanged

    def _drop(self, key: str) -> None:
        self.conn.execute("DELETE FROM papers WHERE key = ?", (key,))
        self.conn.execute("DELETE FROM paper_ids WHERE key = ?", (key,))
        self.conn.execute("DELETE FROM stage_hashes WHERE paper_key = ?", (key,))

    def _write_papers(self, papers: list[tuple[Paper, str]]) -> None:
        rows, authors, wrote = [], {}, []
        for p, digest in papers:
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
                    digest,
                )
            )
            for pos, a in enumerate(p.authors):
                if a.key:
                    authors.setdefault(a.key, a.name)
                    wrote.append((a.key, p.key, pos))
        self.conn.executemany(UPSERT_PAPER, rows)
        self.conn.executemany(
            "INSERT OR IGNORE INTO paper_ids (id, key) VALUES (?, ?)", [(r[0], r[0]) for r in rows]
        )
        self.conn.executemany("DELETE FROM wrote WHERE paper_key = ?", [(r[0],) for r in rows])
        self.conn.executemany("INSERT OR IGNORE INTO authors (key, name) VALUES (?, ?)", authors.items())
        self.conn.executemany(
            "INSERT OR IGNORE INTO wrote (author_key, paper_key, position) VALUES (?, ?, ?)", wrote
        )
