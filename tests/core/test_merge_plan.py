"""plan_merge: the one rule of which records are one paper, checked on its own and through a store."""

from __future__ import annotations

import doctest
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hepgraph import batching, merge, question
from hepgraph.graph.embedded import EmbeddedStore
from hepgraph.merge import StoredRecord, plan_merge
from hepgraph.models import PaperRecord


def test_core_doctests() -> None:
    for module in (merge, batching, question):
        assert doctest.testmod(module).failed == 0, module.__name__


def rec(origin: str, **kw: object) -> PaperRecord:
    return PaperRecord(source="bibtex" if origin.endswith(".bib") else "arxiv-jsonl", origin=origin, **kw)


def test_a_doi_shared_by_two_arxiv_papers_joins_neither_and_stays_with_its_owner() -> None:
    a = rec("a.jsonl", arxiv_id="2501.00001", doi="10.1/same")
    b = rec("b.jsonl", arxiv_id="2501.00002", doi="10.1/same")
    plan = plan_merge([b, a], [], {})
    assert [(p.paper.key, p.ids) for p in plan.papers] == [
        ("2501.00001", ["2501.00001", "doi:10.1/same"]),
        ("2501.00002", ["2501.00002"]),
    ]


def test_an_unchanged_record_plans_nothing_and_a_stored_newer_version_wins() -> None:
    old = rec("a.jsonl", arxiv_id="2501.00001", title="v2", updated="2025-02-01")
    stale = rec("a.jsonl", arxiv_id="2501.00001", title="v1", updated="2025-01-01")
    stored = [StoredRecord(old, "2501.00001")]
    assert [(p.status, p.moved) for p in plan_merge([old], stored, {"2501.00001": "h"}).papers] == [
        ("unchanged", [])
    ]
    [kept] = plan_merge([stale], stored, {}).papers
    assert kept.status == "unchanged" and kept.records == [old]


def test_an_inspire_only_paper_is_rekeyed_when_a_doi_arrives() -> None:
    first = rec("i.json", inspire_id="77", title="T")
    stored = [StoredRecord(first, "inspire:77")]
    [paper] = plan_merge([rec("b.bib", inspire_id="77", doi="10.1/x")], stored, {"inspire:77": "h"}).papers
    assert paper.paper.key == "doi:10.1/x" and paper.absorbs == ["inspire:77"]
    assert paper.ids == ["doi:10.1/x", "inspire:77"] and paper.status == "updated"


_IDS = st.fixed_dictionaries(
    {},
    optional={
        "arxiv_id": st.sampled_from(["2501.00001", "2501.00002", "2501.00003"]),
        "doi": st.sampled_from(["10.1/a", "10.1/b"]),
        "inspire_id": st.sampled_from(["11", "22"]),
    },
).filter(bool)
_RECORDS = st.lists(
    st.tuples(st.sampled_from(["a.jsonl", "b.bib", "c.json"]), _IDS, st.sampled_from(["x", "y"])),
    min_size=1,
    max_size=7,
)


def _records(drawn: list) -> list[PaperRecord]:
    out: dict[tuple, PaperRecord] = {}
    for origin, ids, title in drawn:
        r = rec(origin, title=title, **ids)
        out.setdefault((origin, merge.record_identity(r)), r)  # one version per record identity
    return list(out.values())


def _snapshot(store: EmbeddedStore) -> tuple:
    papers = [(p.key, p.content_hash()) for p in store.iter_papers()]
    ids = sorted(store._query("SELECT id, key FROM paper_ids"), key=tuple)
    return papers, [tuple(r) for r in ids]


@settings(max_examples=200, deadline=None)
@given(drawn=_RECORDS, order=st.randoms(use_true_random=False), cut=st.integers(0, 7))
def test_the_store_ends_the_same_whatever_the_order_and_batching(drawn, order, cut, tmp_path_factory) -> None:  # noqa: ANN001
    records = _records(drawn)
    root: Path = tmp_path_factory.mktemp("plan")
    one = EmbeddedStore(root / "one.sqlite")
    one.ensure_schema()
    one.upsert_records(records)
    shuffled = list(records)
    order.shuffle(shuffled)
    other = EmbeddedStore(root / "other.sqlite")
    other.ensure_schema()
    for batch in (shuffled[:cut], shuffled[cut:]):
        other.upsert_records(batch)
    assert _snapshot(one) == _snapshot(other)
    assert one.index_hash() == other.index_hash()
    one.close()
    other.close()
