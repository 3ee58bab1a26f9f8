"""The one module that owns Streamlit session state, tied to URL query parameters where shareable.

An asked question lives in the URL (`?q=...&seed=...`), so a link reproduces the answer; the explorer's
selected concept and paper do too (`?concept=...`, `?paper=...`).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class QueryVar:
    """A piece of state mirrored in the URL query string."""

    name: str
    default: str = ""

    def get(self) -> str:
        """Current value, from the URL."""
        return str(st.query_params.get(self.name, self.default))

    def set(self, value: str) -> None:
        """Set the value (an empty value removes the parameter)."""
        if value:
            st.query_params[self.name] = value
        elif self.name in st.query_params:
            del st.query_params[self.name]


QUESTION = QueryVar("q")
SEEDS = QueryVar("seed")  # comma-separated node ids a follow-up hops from
CONCEPT = QueryVar("concept")
PAPER = QueryVar("paper")


def seeds() -> list[str]:
    """The follow-up seed node ids of the current question."""
    return [s for s in SEEDS.get().split(",") if s]


def ask(question: str, *, seed_nodes: list[str] | None = None) -> None:
    """Make ``question`` the current one (a follow-up passes the nodes it hops from)."""
    QUESTION.set(question.strip())
    SEEDS.set(",".join(seed_nodes or []))
