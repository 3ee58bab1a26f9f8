"""Fuzz every reader and format detection, plain and gzipped, in CI's budget (about 30 s in all).

Inputs and the property are in fuzz_harness.py: mutated tiny seeds of each format and raw bytes, read
from a real file; only hepgraph's errors may escape, items are typed, no file reads for longer than
HANG_S. Derandomized, so CI runs the same examples every time; ``benchmarks/fuzz.py`` runs for longer
with fresh randomness. FUZZ_READERS_N sets the examples per target.
"""

from __future__ import annotations

import gzip
import os
import tempfile
import time
from pathlib import Path

import pytest
from fuzz_harness import TARGETS, Hang, run_one
from fuzz_harness import inputs as fuzz_inputs
from hypothesis import HealthCheck, given, settings

from hepgraph.extract.sources import detect
from hepgraph.models import RecordProblem

_SCRATCH = Path(tempfile.mkdtemp(prefix="hepgraph-fuzz-readers-"))
_CI = settings(
    max_examples=int(os.environ.get("FUZZ_READERS_N", "300")),
    derandomize=True,
    database=None,
    deadline=None,  # the hang bound is the harness's alarm (HANG_S): wall-clock deadlines flake on CI
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_reader_turns_any_bytes_into_records_or_problems(name: str) -> None:
    """Damaged input of every format, plain and gzipped: typed items or hepgraph errors, never a traceback."""
    target = TARGETS[name]

    @_CI
    @given(fuzz_inputs(target))
    def fuzz(data: bytes) -> None:
        run_one(target, data, _SCRATCH)

    fuzz()


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_seed_reads_without_a_problem(name: str) -> None:
    """The seeds are valid files of their format: read plainly, they give records and no problem.

    Was: every ``.xml.gz`` / ``.atom.gz`` was detected as OAI-PMH or Atom, then read as raw gzip bytes
    (``bytes are not UTF-8 (byte 1)``), so no gzipped harvest could be ingested.
    """
    target = TARGETS[name]
    for n, seed in enumerate(target.seeds):
        path = _SCRATCH / f"seed{n}{target.suffix}"
        path.write_bytes(gzip.compress(seed) if target.gz else seed)
        assert detect.detect_format(path) == target.fmt
        items = list(detect.read_path(path))
        assert items and not [i for i in items if isinstance(i, RecordProblem)], items


def test_the_harness_reports_a_foreign_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    """The property can fail: a reader that raises something of its own is caught, not passed over."""

    def broken(path: Path, limits: object):  # noqa: ANN202
        msg = "authors"
        raise KeyError(msg)
        yield  # a generator, like the readers

    monkeypatch.setitem(detect.FORMATS, "bibtex", type("M", (), {"read": staticmethod(broken)}))
    with pytest.raises(KeyError):
        run_one(TARGETS["bibtex"], TARGETS["bibtex"].seeds[0], _SCRATCH)


def test_the_harness_reports_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader that never returns is stopped at HANG_S and reported as a Hang."""

    def stuck(path: Path, limits: object):  # noqa: ANN202
        time.sleep(60)
        yield

    monkeypatch.setattr("fuzz_harness.HANG_S", 0.2)
    monkeypatch.setitem(detect.FORMATS, "citations", type("M", (), {"read": staticmethod(stuck)}))
    with pytest.raises(Hang):
        run_one(TARGETS["citations"], TARGETS["citations"].seeds[0], _SCRATCH)


# Crashes the long run found (benchmarks/fuzz.py --engine atheris), minimized by hand; CATALOGUE.md numbers
# (123-125 since the catalogues of two branches were merged).
_FOUND = {
    # 123: expat refuses to stream UTF-7 with a ValueError, which escaped both XML readers.
    "utf7-oai": ("oai-pmh", b'<?xml version="1.0" encoding="UTF-7"?><OAI-PMH/>'),
    "utf7-atom": ("arxiv-atom", b'<?xml version="1.0" encoding="UTF-7"?>\n<feed xmlns="x"/>'),
    "utf7-atom-gz": ("arxiv-atom.gz", gzip.compress(b'<?xml version="1.0" encoding="utf-7"?><feed/>')),
}


@pytest.mark.parametrize("case", sorted(_FOUND))
def test_found_crash_is_one_file_problem(case: str) -> None:
    """Each input the fuzzer crashed on: one RecordProblem that names a fix, and the harness passes."""
    name, data = _FOUND[case]
    run_one(TARGETS[name], data, _SCRATCH)
    path = _SCRATCH / f"found{TARGETS[name].suffix}"
    path.write_bytes(data)
    items = list(detect.read_path(path, TARGETS[name].fmt))
    assert len(items) == 1 and isinstance(items[0], RecordProblem), items
    assert "encoding" in items[0].reason and items[0].fix
