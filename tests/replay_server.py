"""A local HTTP server that replays real arXiv OAI-PMH, arXiv API, INSPIRE and HEPML responses.

Its records are the real ones in ../shared/corpus (OAI-PMH ``<record>`` blocks copied byte for byte,
INSPIRE literature records, arXiv snapshot lines rendered as the API's Atom, HEPML.bib), served in pages
with resumption tokens or ``links.next`` as the services do. ``faults`` maps a request number (1-based,
counted over every path) to a failure harvesters meet: ``503`` and ``429`` with Retry-After, ``truncated``
(a whole HTTP response whose body is cut short), ``reset`` (the connection closes mid-body), ``expire``
(every resumption token issued so far is forgotten). ``today`` hides records stamped after it, so a test
can let days pass.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

_RECORD = re.compile(rb"<record>.*?</record>", re.S)
_OAI_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
    "<responseDate>{date}T12:00:00Z</responseDate>\n"
)


@dataclass(frozen=True)
class OaiRecord:
    """One real OAI-PMH record block with what the server filters on."""

    identifier: str
    datestamp: str
    sets: tuple[str, ...]
    xml: bytes


def oai_records(folder: Path) -> list[OaiRecord]:
    """The distinct records of every OAI-PMH file in ``folder``, oldest datestamp first."""
    seen: dict[str, OaiRecord] = {}
    for path in sorted(folder.glob("*.xml")):
        for block in _RECORD.findall(path.read_bytes()):
            ident = re.search(rb"<identifier>([^<]+)", block).group(1).decode()
            stamp = re.search(rb"<datestamp>([^<]+)", block).group(1).decode()
            sets = tuple(s.decode() for s in re.findall(rb"<setSpec>([^<]+)", block))
            seen.setdefault(ident, OaiRecord(ident, stamp, sets, block))
    return sorted(seen.values(), key=lambda r: (r.datestamp, r.identifier))


def inspire_records(folder: Path) -> list[dict]:
    """The INSPIRE literature records of ``folder`` (their ``metadata``), those with an arXiv id."""
    out = []
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        meta = doc.get("metadata", doc)
        if meta.get("arxiv_eprints"):
            out.append(meta)
    return out


@dataclass
class Replay:
    """What the server holds and how it misbehaves; tests change it between requests."""

    records: list[OaiRecord]
    inspire: list[dict] = field(default_factory=list)
    arxiv: dict[str, dict] = field(default_factory=dict)
    bib: bytes = b""
    page_size: int = 3
    inspire_page_size: int | None = None
    today: str = "2099-12-31"
    faults: dict[int, str] = field(default_factory=dict)
    delay_s: float = 0.0
    retry_after: str = "0"
    requests: int = 0
    log: list[str] = field(default_factory=list)
    tokens: dict[str, tuple[str, int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    replay: Replay  # set on the subclass the server makes

    def log_message(self, *args: object) -> None:  # quiet: tests read replay.log instead
        return

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        with self.replay.lock:
            self.replay.requests += 1
            number = self.replay.requests
            self.replay.log.append(self.path)
            fault = self.replay.faults.pop(number, None)
            if fault == "expire":
                self.replay.tokens.clear()
        if self.replay.delay_s:
            time.sleep(self.replay.delay_s)
        if fault in ("503", "429"):
            self._send(
                int(fault), b"busy, come back later", "text/plain", {"Retry-After": self.replay.retry_after}
            )
            return
        if url.path == "/oai":
            body, ctype = self._oai(query), "text/xml; charset=utf-8"
        elif url.path == "/api/literature":
            body, ctype = self._inspire(query), "application/json"
        elif url.path == "/api/query":
            body, ctype = self._atom(query), "application/atom+xml; charset=utf-8"
        elif url.path == "/HEPML.bib":
            body, ctype = self.replay.bib, "text/plain; charset=utf-8"
        else:
            self._send(404, b"not found", "text/plain")
            return
        if fault == "truncated":
            body = body[: len(body) // 2]
        if fault == "reset":
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(200, body, ctype)

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    # -- OAI-PMH ListRecords ----------------------------------------------------------------------------
    def _oai(self, q: dict[str, str]) -> bytes:
        r = self.replay
        head = _OAI_HEAD.format(date=r.today)
        if q.get("verb") != "ListRecords":
            return _oai_error(head, "badVerb", "only ListRecords is replayed")
        if "resumptionToken" in q:
            with r.lock:
                found = r.tokens.get(q["resumptionToken"])
            if found is None:
                return _oai_error(head, "badResumptionToken", "the token is unknown or expired")
            key, cursor = found
            args = json.loads(key)
        else:
            args = {k: q.get(k) for k in ("metadataPrefix", "set", "from", "until")}
            if args["metadataPrefix"] not in ("arXiv", "arXivRaw"):
                return _oai_error(head, "cannotDisseminateFormat", "use arXiv or arXivRaw")
            key, cursor = json.dumps(args, sort_keys=True), 0
        chosen = [
            rec
            for rec in r.records
            if rec.datestamp <= r.today
            and (
                not args["set"] or any(s == args["set"] or s.startswith(args["set"] + ":") for s in rec.sets)
            )
            and (not args["from"] or rec.datestamp >= args["from"])
            and (not args["until"] or rec.datestamp <= args["until"])
        ]
        if not chosen:
            return _oai_error(head, "noRecordsMatch", "no records in this window")
        page = chosen[cursor : cursor + r.page_size]
        parts = [head.encode(), b"<ListRecords>\n", *(rec.xml + b"\n" for rec in page)]
        nxt = cursor + r.page_size
        if nxt < len(chosen):
            with r.lock:
                # Fixed by the query and cursor, as arXiv's are, so a page fetched twice is the same bytes.
                token = f"{hashlib.sha1(key.encode()).hexdigest()[:8]}|{nxt}"
                r.tokens[token] = (key, nxt)
            parts.append(
                f'<resumptionToken cursor="{cursor}" completeListSize="{len(chosen)}">{token}'
                "</resumptionToken>\n".encode()
            )
        elif cursor:
            parts.append(f'<resumptionToken cursor="{cursor}" completeListSize="{len(chosen)}"/>\n'.encode())
        parts.append(b"</ListRecords>\n</OAI-PMH>\n")
        return b"".join(parts)

    # -- INSPIRE literature search -----------------------------------------------------------------------
    def _inspire(self, q: dict[str, str]) -> bytes:
        r = self.replay
        wanted = set(re.findall(r"arxiv:(\S+)", q.get("q", "")))
        hits = [m for m in r.inspire if {e.get("value") for e in m["arxiv_eprints"]} & wanted]
        size = r.inspire_page_size or int(q.get("size", "10"))
        page = int(q.get("page", "1"))
        shown = hits[(page - 1) * size : page * size]
        doc: dict = {
            "hits": {
                "hits": [{"id": str(m["control_number"]), "metadata": m} for m in shown],
                "total": len(hits),
            },
            "links": {},
        }
        if page * size < len(hits):
            host = f"http://{self.headers['Host']}"
            doc["links"]["next"] = f"{host}/api/literature?" + urlencode({**q, "page": page + 1})
        return json.dumps(doc).encode()

    # -- arXiv API (Atom) --------------------------------------------------------------------------------
    def _atom(self, q: dict[str, str]) -> bytes:
        ids = [i for i in q.get("id_list", "").split(",") if i]
        entries = [_atom_entry(self.replay.arxiv[i]) for i in ids if i in self.replay.arxiv]
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
            'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
            f"<title>arXiv Query</title><opensearch:totalResults>{len(entries)}</opensearch:totalResults>\n"
            f"<opensearch:startIndex>0</opensearch:startIndex>{''.join(entries)}</feed>\n"
        ).encode()


def _oai_error(head: str, code: str, text: str) -> bytes:
    return f'{head}<error code="{code}">{escape(text)}</error>\n</OAI-PMH>\n'.encode()


def _atom_entry(rec: dict) -> str:
    """An arXiv snapshot record in the arXiv API's Atom entry form."""
    updated = _iso(rec["update_date"])
    first = _rfc_to_iso(rec["versions"][0]["created"]) if rec.get("versions") else updated
    authors = "".join(
        f"<author><name>{escape(' '.join(p for p in (a[1], a[0]) if p))}</name></author>"
        for a in rec.get("authors_parsed", [])
    )
    cats = rec["categories"].split()
    return (
        f"<entry><id>http://arxiv.org/abs/{rec['id']}v1</id><updated>{updated}</updated>"
        f"<published>{first}</published><title>{escape(rec['title'])}</title>"
        f"<summary>{escape(rec['abstract'])}</summary>{authors}"
        f'<arxiv:primary_category term="{cats[0]}"/>'
        + "".join(f'<category term="{c}"/>' for c in cats)
        + "</entry>"
    )


def _iso(partial: str) -> str:
    """2008-04 -> 2008-04-01T00:00:00Z (the snapshot's month-only dates)."""
    parts = (partial.split("-") + ["01", "01"])[:3]
    return "-".join(parts) + "T00:00:00Z"


def _rfc_to_iso(value: str) -> str:
    return parsedate_to_datetime(value).strftime("%Y-%m-%dT%H:%M:%SZ")


class ReplayServer:
    """The replay on 127.0.0.1 and a free port, in a daemon thread; use as a context manager."""

    def __init__(self, replay: Replay) -> None:
        handler = type("Handler", (_Handler,), {"replay": replay})
        self.replay = replay
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
