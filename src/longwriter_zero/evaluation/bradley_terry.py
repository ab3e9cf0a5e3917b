"""Bradley-Terry ratings on the Elo scale, with bootstrap confidence intervals.

Model: ``P(i beats j) = σ(θ_i - θ_j)``; a battle's outcome ``s ∈ [0, 1]`` is the score of the
first system (1 win, 0 loss, 0.5 tie; Arena-Write's two order-swapped verdicts averaged give
quarters). The fit maximises the penalised log-likelihood

    Σ_battles [s log σ(θ_a - θ_b) + (1 - s) log σ(θ_b - θ_a)]  -  (l2 / 2) ||θ||²

by Newton's method with step halving (the objective is strictly concave for ``l2 > 0``; the
small L2 term keeps a system that won every battle finite). This is the maximum-likelihood
logistic regression that Chatbot Arena and Arena-Hard use, solved directly in numpy.
Ratings are ``R = 1000 + 400 · log10(e) · (θ - θ_baseline)``, so a 400-point gap is 10:1 odds
and the named baseline sits at exactly 1000.

Confidence intervals: percentile bootstrap over battles (resample battles with replacement,
refit, take the 2.5% and 97.5% quantiles of each anchored rating). All bootstrap refits run
as one batched Newton solve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ELO_SCALE = 400.0 / np.log(10.0)    # rating points per unit of θ (natural-log odds)
ANCHOR = 1000.0


@dataclass
class Battles:
    """Battles between ``k`` systems, one per row."""
    first: np.ndarray     # [N] int, index of the first system
    second: np.ndarray    # [N] int, index of the second system
    outcome: np.ndarray   # [N] float in [0, 1], score of the first system

    def __post_init__(self):
        self.first = np.asarray(self.first, dtype=np.int64)
        self.second = np.asarray(self.second, dtype=np.int64)
        self.outcome = np.asarray(self.outcome, dtype=np.float64)
        if not (len(self.first) == len(self.second) == len(self.outcome)):
            raise ValueError("first, second and outcome must have the same length")
        if np.any(self.first == self.second):
            raise ValueError("a system cannot battle itself")
        if np.any((self.outcome < 0) | (self.outcome > 1)):
            raise ValueError("outcomes must lie in [0, 1]")

    def __len__(self) -> int:
        return len(self.outcome)


def pair_tables(battles: Battles, n_systems: int, weights: np.ndarray | None = None):
    """Score and game tables. ``weights`` [B, N] (bootstrap counts) gives a batch.

    Returns ``score`` [.., k, k] (score[i, j] = points i took from j) and ``games`` [.., k, k]
    (symmetric battle counts).
    """
    k = n_systems
    a, b, s = battles.first, battles.second, battles.outcome
    fwd = a * k + b           # cell (a, b)
    bwd = b * k + a           # cell (b, a)
    if weights is None:
        score = np.bincount(fwd, weights=s, minlength=k * k) + np.bincount(bwd, weights=1 - s, minlength=k * k)
        games = np.bincount(fwd, minlength=k * k) + np.bincount(bwd, minlength=k * k)
        return score.reshape(k, k).astype(float), games.reshape(k, k).astype(float)
    w = np.asarray(weights, dtype=np.float64)                  # [B, N]
    cells = np.zeros((len(s), k * k))                          # [N, k*k] one-hot of both cells
    rows = np.arange(len(s))
    score_basis = cells.copy()
    score_basis[rows, fwd] += s
    score_basis[rows, bwd] += 1 - s
    cells[rows, fwd] += 1
    cells[rows, bwd] += 1
    score = w @ score_basis                                    # [B, k*k]
    games = w @ cells
    return score.reshape(-1, k, k), games.reshape(-1, k, k)


def _objective(theta, score, l2):
    """theta [B, k]; score [B, k, k] -> penalised log-likelihood [B]."""
    diff = theta[:, :, None] - theta[:, None, :]
    return (score * -np.logaddexp(0.0, -diff)).sum((1, 2)) - 0.5 * l2 * (theta ** 2).sum(1)


def fit_theta(score: np.ndarray, games: np.ndarray, l2: float = 1e-3, max_iter: int = 100,
              tol: float = 1e-10) -> np.ndarray:
    """Maximum-likelihood θ (natural-log odds units) for one table [k, k] or a batch [B, k, k]."""
    if l2 <= 0:
        raise ValueError("l2 must be positive (it keeps undefeated systems finite)")
    single = score.ndim == 2
    if single:
        score, games = score[None], games[None]
    n_batch, k, _ = score.shape
    theta = np.zeros((n_batch, k))
    eye = np.eye(k)
    current = _objective(theta, score, l2)
    for _ in range(max_iter):
        diff = theta[:, :, None] - theta[:, None, :]
        p = 1.0 / (1.0 + np.exp(-diff))                          # [B, k, k] P(i beats j)
        grad = (score - games * p).sum(2) - l2 * theta            # [B, k]
        curv = games * p * (1 - p)                                # [B, k, k]
        neg_hess = -curv + eye * (curv.sum(2)[:, :, None] + l2)   # positive definite
        step = np.linalg.solve(neg_hess, grad[:, :, None])[:, :, 0]
        scale = np.ones(n_batch)
        for _ in range(30):                                       # step halving where needed
            trial = theta + scale[:, None] * step
            new = _objective(trial, score, l2)
            bad = new < current - 1e-12 * np.abs(current)
            if not bad.any():
                break
            scale = np.where(bad, scale / 2, scale)
        theta, current = trial, new
        if np.max(np.abs(scale[:, None] * step)) < tol:
            break
    return theta[0] if single else theta


def to_elo(theta: np.ndarray, baseline: int) -> np.ndarray:
    """θ [.., k] -> ratings with system ``baseline`` at 1000."""
    return ANCHOR + ELO_SCALE * (theta - theta[..., baseline:baseline + 1])


def expected_score(rating_a: float, rating_b: float) -> float:
    """P(a beats b) under the Elo-scale Bradley-Terry model."""
    return 1.0 / (1.0 + 10.0 ** ((rating_b - rating_a) / 400.0))


@dataclass
class Ratings:
    rating: np.ndarray      # [k] Elo-scale rating, baseline = 1000
    lower: np.ndarray       # [k] 2.5% bootstrap quantile
    upper: np.ndarray       # [k] 97.5% bootstrap quantile
    win_rate: np.ndarray    # [k, k] empirical score share of i against j (NaN where no battles)
    games: np.ndarray       # [k, k] battles between i and j


def fit_ratings(battles: Battles, n_systems: int, baseline: int = 0, n_bootstrap: int = 1000,
                l2: float = 1e-3, seed: int = 0, confidence: float = 0.95,
                chunk: int = 250) -> Ratings:
    """Point ratings plus percentile-bootstrap intervals (``n_bootstrap = 0``: none)."""
    if len(battles) == 0:
        raise ValueError("no battles")
    score, games = pair_tables(battles, n_systems)
    rating = to_elo(fit_theta(score, games, l2), baseline)
    lower = upper = rating.copy()
    if n_bootstrap > 0:
        rng = np.random.default_rng(seed)
        n = len(battles)
        samples = []
        for start in range(0, n_bootstrap, chunk):
            size = min(chunk, n_bootstrap - start)
            counts = rng.multinomial(n, np.full(n, 1.0 / n), size=size)      # [size, N]
            s_b, g_b = pair_tables(battles, n_systems, counts)
            samples.append(to_elo(fit_theta(s_b, g_b, l2), baseline))
        boot = np.concatenate(samples)                                        # [n_bootstrap, k]
        alpha = (1 - confidence) / 2
        lower, upper = np.quantile(boot, [alpha, 1 - alpha], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        win_rate = np.where(games > 0, score / games, np.nan)
    return Ratings(rating=rating, lower=lower, upper=upper, win_rate=win_rate, games=games)


def simulate_battles(true_ratings, n_battles: int, rng: np.random.Generator,
                     tie_rate: float = 0.0) -> Battles:
    """Battles between uniformly drawn pairs, outcomes drawn from the Elo-scale BT model.
    With ``tie_rate`` > 0, that fraction of battles is a tie (0.5) regardless of strength."""
    r = np.asarray(true_ratings, dtype=float)
    k = len(r)
    a = rng.integers(0, k, n_battles)
    b = (a + rng.integers(1, k, n_battles)) % k
    p = 1.0 / (1.0 + 10.0 ** ((r[b] - r[a]) / 400.0))
    outcome = (rng.random(n_battles) < p).astype(float)
    if tie_rate > 0:
        outcome[rng.random(n_battles) < tie_rate] = 0.5
    return Battles(a, b, outcome)
