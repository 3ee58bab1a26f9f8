"""The INSPIRE reader on the real records and reference lists."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from hepgraph.extract.sources import inspire
from hepgraph.ids import normalize_arxiv_id
from hepgraph.models import Citation, PaperRecord, RecordProblem

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad"


def _record_files(corpus_dir: Path) -> list[Path]:
    files = sorted((corpus_dir / "inspire").glob("*.json"))
    assert files
    return files


def test_each_real_record_is_one_paper_then_its_citations(corpus_dir: Path) -> None:
    for path in _record_files(corpus_dir):
        doc = json.loads(path.read_text(encoding="utf-8"))
        meta = doc.get("metadata", doc)
        items = list(inspire.read(path))
        paper, *rest = items
        assert isinstance(paper, PaperRecord), path.name
        assert all(isinstance(c, Citation) and c.citing == paper.key for c in rest), path.name
        assert paper.inspire_id == str(meta["control_number"])
        assert paper.title in {" ".join(t["title"].split()) for t in meta["titles"]}
        assert paper.date is not None and paper.authors
        eprints = meta.get("arxiv_eprints") or []
        assert paper.arxiv_id == (normalize_arxiv_id(eprints[0]["value"]) if eprints else None)
        assert len({c.cited for c in rest}) == len(rest)  # each cited paper once


def test_citations_cover_the_published_edge_list(corpus_dir: Path) -> None:
    """edges.tsv holds the arXiv/DOI references its makers extracted from these files; we find them all."""
    published: dict[str, set[str]] = defaultdict(set)
    with (corpus_dir / "citations" / "edges.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            citing, cited, _scheme, source = line.rstrip("\n").split("\t")
            if source.startswith("inspire-next:") and source.endswith(".json"):
                published[source.split(":", 1)[1]].add(cited.lower())
    assert len(published) >= 5
    for name, cited in published.items():
        ours = {c.cited for c in inspire.read(corpus_dir / "inspire" / name) if isinstance(c, Citation)}
        assert cited <= ours, (name, sorted(cited - ours)[:5])


def test_record_fields(corpus_dir: Path) -> None:
    paper = next(inspire.read(corpus_dir / "inspire" / "literature_1459277.json"))
    assert (paper.arxiv_id, paper.doi, paper.inspire_id) == (
        "1605.05113",
        "10.1140/epja/i2016-16318-4",
        "1459277",
    )
    assert paper.categories == ["hep-ph", "hep-ex"] and paper.date == "2016-05-17"
    assert paper.authors[0].name == "Feng-Kun Guo" and paper.authors[0].key == "guo_f"
    assert paper.journal_ref == "Eur.Phys.J.A 52 (2016) 318"
    doi_only = next(inspire.read(corpus_dir / "inspire" / "hep_record_no_core.json"))
    assert doi_only.key == "doi:10.1016/j.physa.2021.125930" and doi_only.date == "2021-07"


def test_reference_lists_yield_citations_only(corpus_dir: Path) -> None:
    path = corpus_dir / "inspire" / "references.jsonl"
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = list(inspire.read(path))
    assert items and all(isinstance(i, Citation) for i in items)
    citing = {i.citing for i in items}
    assert (
        "1506.03091" in citing and "inspire:1498408" in citing and "doi:10.1103/physrevx.7.021021" in citing
    )
    resolvable = sum(
        len(
            {r.get("arxiv_id") or r.get("doi") or r.get("inspire_recid") for r in line["references"]} - {None}
        )
        for line in lines
    )
    assert 0.9 * resolvable <= len(items) <= resolvable


def test_search_response_and_bare_list() -> None:
    record = {
        "control_number": 1459277,
        "titles": [{"title": "T"}],
        "arxiv_eprints": [{"value": "1605.05113"}],
        "references": [
            {"reference": {"arxiv_eprint": "1507.03414v2"}},
            {"record": {"$ref": "x/literature/7"}},
        ],
    }
    response = json.dumps({"hits": {"total": 1, "hits": [{"metadata": record}]}})
    items = list(inspire.parse_text(response, origin="api.json"))
    assert [type(i).__name__ for i in items] == ["PaperRecord", "Citation", "Citation"]
    assert [i.cited for i in items[1:]] == ["1507.03414", "inspire:7"]
    assert list(inspire.parse_text(json.dumps([record]), origin="list.json")) == [
        i.model_copy(update={"origin": "list.json"}) if isinstance(i, PaperRecord) else i for i in items
    ]


@pytest.mark.parametrize(
    ("text", "words"),
    [("{", "not valid JSON"), ("[1]", "expected a JSON object"), ('{"titles": []}', "no arXiv eprint")],
)
def test_bad_documents_are_problems(text: str, words: str) -> None:
    (problem,) = inspire.parse_text(text, origin="bad.json")
    assert isinstance(problem, RecordProblem) and words in problem.reason


def test_empty_and_non_utf8_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    (problem,) = inspire.read(empty)
    assert "empty" in problem.reason
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"titles": [{"title": "Caf\u00e9"}]}'.encode("latin-1"))
    (problem,) = inspire.read(latin)
    assert "UTF-8" in problem.reason and problem.fix
