"""Harvests that write raw responses into a folder ``hepgraph ingest`` reads, resumable after a kill.

Every job keeps its progress in a hidden state file beside its pages (an ingest walk passes over
hidden files). A page is written atomically (temporary file, then rename) before the state that points
past it, so a kill at any point leaves either the page and the old state (the rerun fetches the same page
again and writes the same file) or both: the rerun ends with the files an uninterrupted run writes.

- :class:`OaiHarvest`: arXiv OAI-PMH ``ListRecords`` by set and datestamp window, paged by resumption token.
- :class:`IdListHarvest`: the arXiv API by id list, one file per chunk of ids.
- :class:`InspireHarvest`: INSPIRE literature records (references, citation counts) for arXiv ids, paged.
- :class:`UrlHarvest`: one file from a URL (the HEPML Living Review bibliography).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Literal

from defusedxml import ElementTree as SafeET
from pydantic import BaseModel, Field, ValidationError

from hepgraph.errors import ConfigError, HarvestError
from hepgraph.extract.fetch import (
    ARXIV_API,
    ARXIV_DELAY_S,
    INSPIRE_API,
    INSPIRE_DELAY_S,
    INSPIRE_FIELDS,
    PoliteClient,
)
from hepgraph.extract.sources.common import local
from hepgraph.filters import read_id_lines
from hepgraph.ids import normalize_arxiv_id

logger = logging.getLogger(__name__)

OAI_ENDPOINT = "https://oaipmh.arxiv.org/oai"
# arXiv asks OAI-PMH harvesters for one request every three seconds, as for its API (flow control by 503).
OAI_DELAY_S = ARXIV_DELAY_S
HEPML_BIB_URL = "https://raw.githubusercontent.com/iml-wg/HEPML-LivingReview/master/HEPML.bib"
STATE_NAME = ".harvest-state.json"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class HarvestState(BaseModel):
    """Where a harvest job stands: what it asked for, the next request, and whether it finished."""

    job: str = Field(description="the job's parameters, so a rerun with others starts afresh")
    next_token: str | None = Field(None, description="OAI-PMH resumption token of the next page")
    next_page: int = Field(1, description="number of the next page file")
    response_date: str | None = Field(None, description="the server's date at the first page (YYYY-MM-DD)")
    complete: bool = False
    records: int = 0
    restarts: int = 0


class HarvestResult(BaseModel):
    """What one harvest run did."""

    folder: str
    files: list[str] = Field(default_factory=list, description="every page of the job, in order")
    written: int = Field(0, description="pages fetched and written by this run")
    records: int = 0
    requests: int = 0
    response_date: str | None = None
    resumed: bool = False
    already_complete: bool = False


def day(value: str, *, option: str) -> str:
    """A YYYY-MM-DD date for an OAI-PMH window, checked.

    Raises:
        ConfigError: naming the option and the expected form.
    """
    value = value.strip()
    try:
        if not _DAY.match(value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        msg = f"{option} {value!r} is not a date; write it as YYYY-MM-DD (e.g. 2024-01-01)"
        raise ConfigError(msg) from None
    return value


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-") or "all"


def _write_atomic(path: Path, body: bytes) -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(body)
    os.replace(tmp, path)


class _Job:
    """A folder of pages plus its state file."""

    def __init__(self, folder: Path, job: str) -> None:
        self.folder = folder
        self.job = job
        self.state_path = folder / STATE_NAME

    def load(self) -> HarvestState | None:
        """The saved state of this same job, or None (no state, another job's, or unreadable)."""
        try:
            state = HarvestState.model_validate_json(self.state_path.read_bytes())
        except FileNotFoundError:
            return None
        except (ValidationError, ValueError):
            logger.warning("%s is unreadable; the harvest starts again from its first page", self.state_path)
            return None
        return state if state.job == self.job else None

    def save(self, state: HarvestState) -> None:
        """Write the state atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.state_path, state.model_dump_json(indent=1).encode())

    def pages(self, pattern: str) -> list[str]:
        """The page files of the job, sorted."""
        return sorted(p.name for p in self.folder.glob(pattern))


class OaiHarvest:
    """arXiv OAI-PMH ``ListRecords`` of one set and datestamp window into ``folder``.

    Args:
        client: the HTTP client (its delay is the rate limit).
        folder: where pages and the state go; one folder per set and window.
        endpoint: the OAI-PMH base URL (a mirror or a replay server in tests).
        progress: called as ``progress(records so far, list size or None)`` after each page.
    """

    def __init__(
        self,
        client: PoliteClient,
        folder: Path,
        *,
        endpoint: str = OAI_ENDPOINT,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> None:
        self.client = client
        self.folder = folder
        self.endpoint = endpoint
        self.progress = progress

    def run(
        self,
        *,
        set_spec: str | None,
        from_: str | None,
        until: str | None = None,
        prefix: Literal["arXiv", "arXivRaw"] = "arXiv",
        again: bool = False,
    ) -> HarvestResult:
        """Harvest the window, resuming a killed run of the same job; a finished one is left as it is.

        Args:
            set_spec: the OAI set (``physics:hep-ex``); None harvests every set.
            from_: first datestamp (YYYY-MM-DD, inclusive); None from the start.
            until: last datestamp (inclusive); None up to today.
            prefix: the metadata format, ``arXiv`` or ``arXivRaw`` (with version history).
            again: harvest a finished job's window once more (``update`` does, for records that changed
                since); an unfinished one resumes either way.

        Raises:
            HarvestError: on a protocol error, or a service that keeps failing (a rerun resumes).
        """
        job = _Job(self.folder, json.dumps([self.endpoint, set_spec, from_, until, prefix]))
        state = job.load()
        result = HarvestResult(folder=str(self.folder))
        if state is not None and state.complete and not again:
            result.already_complete = True
            result.files = job.pages("page-*.xml")
            result.records, result.response_date = state.records, state.response_date
            return result
        if state is None or state.complete:
            self._clear(job)
            state = HarvestState(job=job.job)
        else:
            result.resumed = state.next_page > 1
        first = {"verb": "ListRecords", "metadataPrefix": prefix}
        first |= {k: v for k, v in (("set", set_spec), ("from", from_), ("until", until)) if v}
        requests_before = self.client.requests
        while not state.complete:
            params = (
                {"verb": "ListRecords", "resumptionToken": state.next_token} if state.next_token else first
            )
            body = self.client.get(self.endpoint, params, validate=_oai_page)
            page = _oai_page(body)
            if page.error == "badResumptionToken" and state.restarts < 1:
                # Tokens expire (arXiv keeps them for a while only): harvest the window again from its start.
                logger.warning("%s: resumption token refused; harvesting the window again", self.endpoint)
                self._clear(job)
                state = HarvestState(job=job.job, restarts=state.restarts + 1)
                continue
            if page.error and page.error != "noRecordsMatch":
                msg = (
                    f"{self.endpoint} answered OAI-PMH error {page.error}: {page.message}; check --set, "
                    "--from/--until and --endpoint (a refused resumption token: delete "
                    f"{job.state_path} and harvest again)"
                )
                raise HarvestError(msg, url=self.endpoint)
            name = f"page-{state.next_page:05d}.xml"
            _write_atomic(self.folder / name, body)
            result.written += 1
            state.records += page.records
            state.response_date = state.response_date or page.response_date
            state.next_page += 1
            state.next_token = page.token
            state.complete = page.token is None
            job.save(state)
            if self.progress:
                self.progress(state.records, page.list_size)
            logger.info("%s: %s (%d records, token %s)", self.folder, name, page.records, page.token)
        result.files = job.pages("page-*.xml")
        result.records, result.response_date = state.records, state.response_date
        result.requests = self.client.requests - requests_before
        return result

    def _clear(self, job: _Job) -> None:
        """Drop the pages of an earlier listing: a new one is numbered from 1 and may be shorter."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for name in job.pages("page-*.xml"):
            (self.folder / name).unlink()
        job.state_path.unlink(missing_ok=True)


