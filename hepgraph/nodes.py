"""Node ids shared by retrieval paths, the cited subgraph, follow-ups and the UI.

Papers, concepts and authors live in one heterogeneous graph; a one-letter prefix keeps their ids apart
(a paper key may itself look like ``doi:10.1103/...``).
"""

from __future__ import annotations

from typing import Literal

NodeKind = Literal["paper", "concept", "author", "question"]
_PREFIX: dict[str, str] = {"paper": "p:", "concept": "c:", "author": "a:"}
QUESTION_NODE = "q"


def paper_node(key: str) -> str:
    """Node id of a paper: ``p:<paper key>``."""
    return f"p:{key}"


def concept_node(concept_id: str) -> str:
    """Node id of a concept: ``c:<concept id>``."""
    return f"c:{concept_id}"


def author_node(key: str) -> str:
    """Node id of an author: ``a:<author key>``."""
    return f"a:{key}"


def split_node(node: str) -> tuple[NodeKind, str]:
    """The kind and bare id of a node id.

    >>> split_node("c:method:variational-autoencoder")
    ('concept', 'method:variational-autoencoder')
    """
    if node == QUESTION_NODE:
        return "question", ""
    for kind, prefix in _PREFIX.items():
        if node.startswith(prefix):
            return kind, node[len(prefix) :]  # type: ignore[return-value]
    msg = f"not a node id: {node!r} (expected p:<paper>, c:<concept> or a:<author>)"
    raise ValueError(msg)
