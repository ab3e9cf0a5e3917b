"""benchmarks/ablations.py: the interval and curve arithmetic (hand-computed)."""

import importlib.util
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("ablations", Path(__file__).resolve().parents[1] / "benchmarks" / "ablations.py")
ablations = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ablations)


def test_mean_ci_hand_computed():
    # values 1, 2, 3: mean 2, sd 1, 95% t (2 dof) 4.303 -> half-width 4.303 / sqrt(3)
    m, h = ablations.mean_ci([1.0, 2.0, 3.0])
    assert m == 2.0 and h == pytest.approx(4.303 / 3 ** 0.5)
    assert ablations.mean_ci([5.0]) == (5.0, 0.0)


def test_curves_average_each_step_over_seeds():
    run = lambda *pairs: [{"step": s, "eval/length_score": v} for s, v in pairs]
    evals = {"composite": [run((0, 50.0), (4, 60.0), (8, 70.0)), run((0, 50.0), (4, 40.0), (8, 80.0))]}
    steps, mean, half = ablations.curves(evals)["composite"]
    assert steps == [0, 4, 8] and mean == [50.0, 50.0, 75.0]
    # step 4: 60 and 40, sd 10 * sqrt(2), t (1 dof) 12.706 -> 12.706 * 10 * sqrt(2) / sqrt(2)
    assert half[0] == 0.0 and half[1] == pytest.approx(127.06)
