"""BibTeX bibliographies (INSPIRE style: ``eprint``, ``archivePrefix``, ``primaryClass``, ``doi``).

Parsed with bibtexparser v2 in one pass (a 1 MB file takes under a second); every block it cannot
parse becomes a RecordProblem at its line. Titles keep their LaTeX; only protective braces go.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import bibtexparser
from bibtexparser import model
from pydantic import ValidationError

from hepgraph.extract.sources.common import (
    DEFAULT_LIMITS,
    Item,
    author_from_full_name,
    author_from_parts,
    clean_ws,
    problem,
    read_text,
    year_month,
)
from hepgraph.ids import normalize_arxiv_id, normalize_doi
from hepgraph.models import Author, PaperRecord, RecordProblem
from hepgraph.settings import Limits

logger = logging.getLogger(__name__)

SOURCE = "bibtex"
# A brace group that only protects capitals ({QCD}): not an argument of a macro, ^, _ or a previous group.
_PROTECTIVE = re.compile(r"(?<![\\\w^_}])\{([^{}\\$]*)\}")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def read(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[Item]:
    """Records of one .bib file (plain or gzip)."""
    text = read_text(path, SOURCE, limits.max_file_bytes)
    if isinstance(text, RecordProblem):
        yield text
        return
    yield from parse_text(text, origin=path.name)


def parse_text(text: str, origin: str) -> Iterator[Item]:
    """Records of BibTeX text: one PaperRecord per entry, one RecordProblem per unparsable block."""
    if not text.strip():
        yield problem(
            SOURCE, origin, "file", "file is empty", "the file is empty: re-download or re-export it"
        )
        return
    try:
        library = bibtexparser.parse_string(text)
    except Exception as err:  # noqa: BLE001 - bibtexparser has no error hierarchy; the file is what failed
        yield problem(
            SOURCE,
            origin,
            "file",
            f"bibtexparser could not split the file: {err!r}",
            "check the file is BibTeX; fix unbalanced braces or quotes",
        )
        return
    for block in library.blocks:
        if isinstance(block, model.Entry):
            yield entry_to_record(block, origin=origin)
        elif isinstance(block, model.DuplicateBlockKeyBlock) and isinstance(
            block.ignore_error_block, model.Entry
        ):
            # Both entries are records; which one wins is the store's merge decision, not the reader's.
            yield entry_to_record(block.ignore_error_block, origin=origin, note=" (duplicate key)")
        elif isinstance(block, model.ParsingFailedBlock):
            yield _failed(block, origin=origin)


def entry_to_record(entry: model.Entry, *, origin: str, note: str = "") -> PaperRecord | RecordProblem:
    """One BibTeX entry as a PaperRecord keyed by arXiv id, else DOI, else ``ref:<citekey>``."""
    fields = {f.key.lower(): _unbrace(str(f.value)) for f in entry.fields}
    location = f"entry {entry.key}{note}"
    prefix = fields.get("archiveprefix", "arxiv").lower()
    arxiv_id = normalize_arxiv_id(fields.get("eprint")) if prefix in ("arxiv", "") else None
    if arxiv_id is None and prefix in ("arxiv", "") and fields.get("eprint", "").strip():
        # A typo'd eprint must not silently turn the paper into an unmerged ref:<citekey> (issue 8 catalogue).
        return problem(
            SOURCE,
            origin,
            location,
            f"eprint {fields['eprint'][:60]!r} is not an arXiv id",
            "fix the eprint field (e.g. 2101.08320 or hep-ph/9709356) or remove it",
            record_id=entry.key,
        )
    try:
        return PaperRecord(
            source=SOURCE,
            origin=origin,
            location=location,
            arxiv_id=arxiv_id,
            doi=normalize_doi(fields.get("doi")),
            bibkey=entry.key,
            title=clean_title(fields.get("title", "")),
            abstract=clean_ws(fields.get("abstract", "")),
            authors=split_bibtex_authors(fields.get("author", "")),
            categories=[fields["primaryclass"]] if fields.get("primaryclass") else [],
            date=year_month(fields.get("year"), fields.get("month")),
            journal_ref=_journal_ref(fields),
        )
    except ValidationError as err:
        return problem(
            SOURCE,
            origin,
            location,
            f"fields do not fit a paper record: {err}",
            "check the entry's fields",
            record_id=entry.key,
        )


def clean_title(raw: str) -> str:
    """A title without its enclosing and capital-protecting braces; LaTeX macros and math are kept."""
    title = clean_ws(_unbrace(raw))
    previous = None
    while previous != title:  # nested protection: {{QCD}} -> {QCD} -> QCD
        previous, title = title, _PROTECTIVE.sub(r"\1", title)
    return title


def split_bibtex_authors(raw: str) -> list[Author]:
    """Authors of a BibTeX ``author`` field: "Last, First and {ATLAS Collaboration} and others"."""
    authors = []
    for part in _split_top_level_and(clean_ws(raw)):
        name = _unbrace(part)
        if not name or name.lower() == "others":
            continue
        # A fully braced name ({ATLAS Collaboration}) is one unit in BibTeX, never "First Last".
        author = author_from_parts(name) if name != part else author_from_full_name(name)
        if author is not None:
            authors.append(author)
    return authors


def _split_top_level_and(s: str) -> list[str]:
    """Split on " and " outside braces ({Barnes and Noble} stays one name)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and ch == " ":
            m = _AND.match(s, i)
            if m:
                parts.append(s[start:i])
                start = m.end()
    parts.append(s[start:])
    return [p.strip() for p in parts if p.strip()]


