"""The arXiv snapshot JSONL reader on the real corpus and on broken files."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hepgraph.extract.sources import arxiv_jsonl
from hepgraph.models import PaperRecord, RecordProblem

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad"


def _split(items: list) -> tuple[list[PaperRecord], list[RecordProblem]]:
    return [i for i in items if isinstance(i, PaperRecord)], [
        i for i in items if isinstance(i, RecordProblem)
    ]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["arxiv-hep.jsonl", "arxiv-ml.jsonl"])
def test_every_line_of_the_real_snapshot_is_a_record(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / name
    with path.open(encoding="utf-8") as fh:
        ids = [json.loads(line)["id"] for line in fh if line.strip()]
    records, problems = _split(list(arxiv_jsonl.read(path)))
    assert problems == []
    assert len(records) == len(ids)
    assert all(r.arxiv_id and r.title for r in records)
    assert [r.location for r in records[:2]] == ["line 1", "line 2"]


def test_real_slice_fields(corpus_dir: Path, tmp_path: Path) -> None:
    lines = (corpus_dir / "arxiv-hep.jsonl").read_text(encoding="utf-8").splitlines()[:300]
    raw = [json.loads(line) for line in lines]
    records = list(arxiv_jsonl.parse_text("\n".join(lines), origin="slice.jsonl"))
    assert len(records) == 300 and all(isinstance(r, PaperRecord) for r in records)
    for obj, rec in zip(raw, records, strict=True):
        assert rec.origin == "slice.jsonl"
        assert rec.categories == list(dict.fromkeys((obj["categories"] or "").split()))
        # Junk entries such as [":", "", ""] (a split "Collaboration: names" list) are not authors.
        assert len(rec.authors) == len([a for a in obj["authors_parsed"] if re.search(r"\w", "".join(a))])
        if obj["update_date"]:
            assert rec.updated == obj["update_date"]
            assert rec.date is not None
    atlas = next(r for r in records if r.arxiv_id == "1212.5198")
    assert (atlas.authors[0].name, atlas.authors[0].key) == ("Georges Aad", "aad_g")


def test_numeric_id_damage_is_repaired(corpus_dir: Path) -> None:
    """Line 64 carries "2010.0067": an id whose trailing zero was lost to a float (real 2010.00670)."""
    records = list(
        arxiv_jsonl.parse_text('{"id": "2010.0067", "title": "t"}\n{"id": 704.0001, "title": "u"}', "x")
    )
    assert [r.arxiv_id for r in records] == ["2010.00670", "0704.0001"]


def test_gzip_snapshot_reads_the_same(corpus_dir: Path, tmp_path: Path) -> None:
    lines = (corpus_dir / "arxiv-ml.jsonl").read_bytes().splitlines(keepends=True)[:50]
    plain, packed = tmp_path / "s.jsonl", tmp_path / "s.jsonl.gz"
    plain.write_bytes(b"".join(lines))
    packed.write_bytes(gzip.compress(b"".join(lines)))
    as_plain = [r.model_dump(exclude={"origin"}) for r in arxiv_jsonl.read(plain)]
    as_gzip = [r.model_dump(exclude={"origin"}) for r in arxiv_jsonl.read(packed)]
    assert as_plain == as_gzip and len(as_plain) == 50


def test_first_version_date_wins_over_update_date() -> None:
    line = json.dumps(
        {
            "id": "1905.11481",
            "title": "AI Feynman",
            "update_date": "2020-04",
            "versions": [{"version": "v1", "created": "Mon, 27 May 2019 17:34:35 GMT"}],
        }
    )
    (rec,) = arxiv_jsonl.parse_text(line, "x")
    assert (rec.date, rec.updated) == ("2019-05-27", "2020-04")


def test_affiliation_marks_are_not_taken_for_authors() -> None:
    # The shape of arXiv's numbered-affiliation author lists, whose authors_parsed holds "(1)" as a
    # surname and the affiliations as extra authors (542 snapshot lines carry such a list).
    line = json.dumps(
        {
            "id": "2403.00001",
            "title": "t",
            "authors": "Ann B. de Vries (1), Carl Dunn (1, 2), Eve Fox (2) ((1) Some Lab, (2) A University)",
            "authors_parsed": [
                ["(1)", "Ann B. de Vries", ""],
                ["(1", "Carl Dunn", ""],
                ["2)", "", ""],
                ["Lab", "Eve Fox (2) ((1) Some", ""],
                ["University)", "(2) A", ""],
            ],
        }
    )
    (rec,) = arxiv_jsonl.parse_text(line, "x")
    assert [a.name for a in rec.authors] == ["Ann B. de Vries", "Carl Dunn", "Eve Fox"]
    assert [a.key for a in rec.authors] == ["vries_a", "dunn_c", "fox_e"]


def test_a_collaboration_list_taken_for_forenames_gives_the_people() -> None:
    # arXiv's parse of some collaboration papers: one entry, the whole list as the forenames.
    line = json.dumps(
        {
            "id": "2601.00002",
            "title": "t",
            "authors": "A. Bee, C. Dee, E. de Eff, the XYZ collaboration:G. Gee",
            "authors_parsed": [
                ["XYZ collaboration", "A. Bee, C. Dee, E. de Eff, the", ""],
                ["Gee", "G.", ""],
            ],
        }
    )
    (rec,) = arxiv_jsonl.parse_text(line, "x")
    names = [a.name for a in rec.authors]
    assert names == ["A. Bee", "C. Dee", "E. de Eff", "the XYZ collaboration", "G. Gee"]


def test_a_clean_parse_is_kept_beside_a_junk_colon_entry() -> None:
    line = json.dumps(
        {
            "id": "1606.00003",
            "title": "t",
            "authors": "XYZ Collaboration, :, A. de Bee",
            "authors_parsed": [["Collaboration", "XYZ", ""], [":", "", ""], ["de Bee", "A.", ""]],
        }
    )
    (rec,) = arxiv_jsonl.parse_text(line, "x")
    assert [(a.name, a.key) for a in rec.authors] == [
        ("XYZ Collaboration", "collaboration_x"),
        ("A. de Bee", "de-bee_a"),
    ]


def test_real_numbered_affiliations_give_the_people(corpus_dir: Path) -> None:
    with (corpus_dir / "arxiv-hep.jsonl").open(encoding="utf-8") as fh:
        line = next(x for x in fh if '"2403.07975"' in x)
    (rec,) = arxiv_jsonl.parse_text(line, "x")
    names = [a.name for a in rec.authors]
    assert len(names) == 12 and names[0] == "Kaylee M. de Soto" and names[-1] == "Alex I. Malz"
    assert all(a.key and "(" not in a.name for a in rec.authors)


def test_truncated_line_is_a_problem_and_reading_goes_on() -> None:
    records, problems = _split(list(arxiv_jsonl.read(BAD / "truncated.jsonl")))
    assert [r.arxiv_id for r in records] == ["hep-th/9711200", "1905.11481"]
    assert [p.location for p in problems] == ["line 2"]
    assert "truncated or invalid JSON" in problems[0].reason
    assert problems[0].origin == "truncated.jsonl"


def test_missing_and_invalid_ids_are_problems() -> None:
    records, problems = _split(list(arxiv_jsonl.read(BAD / "no_id.jsonl")))
    assert [r.arxiv_id for r in records] == ["1905.11481"]
    assert [(p.location, "no 'id'" in p.reason or "not an arXiv id" in p.reason) for p in problems] == [
        ("line 2", True),
        ("line 3", True),
    ]
    assert problems[1].record_id == "not-an-id"


def test_two_records_of_one_id_are_both_yielded() -> None:
    records, problems = _split(list(arxiv_jsonl.read(BAD / "duplicate_ids.jsonl")))
    assert problems == []
    assert [(r.arxiv_id, r.location) for r in records] == [
        ("hep-th/9711200", "line 1"),
        ("hep-th/9711200", "line 2"),
    ]
    assert records[0].title != records[1].title


def test_non_utf8_line_is_a_problem() -> None:
    records, problems = _split(list(arxiv_jsonl.read(BAD / "latin1.jsonl")))
    assert len(records) == 1 and [p.location for p in problems] == ["line 2"]
    assert "UTF-8" in problems[0].reason and "UTF-8" in problems[0].fix


def test_empty_file_is_one_problem(tmp_path: Path) -> None:
    (problem,) = arxiv_jsonl.read(BAD / "empty.jsonl")
    assert isinstance(problem, RecordProblem) and problem.location == "file" and "empty" in problem.reason


def test_truncated_gzip_is_a_file_problem(corpus_dir: Path, tmp_path: Path) -> None:
    packed = gzip.compress((corpus_dir / "arxiv-ml.jsonl").read_bytes())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    items = list(arxiv_jsonl.read(cut))
    assert isinstance(items[-1], RecordProblem) and items[-1].location == "file"
    assert sum(isinstance(i, PaperRecord) for i in items) > 10


def test_reader_streams(corpus_dir: Path, tmp_path: Path) -> None:
    """The first record arrives before the file is finished being read (a generator, not a list)."""
    path = tmp_path / "copy.jsonl"
    shutil.copy(corpus_dir / "arxiv-hep.jsonl", path)
    items = arxiv_jsonl.read(path)
    first = next(items)
    assert isinstance(first, PaperRecord) and first.location == "line 1"
    items.close()


@pytest.mark.slow  # 10,000 examples: about half a minute
@settings(max_examples=10_000, deadline=None)
@given(st.text())
def test_any_text_parses_or_yields_problems(text: str) -> None:
    for item in arxiv_jsonl.parse_text(text, origin="fuzz.jsonl"):
        assert isinstance(item, PaperRecord | RecordProblem)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "title",
                "authors",
                "authors_parsed",
                "categories",
                "doi",
                "update_date",
                "versions",
                "abstract",
                "journal-ref",
            ]
        ),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
            lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(), c, max_size=3),
            max_leaves=6,
        ),
    )
)
def test_any_json_object_parses_or_yields_a_problem(obj: dict) -> None:
    (item,) = arxiv_jsonl.parse_text(json.dumps(obj), origin="fuzz.jsonl")
    assert isinstance(item, PaperRecord | RecordProblem)
