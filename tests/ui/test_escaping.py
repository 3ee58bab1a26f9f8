"""Data reaches the terminal and the pages as inert text: markup shown as typed, control sequences removed.

A real store is built by the CLI from papers whose titles and abstracts carry rich markup, Markdown
images and links, and escape sequences; `search`, `ask` and `ingest` print them through ``term_text``
(ui/terminal.py), and the Ask page renders them through ``md_text`` (ui/markdown.py).
"""

from __future__ import annotations

import doctest
import json
import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from hepgraph.ui import markdown, terminal
from hepgraph.ui.cli import app

runner = CliRunner()

CLEAR, TITLE, LINK = "\x1b[2J", "\x1b]0;pwned\x07", "\x1b]8;;https://elsewhere.example/\x07here\x1b]8;;\x07"
HOSTILE_TITLE = f"[/] [bold red]Jet tagging[/bold red] with graph networks {CLEAR}{TITLE}"
IMAGE = "![x](https://elsewhere.example/px.png)"
APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"


def _paper(arxiv_id: str, title: str, abstract: str) -> str:
    return json.dumps(
        {
            "id": arxiv_id,
            "title": title,
            "abstract": abstract,
            "authors": "A. Bee, C. Dee",
            "categories": "hep-ph",
            "versions": [{"version": "v1", "created": "Mon, 4 Jan 2021 10:00:00 GMT"}],
        }
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("terminal")
    papers = root / "papers.jsonl"
    papers.write_text(
        "\n".join(
            [
                _paper(
                    "2101.00001",
                    HOSTILE_TITLE,
                    f"Graph neural networks tag boosted jets {LINK}; [b]cut-based[/b] ones do worse. "
                    f"Graph networks {IMAGE} tag jets [see](https://elsewhere.example/) better.",
                ),
                _paper(
                    "2101.00002", f"Jet tagging with transformers {IMAGE}", "Transformers tag top quark jets."
                ),
                _paper("2101.00003", "Anomaly detection at the LHC", "Autoencoders find anomalous jets."),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    done = runner.invoke(app, ["--home", str(root / "home"), "build", str(papers), "--json"])
    assert done.exit_code == 0, done.output
    return root / "home"


def test_the_escaping_rules_doctests() -> None:
    assert doctest.testmod(terminal).failed == 0
    assert doctest.testmod(markdown).failed == 0


def test_markup_in_the_question_is_shown_as_typed(home: Path) -> None:
    done = runner.invoke(app, ["--home", str(home), "search", "[/x] jet tagging"])
    assert done.exit_code == 0, done.output
    assert "[/x] jet tagging" in done.output


def test_a_hostile_title_prints_as_text_without_escapes(home: Path) -> None:
    done = runner.invoke(app, ["--home", str(home), "search", "graph networks for jet tagging", "--k", "3"])
    assert done.exit_code == 0, done.output
    assert "[bold" in done.output and "\x1b" not in done.output and "\x07" not in done.output


def test_ask_prints_no_escape_from_question_title_or_abstract(home: Path) -> None:
    question = f"jet {CLEAR}{TITLE}tagging with [red]graph[/red] networks?"
    done = runner.invoke(app, ["--home", str(home), "ask", question])
    assert done.exit_code == 0, done.output
    assert "[red]graph[/red]" in done.output
    assert "\x1b" not in done.output and "\x07" not in done.output


def test_ingest_messages_print_markup_and_escapes_inertly(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": f"[/b]{CLEAR}", "title": "t"}) + "\n", encoding="utf-8")
    done = runner.invoke(app, ["--home", str(home), "ingest", str(bad), "--on-error", "skip"])
    assert done.exit_code == 0, done.output
    assert "skipped" in done.output and "[/b]" in done.output and "\x1b" not in done.output
    missing = runner.invoke(app, ["--home", str(home), "ingest", str(tmp_path / f"missing[/b]{TITLE}.jsonl")])
    assert missing.exit_code == 2
    assert (
        "missing[/b]" in missing.output and "\x1b" not in missing.output and "Traceback" not in missing.output
    )


# A Markdown link or image whose target is not an arXiv abstract page: an unescaped "](" then a URL.
FOREIGN_LINK = re.compile(r"(?<!\\)\]\((?!https://arxiv\.org/abs/)")


def test_the_ask_page_renders_no_image_or_link_from_the_data(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEPGRAPH_HOME", str(home))
    for name in ("ANTHROPIC_API_KEY", "HEPGRAPH_ANTHROPIC_API_KEY", "HEPGRAPH_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    # Settings and the answerer are process-wide resources: an earlier test's (another home, an API key
    # pointing at a stopped stub) must not answer here.
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(APP), default_timeout=600)
    at.run()
    at.text_input(key="question_box").input("Do graph networks tag jets better?").run()
    assert not at.exception, at.exception
    shown = [e.value for kind in ("markdown", "caption", "info", "warning") for e in at.get(kind)]
    shown += [
        link.proto.label for link in at.get("page_link")
    ]  # titles are in-app links; labels are Markdown
    assert any("elsewhere.example" in v for v in shown), "the hostile paper is among the sources"
    assert [v for v in shown if FOREIGN_LINK.search(v)] == []
    assert [v for v in shown if "\x1b" in v or "\x07" in v] == []
