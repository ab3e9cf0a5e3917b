"""Bradley-Terry fitting: hand-computed cases, stationarity, recovery and interval coverage."""

import math

import numpy as np
import pytest

from longwriter_zero.evaluation.bradley_terry import (Battles, expected_score, fit_ratings, fit_theta,
                                                      pair_tables, simulate_battles, to_elo)


def test_two_systems_closed_form():
    # A beats B 3 times out of 4: the MLE odds are 3:1, i.e. 400·log10(3) = 190.85 Elo points.
    b = Battles([0, 0, 0, 0], [1, 1, 1, 1], [1, 1, 1, 0])
    r = fit_ratings(b, 2, baseline=1, n_bootstrap=0, l2=1e-9)
    assert r.rating[1] == 1000.0
    assert r.rating[0] - 1000 == pytest.approx(400 * math.log10(3), abs=1e-3)


def test_ties_and_order_swaps():
    # Two ties, or one win each way, give equal strength; a quarter outcome (win+tie averaged
    # from the other side) gives odds 3:1 like above.
    for outcomes in ([0.5, 0.5], [1.0, 1.0]):
        r = fit_ratings(Battles([0, 1], [1, 0], outcomes), 2, n_bootstrap=0)
        assert r.rating[1] == pytest.approx(1000.0, abs=1e-6)
    r = fit_ratings(Battles([1], [0], [0.25]), 2, baseline=1, n_bootstrap=0, l2=1e-9)
    assert r.rating[0] - 1000 == pytest.approx(400 * math.log10(3), abs=1e-3)


def test_pair_tables_and_batch_match_plain_loop():
    b = Battles([0, 1, 2, 0, 2], [1, 2, 0, 2, 1], [1.0, 0.5, 0.0, 0.75, 1.0])
    score, games = pair_tables(b, 3)
    plain_s, plain_g = np.zeros((3, 3)), np.zeros((3, 3))
    for a, c, s in zip(b.first, b.second, b.outcome):
        plain_s[a, c] += s
        plain_s[c, a] += 1 - s
        plain_g[a, c] += 1
        plain_g[c, a] += 1
    np.testing.assert_allclose(score, plain_s)
    np.testing.assert_allclose(games, plain_g)
    weights = np.array([[1, 1, 1, 1, 1], [2, 0, 1, 0, 2]])
    s_b, g_b = pair_tables(b, 3, weights)
    np.testing.assert_allclose(s_b[0], plain_s)
    # the second weight row counts battle 0 and 4 twice and drops 1 and 3
    b2 = Battles([0, 0, 2, 2, 2], [1, 1, 0, 1, 1], [1.0, 1.0, 0.0, 1.0, 1.0])
    np.testing.assert_allclose(s_b[1], pair_tables(b2, 3)[0])
    np.testing.assert_allclose(fit_theta(s_b, g_b)[1], fit_theta(*pair_tables(b2, 3)), atol=1e-8)


def test_fit_is_stationary_point_of_penalised_likelihood():
    rng = np.random.default_rng(1)
    b = simulate_battles([1000, 1200, 900, 1100], 400, rng, tie_rate=0.1)
    l2 = 0.01
    theta = fit_theta(*pair_tables(b, 4), l2=l2)
    grad = -l2 * theta
    for a, c, s in zip(b.first, b.second, b.outcome):       # plain loop gradient
        p = 1 / (1 + math.exp(-(theta[a] - theta[c])))
        grad[a] += s - p
        grad[c] -= s - p
    np.testing.assert_allclose(grad, 0, atol=1e-8)


def test_undefeated_system_stays_finite():
    r = fit_ratings(Battles([0, 0, 1], [1, 2, 2], [1, 1, 1]), 3, baseline=2, n_bootstrap=50)
    assert np.all(np.isfinite(r.rating)) and np.all(np.isfinite(r.lower))
    assert r.rating[0] > r.rating[1] > r.rating[2] == 1000


def test_elo_scale():
    theta = np.array([0.0, math.log(10)])
    assert to_elo(theta, 0)[1] == pytest.approx(1400.0)
    assert expected_score(1400, 1000) == pytest.approx(10 / 11)


TRUE = np.array([1000.0, 1150.0, 880.0, 1300.0, 760.0, 1060.0])


def test_recovers_true_order_on_large_sample():
    rng = np.random.default_rng(0)
    b = simulate_battles(TRUE, 30000, rng)
    r = fit_ratings(b, len(TRUE), baseline=0, n_bootstrap=200, seed=0)
    assert list(np.argsort(r.rating)) == list(np.argsort(TRUE))
    np.testing.assert_allclose(r.rating, TRUE, atol=25)
    assert np.all(r.upper - r.lower < 60)


def test_interval_coverage_small_simulation():
    """30 simulated arenas x 5 non-baseline systems = 150 intervals; the nominal 95% should
    cover ~142. A loose band still catches broken intervals (too narrow or centred wrong)."""
    rng = np.random.default_rng(123)
    covered = total = 0
    for sim in range(30):
        b = simulate_battles(TRUE, 900, rng)
        r = fit_ratings(b, len(TRUE), baseline=0, n_bootstrap=200, seed=sim)
        inside = (r.lower <= TRUE) & (TRUE <= r.upper)
        covered += inside[1:].sum()
        total += len(TRUE) - 1
    assert 0.85 <= covered / total <= 1.0
