"""Security: no query built from user input, hardened XML, secrets never shown, localhost by default.

The console's write refusals are tested in tests/graph/test_console.py; this file covers the rest of
issue 8's security list on the real code paths (real CLI, real store, real Streamlit page).
"""

from __future__ import annotations

import ast
import logging
import re
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "catalogue"
SAMPLE = REPO / "data" / "sample"

# Cypher *syntax* (not an English word in an error message): a clause followed by a pattern or assignment.
_CYPHER = re.compile(
    r"\b(?:MATCH|MERGE|CREATE)\s*\(\s*\w*\s*(?::\s*\w+)?\s*[{)]"
    r"|\bOPTIONAL MATCH\b|\bDETACH DELETE\b|\bSET\s+\w+\.\w+\s*[=+]"
    r"|\bWHERE\s+\w+\.\w+|\bRETURN\s+\w+[.,\s]|\bUNWIND\s+\$|\bCALL\s+\w+\.\w+"
)
_SQL = re.compile(
    r"\b(?:SELECT\s.+\sFROM|INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.I | re.S
)
# Names an interpolation inside SQL may use: upper-case module constants (table/column lists, documented
# in graph/sqlite_schema.py) and the placeholder helper; ``chunk`` only through len() (a count of '?').
_SQL_ALLOWED_NAMES = {"sq", "placeholders", "len", "join"}


def _python_files(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (REPO / f).rglob("*.py"))


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else path.name


def _literal_text(node: ast.AST) -> str | None:
    """The constant text of a string-building expression, or None when it is not one."""
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        left = node.left
        return left.value if isinstance(left, ast.Constant) and isinstance(left.value, str) else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        base = node.func.value
        return base.value if isinstance(base, ast.Constant) and isinstance(base.value, str) else None
    return None


def _interpolated(node: ast.AST) -> list[ast.AST]:
    """The expressions a string-building node interpolates."""
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
    if isinstance(node, ast.BinOp):
        return [node.right]
    if isinstance(node, ast.Call):
        return [*node.args, *(k.value for k in node.keywords)]
    return []


