"""The authors table holds exactly the authors of some paper, whatever the ingest order (issue 17 item 9).

Authors come from the record that wins a paper's merge (hepgraph/merge.py) and can change when another
record of the paper arrives, when a file is re-read with a corrected list, or when two papers merge.
"""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from hepgraph.graph.embedded import EmbeddedStore
from hepgraph.ids import author_key
from hepgraph.models import Author, PaperRecord


def _a(name: str, key_name: str | None = None) -> Author:
    return Author(name=name, key=author_key(key_name or name))


def _rec(source: str, origin: str, authors: list[Author], **ids: str) -> PaperRecord:
    return PaperRecord(source=source, origin=origin, location="1", title="T", authors=authors, **ids)  # type: ignore[arg-type]


# One paper in three sources that list its authors differently (INSPIRE wins over BibTeX, arXiv over both),
# a DOI-only paper that the arXiv record later joins (a merge), and a namesake spelled two ways.
BIB = _rec("bibtex", "refs.bib", [_a("Smith, J."), _a("Old, O.")], doi="10.1/x", bibkey="Smith:2021")
INSPIRE = _rec("inspire", "lit.json", [_a("Smith, Jane"), _a("Roe, R.")], doi="10.1/x", inspire_id="1")
ARXIV = _rec("arxiv-jsonl", "a.jsonl", [_a("Jane Smith"), _a("Ann Lee")], arxiv_id="2101.00001", doi="10.1/x")
OTHER = _rec("arxiv-jsonl", "a.jsonl", [_a("J. Smith", "Smith, J."), _a("Ann Lee")], arxiv_id="2101.00002")
RECORDS = [BIB, INSPIRE, ARXIV, OTHER]


def _tables(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        return {
            "authors": conn.execute("SELECT key, name FROM authors ORDER BY key").fetchall(),
            "wrote": conn.execute(
                "SELECT author_key, paper_key, position FROM wrote ORDER BY 1, 2"
            ).fetchall(),
            "orphans": conn.execute(
                "SELECT key FROM authors WHERE key NOT IN (SELECT author_key FROM wrote)"
            ).fetchall(),
        }


def _ingest(path: Path, batches: list[list[PaperRecord]]) -> dict[str, list[tuple]]:
    store = EmbeddedStore(path)
    store.ensure_schema()
    for batch in batches:
        store.upsert_records(batch)
    assert store.stats().authors == len(_tables(path)["authors"])  # stats counts the same authors
    store.close()
    return _tables(path)


def test_every_ingest_order_gives_the_same_tables_and_no_orphan(tmp_path: Path) -> None:
    """Was: orphan rows (Old, Roe) after BIB, INSPIRE, ARXIV, and shown names that depended on order."""
    results = {
        order: _ingest(tmp_path / f"{n}.sqlite", [[RECORDS[i]] for i in order])
        for n, order in enumerate(itertools.permutations(range(len(RECORDS))))
    }
    first = next(iter(results.values()))
    assert first["orphans"] == []
    assert {k for k, _ in first["authors"]} == {author_key(n) for n in ("Jane Smith", "Ann Lee", "Smith, J.")}
    for order, tables in results.items():
        assert tables == first, order


def test_reingest_with_other_authors_leaves_no_orphan(tmp_path: Path) -> None:
    """A file re-read with a corrected author list: the dropped author leaves the authors table."""
    fixed = ARXIV.model_copy(update={"authors": [_a("Jane Smith"), _a("Bo Chen")]})
    tables = _ingest(tmp_path / "s.sqlite", [[ARXIV], [fixed]])
    assert tables["orphans"] == []
    assert [name for _, name in tables["authors"]] == ["Bo Chen", "Jane Smith"]
    assert tables == _ingest(tmp_path / "t.sqlite", [[fixed]])


def test_merging_two_papers_leaves_no_orphan(tmp_path: Path) -> None:
    """A DOI-only paper absorbed by its arXiv record: its authors go unless the arXiv list has them."""
    tables = _ingest(tmp_path / "s.sqlite", [[BIB], [ARXIV]])
    assert tables["orphans"] == []
    assert tables == _ingest(tmp_path / "t.sqlite", [[ARXIV], [BIB]])


@pytest.mark.parametrize("spellings", [("J. Smith", "Jane Smith"), ("Jane Smith", "J. Smith")])
def test_a_namesake_shows_one_spelling_whatever_came_first(
    tmp_path: Path, spellings: tuple[str, str]
) -> None:
    """Two papers spell one author key two ways: the shown name does not depend on which was read first."""
    key = "Smith, J."
    papers = [
        _rec("arxiv-jsonl", "a.jsonl", [_a(name, key)], arxiv_id=f"2101.0000{n}")
        for n, name in enumerate(spellings, start=1)
    ]
    tables = _ingest(tmp_path / "s.sqlite", [[p] for p in papers])
    assert tables["authors"] == [(author_key(key), "J. Smith")]


def test_a_schema_2_store_migrates_and_loses_its_orphans(tmp_path: Path) -> None:
    """Stores written before wrote.name: the spelling is filled in from papers.authors, orphans dropped."""
    path = tmp_path / "old.sqlite"
    expected = _ingest(path, [[ARXIV], [OTHER]])
    with sqlite3.connect(path) as conn:  # the store as schema 2 left it, an orphan included
        conn.execute("ALTER TABLE wrote DROP COLUMN name")
        conn.execute("INSERT INTO authors (key, name) VALUES ('old_o', 'Old, O.')")
        conn.execute("UPDATE meta SET value = '2' WHERE key = '_schema_version'")
    assert _ingest(path, []) == expected
