"""Held-out pair accuracy of the writing reward model recipe (``rewards.rm_recipe``).

Pairs: every damage kind (duplicate, paraphrase_pad, shuffle, truncate, stuff) built from the
bundled honest answers. A quarter of the answers is held out whole; the model trains on the
rest with the recipe's damage kinds and is scored on every held-out pair, shuffled ones
included. ``--train-all-kinds`` trains on every kind instead (the comparison behind the
recipe's choice).

    python benchmarks/rm_accuracy.py --seeds 0 1 [--threads 1] [--train-all-kinds]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time

import torch

from longwriter_zero.rewards.damage import DAMAGES
from longwriter_zero.rewards.pairs import split_by_group
from longwriter_zero.rewards.reward_model import RewardModel, pair_accuracy, train_reward_model
from longwriter_zero.rewards.rm_recipe import RECIPE, recipe_pairs


def run(seed: int, train_all_kinds: bool, backbone: str) -> dict:
    recipe = dataclasses.replace(RECIPE, seed=seed, backbone=backbone)
    pairs = recipe_pairs(recipe, damages=tuple(DAMAGES))
    train, held = split_by_group(pairs, recipe.eval_fraction, seed)
    kinds = set(DAMAGES) if train_all_kinds else set(recipe.damages)
    train = [p for p in train if p.damage in kinds]
    t0 = time.time()
    with tempfile.TemporaryDirectory() as out:
        train_reward_model(train, backbone, out, epochs=recipe.epochs, lr=recipe.lr, batch_size=recipe.batch_size,
                           eval_fraction=0.0, max_length=recipe.max_length, seed=seed, progress=False)
        seconds = time.time() - t0
        rm = RewardModel.load(out)
        chosen = rm.score([p.prompt for p in held], [p.chosen for p in held]).scores
        rejected = rm.score([p.prompt for p in held], [p.rejected for p in held]).scores
    by_kind = {k: pair_accuracy([c for c, p in zip(chosen, held) if p.damage == k],
                                [r for r, p in zip(rejected, held) if p.damage == k]) for k in DAMAGES}
    return {"seed": seed, "backbone": backbone, "trained_on": sorted(kinds), "train_pairs": len(train),
            "held_out_answers": len({p.group for p in held}), "held_out_pairs": len(held),
            "held_out_accuracy": round(pair_accuracy(chosen, rejected), 4),
            "by_damage": {k: round(v, 3) for k, v in by_kind.items()}, "train_seconds": round(seconds, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--backbone", default=RECIPE.backbone)
    ap.add_argument("--train-all-kinds", action="store_true")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    results = [run(s, args.train_all_kinds, args.backbone) for s in args.seeds]
    for r in results:
        print(json.dumps(r))
    mean = sum(r["held_out_accuracy"] for r in results) / len(results)
    print(json.dumps({"mean_held_out_accuracy": round(mean, 4), "seeds": args.seeds}))


if __name__ == "__main__":
    main()
