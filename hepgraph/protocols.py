"""What retrieval and answers need of the extraction models, as Protocols: they never import extract/.

:class:`~hepgraph.extract.embed.SentenceTransformerEmbedder` is the Embedder and
:class:`~hepgraph.extract.mentions.MentionExtractor` the ConceptMatcher; the pipeline's runtime module
passes them in, so a question is embedded and linked exactly as the build treated paper texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from hepgraph.models import ConceptLink, Paper


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    model_name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``; returns an array of shape (len(texts), dim)."""
        ...


@runtime_checkable
class ConceptMatcher(Protocol):
    """Finds the vocabulary concepts a text mentions, with the words that matched as evidence."""

    def extract(self, paper: Paper) -> list[ConceptLink]:
        """The concept links of one paper (a question is matched as a title-only paper)."""
        ...
