"""Where a model's quote stands in a paper's text: the one rule both Claude paths check quotes by."""

from __future__ import annotations

import re

_MIN_QUOTE = 4


def locate(text: str, quote: str) -> tuple[int, int] | None:
    """Where ``quote`` occurs in ``text``, as (start, end); whitespace runs may differ. None when absent."""
    quote = quote.strip()
    if len(quote) < _MIN_QUOTE:
        return None
    start = text.find(quote)
    if start >= 0:
        return start, start + len(quote)
    # Models normalise whitespace (a line break becomes a space): the same words over any whitespace run.
    found = re.search(r"\s+".join(map(re.escape, quote.split())), text)
    return (found.start(), found.end()) if found else None
