"""merge_records: field-wise precedence, order independence, dates, LaTeX plain text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hepgraph.merge import earliest_date, merge_records, precedence_order
from hepgraph.models import Author, PaperRecord


def rec(**kw: object) -> PaperRecord:
    base: dict[str, object] = {"source": "arxiv-jsonl", "origin": "a.jsonl", "location": "line 1"}
    base.update(kw)
    return PaperRecord(**base)  # type: ignore[arg-type]


ARXIV = rec(
    arxiv_id="2411.09296",
    title="Search for $t\\bar{t}H$",
    abstract="",
    categories=["hep-ex"],
    authors=[Author(name="Georges Aad")],
    date="2024-11",
    updated="2024-11-15",
)
BIB = rec(
    source="bibtex",
    origin="HEPML.bib",
    location="line 40",
    arxiv_id="2411.09296",
    bibkey="ATLAS:2024x",
    doi="10.1007/jhep01(2025)001",
    title="Search for ttH (bib)",
    journal_ref="JHEP 01 (2025) 001",
    authors=[Author(name="Aad, G."), Author(name="Abbott, B.")],
    categories=["hep-ex"],
    date="2024-11-14",
)
INSPIRE = rec(
    source="inspire",
    origin="lit.json",
    location="record 1",
    arxiv_id="2411.09296",
    inspire_id="2850000",
    abstract="We search for $t\\bar{t}H$ production.",
    date="2024-11-14",
)


def test_highest_precedence_non_empty_field_wins() -> None:
    paper = merge_records([BIB, INSPIRE, ARXIV])
    assert paper.key == "2411.09296"
    assert paper.title == ARXIV.title  # arXiv snapshot outranks INSPIRE and BibTeX
    assert paper.abstract == INSPIRE.abstract  # the snapshot's is empty, INSPIRE's is next
    assert paper.doi == BIB.doi and paper.journal_ref == BIB.journal_ref and paper.inspire_id == "2850000"
    assert [a.name for a in paper.authors] == ["Georges Aad"]  # one record's list, never a mix
    assert paper.sources == ["arxiv-jsonl", "bibtex", "inspire"]


def test_plain_text_fields_come_from_latex() -> None:
    paper = merge_records([ARXIV, INSPIRE])
    assert "$" not in paper.title_text and "\\" not in paper.title_text
    assert paper.title_text.startswith("Search for tt")
    assert "production" in paper.abstract_text and "$" not in paper.abstract_text


def test_date_is_earliest_with_partial_dates_refined() -> None:
    assert merge_records([ARXIV, BIB]).date == "2024-11-14"
    assert earliest_date(["2026-05", "2026-05-03", "2026-06-01", None]) == "2026-05-03"
    assert earliest_date(["2019", "2020-01-02"]) == "2019"
    assert earliest_date([None]) is None


def test_newest_update_wins_within_one_source() -> None:
    old = rec(arxiv_id="2401.00001", title="Old title", updated="2024-01-02", origin="a.jsonl")
    new = rec(arxiv_id="2401.00001", title="New title", updated="2024-06-01", origin="b.jsonl")
    assert merge_records([old, new]).title == "New title"
    assert precedence_order([old, new])[0] is new


def test_key_falls_back_to_doi_then_inspire_then_bibkey() -> None:
    assert merge_records([rec(source="bibtex", doi="10.1/a", bibkey="K")]).key == "doi:10.1/a"
    assert merge_records([rec(source="inspire", inspire_id="12")]).key == "inspire:12"
    assert merge_records([rec(source="bibtex", bibkey="Smith:1990ab")]).key == "ref:Smith:1990ab"
    with pytest.raises(ValueError, match="no arXiv id"):
        merge_records([rec(title="nothing to key on")])
    with pytest.raises(ValueError, match="at least one"):
        merge_records([])


@settings(max_examples=40, deadline=None)
@given(
    st.permutations(
        [
            ARXIV,
            BIB,
            INSPIRE,
            rec(
                source="oai-pmh",
                origin="o.xml",
                arxiv_id="2411.09296",
                title="OAI title",
                updated="2024-12-01",
            ),
        ]
    )
)
def test_merge_is_order_independent(records: list[PaperRecord]) -> None:
    reference = merge_records([ARXIV, BIB, INSPIRE, records[[r.source for r in records].index("oai-pmh")]])
    assert merge_records(records) == reference
    assert merge_records(records).content_hash() == reference.content_hash()
