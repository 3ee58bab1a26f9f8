"""Content terms of a question or sentence: stemmed lower-case words minus stop words and question filler."""

from __future__ import annotations

import re
from functools import cache

import Stemmer

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]+")
# Function words, plus the filler of questions ("could", "how", "does") that no paper is about.
STOP_WORDS = frozenset(
    """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing done down during each either few for from
further had has have having he her here hers him his how i if in into is it its itself just may me
might more most much must my no nor not now of off on once only or other our out over own same shall
she should so some such than that the their them then there these they this those through to too
under until up upon very via was we were what when where whether which while who whom whose why will
with within without would you your yet affect affects effect effects help helps hurt hurts impact
improve improves improved influence make makes possible possibly question questions related relation
really role use used uses using way ways well work works study studies studied learn learns learned
find finds found know known show shows shown result results approach approaches method methods
technique techniques better best good new recent current based different various many several kind
kinds type types apply applied application applications paper papers literature suffer suffers
benefit benefits depend depends matter matters change changes compare compared differ differs exist
exists happen happens example examples
""".split()
)


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
