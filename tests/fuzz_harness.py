"""Reader fuzzing shared by CI (reliability/test_fuzz_readers.py) and the long run (benchmarks/fuzz.py).

One target per reader: bytes are written to a real file with the reader's extension (gzipped for the
``.gz`` targets), format detection runs on it, then the reader the target names and the reader detection
picked read it to the end. The property: only hepgraph's own errors may escape (HepGraphError, e.g.
UnknownFormatError from detection), every item is a typed record or a RecordProblem, and one file never
takes longer than HANG_S. Inputs are tiny hand-written seeds of each format, mutated (byte flips, cuts,
splices, inserted format tokens) or raw random bytes.
"""

from __future__ import annotations

import gzip
import json
import re
import signal
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from hepgraph.errors import HepGraphError
from hepgraph.extract.sources.detect import read_path
from hepgraph.models import Citation, ExternalWork, PaperRecord, RecordProblem

HANG_S = 5.0  # one small file read for longer than this is a hang, not a slow machine
# Plus this per decompressed byte: 12 KB of gzip can hold 2 MB of one-character lines, each one honest
# problem (about 25 s here); a hang is a reader slower than linear, not a big file.
HANG_S_PER_BYTE = 1 / 50_000
_ITEM_TYPES = (PaperRecord, Citation, ExternalWork, RecordProblem)

_JSONL = b"\n".join(
    json.dumps(o).encode()
    for o in (
        {
            "id": "2101.00001",
            "submitter": "A. One",
            "authors": "A. One, B. Two (CERN) and C. Three",
            "title": "Jet tagging with $\\frac{1}{2}$ graphs",
            "comments": "10 pages",
            "journal-ref": "Phys. Rev. D 1 (2021) 2",
            "doi": "10.1103/PhysRevD.1.2",
            "categories": "hep-ph hep-ex",
            "abstract": "We tag jets.",
            "versions": [{"version": "v1", "created": "Mon, 4 Jan 2021 19:00:00 GMT"}],
            "update_date": "2021-01-05",
            "authors_parsed": [["One", "A.", ""], ["Two", "B.", ""], ["Three", "C.", ""]],
        },
        {"id": "hep-th/9711200", "title": "Large N", "abstract": "AdS.", "authors": "J. Maldacena"},
    )
)
_OAI = b"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2026-08-01T00:00:00Z</responseDate>
<ListRecords>
<record><header><identifier>oai:arXiv.org:2101.00001</identifier><datestamp>2026-07-30</datestamp></header>
<metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>2101.00001</id>
<version version="v1"><date>Mon, 4 Jan 2021 19:00:00 GMT</date></version>
<title>Jet tagging</title><authors>A. One and B. Two</authors><categories>hep-ph</categories>
<doi>10.1103/x</doi><abstract>We tag jets.</abstract></arXivRaw></metadata></record>
<record><header status="deleted"><identifier>oai:arXiv.org:0804.0037</identifier></header></record>
<resumptionToken cursor="0" completeListSize="3">tok|1001</resumptionToken>
</ListRecords></OAI-PMH>
"""
_ATOM = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
<opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>
<entry><id>http://arxiv.org/abs/2101.00001v2</id><published>2021-01-04T19:00:00Z</published>
<title>Jet tagging</title><summary>We tag jets.</summary>
<author><name>A. One</name><arxiv:affiliation>CERN</arxiv:affiliation></author>
<author><name>B. Two</name></author>
<arxiv:doi>10.1103/x</arxiv:doi><arxiv:journal_ref>PRD 1 (2021) 2</arxiv:journal_ref>
<arxiv:primary_category term="hep-ph"/><category term="hep-ph"/><category term="hep-ex"/></entry>
</feed>
"""
_INSPIRE_RECORD = {
    "metadata": {
        "control_number": 1839181,
        "titles": [{"title": "Jet tagging"}],
        "abstracts": [{"value": "We tag jets."}],
        "authors": [{"full_name": "One, A."}, {"full_name": "Two, B."}],
        "arxiv_eprints": [{"value": "2101.00001", "categories": ["hep-ph"]}],
        "dois": [{"value": "10.1103/x"}],
        "preprint_date": "2021-01-04",
        "publication_info": [{"journal_title": "PRD", "journal_volume": "1", "year": 2021}],
        "references": [
            {"reference": {"arxiv_eprint": "hep-th/9711200"}},
            {"record": {"$ref": "https://inspirehep.net/api/literature/451647"}},
            {"reference": {"dois": ["10.1103/y"]}},
        ],
    }
}
_INSPIRE_JSON = json.dumps({"hits": {"hits": [_INSPIRE_RECORD], "total": 1}}).encode()
_INSPIRE_JSONL = b"\n".join(
    json.dumps(o).encode()
    for o in (
        _INSPIRE_RECORD,
        {"citing_arxiv_id": "2101.00001", "references": [{"arxiv_eprint": "hep-th/9711200"}]},
    )
)
_BIB = b"""@string{prd = "Phys. Rev. D"}
@article{One:2021abc,
  author = "One, A. and Two, B. and {ATLAS Collaboration}",
  title = "{Jet {tagging} with $\\frac{1}{2}$ graphs}",
  journal = prd, volume = "1", year = "2021", month = jun,
  eprint = "2101.00001", archivePrefix = "arXiv", primaryClass = "hep-ph",
  doi = "10.1103/PhysRevD.1.2"
}
@misc{Two, title = {Old}, author = {Sa{\\'u}l, B.}, eprint = {hep-th/9711200}}
@comment{ignored}
"""
_EDGES = (
    b"citing\tcited\tcited_id_scheme\tsource\n"
    b"2101.00001\thep-th/9711200\tarxiv\ts\n2101.00001\tdoi:10.1103/y\tdoi\ts\n"
)
_NODES = b"arxiv_id\tcategories\n2101.00001\thep-ph hep-ex\n"


