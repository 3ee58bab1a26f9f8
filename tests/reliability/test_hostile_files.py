"""Files that used to abort or stall a whole ingest, even with --on-error skip, through the real CLI.

Each hostile file is ingested together with a good one: the run goes on, the good paper is stored, the
hostile record is stored repaired or skipped with its reason (catalogue cases 104-110).
"""

from __future__ import annotations

import doctest
import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from hepgraph.extract.sources import bibtex
from hepgraph.extract.sources.detect import read_path
from hepgraph.graph.embedded import EmbeddedStore
from hepgraph.models import RecordProblem
from hepgraph.pipeline.ingest import count_lines
from hepgraph.ui.cli import app

runner = CliRunner()
GOOD = {
    "id": "2101.00002",
    "title": "Good paper",
    "abstract": "Jets.",
    "authors": "A. Bee",
    "categories": "hep-ph",
}


def _corrupt_gzip(payload: bytes) -> bytes:
    data = bytearray(gzip.compress(payload))
    data[10] ^= 0xFF  # the first deflate block header: zlib.error, not an OSError
    data[11:16] = b"\x00" * 5
    return bytes(data)


def _hostile(name: str, tmp_path: Path) -> Path:
    path = tmp_path / name
    if name == "surrogate.jsonl":
        path.write_text('{"id": "2101.00001", "title": "bad \\ud800 title", "categories": "hep-ph"}\n')
    elif name == "deep.jsonl":
        path.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    elif name in ("corrupt.jsonl.gz", "corrupt.bib.gz"):
        # Corrupt in its first block: the suffix alone decides the reader.
        path.write_bytes(_corrupt_gzip(json.dumps(GOOD | {"id": "2101.00009"}).encode() + b"\n"))
    elif name == "encoding.xml":
        path.write_text('<?xml version="1.0" encoding="x-klingon"?><OAI-PMH></OAI-PMH>')
    elif name == "braces.bib":
        path.write_text(
            "@article{k, title={" + "{" * 50_000 + "Deep" + "}" * 50_000 + "}, eprint={2101.00003}}\n"
        )
    return path


@pytest.mark.parametrize(
    ("name", "reason", "papers"),
    [
        ("surrogate.jsonl", None, 2),
        ("deep.jsonl", "truncated or invalid JSON", 1),
        ("corrupt.jsonl.gz", "cannot read past this point", 1),
        ("corrupt.bib.gz", "cannot read the file", 1),
        ("encoding.xml", "unknown XML encoding", 1),
        ("braces.bib", None, 2),
    ],
)
def test_one_hostile_file_does_not_stop_the_run(
    name: str, reason: str | None, papers: int, tmp_path: Path
) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(GOOD) + "\n")
    home = tmp_path / "home"
    done = runner.invoke(
        app, ["--home", str(home), "ingest", str(_hostile(name, tmp_path)), str(good), "--on-error", "skip"]
    )
    assert done.exit_code == 0, done.output
    assert "Traceback" not in done.output
    if reason:
        assert f"skipped: {reason}" in done.output
    store = EmbeddedStore(home / "hepgraph.sqlite", read_only=True)
    stored = {p.key: p.title for p in store.iter_papers()}
    store.close()
    assert len(stored) == papers and stored["2101.00002"] == "Good paper"
    if name == "surrogate.jsonl":
        assert stored["2101.00001"] == "bad \N{REPLACEMENT CHARACTER} title"
    if name == "braces.bib":
        assert "Deep" in stored["2101.00003"]


def test_a_file_gone_after_listing_is_a_file_problem(tmp_path: Path) -> None:
    gone = tmp_path / "gone.jsonl"
    assert count_lines(gone) is None  # the progress total no longer raises FileNotFoundError
    (item,) = list(read_path(gone, "arxiv-jsonl"))
    assert isinstance(item, RecordProblem) and "cannot read" in item.reason


def _old_unbrace(value: str) -> str:
    """The quadratic version this replaced, as the reference for what stripping must give."""

    def balanced(s: str) -> bool:
        depth = 0
        for ch in s:
            depth += (ch == "{") - (ch == "}")
            if depth < 0:
                return False
        return depth == 0

    v = value.strip()
    while len(v) >= 2 and ((v[0] == "{" and v[-1] == "}" and balanced(v[1:-1])) or (v[0] == v[-1] == '"')):
        v = v[1:-1].strip()
    return v


@given(st.text(alphabet='{} a"\n', max_size=30))
def test_linear_unbrace_strips_exactly_what_the_old_one_did(value: str) -> None:
    assert bibtex._unbrace(value) == _old_unbrace(value)


def test_record_text_rules_doctests() -> None:
    from hepgraph import models

    assert doctest.testmod(models).failed == 0


def test_a_hostile_record_id_is_shown_escaped_and_cut(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x\x00" + "y" * 5000, "title": "t"}) + "\n")
    done = runner.invoke(app, ["--home", str(tmp_path / "home"), "ingest", str(bad), "--on-error", "skip"])
    assert done.exit_code == 0, done.output
    (line,) = [x for x in done.output.splitlines() if x.startswith("skipped bad.jsonl")]
    assert "x\\x00yyy" in line and "y" * 100 not in line and "\x00" not in done.output
