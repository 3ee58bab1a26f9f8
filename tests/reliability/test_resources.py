"""Over-size input is refused at its cap, with bounded memory, and the rest of the run goes on.

Catalogue cases 112-117 (README "Resource policy"): a 50 MB abstract took a build to 7.7 GB and 102 s,
a 1 GB JSONL line was read whole (2.2 GB RSS), and a question had a fixed cap no setting could change.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hepgraph.graph.embedded import EmbeddedStore
from hepgraph.ui.cli import app

runner = CliRunner()
BIG = 50_000_000


def _inspire(recid: int, abstract: str) -> dict:
    return {
        "control_number": recid,
        "arxiv_eprints": [{"value": f"2101.{recid:05d}", "categories": ["hep-ph"]}],
        "titles": [{"title": f"Paper {recid}"}],
        "abstracts": [{"value": abstract}],
    }


def _papers(home: Path) -> set[str]:
    store = EmbeddedStore(home / "hepgraph.sqlite", read_only=True)
    try:
        return {p.arxiv_id for p in store.iter_papers()}
    finally:
        store.close()


@pytest.fixture(scope="module")
def big_abstract_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An INSPIRE search response: a good record, one with a 50 MB abstract, another good record."""
    path = tmp_path_factory.mktemp("big") / "response.json"
    hits = [_inspire(1, "Jets."), _inspire(2, "x" * BIG), _inspire(3, "Flows.")]
    path.write_text(json.dumps({"hits": {"hits": [{"metadata": m} for m in hits]}}))
    return path


def test_a_50mb_abstract_is_one_problem_and_the_others_are_stored(
    big_abstract_file: Path, tmp_path: Path
) -> None:
    done = runner.invoke(
        app, ["--home", str(tmp_path), "ingest", str(big_abstract_file), "--on-error", "skip"]
    )
    assert done.exit_code == 0, done.output[-2000:]
    out = " ".join(done.output.split())
    assert (
        "response.json:record 2 (record 2101.00002): abstract is too long: 50,000,000 characters, over the "
        "20,000 allowed (HEPGRAPH_MAX_ABSTRACT_CHARS); shorten it or raise the cap"
    ) in out
    assert _papers(tmp_path) == {"2101.00001", "2101.00003"}


def test_a_50mb_abstract_stops_a_raise_run_after_the_records_before_it(
    big_abstract_file: Path, tmp_path: Path
) -> None:
    done = runner.invoke(app, ["--home", str(tmp_path), "ingest", str(big_abstract_file)])
    assert done.exit_code == 2
    assert "abstract is too long" in done.output and "HEPGRAPH_MAX_ABSTRACT_CHARS" in done.output
    assert _papers(tmp_path) == {"2101.00001"}


