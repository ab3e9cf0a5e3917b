"""Held-out pair accuracy of the writing reward model recipe (``rewards.rm_recipe``).

Pairs: every damage kind (duplicate, paraphrase_pad, shuffle, truncate, stuff) built from the
bundled honest answers. A quarter of the answers is held out whole; the model trains on the
rest with the recipe's damage kinds and is scored on every held-out pair, shuffled ones
included (``rm_recipe.held_out_accuracy``). ``--train-all-kinds`` trains on every kind instead
(the comparison behind the recipe's choice).

    python benchmarks/rm_accuracy.py --seeds 0 1 2 [--threads 1] [--train-all-kinds] [--copies 8]
        [--backbone tiny-random|embedded-2l|...] [--lr 3e-4] [--epochs 2] [--freeze-embeddings]

The defaults are the recipe's (``rm_recipe.RECIPE``); the other options are the variants
compared in docs/rewards.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json

import torch

from longwriter_zero.rewards.damage import DAMAGES
from longwriter_zero.rewards.rm_recipe import RECIPE, held_out_accuracy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--backbone", default=RECIPE.backbone)
    ap.add_argument("--copies", type=int, default=RECIPE.copies)
    ap.add_argument("--lr", type=float, default=RECIPE.lr)
    ap.add_argument("--epochs", type=int, default=RECIPE.epochs)
    ap.add_argument("--freeze-embeddings", action=argparse.BooleanOptionalAction, default=RECIPE.freeze_embeddings)
    ap.add_argument("--train-all-kinds", action="store_true")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    results = []
    for seed in args.seeds:
        recipe = dataclasses.replace(RECIPE, seed=seed, backbone=args.backbone, copies=args.copies, lr=args.lr,
                                     epochs=args.epochs, freeze_embeddings=args.freeze_embeddings)
        results.append(held_out_accuracy(recipe, tuple(DAMAGES) if args.train_all_kinds else None))
        print(json.dumps(results[-1]), flush=True)
    mean = sum(r["held_out_accuracy"] for r in results) / len(results)
    print(json.dumps({"mean_held_out_accuracy": round(mean, 4), "seeds": args.seeds}))


if __name__ == "__main__":
    main()