def _built_strings(path: Path) -> list[tuple[int, str, ast.AST]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        text = _literal_text(node)
        if text is not None and _interpolated(node):
            out.append((node.lineno, text, node))
    return out


def test_no_cypher_is_built_by_interpolation_outside_cypher_module() -> None:
    """f-strings, % and .format that produce Cypher exist only in graph/cypher.py (all constants there)."""
    offenders = []
    for path in _python_files("graph", "ui", "extract", "hepgraph"):
        if path == REPO / "graph" / "cypher.py":
            continue
        for line, text, _ in _built_strings(path):
            if _CYPHER.search(text):
                offenders.append(f"{path.relative_to(REPO)}:{line}: {text[:80]!r}")
    assert not offenders, (
        "Cypher built by string interpolation (move it to graph/cypher.py, use $params):\n"
        + "\n".join(offenders)
    )


def test_the_detector_catches_an_interpolated_cypher_query(tmp_path: Path) -> None:
    """The grep above can fail: a planted f-string query is found."""
    bad = tmp_path / "bad.py"
    bad.write_text("def q(name):\n    return f\"MATCH (p:Paper) WHERE p.title = '{name}' RETURN p\"\n")
    found = [t for _, t, _ in _built_strings(bad) if _CYPHER.search(t)]
    assert found


def _sql_interpolation_problems(path: Path) -> list[str]:
    problems = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    # Names bound to a placeholder list ("?, ?, ?") are as safe as the call itself.
    safe = {
        t.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and getattr(node.value.func, "attr", getattr(node.value.func, "id", "")) == "placeholders"
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    for node in ast.walk(tree):
        text = _literal_text(node)
        is_sql_format = (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "sql"
        )
        if not is_sql_format and not (text is not None and _SQL.search(text)):
            continue
        for expr in _interpolated(node):
            for name in (n for n in ast.walk(expr) if isinstance(n, ast.Name)):
                ok = name.id.isupper() or name.id in _SQL_ALLOWED_NAMES or name.id in safe
                parent = parents.get(name)
                if (
                    name.id == "chunk"
                    and isinstance(parent, ast.Call)
                    and getattr(parent.func, "id", "") == "len"
                ):
                    ok = True
                if not ok:
                    problems.append(f"{_rel(path)}:{node.lineno}: interpolates {name.id!r}")
    return problems


def test_sql_is_built_only_from_constants_and_placeholders() -> None:
    """SQL f-strings in the embedded store interpolate only constant names and '?' placeholder lists."""
    names = ("embedded.py", "sqlite_schema.py", "sqlite_upsert.py", "paper_find.py")
    files = [REPO / "graph" / n for n in names]
    problems = [p for f in files if f.exists() for p in _sql_interpolation_problems(f)]
    assert not problems, "SQL built from a variable (pass it as a ? parameter):\n" + "\n".join(problems)


def test_the_sql_detector_catches_a_value_in_an_f_string(tmp_path: Path) -> None:
    """The SQL check can fail: a planted user value in an f-string is found."""
    bad = tmp_path / "bad_sql.py"
    bad.write_text(
        "def q(conn, key):\n    return conn.execute(f\"SELECT * FROM papers WHERE key = '{key}'\")\n"
    )
    assert _sql_interpolation_problems(bad) == ["bad_sql.py:2: interpolates 'key'"]


# -- the UI binds to localhost -------------------------------------------------------------------
def test_ui_binds_to_localhost_unless_told(tmp_path: Path) -> None:
    """`hepgraph ui` passes --server.address 127.0.0.1 by default and the given host only when told."""
    from hepgraph.settings import Settings
    from hepgraph.ui.cmd_ui import streamlit_args

    settings = Settings(home=tmp_path)
    cmd = streamlit_args(settings, host=settings.ui_host, port=settings.ui_port)
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    told = streamlit_args(settings, host="0.0.0.0", port=9999)
    assert told[told.index("--server.address") + 1] == "0.0.0.0"


# -- hardened XML ---------------------------------------------------------------------------------
def _xml_problems(path: Path) -> list:
    from hepgraph.extract.sources.detect import read_path
    from hepgraph.models import RecordProblem

    items = list(read_path(path))
    return [i for i in items if isinstance(i, RecordProblem)], [
        i for i in items if not isinstance(i, RecordProblem)
    ]


@pytest.mark.parametrize("name", ["entity_bomb.oai.xml", "xxe_file.oai.xml", "xxe_file.atom.xml"])
def test_hostile_xml_is_refused_without_expansion_or_file_read(name: str, tmp_path: Path) -> None:
    """Entity bombs and external entities give one RecordProblem; nothing expanded, no local file read."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    src = (FIXTURES / name).read_text(encoding="utf-8").replace("@SECRET@", secret.as_uri())
    path = tmp_path / name
    path.write_text(src, encoding="utf-8")
    problems, records = _xml_problems(path)
    assert problems, "hostile XML was not reported"
    assert not records
    joined = " ".join(p.message() for p in problems)
    assert name in joined
    assert "TOP-SECRET-CONTENT" not in joined
    assert "lol" * 50 not in joined


# -- secrets never shown --------------------------------------------------------------------------
SECRET_KEY = "sk-ant-test-SECRET"
SECRET_PW = "SECRET-PW"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "args",
    [["stats", "--json"], ["ask", "graph neural networks for jet tagging"], ["search", "anomaly detection"]],
)
def test_secrets_never_appear_in_output_or_logs(
    args: list[str], sample_home: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """With a key and a password set and -v logging, neither value appears in output or in any log record."""
    from typer.testing import CliRunner

    from hepgraph.ui.cli import app

    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET_KEY)
    monkeypatch.setenv("NEO4J_PASSWORD", SECRET_PW)
    # The key must not reach a real API: point the writer at a closed local port (it falls back).
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("HEPGRAPH_LLM_MAX_RETRIES", "0")
    caplog.set_level(logging.DEBUG)
    result = CliRunner().invoke(app, ["-v", "--home", str(sample_home), *args])
    assert result.exit_code == 0, result.output
    text = result.output + (result.stderr if result.stderr_bytes else "") + caplog.text
    assert len(caplog.records) > 0 or args[0] == "stats"
    assert SECRET_KEY not in text
    assert SECRET_PW not in text
    assert "SECRET" not in text


def test_llm_writer_down_falls_back_to_offline_with_a_notice(
    sample_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Claude configured but its endpoint closed: the offline writer answers and a notice says why."""
    import json

    from typer.testing import CliRunner

    from hepgraph.ui.cli import app

    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("HEPGRAPH_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("HEPGRAPH_LLM_TIMEOUT_S", "3")
    result = CliRunner().invoke(
        app, ["--home", str(sample_home), "ask", "--json", "autoencoders for anomaly detection"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["writer"] == "offline"
    assert answer["notice"], "the fallback must say why Claude did not write the answer"
    assert answer["sources"], "the offline answer still cites sources"
    assert SECRET_KEY not in result.output


def test_status_page_shows_key_present_not_its_value(
    sample_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Streamlit Status page says 'present' for the API key and never renders the key or password."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HEPGRAPH_HOME", str(sample_home))
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET_KEY)
    monkeypatch.setenv("NEO4J_PASSWORD", SECRET_PW)

    def page() -> None:
        from hepgraph.ui.views import status

        status.render()

    import streamlit as st

    # Settings are a process-wide cached resource: read this test's (with a key), and leave none behind.
    st.cache_resource.clear()
    try:
        at = AppTest.from_function(page, default_timeout=120).run()
    finally:
        st.cache_resource.clear()
    assert not at.exception, at.exception
    rendered = " ".join(
        [t.value.to_string() for t in at.dataframe]
        + [str(t.value) for t in at.table]
        + [str(m.value) for m in at.markdown]
        + [str(m.value) for m in at.metric]
    )
    assert "present" in rendered
    assert SECRET_KEY not in rendered
    assert SECRET_PW not in rendered


# -- Neo4j unreachable -----------------------------------------------------------------------------
def test_neo4j_unreachable_gives_one_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A closed Bolt port: GraphStoreError naming the URI and the fix, and never the password."""
    from hepgraph.errors import GraphStoreError
    from hepgraph.graph.neo4j import Neo4jStore
    from hepgraph.settings import Settings

    uri = f"bolt://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("NEO4J_URI", uri)
    monkeypatch.setenv("NEO4J_PASSWORD", SECRET_PW)
    settings = Settings(home=tmp_path, backend="neo4j")
    with pytest.raises(GraphStoreError) as info:
        store = Neo4jStore.from_settings(settings)
        store.stats()  # a lazy driver fails on first use at the latest
    message = str(info.value)
    assert uri in message
    assert any(hint in message.lower() for hint in ("start", "check", "set neo4j_uri", "export", "docker"))
    assert SECRET_PW not in message


def test_neo4j_unreachable_from_the_cli_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`hepgraph --backend neo4j stats` with Neo4j down exits 2 with one error line, no traceback."""
    from typer.testing import CliRunner

    from hepgraph.ui.cli import app

    uri = f"bolt://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("NEO4J_URI", uri)
    monkeypatch.setenv("NEO4J_PASSWORD", SECRET_PW)
    result = CliRunner().invoke(app, ["--home", str(tmp_path), "--backend", "neo4j", "stats"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert uri in result.output
    assert SECRET_PW not in result.output