def _unbrace(value: str) -> str:
    """Strip enclosing braces or quotes that wrap the whole value ({2102.02278} -> 2102.02278).

    Linear in the length: a title nested 50,000 braces deep is one pass, not one pass per brace.

    >>> _unbrace(' { {Jets} } '), _unbrace("{a}{b}"), _unbrace('"{x}"'), _unbrace("{{" * 3 + "y" + "}}" * 3)
    ('Jets', '{a}{b}', 'x', 'y')
    """
    v = value.strip()
    while len(v) >= 2:
        if v[0] == v[-1] == '"':
            v = v[1:-1].strip()
            continue
        layers = _wrapping_braces(v)
        if not layers:
            break
        v = _drop_layers(v, layers)
    return v


def _wrapping_braces(v: str) -> int:
    """How many brace pairs enclose all of ``v`` (spaces between them allowed); 0 if unbalanced."""
    n, i, opens = len(v), 0, 0
    while i < n and v[i] in "{ \t\n":
        opens += v[i] == "{"
        i += 1
    j, closes = n - 1, 0
    while j >= i and v[j] in "} \t\n":
        closes += v[j] == "}"
        j -= 1
    depth = low = opens
    for ch in v[i : j + 1]:
        depth += (ch == "{") - (ch == "}")
        low = min(low, depth)
    if depth != closes or low < 0:
        return 0
    return min(opens, closes, low)


def _drop_layers(v: str, layers: int) -> str:
    """``v`` without its ``layers`` outermost braces at each end (and the spaces among them)."""
    start, seen = 0, 0
    while seen < layers:
        seen += v[start] == "{"
        start += 1
    end, seen = len(v), 0
    while seen < layers:
        end -= 1
        seen += v[end] == "}"
    return v[start:end].strip()


def _journal_ref(fields: dict[str, str]) -> str | None:
    journal = clean_ws(fields.get("journal", ""))
    if not journal or journal.lower().startswith("arxiv"):
        return None
    year = f"({fields['year']})" if fields.get("year") else ""
    parts = [journal, fields.get("volume", ""), year, fields.get("pages", "")]
    return " ".join(p for p in parts if p) or None


def _failed(block: model.ParsingFailedBlock, *, origin: str) -> RecordProblem:
    line = (block.start_line or 0) + 1
    raw = block.raw or ""
    key = re.match(r"\s*@\w+\s*[{(]\s*([^,\s]*)", raw)
    reason = (
        str(block.error).strip().splitlines()[0] if str(block.error).strip() else type(block.error).__name__
    )
    return problem(
        SOURCE,
        origin,
        f"line {line}",
        f"unparsable BibTeX block: {reason}",
        "fix the entry's braces, quotes or commas",
        record_id=key.group(1) if key else "",
    )