class _OaiPage(BaseModel):
    records: int = 0
    token: str | None = None
    list_size: int | None = None
    response_date: str | None = None
    error: str | None = None
    message: str = ""


def _oai_page(body: bytes) -> _OaiPage:
    """What a harvester needs from one OAI-PMH page.

    Raises:
        ValueError: when the body is not a whole OAI-PMH document (a page cut short is fetched again).
    """
    try:
        root = SafeET.fromstring(body)
    except SafeET.ParseError as err:
        msg = f"not a whole XML document: {err}"
        raise ValueError(msg) from err
    if local(root.tag) != "OAI-PMH":
        msg = f"root element <{local(root.tag)}> is not <OAI-PMH>"
        raise ValueError(msg)
    page = _OaiPage()
    for elem in root.iter():
        tag = local(elem.tag)
        if tag == "record":
            page.records += 1
        elif tag == "resumptionToken":
            page.token = (elem.text or "").strip() or None
            size = elem.get("completeListSize", "")
            page.list_size = int(size) if size.isdigit() else None
        elif tag == "responseDate":
            page.response_date = (elem.text or "").strip()[:10] or None
        elif tag == "error" and page.error is None:
            page.error, page.message = elem.get("code", ""), (elem.text or "").strip()
    return page


def chunk_name(prefix: str, ids: Sequence[str], suffix: str) -> str:
    """A file name fixed by the chunk's ids, so a rerun finds what it already fetched."""
    digest = hashlib.sha1("\n".join(ids).encode()).hexdigest()[:12]
    return f"{prefix}-{digest}{suffix}"


