"""The citation TSV reader: the real Paperscape/INSPIRE edge list and node list, and bad rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from hepgraph.extract.sources import citations
from hepgraph.models import Citation, ExternalWork, RecordProblem

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad"


def _data_lines(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as fh:
        next(fh)
        return [line.rstrip("\n").split("\t") for line in fh if line.strip()]


@pytest.mark.slow
def test_every_real_edge_is_a_citation(corpus_dir: Path) -> None:
    path = corpus_dir / "citations" / "edges.tsv"
    rows = _data_lines(path)
    items = list(citations.read(path))
    assert all(isinstance(i, Citation) for i in items)
    assert len(items) == len(rows)
    assert [(c.citing, c.cited, c.source) for c in items[:2]] == [tuple(r[:2]) + (r[3],) for r in rows[:2]]
    assert {c.cited.split(":")[0] for c in items if ":" in c.cited} == {"doi", "inspire"}


def test_edge_slice_normalises_ids(corpus_dir: Path, tmp_path: Path) -> None:
    lines = (corpus_dir / "citations" / "edges.tsv").read_text(encoding="utf-8").splitlines()
    tail = [lines[0], *lines[-300:]]  # the INSPIRE and APS part: doi: and inspire: keys
    items = list(citations.parse_text("\n".join(tail), origin="edges.tsv"))
    assert len(items) == 300 and all(isinstance(i, Citation) for i in items)
    assert all(i.cited == i.cited.lower() for i in items if i.cited.startswith("doi:"))


def test_every_real_node_is_an_external_work(corpus_dir: Path) -> None:
    path = corpus_dir / "citations" / "paperscape-nodes.tsv"
    rows = _data_lines(path)
    items = list(citations.read(path))
    assert all(isinstance(i, ExternalWork) for i in items) and len(items) == len(rows)
    first = items[0]
    assert (first.key, first.categories, first.title) == (rows[0][0], rows[0][1].split(), rows[0][4])


def test_bad_rows_are_problems_with_line_numbers() -> None:
    items = list(citations.read(BAD / "bad_rows.tsv"))
    assert [type(i).__name__ for i in items] == ["Citation", "RecordProblem", "RecordProblem", "Citation"]
    assert [i.location for i in items if isinstance(i, RecordProblem)] == ["line 3", "line 4"]
    assert items[-1].cited == "doi:10.1103/physrevd.96.095036"


@pytest.mark.parametrize(
    ("name", "words"), [("unknown_header.tsv", "unknown TSV header"), ("empty.tsv", "empty")]
)
def test_file_level_problems(name: str, words: str) -> None:
    (problem,) = citations.read(BAD / name)
    assert isinstance(problem, RecordProblem) and words in problem.reason and problem.fix


def test_normalize_key() -> None:
    assert citations.normalize_key("arXiv:2505.13228v2") == "2505.13228"
    assert citations.normalize_key("doi:10.1103/PhysRevX.7.021021") == "doi:10.1103/physrevx.7.021021"
    assert citations.normalize_key("10.1103/PhysRevX.7.021021", "doi") == "doi:10.1103/physrevx.7.021021"
    assert citations.normalize_key("inspire:0176612") == "inspire:176612"
    assert citations.normalize_key("nonsense") is None
