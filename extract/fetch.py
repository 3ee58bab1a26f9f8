"""Online fetchers: the arXiv API (Atom) and the INSPIRE REST API (JSON), politely rate-limited.

Responses are parsed by the same functions that read saved files (``arxiv_atom.parse_bytes``,
``inspire.parse_text``), and :func:`fetch_to_file` saves raw responses so ``hepgraph ingest DIR`` reads
them offline later. Tests run them against a local server replaying recorded responses.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx

from hepgraph.errors import HarvestError
from hepgraph.extract.sources import arxiv_atom, inspire
from hepgraph.extract.sources.common import Item

logger = logging.getLogger(__name__)

ARXIV_API = "https://export.arxiv.org/api/query"
INSPIRE_API = "https://inspirehep.net/api"
# arXiv asks API clients for one request every three seconds; INSPIRE allows 15 requests per 5 s.
ARXIV_DELAY_S = 3.0
INSPIRE_DELAY_S = 0.4
INSPIRE_FIELDS = ",".join(
    [
        "control_number",
        "citation_count",
        "titles",
        "abstracts",
        "arxiv_eprints",
        "dois",
        "authors.full_name",
        "preprint_date",
        "earliest_date",
        "imprints",
        "publication_info",
        "legacy_creation_date",
        "references.reference.arxiv_eprint",
        "references.reference.dois",
        "references.record",
    ]
)
_RETRY_STATUS = {429, 500, 502, 503, 504}
_USER_AGENT = "hepgraph/0.1 (knowledge-graph explorer; polite single-client use)"
# A Retry-After longer than this is not waited out: the harvest stops and a rerun resumes it.
MAX_RETRY_AFTER_S = 600.0

Response = tuple[str, bytes]  # (suggested file name, raw body)
Validator = Callable[[bytes], None]  # raises ValueError on a body that must be fetched again


class PoliteClient:
    """An httpx client that waits ``delay_s`` between requests and retries transient failures.

    Transient: a connection error or reset, HTTP 429/5xx (waiting out ``Retry-After`` when the server
    sends one, as arXiv's OAI-PMH flow control does), and a body ``validate`` rejects (a page cut short).
    """

    def __init__(
        self,
        *,
        delay_s: float,
        client: httpx.Client | None = None,
        retries: int = 5,
        backoff_s: float = 5.0,
    ) -> None:
        self.delay_s = delay_s
        self.retries = max(1, retries)
        self.backoff_s = backoff_s
        self._client = client or httpx.Client(
            timeout=60.0, headers={"User-Agent": _USER_AGENT}, follow_redirects=True
        )
        self._last = 0.0
        self.requests = 0

    def get(
        self, url: str, params: dict[str, str | int] | None = None, *, validate: Validator | None = None
    ) -> bytes:
        """The body of one GET, after the polite wait.

        Raises:
            HarvestError: when the server keeps failing, refuses the request, or the network is unreachable.
        """
        problem = ""
        for attempt in range(1, self.retries + 1):
            time.sleep(max(0.0, self._last + self.delay_s - time.monotonic()))
            self._last = time.monotonic()
            self.requests += 1
            try:
                resp = self._client.get(url, params=params)
            except httpx.HTTPError as err:
                problem = f"{type(err).__name__}: {err}"
                logger.info("GET %s failed (%s); retrying (attempt %s)", url, problem, attempt)
                self._pause(self.backoff_s * attempt, attempt)
                continue
            if resp.status_code in _RETRY_STATUS:
                problem = f"HTTP {resp.status_code}"
                wait = retry_after_s(resp.headers.get("Retry-After", ""))
                if wait is not None and wait > MAX_RETRY_AFTER_S:
                    msg = (
                        f"GET {resp.url} answered {problem} with Retry-After {wait:.0f} s; "
                        "run the same command again later, it resumes where it stopped"
                    )
                    raise HarvestError(msg, url=str(resp.url))
                logger.info("GET %s -> %s; retrying (attempt %s)", url, problem, attempt)
                self._pause(self.backoff_s * attempt if wait is None else wait, attempt)
                continue
            if resp.status_code != 200:
                msg = f"GET {resp.url} answered HTTP {resp.status_code}; check the query and the --endpoint"
                raise HarvestError(msg, url=str(resp.url))
            if validate is not None:
                try:
                    validate(resp.content)
                except ValueError as err:
                    problem = f"unreadable body ({err})"
                    logger.info("GET %s gave an %s; retrying (attempt %s)", url, problem, attempt)
                    self._pause(self.backoff_s * attempt, attempt)
                    continue
            return resp.content
        msg = (
            f"GET {url} failed {self.retries} times (last: {problem}); check the network and the --endpoint, "
            "then run the same command again: it resumes where it stopped"
        )
        raise HarvestError(msg, url=url)

    def _pause(self, seconds: float, attempt: int) -> None:
        if attempt < self.retries:
            time.sleep(seconds)

    def close(self) -> None:
        """Close the underlying connection pool."""
        self._client.close()


def retry_after_s(value: str) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None when absent or unreadable.

    >>> retry_after_s("20"), retry_after_s(""), retry_after_s("soon")
    (20.0, None, None)
    """
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class ArxivFetcher:
    """The arXiv API: metadata by id list or by search query, paged."""

    def __init__(
        self, client: PoliteClient | None = None, *, page_size: int = 100, base_url: str = ARXIV_API
    ) -> None:
        self.client = client or PoliteClient(delay_s=ARXIV_DELAY_S)
        self.page_size = page_size
        self.base_url = base_url

    def responses_by_ids(self, ids: Sequence[str]) -> Iterator[Response]:
        """Raw Atom responses for the given arXiv ids, ``page_size`` ids a request."""
        for start in range(0, len(ids), self.page_size):
            chunk = list(ids[start : start + self.page_size])
            params: dict[str, str | int] = {"id_list": ",".join(chunk), "max_results": len(chunk)}
            yield f"arxiv-ids-{start:06d}.xml", self.client.get(self.base_url, params)

    def responses_by_query(self, query: str, *, max_results: int = 1000) -> Iterator[Response]:
        """Raw Atom responses of a search (``cat:hep-ex AND abs:anomaly``), paged until done."""
        start = 0
        while start < max_results:
            params: dict[str, str | int] = {
                "search_query": query,
                "start": start,
                "max_results": min(self.page_size, max_results - start),
                "sortBy": "submittedDate",
                "sortOrder": "descending",
            }
            body = self.client.get(self.base_url, params)
            yield f"arxiv-query-{_slug(query)}-{start:06d}.xml", body
            info = arxiv_atom.feed_info(body)
            start += info.entries
            if info.entries == 0 or (info.total is not None and start >= info.total):
                return

    def by_ids(self, ids: Sequence[str]) -> Iterator[Item]:
        """Parsed items for the given arXiv ids."""
        for name, body in self.responses_by_ids(ids):
            yield from arxiv_atom.parse_bytes(body, origin=name)

    def search(self, query: str, *, max_results: int = 1000) -> Iterator[Item]:
        """Parsed items of a search query."""
        for name, body in self.responses_by_query(query, max_results=max_results):
            yield from arxiv_atom.parse_bytes(body, origin=name)


class InspireFetcher:
    """INSPIRE literature records with their references, by arXiv id or record id."""

    def __init__(
        self, client: PoliteClient | None = None, *, page_size: int = 25, base_url: str = INSPIRE_API
    ) -> None:
        self.client = client or PoliteClient(delay_s=INSPIRE_DELAY_S)
        self.page_size = page_size
        self.base_url = base_url

    def responses_by_arxiv_ids(self, ids: Sequence[str]) -> Iterator[Response]:
        """Raw search responses for arXiv ids (``q=arxiv:A or arxiv:B ...``)."""
        for start in range(0, len(ids), self.page_size):
            chunk = ids[start : start + self.page_size]
            query = " or ".join(f"arxiv:{i}" for i in chunk)
            yield f"inspire-arxiv-{start:06d}.json", self._search(query, len(chunk))

    def responses_by_recids(self, recids: Sequence[str]) -> Iterator[Response]:
        """Raw search responses for INSPIRE record ids."""
        for start in range(0, len(recids), self.page_size):
            chunk = recids[start : start + self.page_size]
            query = " or ".join(f"recid:{r}" for r in chunk)
            yield f"inspire-recid-{start:06d}.json", self._search(query, len(chunk))

    def by_arxiv_ids(self, ids: Sequence[str]) -> Iterator[Item]:
        """Parsed records and citations for arXiv ids."""
        for name, body in self.responses_by_arxiv_ids(ids):
            yield from inspire.parse_text(body.decode("utf-8"), origin=name)

    def by_recids(self, recids: Sequence[str]) -> Iterator[Item]:
        """Parsed records and citations for INSPIRE record ids."""
        for name, body in self.responses_by_recids(recids):
            yield from inspire.parse_text(body.decode("utf-8"), origin=name)

    def _search(self, query: str, size: int) -> bytes:
        params: dict[str, str | int] = {"q": query, "size": size, "fields": INSPIRE_FIELDS}
        return self.client.get(f"{self.base_url}/literature", params)


def fetch_to_file(responses: Iterable[Response], out_dir: Path) -> list[Path]:
    """Write raw responses into ``out_dir`` (created) under their names; returns the files written.

    The names end in .xml (Atom) or .json (INSPIRE), so ``hepgraph ingest out_dir`` detects them.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, body in responses:
        path = out_dir / name
        path.write_bytes(body)
        written.append(path)
        logger.info("saved %s (%d bytes)", path, len(body))
    return written


def _slug(query: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", query.lower()).strip("-")[:40] or "query"
