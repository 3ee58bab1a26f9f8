"""Find vocabulary concepts in papers: spaCy PhraseMatchers, local acronyms, longest-match resolution.

Names and aliases match on the folded NORM (case, accents, regular plurals ignored); acronyms and LaTeX
forms match on ORTH (exact case). Acronyms a paper defines itself ("variational autoencoder (VAE)")
become aliases for that paper only. Overlaps resolve to the longest span, then the deepest concept in the
IS_A hierarchy. Each paper->concept link keeps its count and a few evidence spans with character offsets
into :attr:`Paper.text`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from hepgraph.extract.acronyms import find_definitions
from hepgraph.extract.nlp import fold, make_pattern
from hepgraph.extract.vocabulary import Vocabulary
from hepgraph.latex import latex_to_text
from hepgraph.models import ConceptLink, Evidence, Paper

logger = logging.getLogger(__name__)

# Bump when matching rules change: the build re-extracts every paper whose stored hash used another version.
EXTRACTOR_VERSION = "mentions-v2"
_NEGATING_PREFIXES = frozenset({"non", "anti", "un"})


class Mention(NamedTuple):
    """One resolved match: token span, character span and concept."""

    start: int
    end: int
    start_char: int
    end_char: int
    concept_id: str


def _plural(acronym: str) -> str | None:
    """'VAEs' for 'VAE': the plural written in HEP text, for acronyms ending in a capital or digit."""
    return acronym + "s" if acronym[-1].isupper() or acronym[-1].isdigit() else None


def _words(text: str) -> set[str]:
    return {fold(w) for w in text.replace("-", " ").split() if w}


class MentionExtractor:
    """Link papers to vocabulary concepts with spaCy matchers.

    Args:
        vocabulary: the validated vocabulary.
        nlp: a pipeline from :func:`hepgraph.extract.nlp.load_pipeline` (it sets the folded norms).
        max_evidence: evidence spans kept per link.
        batch_size: texts per ``nlp.pipe`` batch.
    """

    def __init__(
        self, vocabulary: Vocabulary, nlp: Language, *, max_evidence: int = 3, batch_size: int = 256
    ):
        self.vocabulary = vocabulary
        self.nlp = nlp
        self.max_evidence = max_evidence
        self.batch_size = batch_size
        self._depth = {c.id: len(vocabulary.ancestors(c.id)) for c in vocabulary.concepts}
        self._acronym_concept: dict[str, str] = {}
        self._norm = PhraseMatcher(nlp.vocab, attr="NORM")
        self._orth = PhraseMatcher(nlp.vocab, attr="ORTH")
        self._add_patterns()

    def _add_patterns(self) -> None:
        norm: dict[str, list[Doc]] = defaultdict(list)
        orth: dict[str, list[Doc]] = defaultdict(list)
        for form in self.vocabulary.surface_forms():
            if form.kind in ("name", "alias"):
                norm[form.concept_id].append(make_pattern(self.nlp, form.text))
            elif form.kind == "acronym":
                self._acronym_concept[form.text] = form.concept_id
                texts = [form.text, _plural(form.text)]
                orth[form.concept_id].extend(make_pattern(self.nlp, t) for t in texts if t)
            else:
                text = latex_to_text(form.text).strip()
                if text:
                    orth[form.concept_id].append(make_pattern(self.nlp, text))
                if not text.isascii() and len(fold(text.replace(" ", ""))) >= 3:
                    # Unicode in the converted form (tt̅H): fold so any combining mark, or none, matches.
                    # Not for short forms: folded "g̃" would be the unit "g".
                    norm[form.concept_id].append(make_pattern(self.nlp, text))
        for cid, docs in norm.items():
            self._norm.add(cid, [d for d in docs if len(d)])
        for cid, docs in orth.items():
            self._orth.add(cid, [d for d in docs if len(d)])
        logger.info(
            "mention matcher: %s concepts, %s NORM and %s ORTH patterns",
            len(self.vocabulary),
            sum(map(len, norm.values())),
            sum(map(len, orth.values())),
        )

    def acronym_concept(self, acronym: str) -> str | None:
        """The concept a vocabulary acronym stands for, or None."""
        return self._acronym_concept.get(acronym)

    # -- matching ---------------------------------------------------------------------------------------
    def _raw(self, doc: Doc) -> list[Mention]:
        strings = self.nlp.vocab.strings
        out = []
        for matcher in (self._norm, self._orth):
            for match_id, start, end in matcher(doc):
                span = doc[start:end]
                out.append(Mention(start, end, span.start_char, span.end_char, strings[match_id]))
        return out

    @staticmethod
    def _negated(doc: Doc, m: Mention) -> bool:
        """'non-perturbative QCD' is not 'perturbative QCD': a hyphenated negating prefix voids a match."""
        return (
            m.start >= 2
            and doc[m.start - 1].text == "-"
            and doc[m.start - 2].lower_ in _NEGATING_PREFIXES
            and not doc[m.start - 2].whitespace_
            and not doc[m.start - 1].whitespace_
        )

    def _resolve(self, mentions: Iterable[Mention], n_tokens: int) -> list[Mention]:
        """Greedy non-overlapping choice: longest span (tokens, then characters), then deepest concept."""
        ranked = sorted(
            set(mentions),
            key=lambda m: (
                -(m.end - m.start),
                -(m.end_char - m.start_char),
                -self._depth.get(m.concept_id, 0),
                m.concept_id,
                m.start,
            ),
        )
        taken = bytearray(n_tokens)
        chosen = []
        for m in ranked:
            if any(taken[m.start : m.end]):
                continue
            taken[m.start : m.end] = b"\x01" * (m.end - m.start)
            chosen.append(m)
        return sorted(chosen, key=lambda m: (m.start, m.concept_id))

    def _local_acronyms(self, doc: Doc, resolved: list[Mention]) -> dict[str, str | None]:
        """Short forms this text defines, mapped to the concept of their long form (None: not ours).

        A long form matched whole by a concept defines the short form for this paper. A vocabulary
        acronym is kept when the long form only partly matches but reads like the acronym's concept
        ("graph-based neural network (GNN)"); otherwise the partial match, or nothing, takes over
        ("probability density function (PDF)" is not the parton PDF).
        """
        local: dict[str, str | None] = {}
        for d in find_definitions(doc.text):
            inside = [m for m in resolved if m.start_char >= d.long_start and m.end_char == d.long_end]
            inside.sort(key=lambda m: m.start_char)
            known = self._acronym_concept.get(d.short)
            if inside and inside[0].start_char == d.long_start:
                local[d.short] = inside[0].concept_id
            elif known is None:
                if inside:
                    local[d.short] = inside[0].concept_id
            elif not self._long_form_agrees(d.long, known):
                local[d.short] = inside[0].concept_id if inside else None
        return local

    def _long_form_agrees(self, long: str, concept_id: str) -> bool:
        """Whether an unmatched long form still reads like the concept (half its words shared)."""
        concept = self.vocabulary.get(concept_id)
        if concept is None:
            return False
        words = _words(long)
        for form in (concept.name, *concept.aliases):
            other = _words(form)
            if words and other and len(words & other) / len(words | other) >= 0.5:
                return True
        return False

    def match_doc(self, doc: Doc) -> list[Mention]:
        """Resolved mentions in one processed doc, local acronym definitions applied."""
        resolved = self._resolve([m for m in self._raw(doc) if not self._negated(doc, m)], len(doc))
        local = self._local_acronyms(doc, resolved)
        if not local:
            return resolved
        keyed = {form: short for short in local for form in (short, _plural(short)) if form}
        kept = [m for m in resolved if doc[m.start : m.end].text not in keyed]
        for token in doc:
            short = keyed.get(token.text)
            if short is not None and local[short] is not None:
                kept.append(Mention(token.i, token.i + 1, token.idx, token.idx + len(token), local[short]))
        return self._resolve(kept, len(doc))

    # -- links ----------------------------------------------------------------------------------------
    def _links(self, paper_key: str, doc: Doc, mentions: list[Mention]) -> list[ConceptLink]:
        by_concept: dict[str, list[Mention]] = defaultdict(list)
        for m in mentions:
            by_concept[m.concept_id].append(m)
        links = []
        for cid in sorted(by_concept):
            concept = self.vocabulary.get(cid)
            if concept is None:
                continue
            links.append(
                ConceptLink(
                    paper_key=paper_key,
                    concept_id=cid,
                    rel=concept.relation,
                    count=len(by_concept[cid]),
                    evidence=self._evidence(doc, by_concept[cid]),
                )
            )
        return links

    def _evidence(self, doc: Doc, mentions: list[Mention]) -> list[Evidence]:
        """Up to ``max_evidence`` spans, preferring distinct sentences, in text order."""
        picked: list[Mention] = []
        seen_sents: set[int] = set()
        for pass_distinct in (True, False):
            for m in mentions:
                if len(picked) >= self.max_evidence:
                    break
                sent_start = doc[m.start].sent.start
                if m in picked or (pass_distinct and sent_start in seen_sents):
                    continue
                picked.append(m)
                seen_sents.add(sent_start)
        out = []
        for m in sorted(picked):
            sent = doc[m.start].sent
            out.append(
                Evidence(
                    sentence=sent.text.strip(),
                    start=m.start_char,
                    end=m.end_char,
                    surface=doc.text[m.start_char : m.end_char],
                )
            )
        return out

    def extract(self, paper: Paper) -> list[ConceptLink]:
        """Concept links of one paper, sorted by concept id."""
        return self.extract_many([paper])[paper.key]

    def extract_many(self, papers: Sequence[Paper]) -> dict[str, list[ConceptLink]]:
        """Concept links of many papers through ``nlp.pipe`` (one process; the encoder owns the cores)."""
        out: dict[str, list[ConceptLink]] = {}
        # spaCy refuses texts over nlp.max_length (E088): match the head of a pathological 5 MB abstract
        # instead of failing the whole build; evidence offsets stay valid for the prefix (issue 8).
        limit = min(
            self.nlp.max_length, 100_000
        )  # real abstracts are < 10k chars; spaCy time grows with length
        texts = ((p.text[:limit], p.key) for p in papers)
        for doc, key in self.nlp.pipe(texts, as_tuples=True, batch_size=self.batch_size, n_process=1):
            out[key] = self._links(key, doc, self.match_doc(doc)) if len(doc) else []
        return out
