"""`hepgraph build` and `hepgraph vocab ...` through typer's CliRunner on a small real slice."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from hepgraph.errors import ConfigError
from hepgraph.extract.embed import pick_device
from hepgraph.extract.vocabulary import load_vocabulary
from hepgraph.ui.cli import app

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def home(tmp_path_factory, hepml_slice_file):
    """A store built by the CLI from the first 40 papers of the ML slice."""
    home = tmp_path_factory.mktemp("cli-home")
    source = home / "slice40.jsonl"
    source.write_text(
        "".join(hepml_slice_file.read_text(encoding="utf-8").splitlines(True)[:40]), encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["--home", str(home), "build", str(source), "--json"])
    assert result.exit_code == 0, result.output
    return home, source, json.loads(result.stdout[result.stdout.index("{") :])


def test_build_reports_papers_edges_and_zero_llm_calls(home):
    _, _, report = home
    assert report["papers_added"] == report["papers_extracted"] == 40
    assert report["llm_calls"] == 0
    assert report["edges"]["SIMILAR"] > 0 and report["edges"]["IS_A"] > 0
    # This machine has no GPU: the build says the encoder ran on the CPU.
    if not torch.cuda.is_available():
        assert report["embedding_device"] == "cpu"
    assert report["embedding_device"].startswith("cuda") == torch.cuda.is_available()


def test_second_build_prints_a_summary_with_zero_papers(home):
    path, source, _ = home
    result = CliRunner().invoke(app, ["--home", str(path), "build", str(source)])
    assert result.exit_code == 0, result.output
    rows = {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in result.stdout.splitlines()
        if line.count("│") == 3
    }
    assert rows["papers extracted"] == "0" and rows["papers embedded"] == "0"
    assert rows["embedding device"] == "(nothing to embed)"
    assert rows["LLM calls"] == "0"


@pytest.mark.parametrize("device", ["cuda:7", "tpu"])
def test_an_embedding_device_the_machine_lacks_is_refused_with_the_setting_to_change(device):
    if device == "cuda:7" and torch.cuda.device_count() > 7:
        pytest.skip("this machine has eight CUDA devices")
    with pytest.raises(ConfigError, match="embedding_device") as err:
        pick_device(device)
    assert device in str(err.value)


def test_bad_on_error_value_is_rejected(home):
    path, source, _ = home
    result = CliRunner().invoke(app, ["--home", str(path), "build", str(source), "--on-error", "ignore"])
    assert result.exit_code != 0


def test_vocab_stats_counts_the_vocabulary_and_links(home):
    path, _, _ = home
    result = CliRunner().invoke(app, ["--home", str(path), "vocab", "stats", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["concepts"] == len(load_vocabulary())
    assert sum(stats["links_by_type"].values()) > 0


def test_vocab_candidates_are_terms_the_vocabulary_misses(home):
    path, _, _ = home
    result = CliRunner().invoke(
        app, ["--home", str(path), "vocab", "candidates", "--top", "10", "--min-count", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    found = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert found
    names = {f.text.casefold() for f in load_vocabulary().surface_forms()}
    assert all(c["text"].casefold() not in names and c["papers"] >= 2 for c in found)
    assert [c["papers"] for c in found] == sorted((c["papers"] for c in found), reverse=True)
