"""Read-only Cypher console for power users: row limit, timeout, results as a table and as a graph.

A page script: `st.navigation` runs it with ``__name__ == "__main__"``.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import streamlit as st

from hepgraph.errors import HepGraphError
from hepgraph.graph import console
from hepgraph.results import Subgraph, SubgraphNode
from hepgraph.ui import charts, resources
from hepgraph.ui.markdown import md_text
from hepgraph.ui.views.common import settings, store_or_stop

QUERY_BOX = "cypher"
EXAMPLE_BOX = "cypher_example"
_EXAMPLES = dict(console.EXAMPLE_QUERIES)


def _load_example() -> None:
    """Put the chosen example into the editor (a keyed text area ignores a changed ``value=``)."""
    st.session_state[QUERY_BOX] = _EXAMPLES[st.session_state[EXAMPLE_BOX]]


def _cell(value: object) -> object:
    # Nodes and edges come back as dicts; a table cell shows them as compact JSON instead of "[object]".
    return json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, dict | list) else value


def _show(result: console.ConsoleResult, row_limit: int) -> None:
    st.caption(f"{len(result.rows)} rows · {result.ms:.0f} ms · {result.backend}")
    if result.truncated:
        st.warning(f"Showing the first {row_limit} rows (the row limit).")
    df = pd.DataFrame([[_cell(v) for v in row] for row in result.rows], columns=result.columns)
    if result.nodes:
        table, graph = st.tabs(["Table", f"Graph ({len(result.nodes)} nodes, {len(result.edges)} edges)"])
        with graph:
            sub = Subgraph(nodes=_typed(result.nodes), edges=result.edges)
            chart = charts.subgraph_chart(sub, width=charts.CONSOLE_WIDTH, height=440)
            st.altair_chart(chart, width="content")
    else:
        table = st.container()
    with table:
        st.dataframe(df, width="stretch", hide_index=True)


def _top_level(text: str, sep: str) -> list[str]:
    """``text`` split at ``sep`` outside brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch in "([" and 1 or 0
        depth -= ch in ")]" and 1 or 0
        if depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
    return [p for p in (*parts, text[start:]) if p.strip()]


def note_markdown(note: str) -> str:
    r"""The engine's note as a list a reader can scan: a point per sentence, a sub-point per table or rule.

    Each point is literal text (md_text), so the dialect's ``[* SHORTEST 1..5]`` shows as typed.

    >>> print(note_markdown("Engine X. Nodes: A (a, b), B; relationships: R. Writes are refused."))
    - Engine X.
    - Nodes\:
        - A \(a, b\)
        - B
    - relationships\:
        - R.
    - Writes are refused.
    """
    lines = []
    for sentence in re.split(r"(?<=\.) (?=[A-Z])", note.strip()):
        for clause in _top_level(sentence, "; "):
            head, sep, rest = clause.partition(": ")
            if sep and head.lower().startswith(("nodes", "relationships", "differences")):
                lines.append(f"- {md_text(head + ':')}")
                lines += [f"    - {md_text(part)}" for part in _top_level(rest, ", ")]
            else:
                lines.append(f"- {md_text(clause)}")
    return "\n".join(lines)


def _typed(nodes: list[SubgraphNode]) -> list[SubgraphNode]:
    """Concept nodes typed as the Ask page types them (Method, Topic, ...), so one legend reads both."""
    concepts = resources.get_explore_index(settings()).concepts
    out = []
    for node in nodes:
        concept = concepts.get(node.id[2:]) if node.id.startswith("c:") else None
        out.append(node.model_copy(update={"type": concept.type}) if concept else node)
    return out


def render() -> None:
    """Draw the console page."""
    store = store_or_stop()
    cfg = settings()
    st.markdown(
        "Read-only Cypher on the whole graph. Pick an example or write a `MATCH ... RETURN ...`; "
        "a result with nodes or relationships is also drawn as a graph."
    )
    with st.expander("Tables, properties and dialect"):
        st.markdown(note_markdown(store.console_note))
    titles = list(_EXAMPLES)
    if QUERY_BOX not in st.session_state:
        st.session_state[QUERY_BOX] = _EXAMPLES[titles[0]]
    st.selectbox("Examples", titles, key=EXAMPLE_BOX, on_change=_load_example)
    query = st.text_area("Cypher (read-only)", key=QUERY_BOX, height=120)
    st.caption(f"Read-only · at most {cfg.console_row_limit} rows · {cfg.console_timeout_s:.0f} s timeout.")
    if not st.button("Run", type="primary", key="run", icon=":material/play_arrow:"):
        return
    try:
        result = console.run_console_query(
            store, query, row_limit=cfg.console_row_limit, timeout_s=cfg.console_timeout_s
        )
    except HepGraphError as err:
        st.error(f"**Query refused or failed.** {md_text(err)}", icon=":material/block:")
        return
    _show(result, cfg.console_row_limit)


if __name__ == "__main__":
    render()
