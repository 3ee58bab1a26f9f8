"""`hepgraph ingest` and `hepgraph stats` through typer's CliRunner, on real files and real stores."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hepgraph.ui.cli import app

runner = CliRunner()


def jsonl(arxiv_id: str, title: str) -> str:
    return (
        json.dumps(
            {
                "id": arxiv_id,
                "title": title,
                "abstract": "An abstract.",
                "authors": "A. One, B. Two",
                "categories": "hep-ex",
                "update_date": "2025-02-03",
            }
        )
        + "\n"
    )


def run(home: Path, *args: str):  # noqa: ANN201 - click's Result
    return runner.invoke(app, ["--home", str(home), *args])


def stats(home: Path) -> dict:
    result = run(home, "stats", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ingest_prints_summary_and_stats_json_counts(tmp_path: Path) -> None:
    f = tmp_path / "papers.jsonl"
    f.write_text(jsonl("2502.00001", "One") + jsonl("2502.00002", "Two"), encoding="utf-8")
    result = run(tmp_path / "home", "ingest", str(f))
    assert result.exit_code == 0, result.output
    assert "unique papers in store" in result.stdout
    counts = stats(tmp_path / "home")
    assert (counts["papers"], counts["papers_with_abstract"], counts["authors"]) == (2, 2, 2)
    assert set(counts) == {
        "papers",
        "papers_with_abstract",
        "authors",
        "citations",
        "external_works",
        "concepts",
        "edges",
    }
    again = run(tmp_path / "home", "ingest", str(f))
    assert again.exit_code == 0
    added_row = next(r for r in again.stdout.splitlines() if "papers added" in r)
    assert added_row.split()[-2] == "0"


def test_bad_record_stops_with_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "broken.jsonl"
    f.write_text(jsonl("2502.00001", "One") + '{"id": "2502.000\n', encoding="utf-8")
    result = run(tmp_path / "home", "ingest", str(f))
    assert result.exit_code == 2
    assert "error:" in result.stderr and "broken.jsonl:line 2" in result.stderr
    assert "Traceback" not in result.output
    assert stats(tmp_path / "home")["papers"] == 1  # the good line before it is stored


def test_skip_policy_counts_skipped_records_in_the_summary(tmp_path: Path) -> None:
    f = tmp_path / "broken.jsonl"
    f.write_text(jsonl("2502.00001", "One") + '{"id": "2502.000\n' + '{"title": "no id"}\n', encoding="utf-8")
    result = run(tmp_path / "home", "ingest", "--on-error", "skip", str(f))
    assert result.exit_code == 0, result.output
    skipped = [r for r in result.stdout.splitlines() if "skipped:" in r]
    assert len(skipped) == 2
    assert "broken.jsonl:line 3" in result.stdout


def test_invalid_policy_and_missing_store_fail_cleanly(tmp_path: Path) -> None:
    result = run(tmp_path / "home", "ingest", "--on-error", "maybe", str(tmp_path))
    assert result.exit_code == 2 and "skip or raise" in result.stderr
    result = run(tmp_path / "nowhere", "stats", "--json")
    assert result.exit_code == 2 and "no graph" in result.stderr


@pytest.mark.slow
@pytest.mark.corpus
def test_whole_corpus_twice(corpus_dir: Path, tmp_path: Path) -> None:
    """The acceptance run: every file of ../shared/corpus, then the same again."""
    home = tmp_path / "home"
    t0 = time.perf_counter()
    first = run(home, "ingest", str(corpus_dir))
    t1 = time.perf_counter()
    assert first.exit_code == 0, first.output
    counts = stats(home)
    second = run(home, "ingest", str(corpus_dir))
    t2 = time.perf_counter()
    assert second.exit_code == 0, second.output
    rows = {
        r.split("│")[1].strip(): r.split("│")[2].strip()
        for r in second.stdout.splitlines()
        if r.count("│") >= 3
    }
    print(f"\nfirst run {t1 - t0:.1f}s, second run {t2 - t1:.1f}s, stats {counts}")
    assert 13_900 <= counts["papers"] <= 14_200
    assert counts["citations"] > 130_000 and counts["authors"] > 20_000
    assert (rows["papers added"], rows["papers updated"]) == ("0", "0")
    assert stats(home) == counts
