"""Held-out measure of the writing reward model recipe (``reward_model.recipe``).

Pairs: every damage kind of ``reward_model.damage`` (hack imitations, truncation, shuffled sentences)
and honest length ties, built from the bundled honest answers (never from benchmarks/redteam).
A quarter of the answers is held out whole; the model trains on the rest (``--leave-out``
drops kinds from training) and is scored on every held-out pair, left-out kinds included
(``rm_recipe.held_out_accuracy``). Printed per seed (one JSON line) and as a table: accuracy per
kind (trained / left out), mean |score gap| of held-out tie pairs, Spearman correlation of score
and length over held-out honest texts, score quantiles (honest vs hacked), training time and the
time to score one demo group (8 answers of at most 160 tokens behind a demo request).

    python benchmarks/rm_accuracy.py --seeds 0 1 2 [--threads 2] [--leave-out synonym_copy,translation]
        [--backbone embedded-2l|embedded-4l|tiny-random] [--pairs-per-kind 40] [--long-pairs-per-kind 6] [--copies 2] [--lr 1e-4]
        [--epochs 1] [--pooling mean_last|last] [--no-freeze-embeddings] [--no-doc-head] [--doc-lr 3e-2]
        [--figure docs/figures/rm_scores.png]

The defaults are the recipe's (``rm_recipe.RECIPE``); the other options are the variants
compared in docs/rewards.md. ``--figure`` draws histograms of the held-out scores of honest and
hacked texts (all seeds pooled).
"""

from __future__ import annotations

import argparse
import dataclasses
import json

import torch

from longwriter_zero.reward_model.damage import DAMAGES
from longwriter_zero.reward_model.recipe import RECIPE, held_out_accuracy


def plot(results: list[dict], path: str, title: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    honest = [s for r in results for s in r["scores"]["honest"]]
    hacked = [s for r in results for v in r["scores"]["hacked"].values() for s in v]
    left = {k for r in results for k in r["left_out"]}
    left_scores = [s for r in results for k, v in r["scores"]["hacked"].items() if k in left for s in v]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    lo, hi = min(honest + hacked), max(honest + hacked)
    bins = [lo + (hi - lo) * i / 40 for i in range(41)]
    ax.hist(hacked, bins=bins, alpha=0.6, label=f"hacked / damaged ({len(hacked)})", density=True)
    if left_scores:
        ax.hist(left_scores, bins=bins, alpha=0.6, label=f"of which left-out kinds ({len(left_scores)})",
                density=True, histtype="step", linewidth=2)
    ax.hist(honest, bins=bins, alpha=0.6, label=f"honest ({len(honest)})", density=True)
    ax.set_xlabel("RM score (held-out answers)")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=9)
    lengths = [x for r in results for x in r["scores"]["honest_lengths"]]
    ax2.scatter(lengths, honest, s=10)
    ax2.set_xlabel("honest text length (words / Chinese characters)")
    ax2.set_ylabel("RM score")
    rho = [r["length_spearman_honest"] for r in results]
    ax2.set_title(f"honest texts: score vs length (Spearman {', '.join(f'{x:.2f}' for x in rho)})", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--backbone", default=RECIPE.backbone)
    ap.add_argument("--pooling", default=RECIPE.pooling)
    ap.add_argument("--copies", type=int, default=RECIPE.copies)
    ap.add_argument("--ties", type=int, default=RECIPE.ties)
    ap.add_argument("--pairs-per-kind", type=int, default=RECIPE.pairs_per_kind)
    ap.add_argument("--long-pairs-per-kind", type=int, default=RECIPE.long_pairs_per_kind)
    ap.add_argument("--lr", type=float, default=RECIPE.lr)
    ap.add_argument("--epochs", type=int, default=RECIPE.epochs)
    ap.add_argument("--train-layers", type=int, default=RECIPE.train_layers, help="train only the top N layers")
    ap.add_argument("--tie-weight", type=float, default=RECIPE.tie_weight)
    ap.add_argument("--freeze-embeddings", action=argparse.BooleanOptionalAction, default=RECIPE.freeze_embeddings)
    ap.add_argument("--doc-head", action=argparse.BooleanOptionalAction, default=RECIPE.doc_head,
                    help="the document-level redundancy term (reward_model.DocHead)")
    ap.add_argument("--doc-lr", type=float, default=RECIPE.doc_lr)
    ap.add_argument("--leave-out", default="", help="comma-separated damage kinds kept out of training")
    ap.add_argument("--held-out-per-kind", type=int, default=0,
                    help="score at most this many held-out pairs per kind (0: all)")
    ap.add_argument("--figure", default="", help="write a histogram of held-out scores to this PNG")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    left_out = [k for k in args.leave_out.split(",") if k]
    unknown = [k for k in left_out if k not in DAMAGES]
    if unknown:
        ap.error(f"unknown damage kinds {unknown} (known: {', '.join(DAMAGES)})")
    train_kinds = tuple(k for k in DAMAGES if k not in left_out) if left_out else None
    results = []
    for seed in args.seeds:
        recipe = dataclasses.replace(RECIPE, seed=seed, backbone=args.backbone, pooling=args.pooling,
                                     copies=args.copies, ties=args.ties, pairs_per_kind=args.pairs_per_kind,
                                     long_pairs_per_kind=args.long_pairs_per_kind,
                                     lr=args.lr, epochs=args.epochs, tie_weight=args.tie_weight, train_layers=args.train_layers,
                                     freeze_embeddings=args.freeze_embeddings, doc_head=args.doc_head,
                                     doc_lr=args.doc_lr)
        results.append(held_out_accuracy(recipe, train_kinds, keep_scores=True,
                                         held_out_per_kind=args.held_out_per_kind))
        print(json.dumps({k: v for k, v in results[-1].items() if k != "scores"}), flush=True)
    print(f"\nheld-out pairwise accuracy per damage kind ({args.backbone}, seeds {args.seeds};"
          f" * = left out of training)")
    print(f"{'kind':<16}" + "".join(f"{'seed ' + str(s):>9}" for s in args.seeds) + f"{'mean':>8}")
    for k in DAMAGES:
        accs = [r["by_damage"][k] for r in results]
        print(f"{k + (' *' if k in left_out else ''):<16}" + "".join(f"{a:>9.3f}" for a in accs)
              + f"{sum(accs) / len(accs):>8.3f}")
    for key in ("held_out_accuracy", "trained_kinds_accuracy", "left_out_kinds_accuracy", "tie_mean_abs_gap",
                "damage_mean_gap", "length_spearman_honest", "train_seconds", "score_g8_seconds"):
        vals = [r[key] for r in results]
        if None not in vals:
            print(f"{key:<26}" + "".join(f"{v:>9}" for v in vals) + f"{sum(vals) / len(vals):>9.3f}")
    for r in results:
        print(f"seed {r['seed']} score quantiles (0/10/25/50/75/90/100%): honest {r['honest_quantiles']}"
              f" hacked {r['hacked_quantiles']}")
    if args.figure:
        title = (f"{args.backbone}, {args.pooling} pooling, seeds {args.seeds}"
                 + (f"; left out: {', '.join(left_out)}" if left_out else ""))
        plot(results, args.figure, title)
        print(f"figure: {args.figure}")


if __name__ == "__main__":
    main()
