"""The curated vocabulary.

The real data loads, reaches its targets and links the acceptance aliases; every validation error is
raised on small hand-made YAML fixtures.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path

import pytest

from hepgraph.errors import ConfigError
from hepgraph.extract.vocabulary import SurfaceForm, Vocabulary, default_directory, load_vocabulary

VOCAB_DIR = Path(__file__).resolve().parents[2] / "data" / "vocabulary"


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return load_vocabulary()


def owners(vocab: Vocabulary, text: str) -> set[str]:
    """Concept ids a matcher would link ``text`` to, honouring each form's case rule."""
    out = set()
    for f in vocab.surface_forms():
        same = f.text == text if f.case_sensitive else f.text.casefold() == text.casefold()
        if same:
            out.add(f.concept_id)
    return out


def write(tmp_path: Path, name: str, body: str) -> Path:
    (tmp_path / name).write_text(textwrap.dedent(body), encoding="utf-8")
    return tmp_path


# --- the real vocabulary -------------------------------------------------------------------------


def test_default_directory_is_the_repo_data_folder() -> None:
    assert default_directory().resolve() == VOCAB_DIR.resolve()
    assert sorted(p.name for p in VOCAB_DIR.glob("*.yaml")) == [
        "datasets.yaml",
        "experiments.yaml",
        "methods.yaml",
        "processes.yaml",
        "tasks.yaml",
        "topics.yaml",
    ]


def test_counts_reach_targets(vocab: Vocabulary) -> None:
    stats = vocab.stats()
    assert len(vocab) >= 300
    assert stats.surface_forms >= 1500
    assert stats.surface_forms == len(vocab.surface_forms())
    # Every type is populated, and counts by type and kind add up to the totals.
    assert all(stats.concepts_by_type[t] >= 25 for t in stats.concepts_by_type), stats.concepts_by_type
    assert sum(stats.concepts_by_type.values()) == len(vocab)
    assert sum(stats.forms_by_kind.values()) == stats.surface_forms
    assert stats.forms_by_kind["name"] == len(vocab)
    assert stats.forms_by_kind["latex"] >= 200
    assert stats.forms_by_kind["acronym"] >= 200


def test_concepts_sorted_and_typed_by_file(vocab: Vocabulary) -> None:
    ids = [c.id for c in vocab.concepts]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    for c in vocab.concepts:
        assert c.id.split(":")[0] == c.type.lower()
        assert c.name.strip() and c.description.strip(), c.id
    assert vocab.get("method:variational-autoencoder").type == "Method"
    assert vocab.get("method:no-such-thing") is None


def test_hierarchy(vocab: Vocabulary) -> None:
    vae = vocab.ancestors("method:variational-autoencoder")
    assert vae[0] == "method:autoencoder"  # nearest first
    assert {"method:autoencoder", "method:generative-model", "method:neural-network"} <= set(vae)
    assert "method:particlenet" in vocab.descendants("method:graph-neural-network")
    assert "method:edgeconv" in vocab.ancestors("method:particlenet")
    assert "method:particle-transformer" in vocab.children("method:transformer")
    assert "method:cwola" in vocab.children("method:weak-supervision")
    assert "topic:b-tagging" in vocab.descendants("topic:jet-tagging")
    assert "process:tth" in vocab.children("process:higgs-production")
    edges = vocab.is_a_edges()
    assert edges == sorted(edges)
    assert ("method:variational-autoencoder", "method:autoencoder") in edges
    assert len(edges) == sum(len(c.parents) for c in vocab.concepts)
    # A real hierarchy: many methods sit at least three levels deep.
    deep = [c.id for c in vocab.concepts if c.type == "Method" and len(vocab.ancestors(c.id)) >= 3]
    assert len(deep) >= 50


@pytest.mark.parametrize(
    ("text", "concept_id"),
    [
        ("VAE", "method:variational-autoencoder"),
        ("variational auto-encoders", "method:variational-autoencoder"),
        ("GNN", "method:graph-neural-network"),
        ("GNNs", "method:graph-neural-network"),
        ("ParT", "method:particle-transformer"),
        ("CWoLa", "method:cwola"),
        ("ttH", "process:tth"),
        ("t\\bar{t}H", "process:tth"),
        ("$t\\bar{t}H$", "process:tth"),
        ("H \\to b\\bar{b}", "process:h-bb"),
        ("H\\rightarrow\\gamma\\gamma", "process:h-gammagamma"),
        ("HH", "process:hh"),
        ("auto-encoder", "method:autoencoder"),
        ("flavor tagging", "topic:jet-flavour-tagging"),
        ("flavour tagging", "topic:jet-flavour-tagging"),
        ("DisCo", "method:distance-correlation"),
        ("LHCO", "dataset:lhc-olympics-2020"),
        ("JetClass", "dataset:jetclass"),
        ("SMEFT", "topic:smeft"),
        ("Belle II", "experiment:belle-ii"),
    ],
)
def test_alias_resolution(vocab: Vocabulary, text: str, concept_id: str) -> None:
    assert owners(vocab, text) == {concept_id}


