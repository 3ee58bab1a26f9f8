"""`hepgraph harvest` and `hepgraph update` against the local replay of real arXiv and INSPIRE responses."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from replay_server import Replay, ReplayServer, inspire_records, oai_records
from typer.testing import CliRunner

from hepgraph.ui.cli import app

pytestmark = pytest.mark.corpus


@pytest.fixture
def replay(corpus_dir: Path) -> Replay:
    return Replay(
        records=oai_records(corpus_dir / "oai-pmh"), inspire=inspire_records(corpus_dir / "inspire")
    )


def _harvest_cmd(home: Path, url: str, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "hepgraph.ui", "--home", str(home), "harvest", "oai",
        "--set", "physics", "--endpoint", f"{url}/oai", "--delay", "0", "--out", str(out),
    ]  # fmt: skip


def _ingest(home: Path, folder: Path) -> dict[str, set]:
    result = CliRunner().invoke(app, ["--home", str(home), "ingest", str(folder)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(home / "hepgraph.sqlite") as conn:
        return {
            "papers": set(conn.execute("SELECT key, hash FROM papers")),
            "wrote": set(conn.execute("SELECT author_key, paper_key, position FROM wrote")),
            "paper_ids": set(conn.execute("SELECT id, key FROM paper_ids")),
        }


def _pages(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("page-*.xml"))}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_harvest_killed_at_a_random_point_and_rerun_ends_with_the_uninterrupted_store(
    corpus_dir: Path, tmp_path: Path, seed: int
) -> None:
    clean = Replay(records=oai_records(corpus_dir / "oai-pmh"), page_size=2)
    with ReplayServer(clean) as server:
        done = subprocess.run(_harvest_cmd(tmp_path / "h1", server.url, tmp_path / "a"), capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    pages = len(_pages(tmp_path / "a"))
    assert pages >= 5

    rng = random.Random(seed)
    killed = Replay(records=clean.records, page_size=2, delay_s=0.2)
    with ReplayServer(killed) as server:
        proc = subprocess.Popen(_harvest_cmd(tmp_path / "h2", server.url, tmp_path / "b"))
        target = rng.randint(1, pages - 1)
        while killed.requests < target and proc.poll() is None:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.25))  # anywhere in the request, the write or the state update
        proc.kill()
        proc.wait()
        partial, served = len(_pages(tmp_path / "b")), killed.requests
        rerun = subprocess.run(_harvest_cmd(tmp_path / "h2", server.url, tmp_path / "b"), capture_output=True)
    assert rerun.returncode == 0, rerun.stderr.decode()
    assert partial < pages, "the kill came after the harvest had finished"
    # The rerun resumed: it fetched the pages the killed run had not written (and at most one again).
    assert killed.requests - served <= pages - partial + 1
    assert _pages(tmp_path / "b") == _pages(tmp_path / "a")
    assert _ingest(tmp_path / "s2", tmp_path / "b") == _ingest(tmp_path / "s1", tmp_path / "a")


def test_harvest_subcommands_print_where_the_files_are_and_refuse_bad_input(
    replay: Replay, corpus_dir: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    home = ["--home", str(tmp_path / "home")]
    with ReplayServer(replay) as server:
        oai = [*home, "harvest", "oai", "--set", "physics:hep-ex", "--from", "2016-01-01"]
        first = runner.invoke(app, [*oai, "--endpoint", f"{server.url}/oai", "--delay", "0"])
        again = runner.invoke(app, [*oai, "--endpoint", f"{server.url}/oai", "--delay", "0"])
        pages = str(tmp_path / "home" / "harvest")
        inspire = runner.invoke(
            app,
            [
                *home,
                "harvest",
                "inspire",
                "--pages",
                pages,
                "--endpoint",
                f"{server.url}/api",
                "--delay",
                "0",
            ],
        )
    assert first.exit_code == 0, first.output
    folder = tmp_path / "home" / "harvest" / "oai" / "physics-hep-ex" / "2016-01-01--open"
    assert f"hepgraph build {folder}" in first.output.replace("\n", "")
    assert "already complete" in again.output
    assert inspire.exit_code == 0, inspire.output
    assert len(list((tmp_path / "home" / "harvest" / "inspire").glob("inspire-*.json"))) == 1
    bad_date = runner.invoke(app, [*home, "harvest", "oai", "--from", "2016-02-30"])
    assert bad_date.exit_code == 2 and "--from '2016-02-30' is not a date" in bad_date.output
    (tmp_path / "ids.txt").write_text("2401.00001\n2401.0000x1\n")
    bad_ids = runner.invoke(app, [*home, "harvest", "arxiv", "--ids", str(tmp_path / "ids.txt")])
    assert bad_ids.exit_code == 2 and "ids.txt:2" in bad_ids.output


def _update(home: Path, *args: str) -> dict:
    result = CliRunner().invoke(app, ["--home", str(home), "update", "--delay", "0", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout[result.stdout.index("{") :])


@pytest.mark.slow
def test_update_harvests_since_the_last_date_and_builds_only_what_changed(
    replay: Replay, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    physics = [r for r in replay.records if any(s.startswith("physics") for s in r.sets)]
    replay.today = "2016-03-31"
    early = [r for r in physics if "2015-01-01" <= r.datestamp <= replay.today]
    with ReplayServer(replay) as server:
        refused = CliRunner().invoke(app, ["--home", str(home), "update", "--endpoint", f"{server.url}/oai"])
        assert refused.exit_code == 2 and "hepgraph update --set" in refused.output
        first = _update(home, "--set", "physics", "--from", "2015-01-01", "--endpoint", f"{server.url}/oai",
                        "--inspire", "--inspire-endpoint", f"{server.url}/api")  # fmt: skip
        assert first["papers_added"] == first["records_harvested"] == len(early) > 0
        assert first["next_from"] == {"physics": "2016-03-31"} and first["inspire_files"] == 1

        replay.today = "2099-12-31"  # time passes: the rest of the records appear
        second = _update(home)
        later = [r for r in physics if r.datestamp >= "2016-03-31"]
        assert second["windows"] == {"physics": "2016-03-31.."}
        assert second["records_harvested"] == len(later)
        assert second["papers_added"] == len(physics) - len(early)
        assert second["papers_updated"] == 0 and second["papers_total"] == len(physics)

        third = _update(home)
    assert third["papers_added"] == third["papers_updated"] == 0
    assert third["next_from"] == {"physics": "2099-12-31"}
