"""The Streamlit entrypoint: `hepgraph ui` runs `streamlit run` on this file.

Pages are files (``st.Page("views/x.py")``) rather than callables so that `AppTest.switch_page` can open
each of them in tests; each file's ``render()`` runs when `st.navigation` executes it as ``__main__``.
The folder is ``views/``, not ``pages/``: Streamlit treats a ``pages/`` folder beside the entrypoint as
legacy pages and served a deep link (``/paper?paper=...``) by running that file alone, without this
entrypoint's navigation, layout and styles.
"""

from __future__ import annotations

import streamlit as st

from hepgraph.errors import HepGraphError
from hepgraph.ui import resources

# No page_icon and no st.Page icons: Streamlit fetches a Material or emoji favicon from a CDN,
# and the app must make no request beyond localhost (the browser test checks it).
st.set_page_config(page_title="hepgraph · ask the HEP literature", layout="wide")

# In-app links (st.page_link) name papers by their full titles: let them wrap instead of cutting them
# off, colour them as links so a reader sees what can be clicked, and draw a link to another paper on a
# paper's page like any other link (Streamlit highlights links to the current page). Style only.
st.html(
    "<style>"
    "[data-testid='stPageLink'] p {white-space: normal !important; overflow: visible !important;"
    " text-overflow: clip !important; color: #1f5fa8; font-weight: 400 !important;}"
    "[data-testid='stPageLink-NavLink'] {height: auto !important; background-color: transparent !important;"
    " padding: 0.05rem 0.25rem !important;}"
    "</style>"
)

pages = st.navigation(
    {
        "Ask": [st.Page("views/ask.py", title="Ask", url_path="ask", default=True)],
        "Explore": [
            st.Page("views/concept.py", title="Concepts", url_path="concept"),
            st.Page("views/paper.py", title="Papers", url_path="paper"),
            st.Page("views/author.py", title="Authors", url_path="author"),
            st.Page("views/matrix.py", title="Method × topic", url_path="matrix"),
        ],
        "Power users": [
            st.Page("views/console.py", title="Cypher console", url_path="console"),
            st.Page("views/status.py", title="Status", url_path="status"),
        ],
    }
)


def _sidebar() -> None:
    """What graph this is, at a glance; a missing store is reported by the page itself."""
    st.sidebar.caption(
        "**hepgraph** · a knowledge graph of the HEP literature. Answers cite only indexed papers."
    )
    try:
        store = resources.get_store(resources.get_settings())
        papers = resources.paper_count(store, store.index_hash())
    except HepGraphError:
        return
    st.sidebar.caption(f"{papers:,} papers · {store.backend} store · index `{store.index_hash()[:10]}`")


_sidebar()
pages.run()
