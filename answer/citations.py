"""Check the inline citations of an answer: only retrieved papers may be cited, and every sentence needs one.

A citation is an arXiv id in square brackets, new style (``[2411.09296]``) or old style
(``[hep-ph/9709356]``), optionally with a version or an ``arXiv:`` prefix, and several ids may share one
pair of brackets (``[2411.09296, 2103.01234]``). Ids of papers that were not retrieved are removed and
counted; a sentence left without any citation is dropped, so no claim reaches the user without a source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from hepgraph.ids import normalize_arxiv_id
from hepgraph.quotes import locate
from hepgraph.results import Span

_ID = r"(?:arXiv:\s*)?(?:\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Za-z]{2})?/\d{7})(?:v\d+)?"
# One bracket group holding one or more ids separated by commas or semicolons.
_GROUP = re.compile(rf"\s*\[\s*({_ID}(?:\s*[,;]\s*{_ID})*)\s*\]", re.IGNORECASE)
_SPLIT = re.compile(r"\s*[,;]\s*")
_TRAILING = re.compile(r"([.!?])\s*$")
# Sentence ends: a stop, a space, then a capital or a digit; "e.g.", "i.e.", "et al." are kept whole.
_SENTENCE_END = re.compile(
    r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bet al\.)(?<!\bvs\.)(?<=[.!?])\s+(?=[A-Z0-9\"'(])"
)


class Quote(BaseModel):
    """A writer's claim that a sentence rests on these words of a cited paper."""

    model_config = ConfigDict(extra="forbid")

    arxiv_id: str
    quote: str


class DraftSentence(BaseModel):
    """One sentence a writer proposes, with the ids it cites (inline in ``text`` and/or listed)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    citations: list[str] = Field(default_factory=list)
    spans: list[Span] = Field(default_factory=list, description="the source words it rests on, per cited id")
    quotes: list[Quote] = Field(default_factory=list, description="Claude's quotes, resolved into spans")


class CheckedAnswer(BaseModel):
    """Sentences that survived the check, the ids they cite and what was removed."""

    model_config = ConfigDict(extra="forbid")

    sentences: list[str] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list, description="cited ids, in order of first use")
    removed_citations: int = 0
    removed_unquoted: int = Field(0, description="citations removed because their quote is not in the paper")
    dropped_sentences: int = 0
    spans: list[Span] = Field(default_factory=list, description="spans of kept citations, by sentence index")

    @property
    def text(self) -> str:
        """The answer as one paragraph."""
        return " ".join(self.sentences)


def parse_citations(text: str) -> list[str]:
    """Every cited arXiv id in ``text``, normalised, in order, repeats kept.

    >>> parse_citations("as shown [arXiv:2411.09296v2; hep-ph/9709356] and [2411.09296]")
    ['2411.09296', 'hep-ph/9709356', '2411.09296']
    """
    out: list[str] = []
    for group in _GROUP.finditer(text):
        for raw in _SPLIT.split(group.group(1)):
            norm = normalize_arxiv_id(raw)
            if norm:
                out.append(norm)
    return out


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping each sentence's trailing citations with it.

    >>> split_sentences("A holds [2411.09296]. B, e.g. C, too [2103.01234].")
    ['A holds [2411.09296].', 'B, e.g. C, too [2103.01234].']
    """
    parts = _SENTENCE_END.split(text.strip())
    return [p.strip() for p in parts if p.strip()]


def _keep_group(match: re.Match[str], allowed: set[str], kept: list[str], removed: list[str]) -> str:
    ids = [normalize_arxiv_id(raw) for raw in _SPLIT.split(match.group(1))]
    good = [i for i in ids if i and i in allowed]
    removed.extend(i or "?" for i in ids if not (i and i in allowed))
    kept.extend(good)
    return f" [{', '.join(dict.fromkeys(good))}]" if good else ""


