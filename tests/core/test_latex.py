"""latex_to_text: readable plain text from titles and abstracts, never an exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hepgraph.latex import latex_to_text


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"$\sqrt{s}=13$ TeV", "√s=13 TeV"),
        (r"$\sqrt{s_{NN}}$ = 5.02 TeV", "√s_NN = 5.02 TeV"),
        (r"\emph{x} and \textit{y}", "x and y"),
        (r"$t\bar{t}H$", "tt\u0305H"),
        (r"{\'e}t{\'e} Sa{\'u}l", "été Saúl"),
        (r"$\pi^{\pm}$, $K^{\pm}$", "π^±, K^±"),
        (r"$B^0_s\to\mu^+\mu^-$", "B^0_s→μ^+μ^-"),
        (r"$\mathcal{O}(\alpha_s^2)$ corrections", "𝒪(α_s^2) corrections"),
        (r"$p_{\rm T} > 20$ GeV", "p_T > 20 GeV"),
        (r"as shown in Ref.~\cite{Aad:2012tfa}.", "as shown in Ref. ."),
        (r"\href{https://github.com/x/y}{code}", "code"),
        ("``quoted'' e--p", "\u201cquoted\u201d e\u2013p"),
        ("10% of events", "10% of events"),
        ("plain   text\n wrapped", "plain text wrapped"),
        ("", ""),
    ],
)
def test_latex_to_text_examples(latex: str, text: str) -> None:
    assert latex_to_text(latex) == text


@pytest.mark.parametrize(
    "malformed",
    [
        r"unbalanced {brace $x",
        r"$\frac{1}$ and }",
        "$$x",
        "\\",
        r"\href{x}",
        "{{{{{deep}}}}}",
        r"$\begin{array}$",
    ],
)
def test_malformed_latex_gives_cleaned_text(malformed: str) -> None:
    out = latex_to_text(malformed)
    assert "\\" not in out and "{" not in out and "}" not in out
    assert out == out.strip() and "  " not in out


def test_real_abstracts_lose_their_markup(corpus_dir: Path) -> None:
    with (corpus_dir / "arxiv-hep.jsonl").open(encoding="utf-8") as fh:
        abstracts = [json.loads(line)["abstract"] for _, line in zip(range(400), fh, strict=False)]
    with_math = [a for a in abstracts if "$" in a]
    assert len(with_math) > 50
    for abstract in with_math:
        text = latex_to_text(abstract)
        assert "$" not in text, text[:200]
        assert not any(ch in text for ch in "\n\t")


# Pieces that make malformed LaTeX likely: lone dollars and braces, macros with missing arguments.
_LATEX_PIECES = [
    *"\\${}^_~%&#'`-ab1 \n\u00e9",
    r"\frac",
    r"\sqrt",
    r"\bar",
    r"\emph",
    r"\cite",
    r"\'",
    r"\begin{x}",
]


@pytest.mark.slow  # 10,000 pylatexenc runs: about a minute
@settings(max_examples=10_000, deadline=None)
@given(st.lists(st.sampled_from(_LATEX_PIECES), max_size=25).map("".join))
def test_latex_to_text_never_raises(s: str) -> None:
    out = latex_to_text(s)
    assert isinstance(out, str)
    assert out == out.strip()


@settings(max_examples=2_000, deadline=None)
@given(st.text())
def test_latex_to_text_never_raises_on_any_text(s: str) -> None:
    assert isinstance(latex_to_text(s), str)
