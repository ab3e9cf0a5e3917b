"""The writing-reward-model recipe: bundled honest answers -> self-contrast pairs -> Bradley-Terry.

Sources (written for this project, never taken from the red-team suite in benchmarks/redteam):
``assets/honest_answers.jsonl`` (56 pieces: letters, explanations, stories, reviews, reports; 50
English, 6 Chinese, 120-230 words or characters) and ``assets/honest_answers_more.jsonl`` (26
more: Chinese and English, poems, dialogue, lists, notes, a report, a how-to; 31-400 units; 13
carry a paragraph-aligned translation into the other language, for the ``translation`` kind) and
``assets/honest_answers_long.jsonl`` (9 long pieces: 6 English of 700-750 words, an essay, a
report, a story, a letter, an explainer, a review; 3 Chinese of 850-920 characters, an essay, a
report, a letter; 2 with paragraph-aligned translations), for damage on texts as long as real
long-form answers.

Pairs (``pairs.build_pairs``): for every answer and damage kind of ``damage`` (the hack
imitations: repeated or rotated lines, re-split and synonym-swapped copies, one paragraph with
repeats, the translation appended, filler, restated chapters, particle padding, word salad,
spread and gross keyword stuffing, truncation, shuffled sentences, ...), ``copies`` damaged
versions, the first of the whole answer and the others of a random run of its paragraphs; and
``ties`` length pairs per answer (the answer against a shorter honest run of it, trained with
``tie_loss`` towards equal scores, so the model learns neither "longer is better" nor "shorter
is better"). At most ``pairs_per_kind`` pairs of each kind are kept from the short answers and
``long_pairs_per_kind`` from the long ones (seeded choice).

Model: ``backbone`` (default ``embedded-2l``: the embedded SmolLM2-135M-Instruct's first two
decoder layers, pretrained) with a one-output score head, ``mean_last`` pooling (the mean of
per-token scores plus the last token's), the document-level redundancy term
(``reward_model.DocHead``, ``doc_head=True``: the answer's sentence segments compared with every
earlier one across windows; its three parameters at ``doc_lr``), input embeddings frozen, only
the top decoder layer trained (``train_layers=1``: half the training time of training both, and 0.832 instead of 0.799
on the red-team development suite). The long answers are available
(``long_pairs_per_kind``) but off by default: training on them with 1,024- or
3,072-token windows cost 1.6x or more and did not raise the development-suite figure
(docs/rewards.md). The choice of backbone and
the held-out figures per damage kind, including kinds left out of training, are measured by
``benchmarks/rm_accuracy.py`` (docs/rewards.md, "Writing reward model").

``train_demo_rm(out)`` trains the model ``lwz demo`` uses; ``train_demo_rm(out, seed=1)`` or
``train_demo_rm(out, backbone="embedded-4l")`` trains a separate one (other seed: other pair
sample, head initialisation and batch order; other backbone), e.g. for a held-out judge.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from longwriter_zero.reward_model.damage import DAMAGES

ANSWER_FILES = ("honest_answers.jsonl", "honest_answers_more.jsonl", "honest_answers_long.jsonl")
LONG_FILE = "honest_answers_long.jsonl"   # long answers: capped by ``long_pairs_per_kind`` on their own
# damage kinds the recipe does not train on (kept for the left-out measure of ``held_out_accuracy``)
UNTRAINED = ("join_paragraphs", "echo_paraphrase", "off_topic")


@dataclass(frozen=True)
class RMRecipe:
    backbone: str = "embedded-2l"
    pooling: str = "mean_last"
    copies: int = 2                  # damaged versions per answer and damage kind
    ties: int = 2                    # honest length pairs per answer (trained towards equal scores)
    pairs_per_kind: int = 20         # at most this many pairs of each kind (and of ties) are trained on
    long_pairs_per_kind: int = 0     # ... plus at most this many of each kind from the long answers
    damages: tuple = tuple(k for k in DAMAGES if k not in UNTRAINED)
    epochs: int = 1
    lr: float = 3e-4
    batch_size: int = 8
    max_length: int = 1024           # training and scoring window (longer answers: sliding windows)
    eval_fraction: float = 0.25      # share of answers held out
    seed: int = 0
    freeze_embeddings: bool = True   # keep the input embedding table fixed
    tie_weight: float = 1.0
    train_layers: int = 1            # train only the top N decoder layers (0: all)
    doc_head: bool = True            # document-level redundancy term (reward_model.DocHead)
    doc_lr: float = 3e-2             # learning rate of the document-level term's parameters


RECIPE = RMRecipe()
DEMO = dataclasses.replace(RECIPE, eval_fraction=0.0)


def honest_answers_paths() -> list[Path]:
    root = resources.files("longwriter_zero") / "assets"
    return [Path(str(root / name)) for name in ANSWER_FILES]


def honest_answers_path() -> Path:
    """The first bundled answer file (kept for callers of the single-file recipe)."""
    return honest_answers_paths()[0]


def recipe_pairs(recipe: RMRecipe = RECIPE, damages: tuple | None = None, cap: bool = True):
    """PreferencePairs (with their damage labels, ties included) from the bundled honest answers;
    with ``cap``, at most ``recipe.pairs_per_kind`` per kind (seeded)."""
    from longwriter_zero.reward_model.pairs import build_pairs_from_file, check_pair_row

    pairs = []
    for path in honest_answers_paths():
        rows = build_pairs_from_file(path, recipe.seed, damages or recipe.damages, recipe.copies, recipe.ties)
        pairs += [check_pair_row(r, f"{path} pair {i}") for i, r in enumerate(rows)]
    return cap_recipe(pairs, recipe) if cap else pairs


def _is_long(pair) -> bool:
    return pair.where.split(" pair ")[0].endswith(LONG_FILE)


def cap_recipe(pairs: list, recipe: RMRecipe) -> list:
    """The recipe's caps: at most ``pairs_per_kind`` pairs of each kind from the short answers
    and ``long_pairs_per_kind`` from the long ones (seeded samples, original order kept)."""
    short = cap_per_kind([p for p in pairs if not _is_long(p)], recipe.pairs_per_kind, recipe.seed)
    long = cap_per_kind([p for p in pairs if _is_long(p)], recipe.long_pairs_per_kind, recipe.seed)
    keep = {id(p) for p in short + long}
    return [p for p in pairs if id(p) in keep]


def cap_per_kind(pairs: list, n: int, seed: int) -> list:
    """At most ``n`` pairs of each damage kind (a seeded sample), in their original order."""
    rng = random.Random(seed)
    by_kind: dict[str, list[int]] = {}
    for i, p in enumerate(pairs):
        by_kind.setdefault(p.damage, []).append(i)
    keep = set()
    for idx in by_kind.values():
        keep.update(idx if len(idx) <= n else rng.sample(idx, n))
    return [p for i, p in enumerate(pairs) if i in keep]


def _train(pairs, recipe: RMRecipe, output_dir: str, progress: bool):
    from longwriter_zero.reward_model.model import train_reward_model

    return train_reward_model(pairs, recipe.backbone, output_dir, epochs=recipe.epochs, lr=recipe.lr,
                              batch_size=recipe.batch_size, eval_fraction=0.0, max_length=recipe.max_length,
                              seed=recipe.seed, progress=progress, freeze_embeddings=recipe.freeze_embeddings,
                              pooling=recipe.pooling, tie_weight=recipe.tie_weight, train_accuracy=False,
                              train_layers=recipe.train_layers, doc_head=recipe.doc_head, doc_lr=recipe.doc_lr)


def train_demo_rm(output_dir: str, backbone: str | None = None, recipe: RMRecipe = DEMO,
                  progress: bool = True, seed: int | None = None) -> str:
    """Train the writing reward model on the bundled answers and save it to ``output_dir``.

    ``backbone`` and ``seed`` override the recipe's (``seed`` changes the pair sample, the score
    head's initialisation and the batch order). Returns the folder, ready for
    ``WritingReward(model=...)``, ``lwz reward --writing-model`` or ``lwz rm serve``.
    """
    recipe = dataclasses.replace(recipe, backbone=backbone or recipe.backbone,
                                 seed=recipe.seed if seed is None else seed)
    pairs = recipe_pairs(recipe)
    if recipe.eval_fraction > 0:
        from longwriter_zero.reward_model.pairs import split_by_group

        pairs, _ = split_by_group(pairs, recipe.eval_fraction, recipe.seed)
    _train(pairs, recipe, output_dir, progress)
    return str(output_dir)


def _units(text: str) -> int:
    from longwriter_zero.text.counting import count_length

    return count_length(text)


def _quantiles(values: list[float], qs=(0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)) -> list[float]:
    v = sorted(values)
    if not v:
        return []
    return [round(v[min(len(v) - 1, int(round(q * (len(v) - 1))))], 3) for q in qs]


def _spearman(x: list[float], y: list[float]) -> float:
    def ranks(v):
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0.0] * len(v)
        for rank, i in enumerate(order):
            r[i] = float(rank)
        return r
    return _pearson(ranks(x), ranks(y))


def _pearson(x: list[float], y: list[float]) -> float:
    n = len(x)
    if n < 3:
        return float("nan")
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x) ** 0.5
    syy = sum((b - my) ** 2 for b in y) ** 0.5
    return sxy / (sxx * syy) if sxx and syy else float("nan")


def held_out_accuracy(recipe: RMRecipe = RECIPE, train_kinds: tuple | None = None, progress: bool = False,
                      keep_scores: bool = False, held_out_per_kind: int = 0) -> dict:
    """Train on the recipe and measure it on held-out answers.

    Pairs of every damage kind (and ties) are built; ``recipe.eval_fraction`` of the answers is
    held out whole; the model trains on the other answers' pairs of ``train_kinds`` (default:
    the recipe's kinds) plus ties, and is scored on every held-out pair, kinds left out of
    training included. Returns per-kind accuracy, the mean score gap of held-out tie pairs,
    the rank correlation of score with length over the held-out honest texts, and score
    quantiles of honest and hacked texts. ``held_out_per_kind`` > 0 scores only that many
    held-out pairs of each kind (a seeded sample; for quick checks).
    """
    import tempfile
    import time

    from longwriter_zero.reward_model.pairs import split_by_group
    from longwriter_zero.reward_model.model import RewardModel, pair_accuracy

    pairs = recipe_pairs(recipe, damages=tuple(DAMAGES), cap=False)
    train, held = split_by_group(pairs, recipe.eval_fraction, recipe.seed)
    if held_out_per_kind:
        held = cap_per_kind(held, held_out_per_kind, recipe.seed)
    kinds = set(train_kinds or recipe.damages) | {"length_tie"}
    train = cap_recipe([p for p in train if p.damage in kinds], recipe)
    t0 = time.time()
    with tempfile.TemporaryDirectory() as out:
        _train(train, recipe, out, progress)
        seconds = time.time() - t0
        rm = RewardModel.load(out)
        g8 = demo_scoring_seconds(rm, [p.chosen for p in held])
        texts = sorted({(p.prompt, t) for p in held for t in (p.chosen, p.rejected)})
        scored = dict(zip(texts, rm.score([t[0] for t in texts], [t[1] for t in texts]).scores))
    chosen = [scored[(p.prompt, p.chosen)] for p in held]
    rejected = [scored[(p.prompt, p.rejected)] for p in held]
    damaged = [i for i, p in enumerate(held) if not p.tie]
    by_kind = {k: pair_accuracy([chosen[i] for i in damaged if held[i].damage == k],
                                [rejected[i] for i in damaged if held[i].damage == k]) for k in DAMAGES}
    honest = sorted({(p.prompt, p.chosen) for p in held} | {(p.prompt, p.rejected) for p in held if p.tie})
    honest_scores = [scored[t] for t in honest]
    lengths = [float(_units(t[1])) for t in honest]
    ties = [abs(chosen[i] - rejected[i]) for i, p in enumerate(held) if p.tie]
    hacked = {k: [rejected[i] for i in damaged if held[i].damage == k] for k in DAMAGES}
    left_out = sorted(set(DAMAGES) - kinds)
    result = {"seed": recipe.seed, "backbone": recipe.backbone, "pooling": recipe.pooling,
              "copies": recipe.copies, "ties": recipe.ties, "pairs_per_kind": recipe.pairs_per_kind,
              "long_pairs_per_kind": recipe.long_pairs_per_kind,
              "lr": recipe.lr, "epochs": recipe.epochs, "freeze_embeddings": recipe.freeze_embeddings,
              "train_layers": recipe.train_layers, "doc_head": recipe.doc_head, "doc_lr": recipe.doc_lr,
              "trained_on": sorted(kinds - {"length_tie"}), "left_out": left_out, "train_pairs": len(train),
              "held_out_answers": len({p.group for p in held}), "held_out_pairs": len(damaged),
              "held_out_accuracy": round(pair_accuracy([chosen[i] for i in damaged], [rejected[i] for i in damaged]), 4),
              "trained_kinds_accuracy": round(_mean([by_kind[k] for k in DAMAGES if k not in left_out]), 4),
              "left_out_kinds_accuracy": round(_mean([by_kind[k] for k in left_out]), 4) if left_out else None,
              "by_damage": {k: round(v, 3) for k, v in by_kind.items()},
              "tie_mean_abs_gap": round(_mean(ties), 3) if ties else None,
              "damage_mean_gap": round(_mean([chosen[i] - rejected[i] for i in damaged]), 3),
              "length_spearman_honest": round(_spearman(lengths, honest_scores), 3),
              "honest_texts": len(honest),
              "honest_quantiles": _quantiles(honest_scores),
              "hacked_quantiles": _quantiles([s for v in hacked.values() for s in v]),
              "train_seconds": round(seconds, 1), "score_g8_seconds": g8}
    if keep_scores:
        result["scores"] = {"honest": honest_scores, "honest_lengths": lengths,
                            "hacked": {k: v for k, v in hacked.items() if v}}
    return result


def demo_scoring_seconds(rm, answers: list[str], group: int = 8, max_tokens: int = 160, repeats: int = 3) -> float:
    """Median wall time to score one demo group: ``group`` answers cut to ``max_tokens`` tokens
    each, behind a demo request (as ``lwz demo``'s writing reward scores them)."""
    import time

    from longwriter_zero.jsonl import iter_jsonl

    prompt = next(iter_jsonl(Path(str(resources.files("longwriter_zero") / "assets" / "demo_prompts.jsonl"))))[1]["prompt"]
    ids = [rm.tokenizer(a, add_special_tokens=False).input_ids[:max_tokens] for a in answers[:group]]
    texts = [rm.tokenizer.decode(i) for i in ids]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        rm.score([prompt] * len(texts), texts, batch_size=group)
        times.append(time.perf_counter() - t0)
    return round(sorted(times)[len(times) // 2], 3)


def _mean(values) -> float:
    values = [v for v in values if v == v]
    return sum(values) / len(values) if values else float("nan")
