"""Finding a paper by what a reader remembers, on the embedded store: an SQLite FTS5 index in memory.

The store file may be read-only (the app opens it so), so the index is not a table of the store: it is
built from the papers in one pass (about a second for 14k papers) into a private in-memory database, and
rebuilt when the store's index hash changes.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable

from hepgraph.models import Paper
from hepgraph.store import PaperQuery

logger = logging.getLogger(__name__)

_SCHEMA = (
    "CREATE VIRTUAL TABLE find USING fts5("
    "key UNINDEXED, title, authors, year UNINDEXED, categories UNINDEXED, "
    "tokenize = 'unicode61 remove_diacritics 2')"
)
# Every filter is a parameter (NULL or an empty list switches it off), so the SQL is fixed text. Title
# words weigh more than author names in bm25: a remembered title word is the stronger clue.
_FILTERS = (
    "(?1 IS NULL OR year >= ?1) AND (?2 IS NULL OR year <= ?2) AND "
    "(json_array_length(?3) = 0 OR EXISTS (SELECT 1 FROM json_each(?3) WHERE instr(categories, value) > 0))"
)
FIND_WORDS = (
    "SELECT key FROM find WHERE find MATCH ?4 AND "
    + _FILTERS
    + " ORDER BY bm25(find, 0.0, 2.0, 1.0), key LIMIT ?5"
)
FIND_NEWEST = "SELECT key FROM find WHERE " + _FILTERS + " ORDER BY year DESC, key LIMIT ?5"


class PaperFinder:
    """An FTS5 index of titles and author names, with year and categories for filtering."""

    def __init__(self, papers: Iterable[Paper]) -> None:
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        self._conn.execute(_SCHEMA)
        rows = (
            (
                p.key,
                p.title_text or p.title,
                " ; ".join(a.name for a in p.authors),
                p.year,
                " " + " ".join(p.categories) + " ",
            )
            for p in papers
        )
        self._conn.executemany("INSERT INTO find VALUES (?, ?, ?, ?, ?)", rows)
        self._conn.commit()

    def find(self, query: PaperQuery, *, limit: int = 20) -> list[str]:
        """Paper keys for ``query``, best first (see GraphData.find_papers)."""
        words = query.words()
        # Every word a quoted prefix term, OR-ed: a paper matching more of the words ranks higher.
        match = " OR ".join(f'"{w}"*' for w in words)
        categories = json.dumps([f" {c} " for c in query.categories])
        args = (query.year_from, query.year_to, categories, match, limit)
        with self._lock:
            return [r[0] for r in self._conn.execute(FIND_WORDS if words else FIND_NEWEST, args)]
