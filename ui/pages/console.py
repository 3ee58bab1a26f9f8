"""Read-only Cypher console for power users: row limit, timeout, table and graph results."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hepgraph.errors import HepGraphError
from hepgraph.ui import resources
from hepgraph.ui.pages.common import store_or_stop


def render() -> None:
    """Draw the console page."""
    from hepgraph.graph import console

    store = store_or_stop()
    settings = resources.get_settings()
    if store.backend == "embedded":
        st.caption(console.EMBEDDED_SUBSET_NOTE)
    else:
        st.caption("Native Cypher on Neo4j, in a READ-access session.")
    titles = [t for t, _ in console.EXAMPLE_QUERIES]
    example = st.selectbox("Examples", titles, index=0)
    query = st.text_area("Cypher (read-only)", value=dict(console.EXAMPLE_QUERIES)[example], height=120,
                         key="cypher")
    st.caption(f"At most {settings.console_row_limit} rows; {settings.console_timeout_s:.0f} s timeout.")
    if not st.button("Run", type="primary"):
        return
    try:
        result = console.run_console_query(
            store, query, row_limit=settings.console_row_limit, timeout_s=settings.console_timeout_s
        )
    except HepGraphError as err:
        st.error(str(err))
        return
    if result.truncated:
        st.warning(f"Showing the first {settings.console_row_limit} rows.")
    st.dataframe(pd.DataFrame(result.rows, columns=result.columns), width="stretch")
