"""The bundled offline sample in data/sample/: well-formed, real papers, our own summaries, broad coverage.

The sample ships in the repo so `hepgraph build data/sample` works on a fresh machine. Its facts (ids,
titles, authors, dates) must match the real arXiv metadata in ../shared/corpus, while its "abstract" field
holds a summary we wrote: the overlap test keeps it from drifting into a copy of the real abstract.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from hepgraph.ids import normalize_arxiv_id

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
PAPERS = SAMPLE / "papers.jsonl"
CITATIONS = SAMPLE / "citations.tsv"

SNAPSHOT_KEYS = (
    "id",
    "submitter",
    "authors",
    "title",
    "comments",
    "journal-ref",
    "doi",
    "report-no",
    "categories",
    "license",
    "abstract",
    "versions",
    "update_date",
    "authors_parsed",
)
NOTE = "summary written for hepgraph's sample; not the arXiv abstract"
MAX_SHARED_RUN = 6  # no run of this many consecutive words may be shared with the real abstract

# Theme -> keywords (lower case, substring match on the summary); each theme needs >= 3 summaries.
THEMES = {
    "anomaly detection": ("anomaly detection", "anomaly score"),
    "weak supervision / CWoLa": ("cwola", "weakly supervised", "weak supervision"),
    "autoencoders": ("autoencoder", "vae"),
    "LHC Olympics": ("lhc olympics",),
    "adversarial": ("adversarial",),
    "decorrelation": ("decorrelat",),
    "transformers": ("transformer",),
    "foundation models": ("foundation model",),
    "graph neural networks": ("graph neural network", "gnn", "edgeconv"),
    "tracking": ("track reconstruction", "tracks", "track finding", "tracking"),
    "BSM": ("bsm", "new physics", "beyond the standard model", "dark sector"),
    "flows and diffusion": ("normalizing flow", "diffusion", "flow matching"),
    "fast simulation": ("fast simulation", "fast calorimeter", "fast-simulation"),
    "top tagging": ("top tagging", "top-quark", "top and w jets"),
    "di-Higgs": ("di-higgs", "higgs boson pair", "two or more higgs"),
}


def _papers() -> list[dict]:
    with PAPERS.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _words(text: str) -> list[str]:
    """Lower-case alphanumeric tokens; LaTeX commands and punctuation fall away, so runs compare words."""
    return re.findall(r"[a-z0-9]+", text.lower())


def shared_runs(ours: str, theirs: str, n: int = MAX_SHARED_RUN) -> list[str]:
    """Every run of ``n`` consecutive words of ``ours`` that also occurs in ``theirs``.

    >>> shared_runs("we write our own words here today", "they write our own words here today too", n=6)
    ['write our own words here today']
    >>> shared_runs("a b c d e f", "a b c d e g", n=6)
    []
    """
    a, b = _words(ours), _words(theirs)
    grams = {tuple(b[i : i + n]) for i in range(len(b) - n + 1)}
    return [" ".join(a[i : i + n]) for i in range(len(a) - n + 1) if tuple(a[i : i + n]) in grams]


def _corpus_records(corpus_dir: Path, ids: set[str]) -> Iterator[dict]:
    for name in ("arxiv-hep.jsonl", "arxiv-ml.jsonl"):
        with (corpus_dir / name).open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if rec.get("id") in ids:
                    yield rec


@pytest.fixture(scope="module")
def papers() -> list[dict]:
    return _papers()


@pytest.fixture(scope="module")
def real(corpus_dir: Path, papers: list[dict]) -> dict[str, dict]:
    """The real arXiv records of the sample's papers, by id (skips without ../shared/corpus)."""
    return {r["id"]: r for r in _corpus_records(corpus_dir, {p["id"] for p in papers})}


def test_sample_lines_are_snapshot_records(papers: list[dict]) -> None:
    assert len(papers) >= 40
    for p in papers:
        missing = [k for k in SNAPSHOT_KEYS if k not in p]
        assert not missing, f"{p.get('id')}: missing keys {missing}"
        assert p["summary_note"] == NOTE, p["id"]
        assert p["title"].strip() and p["categories"].strip(), p["id"]
        assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", p["update_date"]), p["id"]
        assert p["authors_parsed"] and all(len(a) == 3 for a in p["authors_parsed"]), p["id"]
        # Collaboration papers keep the collaboration as one author, never thousands of names.
        assert len(p["authors_parsed"]) <= 60, p["id"]


def test_sample_ids_are_canonical_and_unique(papers: list[dict]) -> None:
    ids = [p["id"] for p in papers]
    assert len(ids) == len(set(ids))
    for pid in ids:
        assert normalize_arxiv_id(pid) == pid, pid


def test_sample_summaries_have_summary_length(papers: list[dict]) -> None:
    for p in papers:
        n_words = len(p["abstract"].split())
        n_sentences = len(re.findall(r"[.?!](?:\s|$)", p["abstract"]))
        assert 35 <= n_words <= 90, (p["id"], n_words)
        assert 1 <= n_sentences <= 5, (p["id"], n_sentences)


def test_sample_latex_survives_in_a_few_summaries(papers: list[dict]) -> None:
    with_latex = [p["id"] for p in papers if re.search(r"\$[^$]*\\[a-zA-Z]+", p["abstract"])]
    assert len(with_latex) >= 2, with_latex


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_sample_covers_theme(papers: list[dict], theme: str) -> None:
    hits = [p["id"] for p in papers if any(k in p["abstract"].lower() for k in THEMES[theme])]
    assert len(hits) >= 3, f"theme {theme!r} only in {hits}"


def test_sample_ids_exist_in_corpus_with_same_title(papers: list[dict], real: dict[str, dict]) -> None:
    for p in papers:
        assert p["id"] in real, f"{p['id']} is not in the shared corpus"
        assert p["title"] == real[p["id"]]["title"], p["id"]
        assert p["update_date"] == real[p["id"]]["update_date"], p["id"]
        assert p["categories"] == real[p["id"]]["categories"], p["id"]


def test_sample_summaries_are_not_the_real_abstracts(papers: list[dict], real: dict[str, dict]) -> None:
    offenders = {}
    for p in papers:
        runs = shared_runs(p["abstract"], real[p["id"]].get("abstract") or "")
        if runs:
            offenders[p["id"]] = runs
    assert not offenders, f"summaries share {MAX_SHARED_RUN}-word runs with the real abstract: {offenders}"


def test_sample_citations_link_sample_papers(papers: list[dict]) -> None:
    if not CITATIONS.exists():
        pytest.skip("data/sample/citations.tsv is optional and absent")
    ids = {p["id"] for p in papers}
    with CITATIONS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    assert rows[0] == ["citing", "cited", "cited_id_scheme", "source"]
    edges = rows[1:]
    assert edges
    assert len({(r[0], r[1]) for r in edges}) == len(edges), "duplicate edges"
    for citing, cited, scheme, source in edges:
        assert citing in ids and cited in ids, (citing, cited)
        assert citing != cited
        assert scheme == "arxiv" and source == "hepgraph-sample"
        # A paper can only cite one that appeared before it (new-style ids sort by yymm).
        assert cited < citing, (citing, cited)
