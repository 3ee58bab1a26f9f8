"""Normalise the identifiers that name a paper: arXiv (old and new style), DOI, INSPIRE record id.

Merging records of one paper across sources hinges on these being exact, so they are pure functions
with property tests.
"""

from __future__ import annotations

import re
import unicodedata

# Old-style archive names, with their sub-archive forms (math.GT/0309136 is filed as math/0309136).
# re.ASCII: without it \d takes Arabic-Indic digits and [a-z] under re.I takes the Kelvin sign.
_OLD_STYLE = re.compile(
    r"^(?P<archive>[a-z][a-z\-]*)(?:\.[a-z]{2})?/(?P<num>\d{7})(?:v\d+)?$", re.IGNORECASE | re.ASCII
)
_NEW_STYLE = re.compile(r"^(?P<num>\d{4}\.\d{4,5})(?:v\d+)?$", re.ASCII)
_PREFIX = re.compile(r"^(?:https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/|arxiv:|oai:arxiv\.org:)", re.I)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$", re.ASCII)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)


def normalize_arxiv_id(raw: str | None) -> str | None:
    """Return the canonical arXiv id (no version, no prefix) or None when ``raw`` is not one.

    >>> normalize_arxiv_id("arXiv:2505.13228v2")
    '2505.13228'
    >>> normalize_arxiv_id("hep-ph/9709356v1")
    'hep-ph/9709356'
    >>> normalize_arxiv_id("math.GT/0309136")
    'math/0309136'
    >>> normalize_arxiv_id("not an id") is None
    True
    """
    if not raw or not isinstance(raw, str):
        return None
    s = _PREFIX.sub("", raw.strip())
    s = s.removesuffix(".pdf").strip()
    m = _NEW_STYLE.match(s)
    if m:
        num = m.group("num")
        # arXiv switched to 5-digit sequence numbers in 2015 (1501.xxxxx).
        yymm, seq = num.split(".")
        if not (1 <= int(yymm[2:]) <= 12):
            return None
        if (int(yymm) >= 1501) != (len(seq) == 5):
            return None
        return num
    m = _OLD_STYLE.match(s)
    if m:
        yymm = m.group("num")[2:4]
        if not (1 <= int(yymm) <= 12):
            return None
        return f"{m.group('archive').lower()}/{m.group('num')}"
    return None


def normalize_doi(raw: str | None) -> str | None:
    """Return a DOI lower-cased and without resolver prefix, or None.

    >>> normalize_doi("https://doi.org/10.1103/PhysRevD.101.076002")
    '10.1103/physrevd.101.076002'
    """
    if not raw or not isinstance(raw, str):
        return None
    s = _DOI_PREFIX.sub("", raw.strip()).strip().rstrip(".").lower()
    return s if _DOI.match(s) else None


def normalize_inspire_id(raw: str | int | None) -> str | None:
    """Return an INSPIRE literature record id as a string of digits, or None.

    >>> normalize_inspire_id("https://inspirehep.net/api/literature/1459277")
    '1459277'
    """
    if raw is None or isinstance(raw, bool):
        return None
    s = str(raw).strip().rstrip("/")
    s = s.rsplit("/", 1)[-1]
    # isdigit() alone accepts "²" and other Unicode digits; leading zeros would split one record in two.
    if not (s.isascii() and s.isdigit() and 0 < len(s) <= 10) or int(s) == 0:
        return None
    return str(int(s))


def paper_key(
    *,
    arxiv_id: str | None = None,
    doi: str | None = None,
    inspire_id: str | None = None,
    fallback: str | None = None,
) -> str | None:
    """The store's primary key for a paper: its arXiv id, else ``doi:...``, ``inspire:...``, ``ref:...``.

    Inputs must already be normalised.
    """
    if arxiv_id:
        return arxiv_id
    if doi:
        return f"doi:{doi}"
    if inspire_id:
        return f"inspire:{inspire_id}"
    if fallback:
        return f"ref:{fallback}"
    return None


_FOLD = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ı": "i",
        "þ": "th",
    }
)


def author_key(name: str) -> str:
    r"""A stable key for an author: folded last name plus first initial ("Aad, Georges" -> "aad_g").

    Name disambiguation is out of scope; this merges spellings that differ only in accents,
    punctuation or given-name completeness, which is what cross-source merging needs.

    >>> author_key("Sa{\\\\'u}l Alonso-Monsalve")
    'alonso-monsalve_s'
    >>> author_key("Alonso-Monsalve, Saúl")
    'alonso-monsalve_s'
    """
    s = re.sub(r"\{\\.(\w)\}|\\.\{?(\w)\}?", lambda m: m.group(1) or m.group(2), name)
    s = s.replace("{", "").replace("}", "")
    # Letters NFKD does not decompose would otherwise vanish ("Kozioł" -> "kozio").
    s = s.translate(_FOLD)
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    if "," in s:
        last, _, first = s.partition(",")
    else:
        parts = s.split()
        last, first = (parts[-1], " ".join(parts[:-1])) if parts else ("", "")
    last = re.sub(r"[^a-z\- ]", "", last.lower()).strip().replace(" ", "-")
    first = re.sub(r"[^a-z ]", " ", first.lower()).split()
    initial = first[0][0] if first else ""
    return f"{last}_{initial}" if initial else last
