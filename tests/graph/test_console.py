"""The read-only Cypher console on the embedded store (LadybugDB), built from real arXiv snapshot lines."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from hepgraph.errors import QueryError, ReadOnlyViolation
from hepgraph.graph.console import EMBEDDED_NOTE, EXAMPLE_QUERIES, check_read_only, run_console_query
from hepgraph.graph.console_embedded import GRACE_S, MEMORY_BUDGET_BYTES
from hepgraph.graph.embedded import EmbeddedStore
from hepgraph.models import Author, Citation, Concept, ConceptLink, PaperRecord, SimilarEdge


def _record(line: str, location: int) -> PaperRecord:
    d = json.loads(line)
    return PaperRecord(
        source="arxiv-jsonl",
        origin="arxiv-hep.jsonl",
        location=str(location),
        arxiv_id=d["id"],
        title=" ".join(d["title"].split()),
        abstract=" ".join((d.get("abstract") or "").split()),
        authors=[Author(name=f"{p[1]} {p[0]}".strip()) for p in (d.get("authors_parsed") or [])[:20]],
        categories=d["categories"].split(),
        date=d.get("update_date"),
    )


@pytest.fixture(scope="module")
def store(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    records: list[PaperRecord] = []
    with (corpus_dir / "arxiv-hep.jsonl").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):  # the first 30 papers, and 10 on anomaly detection for the examples
            anomaly = "anomal" in json.loads(line)["title"].lower()
            if i < 30 or (anomaly and len(records) < 40):
                records.append(_record(line, i + 1))
            if len(records) >= 40:
                break
    s = EmbeddedStore(tmp_path_factory.mktemp("console") / "s.sqlite")
    s.ensure_schema()
    s.upsert_records(records)
    keys = [r.key for r in records]
    s.upsert_concepts(
        [
            Concept(id="method:neural-network", type="Method", name="neural network"),
            Concept(
                id="method:gnn", type="Method", name="graph neural network", parents=["method:neural-network"]
            ),
        ]
    )
    anomaly = [r.key for r in records if "anomaly" in r.title.lower()]
    s.replace_links(
        {
            k: [ConceptLink(paper_key=k, concept_id="method:gnn", rel="USES_METHOD", count=2)]
            for k in [*anomaly, *keys[:5]]
        }
    )
    s.add_citations([Citation(citing=keys[i], cited=keys[i + 1]) for i in range(10)])
    s.replace_similar([SimilarEdge(a=keys[i], b=keys[i + 2], score=0.5 + i / 100) for i in range(10)])
    return s


@pytest.mark.parametrize(("title", "query"), EXAMPLE_QUERIES, ids=[t for t, _ in EXAMPLE_QUERIES])
def test_example_queries_return_rows(store: EmbeddedStore, title: str, query: str) -> None:
    result = run_console_query(store, query, row_limit=100, timeout_s=30)
    assert result.rows, title
    assert all(len(row) == len(result.columns) for row in result.rows)
    assert result.backend == "embedded" and result.engine_note == EMBEDDED_NOTE


def test_columns_follow_the_return_clause(store: EmbeddedStore) -> None:
    query = (
        "MATCH (a:Paper)-[s:SIMILAR]->(b:Paper) RETURN b.key, s.score AS score, a.key "
        "ORDER BY score DESC LIMIT 3"
    )
    result = run_console_query(store, query, row_limit=10, timeout_s=30)
    assert result.columns == ["b.key", "score", "a.key"]
    scores = [row[1] for row in result.rows]
    assert scores == sorted(scores, reverse=True) and len(scores) == 3


def test_nodes_and_edges_are_returned_for_drawing(store: EmbeddedStore) -> None:
    result = run_console_query(
        store, "MATCH (a:Paper)-[r:CITES]->(b:Paper) RETURN a, r, b", row_limit=100, timeout_s=30
    )
    assert len(result.edges) == 10 and {e.rel for e in result.edges} == {"CITES"}
    ids = {n.id for n in result.nodes}
    assert all(e.source in ids and e.target in ids for e in result.edges)
    assert all(n.type == "paper" and n.id.startswith("p:") for n in result.nodes)


def test_row_limit_truncates(store: EmbeddedStore) -> None:
    result = run_console_query(store, "MATCH (p:Paper) RETURN p.key", row_limit=7, timeout_s=30)
    assert len(result.rows) == 7 and result.truncated
    small = run_console_query(store, "MATCH (p:Paper) RETURN p.key LIMIT 3", row_limit=7, timeout_s=30)
    assert len(small.rows) == 3 and not small.truncated


WRITES = [
    "CREATE (n:Paper {key: 'x'}) RETURN n",
    "create (n:Paper {key: 'x'})",
    "MATCH (p:Paper) MERGE (p)-[:CITES]->(p)",
    "MATCH (p:Paper) SET p.title = 'x' RETURN p",
    "match (p:Paper) set p.title = 'x'",
    "MATCH (p:Paper) DELETE p",
    "MATCH (p:Paper) DETACH DELETE p",
    "MATCH (p:Paper) Detach Delete p",
    "MATCH (p:Paper) REMOVE p.title",
    "DROP INDEX paper_text",
    "DROP CONSTRAINT paper_key",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "MATCH (p:Paper) FOREACH (x IN [1] | SET p.x = x)",
    "CALL apoc.create.node(['Paper'], {key: 'x'})",
    "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {})",
    "CALL db.createLabel('Evil')",
    "CALL apoc.cypher.doIt('CREATE (n)', {})",
    "RETURN apoc.cypher.runFirstColumnSingle('CREATE (n) RETURN n', {})",
    "CALL apoc.merge.node(['Paper'], {key: 'x'})",
    "CALL apoc.refactor.rename.label('Paper', 'X')",
    "CALL apoc.load.json('http://example.org')",
    "CALL `apoc.create.node`(['X'], {})",
    "CALL apoc.do.when(true, 'CREATE (n)', '', {})",
    "CREATE/* hidden */(n)",
    "MATCH (p:Paper) /* a comment */ SET/**/p.x = 1",
    "MATCH (n) CALL (n) { DETACH DELETE n }",
    "MATCH (n) CALL { WITH n DELETE n } IN TRANSACTIONS",
    "CALL dbms.security.createUser('x', 'y', false)",
    "INSERT (n:Paper {key: 'x'})",
    # A `//` comment ends at any line terminator Neo4j's lexer knows, not only at \n.
    "MATCH (n) RETURN n // x\rDETACH DELETE n",
    "MATCH (n) RETURN n // x\u2028DETACH DELETE n",
    "MATCH (n) RETURN n // x\u2029DETACH DELETE n",
    "MATCH (n) RETURN n // x\u0085DETACH DELETE n",
    # Administration and other databases.
    "SHOW USERS",
    "SHOW DATABASES YIELD name RETURN name",
    "USE system MATCH (n) RETURN n",
    "USE system SHOW USERS",
    # LadybugDB's own statements that touch files, settings or the database.
    "COPY Paper FROM '/tmp/papers.csv'",
    "EXPORT DATABASE '/tmp/out'",
    "IMPORT DATABASE '/tmp/out'",
    "INSTALL httpfs",
    "LOAD EXTENSION httpfs",
    "ATTACH '/tmp/other.lbug' AS other",
    "CHECKPOINT",
    "BEGIN TRANSACTION",
    "CALL threads = 1",
]


@pytest.mark.parametrize("query", WRITES)
def test_every_write_path_is_refused(store: EmbeddedStore, query: str) -> None:
    before = store.index_hash()
    with pytest.raises(ReadOnlyViolation, match="read-only"):
        run_console_query(store, query, row_limit=10, timeout_s=5)
    assert store.index_hash() == before


@pytest.mark.parametrize(
    "query",
    [
        "RETURN 'CREATE'",
        'MATCH (p:Paper) WHERE p.title = "SET" RETURN p.key',
        "MATCH (p:Paper) // DELETE p\nRETURN p.key",
        "MATCH (p:Paper) /* MERGE */ RETURN p.key",
        "CALL db.labels()",
        "CALL db.index.fulltext.queryNodes('paper_text', 'anomaly') YIELD node RETURN node.key",
        "CALL gds.pageRank.stream('g') YIELD nodeId RETURN nodeId",
        "MATCH (p:Paper) RETURN p.`set`",
        "CALL { MATCH (p:Paper) RETURN p } RETURN p.key",
    ],
)
def test_reads_pass_the_write_check(query: str) -> None:
    check_read_only(query)


def test_string_literal_named_like_a_write_runs(store: EmbeddedStore) -> None:
    result = run_console_query(
        store,
        'MATCH (p:Paper) WHERE p.title <> "DETACH DELETE" RETURN p.key LIMIT 2',
        row_limit=10,
        timeout_s=30,
    )
    assert len(result.rows) == 2


@pytest.mark.parametrize(
    "query",
    [
        "CREATE (:Paper {key: 'x'})",
        "MATCH (p:Paper) SET p.title = 'x'",
        "MATCH (p:Paper) DETACH DELETE p",
        "COPY Paper FROM '/tmp/papers.csv'",
    ],
)
def test_the_engine_refuses_writes_the_guard_missed(store: EmbeddedStore, query: str) -> None:
    """Past the guard (called directly), the engine's read-only open still refuses the write."""
    before = store.index_hash()
    with pytest.raises(QueryError, match="read-only"):
        store.console_query(query, params={}, row_limit=10, timeout_s=10)
    after = run_console_query(
        store, "MATCH (p:Paper) RETURN count(*) AS n, min(p.title) AS t", row_limit=1, timeout_s=10
    )
    assert after.rows[0][0] == 40 and after.rows[0][1] != "x"
    assert store.index_hash() == before


