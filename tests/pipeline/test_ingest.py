"""ingest(): batching, error policy, duplicates, merging across files, re-ingest, on real SQLite stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hepgraph.errors import IngestError
from hepgraph.graph.embedded import EmbeddedStore
from hepgraph.graph.factory import open_store
from hepgraph.models import RecordProblem
from hepgraph.pipeline.ingest import IngestReport, ingest, reason_label
from hepgraph.settings import Settings


def line(arxiv_id: str, title: str, *, doi: str | None = None, update: str = "2025-01-02") -> str:
    obj = {
        "id": arxiv_id,
        "title": title,
        "abstract": f"Abstract of {title}.",
        "authors": "Ada Lovelace",
        "authors_parsed": [["Lovelace", "Ada", ""]],
        "categories": "hep-ph",
        "doi": doi,
        "update_date": update,
        "versions": [],
    }
    return json.dumps(obj) + "\n"


GOOD = [
    line("2501.00001", "First"),
    line("2501.00002", "Second", doi="10.1103/PhysRevD.111.000002"),
    line("2501.00003", "Third"),
]


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    s = EmbeddedStore(tmp_path / "store" / "g.sqlite")
    s.ensure_schema()
    yield s
    s.close()


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def keys(store: EmbeddedStore) -> list[str]:
    return [p.key for p in store.iter_papers()]


def test_ingest_then_reingest_changes_nothing(store: EmbeddedStore, tmp_path: Path) -> None:
    f = write(tmp_path / "in" / "a.jsonl", "".join(GOOD))
    first = ingest([f], store=store, batch_size=2)
    assert (first.files, first.records_read, first.papers_added) == (1, 3, 3)
    h = store.index_hash()
    second = ingest([tmp_path / "in"], store=store)
    assert (second.papers_added, second.papers_updated, second.papers_unchanged) == (0, 0, 3)
    assert store.index_hash() == h


def test_newer_version_of_a_record_updates_the_paper(store: EmbeddedStore, tmp_path: Path) -> None:
    f = write(tmp_path / "a.jsonl", "".join(GOOD))
    ingest([f], store=store)
    write(f, GOOD[0] + line("2501.00002", "Second, revised", update="2025-03-01") + GOOD[2])
    report = ingest([f], store=store)
    assert (report.papers_added, report.papers_updated, report.papers_unchanged) == (0, 1, 2)
    assert store.get_papers(["2501.00002"])[0].title == "Second, revised"


def test_truncated_json_raises_naming_file_and_line_and_keeps_what_came_before(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    f = write(tmp_path / "bad.jsonl", GOOD[0] + GOOD[1][:40] + "\n" + GOOD[2])
    with pytest.raises(IngestError, match=r"bad\.jsonl:line 2.*JSON"):
        ingest([f], store=store)
    assert keys(store) == ["2501.00001"]
    write(f, "".join(GOOD))  # fixed: a rerun converges to the clean build
    report = ingest([f], store=store)
    assert (report.papers_added, report.papers_unchanged) == (2, 1)
    assert keys(store) == ["2501.00001", "2501.00002", "2501.00003"]


def test_skip_policy_counts_every_bad_record_by_reason(store: EmbeddedStore, tmp_path: Path) -> None:
    no_id = json.dumps({"title": "no id here", "abstract": "x"}) + "\n"
    bad = GOOD[0] + '{"id": "2501.0\n' + no_id + b"\xff\xfe".decode("latin-1") + "\n" + GOOD[2]
    f = write(tmp_path / "mixed.jsonl", bad.encode("latin-1"))
    report = ingest([f], store=store, on_error="skip")
    assert report.papers_added == 2
    assert report.skipped_total == 3
    assert all(p.origin.endswith("mixed.jsonl") for p in report.problems)
    assert [p.location for p in report.problems] == ["line 2", "line 3", "line 4"]
    assert any("UTF-8" in label for label in report.skipped)
    assert keys(store) == ["2501.00001", "2501.00003"]


def test_conflicting_duplicate_is_a_problem_but_a_newer_one_wins(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    dup = GOOD[0] + line("2501.00001", "First, but different") + GOOD[0]
    f = write(tmp_path / "dup.jsonl", dup)
    with pytest.raises(IngestError, match="conflicting duplicate of line 1"):
        ingest([f], store=store)
    report = ingest([f], store=store, on_error="skip")
    assert report.skipped == {"conflicting duplicate": 1}
    assert report.duplicates == 1  # line 3 repeats line 1 exactly
    assert store.get_papers(["2501.00001"])[0].title == "First"
    g = write(tmp_path / "newer.jsonl", GOOD[0] + line("2501.00001", "First, v2", update="2025-06-01"))
    report = ingest([g], store=store)
    assert report.skipped_total == 0
    assert store.get_papers(["2501.00001"])[0].title == "First, v2"
    again = ingest([g], store=store)  # the older line read first must not undo the newer one
    assert (again.papers_added, again.papers_updated) == (0, 0)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [("empty.jsonl", "", "empty"), ("notes.txt", "just some words\nand more\n", "format")],
)
def test_bad_files_raise_or_are_skipped(
    store: EmbeddedStore, tmp_path: Path, name: str, content: str, match: str
) -> None:
    f = write(tmp_path / "x" / name, content)
    with pytest.raises(IngestError, match=match):
        ingest([f], store=store)
    good = write(tmp_path / "x" / "good.jsonl", "".join(GOOD))
    report = ingest([f, good], store=store, on_error="skip")
    assert report.skipped_total == 1 and report.papers_added == 3
    assert match in report.problems[0].message().lower()


def test_bibtex_doi_only_entry_merges_with_arxiv_record(store: EmbeddedStore, tmp_path: Path) -> None:
    bib = (
        '@article{Lovelace:2025x,\n  author = "Lovelace, Ada",\n  title = "{Second}",\n'
        '  doi = "10.1103/PhysRevD.111.000002",\n  journal = "Phys. Rev. D",\n  year = "2025"\n}\n'
    )
    b = write(tmp_path / "refs.bib", bib)
    a = write(tmp_path / "a.jsonl", "".join(GOOD))
    ingest([b], store=store)
    assert keys(store) == ["doi:10.1103/physrevd.111.000002"]
    report = ingest([a], store=store)
    assert keys(store) == ["2501.00001", "2501.00002", "2501.00003"]
    assert report.papers_added + report.papers_updated == 3
    merged = store.get_papers(["2501.00002"])[0]
    assert merged.sources == ["arxiv-jsonl", "bibtex"]
    assert store.resolve_key("doi:10.1103/physrevd.111.000002") == "2501.00002"


def test_progress_reports_each_file_to_completion(store: EmbeddedStore, tmp_path: Path) -> None:
    f = write(tmp_path / "a.jsonl", "".join(GOOD))
    calls: list[tuple[str, int, int | None]] = []
    ingest([f], store=store, progress=lambda p, done, total: calls.append((p.name, done, total)))
    assert calls[-1] == ("a.jsonl", 3, 3)


def test_reason_labels_group_record_specific_details() -> None:
    def p(reason: str) -> RecordProblem:
        return RecordProblem(source="s", origin="o", location="line 1", reason=reason)

    assert reason_label(p("truncated or invalid JSON (Expecting value: line 1 column 5)")) == (
        "truncated or invalid JSON"
    )
    assert reason_label(p("id '12.3' is not an arXiv id")) == reason_label(p("id 'x99' is not an arXiv id"))
    assert reason_label(p("record has no 'id'")) == "record has no 'id'"


@pytest.mark.corpus
def test_real_slice_twice(hepml_slice_file: Path, store: EmbeddedStore) -> None:
    first = ingest([hepml_slice_file], store=store)
    assert isinstance(first, IngestReport)
    assert (first.records_read, first.papers_added, first.skipped_total) == (300, 300, 0)
    second = ingest([hepml_slice_file], store=store)
    assert (second.papers_added, second.papers_updated, second.papers_unchanged) == (0, 0, 300)
    assert store.stats().authors > 300


def _citation_inputs(tmp_path: Path, *, bad: bool) -> Path:
    d = tmp_path / "mixed"
    write(d / "a.jsonl", "".join(GOOD))
    rows = [
        "citing\tcited\tcited_id_scheme\tsource",
        "2501.00001\t2501.00002\tarxiv\tt",
        "2501.00003\t10.1103/PhysRevD.111.000002\tdoi\tt",
        "2501.00003\thep-th/9201061\tarxiv\tt",
    ]
    if bad:
        rows.insert(2, "2501.00001\tnot-an-id\tarxiv\tt")
    write(d / "edges.tsv", "\n".join(rows) + "\n")
    return d


@pytest.mark.parametrize("parallel", [True, False])
def test_citation_lists_give_the_same_store_with_or_without_the_side_process(
    tmp_path: Path, parallel: bool
) -> None:
    settings = Settings(home=tmp_path / f"p{parallel}")
    s = open_store(settings)
    side = settings if parallel else None
    report = ingest([_citation_inputs(tmp_path, bad=True)], store=s, on_error="skip", parallel=side)
    assert (report.files, report.papers_added, report.citations_added, report.skipped_total) == (2, 3, 3, 1)
    assert report.problems[0].location == "line 3"
    edges = [(c.citing, c.cited) for c in s.iter_citations()]
    # the DOI edge resolves to the arXiv paper that carries the DOI
    assert edges == [
        ("2501.00001", "2501.00002"),
        ("2501.00003", "2501.00002"),
        ("2501.00003", "hep-th/9201061"),
    ]
    s.close()


def test_bad_citation_row_raises_from_the_side_process(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "side")
    store = open_store(settings)
    with pytest.raises(IngestError, match=r"edges\.tsv:line 3"):
        ingest([_citation_inputs(tmp_path, bad=True)], store=store, parallel=settings)
    store.close()
