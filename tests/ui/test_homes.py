"""Empty and wrong homes: one clear line and nothing created for nothing, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hepgraph.ui.cli import app

runner = CliRunner()


@pytest.mark.parametrize("command", ["build", "ingest"])
def test_a_mistyped_path_creates_no_store(command: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = runner.invoke(app, ["--home", str(home), command, str(tmp_path / "data" / "samples")])
    assert done.exit_code == 2 and "no such file or directory" in done.output
    assert not home.exists()


def test_search_and_ask_on_a_store_without_papers_say_to_build(tmp_path: Path) -> None:
    home = tmp_path / "home"
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "not-an-id", "title": "t"}) + "\n", encoding="utf-8")
    made = runner.invoke(app, ["--home", str(home), "ingest", str(bad), "--on-error", "skip"])
    assert made.exit_code == 0 and (home / "hepgraph.sqlite").exists()
    for command in (["search", "jets"], ["ask", "jets"]):
        done = runner.invoke(app, ["--home", str(home), *command])
        assert done.exit_code == 2, done.output
        assert "holds no papers yet" in done.output and "build PATH" in done.output
        assert "Traceback" not in done.output and "WARNING" not in done.output


@pytest.mark.parametrize("command", [["build", "{x}"], ["stats"], ["search", "jets"]])
def test_a_home_that_is_a_file_is_one_clear_error(command: list[str], tmp_path: Path) -> None:
    home = tmp_path / "afile"
    home.write_text("not a folder", encoding="utf-8")
    (tmp_path / "x.jsonl").write_text("{}\n", encoding="utf-8")
    args = [c.format(x=tmp_path / "x.jsonl") for c in command]
    done = runner.invoke(app, ["--home", str(home), *args], catch_exceptions=False)
    assert done.exit_code == 2
    assert done.output.startswith(f"error: --home {home} is a file") and "Traceback" not in done.output
