"""Honesty you can measure: calibrated relevance, checked absence lines (and what else is measured).

Usage::

    HF_HUB_OFFLINE=1 python benchmarks/honesty.py --home <full store> [--json] [--fit] [--png FILE]

Calibration. Each judged natural question (``natural/questions.tsv``) is searched (k=20, the CLI's default);
every returned paper with a judgment is a point (retrieval score, useful = judged >= 1, i.e. on one side
of the question or addressing it). The questions are split by qid, deterministically: even positions in
qid order fit, odd positions test. A monotone map from score to the useful rate is fitted on the fit half
(isotonic regression, ``scipy.optimize.isotonic_regression``, weighted by the papers at each score) and
expected calibration error (ECE: 10 equal-width bins of the shown value, |useful rate - mean shown value|
weighted by the bin's share) is computed on the test half for the raw score (``ece_before``) and the
calibrated one (``ece_after``); the same over 40 seeded random half splits gives the ``_mean_of_splits``
values. ``--fit`` writes ``data/calibration.json``, the map every face reads (``hepgraph.calibration``):
the map fitted on all questions when fitting beat the raw score on average over the splits, else the
identity (the raw score is then the best calibrated value we have); ``ece_shipped`` is the shipped map's
ECE on the first test half. Unjudged papers are left out of the fit and the error (they are counted).

Also, from their own scripts: ``abstention_precision`` / ``abstention_recall`` (``abstention.py``, the
checked "not in the archive" lines), ``citation_span_rate`` (``spans.py``, offline citations backed by
verbatim source words) and ``graph_questions_recall`` (``graph_questions.py``, recall@8 per retriever on
questions with exact answers from Cypher).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from metrics import read_judgments, read_queries

if TYPE_CHECKING:
    from hepgraph.calibration import Calibration

REPO = Path(__file__).resolve().parents[1]
NATURAL = Path(__file__).resolve().parent / "natural"
BINS = 10
K = 20
SPLITS = 40
SEED = 20261204


def ece(shown: np.ndarray, useful: np.ndarray, bins: int = BINS) -> tuple[float, list[dict]]:
    """Expected calibration error over equal-width bins of the shown value, and the bins.

    >>> round(ece(np.array([0.15, 0.15, 0.85, 0.85]), np.array([0, 1, 1, 1]))[0], 4)  # 0.5*.35 + 0.5*.15
    0.25
    """
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(shown, edges[1:-1]), 0, bins - 1)
    total, table = 0.0, []
    for b in range(bins):
        inside = which == b
        n = int(inside.sum())
        if n:
            conf, rate = float(shown[inside].mean()), float(useful[inside].mean())
            total += n / len(shown) * abs(rate - conf)
            table.append({"bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}", "n": n, "shown": conf, "useful": rate})
    return round(total, 4), table


def fit_monotone(scores: np.ndarray, useful: np.ndarray) -> tuple[list[float], list[float]]:
    """Breakpoints (x increasing, y non-decreasing) of the isotonic fit of useful on score."""
    from scipy.optimize import isotonic_regression

    xs, inverse = np.unique(scores, return_inverse=True)
    weights = np.bincount(inverse).astype(float)
    means = np.bincount(inverse, weights=useful.astype(float)) / weights
    fitted = isotonic_regression(means, weights=weights, increasing=True).x
    # Each flat run keeps its first and last x, so interpolating between the kept points is the fit.
    last = len(xs) - 1
    keep = [
        i
        for i in range(len(xs))
        if i in (0, last) or fitted[i] != fitted[i - 1] or fitted[i] != fitted[i + 1]
    ]
    return [round(float(xs[i]), 6) for i in keep], [round(float(fitted[i]), 6) for i in keep]


def points(home: Path) -> tuple[list[dict], int]:
    """(qid, score, useful) for every judged paper among each natural question's top K; unjudged count."""
    from hepgraph.pipeline.runtime import open_answerer
    from hepgraph.settings import Settings

    retriever = open_answerer(Settings(home=home, anthropic_api_key=None)).retriever
    judgments = read_judgments(NATURAL / "judgments.tsv")
    out, unjudged = [], 0
    for qid, question in read_queries(NATURAL / "questions.tsv"):
        grades = judgments.get(qid, {})
        for hit in retriever.search(question, k=K).results:
            grade = grades.get(hit.arxiv_id or hit.key)
            if grade is None:
                unjudged += 1
                continue
            out.append({"qid": qid, "score": hit.score, "useful": int(grade >= 1)})
    return out, unjudged