@dataclass(frozen=True)
class Target:
    """One reader fed files of one extension; ``gz`` gzips every input before writing it."""

    name: str
    fmt: str
    suffix: str
    seeds: tuple[bytes, ...]
    tokens: tuple[bytes, ...]
    gz: bool = False


# Values that have broken readers before: ids, dates, numbers and names at their edges.
_VALUES = (
    b"",
    b" ",
    b"0",
    b"-1",
    b"99999999999999999999",
    b"1e999",
    b"NaN",
    b"2101.00001v99",
    b"hep-th/99",
    b"0000-00-00",
    b"2021-13-45",
    b"Mon, 99 Foo 2021 99:99:99 GMT",
    b"10.",
    b"10.1/\x00",
    b"$\\frac{",
    b"{{{{",
    b"\\",
    b"\xe2\x80\xae",
    b"\xf0\x9f\x98\x80",
    b"A" * 5000,
    b"and and",
    b",,,",
    b"(ed)",
)
_JSON_TOKENS = (b"{", b"}", b"[", b"]", b'"', b":", b",", b"\\u", b"\\ud800", b"null", b"1e999", b"-0", b"\n")
_XML_TOKENS = (
    b"<",
    b"</",
    b">",
    b"/>",
    b"&amp;",
    b"&#0;",
    b"&#x10FFFF;",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b'"',
)
_BIB_TOKENS = (b"@", b"{", b"}", b'"', b"#", b"=", b",", b"\\'", b" and ", b"@string{", b"%", b"$")
_TSV_TOKENS = (b"\t", b"\n", b"\r", b"arxiv", b"doi", b"inspire", b"\xef\xbb\xbf")
_BASE = (
    Target("arxiv-jsonl", "arxiv-jsonl", ".jsonl", (_JSONL,), _JSON_TOKENS),
    Target("arxiv-json", "arxiv-jsonl", ".json", (_JSONL,), _JSON_TOKENS),
    Target("oai-pmh", "oai-pmh", ".xml", (_OAI,), _XML_TOKENS),
    Target("arxiv-atom", "arxiv-atom", ".atom", (_ATOM,), _XML_TOKENS),
    Target("inspire-json", "inspire", ".json", (_INSPIRE_JSON,), _JSON_TOKENS),
    Target("inspire-jsonl", "inspire", ".jsonl", (_INSPIRE_JSONL,), _JSON_TOKENS),
    Target("bibtex", "bibtex", ".bib", (_BIB,), _BIB_TOKENS),
    Target("citations", "citations", ".tsv", (_EDGES, _NODES), _TSV_TOKENS),
)
# Every reader again behind gzip: detection and readers open .gz by their magic bytes.
TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        *_BASE,
        *(Target(b.name + ".gz", b.fmt, b.suffix + ".gz", b.seeds, b.tokens, gz=True) for b in _BASE),
    )
}


