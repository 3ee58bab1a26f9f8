"""Sentences of a paper's abstract made fit to stand in an answer: named, unhedged by copied connectives.

An abstract sentence speaks for its own paper ("We show ...", "This work proposes ...", "However, ..."),
which read in an answer about several papers either points nowhere ("it", "the authors") or strings
connectives together. :func:`attribute` rewrites a sentence so the paper it comes from is its named
subject, or says it cannot be (the writer then picks another sentence); the checks at the bottom are the
ones ``benchmarks/answers.py`` counts, so writer and benchmark agree on what a bad sentence is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hepgraph.models import Author

# Connectives an abstract opens a sentence with; in an answer they join nothing. Stripped, repeatedly.
_MARKER = re.compile(
    r"^(?:however|moreover|furthermore|in addition|additionally|finally|thus|therefore|hence|consequently|"
    r"in particular|critically|importantly|notably|crucially|specifically|overall|to this end|as a result|"
    r"interestingly|surprisingly|remarkably|further|also|then|first|second|third|lastly|in this context|"
    r"in contrast|by contrast|instead|indeed|in summary|in conclusion|to summarize|altogether|here|"
    r"in practice|in turn|on the other hand|similarly|likewise|relatedly|along the same lines|meanwhile|"
    r"firstly|secondly|thirdly|next|more importantly|most importantly|nevertheless|nonetheless|still|"
    r"again|for example|for instance|in other words|that is|namely|accordingly|subsequently|notably)"
    r"\s*,\s*",
    re.IGNORECASE,
)
_SELF = r"(?:paper|work|study|letter|article|note|contribution|thesis|review|proceeding|manuscript|talk)"
# "In this paper, we", "Here we", "We": the paper's authors as subject.
_WE = re.compile(rf"^(?:(?:in )?this {_SELF},?\s+|here,?\s+)?(?:we|I)\s+", re.IGNORECASE)
# "This paper presents", "The present work studies": the paper as subject.
_THIS = re.compile(rf"^(?:this|the present|our) {_SELF}\s+", re.IGNORECASE)
_OUR = re.compile(r"^our\s+", re.IGNORECASE)
# "The proposed method achieves ...": the paper's own method, named through the paper.
_THE_METHOD = re.compile(
    r"^the\s+(?:(?:proposed|new|novel|presented|resulting|developed|introduced|present)\s+)?"
    r"(?=(?:approach|method|model|algorithm|technique|framework|network|tagger|architecture|strategy|"
    r"pipeline|procedure|tool|analysis|sampler|classifier|estimator)\b)",
    re.IGNORECASE,
)
# "Using a transformer, we find ...": a short lead-in, then the authors as subject.
# "We therefore show": the connective points back at the abstract's previous sentence.
_THEREFORE = re.compile(r"^(?:therefore|thus|hence|then|consequently|accordingly|subsequently)\s+", re.I)
_POINTS_BACK = re.compile(r"\b(?:this|these|that|those|it|them|such|secondly|thirdly|finally)\b", re.I)
_LEAD_WE = re.compile(r"^([^,;:]{3,80}),\s+(?:we|I)\s+", re.IGNORECASE)
# A noun phrase pointing back at what the abstract said before ("this issue", "these methods").
_BACK_REFERENCE = re.compile(
    r"\b(?:this|these|those|such|both|the above)\s+(?:\w+\s+)?"
    r"(?:issue|issues|problem|problems|work|paper|study|"
    r"approach|approaches|method|methods|model|models|framework|technique|techniques|algorithm|"
    r"limitation|limitations|challenge|challenges|result|results|effect|effects|setup|strategy|"
    r"strategies|procedure|observation|observations|case|cases|task|tasks|tool|tools|success|successes|"
    r"finding|findings|idea|ideas|question|questions|gap|gaps|need|fact|point|points|scenario|scenarios)\b",
    re.IGNORECASE,
)
# Openers that refer to what came before in the abstract, which the answer does not carry along.
UNRESOLVED = re.compile(
    r"^(?:it|its|this|these|those|they|them|their|such|he|she|both|the latter|the former|the authors|"
    r"we|our|us|here|i)\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:we|our|ours|us|I|my)\b")
_ADVERB = re.compile(r"^(?:also|further|then|here|first|finally|additionally|subsequently|now|then)$|ly$")
_COLLABORATION = re.compile(r"((?:[\w\-]+\s+){0,3})collaboration", re.IGNORECASE)
_IRREGULAR = {"have": "has", "are": "is", "were": "was", "do": "does", "go": "goes"}
_PLURAL_IRREGULAR = {v: k for k, v in _IRREGULAR.items()}


def paper_name(authors: Sequence[Author], title: str) -> tuple[str, bool]:
    """How an answer names a paper, and whether the name takes a plural verb.

    >>> paper_name([Author(name="Ada Lovelace"), Author(name="Alan Turing")], "T")
    ('Lovelace et al.', True)
    >>> paper_name([Author(name="CMS Collaboration")], "T")
    ('the CMS Collaboration', True)
    >>> paper_name([Author(name="Noether, Emmy")], "T")
    ('Noether', False)
    >>> paper_name([Author(name="Anna Hallin, Gregor Kasieczka, Ian Pang")], "T")
    ('Hallin et al.', True)
    """
    if not authors:
        short = " ".join(title.split()[:6]) + ("…" if len(title.split()) > 6 else "")
        return f"the authors of “{short}”", True
    first = authors[0].name.strip()
    collaboration = _COLLABORATION.search(first)
    if collaboration is not None:  # "The Pierre Auger Collaboration: A. Abdul Halim" is a collaboration
        return f"the {_collaboration_name(collaboration.group(1).split())} Collaboration", True
    many = len(authors) > 1
    if "," in first:
        head, tail = (part.strip() for part in first.split(",", 1))
        # "Hallin, Anna" is one name; "Anna Hallin, Gregor Kasieczka, ..." is a list in one field.
        listed = len(tail.split()) >= 2 or "," in tail
        last, many = ((head.split() or [head])[-1], True) if listed else (head, many)
    else:
        last = (first.split() or [first])[-1]
    return (f"{last} et al.", True) if many else (last, False)


def _collaboration_name(words: list[str]) -> str:
    """The words naming a collaboration, from its first all-capitals word, else its last two.

    "S. Zucchelli ICARUS" -> "ICARUS"; "ThePierre Auger" -> "Pierre Auger".
    """
    words = [w.removeprefix("The").removeprefix("the") or w for w in words if w.lower() != "the"]
    caps = [i for i, w in enumerate(words) if len(w) > 1 and w.replace("-", "").isupper()]
    return " ".join(words[caps[0] :] if caps else words[-2:])


def strip_markers(sentence: str) -> str:
    """The sentence without the connectives it opened with (several may be stacked)."""
    text = sentence.strip()
    while (m := _MARKER.match(text)) is not None:
        text = text[m.end() :]
    return _capital(text)


def attribute(sentence: str, name: str, plural: bool) -> str | None:
    """The sentence with its paper named as subject; None when that cannot be done honestly.

    ``We show that X`` becomes ``<name> show(s) that X``, ``This paper presents X`` becomes ``<name>
    present(s) X``, ``The proposed method ...`` becomes ``<name>'s method ...``; any other sentence keeps
    its words and ends ``according to <name>`` (for the citation to follow). A sentence that still refers
    back (``It``, ``These results``, ``this issue``) or speaks in the first person mid-way is refused.

    >>> attribute("However, we show that our tagger wins.", "Lovelace et al.", True)
    'Lovelace et al. show that their tagger wins.'
    >>> attribute("This paper presents a GNN.", "Noether", False)
    'Noether presents a GNN.'
    >>> attribute("The method improves rejection by 20%.", "Noether", False)
    "Noether's method improves rejection by 20%."
    >>> attribute("Pile-up degrades the resolution by 5%.", "Noether", False)
    'Pile-up degrades the resolution by 5%, according to Noether.'
    >>> attribute("It also works at high pile-up.", "Noether", False) is None
    True
    """
    text = strip_markers(sentence).rstrip(" .;:")
    if not text or not text[0].isalnum() or _BACK_REFERENCE.search(_THIS.sub("", text, count=1)):
        return None
    if (m := _WE.match(text)) is not None:
        body = _conjugate(_THEREFORE.sub("", text[m.end() :], count=1), plural)
        return _third_person(f"{name} {body}") + "."
    if (m := _THIS.match(text)) is not None:
        body = text[m.end() :] if not plural else _deconjugate(text[m.end() :])
        return _third_person(f"{name} {body}") + "."
    if (m := _OUR.match(text)) is not None or (m := _THE_METHOD.match(text)) is not None:
        return _third_person(f"{_possessive(name)} {text[m.end() :]}") + "."
    if (m := _LEAD_WE.match(text)) is not None and not _POINTS_BACK.search(m.group(1)):
        body = _conjugate(text[m.end() :], plural)
        return _third_person(f"{m.group(1)}, {name} {body}") + "."
    if UNRESOLVED.match(text) or _FIRST_PERSON.search(text):
        return None
    return f"{text}, according to {name}" + ("" if name.endswith(".") else ".")


def _capital(text: str) -> str:
    first = text.split(" ", 1)[0]
    # Keep words written in lower case on purpose ("pT", "kNN", "eV") as they are.
    return text if any(ch.isupper() for ch in first[1:]) else text[:1].upper() + text[1:]


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


_PRONOUN = re.compile(r"\b(?:[Oo]urs?|[Ww]e|[Oo]urselves|[Mm]y|I(?![.\w]))\b|(?<![\d.\s]\s)(?<!\d)\b[Uu]s\b")
_SWAPS = {
    "our": "their",
    "ours": "theirs",
    "us": "them",
    "we": "they",
    "ourselves": "themselves",
    "my": "their",
}


def _third_person(text: str) -> str:
    """First-person pronouns left after the subject was named become third person.

    "I" only as a word ("i.e." stays), "us" not after a number (a latency in "us" is microseconds).

    >>> _third_person("We find our GNN, i.e. the one I built, runs in 1.05 us.")
    'They find their GNN, i.e. the one they built, runs in 1.05 us.'
    """
    return _PRONOUN.sub(lambda m: _same_case(_SWAPS.get(m.group(0).lower(), "they"), m.group(0)), text)


def _same_case(word: str, like: str) -> str:
    return word.capitalize() if like[:1].isupper() and like != "I" else word


# Verbs an abstract's "we" goes on with after "and" ("We present X and observe Y").
_AND_VERB = re.compile(
    r"\band (also )?(show|find|observe|demonstrate|present|propose|study|discuss|compare|use|apply|develop|"
    r"introduce|provide|obtain|derive|investigate|explore|analy[sz]e|compute|calculate|estimate|measure|"
    r"perform|evaluate|train|test|report|identify|argue|explain|predict|achieve|construct|extend|"
    r"implement|describe|quantify|examine|discover|establish|validate|benchmark|release)\b"
)


_AND_VERB_S = re.compile(
    r"\band (also )?(shows|finds|observes|demonstrates|presents|proposes|studies|discusses|compares|uses|"
    r"applies|develops|introduces|provides|obtains|derives|investigates|explores|analy[sz]es|computes|"
    r"calculates|estimates|measures|performs|evaluates|trains|tests|reports|identifies|argues|explains|"
    r"predicts|achieves|constructs|extends|implements|describes|quantifies|examines|discovers|establishes|"
    r"validates|benchmarks|releases|has|is)\b"
)


def _conjugate(body: str, plural: bool) -> str:
    """``body`` after a "we": its verbs in the third person singular unless the name is plural."""
    if plural:
        return body
    words = body.split(" ")
    for i, word in enumerate(words):
        if _ADVERB.search(word.lower()):
            continue
        words[i] = _singular(word)
        break
    return _AND_VERB.sub(lambda m: f"and {m.group(1) or ''}{_singular(m.group(2))}", " ".join(words))


def _deconjugate(body: str) -> str:
    """``body`` after "This paper": its first verb made plural ("presents" -> "present")."""
    words = body.split(" ")
    for i, word in enumerate(words):
        if _ADVERB.search(word.lower()):
            continue
        lower = word.lower()
        if lower in _PLURAL_IRREGULAR:
            words[i] = _PLURAL_IRREGULAR[lower]
        elif lower.endswith("ies"):
            words[i] = word[:-3] + "y"
        elif lower.endswith(("shes", "ches", "sses", "xes", "zes", "oes")):
            words[i] = word[:-2]
        elif lower.endswith("s") and not lower.endswith("ss"):
            words[i] = word[:-1]
        break
    return _AND_VERB_S.sub(lambda m: f"and {m.group(1) or ''}{_plural(m.group(2))}", " ".join(words))


def _plural(verb: str) -> str:
    """A third-person singular verb made plural ("provides" -> "provide")."""
    lower = verb.lower()
    if lower in _PLURAL_IRREGULAR:
        return _PLURAL_IRREGULAR[lower]
    if lower.endswith("ies"):
        return verb[:-3] + "y"
    if lower.endswith(("shes", "ches", "sses", "xes", "zes", "oes")):
        return verb[:-2]
    return verb[:-1] if lower.endswith("s") and not lower.endswith("ss") else verb


def _singular(verb: str) -> str:
    lower = verb.lower()
    if lower in _IRREGULAR:
        return _IRREGULAR[lower]
    if not lower.isalpha():
        return verb
    if lower.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


# -- the checks an answer must pass (benchmarks/answers.py counts them) ------------------------------------
def opens_badly(sentence: str) -> bool:
    """Whether a sentence opens on an unresolved reference or on a copied connective.

    >>> opens_badly("In addition, however, it works."), opens_badly("Lovelace et al. show it works.")
    (True, False)
    """
    text = sentence.strip()
    return bool(UNRESOLVED.match(text) or _MARKER.match(text))


def ngrams(text: str, n: int = 6) -> set[tuple[str, ...]]:
    """The word n-grams of ``text`` (lower case, citations and punctuation dropped)."""
    words = re.sub(r"\[[^\]]*\]", " ", text.lower())
    tokens = re.findall(r"[a-z0-9][a-z0-9\-]*", words)
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def repeated_ngrams(sentences: Sequence[str], n: int = 6) -> int:
    """How many word n-grams occur in more than one sentence (a clause said twice)."""
    seen: dict[tuple[str, ...], int] = {}
    for sentence in sentences:
        for gram in ngrams(sentence, n):
            seen[gram] = seen.get(gram, 0) + 1
    return sum(1 for count in seen.values() if count > 1)


def without_repeats(sentences: Sequence[str], n: int = 6) -> tuple[list[str], int]:
    """The sentences minus any that repeats a word n-gram of an earlier one, and how many were dropped."""
    kept: list[str] = []
    said: set[tuple[str, ...]] = set()
    for sentence in sentences:
        grams = ngrams(sentence, n)
        if grams & said:
            continue
        kept.append(sentence)
        said |= grams
    return kept, len(sentences) - len(kept)
