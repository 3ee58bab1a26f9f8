"""Every Cypher statement hepgraph sends passes Neo4j's own parser and semantic analysis (offline).

tools/cypher-lint wraps npm @neo4j-cypher/language-support; CI's `make install` runs `npm ci` there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hepgraph.graph import cypher
from hepgraph.graph import cypher_registry as registry

REPO = Path(__file__).resolve().parents[2]
LINT_DIR = REPO / "tools" / "cypher-lint"


def _need_linter() -> str:
    node = shutil.which("node")
    missing = "node" if node is None else None
    if node and not (LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        missing = f"{LINT_DIR}/node_modules (run `npm ci --prefix tools/cypher-lint`)"
    if missing:
        reason = f"the Cypher linter needs {missing}"
        if os.environ.get("HEPGRAPH_REQUIRE_CORPUS"):
            pytest.fail(f"HEPGRAPH_REQUIRE_CORPUS is set but {reason}")
        pytest.skip(reason)
    return node  # type: ignore[return-value]


def _lint(statements: list[dict]) -> subprocess.CompletedProcess[str]:
    node = _need_linter()
    return subprocess.run(
        [node, str(LINT_DIR / "lint.mjs")],
        input=json.dumps(statements),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_every_statement_lints_clean() -> None:
    statements = [
        {"name": n, "query": q, "parameters": registry.PARAMETERS[n]}
        for n, q in registry.ALL_STATEMENTS.items()
    ]
    done = _lint(statements)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(statements)} statements checked, 0 errors" in done.stderr
    assert len(statements) >= 75  # schema, writes, reads, stats, console examples


def test_registry_holds_every_module_constant() -> None:
    constants = {
        n for n, v in vars(cypher).items() if n.isupper() and isinstance(v, str) and not n.startswith("_")
    }
    sent = {
        n
        for n in constants
        if any(w in vars(cypher)[n] for w in ("MATCH", "MERGE", "CALL", "RETURN", "UNWIND"))
    }
    assert sent <= set(registry.ALL_STATEMENTS), sorted(sent - set(registry.ALL_STATEMENTS))


@pytest.mark.parametrize(
    ("query", "parameters", "expected"),
    [
        ("MATCH (n RETURN n", {}, "Invalid input"),
        ("MATCH (n:Paper) RETURN m", {}, "Variable `m` not defined"),
        ("MATCH (n:Paper {key: $key}) RETURN n", {}, "Parameter $key is not defined"),
        (
            "UNWIND $rows AS row MERGE (p:Paper {key: row.key}) SET p += rows.props",
            {"rows": []},
            "Variable `rows` not defined",
        ),
    ],
    ids=["syntax", "undefined-variable", "undeclared-parameter", "typo-in-batched-write"],
)
def test_linter_fails_on_broken_statement(query: str, parameters: dict, expected: str) -> None:
    ok = {"name": "ok", "query": "MATCH (n:Paper {key: $key}) RETURN n.key", "parameters": {"key": "x"}}
    done = _lint([ok, {"name": "broken", "query": query, "parameters": parameters}])
    assert done.returncode == 1
    assert expected in done.stdout
    assert "broken" in done.stdout and "error: ok:" not in done.stdout


def test_vector_index_dimension_is_validated() -> None:
    from hepgraph.errors import ConfigError

    assert "`vector.dimensions`: 384" in cypher.vector_index_statements(384)[0]
    for bad in (0, -1, "384", 384.0, True, 10**6):
        with pytest.raises(ConfigError):
            cypher.vector_index_statements(bad)  # type: ignore[arg-type]


def test_link_statement_only_for_known_relations() -> None:
    assert "[r:USES_METHOD]" in cypher.link_write_statement("USES_METHOD")
    with pytest.raises(ValueError, match="unknown paper->concept relation"):
        cypher.link_write_statement("USES_METHOD]->(c) DETACH DELETE c //")
