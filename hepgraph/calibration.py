"""The relevance a user reads: the retrieval score mapped to how often judges found such papers useful.

A paper's retrieval score orders results and drives thresholds (off-topic, gap floors), but its value is
not a probability. ``benchmarks/honesty.py --fit`` fits a monotone (isotonic) map from score to the share
of papers judged useful (grade >= 1) on half of the judged natural questions and writes its breakpoints
to ``hepgraph.data/calibration.json``; :func:`calibrate` applies it (linear between breakpoints, flat
outside), and every face shows that value as the percentage.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field, ValidationError, model_validator

from hepgraph.errors import ConfigError

MEANING = (
    "Relevance: the share of papers shown at this score that judges found useful for their question "
    "(held-out natural questions; benchmarks/honesty.py)."
)


class Calibration(BaseModel):
    """Breakpoints of a non-decreasing map from retrieval score to the judged-useful rate."""

    x: list[float] = Field(min_length=1, description="retrieval scores, increasing")
    y: list[float] = Field(min_length=1, description="judged-useful rate at each score, non-decreasing")
    useful: str = Field("grade >= 1", description="what counted as useful")
    fitted_on: str = Field("", description="the store, questions and split the map was fitted on")

    @model_validator(mode="after")
    def _monotone(self) -> Calibration:
        if len(self.x) != len(self.y):
            msg = f"{len(self.x)} scores but {len(self.y)} rates"
            raise ValueError(msg)
        if any(b < a for a, b in zip(self.x, self.x[1:], strict=False)):
            msg = "scores (x) must be increasing"
            raise ValueError(msg)
        if any(b < a for a, b in zip(self.y, self.y[1:], strict=False)) or not all(
            0 <= v <= 1 for v in self.y
        ):
            msg = "rates (y) must be non-decreasing and within [0, 1]"
            raise ValueError(msg)
        return self

    def __call__(self, score: float) -> float:
        """The calibrated relevance of a retrieval score, in [0, 1]."""
        return round(float(np.interp(score, self.x, self.y)), 4)


def default_path() -> Path:
    """The calibration shipped in the package data."""
    return Path(str(files("hepgraph.data") / "calibration.json"))


def load_calibration(path: Path | None = None) -> Calibration:
    """Read a calibration file.

    Raises:
        ConfigError: naming the file, when it is missing, not JSON, or not a monotone map.
    """
    path = path or default_path()
    try:
        return Calibration.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as err:
        msg = f"{path}: no calibration file; refit it with python benchmarks/honesty.py --home <store> --fit"
        raise ConfigError(msg) from err
    except ValidationError as err:
        reason = "; ".join(e["msg"] for e in err.errors())
        msg = (
            f"{path}: not a calibration ({reason}); refit: python benchmarks/honesty.py --home <store> --fit"
        )
        raise ConfigError(msg) from err
    except ValueError as err:  # not JSON
        msg = f"{path}: not a calibration ({err}); refit: python benchmarks/honesty.py --home <store> --fit"
        raise ConfigError(msg) from err


@lru_cache(maxsize=1)
def _shipped() -> Calibration:
    return load_calibration()


def calibrate(score: float) -> float:
    """The relevance shown for a retrieval score (the shipped calibration)."""
    return _shipped()(score)
