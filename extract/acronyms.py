"""Acronyms defined in a text itself: "variational autoencoder (VAE)" and "(VAEs)".

A small implementation of the Schwartz-Hearst algorithm: a short form in parentheses after a long form
whose words contain the short form's characters in order, the first one starting a word.

References:
    A. Schwartz and M. Hearst, "A simple algorithm for identifying abbreviation definitions in
    biomedical text", Pacific Symposium on Biocomputing 8 (2003) 451-462.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

_PAREN = re.compile(r"\(([^()]{1,16})\)")
_WORD = re.compile(r"\S+")


class AcronymDefinition(BaseModel):
    """One definition found in a text; offsets index into that text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    short: str
    long: str
    long_start: int
    long_end: int
    short_start: int
    short_end: int


def _short_form(inner: str) -> str | None:
    """The short form inside the parentheses, without a plural 's', or None if it does not look like one."""
    s = inner.strip()
    if not (2 <= len(s) <= 12) or " " in s or not s[0].isalnum():
        return None
    if sum(ch.isupper() for ch in s) < 2 and not any(ch.isdigit() for ch in s):
        return None  # "(e.g.)", "(see)", "(i)": a short form has at least two capitals
    if len(s) > 2 and s.endswith("s") and s[-2].isupper():
        s = s[:-1]
    return s


def _match_long(short: str, candidate: str) -> int | None:
    """Start index in ``candidate`` of the shortest long form covering ``short``, or None.

    Walk both strings backwards; every short-form character must appear in order, and the first one
    must start a word of the long form.
    """
    s_chars = [c.lower() for c in short if c.isalnum()]
    if not s_chars:
        return None
    si, li = len(s_chars) - 1, len(candidate) - 1
    while si >= 0:
        c = s_chars[si]
        while li >= 0 and (
            candidate[li].lower() != c or (si == 0 and li > 0 and candidate[li - 1].isalnum())
        ):
            li -= 1
        if li < 0:
            return None
        si -= 1
        li -= 1
    start = candidate.rfind(" ", 0, li + 1) + 1
    return start


def find_definitions(text: str) -> list[AcronymDefinition]:
    """Every "long form (SHORT)" definition in ``text``, in order of appearance."""
    out: list[AcronymDefinition] = []
    for m in _PAREN.finditer(text):
        short = _short_form(m.group(1))
        if short is None:
            continue
        before_end = m.start()
        while before_end > 0 and text[before_end - 1] == " ":
            before_end -= 1
        words = list(_WORD.finditer(text, max(0, before_end - 200), before_end))
        max_words = min(len(short) + 5, 2 * len(short))
        words = [w for w in words if w.end() <= before_end][-max_words:]
        # The long form never crosses a sentence or clause break.
        for i in range(len(words) - 1, -1, -1):
            if words[i].group().endswith((".", ";", ":", ")")) and i < len(words) - 1:
                words = words[i + 1 :]
                break
        if not words:
            continue
        base = words[0].start()
        start = _match_long(short, text[base:before_end])
        if start is None:
            continue
        long_start = base + start
        long_text = text[long_start:before_end]
        if len(long_text) <= len(short) or long_text.startswith(("(", "[")):
            continue
        inner_start = m.start(1) + (len(m.group(1)) - len(m.group(1).lstrip()))
        out.append(
            AcronymDefinition(
                short=short,
                long=long_text,
                long_start=long_start,
                long_end=before_end,
                short_start=inner_start,
                short_end=inner_start + len(short),
            )
        )
    return out
