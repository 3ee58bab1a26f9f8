"""The one check of a question, shared by retrieval, the answerer and every face."""

from __future__ import annotations

from hepgraph.errors import QueryError

MAX_QUESTION_CHARS = 2000


def clean_question(question: str | None) -> str:
    r"""The question with whitespace collapsed.

    >>> clean_question("  graph   neural\nnetworks ")
    'graph neural networks'

    Raises:
        QueryError: the question is empty or longer than ``MAX_QUESTION_CHARS``.
    """
    text = " ".join((question or "").split())
    if not text:
        msg = "the question is empty: type what you want to know, e.g. 'Which GNNs are used for jet tagging?'"
        raise QueryError(msg)
    if len(text) > MAX_QUESTION_CHARS:
        msg = f"the question has {len(text):,} characters: shorten it to at most {MAX_QUESTION_CHARS:,}"
        raise QueryError(msg)
    return text