def _split_ece(rows: list[dict], fit_q: set[str]) -> tuple[float, float, list[dict], list[dict], Calibration]:
    """ECE of the raw score and of the map fitted on ``fit_q``, both on the other questions."""
    from hepgraph.calibration import Calibration

    fit = [r for r in rows if r["qid"] in fit_q]
    test = [r for r in rows if r["qid"] not in fit_q]
    x, y = fit_monotone(np.array([r["score"] for r in fit]), np.array([r["useful"] for r in fit]))
    fitted = Calibration(x=x, y=y)
    scores = np.array([r["score"] for r in test])
    useful = np.array([r["useful"] for r in test])
    before, before_bins = ece(scores, useful)
    after, after_bins = ece(np.array([fitted(s) for s in scores]), useful)
    return before, after, before_bins, after_bins, fitted


def calibration(home: Path, *, write: bool, png: Path | None, splits: int = SPLITS) -> dict:
    """The calibration measures (see the module doc); with ``write`` the shipped map is replaced."""
    from hepgraph.calibration import Calibration, default_path, load_calibration

    rows, unjudged = points(home)
    qids = sorted({r["qid"] for r in rows})
    fit_q = set(qids[0::2])
    before, after, before_bins, after_bins, _ = _split_ece(rows, fit_q)
    rng = random.Random(SEED)
    repeated = []
    for _ in range(splits):
        order = qids[:]
        rng.shuffle(order)
        repeated.append(_split_ece(rows, set(order[: len(order) // 2]))[:2])
    mean_before = round(float(np.mean([b for b, _ in repeated])), 4)
    mean_after = round(float(np.mean([a for _, a in repeated])), 4)
    if write:
        # Ship the map fitted on every question only if fitting beats the raw score on held-out questions.
        if mean_after < mean_before:
            x, y = fit_monotone(np.array([r["score"] for r in rows]), np.array([r["useful"] for r in rows]))
            note = f"isotonic fit on {len(rows)} judged papers of all {len(qids)} natural questions"
        else:
            x, y = [0.0, 1.0], [0.0, 1.0]
            note = (
                f"identity: a map fitted on half the natural questions did not beat the raw score on the "
                f"other half (mean ECE {mean_after:.3f} vs {mean_before:.3f} over {splits} random splits)"
            )
        shipped_map = Calibration(x=x, y=y, fitted_on=note)
        default_path().write_text(shipped_map.model_dump_json(indent=1) + "\n", encoding="utf-8")
    shipped = load_calibration()
    test = [r for r in rows if r["qid"] not in fit_q]
    if png is not None:
        reliability_png(png, before_bins, after_bins)
    return {
        "points": len(rows),
        "questions": len(qids),
        "unjudged_left_out": unjudged,
        "useful_rate": round(float(np.mean([r["useful"] for r in rows])), 4),
        "ece_before": before,
        "ece_after": after,
        "ece_before_mean_of_splits": mean_before,
        "ece_after_mean_of_splits": mean_after,
        "splits": splits,
        "ece_shipped": ece(
            np.array([shipped(r["score"]) for r in test]), np.array([r["useful"] for r in test])
        )[0],
        "shipped_map": shipped.fitted_on,
        "bins_before": before_bins,
        "bins_after": after_bins,
    }


def reliability_png(path: Path, before: list[dict], after: list[dict], size: int = 520) -> None:
    """A reliability diagram: useful rate against the shown value per bin, before and after."""
    from PIL import Image, ImageDraw

    pad = 60
    img = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(img)
    span = size - 2 * pad

    def xy(u: float, v: float) -> tuple[float, float]:
        return pad + u * span, size - pad - v * span

    draw.rectangle([xy(0, 1), xy(1, 0)], outline="black")
    draw.line([xy(0, 0), xy(1, 1)], fill=(150, 150, 150), width=1)
    for t in range(0, 11, 2):
        draw.text((xy(t / 10, 0)[0] - 8, size - pad + 6), f"{t * 10}%", fill="black")
        draw.text((pad - 38, xy(0, t / 10)[1] - 6), f"{t * 10}%", fill="black")
    draw.text((size / 2 - 70, size - 24), "relevance shown (bin mean)", fill="black")
    draw.text((8, 12), "share judged useful (held-out questions)", fill="black")
    for bins, colour, label, dy in (
        (before, (200, 60, 40), "raw score", 0),
        (after, (30, 90, 200), "map fitted on the other half", 16),
    ):
        pts = [xy(b["shown"], b["useful"]) for b in bins]
        if len(pts) > 1:
            draw.line(pts, fill=colour, width=2)
        for (px, py), b in zip(pts, bins, strict=True):
            r = 3 + min(b["n"], 200) ** 0.5 / 2
            draw.ellipse([px - r, py - r, px + r, py + r], outline=colour, width=2)
        draw.text((pad + 10, pad + 10 + dy), f"o {label}", fill=colour)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", type=Path, required=True, help="A built store (the full corpus).")
    ap.add_argument("--fit", action="store_true", help="Write the fitted map to data/calibration.json.")
    ap.add_argument("--png", type=Path, help="Write the reliability diagram here.")
    ap.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = ap.parse_args()
    from abstention import abstention
    from graph_questions import graph_questions_recall
    from spans import citation_spans

    out = calibration(args.home, write=args.fit, png=args.png)
    absence = abstention(args.home)
    out |= {k: absence[k] for k in ("abstention_precision", "abstention_recall", "statements_shown")}
    spans = citation_spans(args.home)
    out |= {"citation_span_rate": spans["citation_span_rate"], "citations": spans["citations"]}
    out["graph_questions_recall"] = graph_questions_recall(args.home)
    if args.json:
        print(json.dumps(out, indent=1))
        return
    before, after_, shipped = out["ece_before"], out["ece_after"], out["ece_shipped"]
    print(f"ECE before {before:.3f}, after {after_:.3f} (shipped map {shipped:.3f})")
    print(f"mean over {out['splits']} random half splits: {out['ece_before_mean_of_splits']:.3f} raw, "
          f"{out['ece_after_mean_of_splits']:.3f} fitted; shipped: {out['shipped_map']}")  # fmt: skip
    n, q, left = out["points"], out["questions"], out["unjudged_left_out"]
    print(f"points {n} of {q} questions, unjudged left out {left}")
    print("| bin | n | raw shown | useful | calibrated shown | useful |")
    print("|---|---|---|---|---|---|")
    after = {b["bin"]: b for b in out["bins_after"]}
    for b in out["bins_before"]:
        print(f"| {b['bin']} | {b['n']} | {b['shown']:.2f} | {b['useful']:.2f} | | |")
    for b in after.values():
        print(f"| {b['bin']} | {b['n']} | | | {b['shown']:.2f} | {b['useful']:.2f} |")
    print(f"abstention precision {out['abstention_precision']:.0%}, recall {out['abstention_recall']:.0%}")
    print(f"citations resolved to a verbatim span: {out['citation_span_rate']:.1%} of {out['citations']}")
    print(
        "graph questions, recall@8: "
        + ", ".join(f"{k} {v:.3f}" for k, v in out["graph_questions_recall"].items())
    )


if __name__ == "__main__":
    main()
