"""The one module that owns Streamlit session state, tied to URL query parameters where shareable.

An asked question lives in the URL (`?q=...&seed=...`), so a link reproduces the answer; the explorer's
selected concept and paper do too (`?concept=...`, `?paper=...`). Widget keys are named here so pages
and tests agree on them.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

QUESTION_BOX = "question_box"  # the Ask page's text input
_LAST_ASKED = "_last_asked"  # (question, seeds) of the last answer shown in this session


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
AUTHOR = QueryVar("author")
CELL = QueryVar("cell")  # a matrix cell: "<method id>|<topic id>"


def seeds() -> list[str]:
    """The follow-up seed node ids of the current question."""
    return [s for s in SEEDS.get().split(",") if s]


def ask(question: str, *, seed_nodes: list[str] | None = None) -> None:
    """Make ``question`` the current one (a follow-up passes the nodes it hops from)."""
    question = question.strip()
    QUESTION.set(question)
    SEEDS.set(",".join(seed_nodes or []))
    st.session_state[_LAST_ASKED] = (question, tuple(seed_nodes or ()))


def on_question_submitted() -> None:
    """Callback of the question box: a typed question starts a fresh walk (no follow-up seeds)."""
    ask(str(st.session_state.get(QUESTION_BOX, "")))


def on_followup(question: str, from_nodes: list[str]) -> None:
    """Callback of a keep-exploring button: ask its question, seeded at the nodes it hops from."""
    ask(question, seed_nodes=from_nodes)
    st.session_state[QUESTION_BOX] = question


def current_question() -> tuple[str, list[str]]:
    """The question to answer now and its seeds, with the question box kept in step with the URL.

    Switching pages drops the query string, so coming back to Ask restores the last question of this
    session into the URL instead of showing an empty page.
    """
    question = QUESTION.get().strip()
    if not question and st.session_state.get(_LAST_ASKED):
        last_q, last_seeds = st.session_state[_LAST_ASKED]
        if last_q:
            ask(last_q, seed_nodes=list(last_seeds))
            question = last_q
    if st.session_state.get("_box_synced") != question:
        # A new URL (a shared link, a follow-up) wins over what the box held.
        st.session_state[QUESTION_BOX] = question
        st.session_state["_box_synced"] = question
    st.session_state[_LAST_ASKED] = (question, tuple(seeds()))
    return question, seeds()
