"""What every source reader shares: the Item union, problem records, file opening, dates and names."""

from __future__ import annotations

import gzip
import logging
import re
import zlib
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from hepgraph.ids import author_key, normalize_doi
from hepgraph.latex import latex_to_text
from hepgraph.models import Author, Citation, ExternalWork, PaperRecord, RecordProblem
from hepgraph.settings import MAX_FILE_BYTES, MAX_LINE_BYTES, Limits, cap_variable

logger = logging.getLogger(__name__)

Item = PaperRecord | Citation | ExternalWork | RecordProblem

UTF8_FIX = "re-export the file as UTF-8"
EMPTY_FIX = "the file is empty: re-download or re-export it"
_GZIP_MAGIC = b"\x1f\x8b"
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_DOI_SPLIT = re.compile(r"[\s,;]+")
_WS = re.compile(r"\s+")
# "Telescope Array Collaboration:R.U. Abbasi, ..." names the collaboration, then its first member.
_AUTHOR_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+and\s+|;\s*|:\s*")
_COLLECTIVE = re.compile(r"\b(?:collaborations?|group|team|consortium|experiment)\b", re.IGNORECASE)
_PARENS = re.compile(r"\([^()]*\)")


def problem(
    source: str, origin: str, location: str, reason: str, fix: str = "", record_id: str = ""
) -> RecordProblem:
    """A RecordProblem; a short constructor because every reader builds many."""
    return RecordProblem(
        source=source, origin=origin, location=location, reason=reason, fix=fix, record_id=record_id
    )


def file_problem(source: str, path: Path, reason: str, fix: str) -> RecordProblem:
    """A problem with a whole file (not well-formed, not UTF-8, empty)."""
    return problem(source, path.name, "file", reason, fix)


# What reading a damaged or vanished file raises: a missing or unreadable file (OSError), a gzip stream
# cut short (EOFError) or corrupt inside a block (zlib.error, which is not an OSError).
READ_ERRORS = (OSError, EOFError, zlib.error)


def is_gzip(path: Path) -> bool:
    """True when the file starts with the gzip magic bytes (whatever its extension says)."""
    with path.open("rb") as fh:
        return fh.read(2) == _GZIP_MAGIC


DEFAULT_LIMITS = Limits()
_SKIP_CHUNK = 1 << 20


def iter_byte_lines(
    path: Path, source: str, max_bytes: int = MAX_LINE_BYTES
) -> Iterator[bytes | RecordProblem]:
    """Lines of a plain or gzip file as bytes, streamed; decoding is per line so one bad line stays one.

    A line over ``max_bytes`` is never held whole: it is skipped in 1 MiB chunks and yielded as one
    RecordProblem in its place (a 1 GB line would otherwise take gigabytes before anything could refuse it).
    """
    opener = gzip.open if is_gzip(path) else open
    with opener(path, "rb") as fh:
        lineno = 0
        while line := fh.readline(max_bytes + 1):
            lineno += 1
            if len(line) <= max_bytes or line.endswith(b"\n"):
                yield line
                continue
            size = len(line) + _skip_rest_of_line(fh)
            yield problem(
                source,
                path.name,
                f"line {lineno}",
                f"line is too long: {size:,} bytes, over the {max_bytes:,} allowed "
                f"({cap_variable('max_line_bytes')})",
                "drop or split the line, or raise the cap",
            )


def _skip_rest_of_line(fh: IO[bytes]) -> int:
    """Read past the end of the current line in bounded chunks; the bytes skipped before its newline."""
    skipped = 0
    while chunk := fh.readline(_SKIP_CHUNK):
        if chunk.endswith(b"\n"):
            return skipped + len(chunk) - 1
        skipped += len(chunk)
    return skipped


