"""The read-only Cypher console on the embedded store, built from real arXiv snapshot lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hepgraph.errors import QueryError, ReadOnlyViolation
from hepgraph.graph.console import EMBEDDED_SUBSET_NOTE, EXAMPLE_QUERIES, check_read_only, run_console_query
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
    assert result.backend == "embedded" and result.subset_note == EMBEDDED_SUBSET_NOTE


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


def test_unsupported_query_names_the_subset(store: EmbeddedStore) -> None:
    with pytest.raises(QueryError, match="Cypher subset"):
        run_console_query(store, "MATCH (p:Paper) WITH p RETURN p.key", row_limit=10, timeout_s=30)


def test_empty_query_and_timeout(store: EmbeddedStore) -> None:
    with pytest.raises(QueryError, match="empty"):
        run_console_query(store, "  ", row_limit=10, timeout_s=5)
    # 40 x 40 x 40 paper triples, none of which matches (so no row limit ends it early): milliseconds of
    # pure-Python matching, ten times the timeout.
    with pytest.raises(QueryError, match="abandoned"):
        run_console_query(
            store,
            'MATCH (a:Paper) MATCH (b:Paper) MATCH (c:Paper) WHERE c.key = "none" RETURN a.key',
            row_limit=10,
            timeout_s=0.001,
        )
