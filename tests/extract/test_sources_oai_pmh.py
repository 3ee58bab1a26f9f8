"""The OAI-PMH reader on every real harvest response and on protocol edge cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hepgraph.extract.sources import oai_pmh
from hepgraph.models import PaperRecord, RecordProblem

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _oai_files(corpus_dir: Path) -> list[Path]:
    files = sorted((corpus_dir / "oai-pmh").glob("*.xml"))
    assert files, "no OAI-PMH responses in the corpus"
    return files


def test_every_real_response_parses(corpus_dir: Path) -> None:
    for path in _oai_files(corpus_dir):
        text = path.read_text(encoding="utf-8")
        items = list(oai_pmh.read(path))
        assert [i for i in items if isinstance(i, RecordProblem)] == [], path.name
        ids = re.findall(r"<id>([^<]+)</id>", text)
        assert [i.arxiv_id for i in items] == ids, path.name
        assert [i.location for i in items] == [f"record {n}" for n in range(1, len(ids) + 1)]
        assert all(i.title and i.abstract and i.authors and i.categories and i.date for i in items), path.name


def test_list_records_fields(corpus_dir: Path) -> None:
    first = next(oai_pmh.read(corpus_dir / "oai-pmh" / "arxiv-physics-hep-ex.xml"))
    assert isinstance(first, PaperRecord)
    assert (first.arxiv_id, first.date, first.updated) == ("1706.05371", "2017-06-16", "2017-12-12")
    assert first.authors[0].name == "Tyler Anderson" and first.authors[0].key == "anderson_t"
    assert "\n" not in first.title


def test_quirky_real_records(corpus_dir: Path) -> None:
    """Real dumps: no arXiv namespace, several DOIs in one element, two keynames, ':' as an author."""
    (no_ns,) = oai_pmh.read(corpus_dir / "oai-pmh" / "record0.xml")
    assert no_ns.arxiv_id == "1601.03238" and no_ns.doi == "10.1103/physrevd.93.016005"
    assert no_ns.journal_ref == "Phys.Rev. D93 (2015) 016005"
    (two_keynames,) = oai_pmh.read(corpus_dir / "oai-pmh" / "record7.xml")
    assert two_keynames.authors[0].name == "Curtis J. Saxton Walton"
    (colon,) = oai_pmh.read(corpus_dir / "oai-pmh" / "record4.xml")
    assert all(a.name.strip(": ") for a in colon.authors)


def test_arxivraw_versions_give_first_and_last_dates() -> None:
    items = list(oai_pmh.read(FIXTURES / "oai" / "arxivraw.xml"))
    assert all(isinstance(i, PaperRecord) for i in items)  # the deleted record is skipped, not a problem
    maldacena, feynman = items
    assert (maldacena.arxiv_id, maldacena.date, maldacena.updated) == (
        "hep-th/9711200",
        "1997-11-27",
        "1998-01-22",
    )
    assert [a.name for a in feynman.authors] == ["Silviu-Marian Udrescu", "Max Tegmark"]
    assert feynman.doi == "10.1126/sciadv.aay2631" and feynman.categories[0] == "physics.comp-ph"


def test_resumption_token() -> None:
    assert oai_pmh.resumption_token((FIXTURES / "oai" / "arxivraw.xml").read_bytes()) == "fixture|1001"
    assert oai_pmh.resumption_token((FIXTURES / "oai" / "error.xml").read_bytes()) is None


def test_error_response_is_a_problem_and_empty_harvest_is_not() -> None:
    (problem,) = oai_pmh.read(FIXTURES / "oai" / "error.xml")
    assert isinstance(problem, RecordProblem) and "badArgument" in problem.reason and problem.fix
    assert list(oai_pmh.read(FIXTURES / "oai" / "no_records.xml")) == []


def test_unsupported_metadata_format_is_a_problem() -> None:
    (problem,) = oai_pmh.read(FIXTURES / "oai" / "oai_dc.xml")
    assert isinstance(problem, RecordProblem) and "metadataPrefix=arXiv" in problem.fix
    assert problem.record_id == "oai:arXiv.org:hep-th/9711200"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("empty.xml", "empty"),
        ("not_wellformed.xml", "not well-formed"),
        ("latin1.xml", "UTF-8"),
        ("billion_laughs.xml", "unsafe XML"),
    ],
)
def test_broken_files_are_one_file_problem(name: str, words: str) -> None:
    (problem,) = oai_pmh.read(FIXTURES / "bad" / name)
    assert isinstance(problem, RecordProblem)
    assert problem.location == "file" and problem.origin == name and words in problem.reason and problem.fix


def test_catalogue_entity_bomb_is_refused() -> None:
    (problem,) = oai_pmh.read(FIXTURES / "catalogue" / "entity_bomb.oai.xml")
    assert isinstance(problem, RecordProblem) and "EntitiesForbidden" in problem.reason
