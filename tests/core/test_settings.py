"""Settings from the environment: a bad value is one clear line naming the variable, never a traceback."""

from __future__ import annotations

import doctest

import pytest
from typer.testing import CliRunner

from hepgraph import settings
from hepgraph.ui.cli import app

runner = CliRunner()


def test_settings_doctests() -> None:
    assert doctest.testmod(settings).failed == 0


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("HEPGRAPH_CONSOLE_ROW_LIMIT", "abc", "valid integer"),
        ("HEPGRAPH_CONSOLE_ROW_LIMIT", "-5", "greater than 0"),
        ("HEPGRAPH_CONSOLE_TIMEOUT_S", "0", "greater than 0"),
        ("HEPGRAPH_NEO4J_BATCH_SIZE", "-1", "greater than 0"),
        ("HEPGRAPH_UI_PORT", "70000", "less than or equal to 65535"),
        ("HEPGRAPH_BACKEND", "sqlite", "'embedded' or 'neo4j'"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(
    name: str, value: str, says: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    done = runner.invoke(app, ["--home", str(tmp_path), "stats"])
    assert done.exit_code == 2
    assert done.output.startswith(f"error: {name}={value!r}: ") and says in done.output
    assert "unset it or set a valid value" in done.output and "Traceback" not in done.output
    assert len(done.output.strip().splitlines()) == 1