def read_bytes(
    path: Path, source: str, max_bytes: int = MAX_FILE_BYTES, *, gunzip: bool = True
) -> bytes | RecordProblem:
    """The whole file (gunzipped when ``gunzip``), or a RecordProblem: unreadable, or over ``max_bytes``.

    A gzip file is read to at most ``max_bytes`` + 1 unpacked bytes, so a small "zip bomb" cannot fill
    memory.
    """
    try:
        if gunzip and is_gzip(path):
            with gzip.open(path, "rb") as fh:
                data = fh.read(max_bytes + 1)
            size = "it unpacks to more than the" if len(data) > max_bytes else ""
            unit = " bytes"
        else:
            n = path.stat().st_size
            size, unit = (f"{n:,} bytes, over the" if n > max_bytes else ""), ""
            data = b"" if size else path.read_bytes()
    except READ_ERRORS as err:
        return file_problem(source, path, f"cannot read the file: {err}", "check the file is complete")
    if size:
        reason = f"file is too big: {size} {max_bytes:,}{unit} allowed ({cap_variable('max_file_bytes')})"
        return file_problem(source, path, reason, "split it into smaller files, or raise the cap")
    return data


def read_text(path: Path, source: str, max_bytes: int = MAX_FILE_BYTES) -> str | RecordProblem:
    """The whole file as UTF-8 text (gzip allowed), or a RecordProblem saying what to fix."""
    data = read_bytes(path, source, max_bytes)
    if isinstance(data, RecordProblem):
        return data
    if not data.strip():
        return file_problem(source, path, "file is empty", EMPTY_FIX)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return file_problem(source, path, f"bytes are not UTF-8 (byte {err.start})", UTF8_FIX)


def clean_ws(s: object) -> str:
    """A string with runs of whitespace collapsed (arXiv wraps titles at 80 columns)."""
    return _WS.sub(" ", s).strip() if isinstance(s, str) else ""


def partial_date(raw: object) -> str | None:
    """YYYY, YYYY-MM or YYYY-MM-DD from the start of an ISO-like date string, else None."""
    if isinstance(raw, int) and 1000 <= raw <= 9999:
        return str(raw)
    if not isinstance(raw, str):
        return None
    m = _DATE.match(raw.strip())
    if not m:
        return None
    year, month, day = m.groups()
    if month and not 1 <= int(month) <= 12:
        return year
    if day and not 1 <= int(day) <= 31:
        return f"{year}-{month}"
    return "-".join(p for p in (year, month, day) if p)


def rfc2822_date(raw: object) -> str | None:
    """YYYY-MM-DD of an RFC 2822 date ("Mon, 2 Apr 2007 19:18:42 GMT"), else None."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return parsedate_to_datetime(raw).date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return partial_date(raw)


def month_number(raw: object) -> int | None:
    """1-12 from "6", "06", "jun", "June" or "07--09 Jul"; None otherwise."""
    s = str(raw or "").strip().lower()
    if s.isdigit():
        return int(s) if 1 <= int(s) <= 12 else None
    for word in re.findall(r"[a-z]{3,}", s):
        if word[:3] in _MONTHS:
            return _MONTHS[word[:3]]
    return None


def year_month(year: object, month: object) -> str | None:
    """A partial date from BibTeX-style year and month fields."""
    y = str(year or "").strip()
    if not re.fullmatch(r"\d{4}", y):
        return None
    mon = month_number(month)
    return f"{y}-{mon:02d}" if mon else y


def first_doi(raw: object) -> str | None:
    """The first valid DOI in a field that may hold several ("10.1/a, 10.1/b;10.1/c")."""
    if not isinstance(raw, str):
        return None
    for part in _DOI_SPLIT.split(raw):
        doi = normalize_doi(part)
        if doi:
            return doi
    return None


def author_from_parts(last: str, first: str = "", suffix: str = "") -> Author | None:
    """An Author shown as "First Last Suffix", keyed on "Last, First"; None for junk like ":" or "2)"."""
    last, first, suffix = clean_ws(last), clean_ws(first), clean_ws(suffix)
    name = " ".join(p for p in (first, last, suffix) if p)
    if "\\" in name or "{" in name:
        name = latex_to_text(name)  # Sa{\'u}l -> Saúl; the key is folded from the raw form either way
    if not re.search(r"\w", name):
        return None
    key = author_key(f"{last}, {first}") if last else author_key(name)
    return Author(name=name, key=key) if key else None


def author_from_full_name(full: str) -> Author | None:
    """An Author from "Last, First" (INSPIRE, BibTeX) or "First Last" (arXiv, Atom)."""
    full = clean_ws(full)
    if "," in full:
        last, _, first = full.partition(",")
        return author_from_parts(last, first)
    if not re.search(r"\w", full):
        return None
    if _COLLECTIVE.search(full):
        return author_from_parts(full)  # "ATLAS Collaboration" is one name, not given name + surname
    shown = latex_to_text(full) if "\\" in full or "{" in full else full
    key = author_key(full)
    return Author(name=shown, key=key) if key else None


def split_author_string(raw: str) -> list[Author]:
    """Authors from arXiv's free-text list: "A. One, B. Two (CERN) and C. Three"."""
    text = _PARENS.sub(" ", _PARENS.sub(" ", raw or ""))
    authors = (author_from_full_name(part) for part in _AUTHOR_SPLIT.split(text))
    return [a for a in authors if a is not None]


