"""`hepgraph cypher`: the read-only console from the terminal, through the real CLI on the sample store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hepgraph.ui.cli import app

runner = CliRunner()


def _cypher(home: Path, *args: str) -> object:
    return runner.invoke(app, ["--home", str(home), "cypher", *args], catch_exceptions=False)


def test_a_table_of_rows(sample_home: Path) -> None:
    done = _cypher(sample_home, "MATCH (p:Paper) RETURN p.key AS key, p.year AS year ORDER BY key LIMIT 3")
    assert done.exit_code == 0, done.output
    assert "key" in done.output and "year" in done.output and "3 rows - embedded" in done.output


def test_json_rows_with_parameters(sample_home: Path) -> None:
    listed = _cypher(sample_home, "MATCH (p:Paper) RETURN p.key ORDER BY p.key", "--json")
    everything = json.loads(listed.output)
    keys = [row[0] for row in everything["rows"]]
    done = _cypher(
        sample_home,
        "MATCH (p:Paper) WHERE p.key IN $keys AND p.year >= $year RETURN p.key AS key ORDER BY key",
        "--param",
        json.dumps(keys[:2]).join(["keys=", ""]),
        "--param",
        "year=1990",
        "--json",
    )
    answer = json.loads(done.output)
    assert answer["columns"] == ["key"] and answer["rows"] == [[k] for k in keys[:2]]
    assert answer["backend"] == "embedded" and answer["truncated"] is False


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["MATCH (p:Paper) DETACH DELETE p"], "read-only"),
        (["MATCH (n) RETURN n // x\rDETACH DELETE n"], "read-only"),
        (["MATCH (p:Paper) RETURN p.key", "--param", "nonsense"], "NAME=VALUE"),
        (["MATCH (p:Paper)-[r]->() RETURN type(r)"], "write label(r)"),
    ],
)
def test_refusals_are_one_line(sample_home: Path, args: list[str], says: str) -> None:
    before = json.loads(runner.invoke(app, ["--home", str(sample_home), "stats", "--json"]).output)
    done = _cypher(sample_home, *args)
    assert done.exit_code == 2 and done.output.startswith("error: ") and says in done.output
    assert "Traceback" not in done.output
    assert json.loads(runner.invoke(app, ["--home", str(sample_home), "stats", "--json"]).output) == before
