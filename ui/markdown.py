"""What the Streamlit pages render: data as literal Markdown text, and citations as checked links.

Every string that comes from data or a model (a title, an abstract, an evidence sentence, an answer, a
gap line) reaches a page through :func:`md_text`, the one escaping rule for this medium: Markdown and
Streamlit syntax in it (links, images, emphasis, ``:color[...]`` directives, ``$`` math, HTML) is shown
as typed, so ``![x](https://elsewhere/px.png)`` in a title is text, not a request to another host.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from hepgraph.ui.terminal import strip_controls

# The punctuation that opens or shapes an inline Markdown construct (links, images, emphasis, code,
# tables, HTML, entities) or a Streamlit one (":" of directives and emoji, "$" of math), and the marks
# that only act at the start of a line (lists, headings, rules); each is escapable by a backslash.
_MD_INLINE = re.compile(r"[\\`*_{}\[\]()<>#!|~$:&]")
_MD_LINE_START = re.compile(r"^(\s*(?:\d+)?)([-+=.)])", re.MULTILINE)
_CITATION = re.compile(r"\[((?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))\]")


def md_text(value: object) -> str:
    r"""``value`` as Markdown that renders exactly as typed (controls removed, punctuation escaped).

    >>> md_text("![x](https://elsewhere/px.png) *jets*")
    '\\!\\[x\\]\\(https\\://elsewhere/px.png\\) \\*jets\\*'
    >>> md_text("1. not a list")
    '1\\. not a list'
    """
    text = _MD_INLINE.sub(lambda m: "\\" + m.group(0), strip_controls(str(value)))
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def arxiv_url(arxiv_id: str) -> str:
    """The abstract page of a paper on arXiv."""
    return f"https://arxiv.org/abs/{arxiv_id}"


def cited_markdown(text: str, retrieved: Collection[str], quotes: Mapping[str, str] | None = None) -> str:
    r"""``text`` as literal Markdown whose ``[arXiv id]`` citations of retrieved papers link to arXiv.

    A citation of a paper that was not retrieved stays plain text: no link vouches for it. With
    ``quotes`` (arXiv id -> the source words a citation rests on) the link shows them on hover.

    >>> cited_markdown("Flows [2101.00001], not [2101.99999].", {"2101.00001"})
    'Flows [\\[2101.00001\\]](https://arxiv.org/abs/2101.00001), not \\[2101.99999\\]\\.'
    >>> cited_markdown("Flows [2101.00001].", {"2101.00001"}, {"2101.00001": 'It "works" [x](y).'})
    'Flows [\\[2101.00001\\]](https://arxiv.org/abs/2101.00001 "Source: It \\"works\\" \\[x\\]\\(y\\).")\\.'
    """
    parts, pos = [], 0
    for m in _CITATION.finditer(text):
        parts.append(md_text(text[pos : m.start()]))
        pid = m.group(1)
        hover = _link_title(quotes.get(pid, "")) if quotes else ""
        parts.append(f"[\\[{pid}\\]]({arxiv_url(pid)}{hover})" if pid in retrieved else md_text(m.group(0)))
        pos = m.end()
    parts.append(md_text(text[pos:]))
    return "".join(parts)


def _link_title(quote: str) -> str:
    """A Markdown link title (shown on hover) holding ``quote`` as plain text."""
    if not quote:
        return ""
    # Backslash escapes hold in a link title too: the data's punctuation shows as typed and no "[x](y)"
    # or quote mark in it can act as Markdown (the quote mark, unescaped by md_text, is escaped here).
    flat = md_text(" ".join(quote.split())).replace('"', '\\"')
    return f' "Source: {flat}"'
