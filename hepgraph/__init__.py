"""hepgraph: a knowledge-graph explorer for the particle-physics literature."""

__version__ = "0.1.0"
