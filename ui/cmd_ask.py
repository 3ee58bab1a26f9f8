"""`hepgraph ask`: a cited answer with sources, gaps, follow-ups and the cited subgraph."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.status import Status
from rich.table import Table
from rich.text import Text

from hepgraph.calibration import MEANING as RELEVANCE_MEANING
from hepgraph.errors import HepGraphError
from hepgraph.question import clean_question
from hepgraph.results import Answer
from hepgraph.settings import Settings
from hepgraph.ui.terminal import fail, term_text


def answer_json(answer: Answer) -> dict[str, Any]:
    """The one JSON object `ask --json` prints (the Answer's fields, the documented ones first)."""
    data = answer.model_dump(mode="json")
    head = ("answer", "writer", "citations", "sources", "gaps", "followups", "subgraph")
    return {**{k: data[k] for k in head}, **{k: v for k, v in data.items() if k not in head}}


def _sources_table(answer: Answer) -> Table:
    table = Table(
        title="Sources",
        title_justify="left",
        show_edge=False,
        caption=f"%: {RELEVANCE_MEANING}",
        caption_justify="left",
    )
    for col, just in (
        ("%", "right"),
        ("category", "left"),
        ("title", "left"),
        ("year", "right"),
        ("arXiv", "left"),
        ("linked by", "left"),
    ):
        table.add_column(col, justify=just, overflow="fold" if col == "title" else "ellipsis")
    for src in answer.sources:
        table.add_row(
            f"{round(src.relevance * 100)}%",
            term_text(src.category or ""),
            term_text(src.title),
            str(src.year or ""),
            term_text(src.arxiv_id),
            term_text(", ".join(src.concepts[:3])),
        )
    return table


def stream_body(items: Iterator[str | Answer], console: Console, status: Status) -> tuple[Answer, str]:
    """Print the answer's sentences as the writer delivers them; (the finished Answer, the text printed).

    ``status`` (the spinner shown while the graph is walked) stops at the first sentence.
    """
    streamed: list[str] = []
    for item in items:
        if isinstance(item, Answer):
            return item, "".join(streamed)
        if not streamed:
            status.stop()
        streamed.append(item)
        console.print(term_text(item), end="", soft_wrap=True)
    msg = "the answer stream ended without a finished answer"
    raise RuntimeError(msg)


def print_answer(answer: Answer, console: Console, *, streamed: str | None = None) -> None:
    """Answer, sources, gaps, follow-ups and who wrote it, for a terminal.

    ``streamed`` is the answer text already printed under the question by :func:`stream_body`; the
    finished answer is printed again only if it differs (a writer that failed mid-way was replaced).
    """
    if streamed is None:
        if answer.notice:
            console.print(term_text(answer.notice, "yellow"))
        console.print(term_text(answer.question, "bold") + "\n")
        console.print(term_text(answer.answer), soft_wrap=True)
    else:
        if streamed:
            console.print()
        if answer.notice:
            console.print(term_text(answer.notice, "yellow"))
        if " ".join(answer.answer.split()) != " ".join(streamed.split()):
            if streamed:
                console.print("[dim]The finished answer replaces the text above:[/]")
            console.print(term_text(answer.answer), soft_wrap=True)
    console.print()
    console.print(_sources_table(answer))
    if answer.gaps:
        console.print("\n[bold]Not in the archive[/]")
        for gap in answer.gaps:
            console.print(Text(" • ") + term_text(gap), soft_wrap=True)
    if answer.followups:
        console.print("\n[bold]Keep exploring[/]")
        for fu in answer.followups:
            hop = term_text(f"({fu.hop}: {' '.join(fu.from_nodes)})", "dim")
            console.print(Text(" → ") + term_text(fu.question) + Text("  ") + hop)
    removed = f" · {answer.removed_citations} citation(s) removed" if answer.removed_citations else ""
    console.print(
        f"\n[dim]writer: {answer.writer} · {answer.ms:.0f} ms · {len(answer.subgraph.nodes)} nodes, "
        f"{len(answer.subgraph.edges)} edges in the cited subgraph{removed}[/]"
    )


def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as one JSON object.")] = False,
    sources: Annotated[
        int, typer.Option("--sources", min=1, max=50, help="Number of sources to cite from.")
    ] = 8,
    seed: Annotated[
        list[str] | None,
        typer.Option("--seed", help="Node id to start the walk at (a follow-up's from_nodes)."),
    ] = None,
) -> None:
    """Answer a question from the indexed papers, with citations, gaps and follow-ups.

    Without --json the answer's sentences are printed as the writer delivers them; --json prints the
    finished answer only.
    """
    # Imported when the command runs: the models' libraries (torch, spaCy) take seconds to import, and
    # `hepgraph --help` or `hepgraph stats` should not pay for them.
    from hepgraph.pipeline.runtime import open_answerer

    settings: Settings = ctx.obj
    err_console = Console(stderr=True)
    console = Console()
    seeds = tuple(seed or ())
    try:
        text = clean_question(question, settings.max_question_chars)
        with err_console.status("loading the graph and models..."):
            answerer = open_answerer(settings)
        if not as_json:  # before the spinner starts: it redraws its own line on stderr only
            console.print(term_text(text, "bold") + "\n")
        with err_console.status("retrieving and writing...") as status:
            if as_json:
                answer = answerer.ask(text, n_sources=sources, seed_nodes=seeds)
            else:
                items = answerer.stream_ask(text, n_sources=sources, seed_nodes=seeds)
                answer, streamed = stream_body(items, console, status)
    except HepGraphError as err:
        raise fail(err) from err
    if as_json:
        sys.stdout.write(json.dumps(answer_json(answer), ensure_ascii=False) + "\n")
        return
    print_answer(answer, console, streamed=streamed)


def register(app: typer.Typer) -> None:
    """Add `ask` to the CLI."""
    app.command("ask")(ask)
