"""Content terms of a question or sentence: stemmed lower-case words minus stop words and question filler."""

from __future__ import annotations

import re
from functools import cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]+")
# Function words come from the library's English list; these are the filler of questions and abstracts
# ("could", "how ... affect", "a new method") that no paper is about.
QUESTION_FILLER = frozenset(
    """
affect affects also application applications applied apply approach approaches based benefit benefits
best better change changes compare compared could current depend depends differ different differs done
effect effects either example examples exist exists find finds found good happen happens help helps hurt
hurts impact improve improved improves influence kind kinds know known learn learned learns literature
make makes many matter matters may method methods might much must new paper papers possible possibly
question questions really recent related relation result results role several shall show shown shows
studied studies study suffer suffers technique techniques type types upon use used uses using various via
way ways well whether whose within without work works would yet
""".split()
)
STOP_WORDS = frozenset(STOPWORDS_EN_PLUS) | QUESTION_FILLER


@cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """The words of ``text`` that are not stop words, lower-cased, in order (hyphenated forms kept whole)."""
    return [
        w
        for w in (m.group(0).lower().strip("-") for m in _WORD.finditer(text))
        if len(w) > 2 and w not in STOP_WORDS
    ]


def content_terms(text: str) -> set[str]:
    """Stemmed content words of ``text``; hyphenated words also contribute their parts.

    >>> sorted(content_terms("Could training on adversarial examples hurt BSM sensitivity?"))
    ['adversari', 'bsm', 'exampl', 'sensit', 'train']
    """
    out: set[str] = set()
    stem = _stemmer().stemWord
    for word in words(text):
        out.add(stem(word))
        if "-" in word:
            out.update(stem(part) for part in word.split("-") if len(part) > 2 and part not in STOP_WORDS)
    return out
