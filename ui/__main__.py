"""`python -m hepgraph.ui ...` runs the hepgraph CLI (used where the console script is not on PATH)."""

from hepgraph.ui.cli import app

app(prog_name="hepgraph")
