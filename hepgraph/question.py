"""The one check of a question, shared by retrieval, the answerer and every face."""

from __future__ import annotations

from hepgraph.errors import QueryError
from hepgraph.settings import MAX_QUESTION_CHARS, cap_variable

__all__ = ["MAX_QUESTION_CHARS", "clean_question"]


def clean_question(question: str | None, max_chars: int = MAX_QUESTION_CHARS) -> str:
    r"""The question with whitespace collapsed.

    >>> clean_question("  graph   neural\nnetworks ")
    'graph neural networks'

    Raises:
        QueryError: the question is empty or longer than ``max_chars`` (``Settings.max_question_chars``).
    """
    text = " ".join((question or "").split())
    if not text:
        msg = "the question is empty: type what you want to know, e.g. 'Which GNNs are used for jet tagging?'"
        raise QueryError(msg)
    if len(text) > max_chars:
        msg = (
            f"the question is too long: {len(text):,} characters, over the {max_chars:,} allowed "
            f"({cap_variable('max_question_chars')}); shorten it to at most {max_chars:,}"
        )
        raise QueryError(msg)
    return text
