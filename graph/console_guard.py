"""The console's read-only guard: tokenize a Cypher query and refuse anything that could write."""

from __future__ import annotations

import logging
import re

from hepgraph.errors import ReadOnlyViolation

logger = logging.getLogger(__name__)

__all__ = ["check_read_only", "query_tokens"]

# Clauses that write (or administer) anywhere in a query, compared on bare upper-cased words.
_WRITE_WORDS = {
    "CREATE",
    "MERGE",
    "SET",
    "DELETE",
    "DETACH",
    "REMOVE",
    "DROP",
    "FOREACH",
    "LOAD",
    "INSERT",
    "ALTER",
    "GRANT",
    "DENY",
    "REVOKE",
    "RENAME",
    "START",
    "STOP",
    "TERMINATE",
    "ENABLE",
    "DEALLOCATE",
    "REALLOCATE",
    # Administration: SHOW lists users and settings, USE switches to another database (`USE system`).
    "SHOW",
    "USE",
    # LadybugDB's own statements that change files, settings or the database.
    "COPY",
    "EXPORT",
    "IMPORT",
    "INSTALL",
    "UNINSTALL",
    "ATTACH",
    "CHECKPOINT",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
}
# Procedures (and functions) that write, run arbitrary Cypher, or reach outside the database.
_DENIED_PREFIXES = (
    "apoc.create.",
    "apoc.merge.",
    "apoc.refactor.",
    "apoc.periodic.",
    "apoc.load.",
    "apoc.cypher.",
    "apoc.do.",
    "apoc.nodes.delete",
    "apoc.atomic.",
    "apoc.lock.",
    "apoc.trigger.",
    "apoc.schema.",
    "apoc.export.",
    "apoc.import.",
    "apoc.graph.",
    "apoc.systemdb.",
    "apoc.custom.",
    "apoc.uuid.",
    "apoc.ttl.",
    "apoc.log.",
    "apoc.static.",
    "apoc.util.sleep",
    "apoc.case",
    "apoc.when",
    "db.create",
    "db.clearquerycaches",
    "dbms.",
    "gds.graph.drop",
    "gds.graph.project",
)
_READ_PROCEDURES = {
    "db.labels",
    "db.relationshiptypes",
    "db.propertykeys",
    "db.schema.visualization",
    "db.schema.nodetypeproperties",
    "db.schema.reltypeproperties",
    "db.index.fulltext.querynodes",
    "db.index.fulltext.queryrelationships",
    "db.index.vector.querynodes",
    "db.index.vector.queryrelationships",
    "db.info",
    "db.ping",
    "apoc.meta.schema",
    "apoc.meta.stats",
    "apoc.meta.data",
    "apoc.path.expand",
    "apoc.path.expandconfig",
    "apoc.path.subgraphnodes",
    "apoc.path.subgraphall",
    "apoc.path.spanningtree",
    "gds.graph.list",
    # LadybugDB's schema listings (the embedded console's CALL show_tables() RETURN *).
    "show_tables",
    "table_info",
    "show_functions",
}
_GDS_READ = re.compile(r"^gds\.[\w.]+\.stream(\.estimate)?$")
# A `//` comment ends at any line terminator Neo4j's lexer knows (\r, \n, NEL, LS, PS): ending it only at
# \n let `RETURN n // x\rDETACH DELETE n` hide a write from this guard but not from the server.
_TOKEN = re.compile(
    r"(?P<comment>//[^\n\r\x85\u2028\u2029]*|/\*.*?(?:\*/|$))|(?P<string>'(?:[^'\\]|\\.)*'?|\"(?:[^\"\\]|\\.)*\"?)"
    r"|(?P<name>`(?:[^`]|``)*`?)|(?P<param>\$\w+)|(?P<word>[A-Za-z_][\w]*)|(?P<dot>\.)|(?P<other>\S)",
    re.S,
)


def query_tokens(query: str) -> list[tuple[str, str, int]]:
    """(kind, text, offset) tokens with comments and string literals dropped; dotted names joined."""
    out: list[tuple[str, str, int]] = []
    for m in _TOKEN.finditer(query):
        kind, text = m.lastgroup or "other", m.group()
        if kind in ("comment", "string"):
            continue
        if kind == "name":
            text = text.strip("`").replace("``", "`")
        if out and kind in ("word", "name") and out[-1][0] == "dotted":
            out[-1] = ("qualified", out[-1][1] + text, out[-1][2])
            continue
        if kind == "dot" and out and out[-1][0] in ("word", "name", "qualified"):
            out[-1] = ("dotted", out[-1][1] + ".", out[-1][2])
            continue
        out.append((kind, text, m.start()))
    return out


def check_read_only(query: str) -> None:
    """Raise ReadOnlyViolation when ``query`` could write; string literals and comments are ignored."""
    tokens = query_tokens(query)
    for i, (kind, text, offset) in enumerate(tokens):
        after_colon = i > 0 and tokens[i - 1][1] == ":"  # a label or type named like a keyword
        if kind == "word" and text.upper() in _WRITE_WORDS and not after_colon:
            msg = (
                f"the console is read-only: {text.upper()} (at character {offset}) writes or changes the "
                "database; use MATCH ... RETURN"
            )
            raise ReadOnlyViolation(msg)
        lowered = text.lower()
        if kind in ("qualified", "name", "word") and lowered.startswith(_DENIED_PREFIXES):
            msg = (
                f"the console is read-only: {text} (at character {offset}) can write or run arbitrary Cypher"
            )
            raise ReadOnlyViolation(msg)
        if kind == "word" and text.upper() == "CALL":
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ("other", "", offset)
            if nxt[1] in ("{", "("):  # a subquery: its clauses are checked as tokens of this query
                continue
            name = nxt[1].lower()
            if name not in _READ_PROCEDURES and not _GDS_READ.match(name):
                msg = (
                    f"the console is read-only: procedure {nxt[1] or '?'} is not on its read-only list "
                    "(db.labels, db.index.fulltext.queryNodes, db.index.vector.queryNodes, gds.*.stream, ...)"
                )
                raise ReadOnlyViolation(msg)
