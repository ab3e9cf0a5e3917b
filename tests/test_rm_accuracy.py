"""The reward-model recipe on held-out answers, at a small scale (the full figures, on the default
pretrained backbone, come from ``benchmarks/rm_accuracy.py``)."""

from __future__ import annotations

import dataclasses

from longwriter_zero.reward_model.damage import DAMAGES
from longwriter_zero.reward_model.recipe import RECIPE, held_out_accuracy

LEFT_OUT = ("synonym_copy", "translation")


def test_recipe_generalises_to_unseen_answers_and_left_out_kinds(one_thread, monkeypatch):
    """The recipe's pairs, ties and pooling on the cheap tiny-random backbone: 12 pairs per kind,
    two kinds left out of training, 6 held-out pairs per kind on answers never seen."""
    from longwriter_zero.reward_model import recipe as rm_recipe

    monkeypatch.setattr(rm_recipe, "ANSWER_FILES", rm_recipe.ANSWER_FILES[:2])   # short answers: 512-token windows
    recipe = dataclasses.replace(RECIPE, backbone="tiny-random", lr=3e-4, freeze_embeddings=False,
                                 pairs_per_kind=12, max_length=512, long_pairs_per_kind=0, train_layers=0)
    result = held_out_accuracy(recipe, tuple(k for k in DAMAGES if k not in LEFT_OUT), held_out_per_kind=6)
    print(result)
    assert result["held_out_answers"] == 20 and result["left_out"] == sorted(LEFT_OUT)
    assert result["held_out_pairs"] == 6 * len(DAMAGES)
    assert result["trained_kinds_accuracy"] >= 0.75, result     # trained kinds, on answers never seen
    assert result["left_out_kinds_accuracy"] >= 0.75, result    # kinds it never trained on
    assert abs(result["length_spearman_honest"]) <= 0.5, result  # no strong length preference
