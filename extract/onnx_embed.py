"""The query-time Embedder: the sentence-transformers model's encoder exported to ONNX.

``hepgraph ask`` embeds one question. Importing torch and sentence-transformers for it costs seconds on
every fresh process; ONNX Runtime and the tokenizer load in a fraction of one. The encoder is exported
once, by the first process that has the model loaded, into the cache; pooling and normalisation are done
here as the model's own modules do, so vectors agree with the model's to float rounding (tested).
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hepgraph.errors import ConfigError
from hepgraph.extract.embed import SentenceTransformerEmbedder, resolve_model_path

logger = logging.getLogger(__name__)

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def onnx_path(cache_dir: Path, model: str) -> Path:
    """Where the exported encoder of ``model`` is cached, keyed by its weight files' sizes and times."""
    folder = resolve_model_path(model)
    stamp = "-".join(
        f"{f.stat().st_size}-{int(f.stat().st_mtime)}" for f in sorted(folder.glob("*.safetensors"))
    )
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in model)
    return cache_dir / "onnx" / f"{safe}-{stamp or 'weights'}.onnx"


def exportable(embedder: SentenceTransformerEmbedder) -> bool:
    """Whether the model is transformer -> mean pooling -> normalise, the only pipeline OnnxEmbedder runs."""
    from sentence_transformers.models import Normalize, Pooling, Transformer

    modules = list(embedder.model)
    return (
        len(modules) == 3  # noqa: PLR2004 - exactly the three modules named below
        and isinstance(modules[0], Transformer)
        and isinstance(modules[1], Pooling)
        and modules[1].pooling_mode == "mean"
        and isinstance(modules[2], Normalize)
    )


def export_onnx(embedder: SentenceTransformerEmbedder, path: Path) -> Path:
    """Export the embedder's transformer (token ids -> last hidden state) to ``path``, atomically."""
    import torch  # the export runs the model in torch, which the caller has already loaded

    if not exportable(embedder):
        msg = f"{embedder.model_name} is not transformer + mean pooling + normalise; it cannot run on ONNX"
        raise ConfigError(msg)
    transformer = embedder.model[0].auto_model
    # tokenize() is what every sentence-transformers of our pinned range (3 to 6) has; 6.x logs a
    # deprecation WARNING for it that would reach the user of a first `ask`, so it is muted here.
    st_logger = logging.getLogger("sentence_transformers")
    level = st_logger.level
    st_logger.setLevel(logging.ERROR)
    try:
        example = embedder.model.tokenize(["a question about jets", "and a second, longer one about flows"])
    finally:
        st_logger.setLevel(level)
    names = [n for n in INPUTS if n in example]

    class Encoder(torch.nn.Module):
        """Token ids -> last hidden state, the inputs passed by name (the model's forward takes many)."""

        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer  # a submodule, so its weights export as parameters

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.transformer(**dict(zip(names, inputs, strict=True))).last_hidden_state

    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    # The tracer warns that branches on tensor values are frozen into the graph: here they are (padding
    # present or not, never causal), and the tests check the export against the model on single texts,
    # padded batches and truncated ones. Its own deprecation warning is about the exporter below.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Encoder().eval(),
            tuple(example[n] for n in names),
            str(tmp),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            # The TorchScript exporter, deprecated but in the pinned torch: the torch.export one also works
            # (same vectors) but needs onnxscript and took 6 s instead of 1.3 s here.
            dynamo=False,
        )
    tmp.replace(path)
    logger.info("exported the encoder of %s to %s for query-time embedding", embedder.model_name, path)
    return path


class OnnxEmbedder:
    """An Embedder running the exported encoder on ONNX Runtime, with the model's own tokenizer.

    Args:
        path: the exported encoder (:func:`export_onnx`).
        model: the model name or path; the tokenizer and sequence length are read from its folder, and
            the name keys the vector cache exactly as the model's would.
        batch_size: texts per batch.
    """

    def __init__(self, path: Path, model: str, *, batch_size: int = 64) -> None:
        # Here, not at the top: the build imports this module and never runs a session.
        import onnxruntime
        from tokenizers import Tokenizer

        folder = resolve_model_path(model)
        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.model_name = model
        self.batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(int(config["max_seq_length"]))
        self._tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # its warnings about unused initialisers are not the user's concern
        try:
            self._session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as err:  # onnxruntime raises its own untyped errors for a damaged file
            msg = f"cannot load the query encoder {path} ({err}): delete it, the next question re-exports it"
            raise ConfigError(msg) from err
        self._inputs = [i.name for i in self._session.get_inputs()]
        self.dim = int(self._session.get_outputs()[0].shape[-1])
        logger.info("loaded the ONNX encoder of %s from %s (dim %d)", model, path, self.dim)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``; vectors are L2-normalised so a dot product is the cosine."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for lo in range(0, len(texts), self.batch_size):
            batch = self._tokenizer.encode_batch(list(texts[lo : lo + self.batch_size]))
            feed = {
                "input_ids": np.array([e.ids for e in batch], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in batch], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in batch], dtype=np.int64),
            }
            (hidden,) = self._session.run(None, {name: feed[name] for name in self._inputs})
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            out[lo : lo + len(batch)] = pooled / np.maximum(
                np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12
            )
        return out
