r"""Turn the LaTeX in titles and abstracts into readable plain text ("$\sqrt{s}=13$ TeV" -> "√s=13 TeV").

pylatexenc tokenizes character by character, which costs ~8 ms on a typical abstract. Most of an
abstract is plain prose, so only the LaTeX-bearing spans (math, macros, brace groups) go through
pylatexenc; the prose in between is copied. Malformed LaTeX never raises: a span pylatexenc cannot
handle, and stray ``$ { } \`` in the prose, are cleaned instead.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from pylatexenc.latexwalker import LatexWalker
from pylatexenc.latexwalker import get_default_latex_context_db as get_parsing_context_db
from pylatexenc.macrospec import MacroSpec

logger = logging.getLogger(__name__)

__all__ = ["latex_to_text"]

# Balanced braces up to three levels deep; deeper nesting is rare in titles and abstracts.
_BRACES = r"\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}"
_SPAN = re.compile(
    r"\$\$.+?\$\$"  # display math
    r"|\$(?:[^$\\]|\\.)+\$"  # inline math
    r"|\\\(.+?\\\)|\\\[.+?\\\]"  # \( \) and \[ \]
    r"|\\[`'^\"~=.](?:" + _BRACES + r"|[A-Za-z])"  # accents: \'e, \"{o}
    r"|\\(?:[A-Za-z]+\*?|.)(?:\s*(?:\[[^\]]*\]|" + _BRACES + r"))*"  # macros with their arguments
    r"|" + _BRACES,  # bare groups: {\it x}, {\'e}
    re.DOTALL,
)
_PLAIN_SPECIALS = re.compile(r"``|''|---|--|~|[${}\\]")
_PLAIN_REPL = {"``": "\u201c", "''": "\u201d", "---": "\u2014", "--": "\u2013", "~": " "}
_NEEDS_LATEX = re.compile(r"[\\$^_{}~`']|--")
_SQRT_ATOM = re.compile(r"\u221a\((\w+)\)")
_COMMAND = re.compile(r"\\[A-Za-z]+\*?|\\")
_STRAY = re.compile(r"[${}]")
_WS = re.compile(r"\s+")
_INLINE_MATH = re.compile(r"\$([^$]*)\$")
# Font and sizing macros that only style their argument: dropping the name keeps the readable text.
_DROP = frozenset(
    "mathrm rm text textit mathbf textrm bf it texttt tt mathsf mathit boldsymbol bm textbf textsc mbox "
    "operatorname emph em sf sl left right big Big bigl bigr Bigl Bigr".split()
)
# Accents as combining characters, the same ones pylatexenc uses.
_ACCENTS = {
    "bar": "\u0305",
    "overline": "\u0305",
    "tilde": "\u0303",
    "widetilde": "\u0303",
    "hat": "\u0302",
    "widehat": "\u0302",
    "vec": "\u20d7",
    "dot": "\u0307",
}
_ACCENT_ARG = re.compile(r"\\(" + "|".join(_ACCENTS) + r")\s*(?:\{(\w)\}|(\w))")
_SQRT_ARG = re.compile(r"\\sqrt\s*(?:\{([^{}\\]*)\}|(\w))")
_MATH_MACRO = re.compile(r"\\([A-Za-z]+)\s*|\\([^A-Za-z])")


def _href_text(node: object, l2tobj: LatexNodes2Text) -> str:
    args = getattr(getattr(node, "nodeargd", None), "argnlist", None) or []
    shown = [a for a in args if a is not None]
    return l2tobj.nodelist_to_text([shown[-1]]) if shown else ""


@lru_cache(maxsize=1)
def _converter() -> tuple[LatexNodes2Text, object]:
    """The converter and the parser's macro context, built once (each costs ~0.3 ms to build)."""
    db = get_default_latex_context_db()
    db.add_context_category(
        "hepgraph-text",
        prepend=True,
        macros=[
            MacroTextSpec(name, simplify_repl="")
            for name in ("cite", "citep", "citet", "ref", "eqref", "label")
        ]
        + [MacroTextSpec("url", simplify_repl="%s"), MacroTextSpec("href", simplify_repl=_href_text)],
    )
    parse_db = get_parsing_context_db()
    parse_db.add_context_category("hepgraph-args", prepend=True, macros=[MacroSpec("href", "{{")])
    # pylatexenc logs a WARNING per malformed macro it meets; on 14k abstracts that is noise, not news.
    logging.getLogger("pylatexenc.latex2text").setLevel(logging.ERROR)
    return LatexNodes2Text(latex_context=db, math_mode="text"), parse_db


