"""The shown relevance is the calibrated score, computed in one place, and the calibration file is checked."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from hepgraph import calibration
from hepgraph.calibration import Calibration, load_calibration
from hepgraph.errors import ConfigError
from hepgraph.results import ScoredPaper, Source, SubgraphNode

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from honesty import ece, fit_monotone  # noqa: E402

HALVING = Calibration(x=[0.0, 1.0], y=[0.0, 0.5], fitted_on="test: halves every score")


def test_the_map_interpolates_and_refuses_what_is_not_monotone() -> None:
    cal = Calibration(x=[0.2, 0.4, 0.8], y=[0.1, 0.1, 0.9])
    assert cal(0.0) == 0.1 and cal(0.3) == 0.1 and cal(0.6) == 0.5 and cal(1.0) == 0.9
    with pytest.raises(ValueError, match="non-decreasing"):
        Calibration(x=[0.2, 0.4], y=[0.5, 0.4])
    with pytest.raises(ValueError, match="increasing"):
        Calibration(x=[0.4, 0.2], y=[0.1, 0.2])


def test_a_malformed_file_names_itself_and_the_fix(tmp_path: Path) -> None:
    bad = tmp_path / "calibration.json"
    bad.write_text(json.dumps({"x": [0, 1], "y": [1, 0]}))
    with pytest.raises(
        ConfigError,
        match=r"calibration.json: not a calibration \(Value error, rates \(y\) must be non-decreasing.*refit",
    ):
        load_calibration(bad)
    with pytest.raises(ConfigError, match="no calibration file"):
        load_calibration(tmp_path / "missing.json")
    assert load_calibration().fitted_on  # the shipped one loads and says where it came from


def test_every_shown_relevance_is_the_calibrated_score(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calibration, "_shipped", lambda: HALVING)
    paper = ScoredPaper(key="k", score=0.8)
    source = Source(arxiv_id="2401.00001", score=0.8, title="t")
    node = SubgraphNode(id="p:1", label="1", type="paper", score=0.8)
    assert paper.relevance == source.relevance == node.relevance == 0.4
    assert SubgraphNode(id="c:x", label="x", type="Method").relevance is None
    dumped = json.loads(source.model_dump_json())
    assert dumped["relevance"] == 0.4 and dumped["score"] == 0.8
    assert Source.model_validate(dumped).relevance == 0.4  # read back: recomputed, never trusted


def test_ece_and_the_monotone_fit_on_hand_made_points() -> None:
    # Bins 0.1-0.2 (shown 0.15, useful 1 of 2) and 0.8-0.9 (shown 0.85, useful 2 of 2):
    # ECE = 0.5 * |0.5 - 0.15| + 0.5 * |1.0 - 0.85| = 0.175 + 0.075 = 0.25.
    assert ece(np.array([0.15, 0.15, 0.85, 0.85]), np.array([0, 1, 1, 1]))[0] == 0.25
    # Means 0.5 (x 0.1, two papers) and 0 (x 0.2) violate the order: pooled to 1/3 over both.
    x, y = fit_monotone(np.array([0.1, 0.1, 0.2, 0.3, 0.9]), np.array([0, 1, 0, 1, 1]))
    assert x == [0.1, 0.2, 0.3, 0.9] and y == [0.333333, 0.333333, 1.0, 1.0]
    assert Calibration(x=x, y=y)(0.15) == 0.3333
