"""The embedded store's console engine: LadybugDB (the maintained fork of Kuzu) over a copy of the graph.

The copy is built from the GraphStore iterators once per index hash, into ``<store folder>/cache/cypher-*``
(a temporary folder when the home is read-only), and every query runs on it opened **read-only**: the
engine itself refuses writes, whatever the guard let through. Its own query timeout interrupts a running
query, and its buffer pool is capped, so a cartesian product neither outlives its timeout nor grows memory.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from hepgraph.errors import QueryError
from hepgraph.graph import cypher as q
from hepgraph.graph.console_results import finish, from_ladybug_value, ran_past
from hepgraph.store import ConsoleAnswer, GraphData

logger = logging.getLogger(__name__)

__all__ = ["EMBEDDED_NOTE", "console_answer", "console_database"]

# Bumped when the tables above change, so an old copy is rebuilt rather than queried.
ENGINE_SCHEMA = "1"
# The engine's page cache: the 14k-paper graph several times over; a query that needs more fails with
# a buffer-pool error instead of growing.
BUFFER_POOL_BYTES = 512 * 1024 * 1024
# What the query's process may hold in all (page cache, lists built by expressions, rows): past it the
# child is killed. The engine's own timeout interrupts first; GRACE_S later the child is killed anyway.
MEMORY_BUDGET_BYTES = 1536 * 1024 * 1024
GRACE_S = 2.0
POLL_S = 0.02

EMBEDDED_NOTE = (
    "Embedded backend: openCypher on LadybugDB (the maintained Kuzu fork) over a read-only copy of the "
    "graph, rebuilt when the store changes. Nodes: Paper (key, arxiv_id, title, title_text, abstract, "
    "year, date, categories, author_names), Concept (id, name, type, aliases, parents), Author (key, name), "
    "ExternalWork (key, title); relationships: CITES, USES_METHOD/ADDRESSES/STUDIES/FROM_EXPERIMENT/"
    "USES_DATASET/STUDIES_PROCESS (count, via), IS_A, SIMILAR (score), WROTE (position). Differences from "
    "Neo4j: one label per node (no :Work), shortest paths are written (a)-[* SHORTEST 1..5]-(b), "
    "type(r) is label(r), lists and substring() count from 1; where a function is missing, the error says "
    "what to write instead."
)

_HINTS = (  # Neo4j spellings the engine lacks (a pattern over the query) -> what to write instead
    (r"shortestpath\s*\(", "write a shortest path as MATCH p = (a)-[* SHORTEST 1..5]-(b) RETURN p"),
    (r"\btype\s*\(", "write label(r) for a relationship's type"),
    (r"elementid\s*\(", "write id(n) for the engine's node id"),
    (r"\breplace\s*\(", "write regexp_replace(text, 'pattern', 'replacement', 'g') for replace()"),
    (r"\bsplit\s*\(", "write string_split(text, separator) for split(); lists here count from 1, not 0"),
    (r"\|\|", "write concat(a, b) or a + b to join strings"),
    (r"\bsubstring\s*\(", "substring(text, start, length) counts start from 1 here, not 0"),
    (
        r"\[\s*\w+\s+in\s",
        "write list_filter(list, x -> condition) or list_transform(list, x -> expression) for a list "
        "comprehension",
    ),
    (r":\s*work\b", "there is no :Work label here: match :Paper (indexed) or :ExternalWork (cited only)"),
    (r"call\s+db\.", "the db.* procedures are Neo4j's: use CALL show_tables() RETURN * for the schema"),
)


def console_answer(
    store: GraphData, query: str, *, params: Mapping[str, Any], row_limit: int, timeout_s: float
) -> ConsoleAnswer:
    """The embedded store's answer to ``query`` (already checked read-only), at most ``row_limit`` rows."""
    request = {
        "database": str(console_database(store) / "graph.lbug"),
        "query": query,
        "params": dict(params),
        "row_limit": row_limit,
        "timeout_ms": max(1, int(timeout_s * 1000)),
        "buffer_pool_bytes": BUFFER_POOL_BYTES,
    }
    answer = _run_child(request, timeout_s)
    if "error" in answer:
        raise QueryError(_explain(query, answer["error"], timeout_s))
    nodes: dict = {}
    edges: dict = {}
    rows = [[from_ladybug_value(v, nodes, edges) for v in row] for row in answer["rows"]]
    return ConsoleAnswer(**finish(answer["columns"], rows, answer["truncated"], nodes, edges))


