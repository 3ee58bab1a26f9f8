"""The console's conformance queries (graph/cypher_conformance.yaml): run them on a store, compare stores.

Used by tests/graph/test_cypher_conformance.py and benchmarks/cypher_conformance.py, so the README's pass
table and CI read the same file the same way.
"""

from __future__ import annotations

import math
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from hepgraph.errors import HepGraphError
from hepgraph.graph.console import run_console_query
from hepgraph.store import GraphStore

__all__ = ["ConformanceQuery", "Outcome", "load_queries", "run_query", "same_answer"]


class ConformanceQuery(BaseModel):
    """One query of the file: what it exercises, its text and its $parameters."""

    model_config = ConfigDict(extra="forbid")

    id: str
    feature: str
    query: str
    params: dict[str, Any] = Field(default_factory=dict)
    unordered: bool = False
    embedded: Literal["runs", "error"] = "runs"
    neo4j: Literal["runs", "error"] = "runs"
    differs: str = Field("", description="why both stores run it and answer differently")

    def expected(self, backend: str) -> str:
        """'runs' or 'error': what ``backend``'s engine is known to do with this query."""
        return self.embedded if backend == "embedded" else self.neo4j

    @property
    def portable(self) -> bool:
        """Both engines run it and give the same answer."""
        return self.embedded == self.neo4j == "runs" and not self.differs


class Outcome(BaseModel):
    """A store's answer to one query: its rows (values only, floats rounded) or the error it gave."""

    rows: list[list[Any]] | None = None
    error: str = ""

    @property
    def ran(self) -> bool:
        """Whether the store answered (an error leaves ``rows`` unset)."""
        return self.rows is not None


def load_queries() -> list[ConformanceQuery]:
    """Every query of the conformance file, in file order."""
    text = resources.files("hepgraph.graph").joinpath("cypher_conformance.yaml").read_text(encoding="utf-8")
    return [ConformanceQuery.model_validate(item) for item in yaml.safe_load(text)]


def run_query(store: GraphStore, item: ConformanceQuery, *, timeout_s: float = 30.0) -> Outcome:
    """``item`` on ``store``'s console: the rows, or the one-line error the user would see."""
    try:
        result = run_console_query(store, item.query, params=item.params, row_limit=1000, timeout_s=timeout_s)
    except HepGraphError as err:
        return Outcome(error=str(err))
    return Outcome(rows=[[_plain(v) for v in row] for row in result.rows])


def same_answer(item: ConformanceQuery, a: Outcome, b: Outcome) -> bool:
    """Whether two stores gave the same rows (column names aside: engines name unaliased columns apart)."""
    if not (a.ran and b.ran):
        return False
    if item.unordered:
        return sorted(map(repr, a.rows or [])) == sorted(map(repr, b.rows or []))
    return a.rows == b.rows


def _plain(value: Any) -> Any:
    """Floats to 6 significant digits (the engines sum in different orders), lists element-wise."""
    if isinstance(value, float):
        return float(f"{value:.6g}") if math.isfinite(value) else value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