def _mutate(seed: bytes, ops: list[tuple[int, float, float, bytes]], other: bytes) -> bytes:
    data = bytearray(seed)
    for op, a, b, payload in ops:
        i = int(a * len(data)) if data else 0
        j = min(len(data), i + 1 + int(b * 64))
        if op == 0 and data:  # flip one byte
            data[min(i, len(data) - 1)] ^= 1 << int(b * 8) % 8
        elif op == 1:  # delete a range
            del data[i:j]
        elif op == 2:  # insert bytes or a format token
            data[i:i] = payload
        elif op == 3:  # repeat a range (deep nesting, long fields)
            data[i:i] = bytes(data[i:j]) * (1 + int(b * 200))
        elif op == 4:  # cut the file short
            del data[i:]
        elif op == 5:  # splice in part of another seed
            k = int(b * len(other))
            data[i:i] = other[k : k + 80]
        elif op == 6:  # replace one field's value and keep the structure (XML text, JSON string, TSV cell)
            slots = [m.span(1) for m in _SLOT.finditer(data)]
            if slots:
                lo, hi = slots[int(a * len(slots)) % len(slots)]
                data[lo:hi] = payload
    return bytes(data)


# What lies between > and <, between quotes, or between tabs: a value that can change without breaking
# the file's syntax, so mutants reach the record-level code, not only the parser's error path.
_SLOT = re.compile(rb'(?:>|"|\t)([^<>"\t\n]{1,200})(?:<|"|\t|\n)')


def inputs(target: Target) -> st.SearchStrategy[bytes]:
    """Mutated seeds of ``target``'s format (mostly) and raw bytes; gzipped when the target says so."""
    everything = tuple(s for t in _BASE for s in t.seeds)
    op = st.tuples(
        st.integers(0, 6),
        st.floats(0, 1),
        st.floats(0, 1),
        st.one_of(
            st.sampled_from(target.tokens),
            st.binary(max_size=8),
            st.sampled_from(_VALUES),
            st.text(max_size=12).map(lambda t: t.encode("utf-8", "surrogatepass")),
        ),
    )
    mutated = st.builds(
        _mutate, st.sampled_from(target.seeds), st.lists(op, max_size=8), st.sampled_from(everything)
    )
    plain = st.one_of(mutated, mutated, mutated, st.binary(max_size=300))
    if not target.gz:
        return plain
    # A gzip member of the mutated input, sometimes itself cut or bit-flipped (a damaged download).
    wrapped = plain.map(lambda d: gzip.compress(d, mtime=0))
    damaged = st.builds(_mutate, wrapped, st.lists(op, min_size=1, max_size=2), st.just(b""))
    return st.one_of(wrapped, wrapped, damaged)


class Hang(Exception):
    """A file took longer than HANG_S to detect and read."""


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    def _raise(signum: int, frame: object) -> None:
        msg = f"reading took more than {seconds} s"
        raise Hang(msg)

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _expanded_size(data: bytes) -> int:
    """Bytes a reader sees: the gzip stream inflated as far as it goes (damaged streams included)."""
    if not data.startswith(b"\x1f\x8b"):
        return len(data)
    inflate, size = zlib.decompressobj(31), 0
    try:
        for start in range(0, len(data), 4096):
            size += len(inflate.decompress(data[start : start + 4096]))
    except zlib.error:
        pass
    return max(size, len(data))


def run_one(target: Target, data: bytes, scratch: Path) -> None:
    """Detect and read ``data`` as ``target``'s file; raises on any outcome other than items or our errors."""
    path = scratch / f"fuzz{target.suffix}"  # one real file, rewritten per example
    path.write_bytes(data)
    with _deadline(HANG_S + HANG_S_PER_BYTE * _expanded_size(data)):
        for fmt in (target.fmt, None):  # the reader asked for, then the one detection picks
            try:
                items = list(read_path(path, fmt))
            except HepGraphError:
                continue
            for item in items:
                assert isinstance(item, _ITEM_TYPES), f"reader yielded {type(item).__name__}"
                if isinstance(item, RecordProblem):
                    assert item.reason and item.message(), item
