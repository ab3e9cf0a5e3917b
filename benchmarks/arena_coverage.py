"""Coverage of the Bradley-Terry bootstrap 95% intervals on simulated arenas.

Each simulation draws battles between 6 systems with known Elo-scale ratings (uniform random
pairs, outcomes from the BT model; optionally a share of ties), fits ratings anchored at
system 0 = 1000 with ``--bootstrap`` resamples, and checks whether each non-baseline system's
interval holds its true rating. Reports the coverage (nominal 0.95), how often the fitted order
equals the true order, and the mean interval width.

    .venv/bin/python benchmarks/arena_coverage.py --sims 200 --battles 1500 --bootstrap 1000
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from longwriter_zero.evaluation.bradley_terry import fit_ratings, simulate_battles

TRUE = np.array([1000.0, 1150.0, 880.0, 1300.0, 760.0, 1060.0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sims", type=int, default=200)
    ap.add_argument("--battles", type=int, default=1500, help="battles per simulated arena (100 prompts x 15 pairs)")
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from tqdm import tqdm

    rng = np.random.default_rng(args.seed)
    covered = np.zeros(len(TRUE))
    order_ok = 0
    widths = []
    start = time.time()
    for sim in tqdm(range(args.sims), desc="simulations"):
        battles = simulate_battles(TRUE, args.battles, rng)
        r = fit_ratings(battles, len(TRUE), baseline=0, n_bootstrap=args.bootstrap, seed=args.seed + sim)
        covered += (r.lower <= TRUE) & (TRUE <= r.upper)
        order_ok += list(np.argsort(r.rating)) == list(np.argsort(TRUE))
        widths.append((r.upper - r.lower)[1:].mean())
    per_system = covered[1:] / args.sims
    result = {"systems": len(TRUE), "true_ratings": TRUE.tolist(), "sims": args.sims, "battles": args.battles,
              "bootstrap": args.bootstrap, "coverage": float(per_system.mean()),
              "coverage_per_system": [round(float(c), 3) for c in per_system],
              "intervals_checked": int(args.sims * (len(TRUE) - 1)),
              "true_order_recovered": order_ok / args.sims, "mean_interval_width": float(np.mean(widths)),
              "seconds": round(time.time() - start, 1)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
