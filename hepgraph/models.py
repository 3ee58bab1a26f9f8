"""Typed records that cross stage boundaries: extract produces them, graph stores and walks them."""

from __future__ import annotations

import hashlib
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hepgraph.ids import author_key, paper_key

SourceKind = Literal["arxiv-jsonl", "oai-pmh", "arxiv-atom", "inspire", "bibtex", "citations", "sample"]
# Precedence when records of one paper disagree: the fullest, most authoritative metadata first.
SOURCE_PRIORITY: dict[str, int] = {
    "arxiv-jsonl": 0,
    "oai-pmh": 1,
    "arxiv-atom": 2,
    "inspire": 3,
    "sample": 4,
    "bibtex": 5,
    "citations": 6,
}
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
# arXiv archives of the physics a hepgraph user works in (quant-ph and cond-mat are physics too, but
# their ML papers are not what a particle physicist means by a physics result).
PHYSICS_ARCHIVES = ("hep-", "physics.", "astro-ph", "nucl-", "gr-qc")


_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _whole_characters(value: object) -> object:
    r"""A string (or list of strings) with lone UTF-16 surrogates replaced by U+FFFD.

    JSON may escape half a character ("\ud800"); Python accepts it, but it cannot be written as UTF-8,
    so one such title would abort a whole ingest when stored. A valid pair becomes its character.

    >>> _whole_characters("bad " + chr(0xD800) + " title") == "bad \N{REPLACEMENT CHARACTER} title"
    True
    >>> _whole_characters([chr(0xD83D) + chr(0xDE00)]) == ["\N{GRINNING FACE}"]
    True
    """
    if isinstance(value, str):
        if _SURROGATE.search(value) is None:
            return value
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_whole_characters(v) for v in value]
    return value


class Record(BaseModel):
    """Base for every typed record: immutable-ish, no unknown fields, text that UTF-8 can hold."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _text_is_whole_characters(cls, value: object) -> object:
        return _whole_characters(value)


class Author(Record):
    """One author as written in a source; ``key`` merges spellings across sources."""

    name: str
    key: str = ""

    def model_post_init(self, __context: object) -> None:  # noqa: D102
        if not self.key:
            self.key = author_key(self.name)


class PaperRecord(Record):
    """One paper as one source describes it. Readers yield these; the store merges them into a Paper."""

    source: SourceKind
    origin: str = Field(description="file (or URL) the record came from")
    location: str = Field("", description="line number, record index or entry key inside origin")
    arxiv_id: str | None = None
    doi: str | None = None
    inspire_id: str | None = None
    bibkey: str | None = None
    title: str = ""
    abstract: str = ""
    authors: list[Author] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    date: str | None = Field(None, description="first-version date, YYYY, YYYY-MM or YYYY-MM-DD")
    updated: str | None = Field(None, description="last-update date, same partial form")
    journal_ref: str | None = None

    @field_validator("date", "updated")
    @classmethod
    def _partial_date(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        if not _PARTIAL_DATE.match(v):
            msg = f"date {v!r} is not YYYY, YYYY-MM or YYYY-MM-DD"
            raise ValueError(msg)
        return v

    @property
    def key(self) -> str | None:
        """The merge key (see :func:`hepgraph.ids.paper_key`)."""
        return paper_key(
            arxiv_id=self.arxiv_id, doi=self.doi, inspire_id=self.inspire_id, fallback=self.bibkey
        )

    def content_hash(self) -> str:
        """Hash of the content (not of where it was read), so re-reading a file changes nothing."""
        payload = self.model_dump_json(exclude={"origin", "location"})
        return hashlib.sha1(payload.encode()).hexdigest()


class Citation(Record):
    """A citing -> cited edge between two (normalised) paper keys; either may be outside the corpus."""

    citing: str
    cited: str
    source: str = ""


class ExternalWork(Record):
    """A paper known only from a citation graph's node list (title, categories), not indexed for search."""

    key: str
    title: str = ""
    categories: list[str] = Field(default_factory=list)


