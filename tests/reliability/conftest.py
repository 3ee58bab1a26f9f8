"""Fixtures shared by the reliability tests: one store built from the bundled sample by the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home whose store was built from data/sample with `hepgraph build` (concepts, embeddings, SIMILAR)."""
    from typer.testing import CliRunner

    from hepgraph.ui.cli import app

    home = tmp_path_factory.mktemp("sample-home")
    result = CliRunner(env={"HF_HUB_OFFLINE": "1"}).invoke(app, ["--home", str(home), "build", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    return home
