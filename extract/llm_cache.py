"""Validated LLM outputs by content hash, in one SQLite file under the cache directory.

A key hashes everything that determines an answer (prompt version, model, input), so a rerun on the same
input reads the answer instead of paying for it again; each answer is committed as it arrives, so a killed
build keeps what it already paid for.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from hepgraph.errors import ExtractionError


def content_key(*parts: object) -> str:
    """The SHA-256 of ``parts`` (JSON-serialisable: strings, numbers, lists), order preserved."""
    payload = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


class JSONCache:
    """JSON texts by key in a SQLite table; the caller validates what it reads back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS outputs (key TEXT PRIMARY KEY, output TEXT NOT NULL)"
            )
        except (OSError, sqlite3.Error) as e:
            msg = f"cannot open the LLM cache {path}: {e}; delete the file to start it afresh"
            raise ExtractionError(msg) from e

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM outputs").fetchone()[0])

    def get(self, key: str) -> str | None:
        """The cached JSON text, or None."""
        row = self._db.execute("SELECT output FROM outputs WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, key: str, output: str) -> None:
        """Store (or replace) one output, committed at once."""
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO outputs VALUES (?, ?)", (key, output))

    def close(self) -> None:
        """Close the database."""
        self._db.close()