def test_parameters_reach_the_engine(store: EmbeddedStore) -> None:
    keys = [p.key for p in store.iter_papers()][:2]
    result = run_console_query(
        store,
        "MATCH (p:Paper) WHERE p.key IN $keys AND p.year >= $year RETURN p.key AS key ORDER BY key",
        params={"keys": ["nope", *keys], "year": 1900},
        row_limit=10,
        timeout_s=30,
    )
    assert result.columns == ["key"] and result.rows == [[k] for k in sorted(keys)]


def test_what_the_engine_lacks_says_what_to_write(store: EmbeddedStore) -> None:
    with pytest.raises(QueryError, match="write label\\(r\\)"):
        run_console_query(store, "MATCH (p:Paper)-[r]->() RETURN type(r)", row_limit=10, timeout_s=30)
    with pytest.raises(QueryError, match="SHORTEST"):
        run_console_query(
            store, "MATCH p = shortestPath((a:Paper)-[*..3]-(b:Paper)) RETURN p", row_limit=10, timeout_s=30
        )


def test_empty_query_and_timeout(store: EmbeddedStore) -> None:
    with pytest.raises(QueryError, match="empty"):
        run_console_query(store, "  ", row_limit=10, timeout_s=5)
    # 40^5 paper quintuples filtered on their keys: seconds of work, stopped by the engine at 0.3 s.
    start = time.perf_counter()
    with pytest.raises(QueryError, match="ran past 0.3 s and was stopped"):
        run_console_query(
            store,
            "MATCH (a:Paper), (b:Paper), (c:Paper), (d:Paper), (e:Paper) "
            "WHERE a.key + b.key + c.key + d.key + e.key = 'none' RETURN count(*)",
            row_limit=10,
            timeout_s=0.3,
        )
    assert time.perf_counter() - start < 0.3 + GRACE_S + 2  # stopped, not left running


def test_a_runaway_query_is_killed_at_its_memory_budget(store: EmbeddedStore) -> None:
    """range() builds its lists before the timeout can act; the child is killed, this process stays small."""
    before = _rss_mb()
    with pytest.raises(QueryError, match=f"more than {MEMORY_BUDGET_BYTES >> 20} MB"):
        run_console_query(
            store,
            "UNWIND range(1, 100000000) AS x UNWIND range(1, 100000) AS y RETURN count(*)",
            row_limit=10,
            timeout_s=60,
        )
    assert _rss_mb() - before < 100
    # The console still answers afterwards.
    assert run_console_query(store, "MATCH (p:Paper) RETURN count(*)", row_limit=1, timeout_s=10).rows == [
        [40]
    ]


def _rss_mb() -> float:
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