def check_sentence(sentence: DraftSentence, allowed: set[str]) -> tuple[str | None, list[str], int]:
    """One sentence with unretrieved ids removed and listed ids placed inline.

    Returns:
        The rendered sentence (None when no allowed citation is left), the ids it cites and how many
        citations were removed.
    """
    kept: list[str] = []
    removed: list[str] = []
    body = _GROUP.sub(lambda m: _keep_group(m, allowed, kept, removed), sentence.text).strip()
    listed = [normalize_arxiv_id(c) or c.strip() for c in sentence.citations]
    extra = [c for c in dict.fromkeys(listed) if c in allowed and c not in kept]
    removed_listed = {c for c in listed if c not in allowed} - set(removed)
    n_removed = len(set(removed)) + len(removed_listed)
    if extra:
        # Listed but not written inline: cite them at the end of the sentence, before its stop.
        tail = " " + " ".join(f"[{c}]" for c in extra)
        m = _TRAILING.search(body)
        body = body[: m.start()] + tail + m.group(1) if m else body + tail + "."
        kept.extend(extra)
    if not kept:
        return None, [], n_removed
    return body, list(dict.fromkeys(kept)), n_removed


def check_citations(sentences: Iterable[DraftSentence], allowed: Sequence[str]) -> CheckedAnswer:
    """Apply :func:`check_sentence` to every sentence; count what was removed and dropped.

    Args:
        sentences: the writer's sentences.
        allowed: arXiv ids of the retrieved papers given to the writer.
    """
    allowed_set = set(allowed)
    out = CheckedAnswer()
    seen: dict[str, None] = {}
    for sentence in sentences:
        text, cited, removed = check_sentence(sentence, allowed_set)
        out.removed_citations += removed
        if text is None:
            out.dropped_sentences += 1
            continue
        index = len(out.sentences)
        out.spans += [
            sp.model_copy(update={"sentence": index}) for sp in sentence.spans if sp.arxiv_id in cited
        ]
        out.sentences.append(text)
        seen.update(dict.fromkeys(cited))
    out.citations = list(seen)
    return out


def strip_unretrieved(text: str, allowed: Sequence[str]) -> tuple[str, int]:
    """``text`` (a line that need not cite, such as a gap) with citations of unretrieved papers removed.

    Returns the line and how many citations were removed.

    >>> strip_unretrieved("No study of flows [2101.00001, 9999.99999] exists.", ["2101.00001"])
    ('No study of flows [2101.00001] exists.', 1)
    """
    kept: list[str] = []
    removed: list[str] = []
    body = _GROUP.sub(lambda m: _keep_group(m, set(allowed), kept, removed), text)
    return " ".join(body.split()).replace(" .", "."), len(removed)


def check_text(text: str, allowed: Sequence[str]) -> CheckedAnswer:
    """Check free prose (not tool output): split it into sentences, then check each."""
    return check_citations((DraftSentence(text=s) for s in split_sentences(text)), allowed)


def resolve_quotes(draft: DraftSentence, texts: Mapping[str, tuple[str, str]]) -> tuple[DraftSentence, int]:
    """The sentence citing only the ids whose quote is found verbatim in that paper, with their spans.

    Args:
        draft: a sentence with ``quotes`` (Claude's).
        texts: arXiv id -> (title_text, abstract_text) of the papers the writer was given.

    Returns:
        The sentence without its unquoted citations (inline and listed), and how many were removed.
    """
    cited = list(
        dict.fromkeys([*parse_citations(draft.text), *(normalize_arxiv_id(c) or c for c in draft.citations)])
    )
    spans: list[Span] = []
    quoted: set[str] = set()
    for q in draft.quotes:
        pid = normalize_arxiv_id(q.arxiv_id) or q.arxiv_id.strip()
        if pid not in cited or pid in quoted or pid not in texts:
            continue
        title, abstract = texts[pid]
        for where, text in (("abstract", abstract), ("title", title)):
            found = locate(text, q.quote)
            if found:
                spans.append(
                    Span(
                        arxiv_id=pid,
                        field=where,
                        start=found[0],
                        end=found[1],
                        text=text[found[0] : found[1]],
                    )
                )
                quoted.add(pid)
                break
    # An id not given to the writer is left to check_sentence, which removes and counts it as unretrieved.
    unquoted = [c for c in cited if c in texts and c not in quoted]
    if not unquoted:
        return draft.model_copy(update={"spans": spans}), 0
    keep = set(cited) - set(unquoted)
    body = _GROUP.sub(lambda m: _keep_group(m, keep, [], []), draft.text)
    body = " ".join(body.split()).replace(" .", ".")
    return (
        DraftSentence(
            text=body or draft.text, citations=[c for c in draft.citations if c in keep], spans=spans
        ),
        len(unquoted),
    )