def test_a_raised_title_cap_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "titles.jsonl"
    rows = [{"id": "2101.00001", "title": "t" * 60, "abstract": "a"}, {"id": "2101.00002", "title": "ok"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    done = CliRunner(env={"HEPGRAPH_MAX_TITLE_CHARS": "50"}).invoke(
        app, ["--home", str(tmp_path / "h"), "ingest", str(path), "--on-error", "skip"]
    )
    assert done.exit_code == 0, done.output
    assert "title is too long: 60 characters, over the 50 allowed (HEPGRAPH_MAX_TITLE_CHARS)" in done.output
    assert _papers(tmp_path / "h") == {"2101.00002"}


# A child that runs the real CLI and reports its own peak RSS. Not getrusage: Linux carries ru_maxrss
# across fork and exec, so a child of this (large) pytest process would report the parent's peak.
# VmHWM belongs to the child's own address space.
_MEASURED_CLI = """
import sys
from hepgraph.ui.cli import app
try:
    app(sys.argv[1:], prog_name="hepgraph")
finally:
    with open("/proc/self/status") as status:
        hwm = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    print(f"peak-rss-kib {hwm}", file=sys.stderr)
"""


def _run_measured(*args: str) -> tuple[subprocess.CompletedProcess[str], int]:
    done = subprocess.run(
        [sys.executable, "-P", "-c", _MEASURED_CLI, *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "300"},
    )
    peak = re.search(r"peak-rss-kib (\d+)", done.stderr)
    assert peak, done.stderr[-2000:]
    return done, int(peak.group(1)) * 1024


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak RSS is read from Linux /proc")
def test_a_1gb_line_is_skipped_unread_with_bounded_memory(tmp_path: Path) -> None:
    """The 1 GiB line is sparse (no disk is used); it comes first, so format detection must not read it."""
    size = 2**30
    path = tmp_path / "snapshot.jsonl"
    with path.open("wb") as fh:
        fh.write(b'{"id": "2101.00009", "abstract": "')
        fh.seek(size)  # a hole: reads as NUL bytes
        fh.write(b'"}\n')
        for n in (1, 2):
            fh.write(
                json.dumps({"id": f"2101.0000{n}", "title": "Jets", "abstract": "Jets."}).encode() + b"\n"
            )
    home = tmp_path / "home"
    done, peak = _run_measured("--home", str(home), "ingest", str(path), "--on-error", "skip")
    assert done.returncode == 0, done.stderr[-2000:]
    out = " ".join(done.stdout.split())
    assert f"snapshot.jsonl:line 1: line is too long: {size + 2:,} bytes, over the 16,777,216 allowed" in out
    assert "(HEPGRAPH_MAX_LINE_BYTES); drop or split the line, or raise the cap" in out
    assert _papers(home) == {"2101.00001", "2101.00002"}
    print(f"peak RSS {peak / 2**20:.0f} MiB")  # shown with -s; the README quotes it
    assert peak < size / 4, f"peak RSS {peak / 2**20:.0f} MiB while skipping a {size / 2**20:.0f} MiB line"


def test_a_json_file_over_the_file_cap_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text(json.dumps([_inspire(1, "x" * 5000)]))
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "2101.00002", "title": "Jets"}) + "\n")
    done = CliRunner(env={"HEPGRAPH_MAX_FILE_BYTES": "4096"}).invoke(
        app, ["--home", str(tmp_path / "h"), "ingest", str(big), str(good), "--on-error", "skip"]
    )
    assert done.exit_code == 0, done.output
    out = " ".join(done.output.split())
    assert (
        "big.json:file: file is too big:" in out and "over the 4,096 allowed (HEPGRAPH_MAX_FILE_BYTES)" in out
    )
    assert _papers(tmp_path / "h") == {"2101.00002"}


@pytest.mark.parametrize("command", ["search", "ask"])
def test_an_over_long_question_is_one_line_naming_the_cap(command: str, tmp_path: Path) -> None:
    question = "Which graph neural networks tag jets? " * 4  # 152 characters
    done = CliRunner(env={"HEPGRAPH_MAX_QUESTION_CHARS": "100"}).invoke(
        app, ["--home", str(tmp_path), command, "--json", question]
    )
    assert done.exit_code == 2
    lines = done.output.strip().splitlines()
    assert len(lines) == 1, done.output
    assert lines[0] == (
        "error: the question is too long: 151 characters, over the 100 allowed "
        "(HEPGRAPH_MAX_QUESTION_CHARS); shorten it to at most 100"
    )


def test_the_ask_page_names_the_question_cap(sample_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HEPGRAPH_HOME", str(sample_home))
    monkeypatch.setenv("HEPGRAPH_MAX_QUESTION_CHARS", "20")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = AppTest.from_file(
            str(Path(__file__).resolve().parents[2] / "ui" / "app.py"), default_timeout=600
        )
        at.query_params["q"] = "Which graph neural networks tag jets?"
        at.run()
        assert not at.exception, at.exception
        errors = [e.value.replace("\\", "") for e in at.error]  # md_text escapes Markdown
        assert any("HEPGRAPH_MAX_QUESTION_CHARS" in e and "shorten it to at most 20" in e for e in errors), (
            errors
        )
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()


def test_a_gzip_that_unpacks_over_the_file_cap_is_refused(tmp_path: Path) -> None:
    import gzip

    bomb = tmp_path / "bomb.json.gz"  # 20 kB of gzip unpacking to 20 MB: read only to the cap
    bomb.write_bytes(gzip.compress(json.dumps([_inspire(1, "x" * 20_000_000)]).encode()))
    done = CliRunner(env={"HEPGRAPH_MAX_FILE_BYTES": "4096"}).invoke(
        app, ["--home", str(tmp_path / "h"), "ingest", str(bomb), "--format", "inspire", "--on-error", "skip"]
    )
    assert done.exit_code == 0, done.output
    out = " ".join(done.output.split())
    assert "file is too big: it unpacks to more than the 4,096 bytes allowed (HEPGRAPH_MAX_FILE_BYTES)" in out
