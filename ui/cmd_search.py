"""`hepgraph search`: graph-walk retrieval from the command line, one question or a batch file."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hepgraph.calibration import MEANING as RELEVANCE_MEANING
from hepgraph.errors import HepGraphError, QueryError
from hepgraph.question import clean_question
from hepgraph.results import RetrievalResult
from hepgraph.settings import Settings
from hepgraph.ui.terminal import fail, term_text


def read_batch(path: Path) -> Iterator[tuple[str, str]]:
    """(qid, query) from ``qid<TAB>query[<TAB>...]`` lines; a ``qid<TAB>query`` header and blanks skip."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            for n, row in enumerate(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE), start=1):
                if not row or not "".join(row).strip():
                    continue
                head = [c.strip().lower() for c in row[:2]]
                if n == 1 and head == ["qid", "query"]:
                    continue
                if len(row) < 2:
                    msg = (
                        f"{path}:{n}: expected qid<TAB>query, got {row[0][:60]!r}: "
                        "separate the columns by a tab"
                    )
                    raise QueryError(msg)
                yield row[0].strip(), row[1]
    except OSError as err:
        msg = f"cannot read the batch file {path}: {err.strerror}; pass a readable qid<TAB>query TSV"
        raise QueryError(msg) from err


def batch_record(qid: str, result: RetrievalResult) -> dict:
    """The one-line JSON object printed per batch query."""
    return {
        "qid": qid,
        "results": [{"arxiv_id": r.arxiv_id or r.key, "score": r.score} for r in result.results],
        "index_hash": result.index_hash,
        "ms": result.ms,
    }


def _table(result: RetrievalResult) -> Table:
    linked = ", ".join(c.name for c in result.linked_concepts) or "none"
    title = term_text(result.query) + term_text(f"  (concepts: {linked}; {result.ms:.0f} ms)", "dim")
    t = Table(title=title, title_justify="left", caption=f"%: {RELEVANCE_MEANING}", caption_justify="left")
    for col, just in (
        ("#", "right"),
        ("%", "right"),
        ("id", "left"),
        ("category", "left"),
        ("title", "left"),
        ("year", "right"),
        ("linked concepts", "left"),
    ):
        t.add_column(col, justify=just, overflow="fold" if col == "title" else "ellipsis")
    for rank, r in enumerate(result.results, start=1):
        t.add_row(
            str(rank),
            f"{r.relevance:.0%}",
            term_text(r.arxiv_id or r.key),
            term_text(r.category or ""),
            term_text(r.title),
            str(r.year or ""),
            term_text(", ".join(r.concepts[:3])),
        )
    return t


def search(
    ctx: typer.Context,
    question: Annotated[str | None, typer.Argument(help="The question, in quotes.")] = None,
    k: Annotated[int, typer.Option("--k", min=1, help="Number of papers to return.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    batch: Annotated[
        Path | None,
        typer.Option("--batch", help="TSV of qid<TAB>query lines; prints one JSON object per query."),
    ] = None,
) -> None:
    """Find the papers most relevant to a question (graph walk over BM25 + dense seeds)."""
    # Imported when the command runs: the models' libraries take seconds to import (see cmd_ask).
    from hepgraph.pipeline.runtime import open_retriever

    settings: Settings = ctx.obj
    err_console = Console(stderr=True)
    if batch is None and question is None:
        raise fail(QueryError('give a question (hepgraph search "...") or --batch QUERIES.tsv'))
    try:
        if batch is None:  # refuse an empty or over-long question before seconds of model loading
            clean_question(question, settings.max_question_chars)
        with err_console.status("loading the graph and models..."):
            retriever = open_retriever(settings)
        if batch is not None:
            for qid, query in read_batch(batch):
                result = retriever.search(query, k=k)
                sys.stdout.write(json.dumps(batch_record(qid, result)) + "\n")
                sys.stdout.flush()
            return
        result = retriever.search(question or "", k=k)
    except HepGraphError as err:
        raise fail(err) from err
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=1) + "\n")
        return
    console = Console()
    console.print(_table(result))
    if result.notice:
        console.print(term_text(result.notice, "yellow"))
    console.print(f"[dim]index {result.index_hash[:12]}[/]")


def register(app: typer.Typer) -> None:
    """Add `search` to the CLI."""
    app.command("search")(search)