class RecordProblem(Record):
    """A record a reader could not turn into a typed record; the ingest policy decides skip or raise."""

    source: str
    origin: str
    location: str
    reason: str
    fix: str = ""
    record_id: str = ""

    def message(self) -> str:
        r"""One line naming the file, the place, the record, what is wrong and what to do.

        The record id comes from the data: control characters (a NUL, an escape) are shown as ``\xNN``
        and an id longer than 80 characters is cut, so a hostile id cannot flood or garble the line.

        >>> where = dict(source="s", origin="f", location="1", reason="r")
        >>> print(RecordProblem(**where, record_id="a\x00b").message())
        f:1 (record a\x00b): r
        >>> len(RecordProblem(**where, record_id="x" * 10**6).message())
        96
        """
        shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", self.record_id)
        shown = shown if len(shown) <= 80 else shown[:79] + "…"
        rid = f" (record {shown})" if self.record_id else ""
        fix = f"; {self.fix}" if self.fix else ""
        return f"{self.origin}:{self.location}{rid}: {self.reason}{fix}"


class Paper(Record):
    """A paper as stored: all its source records merged by precedence."""

    key: str
    arxiv_id: str | None = None
    doi: str | None = None
    inspire_id: str | None = None
    title: str = ""
    title_text: str = ""
    abstract: str = ""
    abstract_text: str = ""
    authors: list[Author] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    date: str | None = None
    journal_ref: str | None = None
    sources: list[str] = Field(default_factory=list)

    def authorship(self) -> list[tuple[int, Author]]:
        """The WROTE edges every store writes: (position, author), one per key, at its first position.

        An author whose name folds to no key (a stray "2)" from a broken list) gets no edge.
        """
        seen: set[str] = set()
        edges = []
        for position, author in enumerate(self.authors):
            if author.key and author.key not in seen:
                seen.add(author.key)
                edges.append((position, author))
        return edges

    @property
    def year(self) -> int | None:
        """Year of the first version, when known."""
        return int(self.date[:4]) if self.date else None

    @property
    def primary_category(self) -> str | None:
        """The first listed category, arXiv's primary by convention."""
        return self.categories[0] if self.categories else None

    @property
    def in_physics(self) -> bool | None:
        """Whether any category is a physics archive (:data:`PHYSICS_ARCHIVES`); None without categories.

        >>> Paper(key="x", categories=["cs.LG", "hep-ex"]).in_physics
        True
        """
        if not self.categories:
            return None
        return any(c.startswith(PHYSICS_ARCHIVES) for c in self.categories)

    @property
    def text(self) -> str:
        """The plain text that is matched and embedded; evidence offsets index into it."""
        return f"{self.title_text}\n\n{self.abstract_text}" if self.abstract_text else self.title_text

    def content_hash(self) -> str:
        """Hash of the merged content; equal hashes mean a re-ingest changed nothing."""
        return hashlib.sha1(self.model_dump_json().encode()).hexdigest()

    def text_hash(self) -> str:
        """Hash of :attr:`text`, the embedding cache key."""
        return hashlib.sha1(self.text.encode()).hexdigest()


ConceptType = Literal["Method", "Task", "Topic", "Experiment", "Dataset", "Process"]
# The typed paper->concept relation for each concept type.
RELATION_FOR_TYPE: dict[str, str] = {
    "Method": "USES_METHOD",
    "Task": "ADDRESSES",
    "Topic": "STUDIES",
    "Experiment": "FROM_EXPERIMENT",
    "Dataset": "USES_DATASET",
    "Process": "STUDIES_PROCESS",
}


class Concept(Record):
    """A vocabulary concept: stable id, preferred name and every surface form we match."""

    id: str = Field(description="stable id, e.g. 'method:variational-autoencoder'")
    type: ConceptType
    name: str
    aliases: list[str] = Field(default_factory=list)
    acronyms: list[str] = Field(default_factory=list, description="matched case-sensitively")
    latex: list[str] = Field(default_factory=list, description="LaTeX forms, matched after normalisation")
    parents: list[str] = Field(default_factory=list, description="ids this concept IS_A")
    description: str = ""

    @property
    def relation(self) -> str:
        """The paper->concept relation type for this concept."""
        return RELATION_FOR_TYPE[self.type]


class Evidence(Record):
    """Where a concept was found: ``Paper.text[start:end]`` is the matched surface form."""

    sentence: str
    start: int
    end: int
    surface: str


class ConceptLink(Record):
    """A paper->concept edge with its count and up to a few evidence spans."""

    paper_key: str
    concept_id: str
    rel: str
    count: int = 1
    evidence: list[Evidence] = Field(default_factory=list)
    via: Literal["matcher", "claude"] = Field(
        "matcher", description="Who made the link: the vocabulary matcher, or Claude (llm_relations)."
    )


class SimilarEdge(Record):
    """paper-[SIMILAR {score}]->paper from embedding k-nearest neighbours."""

    a: str
    b: str
    score: float