_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']")


def read_xml_file(
    path: Path,
    source: str,
    parse_bytes: Callable[[bytes, str], Iterator[Item]],
    max_bytes: int = MAX_FILE_BYTES,
) -> Iterator[Item]:
    """Read one saved XML response (gzip allowed, as detection allows it) and parse it.

    An unreadable or over-size file is one RecordProblem.
    """
    data = read_bytes(path, source, max_bytes)
    if isinstance(data, RecordProblem):
        yield data
        return
    yield from parse_bytes(data, path.name)


def xml_root(data: bytes, *, source: str, origin: str) -> Element | RecordProblem:
    """Parse one XML document safely (no entities, no DTD tricks) or say what is wrong with it."""
    if not data.strip():
        return problem(source, origin, "file", "file is empty", EMPTY_FIX)
    declared = _XML_ENCODING.match(data)
    if declared is None or declared.group(1).lower() in (b"utf-8", b"utf8"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as err:
            return problem(source, origin, "file", f"bytes are not UTF-8 (byte {err.start})", UTF8_FIX)
    try:
        return fromstring(data, forbid_dtd=False)
    except DefusedXmlException as err:
        return problem(
            source,
            origin,
            "file",
            f"refused unsafe XML ({type(err).__name__}: {err})",
            "remove the DTD/entity declarations; harvest responses never need them",
        )
    except LookupError as err:  # an encoding= no codec knows
        return problem(
            source,
            origin,
            "file",
            f"unknown XML encoding ({err})",
            "re-save the file as UTF-8 and declare it",
        )
    except ValueError as err:  # a codec expat cannot stream through, UTF-7 say ("multi-byte encodings ...")
        return problem(
            source,
            origin,
            "file",
            f"unsupported XML encoding ({err})",
            "re-save the file as UTF-8 and declare it",
        )
    except ParseError as err:
        return problem(
            source,
            origin,
            "file",
            f"XML is not well-formed: {err}",
            "re-download the response; the file is truncated or corrupted",
        )


def local(tag: object) -> str:
    """The local name of an ElementTree tag ("{ns}record" -> "record"); namespaces vary between dumps."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def child(elem: Element, name: str) -> Element | None:
    """The first direct child with a local name."""
    for c in elem:
        if local(c.tag) == name:
            return c
    return None


def children(elem: Element, name: str) -> list[Element]:
    """Direct children with a local name."""
    return [c for c in elem if local(c.tag) == name]


def text_of(elem: Element | None, name: str | None = None) -> str:
    """Whitespace-collapsed text of an element (or of its first child called ``name``)."""
    target = elem if name is None or elem is None else child(elem, name)
    return clean_ws("".join(target.itertext())) if target is not None else ""
