"""Which records an ingest keeps: arXiv categories, a date window, an id list. One rule, every source.

A record's date is its first version's (``PaperRecord.date``; the last update's when the source gives no
other). Dates compare at the precision both sides have, so ``--since 2018`` keeps 2018-03 and a record
known only as "2018" passes ``--since 2018-06`` (it may be). A record without the field a filter needs
(a BibTeX entry has no categories, some have no date) is not kept: the filter cannot show it belongs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hepgraph.errors import ConfigError
from hepgraph.ids import normalize_arxiv_id
from hepgraph.models import PaperRecord

_PARTIAL = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")


class RecordFilter(BaseModel):
    """What an ingest keeps; an empty filter keeps everything."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    categories: frozenset[str] = Field(
        frozenset(), description="arXiv categories (hep-ph) or archives (cs matches cs.LG)"
    )
    match: Literal["any", "primary"] = Field("any", description="match any listed category, or the first")
    since: str | None = Field(None, description="first date kept, YYYY[-MM[-DD]]")
    until: str | None = Field(None, description="last date kept, YYYY[-MM[-DD]]")
    ids: frozenset[str] | None = Field(None, description="normalized arXiv ids and lower-case DOIs kept")

    @property
    def active(self) -> bool:
        """Whether the filter drops anything at all."""
        return bool(self.categories or self.since or self.until or self.ids is not None)

    def keeps(self, rec: PaperRecord) -> bool:
        """Whether ``rec`` passes every part of the filter (the one rule)."""
        if self.ids is not None and not (
            (rec.arxiv_id and rec.arxiv_id in self.ids) or (rec.doi and rec.doi.lower() in self.ids)
        ):
            return False
        if self.categories and not self.category_match(rec.categories):
            return False
        return self.date_match(rec.date or rec.updated)

    def category_match(self, categories: Iterable[str]) -> bool:
        """Whether the listed categories (primary first) match, under ``match``."""
        listed = list(categories)
        chosen = listed[:1] if self.match == "primary" else listed
        return any(c in self.categories or c.split(".", 1)[0] in self.categories for c in chosen)

    def date_match(self, when: str | None) -> bool:
        """Whether a partial date lies in the window (compared at the precision both have)."""
        if not (self.since or self.until):
            return True
        if not when:
            return False
        for bound, ok in ((self.since, lambda d, b: d >= b), (self.until, lambda d, b: d <= b)):
            if bound:
                n = min(len(when), len(bound))
                if not ok(when[:n], bound[:n]):
                    return False
        return True


def partial_day(value: str, *, option: str) -> str:
    """A YYYY, YYYY-MM or YYYY-MM-DD date, checked.

    Raises:
        ConfigError: naming the option, the value and the form to write.
    """
    value = value.strip()
    ok = bool(_PARTIAL.match(value))
    if ok:
        parts = [int(p) for p in value.split("-")] + [1, 1]
        try:
            date(parts[0], parts[1], parts[2])
        except ValueError:
            ok = False
    if not ok:
        msg = f"{option} {value!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2018 or 2018-03-01)"
        raise ConfigError(msg)
    return value


def read_ids(path: Path) -> frozenset[str]:
    """The arXiv ids and DOIs of an id list file (see :func:`read_id_lines`)."""
    return frozenset(read_id_lines(path))


def read_id_lines(path: Path) -> list[str]:
    """The arXiv ids and DOIs of a file, normalized, in file order, once each.

    One a line; ``#`` comments and blank lines are skipped.

    Raises:
        ConfigError: naming the file and line that holds neither, or a file that cannot be read.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        msg = f"{path}: cannot read the id list ({err}); check the path and that it is UTF-8 text"
        raise ConfigError(msg) from err
    ids: dict[str, None] = {}
    for n, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        arxiv_id = normalize_arxiv_id(text)
        if arxiv_id is None and not _DOI.match(text.lower().removeprefix("https://doi.org/")):
            msg = (
                f"{path}:{n}: {text[:60]!r} is neither an arXiv id nor a DOI; "
                "write one a line (2401.01234, hep-ph/9709356 or 10.1103/PhysRevD.1.1)"
            )
            raise ConfigError(msg)
        ids.setdefault(arxiv_id or text.lower().removeprefix("https://doi.org/"), None)
    return list(ids)


def record_filter(
    *,
    categories: str | None = None,
    match: str = "any",
    since: str | None = None,
    until: str | None = None,
    ids: Path | None = None,
) -> RecordFilter:
    """The filter of the command-line options (``--categories hep-ph,hep-ex`` etc.).

    Raises:
        ConfigError: for a bad date, an empty or unreadable id list, or since after until.
    """
    if match not in ("any", "primary"):
        msg = f"--match must be any or primary, not {match!r}"
        raise ConfigError(msg)
    cats = frozenset(c.strip() for c in (categories or "").split(",") if c.strip())
    start = partial_day(since, option="--since") if since else None
    end = partial_day(until, option="--until") if until else None
    if start and end and start[: min(len(start), len(end))] > end[: min(len(start), len(end))]:
        msg = f"--since {start} is after --until {end}; swap them"
        raise ConfigError(msg)
    id_set = read_ids(ids) if ids is not None else None
    if id_set is not None and not id_set:
        msg = f"{ids}: the id list holds no id; write one arXiv id or DOI a line"
        raise ConfigError(msg)
    return RecordFilter(categories=cats, match=match, since=start, until=end, ids=id_set)  # type: ignore[arg-type]
