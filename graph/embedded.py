"""The embedded graph store: SQLite from the standard library (WAL, one transaction per write call).

A write call either commits whole or not at all, so a process killed mid-ingest leaves the store as
it was after the last finished call, and rerunning the ingest converges to the uninterrupted result.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from hepgraph.errors import GraphStoreError, StoreMissingError
from hepgraph.graph import sqlite_schema as sq
from hepgraph.graph.console_embedded import EMBEDDED_NOTE, console_answer
from hepgraph.graph.paper_find import PaperFinder
from hepgraph.graph.sqlite_rows import link_from_row, link_row, paper_from_row
from hepgraph.graph.sqlite_upsert import select_in, upsert_records
from hepgraph.models import Citation, Concept, ConceptLink, ExternalWork, Paper, PaperRecord, SimilarEdge
from hepgraph.store import ConsoleAnswer, PaperQuery, StoreStats, WriteReport

logger = logging.getLogger(__name__)

__all__ = ["EmbeddedStore"]


class EmbeddedStore:
    """GraphStore on one SQLite file.

    Args:
        path: the database file (created with its folder unless ``read_only``).
        read_only: open with ``mode=ro``; every write raises GraphStoreError.
    """

    backend = "embedded"
    console_note = EMBEDDED_NOTE

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self.read_only = read_only
        if read_only and not self.path.exists():
            msg = f"no graph store at {self.path}: build one with `hepgraph ingest PATH...` first"
            raise StoreMissingError(msg)
        try:
            self._conn = sq.connect(self.path, read_only=read_only)
        except sqlite3.Error as e:
            msg = f"cannot open graph store {self.path}: {e}; check the path and its permissions"
            raise GraphStoreError(msg) from e
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()  # one connection shared by UI threads
        self._hash_cache: tuple[str, str] | None = None
        self._finder: tuple[str, PaperFinder] | None = None  # built on the first search, per index hash

    def __repr__(self) -> str:
        return f"EmbeddedStore({str(self.path)!r}, read_only={self.read_only})"

    # -- plumbing ---------------------------------------------------------------------------------
    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; it also bumps the write counter that keys the index-hash cache."""
        if self.read_only:
            msg = f"graph store {self.path} is open read-only; open it without read_only to write"
            raise GraphStoreError(msg)
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as e:
                msg = f"cannot start a write on {self.path}: {e}; is another process writing to it?"
                raise GraphStoreError(msg) from e
            try:
                yield self._conn
                self._conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) "
                    "DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                    (sq.WRITE_COUNTER,),
                )
                self._conn.execute("COMMIT")
            except sqlite3.Error as e:
                self._conn.execute("ROLLBACK")
                msg = f"write to graph store {self.path} failed and was rolled back: {e}"
                raise GraphStoreError(msg) from e
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def _query(self, sql: str, params: Sequence | Mapping = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as e:
                msg = f"reading graph store {self.path} failed: {e}; run `hepgraph ingest` to (re)create it"
                raise GraphStoreError(msg) from e

    def _query_in(self, sql: str, values: Sequence[str], *, before: Sequence = ()) -> list[sqlite3.Row]:
        """Run ``sql`` (with one ``{ins}`` placeholder list) over ``values`` in chunks."""
        with self._lock:
            try:
                return select_in(self._conn, sql, values, tuple(before))
            except sqlite3.Error as e:
                msg = f"reading graph store {self.path} failed: {e}; run `hepgraph ingest` to (re)create it"
                raise GraphStoreError(msg) from e

    def ensure_schema(self) -> None:
        """Create tables and indexes if missing; safe to call any number of times."""
        if self.read_only:
            return
        with self._lock:
            try:
                sq.create_schema(self._conn)
            except sqlite3.Error as e:
                msg = f"cannot create the schema in {self.path}: {e}; is the file a hepgraph store?"
                raise GraphStoreError(msg) from e

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            self._conn.close()

    # -- papers -----------------------------------------------------------------------------------
    def upsert_records(self, records: Sequence[PaperRecord]) -> WriteReport:
        """Store source records and re-merge the papers they touch, in one transaction."""
        if not records:
            return WriteReport()
        with self._tx() as conn:
            return upsert_records(conn, records)

    def get_papers(self, keys: Sequence[str]) -> list[Paper]:
        """Papers by key, in the order asked; unknown keys are left out."""
        rows = self._query_in("SELECT * FROM papers WHERE key IN ({ins})", list(dict.fromkeys(keys)))
        by_key = {row["key"]: paper_from_row(row) for row in rows}
        return [by_key[k] for k in keys if k in by_key]

    def iter_papers(self, *, batch_size: int = 1000) -> Iterator[Paper]:
        """Every paper, in key order, read a page at a time (keyset pagination)."""
        last = ""
        while True:
            rows = self._query("SELECT * FROM papers WHERE key > ? ORDER BY key LIMIT ?", (last, batch_size))
            if not rows:
                return
            yield from (paper_from_row(r) for r in rows)
            last = rows[-1]["key"]

    def resolve_key(self, identifier: str) -> str | None:
        """The paper key for any normalised id (arXiv id, 'doi:...', 'inspire:...', 'ref:...'), or None."""
        rows = self._query("SELECT key FROM paper_ids WHERE id = ?", (identifier,))
        return rows[0][0] if rows else None

    # -- citations and external works -------------------------------------------------------------
    def add_citations(self, edges: Sequence[Citation]) -> WriteReport:
        """Insert edges as given (resolved through paper ids when read); duplicates are unchanged."""
        rows = list({(e.citing, e.cited): e.source for e in edges if e.citing != e.cited}.items())
        if not rows:
            return WriteReport(unchanged=len(edges))
        with self._tx() as conn:
            cur = conn.executemany(
                "INSERT OR IGNORE INTO citations (citing, cited, source) VALUES (?, ?, ?)",
                [(a, b, s) for (a, b), s in rows],
            )
            added = max(cur.rowcount, 0)
        return WriteReport(added=added, unchanged=len(edges) - added)

    def add_external_works(self, works: Sequence[ExternalWork]) -> WriteReport:
        """Insert or update works known only from a citation graph's node list."""
        new = {w.key: (w.title, json.dumps(w.categories)) for w in works}
        if not new:
            return WriteReport()
        with self._tx() as conn:
            sql = "SELECT key, title, categories FROM external_works WHERE key IN ({ins})"
            old = {r[0]: (r[1], r[2]) for r in select_in(conn, sql, list(new))}
            todo = [(k, t, c) for k, (t, c) in new.items() if old.get(k) != (t, c)]
            conn.executemany(
                "INSERT INTO external_works (key, title, categories) VALUES (?, ?, ?) ON CONFLICT (key) "
                "DO UPDATE SET title = excluded.title, categories = excluded.categories",
                todo,
            )
        updated = sum(1 for k, _, _ in todo if k in old)
        return WriteReport(added=len(todo) - updated, updated=updated, unchanged=len(new) - len(todo))

    def iter_citations(self) -> Iterator[Citation]:
        """Every citation edge with ids resolved to paper keys where the paper is known, deduplicated."""
        for citing, cited, source in self._query(sq.RESOLVED_CITATIONS):
            yield Citation(citing=citing, cited=cited, source=source)

    def iter_external_works(self) -> Iterator[ExternalWork]:
        """Every external work, in key order."""
        for key, title, cats in self._query("SELECT key, title, categories FROM external_works ORDER BY key"):
            yield ExternalWork(key=key, title=title, categories=json.loads(cats))

    # -- concepts and links -----------------------------------------------------------------------
    def upsert_concepts(self, concepts: Sequence[Concept]) -> WriteReport:
        """Store vocabulary concepts and replace their IS_A edges."""
        new = {c.id: c for c in concepts}
        if not new:
            return WriteReport()
        with self._tx() as conn:
            old = dict(select_in(conn, "SELECT id, payload FROM concepts WHERE id IN ({ins})", list(new)))
            todo = [c for c in new.values() if old.get(c.id) != c.model_dump_json()]
            conn.executemany(
                "INSERT INTO concepts (id, type, name, payload) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE "
                "SET type = excluded.type, name = excluded.name, payload = excluded.payload",
                [(c.id, c.type, c.name, c.model_dump_json()) for c in todo],
            )
            conn.executemany(
                "DELETE FROM concept_edges WHERE src = ? AND rel = 'IS_A'", [(c.id,) for c in todo]
            )
            conn.executemany(
                "INSERT OR IGNORE INTO concept_edges (src, dst, rel) VALUES (?, ?, 'IS_A')",
                [(c.id, p) for c in todo for p in c.parents],
            )
        updated = sum(1 for c in todo if c.id in old)
        return WriteReport(added=len(todo) - updated, updated=updated, unchanged=len(new) - len(todo))

    def iter_concepts(self) -> Iterator[Concept]:
        """Every stored concept, in id order."""
        for (payload,) in self._query("SELECT payload FROM concepts ORDER BY id"):
            yield Concept.model_validate_json(payload)

    def replace_links(self, links_by_paper: Mapping[str, Sequence[ConceptLink]]) -> WriteReport:
        """Replace all concept links of the given papers; counts are per paper."""
        keys = list(links_by_paper)
        if not keys:
            return WriteReport()
        new = {k: sorted(link_row(link) for link in links_by_paper[k]) for k in keys}
        with self._tx() as conn:
            old: dict[str, list[tuple]] = {k: [] for k in keys}
            sql = (
                "SELECT paper_key, concept_id, rel, count, evidence, via FROM links "
                "WHERE paper_key IN ({ins})"
            )
            for row in select_in(conn, sql, keys):
                old[row[0]].append(tuple(row))
            changed = [k for k in keys if sorted(old[k]) != new[k]]
            conn.executemany("DELETE FROM links WHERE paper_key = ?", [(k,) for k in changed])
            conn.executemany(
                "INSERT INTO links (paper_key, concept_id, rel, count, evidence, via) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [row for k in changed for row in new[k]],
            )
        added = sum(1 for k in changed if not old[k])
        return WriteReport(added=added, updated=len(changed) - added, unchanged=len(keys) - len(changed))

    def iter_links(self) -> Iterator[ConceptLink]:
        """Every paper->concept link with its evidence, by paper then concept."""
        for row in self._query("SELECT * FROM links ORDER BY paper_key, concept_id"):
            yield link_from_row(row)

    def links_for_papers(self, keys: Sequence[str]) -> dict[str, list[ConceptLink]]:
        """Links of the given papers, by paper key (papers without links are left out)."""
        out: dict[str, list[ConceptLink]] = {}
        rows = self._query_in(
            "SELECT * FROM links WHERE paper_key IN ({ins}) ORDER BY paper_key, concept_id",
            list(dict.fromkeys(keys)),
        )
        for row in rows:
            out.setdefault(row[0], []).append(link_from_row(row))
        return out

    def replace_similar(self, edges: Iterable[SimilarEdge]) -> WriteReport:
        """Replace the whole SIMILAR edge set; counts are per edge."""
        new = {(e.a, e.b): float(e.score) for e in edges}
        with self._tx() as conn:
            old = {(a, b): s for a, b, s in conn.execute("SELECT a, b, score FROM similar")}
            conn.execute("DELETE FROM similar")
            conn.executemany(
                "INSERT INTO similar (a, b, score) VALUES (?, ?, ?)",
                [(a, b, s) for (a, b), s in sorted(new.items())],
            )
        added = sum(1 for k in new if k not in old)
        unchanged = sum(1 for k, s in new.items() if old.get(k) == s)
        return WriteReport(added=added, updated=len(new) - added - unchanged, unchanged=unchanged)

    def iter_similar(self) -> Iterator[SimilarEdge]:
        """Every SIMILAR edge, by (a, b)."""
        for a, b, score in self._query("SELECT a, b, score FROM similar ORDER BY a, b"):
            yield SimilarEdge(a=a, b=b, score=score)

    def iter_authorship(self) -> Iterator[tuple[str, str]]:
        """(author key, paper key) pairs: the WROTE edges, by paper then author position."""
        rows = self._query("SELECT author_key, paper_key FROM wrote ORDER BY paper_key, position")
        yield from ((author, paper) for author, paper in rows)

    def find_papers(self, query: PaperQuery, *, limit: int = 20) -> list[str]:
        """Paper keys matching ``query``, best first: an in-memory FTS5 index (graph/paper_find.py)."""
        current = self.index_hash()
        with self._lock:
            if self._finder is None or self._finder[0] != current:
                self._finder = (current, PaperFinder(self.iter_papers()))
            finder = self._finder[1]
        return finder.find(query, limit=limit)

    def author_names(self, keys: Sequence[str]) -> dict[str, str]:
        """Display names of authors by key (the spelling most of their papers use; see refresh_authors)."""
        return {
            r[0]: r[1] for r in self._query_in("SELECT key, name FROM authors WHERE key IN ({ins})", keys)
        }

    # -- embeddings and incremental state ----------------------------------------------------------
    def put_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> int:
        """Cache float32 vectors by text hash for a model; returns how many were new."""
        rows = [(model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in vectors.items()]
        if not rows:
            return 0
        with self._tx() as conn:
            cur = conn.executemany(
                "INSERT OR IGNORE INTO embeddings (model, text_hash, vector) VALUES (?, ?, ?)", rows
            )
            return max(cur.rowcount, 0)

    def get_embeddings(self, model: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors (float32, writable copies) for the hashes that have one."""
        rows = self._query_in(
            "SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN ({ins})",
            list(dict.fromkeys(text_hashes)),
            before=(model,),
        )
        return {h: np.frombuffer(blob, dtype=np.float32).copy() for h, blob in rows}

    def stage_hashes(self, stage: str) -> dict[str, str]:
        """Paper key -> input hash recorded when a build stage last processed the paper."""
        return dict(self._query("SELECT paper_key, hash FROM stage_hashes WHERE stage = ?", (stage,)))

    def set_stage_hashes(self, stage: str, hashes: Mapping[str, str]) -> None:
        """Record what a build stage processed, so the next build skips unchanged papers."""
        with self._tx() as conn:
            conn.executemany(
                "INSERT INTO stage_hashes (stage, paper_key, hash) VALUES (?, ?, ?) "
                "ON CONFLICT (stage, paper_key) DO UPDATE SET hash = excluded.hash",
                [(stage, k, h) for k, h in hashes.items()],
            )

    def get_meta(self, key: str) -> str | None:
        """A metadata value, or None."""
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a metadata value (keys starting with '_' are reserved for the store)."""
        if key.startswith("_"):
            msg = f"meta key {key!r} is reserved (leading '_'); choose a name without it"
            raise GraphStoreError(msg)
        with self._tx() as conn:
            conn.execute(sq.SET_META, (key, value))

    # -- console ----------------------------------------------------------------------------------------
    def console_query(
        self, query: str, *, params: Mapping[str, Any], row_limit: int, timeout_s: float
    ) -> ConsoleAnswer:
        """LadybugDB over a read-only copy of this store's graph (see :mod:`.console_embedded`)."""
        return console_answer(self, query, params=params, row_limit=row_limit, timeout_s=timeout_s)

    # -- summaries --------------------------------------------------------------------------------
    def stats(self) -> StoreStats:
        """Counts of papers, authors, citations, concepts and edges by type."""
        with self._lock:
            try:
                one = lambda sql: self._conn.execute(sql).fetchone()[0]  # noqa: E731
                edges = sq.edge_counts(self._conn)
                return StoreStats(
                    papers=one("SELECT count(*) FROM papers"),
                    papers_with_abstract=one("SELECT count(*) FROM papers WHERE abstract != ''"),
                    authors=one("SELECT count(DISTINCT author_key) FROM wrote"),
                    citations=edges["CITES"],
                    external_works=one("SELECT count(*) FROM external_works"),
                    concepts=one("SELECT count(*) FROM concepts"),
                    edges=edges,
                )
            except sqlite3.Error as e:
                msg = f"cannot count graph store {self.path}: {e}; run `hepgraph ingest` to (re)create it"
                raise GraphStoreError(msg) from e

    def index_hash(self) -> str:
        """SHA-1 of everything retrieval reads; recomputed only after a write (any process's).

        A writable store records the hash with the write counter it belongs to; a reader reuses it.
        """
        with self._lock:
            counter = self.get_meta(sq.WRITE_COUNTER) or "0"
            if self._hash_cache is None or self._hash_cache[0] != counter:
                recorded_counter, _, recorded = (self.get_meta(sq.CONTENT_HASH) or "").partition(":")
                fresh = recorded and recorded_counter == counter
                self._hash_cache = (counter, recorded) if fresh else self._hash_content()
            return self._hash_cache[1]

    def _hash_content(self) -> tuple[str, str]:
        """(write counter, content hash) read in one transaction, so the two belong together."""
        conn = self._conn
        try:
            conn.execute("BEGIN" if self.read_only else "BEGIN IMMEDIATE")
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (sq.WRITE_COUNTER,)).fetchone()
            counter = row[0] if row else "0"
            digest = sq.content_hash(conn)
            if not self.read_only:  # recorded without bumping the counter: it is not a write to the content
                conn.execute(sq.SET_META, (sq.CONTENT_HASH, f"{counter}:{digest}"))
            conn.execute("COMMIT")
        except sqlite3.Error as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            msg = f"cannot hash graph store {self.path}: {e}"
            raise GraphStoreError(msg) from e
        return str(counter), digest