def _run_child(request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """The worker's answer; the child is killed past its memory budget or well past its timeout."""
    child = subprocess.Popen(  # noqa: S603 - our own module, run by this interpreter
        [sys.executable, "-m", "hepgraph.graph.console_worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    box: dict[str, bytes] = {}

    def talk() -> None:
        box["out"], box["err"] = child.communicate(json.dumps(request).encode())

    talker = threading.Thread(target=talk, name="hepgraph-console", daemon=True)
    talker.start()
    deadline = time.monotonic() + timeout_s + GRACE_S
    peak = 0
    while talker.is_alive():
        peak = max(peak, _rss_bytes(child.pid))
        if peak > MEMORY_BUDGET_BYTES or time.monotonic() > deadline:
            child.kill()
            talker.join()
            if peak > MEMORY_BUDGET_BYTES:
                msg = (
                    f"the console query needed more than {MEMORY_BUDGET_BYTES >> 20} MB and was stopped: "
                    "add a LIMIT, a narrower MATCH or a smaller range()"
                )
            else:
                msg = ran_past(timeout_s)
            raise QueryError(msg)
        talker.join(POLL_S)
    if child.returncode != 0:
        last = (box.get("err") or b"").decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        msg = (
            f"the console engine stopped with code {child.returncode} ({last[0][:200]}); try a simpler query"
        )
        raise QueryError(msg)
    return json.loads(box["out"])


def _rss_bytes(pid: int) -> int:
    """Resident memory of a live process from /proc (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _explain(query: str, error: str, timeout_s: float) -> str:
    """The engine's error as one line that starts with what to write instead, where we know it."""
    lowered_error = error.lower()
    if "interrupted" in lowered_error or "timeout" in lowered_error:
        return ran_past(timeout_s)
    if "buffer pool" in lowered_error:
        return f"the console query needs more memory than the console allows and was stopped ({error[:160]})"
    if "read-only" in lowered_error:
        return f"the console is read-only: the engine refused the query ({error[:160]})"
    hints = shape_hints(query, error) + [
        hint for pattern, hint in _HINTS if re.search(pattern, query, flags=re.I)
    ]
    if not hints:  # a typo or a construct we have no rewrite for: point at the schema and dialect
        hints = [
            "check it against the tables and dialect in the console's note (or `hepgraph cypher --help`)"
        ]
    return f"the embedded console cannot run this query: {'; '.join(hints)} (the engine said: {error[:300]})"


_PAIRS = {"(": ")", "[": "]", "{": "}"}
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def shape_hints(query: str, error: str) -> list[str]:
    """What to write for the mistakes a parser reports only by position: brackets, clause order, names.

    >>> shape_hints("MATCH (p:Paper RETURN p", "")
    ["the '(' at character 7 is never closed: add its ')'"]
    >>> shape_hints("MATCH (p) RETURN p LIMIT 3 ORDER BY p.key", "")
    ['write ORDER BY before SKIP and LIMIT: ... RETURN x ORDER BY x LIMIT 10']
    """
    hints = []
    text = _QUOTED.sub(lambda m: " " * len(m.group(0)), query)  # brackets inside strings do not count
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if ch in _PAIRS:
            stack.append((ch, i))
        elif ch in _PAIRS.values():
            if not stack or _PAIRS[stack[-1][0]] != ch:
                hints.append(f"the '{ch}' at character {i + 1} closes nothing: remove it or open it earlier")
                break
            stack.pop()
    else:
        if stack:
            ch, i = stack[-1]
            hints.append(f"the '{ch}' at character {i + 1} is never closed: add its '{_PAIRS[ch]}'")
    if re.search(r"\b(LIMIT|SKIP)\b.*\bORDER\s+BY\b", text, flags=re.I | re.S):
        hints.append("write ORDER BY before SKIP and LIMIT: ... RETURN x ORDER BY x LIMIT 10")
    missing = re.search(r"Cannot find property (\w+) for (\w+)", error)
    if missing:
        prop, var = missing.groups()
        hints.append(f"{var} has no property '{prop}': the note above lists each table's properties")
    return hints


_LOCK = threading.Lock()


def console_database(store: GraphData) -> Path:
    """The folder of the engine's copy of ``store``'s current contents, built on first use."""
    folder = _copy_folder(store)
    with _LOCK:
        if not (folder / "done").exists():
            _build(store, folder)
        return folder


def _copy_folder(store: GraphData) -> Path:
    """Where the copy of this store's contents lives: beside the store, or in temp on a read-only home."""
    name = f"cypher-{ENGINE_SCHEMA}-{store.index_hash()[:16]}"
    home_cache = Path(store.location).parent / "cache"
    for root in (home_cache, Path(tempfile.gettempdir()) / "hepgraph-cypher"):
        try:
            root.mkdir(parents=True, exist_ok=True)
            probe = root / ".write-probe"
            probe.touch()
            probe.unlink()
            return root / name
        except OSError:
            logger.info("cannot write the console copy under %s; trying the next place", root)
    msg = f"no writable folder for the console's copy of the graph ({home_cache}, {tempfile.gettempdir()})"
    raise QueryError(msg)


def _build(store: GraphData, folder: Path) -> None:
    """Write the graph into a fresh engine database at ``folder``; a half-built one is never used."""
    import real_ladybug as lb

    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    db = lb.Database(str(partial / "graph.lbug"), buffer_pool_size=BUFFER_POOL_BYTES, max_num_threads=2)
    conn = lb.Connection(db)
    try:
        for ddl in (*q.LADYBUG_NODE_TABLES.values(), *q.LADYBUG_REL_TABLES.values()):
            conn.execute(ddl)
        for table, pair, rows in _tables(store):
            if rows.num_rows:
                path = partial / f"{table}-{'-'.join(pair or ())}.parquet"
                pq.write_table(rows, path)
                conn.execute(q.ladybug_copy(table, str(path), pair))
                path.unlink()
    finally:
        conn.close()
        db.close()
    (partial / "done").touch()
    for stale in folder.parent.glob("cypher-*"):  # earlier contents of this store: never read again
        if stale != partial:
            shutil.rmtree(stale, ignore_errors=True)
    partial.rename(folder)
    logger.info("console engine copy built at %s", folder)


def _tables(store: GraphData) -> Iterator[tuple[str, tuple[str, str] | None, pa.Table]]:
    """(table, (from, to) for a relationship table with several pairs, rows) from the store's iterators."""
    papers, wrote = [], []
    for p in store.iter_papers():
        papers.append(
            {
                "key": p.key,
                "arxiv_id": p.arxiv_id,
                "doi": p.doi,
                "inspire_id": p.inspire_id,
                "title": p.title,
                "title_text": p.title_text,
                "abstract": p.abstract,
                "abstract_text": p.abstract_text,
                "author_names": [a.name for a in p.authors],
                "categories": list(p.categories),
                "date": p.date,
                "year": p.year,
                "journal_ref": p.journal_ref,
            }
        )
        wrote.extend({"from": a.key, "to": p.key, "position": i} for i, a in p.authorship())
    paper_keys = {p["key"] for p in papers}
    yield "Paper", None, pa.Table.from_pylist(papers, schema=_PAPER)
    concepts = [c.model_dump(include=set(_CONCEPT.names)) for c in store.iter_concepts()]
    concept_ids = {c["id"] for c in concepts}
    yield "Concept", None, pa.Table.from_pylist(concepts, schema=_CONCEPT)
    titles = {w.key: w.title for w in store.iter_external_works()}
    cites = [c for c in store.iter_citations() if c.citing != c.cited]
    external = sorted({k for c in cites for k in (c.citing, c.cited) if k not in paper_keys})
    yield "ExternalWork", None, pa.table({"key": external, "title": [titles.get(k, "") for k in external]})
    by_pair: dict[tuple[str, str], list[dict]] = {}
    for c in cites:
        pair = tuple("Paper" if k in paper_keys else "ExternalWork" for k in (c.citing, c.cited))
        by_pair.setdefault(pair, []).append({"from": c.citing, "to": c.cited, "source": c.source})
    for pair, rows in sorted(by_pair.items()):
        yield "CITES", pair, pa.Table.from_pylist(rows)
    is_a = [
        {"from": c["id"], "to": parent} for c in concepts for parent in c["parents"] if parent in concept_ids
    ]
    yield "IS_A", None, pa.Table.from_pylist(is_a, schema=_EDGE)
    links: dict[str, list[dict]] = {rel: [] for rel in q.LINK_RELS}
    for link in store.iter_links():
        if link.paper_key in paper_keys and link.concept_id in concept_ids:
            evidence = json.dumps([e.model_dump() for e in link.evidence], sort_keys=True)
            links[link.rel].append(
                {
                    "from": link.paper_key,
                    "to": link.concept_id,
                    "count": link.count,
                    "evidence": evidence,
                    "via": link.via,
                }
            )
    for rel, rows in links.items():
        yield rel, None, pa.Table.from_pylist(rows, schema=_LINK)
    similar = [{"from": s.a, "to": s.b, "score": s.score} for s in store.iter_similar()]
    yield "SIMILAR", None, pa.Table.from_pylist(similar, schema=_SIMILAR)
    # Names as the store keeps them (the first spelling it saw), edges by the one authorship rule.
    names = store.author_names(sorted({w["from"] for w in wrote}))
    yield "Author", None, pa.table({"key": list(names), "name": list(names.values())})
    yield "WROTE", None, pa.Table.from_pylist([w for w in wrote if w["from"] in names], schema=_WROTE)


_LIST = pa.list_(pa.string())
_PAPER = pa.schema(
    [("key", pa.string()), ("arxiv_id", pa.string()), ("doi", pa.string()), ("inspire_id", pa.string()),
     ("title", pa.string()), ("title_text", pa.string()), ("abstract", pa.string()),
     ("abstract_text", pa.string()), ("author_names", _LIST), ("categories", _LIST), ("date", pa.string()),
     ("year", pa.int64()), ("journal_ref", pa.string())]
)  # fmt: skip
_CONCEPT = pa.schema(
    [("id", pa.string()), ("type", pa.string()), ("name", pa.string()), ("aliases", _LIST),
     ("acronyms", _LIST), ("latex", _LIST), ("parents", _LIST), ("description", pa.string())]
)  # fmt: skip
_EDGE = pa.schema([("from", pa.string()), ("to", pa.string())])
_LINK = pa.schema(
    [("from", pa.string()), ("to", pa.string()), ("count", pa.int64()), ("evidence", pa.string()),
     ("via", pa.string())]
)  # fmt: skip
_SIMILAR = pa.schema([("from", pa.string()), ("to", pa.string()), ("score", pa.float64())])
_WROTE = pa.schema([("from", pa.string()), ("to", pa.string()), ("position", pa.int64())])
