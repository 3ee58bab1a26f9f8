"""The BibTeX reader on the HEPML Living Review bibliography and on broken entries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hepgraph.extract.sources import bibtex
from hepgraph.models import PaperRecord, RecordProblem

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad"


@pytest.fixture(scope="module")
def hepml(corpus_dir: Path) -> tuple[str, list]:
    path = corpus_dir / "HEPML.bib"
    return path.read_text(encoding="utf-8"), list(bibtex.read(path))


def test_every_hepml_entry_is_a_record(hepml: tuple[str, list]) -> None:
    text, items = hepml
    entries = re.findall(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", text, flags=re.M)
    assert [i for i in items if isinstance(i, RecordProblem)] == []
    assert [i.bibkey for i in items] == entries
    with_eprint = re.findall(r"^\s*eprint\s*=", text, flags=re.M | re.I)
    assert sum(1 for i in items if i.arxiv_id) == len(with_eprint)
    assert len({i.key for i in items}) >= 0.99 * len(items)


def test_hepml_fields(hepml: tuple[str, list]) -> None:
    _, items = hepml
    by_key = {i.bibkey: i for i in items}
    araz = by_key["Araz:2026img"]
    assert (araz.arxiv_id, araz.date, araz.categories) == ("2606.13780", "2026-06", ["hep-ph"])
    assert araz.title.startswith("Conformal calibration") and "{" not in araz.title
    lachner = by_key["Lachner:2026lqn"]
    assert lachner.authors[1].name == "Saúl Alonso-Monsalve" and lachner.authors[1].key == "alonso-monsalve_s"
    assert by_key["collado2021learning"].arxiv_id == "2102.02278"  # eprint = {{2102.02278}}
    assert by_key["D0:2000vuh"].arxiv_id == "hep-ex/0006011"
    doi_only = by_key["DeZoort:2023vrm"]
    assert doi_only.arxiv_id is None and doi_only.key == "doi:10.1038/s42254-023-00569-0"
    assert all(i.date and re.fullmatch(r"\d{4}(-\d{2})?", i.date) for i in items if i.date)


def test_titles_keep_latex_but_lose_protective_braces() -> None:
    assert (
        bibtex.clean_title("{Search for $t\\bar{t}H$ with {QCD} {{ATLAS}}}")
        == "Search for $t\\bar{t}H$ with QCD ATLAS"
    )
    assert bibtex.clean_title("{$\\sqrt{s}=13$ TeV}") == "$\\sqrt{s}=13$ TeV"


def test_entries_without_eprint() -> None:
    items = list(bibtex.read(BAD / "no_eprint.bib"))
    assert all(isinstance(i, PaperRecord) for i in items)
    doi_only, neither = items
    assert doi_only.key == "doi:10.1126/sciadv.aay2631" and doi_only.date == "2020-04"
    assert doi_only.journal_ref == "Sci. Adv. 6 (2020) eaay2631"
    assert neither.key == "ref:ATL-PHYS-PUB-2020-014"
    assert [(a.name, a.key) for a in neither.authors] == [("ATLAS Collaboration", "atlas-collaboration")]


def test_malformed_blocks_are_problems_and_good_entries_survive() -> None:
    items = list(bibtex.read(BAD / "malformed.bib"))
    records = [i for i in items if isinstance(i, PaperRecord)]
    problems = [i for i in items if isinstance(i, RecordProblem)]
    assert [r.arxiv_id for r in records] == ["hep-th/9711200", "1905.11481"]
    assert [p.record_id for p in problems] == ["Broken:2020abc", "NoComma:2021"]
    assert all(p.location.startswith("line ") and p.fix for p in problems)


def test_duplicate_keys_both_become_records() -> None:
    text = (
        "@article{A1, title={One}, eprint={2101.00001}, year=2021}\n"
        "@article{A1, title={Two}, eprint={2101.00002}}\n"
    )
    items = list(bibtex.parse_text(text, origin="dup.bib"))
    assert [(i.arxiv_id, i.location) for i in items] == [
        ("2101.00001", "entry A1"),
        ("2101.00002", "entry A1 (duplicate key)"),
    ]


@pytest.mark.parametrize(("name", "words"), [("empty.bib", "empty"), ("latin1.bib", "UTF-8")])
def test_file_problems(name: str, words: str) -> None:
    (problem,) = bibtex.read(BAD / name)
    assert isinstance(problem, RecordProblem) and problem.location == "file" and words in problem.reason


def test_author_splitting() -> None:
    authors = bibtex.split_bibtex_authors(
        'M{\\"u}ller, J. and {Barnes and Noble} and Jack Y. Araz and others'
    )
    assert [a.name for a in authors] == ["J. Müller", "Barnes and Noble", "Jack Y. Araz"]


@pytest.mark.slow  # 10,000 bibtexparser runs
@settings(max_examples=10_000, deadline=None)
@given(
    st.lists(
        st.sampled_from([*'@{}",= \n%#ab1', "@article{", "title", "eprint", "and", "}\n"]), max_size=40
    ).map("".join)
)
def test_any_text_parses_or_yields_problems(text: str) -> None:
    for item in bibtex.parse_text(text, origin="fuzz.bib"):
        assert isinstance(item, PaperRecord | RecordProblem)