@lru_cache(maxsize=1)
def _symbols() -> dict[str, str]:
    r"""Argument-less macros with a fixed replacement (``\alpha`` -> "α"), from pylatexenc's own tables."""
    text_db = get_default_latex_context_db()
    parse_db = get_parsing_context_db()
    table: dict[str, str] = {}
    for spec in text_db.iter_macro_specs():
        repl, parse_spec = spec.simplify_repl, parse_db.get_macro_spec(spec.macroname)
        if not isinstance(repl, str) or "%" in repl or "{" in repl or "}" in repl:
            continue
        if parse_spec is None or not parse_spec.args_parser.argspec:
            table.setdefault(spec.macroname, repl)
    return table


def _simple_math(span: str) -> str | None:
    """Inline math of symbols, font macros, simple accents and roots, converted without the tokenizer.

    Returns None when the span needs pylatexenc (fractions, calligraphic letters, nested arguments).
    """
    m = _INLINE_MATH.fullmatch(span)
    if m is None:
        return None
    table = _symbols()
    for word, char in _MATH_MACRO.findall(m.group(1)):
        name = word or char
        if name not in table and name not in _DROP and name not in _ACCENTS and name not in ("sqrt", "%"):
            return None
    body = _MATH_MACRO.sub(lambda mm: _math_macro(mm, table), m.group(1))
    body = _ACCENT_ARG.sub(lambda mm: (mm.group(2) or mm.group(3)) + _ACCENTS[mm.group(1)], body)
    body = _SQRT_ARG.sub(lambda mm: "\u221a" + _atom(mm.group(1) or mm.group(2)), body)
    if "\\" in body:
        return None
    return body.replace("{", "").replace("}", "").replace("~", " ")


def _math_macro(m: re.Match[str], table: dict[str, str]) -> str:
    name = m.group(1) or m.group(2)
    if name in _ACCENTS or name == "sqrt":
        return m.group()  # resolved with its argument in the next step
    if name == "%":
        return "%"
    return "" if name in _DROP else table[name]


def _atom(arg: str) -> str:
    return arg if re.fullmatch(r"\w+", arg) else f"({arg})"


def _clean(s: str) -> str:
    """Last-resort plain text: drop commands and the characters that only structure LaTeX."""
    return _STRAY.sub("", _COMMAND.sub(" ", s))


@lru_cache(maxsize=65536)
def _span_to_text(span: str) -> str:
    fast = _simple_math(span)
    if fast is not None:
        return fast
    conv, db = _converter()
    try:
        nodes = LatexWalker(span, latex_context=db, tolerant_parsing=True).get_latex_nodes()[0]
        return conv.nodelist_to_text(nodes)
    except Exception as err:  # noqa: BLE001 - pylatexenc raises assorted IndexError/KeyError on odd input
        logger.debug("pylatexenc failed on %r (%s); using the cleaned string", span[:80], err)
        return _clean(span)


def _plain_to_text(chunk: str) -> str:
    return _PLAIN_SPECIALS.sub(lambda m: _PLAIN_REPL.get(m.group(), ""), chunk)


@lru_cache(maxsize=32768)
def latex_to_text(s: str) -> str:
    r"""Readable plain text of a LaTeX title or abstract, whitespace collapsed; never raises.

    Args:
        s: text with inline LaTeX, possibly malformed (unbalanced braces or dollars).

    Returns:
        Unicode text: math symbols as Unicode (``$t\bar{t}H$`` -> "tt̅H"), accents resolved,
        formatting macros dropped, citations removed.

    >>> latex_to_text(r"$\sqrt{s}=13$ TeV, \emph{first}")
    '√s=13 TeV, first'
    """
    if not s:
        return ""
    if not _NEEDS_LATEX.search(s):
        return _WS.sub(" ", s).strip()
    try:
        out: list[str] = []
        pos = 0
        for m in _SPAN.finditer(s):
            out.append(_plain_to_text(s[pos : m.start()]))
            out.append(_span_to_text(m.group()))
            pos = m.end()
        out.append(_plain_to_text(s[pos:]))
        text = "".join(out)
    except Exception as err:  # noqa: BLE001 - the promise is "never raises"; RecursionError included
        logger.debug("latex_to_text failed on %r (%s); using the cleaned string", s[:80], err)
        text = _clean(s)
    text = _SQRT_ATOM.sub(r"√\1", text)
    return _WS.sub(" ", text).strip()
