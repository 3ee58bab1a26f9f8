"""SQL of the embedded store: schema, connection setup and the read-only aggregate queries.

Design notes (why the tables look like this):

- ``records`` keeps every source record as read, keyed by (origin, record key) where the record key
  is :func:`~hepgraph.extract.merge.record_identity` (paper key, plus citation key). ``paper_key`` says
  which merged paper it belongs to, so merging two papers only re-points rows, and re-reading a file
  replaces rather than adds.
- ``paper_ids`` maps every known normalised id (``2505.13228``, ``doi:10...``, ``inspire:123``,
  ``ref:bibkey``) to its paper key; a paper's own key maps to itself.
- ``citations`` stores edges with the ids exactly as the source gave them and resolves them through
  ``paper_ids`` at READ time, so a later merge (a DOI-only paper joining its arXiv record) re-targets
  every edge without rewriting it.
- ``papers.authors`` keeps the author list as written (JSON); ``wrote`` is the graph view keyed by author
  key, where namesakes in one collaboration paper collapse to one edge.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from hepgraph.errors import GraphStoreError
from hepgraph.extract.merge import merge_records, record_identity
from hepgraph.models import Paper, PaperRecord

logger = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
# Meta keys starting with "_" are the store's own bookkeeping and stay out of index_hash().
WRITE_COUNTER = "_write_counter"
SQL_CHUNK = 900  # stays below SQLite's default limit of 999 host parameters on old builds

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS papers (
    key TEXT PRIMARY KEY, arxiv_id TEXT, doi TEXT, inspire_id TEXT,
    title TEXT NOT NULL, title_text TEXT NOT NULL, abstract TEXT NOT NULL, abstract_text TEXT NOT NULL,
    authors TEXT NOT NULL, date TEXT, categories TEXT NOT NULL, journal_ref TEXT, sources TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    origin TEXT NOT NULL, rkey TEXT NOT NULL, paper_key TEXT NOT NULL, source TEXT NOT NULL,
    updated TEXT, hash TEXT NOT NULL, payload TEXT NOT NULL,
    PRIMARY KEY (origin, rkey)
);
CREATE INDEX IF NOT EXISTS records_paper ON records (paper_key);
CREATE TABLE IF NOT EXISTS paper_ids (id TEXT PRIMARY KEY, key TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS paper_ids_key ON paper_ids (key);
CREATE TABLE IF NOT EXISTS authors (key TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS wrote (
    author_key TEXT NOT NULL, paper_key TEXT NOT NULL REFERENCES papers (key) ON DELETE CASCADE,
    position INTEGER NOT NULL, PRIMARY KEY (author_key, paper_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS wrote_paper ON wrote (paper_key);
CREATE TABLE IF NOT EXISTS citations (
    citing TEXT NOT NULL, cited TEXT NOT NULL, source TEXT NOT NULL, PRIMARY KEY (citing, cited)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS citations_cited ON citations (cited);
CREATE TABLE IF NOT EXISTS external_works (
    key TEXT PRIMARY KEY, title TEXT NOT NULL, categories TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS concepts (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL, payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS concept_edges (
    src TEXT NOT NULL, dst TEXT NOT NULL, rel TEXT NOT NULL, PRIMARY KEY (src, dst, rel)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS links (
    paper_key TEXT NOT NULL REFERENCES papers (key) ON DELETE CASCADE, concept_id TEXT NOT NULL,
    rel TEXT NOT NULL, count INTEGER NOT NULL, evidence TEXT NOT NULL, PRIMARY KEY (paper_key, concept_id)
);
CREATE INDEX IF NOT EXISTS links_concept ON links (concept_id);
CREATE TABLE IF NOT EXISTS similar (
    a TEXT NOT NULL REFERENCES papers (key) ON DELETE CASCADE,
    b TEXT NOT NULL REFERENCES papers (key) ON DELETE CASCADE,
    score REAL NOT NULL, PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS similar_b ON similar (b);
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL, text_hash TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, text_hash)
);
CREATE TABLE IF NOT EXISTS stage_hashes (
    stage TEXT NOT NULL, paper_key TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (stage, paper_key)
) WITHOUT ROWID;
"""

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
# Citations resolved through paper_ids at read time; two raw edges naming one paper by two ids
# (arXiv id and DOI) collapse to one.
RESOLVED_CITATIONS = """
SELECT coalesce(a.key, c.citing) AS src, coalesce(b.key, c.cited) AS dst, min(c.source)
FROM citations AS c
LEFT JOIN paper_ids AS a ON a.id = c.citing
LEFT JOIN paper_ids AS b ON b.id = c.cited
GROUP BY src, dst ORDER BY src, dst
"""
# What retrieval reads, in a fixed order, for index_hash().
_HASHED_QUERIES = (
    "SELECT key, hash FROM papers ORDER BY key",
    "SELECT id, key FROM paper_ids ORDER BY id",
    "SELECT citing, cited FROM citations ORDER BY citing, cited",
    "SELECT key, title, categories FROM external_works ORDER BY key",
    "SELECT id, payload FROM concepts ORDER BY id",
    "SELECT src, dst, rel FROM concept_edges ORDER BY src, dst, rel",
    "SELECT paper_key, concept_id, rel, count, evidence FROM links ORDER BY paper_key, concept_id",
    "SELECT a, b, score FROM similar ORDER BY a, b",
    "SELECT key, value FROM meta WHERE key NOT LIKE '\\_%' ESCAPE '\\' ORDER BY key",
)


def connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    """Open the database: WAL journal, foreign keys on, autocommit (transactions are explicit).

    ``synchronous=NORMAL`` in WAL mode survives a killed process (not a power cut) without an fsync per
    commit, which is the trade-off an ingest that can be rerun wants.
    """
    if read_only:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA cache_size = -65536")  # 64 MiB page cache
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table and index if missing (idempotent) and record the schema version."""
    conn.executescript(f"BEGIN IMMEDIATE; {DDL} COMMIT;")
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('_schema_version', ?)", (SCHEMA_VERSION,))


def content_hash(conn: sqlite3.Connection) -> str:
    """SHA-1 over everything retrieval reads, in key order: equal content gives an equal hash."""
    digest = hashlib.sha1()
    for query in _HASHED_QUERIES:
        digest.update(query.encode())
        for row in conn.execute(query):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def edge_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Edges by relationship type: WROTE, CITES, SIMILAR, IS_A and each paper->concept relation."""
    counts = {
        "WROTE": conn.execute("SELECT count(*) FROM wrote").fetchone()[0],
        "CITES": conn.execute(f"SELECT count(*) FROM ({RESOLVED_CITATIONS})").fetchone()[0],
        "SIMILAR": conn.execute("SELECT count(*) FROM similar").fetchone()[0],
    }
    for rel, n in conn.execute("SELECT rel, count(*) FROM concept_edges GROUP BY rel"):
        counts[rel] = n
    for rel, n in conn.execute("SELECT rel, count(*) FROM links GROUP BY rel"):
        counts[rel] = n
    return dict(sorted(counts.items()))


def chunks(items: list, size: int = SQL_CHUNK) -> list[list]:
    """``items`` cut into lists of at most ``size`` (one IN (...) query each)."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def placeholders(n: int) -> str:
    """``?, ?, ...`` for an IN list of ``n`` values."""
    return ", ".join("?" * n)


# -- source records -> merged papers (the write path of upsert_records) ---------------------------
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
