"""`hepgraph search` end to end: a real slice built by `hepgraph build`, searched by the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hepgraph.results import RetrievalResult
from hepgraph.ui.cli import app
from hepgraph.ui.cmd_search import read_batch

runner = CliRunner()


@pytest.fixture(scope="module")
def cli_home(hepml_slice_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the first 80 papers of the HEP-ML slice, built through the CLI."""
    root = tmp_path_factory.mktemp("cli-search")
    small = root / "small.jsonl"
    lines = hepml_slice_file.read_text(encoding="utf-8").splitlines(True)[:80]
    small.write_text("".join(lines), encoding="utf-8")
    home = root / "home"
    done = runner.invoke(app, ["--home", str(home), "build", str(small), "--json"])
    assert done.exit_code == 0, done.output
    return home


def test_search_json_is_a_retrieval_result(cli_home: Path) -> None:
    args = ["--home", str(cli_home), "search", "neural network jet tagging", "--k", "5", "--json"]
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    result = RetrievalResult.model_validate_json(out.stdout)
    assert len(result.results) == 5
    assert result.index_hash and result.query == "neural network jet tagging"
    again = runner.invoke(app, args)
    back = RetrievalResult.model_validate_json(again.stdout)
    assert [(r.key, r.score) for r in back.results] == [(r.key, r.score) for r in result.results]


def test_search_table_lists_ranked_papers(cli_home: Path) -> None:
    out = runner.invoke(app, ["--home", str(cli_home), "search", "anomaly detection", "--k", "3"])
    assert out.exit_code == 0, out.output
    assert "%" in out.stdout and "index" in out.stdout
    assert sum(line.strip().startswith(("│ 1 ", "│ 2 ", "│ 3 ")) for line in out.stdout.splitlines()) >= 3


def test_search_batch_prints_one_json_object_per_query(cli_home: Path, tmp_path: Path) -> None:
    tsv = tmp_path / "queries.tsv"
    rows = "qid\tquery\thepml_category\nq1\tgraph neural networks\tignored\n\nq2\tanomaly detection\n"
    tsv.write_text(rows, encoding="utf-8")
    out = runner.invoke(app, ["--home", str(cli_home), "search", "--batch", str(tsv), "--k", "4", "--json"])
    assert out.exit_code == 0, out.output
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert [d["qid"] for d in lines] == ["q1", "q2"]
    for d in lines:
        assert set(d) == {"qid", "results", "index_hash", "ms"}
        assert len(d["results"]) == 4
        assert all(set(r) == {"arxiv_id", "score"} for r in d["results"])
        scores = [r["score"] for r in d["results"]]
        assert scores == sorted(scores, reverse=True)
    assert lines[0]["index_hash"] == lines[1]["index_hash"]


def test_search_empty_question_fails_clearly(cli_home: Path) -> None:
    out = runner.invoke(app, ["--home", str(cli_home), "search", "   "])
    assert out.exit_code == 2
    assert "empty" in out.output


def test_search_without_a_store_names_the_fix(tmp_path: Path) -> None:
    out = runner.invoke(app, ["--home", str(tmp_path / "nothing"), "search", "jets"])
    assert out.exit_code == 2
    assert "build" in out.output


def test_read_batch_rejects_lines_without_a_tab(tmp_path: Path) -> None:
    from hepgraph.errors import QueryError

    bad = tmp_path / "bad.tsv"
    bad.write_text("q1 only spaces here\n", encoding="utf-8")
    with pytest.raises(QueryError, match="tab"):
        list(read_batch(bad))


def test_search_logs_no_library_debug_lines(cli_home: Path, tmp_path: Path) -> None:
    """Without -v only warnings are logged, from any library: bm25s sets its logger to DEBUG on import."""
    home = tmp_path / "home"
    shutil.copytree(cli_home, home)
    for cached in (home / "cache").glob("bm25-*"):
        shutil.rmtree(cached)  # the index is rebuilt, which is when bm25s logs
    proc = subprocess.run(
        [sys.executable, "-m", "hepgraph.ui", "--home", str(home), "search", "anomaly detection", "--k", "3"],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "anomaly" in proc.stdout.lower()
    assert "DEBUG" not in proc.stdout + proc.stderr, proc.stderr


def test_the_table_shows_the_calibrated_relevance_not_the_score(
    cli_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hepgraph import calibration

    monkeypatch.setattr(calibration, "_shipped", lambda: calibration.Calibration(x=[0.0, 1.0], y=[0.0, 0.5]))
    args = ["--home", str(cli_home), "search", "anomaly detection", "--k", "3"]
    as_json = RetrievalResult.model_validate_json(runner.invoke(app, [*args, "--json"]).stdout)
    table = runner.invoke(app, args).stdout
    cells = [line.split("│") for line in table.splitlines() if line.count("│") > 3]
    shown = [c[2].strip() for c in cells if c[1].strip().isdigit()]
    assert shown == [f"{r.score / 2:.0%}" for r in as_json.results]
    assert all(r.relevance == round(r.score / 2, 4) for r in as_json.results)
