"""The question's structure in the ranking: papers joining method and goal first, physics before ML-only.

A small graph of our own abstracts (physics papers on jet tagging and anomaly detection, and ML papers on
images) built with the real pipeline and searched with the real retriever.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from graphs import TINY_CONCEPTS

from hepgraph.extract.vocabulary import Vocabulary
from hepgraph.graph.embedded import EmbeddedStore
from hepgraph.graph.retrieve import RetrievalConfig
from hepgraph.pipeline.build import build
from hepgraph.pipeline.runtime import build_retriever
from hepgraph.settings import Settings

PHYSICS = [
    (
        "2302.00001",
        "Graph neural network jet tagging of boosted top quarks",
        "A graph neural network classifies jets for jet tagging of boosted top quarks at the LHC.",
    ),
    (
        "2302.00002",
        "Jet tagging with a boosted decision tree",
        "A boosted decision tree on substructure observables performs jet tagging of W bosons.",
    ),
    (
        "2302.00003",
        "Jet tagging with energy flow observables",
        "Energy flow observables feed a linear classifier for jet tagging of quark and gluon jets.",
    ),
    (
        "2302.00004",
        "Autoencoder anomaly detection in dijet events",
        "An autoencoder trained on background dijet events is used for anomaly detection at the LHC.",
    ),
]
ML = [
    (
        "2302.10001",
        "Graph neural network message passing for image recognition",
        "A graph neural network with message passing between superpixels recognises objects in images.",
    ),
    (
        "2302.10002",
        "Graph neural network pooling for molecule property prediction",
        "A graph neural network with hierarchical pooling predicts molecule properties from their graphs.",
    ),
]


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory, answer_embedder: Any) -> Any:
    root = tmp_path_factory.mktemp("structure")
    rows = [
        {
            "id": i,
            "title": t,
            "abstract": a,
            "authors": "A. Tester",
            "categories": cat,
            "update_date": "2023-02-01",
        }
        for papers, cat in ((PHYSICS, "hep-ph"), (ML, "cs.LG"))
        for i, t, a in papers
    ]
    (root / "papers.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    settings = Settings(home=root / "home", anthropic_api_key=None)
    store = EmbeddedStore(settings.store_path)
    store.ensure_schema()
    vocabulary = Vocabulary(TINY_CONCEPTS)
    build(
        [root / "papers.jsonl"],
        store=store,
        settings=settings,
        embedder=answer_embedder,
        vocabulary=vocabulary,
    )
    return build_retriever(store, settings, embedder=answer_embedder, vocabulary=vocabulary)


def _order(retriever: Any, question: str, **config: Any) -> list[str]:
    if config:
        retriever = build_retriever(
            retriever.store,
            retriever.settings,
            embedder=retriever.linker.embedder,
            vocabulary=Vocabulary(TINY_CONCEPTS),
            config=RetrievalConfig(**config),
        )
    return [r.key for r in retriever.search(question, k=6).results]


def test_the_question_is_read_as_a_method_and_a_physics_goal(retriever: Any) -> None:
    uq = retriever.linker.understand("Which graph neural network helps jet tagging?")
    structure = retriever.structures.structure(uq.concepts)
    names = {s: [retriever.view.concept_names[c] for c in cols] for s, cols in structure.sides.items()}
    assert names == {"method": ["graph neural network"], "goal": ["jet tagging"]}
    assert structure.joined and structure.names_physics


def test_a_paper_joining_method_and_goal_outranks_single_side_papers(retriever: Any) -> None:
    order = _order(retriever, "Which graph neural network helps jet tagging?")
    assert order[0] == "2302.00001"  # the only paper on both sides


def test_ml_papers_rank_after_physics_papers_when_the_question_names_physics(retriever: Any) -> None:
    order = _order(retriever, "Which graph neural network helps jet tagging?")
    physics = [k for k in order if k.startswith("2302.0000")]
    assert order[: len(physics)] == physics  # every ML-only paper after every physics paper
    # Without the rule, a GNN paper on molecules or images outranks physics papers that match the goal.
    plain = _order(retriever, "Which graph neural network helps jet tagging?", physics_first=False)
    ml = [k for k in plain if k.startswith("2302.1")]
    assert plain[: len(plain) - len(ml)] != [k for k in plain if k.startswith("2302.0000")]


def test_a_purely_ml_question_still_gets_the_ml_papers(retriever: Any) -> None:
    uq = retriever.linker.understand("graph neural network message passing and pooling")
    assert not retriever.structures.structure(uq.concepts).names_physics
    order = _order(retriever, "graph neural network message passing and pooling")
    assert set(order[:2]) == {"2302.10001", "2302.10002"}


def test_a_shared_ml_task_does_not_make_a_question_physics(retriever: Any) -> None:
    # "anomaly detection" is linked by physics papers only here, so it is physics-specific; a concept the
    # ML papers link as often as the physics ones (the method) is not.
    index = retriever.structures
    gnn = retriever.view.index_of("c:method:graph-neural-network") - retriever.view.n_papers
    jets = retriever.view.index_of("c:topic:jet-tagging") - retriever.view.n_papers
    assert index.physics_concept[jets] and not index.physics_concept[gnn]


def test_percentages_separate_strong_from_weak_matches_and_never_rise(retriever: Any) -> None:
    scores = [r.score for r in retriever.search("Which graph neural network helps jet tagging?", k=6).results]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] - scores[-1] >= 0.2