class IdListHarvest:
    """The arXiv API (Atom) for a list of arXiv ids, ``chunk`` ids a request, one file a chunk."""

    def __init__(
        self, client: PoliteClient, folder: Path, *, endpoint: str = ARXIV_API, chunk: int = 100
    ) -> None:
        self.client = client
        self.folder = folder
        self.endpoint = endpoint
        self.chunk = chunk

    def run(self, ids: Sequence[str]) -> HarvestResult:
        """Fetch every chunk not already in the folder."""
        result = HarvestResult(folder=str(self.folder))
        self.folder.mkdir(parents=True, exist_ok=True)
        requests_before = self.client.requests
        for start in range(0, len(ids), self.chunk):
            part = list(ids[start : start + self.chunk])
            path = self.folder / chunk_name("arxiv-ids", part, ".xml")
            result.files.append(path.name)
            if path.exists():
                continue
            params: dict[str, str | int] = {"id_list": ",".join(part), "max_results": len(part)}
            _write_atomic(path, self.client.get(self.endpoint, params, validate=_atom_feed))
            result.written += 1
        result.requests = self.client.requests - requests_before
        return result


def _atom_feed(body: bytes) -> None:
    try:
        root = SafeET.fromstring(body)
    except SafeET.ParseError as err:
        msg = f"not a whole XML document: {err}"
        raise ValueError(msg) from err
    if local(root.tag) != "feed":
        msg = f"root element <{local(root.tag)}> is not an Atom <feed>"
        raise ValueError(msg)


class InspireHarvest:
    """INSPIRE literature records for arXiv ids (``q=arxiv:A or arxiv:B``), paged by ``links.next``.

    Each chunk of ids is one search; its pages are files named by the chunk, so a rerun skips chunks it
    finished (a chunk is finished when its last page is written: pages are written in order and the last
    one has no ``next`` link).
    """

    def __init__(
        self, client: PoliteClient, folder: Path, *, endpoint: str = INSPIRE_API, chunk: int = 25
    ) -> None:
        self.client = client
        self.folder = folder
        self.endpoint = endpoint.rstrip("/")
        self.chunk = chunk

    def run(self, arxiv_ids: Sequence[str]) -> HarvestResult:
        """Fetch every chunk of ids whose pages are not all in the folder."""
        result = HarvestResult(folder=str(self.folder))
        self.folder.mkdir(parents=True, exist_ok=True)
        requests_before = self.client.requests
        for start in range(0, len(arxiv_ids), self.chunk):
            part = list(arxiv_ids[start : start + self.chunk])
            stem = chunk_name("inspire", part, "")
            done = self.folder / f".{stem}.done"  # hidden: an ingest walk passes over it
            if done.exists():
                result.files += [p.name for p in sorted(self.folder.glob(f"{stem}-p*.json"))]
                continue
            url: str | None = f"{self.endpoint}/literature"
            params: dict[str, str | int] | None = {
                "q": " or ".join(f"arxiv:{i}" for i in part),
                "size": self.chunk,
                "fields": INSPIRE_FIELDS,
                "sort": "mostrecent",
            }
            page = 1
            while url:
                body = self.client.get(url, params, validate=_inspire_page)
                path = self.folder / f"{stem}-p{page:03d}.json"
                _write_atomic(path, body)
                result.files.append(path.name)
                result.written += 1
                result.records += len(json.loads(body).get("hits", {}).get("hits", []))
                url, params, page = json.loads(body).get("links", {}).get("next"), None, page + 1
            _write_atomic(done, b"")
        result.requests = self.client.requests - requests_before
        return result