def test_case_rules(vocab: Vocabulary) -> None:
    # Acronyms match exact case only: "part" and "vae" are not concepts.
    assert owners(vocab, "part") == set()
    assert owners(vocab, "vae") == set()
    # Risky English words are kept out of case-insensitive forms.
    risky = ("atlas", "alice", "dune", "compass", "comet", "star", "edges", "quantization", "fine-tuning")
    for word in risky:
        assert owners(vocab, word) == set(), word


def test_no_surface_form_has_two_owners(vocab: Vocabulary) -> None:
    folded: dict[str, set[str]] = {}
    exact: dict[str, set[str]] = {}
    for f in vocab.surface_forms():
        (exact if f.case_sensitive else folded).setdefault(
            f.text if f.case_sensitive else f.text.casefold(), set()
        ).add(f.concept_id)
    assert all(len(ids) == 1 for ids in folded.values())
    assert all(len(ids) == 1 for ids in exact.values())
    for text, ids in exact.items():
        assert folded.get(text.casefold(), ids) == ids, text


def test_surface_forms_shape(vocab: Vocabulary) -> None:
    forms = vocab.surface_forms()
    assert all(isinstance(f, SurfaceForm) and f.text.strip() for f in forms)
    kinds = Counter(f.kind for f in forms)
    assert set(kinds) == {"name", "alias", "acronym", "latex"}
    vae = [f for f in forms if f.concept_id == "method:variational-autoencoder"]
    assert vae[0].kind == "name" and vae[0].text == "variational autoencoder"


def test_version_is_stable_and_content_sensitive(vocab: Vocabulary, tmp_path: Path) -> None:
    assert load_vocabulary(VOCAB_DIR).version == vocab.version
    assert len(vocab.version) == 16
    base = """\
        type: Topic
        concepts:
          - id: topic:qcd
            name: QCD
            description: {desc}
        """
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    a_dir.mkdir()
    b_dir.mkdir()
    a = load_vocabulary(write(a_dir, "t.yaml", base.format(desc="strong force")))
    b = load_vocabulary(write(b_dir, "t.yaml", base.format(desc="the strong force")))
    assert a.version != b.version


# --- validation errors on fixtures -----------------------------------------------------------


GOOD = """\
    type: Method
    concepts:
      - id: method:autoencoder
        name: autoencoder
        aliases: [auto-encoder]
        acronyms: [AE]
        latex: []
        parents: []
        description: reconstructs its input.
      - id: method:variational-autoencoder
        name: variational autoencoder
        aliases: []
        acronyms: [VAE]
        latex: []
        parents: [method:autoencoder]
        description: probabilistic autoencoder.
    """


def test_fixture_loads(tmp_path: Path) -> None:
    v = load_vocabulary(write(tmp_path, "m.yaml", GOOD))
    assert len(v) == 2
    assert v.ancestors("method:variational-autoencoder") == ["method:autoencoder"]
    assert v.children("method:autoencoder") == ["method:variational-autoencoder"]
    assert v.origin("method:autoencoder").endswith("m.yaml")


def _raises(tmp_path: Path, files: dict[str, str], *needles: str) -> None:
    for name, body in files.items():
        write(tmp_path, name, body)
    with pytest.raises(ConfigError) as err:
        load_vocabulary(tmp_path)
    msg = str(err.value)
    for needle in needles:
        assert needle in msg, msg


def test_unknown_type(tmp_path: Path) -> None:
    _raises(
        tmp_path,
        {"m.yaml": GOOD.replace("type: Method", "type: Algorithm")},
        "m.yaml",
        "unknown concept type 'Algorithm'",
        "use one of",
    )


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    other = """\
        type: Method
        concepts:
          - id: method:autoencoder
            name: another autoencoder
        """
    _raises(
        tmp_path,
        {"a.yaml": GOOD, "b.yaml": other},
        "b.yaml",
        "duplicate concept id 'method:autoencoder'",
        "a.yaml",
        "rename",
    )


