"""The arXiv API (Atom) reader on a fixture response and on API errors."""

from __future__ import annotations

from pathlib import Path

from hepgraph.extract.sources import arxiv_atom
from hepgraph.models import PaperRecord, RecordProblem

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_query_response_records() -> None:
    items = list(arxiv_atom.read(FIXTURES / "atom" / "query.xml"))
    assert all(isinstance(i, PaperRecord) for i in items)
    assert [i.arxiv_id for i in items] == ["hep-th/9711200", "1905.11481", "2601.00183", "hep-ph/0601012"]
    feynman = items[1]
    assert feynman.categories == ["physics.comp-ph", "cs.LG", "hep-th"]  # primary first
    assert (feynman.date, feynman.updated) == ("2019-05-27", "2020-04-15")
    assert feynman.doi == "10.1126/sciadv.aay2631" and feynman.journal_ref == "Sci. Adv. 6 (2020) eaay2631"
    assert [a.name for a in feynman.authors] == ["Silviu-Marian Udrescu", "Max Tegmark"]
    assert items[0].title == "The Large N limit of superconformal field theories and supergravity"
    assert items[2].authors[0].key == "cms-collaboration"
    assert [i.location for i in items] == ["entry 1", "entry 2", "entry 3", "entry 4"]


def test_feed_info_for_paging() -> None:
    info = arxiv_atom.feed_info((FIXTURES / "atom" / "query.xml").read_bytes())
    assert (info.total, info.start, info.per_page, info.entries) == (7, 0, 4, 4)


def test_api_error_entry_is_a_problem() -> None:
    (problem,) = arxiv_atom.read(FIXTURES / "atom" / "error.xml")
    assert isinstance(problem, RecordProblem)
    assert "incorrect id format" in problem.reason and problem.location == "entry 1"


def test_parse_text_matches_read() -> None:
    path = FIXTURES / "atom" / "query.xml"
    from_text = list(arxiv_atom.parse_text(path.read_text(encoding="utf-8"), origin="query.xml"))
    assert from_text == list(arxiv_atom.read(path))


def test_entity_bomb_and_wrong_root() -> None:
    (bomb,) = arxiv_atom.read(FIXTURES / "bad" / "billion_laughs.xml")
    assert isinstance(bomb, RecordProblem) and "unsafe XML" in bomb.reason
    (wrong,) = arxiv_atom.read(FIXTURES / "oai" / "error.xml")
    assert isinstance(wrong, RecordProblem) and "not an Atom <feed>" in wrong.reason