def _inspire_page(body: bytes) -> None:
    try:
        doc = json.loads(body)
    except ValueError as err:
        msg = f"not a whole JSON document: {err}"
        raise ValueError(msg) from err
    if not isinstance(doc, dict) or not isinstance(doc.get("hits"), dict):
        msg = "not an INSPIRE search response (no 'hits')"
        raise ValueError(msg)


class UrlHarvest:
    """One file from a URL, written atomically (the HEPML Living Review's ``HEPML.bib``)."""

    def __init__(self, client: PoliteClient, folder: Path, *, url: str = HEPML_BIB_URL) -> None:
        self.client = client
        self.folder = folder
        self.url = url

    def run(self, name: str = "HEPML.bib") -> HarvestResult:
        """Fetch the file; an unchanged body leaves the file untouched."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        body = self.client.get(self.url, validate=_bibtex_text)
        result = HarvestResult(folder=str(self.folder), files=[name], requests=1)
        if not path.exists() or path.read_bytes() != body:
            _write_atomic(path, body)
            result.written = 1
        result.records = body.count(b"\n@") + body.startswith(b"@")
        return result


def _bibtex_text(body: bytes) -> None:
    if b"@" not in body[:65536]:
        msg = "no BibTeX entry in the first 64 KiB"
        raise ValueError(msg)


def arxiv_ids_of_pages(paths: Iterable[Path]) -> list[str]:
    """The arXiv ids of the records in OAI-PMH pages, in order, once each (what INSPIRE is asked for)."""
    seen: dict[str, None] = {}
    for path in paths:
        root = SafeET.fromstring(path.read_bytes())
        for elem in root.iter():
            if local(elem.tag) == "identifier" and elem.text:
                arxiv_id = normalize_arxiv_id(elem.text.strip().removeprefix("oai:arXiv.org:"))
                if arxiv_id:
                    seen.setdefault(arxiv_id, None)
    return list(seen)


def read_id_file(path: Path) -> list[str]:
    """The arXiv ids of an id list (:func:`hepgraph.filters.read_id_lines`), which may hold no DOI here.

    Raises:
        ConfigError: naming the file and the line or DOI at fault.
    """
    ids = read_id_lines(path)
    dois = [i for i in ids if i.startswith("10.")]
    if dois:
        msg = f"{path}: {dois[0]!r} is a DOI; the arXiv API and INSPIRE's arxiv: search take arXiv ids only"
        raise ConfigError(msg)
    return ids


def oai_folder(root: Path, set_spec: str | None, from_: str | None, until: str | None) -> Path:
    """The folder of one OAI-PMH window under a harvest root."""
    window = f"{from_ or 'start'}--{until or 'open'}"
    return root / "oai" / _slug(set_spec or "all") / window


def client_for(
    delay_s: float | None, default_delay_s: float, *, backoff_s: float | None = None
) -> PoliteClient:
    """A polite client at the service's published rate unless ``delay_s`` says otherwise (mirrors, tests)."""
    delay = default_delay_s if delay_s is None else delay_s
    return PoliteClient(delay_s=delay, backoff_s=delay * 2 if backoff_s is None else backoff_s)


__all__ = [
    "HEPML_BIB_URL",
    "INSPIRE_DELAY_S",
    "OAI_DELAY_S",
    "OAI_ENDPOINT",
    "HarvestResult",
    "HarvestState",
    "IdListHarvest",
    "InspireHarvest",
    "OaiHarvest",
    "UrlHarvest",
    "arxiv_ids_of_pages",
    "client_for",
    "day",
    "oai_folder",
    "read_id_file",
]
