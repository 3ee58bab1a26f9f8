"""The one batching helper: consecutive lists of at most ``size`` items (one transaction or query each)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in consecutive lists of at most ``size``; an iterator is consumed lazily.

    >>> list(batched("abcde", 2))
    [['a', 'b'], ['c', 'd'], ['e']]

    Raises:
        ValueError: ``size`` is below 1 (a misconfigured batch size, e.g. HEPGRAPH_NEO4J_BATCH_SIZE=0).
    """
    if size < 1:
        msg = f"batch size {size} must be at least 1: set the batch size setting to a positive number"
        raise ValueError(msg)
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk
