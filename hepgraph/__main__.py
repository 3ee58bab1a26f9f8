"""`python -m hepgraph ...` runs the hepgraph CLI (where the console script is not on PATH)."""

from hepgraph.ui.cli import app

app(prog_name="hepgraph")