def test_missing_parent(tmp_path: Path) -> None:
    body = GOOD.replace("parents: [method:autoencoder]", "parents: [method:generative-model]")
    _raises(
        tmp_path,
        {"m.yaml": body},
        "m.yaml",
        "method:variational-autoencoder",
        "'method:generative-model', which is not defined",
    )


def test_is_a_cycle(tmp_path: Path) -> None:
    body = GOOD.replace("    parents: []\n", "    parents: [method:variational-autoencoder]\n", 1)
    _raises(
        tmp_path,
        {"m.yaml": body},
        "IS_A cycle",
        "method:autoencoder",
        "method:variational-autoencoder",
        "remove one of these parents",
    )


def test_self_parent(tmp_path: Path) -> None:
    body = GOOD.replace("    parents: []\n", "    parents: [method:autoencoder]\n", 1)
    _raises(tmp_path, {"m.yaml": body}, "method:autoencoder", "itself")


def test_alias_claimed_twice_case_folded(tmp_path: Path) -> None:
    body = GOOD.replace("aliases: []", "aliases: [Auto-Encoder]")
    _raises(
        tmp_path,
        {"m.yaml": body},
        "'Auto-Encoder'",
        "method:variational-autoencoder",
        "already claimed by 'method:autoencoder'",
        "keep it on one concept only",
    )


def test_acronym_claimed_twice_exact(tmp_path: Path) -> None:
    body = GOOD.replace("acronyms: [VAE]", "acronyms: [AE]")
    _raises(tmp_path, {"m.yaml": body}, "'AE'", "already claimed")
    # Acronyms differing in case are different forms: this loads.
    ok_dir = tmp_path / "ok"
    ok_dir.mkdir()
    body = GOOD.replace("acronyms: [VAE]", "acronyms: [Ae]")
    assert len(load_vocabulary(write(ok_dir, "m.yaml", body))) == 2


def test_acronym_clashing_with_alias_of_another_concept(tmp_path: Path) -> None:
    # An alias matches any case, so another concept's acronym of the same letters would match too.
    body = GOOD.replace("aliases: []", "aliases: [ae]")
    _raises(tmp_path, {"m.yaml": body}, "'ae'", "already claimed by 'method:autoencoder'")


def test_name_claimed_twice_across_files(tmp_path: Path) -> None:
    other = """\
        type: Task
        concepts:
          - id: task:autoencoding
            name: Autoencoder
        """
    _raises(
        tmp_path,
        {"a.yaml": GOOD, "b.yaml": other},
        "'Autoencoder'",
        "task:autoencoding",
        "method:autoencoder",
    )


def test_empty_name(tmp_path: Path) -> None:
    _raises(
        tmp_path,
        {"m.yaml": GOOD.replace("name: autoencoder\n", "name: '  '\n", 1)},
        "m.yaml",
        "method:autoencoder",
        "empty name",
    )


def test_missing_name(tmp_path: Path) -> None:
    _raises(
        tmp_path,
        {"m.yaml": GOOD.replace("        name: autoencoder\n", "", 1)},
        "m.yaml",
        "method:autoencoder",
        "name",
    )


def test_yaml_syntax_error(tmp_path: Path) -> None:
    _raises(
        tmp_path,
        {"m.yaml": GOOD.replace("aliases: [auto-encoder]", "aliases: [auto-encoder")},
        "m.yaml",
        "YAML syntax error",
    )


def test_bad_id_and_unknown_field(tmp_path: Path) -> None:
    _raises(
        tmp_path,
        {"m.yaml": GOOD.replace("id: method:autoencoder\n", "id: topic:autoencoder\n", 1)},
        "'topic:autoencoder'",
        "method:kebab-case-name",
    )
    other = tmp_path / "x"
    other.mkdir()
    _raises(
        other,
        {"m.yaml": GOOD.replace("latex: []", "latex: []\n        synonyms: [x]", 1)},
        "method:autoencoder",
        "synonyms",
    )


def test_missing_or_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_vocabulary(tmp_path / "nope")
    with pytest.raises(ConfigError, match="no \\*.yaml files"):
        load_vocabulary(tmp_path)
    _raises(tmp_path, {"m.yaml": "type: Method\n"}, "m.yaml", "'concepts:' list")
