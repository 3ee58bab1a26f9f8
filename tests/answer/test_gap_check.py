"""An absence line ("the archive does not contain ...") is checked against every paper's text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from graphs import TINY_CONCEPTS, TINY_PAPERS

from hepgraph.answer.answerer import Answerer
from hepgraph.answer.gap_check import GapChecker, concept_pattern
from hepgraph.extract.vocabulary import Vocabulary
from hepgraph.graph.embedded import EmbeddedStore
from hepgraph.models import Concept
from hepgraph.pipeline.build import build
from hepgraph.pipeline.runtime import build_retriever
from hepgraph.results import GapClaim
from hepgraph.settings import Settings

CONCEPTS = {c.id: c for c in TINY_CONCEPTS} | {
    "method:vae": Concept(
        id="method:vae",
        type="Method",
        name="variational autoencoder",
        acronyms=["VAE"],
        parents=["method:autoencoder"],
    )
}
PAIR = GapClaim(
    kind="no_pair",
    text="The archive does not contain a study of autoencoder for jet tagging: ...",
    concepts=["method:autoencoder", "topic:jet-tagging"],
    sides=[["method:autoencoder"], ["topic:jet-tagging"]],
)


def _checker(texts: dict[str, str]) -> GapChecker:
    return GapChecker(CONCEPTS, lambda: texts.items())


def test_a_pair_one_paper_names_refutes_the_line() -> None:
    texts = {
        "a": "Autoencoder anomaly detection for dijets",
        "b": "Jet Tagging with an Autoencoder trained on QCD jets",  # names both sides, any case
        "c": "Jet tagging with boosted decision trees",
    }
    checker = _checker(texts)
    assert checker.covering(PAIR) == ["b"]
    assert not checker.holds(PAIR)
    del texts["b"]
    assert _checker(texts).holds(PAIR)


def test_children_count_and_acronyms_match_in_their_own_case() -> None:
    # The graph counts IS_A children as their parent (AnswerIndex.papers_linking); the check does too.
    texts = {"v": "A VAE for jet tagging", "w": "The vae-like jet tagging of gravitational waves"}
    assert _checker(texts).covering(PAIR) == ["v"]
    pattern = concept_pattern(CONCEPTS["method:vae"])
    assert pattern is not None
    assert pattern.search("a VAE model") and not pattern.search("a vae model")
    assert pattern.search("Variational Autoencoder")


def test_only_absence_lines_are_checked_and_no_paper_lines_by_any_concept() -> None:
    texts = {"n": "Neutrino oscillation fits with a boosted decision tree"}
    checker = _checker(texts)
    weak = PAIR.model_copy(update={"kind": "weak_pair"})
    assert checker.covering(weak) == []
    none = GapClaim(kind="no_paper", text="...", concepts=["topic:neutrino-oscillation"])
    assert checker.covering(none) == ["n"]


@pytest.fixture(scope="module")
def missed_link_env(tmp_path_factory: pytest.TempPathFactory, answer_embedder: Any) -> Any:
    """The tiny papers plus one on autoencoders for jet tagging whose links the extraction 'missed'."""
    root = tmp_path_factory.mktemp("missed")
    extra = (
        "2301.00009",
        "An autoencoder for jet tagging",
        "We apply an autoencoder to jet tagging of boosted top quarks.",
    )
    rows = [
        {
            "id": i,
            "title": t,
            "abstract": a,
            "authors": "A. Tester",
            "categories": "hep-ph",
            "update_date": "2023-01-15",
        }
        for i, t, a in [*TINY_PAPERS, extra]
    ]
    src = root / "tiny.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    settings = Settings(home=root / "home", anthropic_api_key=None)
    settings.home.mkdir(parents=True)
    store = EmbeddedStore(settings.store_path)
    store.ensure_schema()
    vocabulary = Vocabulary(TINY_CONCEPTS)
    build([src], store=store, settings=settings, embedder=answer_embedder, vocabulary=vocabulary)
    store.replace_links({"2301.00009": []})  # the graph no longer knows what the paper is about
    retriever = build_retriever(store, settings, embedder=answer_embedder, vocabulary=vocabulary)
    yield Answerer(retriever, store, embedder=answer_embedder)
    store.close()


def test_answer_drops_an_absence_line_a_paper_refutes(missed_link_env: Answerer, tiny_env: Any) -> None:
    question = "Can an autoencoder help jet tagging?"
    line = "The archive does not contain a study of autoencoder for jet tagging"
    honest = Answerer(tiny_env.retriever, tiny_env.store, embedder=tiny_env.embedder).ask(question)
    assert any(g.startswith(line) for g in honest.gaps) and honest.gaps_refuted == 0
    claim = next(c for c in honest.gap_claims if c.text.startswith(line))
    assert claim.kind == "no_pair" and claim.sides == [["method:autoencoder"], ["topic:jet-tagging"]]

    answer = missed_link_env.ask(question)
    assert not any(g.startswith(line) for g in answer.gaps)
    assert answer.gaps_refuted == 1
    store = missed_link_env.store
    checker = GapChecker(CONCEPTS, lambda: ((p.key, p.text) for p in store.iter_papers()))
    assert checker.covering(claim) == ["2301.00009"]


def test_checked_lines_survive_on_the_honest_store(tiny_env: Any) -> None:
    answer = Answerer(tiny_env.retriever, tiny_env.store, embedder=tiny_env.embedder).ask(
        "What do neutrino oscillation studies learn from autoencoders?"
    )
    assert [c.kind for c in answer.gap_claims] == ["no_paper"]
    assert answer.gaps_refuted == 0
