"""`hepgraph cypher`: the read-only Cypher console from the terminal, on either backend."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hepgraph.errors import HepGraphError, QueryError
from hepgraph.graph.console import EMBEDDED_NOTE, ConsoleResult, run_console_query
from hepgraph.graph.factory import open_store
from hepgraph.settings import Settings
from hepgraph.ui.terminal import fail, term_text


def parse_param(text: str) -> tuple[str, Any]:
    r"""``name=value`` as a $parameter: VALUE read as JSON when it is JSON, else as the text it is.

    >>> parse_param("year=2021"), parse_param('ids=["a", "b"]'), parse_param("id=method:gnn")
    (('year', 2021), ('ids', ['a', 'b']), ('id', 'method:gnn'))
    """
    name, sep, value = text.partition("=")
    name = name.strip().lstrip("$")
    if not sep or not name.isidentifier():
        msg = f"--param {text[:60]!r}: write it as NAME=VALUE, e.g. --param year=2021 (VALUE may be JSON)"
        raise QueryError(msg)
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value


def _cell(value: Any) -> str:
    """A value as table text: scalars as they are, nodes and lists as compact JSON."""
    if value is None or isinstance(value, str | int | float | bool):
        return "" if value is None else str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _table(query: str, result: ConsoleResult) -> Table:
    more = ", more rows not shown" if result.truncated else ""
    caption = f"{len(result.rows)} rows{more} - {result.backend}, {result.ms:.0f} ms"
    t = Table(title=term_text(query, "dim"), title_justify="left", caption=caption, caption_justify="left")
    for column in result.columns:
        t.add_column(term_text(column), overflow="fold")
    for row in result.rows:
        t.add_row(*(term_text(_cell(v)) for v in row))
    return t


def cypher(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="A read-only Cypher query, in quotes.")],
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A $parameter as NAME=VALUE (VALUE read as JSON when it is)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print {columns, rows, truncated} as JSON.")
    ] = False,
) -> None:
    """Run a read-only Cypher query on the graph and print the rows (writes are refused)."""
    settings: Settings = ctx.obj
    try:
        params = dict(parse_param(p) for p in param or [])
        store = open_store(settings, create=False, read_only=True)
        try:
            result = run_console_query(
                store,
                query,
                params=params,
                row_limit=settings.console_row_limit,
                timeout_s=settings.console_timeout_s,
            )
        finally:
            store.close()
    except HepGraphError as err:
        raise fail(err) from err
    if as_json:
        answer = result.model_dump(include={"columns", "rows", "truncated", "backend", "ms"})
        sys.stdout.write(json.dumps(answer, ensure_ascii=False, default=str) + "\n")
        return
    Console().print(_table(query, result))


def register(app: typer.Typer) -> None:
    """Add `cypher` to the CLI."""
    app.command("cypher", epilog=EMBEDDED_NOTE)(cypher)
