"""The small writing-reward-model recipe: bundled honest answers -> damaged pairs -> Bradley-Terry.

Sources: ``assets/honest_answers.jsonl``, 56 short pieces of varied honest writing (letters,
explanations, stories, reviews, reports; 50 English, 6 Chinese) written for this project.
Pairs: ``pairs.build_pairs`` with ``copies`` damaged versions per answer and damage kind.

Damage kinds trained on: all of ``rewards.damage`` except ``shuffle``. Measured on held-out
answers (``benchmarks/rm_accuracy.py``): a randomly initialised ``tiny-random`` backbone cannot
learn sentence order from a few dozen texts (trained on shuffled pairs alone it stays at chance
on held-out answers), and training on them anyway makes it memorise the training texts, which
lowers its accuracy on the other kinds. Shuffled pairs are still part of the held-out
evaluation. A pretrained but cheap backbone, ``embedded-2l`` (the embedded model's first two
layers, embeddings frozen), was measured too (docs/rewards.md, "Measured"): it learns the four
trained kinds on unseen answers as well or better, but it also ranks shuffled texts at or below
chance, trained on them or not, so its overall held-out accuracy is no higher; at about ten
times the training cost it is not the default. ``freeze_embeddings`` keeps the input embedding
table fixed (off here: on ``tiny-random`` it lowered the mean held-out accuracy).

``train_demo_rm`` builds a small model in about a minute on a laptop-class CPU, for demos and
for the ``writing`` reward in tiny training runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from longwriter_zero.rewards.damage import DAMAGES


@dataclass(frozen=True)
class RMRecipe:
    backbone: str = "tiny-random"
    copies: int = 8                  # damaged versions per answer and damage kind
    damages: tuple = tuple(d for d in DAMAGES if d != "shuffle")
    epochs: int = 2
    lr: float = 3e-4
    batch_size: int = 8
    max_length: int = 1024
    eval_fraction: float = 0.25      # share of answers held out
    seed: int = 0
    freeze_embeddings: bool = False  # keep the input embedding table fixed


RECIPE = RMRecipe()
DEMO = RMRecipe(copies=3, eval_fraction=0.0)


def honest_answers_path() -> Path:
    return Path(str(resources.files("longwriter_zero") / "assets" / "honest_answers.jsonl"))


def recipe_pairs(recipe: RMRecipe = RECIPE, damages: tuple | None = None):
    """PreferencePairs (with their damage labels) from the bundled honest answers."""
    from longwriter_zero.rewards.pairs import build_pairs_from_file, check_pair_row

    path = honest_answers_path()
    rows = build_pairs_from_file(path, recipe.seed, damages or recipe.damages, recipe.copies)
    return [check_pair_row(r, f"{path} pair {i}") for i, r in enumerate(rows)]


def train_demo_rm(output_dir: str, backbone: str = "tiny-random", recipe: RMRecipe = DEMO,
                  progress: bool = True) -> str:
    """Train a small writing reward model on the bundled answers and save it to ``output_dir``.

    About a minute on two CPU cores with ``tiny-random``. Returns the folder, ready for
    ``WritingReward(model=...)``, ``lwz reward --writing-model`` or ``lwz rm serve``.
    """
    from longwriter_zero.rewards.reward_model import train_reward_model

    train_reward_model(recipe_pairs(recipe), backbone, output_dir, epochs=recipe.epochs, lr=recipe.lr,
                       batch_size=recipe.batch_size, eval_fraction=recipe.eval_fraction,
                       max_length=recipe.max_length, seed=recipe.seed, progress=progress,
                       freeze_embeddings=recipe.freeze_embeddings)
    return str(output_dir)


def held_out_accuracy(recipe: RMRecipe = RECIPE, train_kinds: tuple | None = None, progress: bool = False) -> dict:
    """Train on the recipe and measure pair accuracy on held-out answers.

    Pairs of every damage kind are built; ``recipe.eval_fraction`` of the answers is held out
    whole; the model trains on the other answers' pairs of ``train_kinds`` (default: the
    recipe's kinds) and is scored on every held-out pair, all kinds included.
    """
    import tempfile
    import time

    from longwriter_zero.rewards.pairs import split_by_group
    from longwriter_zero.rewards.reward_model import RewardModel, pair_accuracy, train_reward_model

    pairs = recipe_pairs(recipe, damages=tuple(DAMAGES))
    train, held = split_by_group(pairs, recipe.eval_fraction, recipe.seed)
    kinds = set(train_kinds or recipe.damages)
    train = [p for p in train if p.damage in kinds]
    t0 = time.time()
    with tempfile.TemporaryDirectory() as out:
        train_reward_model(train, recipe.backbone, out, epochs=recipe.epochs, lr=recipe.lr,
                           batch_size=recipe.batch_size, eval_fraction=0.0, max_length=recipe.max_length,
                           seed=recipe.seed, progress=progress, freeze_embeddings=recipe.freeze_embeddings)
        seconds = time.time() - t0
        rm = RewardModel.load(out)
        chosen = rm.score([p.prompt for p in held], [p.chosen for p in held]).scores
        rejected = rm.score([p.prompt for p in held], [p.rejected for p in held]).scores
    by_kind = {k: pair_accuracy([c for c, p in zip(chosen, held) if p.damage == k],
                                [r for r, p in zip(rejected, held) if p.damage == k]) for k in DAMAGES}
    return {"seed": recipe.seed, "backbone": recipe.backbone, "copies": recipe.copies,
            "lr": recipe.lr, "epochs": recipe.epochs,
            "freeze_embeddings": recipe.freeze_embeddings, "trained_on": sorted(kinds), "train_pairs": len(train),
            "held_out_answers": len({p.group for p in held}), "held_out_pairs": len(held),
            "held_out_accuracy": round(pair_accuracy(chosen, rejected), 4),
            "by_damage": {k: round(v, 3) for k, v in by_kind.items()}, "train_seconds": round(seconds, 1)}
