"""Vocabulary candidates: frequent terms of the corpus that no surface form matches, for a curator.

Nothing here changes the vocabulary: ``hepgraph vocab candidates`` prints a ranked list and a person
decides what to add to ``data/vocabulary``. Three kinds of evidence:

- ``acronym``: "long form (SF)" definitions whose long form matches no concept;
- ``phrase``: frequent noun chunks (with a parser) or, with the fast tokenizer-only pipeline, frequent
  2-3 word runs of content words;
- ``capitalized``: Title-Case multiword names in abstracts ("Muon Collider", "Event Horizon Telescope").
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict
from spacy.language import Language
from spacy.tokens import Doc, Span

from hepgraph.extract.acronyms import find_definitions
from hepgraph.extract.mentions import MentionExtractor
from hepgraph.extract.nlp import fold
from hepgraph.extract.vocabulary import Vocabulary
from hepgraph.models import Paper

logger = logging.getLogger(__name__)

CandidateKind = Literal["acronym", "phrase", "capitalized"]
# Acronym definitions are the strongest sign of a named thing, so they rank first at equal counts.
_KIND_RANK = {"acronym": 0, "capitalized": 1, "phrase": 2}


class Candidate(BaseModel):
    """One term a curator might add: how often it occurs and one example."""

    model_config = ConfigDict(extra="forbid")

    text: str
    kind: CandidateKind
    papers: int
    count: int
    example_paper: str
    example: str


class _Tally:
    """Counts per normalised term: papers, occurrences, the most frequent spelling, the first example."""

    def __init__(self) -> None:
        self.papers: Counter[tuple[str, str]] = Counter()
        self.count: Counter[tuple[str, str]] = Counter()
        self.spellings: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        self.example: dict[tuple[str, str], tuple[str, str]] = {}

    def add_paper(self, paper_key: str, found: list[tuple[str, str, str, str]]) -> None:
        """``found`` holds (kind, norm, spelling, sentence) for one paper."""
        seen: set[tuple[str, str]] = set()
        for kind, norm, spelling, sentence in found:
            key = (kind, norm)
            self.count[key] += 1
            self.spellings[key][spelling] += 1
            self.example.setdefault(key, (paper_key, sentence))
            if key not in seen:
                seen.add(key)
                self.papers[key] += 1


def _covered(doc: Doc, extractor: MentionExtractor) -> bytearray:
    mask = bytearray(len(doc))
    for m in extractor.match_doc(doc):
        mask[m.start : m.end] = b"\x01" * (m.end - m.start)
    return mask


def _content(token: object) -> bool:
    return token.is_alpha and not token.is_stop and len(token) > 2  # type: ignore[attr-defined]


def _phrases(doc: Doc, mask: bytearray) -> Iterator[Span]:
    if doc.has_annotation("DEP"):
        for chunk in doc.noun_chunks:
            while len(chunk) and not _content(chunk[0]):
                chunk = chunk[1:]
            if 2 <= len(chunk) <= 4 and all(_content(t) or t.text == "-" for t in chunk):
                yield chunk
        return
    for n in (2, 3):
        for i in range(len(doc) - n + 1):
            span = doc[i : i + n]
            if all(_content(t) and t.is_lower for t in span):
                yield span


def _capitalized(doc: Doc, start_char: int) -> Iterator[Span]:
    run: list[int] = []
    for token in [*doc, None]:
        ok = (
            token is not None
            and token.idx >= start_char
            and token.is_title
            and token.is_alpha
            and not token.is_sent_start
            and len(token) > 1
        )
        if ok:
            run.append(token.i)  # type: ignore[union-attr]
            continue
        if len(run) >= 2:
            yield doc[run[0] : run[-1] + 1]
        run = []


def _find(doc: Doc, paper: Paper, extractor: MentionExtractor) -> list[tuple[str, str, str, str]]:
    mask = _covered(doc, extractor)
    found = []
    for d in find_definitions(doc.text):
        span = doc.char_span(d.long_start, d.long_end, alignment_mode="expand")
        if span is None or any(mask[span.start : span.end]) or extractor.acronym_concept(d.short) is not None:
            continue
        norm = " ".join(fold(t.text) for t in span)
        found.append(("acronym", norm, f"{d.long} ({d.short})", span.sent.text.strip()))
    abstract_start = len(paper.title_text) + 2 if paper.abstract_text else len(doc.text)
    for kind, spans in (("phrase", _phrases(doc, mask)), ("capitalized", _capitalized(doc, abstract_start))):
        for span in spans:
            if not any(mask[span.start : span.end]):
                found.append((kind, " ".join(t.norm_ for t in span), span.text, span.sent.text.strip()))
    return found


def vocabulary_candidates(
    papers: Iterable[Paper],
    vocabulary: Vocabulary,
    nlp: Language,
    *,
    min_count: int = 5,
    top: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Candidate]:
    """Frequent terms that match no surface form of ``vocabulary``, ranked by papers then occurrences.

    Args:
        papers: the corpus (e.g. ``store.iter_papers()``).
        vocabulary: the current vocabulary; anything it matches is not a candidate.
        nlp: a pipeline from :func:`~hepgraph.extract.nlp.load_pipeline`; with ``sentences="parser"``
            phrases are noun chunks, otherwise runs of content words.
        min_count: a term must occur in at least this many papers.
        top: keep only the first ``top`` candidates.
        progress: called with the number of papers done so far.
    """
    extractor = MentionExtractor(vocabulary, nlp)
    tally = _Tally()
    items = ((p.text, p) for p in papers if p.text)
    for n, (doc, paper) in enumerate(nlp.pipe(items, as_tuples=True, batch_size=256), start=1):
        tally.add_paper(paper.key, _find(doc, paper, extractor))
        if progress is not None and n % 500 == 0:
            progress(n)
    out = []
    for key, n_papers in tally.papers.items():
        if n_papers < min_count:
            continue
        paper_key, sentence = tally.example[key]
        out.append(
            Candidate(
                text=tally.spellings[key].most_common(1)[0][0],
                kind=key[0],  # type: ignore[arg-type]
                papers=n_papers,
                count=tally.count[key],
                example_paper=paper_key,
                example=sentence,
            )
        )
    out.sort(key=lambda c: (-c.papers, -c.count, _KIND_RANK[c.kind], c.text))
    return out[:top] if top is not None else out
