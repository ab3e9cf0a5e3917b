"""The reward-model recipe on held-out answers, at a small scale (the full figure comes from
``benchmarks/rm_accuracy.py``)."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from longwriter_zero.rewards.rm_recipe import RECIPE, held_out_accuracy


@pytest.fixture()
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_recipe_generalises_to_unseen_answers(one_thread):
    result = held_out_accuracy(dataclasses.replace(RECIPE, copies=2))
    print(result)
    assert result["held_out_answers"] == 14
    learnt = [result["by_damage"][k] for k in RECIPE.damages]
    assert min(learnt) >= 0.9, result                     # every trained kind, on answers never seen
    assert result["held_out_accuracy"] >= 0.8, result     # all kinds, shuffled sentences included
