"""Format detection, directory expansion and read_path dispatch."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from hepgraph.errors import UnknownFormatError
from hepgraph.extract.sources import detect
from hepgraph.models import PaperRecord

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_every_corpus_file_is_detected(corpus_dir: Path) -> None:
    expected = {
        "arxiv-hep.jsonl": "arxiv-jsonl",
        "arxiv-ml.jsonl": "arxiv-jsonl",
        "HEPML.bib": "bibtex",
        "edges.tsv": "citations",
        "paperscape-nodes.tsv": "citations",
        "references.jsonl": "inspire",
        "29177.json": "inspire",
        "record0.xml": "oai-pmh",
        "arxiv-physics-hep-ex.xml": "oai-pmh",
    }
    files = detect.iter_paths([corpus_dir])
    assert [f.name for f in files if f.name.upper().startswith("README")] == []
    names = {f.name: detect.detect_format(f) for f in files}
    assert {n: names[n] for n in expected} == expected
    assert files == sorted(files)
    assert set(names.values()) == {"arxiv-jsonl", "bibtex", "citations", "inspire", "oai-pmh"}


def test_atom_and_gzip_detection(corpus_dir: Path, tmp_path: Path) -> None:
    assert detect.detect_format(FIXTURES / "atom" / "query.xml") == "arxiv-atom"
    lines = (corpus_dir / "arxiv-ml.jsonl").read_bytes().splitlines(keepends=True)[:3]
    for name in ("snap.jsonl.gz", "snap.json.gz"):
        (tmp_path / name).write_bytes(gzip.compress(b"".join(lines)))
        assert detect.detect_format(tmp_path / name) == "arxiv-jsonl"
    snapshot = tmp_path / "arxiv-metadata-oai-snapshot.json"  # Kaggle's name for a JSONL file
    snapshot.write_bytes(b"".join(lines))
    assert detect.detect_format(snapshot) == "arxiv-jsonl"
    refs = tmp_path / "refs.jsonl.gz"
    refs.write_bytes(gzip.compress(json.dumps({"citing_arxiv_id": "1506.03091", "references": []}).encode()))
    assert detect.detect_format(refs) == "inspire"


def test_unknown_format_names_file_and_choices() -> None:
    with pytest.raises(UnknownFormatError) as err:
        detect.detect_format(FIXTURES / "bad" / "unknown.dat")
    message = str(err.value)
    assert "unknown.dat" in message and all(name in message for name in detect.FORMATS)
    with pytest.raises(UnknownFormatError):
        detect.detect_format(FIXTURES / "bad" / "unknown_header.tsv")


def test_explicit_unknown_file_raises_but_walk_skips_notes(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "atom" / "query.xml", tmp_path / "query.xml")
    (tmp_path / "README.md").write_text("notes", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("notes", encoding="utf-8")
    (tmp_path / ".hidden.jsonl").write_text("{}", encoding="utf-8")
    assert detect.iter_paths([tmp_path]) == [tmp_path / "query.xml"]
    with pytest.raises(UnknownFormatError, match="notes.txt"):
        detect.iter_paths([tmp_path / "notes.txt"])
    shutil.copy(FIXTURES / "bad" / "unknown.dat", tmp_path / "unknown.dat")
    with pytest.raises(UnknownFormatError, match="unknown.dat"):
        detect.iter_paths([tmp_path])
    with pytest.raises(UnknownFormatError, match="no such file"):
        detect.iter_paths([tmp_path / "missing.jsonl"])


def test_read_path_dispatches_and_accepts_a_format() -> None:
    items = list(detect.read_path(FIXTURES / "atom" / "query.xml"))
    assert len(items) == 4 and all(isinstance(i, PaperRecord) and i.source == "arxiv-atom" for i in items)
    forced = list(detect.read_path(FIXTURES / "bad" / "truncated.jsonl", "arxiv-jsonl"))
    assert len(forced) == 3
    with pytest.raises(UnknownFormatError, match="--format"):
        detect.read_path(FIXTURES / "atom" / "query.xml", "marc21")


def test_formats_registry_matches_record_sources() -> None:
    for name, module in detect.FORMATS.items():
        assert module.SOURCE == name and callable(module.read) and callable(module.parse_text)
