"""SQL of the embedded store: schema, connection setup and the read-only aggregate queries.

Design notes (why the tables look like this):

- ``records`` keeps every source record as read, keyed by (origin, record key) where the record key
  is :func:`~hepgraph.merge.record_identity` (paper key, plus citation key). ``paper_key`` says
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
from collections.abc import Iterable
from pathlib import Path

from hepgraph.caches import writable

logger = logging.getLogger(__name__)

_CHUNK = 900  # host parameters per statement, below SQLite's old default limit of 999

SCHEMA_VERSION = "3"  # 2: links.via (who made a link); 3: wrote.name (the spelling on that paper)
# Meta keys starting with "_" are the store's own bookkeeping and stay out of index_hash().
WRITE_COUNTER = "_write_counter"
# "<write counter>:<sha1>": the last content hash a writer computed, so a reader that opens the store
# read-only (every question) does not re-hash an unchanged store.
CONTENT_HASH = "_content_hash"
SET_META = (
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)

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
    position INTEGER NOT NULL, name TEXT NOT NULL DEFAULT '', PRIMARY KEY (author_key, paper_key)
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
    rel TEXT NOT NULL, count INTEGER NOT NULL, evidence TEXT NOT NULL, via TEXT NOT NULL DEFAULT 'matcher',
    PRIMARY KEY (paper_key, concept_id)
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
            f"{path.resolve().as_uri()}?{_read_only_mode(path)}",
            uri=True,
            isolation_level=None,
            check_same_thread=False,
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


def _read_only_mode(path: Path) -> str:
    """``mode=ro``, or ``immutable=1`` when the store's folder cannot be written (read-only media).

    A WAL store opened ``mode=ro`` still creates its ``-shm`` file next to it, so on a read-only folder
    SQLite says "unable to open database file"; ``immutable=1`` reads the file without any side file.
    """
    if writable(path.parent):
        return "mode=ro"
    wal = path.with_name(path.name + "-wal")
    if wal.is_file() and wal.stat().st_size:
        logger.warning(
            "%s holds writes not yet merged into %s; they are not seen on this read-only folder "
            "(open the store once where the folder is writable to merge them)",
            wal,
            path,
        )
    logger.info("%s is not writable: reading the store as immutable", path.parent)
    return "mode=ro&immutable=1"


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table and index if missing, migrate an older store, record the schema version.

    Idempotent. Version 1 -> 2 adds ``links.via``; every existing link was made by the matcher, which
    is the column's default. Version 2 -> 3 adds ``wrote.name``, filled from each paper's author list,
    and rebuilds ``authors`` from it (dropping the orphans older versions left).
    """
    conn.executescript(f"BEGIN IMMEDIATE; {DDL} COMMIT;")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(links)")}
    if "via" not in columns:
        conn.execute("ALTER TABLE links ADD COLUMN via TEXT NOT NULL DEFAULT 'matcher'")
    if "name" not in {row[1] for row in conn.execute("PRAGMA table_info(wrote)")}:
        _add_wrote_names(conn)
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('_schema_version', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (SCHEMA_VERSION,),
    )


# An author's shown name, from the papers it wrote now: the spelling most of them use, then the first in
# sort order, so the name does not depend on which paper was read first.
_AUTHOR_NAMES = """
INSERT INTO authors (key, name)
SELECT author_key, name FROM (
    SELECT author_key, name,
           row_number() OVER (PARTITION BY author_key ORDER BY count(*) DESC, name) AS rank
    FROM wrote WHERE {where} GROUP BY author_key, name
) WHERE rank = 1
"""


def placeholders(n: int) -> str:
    """``?, ?, ...`` for an IN list of ``n`` values."""
    return ", ".join("?" * n)


def refresh_authors(conn: sqlite3.Connection, keys: Iterable[str] | None = None) -> None:
    """Make ``authors`` rows of ``keys`` (all when None) follow ``wrote``: no row for an author of no paper.

    ``authors`` is derived from ``wrote``, so every write that changes ``wrote`` passes the author keys it
    touched (before and after) here; the old INSERT OR IGNORE kept authors of replaced lists forever.
    """
    if keys is None:
        conn.execute("DELETE FROM authors")
        conn.execute(_AUTHOR_NAMES.format(where="1"))
        return
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        conn.execute(f"DELETE FROM authors WHERE key IN ({placeholders(len(chunk))})", chunk)
        conn.execute(_AUTHOR_NAMES.format(where=f"author_key IN ({placeholders(len(chunk))})"), chunk)


def _add_wrote_names(conn: sqlite3.Connection) -> None:
    """Schema 2 -> 3: each WROTE row's spelling from its paper's author list, then ``authors`` rebuilt."""
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("ALTER TABLE wrote ADD COLUMN name TEXT NOT NULL DEFAULT ''")
    names = []
    for paper_key, authors in conn.execute("SELECT key, authors FROM papers"):
        first: dict[str, str] = {}
        for name, key in json.loads(authors):
            if key:
                first.setdefault(key, name)  # Paper.authorship: an author's first position on the paper
        names.extend((name, key, paper_key) for key, name in first.items())
    conn.executemany("UPDATE wrote SET name = ? WHERE author_key = ? AND paper_key = ?", names)
    refresh_authors(conn)
    conn.execute("COMMIT")


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
