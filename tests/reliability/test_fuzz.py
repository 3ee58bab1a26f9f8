"""Fuzzing (hypothesis, 10,000 examples each): ids, LaTeX, and the BibTeX and JSONL readers end to end.

Readers are fed arbitrary bytes and text written to a real temp file and read through the real reader:
they must yield typed records or RecordProblems, never raise.
"""

from __future__ import annotations

import json
import re
import string
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hepgraph.ids import normalize_arxiv_id, normalize_doi, normalize_inspire_id
from hepgraph.models import Citation, ExternalWork, PaperRecord, RecordProblem

FUZZ = settings(
    max_examples=int(__import__("os").environ.get("FUZZ_N", "10000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
_CANONICAL_ARXIV = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z\-]*/\d{7})$")

# -- ids -------------------------------------------------------------------------------------------
_PREFIXES = [
    "",
    "arXiv:",
    "arxiv:",
    "ARXIV:",
    "https://arxiv.org/abs/",
    "http://export.arxiv.org/abs/",
    "https://arxiv.org/pdf/",
    "oai:arXiv.org:",
    " ",
    "doi:",
    "https://doi.org/",
]
_ARCHIVES = [
    "hep-th",
    "hep-ph",
    "hep-ex",
    "hep-lat",
    "math.GT",
    "math",
    "cond-mat.str-el",
    "astro-ph",
    "physics",
]
_new_ids = st.builds(
    lambda yymm, seq, w: f"{yymm:04d}.{seq:0{w}d}"[: 5 + w],
    st.integers(0, 9999),
    st.integers(0, 99999),
    st.sampled_from([4, 5]),
)
_old_ids = st.builds(
    lambda a, n, w: f"{a}/{n:0{w}d}",
    st.sampled_from(_ARCHIVES),
    st.integers(0, 10**8 - 1),
    st.sampled_from([6, 7, 8]),
)
_versions = st.sampled_from(["", "v1", "v2", "v12", "V3", "v", ".pdf", "v2.pdf"])
_id_like = st.builds(
    lambda p, i, v: p + i + v, st.sampled_from(_PREFIXES), st.one_of(_new_ids, _old_ids), _versions
)
_any_id = st.one_of(_id_like, st.text(max_size=40), st.text(alphabet="0123456789./v-:arXiv ", max_size=25))


@FUZZ
@given(_any_id)
def test_arxiv_normalizer_never_crashes_and_is_idempotent(raw: str) -> None:
    """Any string: None or a canonical id that normalises to itself, with and without a version."""
    out = normalize_arxiv_id(raw)
    if out is None:
        return
    assert _CANONICAL_ARXIV.match(out), out
    assert normalize_arxiv_id(out) == out
    assert normalize_arxiv_id(out + "v7") == out
    assert normalize_arxiv_id("arXiv:" + out) == out


@FUZZ
@given(
    st.one_of(
        st.text(max_size=60),
        st.builds(lambda p, s: p + "10." + s, st.sampled_from(_PREFIXES), st.text(max_size=30)),
    ),
    st.one_of(st.none(), st.integers(), st.text(max_size=20), st.booleans()),
)
def test_doi_and_inspire_normalizers_never_crash_and_are_idempotent(doi: str, inspire: object) -> None:
    """DOIs and INSPIRE ids: None or a value that normalises to itself."""
    d = normalize_doi(doi)
    if d is not None:
        assert normalize_doi(d) == d
        assert d == d.lower()
    i = normalize_inspire_id(inspire)  # type: ignore[arg-type]
    if i is not None:
        assert i.isdigit()
        assert normalize_inspire_id(i) == i


# -- LaTeX -----------------------------------------------------------------------------------------
_LATEX_BITS = [
    "$",
    "$$",
    "\\",
    "{",
    "}",
    "^",
    "_",
    "~",
    "--",
    "---",
    "``",
    "''",
    "%",
    "&",
    "#",
    "\\frac{",
    "\\sqrt",
    "\\'",
    '\\"',
    "\\mathrm{",
    "\\begin{equation}",
    "\\end{itemize}",
    "\\(",
    "\\)",
    "\\[",
    "\\]",
    "\\cite{",
    "\\href{",
    "\\bar",
    "\\overline{",
    "\\textbf",
    "\\\\",
    "\\alpha",
    "\\GeV",
    "\\left(",
    "\\right",
    " ",
    "\n",
    "x",
    "TeV",
    "10^{-3}",
    "\x00",
    "\u00e9",
    "\u2019",
    "\U0001f600",
]
_latexish = st.lists(st.sampled_from(_LATEX_BITS), max_size=40).map("".join)


@FUZZ
@given(st.one_of(_latexish, st.text(max_size=200)))
def test_latex_to_text_never_raises_and_returns_str(raw: str) -> None:
    """Malformed LaTeX (unbalanced braces and dollars, unknown macros) gives a string, never an exception."""
    from hepgraph.latex import latex_to_text

    out = latex_to_text(raw)
    assert isinstance(out, str)
    assert len(out) <= 4 * len(raw) + 16  # no blow-up from macro expansion


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=string.ascii_letters + string.digits + " .,;:()?!", max_size=120))
def test_latex_to_text_keeps_plain_prose(raw: str) -> None:
    """Text with no LaTeX in it comes back as written (whitespace collapsed)."""
    from hepgraph.latex import latex_to_text

    assert latex_to_text(raw) == " ".join(raw.split())


# -- readers end to end ----------------------------------------------------------------------------
_SCRATCH = Path(tempfile.mkdtemp(prefix="hepgraph-fuzz-"))
_ITEM_TYPES = (PaperRecord, Citation, ExternalWork, RecordProblem)
# Cheap draws (sampled fragments, not recursive strategies): 10,000 examples must fit in about a minute.
_VALUES = [
    None,
    True,
    0,
    -1,
    1.5,
    1e308,
    "",
    " ",
    "x",
    "2101.00001",
    "2505.13228v12",
    "hep-th/9901001v3",
    "math.GT/0309136",
    "0704.0001",
    "arXiv:1706.05371",
    "https://arxiv.org/abs/2411.09296",
    "garbage",
    "9999.99999",
    [],
    [[]],
    {},
    ["A. One", "B. Two"],
    [["Last", "First", ""]],
    [["", "", ""]],
    [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
    [{"version": "v1"}],
    "$\\frac{",
    "a" * 300,
    "\u0000",
    "2026-13-45",
    "2026-05",
    "hep-ph hep-ex",
    "10.1103/PhysRevD.101.076002",
    "\u00e9\u4e2d\u0627",
    {"nested": {"deep": [1, 2]}},
]
_FIELDS = [
    "id",
    "title",
    "abstract",
    "authors",
    "authors_parsed",
    "categories",
    "doi",
    "journal-ref",
    "versions",
    "update_date",
    "submitter",
    "junk",
]
_paperish = st.dictionaries(st.sampled_from(_FIELDS), st.sampled_from(_VALUES), max_size=8).map(json.dumps)
_truncated = st.tuples(_paperish, st.integers(0, 200)).map(lambda t: t[0][: t[1]])
_jsonl_line = st.one_of(_paperish, _truncated, st.sampled_from(_VALUES).map(json.dumps), st.text(max_size=60))
_jsonl_text = st.lists(_jsonl_line, max_size=4).map("\n".join)


def _read_file(module: str, data: bytes, suffix: str) -> list:
    """Write ``data`` to a real temp file and read it with the reader module's ``read(path)``."""
    import importlib

    reader = importlib.import_module(f"hepgraph.extract.sources.{module}")
    path = _SCRATCH / f"fuzz{suffix}"  # one real file, rewritten per example (a temp dir each costs ~5 ms)
    path.write_bytes(data)
    return list(reader.read(path))


def _check_items(items: list, name: str) -> None:
    for item in items:
        assert isinstance(item, _ITEM_TYPES), type(item)
        if isinstance(item, RecordProblem):
            assert item.origin.endswith(name) and item.reason, item
        if isinstance(item, PaperRecord) and item.arxiv_id is not None:
            assert normalize_arxiv_id(item.arxiv_id) == item.arxiv_id, item.arxiv_id


@FUZZ
@given(st.one_of(_jsonl_text.map(lambda s: s.encode("utf-8", "surrogatepass")), st.binary(max_size=200)))
def test_jsonl_reader_yields_records_or_problems_never_raises(data: bytes) -> None:
    """Arbitrary JSONL-ish text and raw bytes in a file: typed records or RecordProblems, no exception."""
    _check_items(_read_file("arxiv_jsonl", data, ".jsonl"), "fuzz.jsonl")


_BIB_BITS = [
    "@article{",
    "@misc{",
    "@inproceedings{",
    "@string{",
    "@comment{",
    "@preamble{",
    "key,",
    "key2,",
    "title = {",
    'title = "',
    "author = {",
    " and ",
    "eprint = {",
    "2101.00001",
    "hep-ph/9709356",
    "arXiv:",
    "archivePrefix = {arXiv}",
    "primaryClass = {hep-ph}",
    "doi = {10.1103/x}",
    "year = {2021}",
    "year = 20",
    "month = jun,",
    "}",
    "{",
    '"',
    ",",
    "=",
    "#",
    "\n",
    " ",
    "%",
    "\\'e",
    "$x$",
    "@",
    "\u00e9",
    "\x00",
]
_bibish = st.lists(st.sampled_from(_BIB_BITS), max_size=50).map("".join)


@FUZZ
@given(
    st.one_of(
        _bibish.map(lambda s: s.encode("utf-8", "surrogatepass")),
        st.text(max_size=150).map(lambda s: s.encode("utf-8", "surrogatepass")),
        st.binary(max_size=120),
    )
)
def test_bibtex_reader_yields_records_or_problems_never_raises(data: bytes) -> None:
    """Arbitrary BibTeX-ish text and raw bytes in a file: typed records or RecordProblems, no exception."""
    _check_items(_read_file("bibtex", data, ".bib"), "fuzz.bib")
