"""The Streamlit entrypoint: `hepgraph ui` runs `streamlit run` on this file."""

from __future__ import annotations

import streamlit as st

from hepgraph.ui.pages import ask, console, explore, status

st.set_page_config(page_title="hepgraph", page_icon="⚛", layout="wide")

pages = st.navigation(
    {
        "": [st.Page(ask.render, title="Ask", url_path="ask", default=True)],
        "Explore": [
            st.Page(explore.render_concept, title="Concepts", url_path="concept"),
            st.Page(explore.render_paper, title="Papers", url_path="paper"),
            st.Page(explore.render_matrix, title="Method × topic", url_path="matrix"),
        ],
        "Power users": [
            st.Page(console.render, title="Cypher console", url_path="console"),
            st.Page(status.render, title="Status", url_path="status"),
        ],
    }
)
st.sidebar.caption("hepgraph · a knowledge graph of the HEP literature")
pages.run()
