"""BM25 over paper texts (bm25s, English Snowball stemmer, English stopwords), cached per index hash."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from hepgraph.caches import write_cache
from hepgraph.errors import GraphStoreError

# bm25s sets its own logger to DEBUG when first imported, which would print its debug lines under any
# application that logs warnings only; NOTSET makes it follow the root logger like ours do.
logging.getLogger("bm25s").setLevel(logging.NOTSET)
logger = logging.getLogger(__name__)

_KEYS_FILE = "paper_keys.json"


def lucene_query(text: str) -> str:
    """``text``'s words as a Lucene OR query for a full-text index, with the stopwords BM25 drops here.

    Only letters and digits survive, so nothing in a question is read as Lucene syntax.

    >>> lucene_query("Which (GNN) taggers beat the DNN? jet-tagging")
    'which OR gnn OR taggers OR beat OR dnn OR jet OR tagging'
    """
    words = [w for w in re.findall(r"[^\W_]+", text.lower()) if w not in STOPWORDS_EN]
    return " OR ".join(dict.fromkeys(words))


def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


class LexicalIndex:
    """A BM25 index whose document i is paper ``keys[i]``.

    Build it with :meth:`build` or :meth:`load_or_build`; searching is read-only and deterministic
    (ties are broken by document order).
    """

    def __init__(self, keys: Sequence[str], retriever: object) -> None:
        self.keys = list(keys)
        self._retriever = retriever
        self._stem = _stemmer()
        self._vocab: dict[str, int] = getattr(retriever, "vocab_dict", {}) or {}

    @classmethod
    def build(cls, keys: Sequence[str], texts: Sequence[str]) -> LexicalIndex:
        """Index ``texts`` (one per key)."""
        if len(keys) != len(texts):
            msg = f"{len(keys)} keys but {len(texts)} texts: pass one text per paper key"
            raise ValueError(msg)
        tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer(), show_progress=False)
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        logger.info("BM25 index over %s papers, %s terms", len(keys), len(tokens.vocab))
        return cls(keys, retriever)

    def save(self, directory: Path) -> None:
        """Write the index and its key order to ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        self._retriever.save(str(directory), show_progress=False)  # type: ignore[attr-defined]
        (directory / _KEYS_FILE).write_text(json.dumps(self.keys), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Read an index written by :meth:`save`."""
        try:
            keys = json.loads((directory / _KEYS_FILE).read_text(encoding="utf-8"))
            retriever = bm25s.BM25.load(str(directory), load_vocab=True, show_progress=False)
        except (OSError, ValueError) as err:
            msg = f"cannot read the BM25 index at {directory}: delete the folder and it is rebuilt"
            raise GraphStoreError(msg) from err
        return cls(keys, retriever)

    @classmethod
    def load_or_build(
        cls, cache_dir: Path | None, index_hash: str, keys: Sequence[str], texts: Sequence[str]
    ) -> LexicalIndex:
        """The cached index for ``index_hash`` when there is one, else build (and cache) it."""
        directory = cache_dir / f"bm25-{index_hash}" if cache_dir else None
        if directory is not None and (directory / _KEYS_FILE).exists():
            index = cls.load(directory)
            if index.keys == list(keys):
                return index
            logger.warning("BM25 cache %s does not match the store's papers; rebuilding", directory)
        index = cls.build(keys, texts)
        if directory is not None:
            write_cache(directory, index.save, what="BM25 index")
        return index

    def query_terms(self, query: str) -> list[str]:
        """The stemmed, stopword-free query terms that occur in the collection."""
        toks = bm25s.tokenize(
            query, stopwords="en", stemmer=self._stem, return_ids=False, show_progress=False
        )
        return [t for t in toks[0] if t in self._vocab] if toks else []

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document (zeros when no query term occurs in the collection)."""
        terms = self.query_terms(query)
        if not terms:
            return np.zeros(len(self.keys), dtype=np.float32)
        return np.asarray(self._retriever.get_scores(terms), dtype=np.float32)  # type: ignore[attr-defined]

    def search(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` best (key, score) pairs with a positive score, best first."""
        s = self.scores(query)
        return [(self.keys[i], float(s[i])) for i in top_k(s, k) if s[i] > 0]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest scores, best first, ties broken by the lower index (deterministic)."""
    n = len(scores)
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
    # lexsort: last key is primary -> sort by -score, then by index.
    return part[np.lexsort((part, -scores[part]))]
