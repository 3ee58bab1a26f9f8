"""Identifier normalisers: examples, and properties over arbitrary strings (never crash, idempotent)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hepgraph.ids import author_key, normalize_arxiv_id, normalize_doi, normalize_inspire_id, paper_key

NEW_STYLE = st.builds(
    lambda yy, mm, seq4, seq5: (
        f"{yy:02d}{mm:02d}." + (f"{seq5:05d}" if yy * 100 + mm >= 1501 else f"{seq4:04d}")
    ),
    st.integers(7, 99),
    st.integers(1, 12),
    st.integers(1, 9999),
    st.integers(1, 99999),
)
OLD_STYLE = st.builds(
    lambda archive, yy, mm, n: f"{archive}/{yy:02d}{mm:02d}{n:03d}",
    st.sampled_from(
        ["hep-ph", "hep-th", "hep-ex", "hep-lat", "astro-ph", "gr-qc", "nucl-th", "math", "cond-mat"]
    ),
    st.integers(91, 99) | st.integers(0, 7),
    st.integers(1, 12),
    st.integers(1, 999),
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2505.13228", "2505.13228"),
        ("arXiv:2505.13228v2", "2505.13228"),
        ("https://arxiv.org/abs/2505.13228v3", "2505.13228"),
        ("http://export.arxiv.org/abs/hep-th/9711200v3", "hep-th/9711200"),
        ("oai:arXiv.org:1706.05371", "1706.05371"),
        ("hep-ph/9709356v1", "hep-ph/9709356"),
        ("HEP-PH/9709356", "hep-ph/9709356"),
        ("math.GT/0309136", "math/0309136"),
        ("0704.0001", "0704.0001"),
        ("https://arxiv.org/pdf/2505.13228v1.pdf", "2505.13228"),
        ("1412.12345", None),  # five digits only from 1501
        ("1501.1234", None),  # four digits only before 1501
        ("2513.00001", None),  # month 13
        ("hep-ph/9713356", None),
        ("\u0662\u0665\u0660\u0665.\u0661\u0663\u0662\u0662\u0668", None),  # Arabic-Indic digits
        ("not an id", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_arxiv_id_examples(raw: str | None, expected: str | None) -> None:
    assert normalize_arxiv_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10.1103/PhysRevD.101.076002", "10.1103/physrevd.101.076002"),
        ("https://doi.org/10.1103/PhysRevD.101.076002", "10.1103/physrevd.101.076002"),
        ("doi: 10.1126/sciadv.aay2631.", "10.1126/sciadv.aay2631"),
        ("http://dx.doi.org/10.1007/JHEP05(2019)036", "10.1007/jhep05(2019)036"),
        ("11.1103/x", None),
        ("10.1103", None),
        (None, None),
    ],
)
def test_normalize_doi_examples(raw: str | None, expected: str | None) -> None:
    assert normalize_doi(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1459277, "1459277"),
        ("https://inspirehep.net/api/literature/1459277", "1459277"),
        ("http:/localhost:5000/api/literature/779602/", "779602"),
        ("0176612", "176612"),
        ("\u00b2", None),
        ("0", None),
        (True, None),
        ("abc", None),
    ],
)
def test_normalize_inspire_id_examples(raw: object, expected: str | None) -> None:
    assert normalize_inspire_id(raw) == expected  # type: ignore[arg-type]


def test_paper_key_precedence() -> None:
    assert paper_key(arxiv_id="2505.13228", doi="10.1/x", inspire_id="1") == "2505.13228"
    assert paper_key(doi="10.1/x", inspire_id="1") == "doi:10.1/x"
    assert paper_key(inspire_id="1", fallback="Key:2020") == "inspire:1"
    assert paper_key(fallback="Key:2020") == "ref:Key:2020"
    assert paper_key() is None


@pytest.mark.slow  # 10,000 examples
@settings(max_examples=10_000, deadline=None)
@given(st.text())
def test_normalisers_never_crash_and_are_idempotent(s: str) -> None:
    for normalize in (normalize_arxiv_id, normalize_doi, normalize_inspire_id):
        once = normalize(s)
        assert once is None or (isinstance(once, str) and normalize(once) == once)


@settings(max_examples=500, deadline=None)
@given(NEW_STYLE | OLD_STYLE, st.integers(1, 30), st.sampled_from(["", "arXiv:", "https://arxiv.org/abs/"]))
def test_versions_and_prefixes_are_stripped(arxiv_id: str, version: int, prefix: str) -> None:
    assert normalize_arxiv_id(arxiv_id) == arxiv_id
    assert normalize_arxiv_id(f"{prefix}{arxiv_id}v{version}") == arxiv_id


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"10\.[0-9]{4,9}/[A-Za-z0-9][A-Za-z0-9().;:_/-]{0,29}", fullmatch=True))
def test_doi_forms_agree(doi: str) -> None:
    expected = normalize_doi(doi)
    assert expected == doi.rstrip(".").lower()
    assert normalize_doi(f"https://doi.org/{doi}") == expected
    assert normalize_doi(f"doi:{doi.upper()}") == expected


@pytest.mark.parametrize(
    ("name", "key"),
    [("Kozioł, Jan", "koziol_j"), ("Ulf-G. Meißner", "meissner_u"), ("Jørgensen, Mads", "jorgensen_m")],
)
def test_author_key_keeps_letters_nfkd_cannot_decompose(name: str, key: str) -> None:
    assert author_key(name) == key
