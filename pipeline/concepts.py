"""Concept vectors: each vocabulary concept's text embedded once, cached in the store beside paper vectors.

The build fills the cache; retrieval links a question to its nearest concepts with the same vectors.
"""

from __future__ import annotations

import hashlib

import numpy as np

from hepgraph.extract.vocabulary import Vocabulary
from hepgraph.models import Concept
from hepgraph.protocols import Embedder
from hepgraph.store import VectorCache


def concept_text(concept: Concept) -> str:
    """The text embedded for a concept: ``"name, aliases, acronyms: description"``.

    The aliases matter: with the name alone, a question about "a VAE for jets" lands on jet concepts.
    """
    names = ", ".join(dict.fromkeys([concept.name, *concept.aliases, *concept.acronyms]))
    return f"{names}: {concept.description}" if concept.description else names


def concept_hash(concept: Concept) -> str:
    """A stable pseudo text hash under which a concept's vector is cached beside paper vectors."""
    return "concept:" + hashlib.sha1(f"{concept.id}\n{concept_text(concept)}".encode()).hexdigest()


def concept_matrix(
    store: VectorCache, vocabulary: Vocabulary, embedder: Embedder, *, save: bool = True
) -> tuple[list[str], np.ndarray]:
    """Concept ids and their unit vectors (cached in the store), for linking questions by nearest concept.

    Vectors the cache lacks are embedded now, and stored unless ``save`` is False (a read-only store).
    """
    ids = [c.id for c in vocabulary.concepts]
    hashes = [concept_hash(c) for c in vocabulary.concepts]
    cached = store.get_embeddings(embedder.model_name, hashes)
    missing = [i for i, h in enumerate(hashes) if h not in cached]
    if missing:
        vecs = embedder.encode([concept_text(vocabulary.concepts[i]) for i in missing])
        fresh = {hashes[i]: vecs[n] for n, i in enumerate(missing)}
        if save:
            store.put_embeddings(embedder.model_name, fresh)
        cached.update(fresh)
    matrix = np.stack([cached[h] for h in hashes]) if hashes else np.zeros((0, embedder.dim), np.float32)
    return ids, matrix.astype(np.float32)
