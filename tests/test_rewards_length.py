"""Counting (LongBench-Write's rule) and the length reward (Eq. 3), hand-computed."""

from __future__ import annotations

import pytest

from longwriter_zero.errors import UserError
from longwriter_zero.rewards.base import RewardSettings
from longwriter_zero.rewards.length import LengthReward, length_reward
from longwriter_zero.rewards.registry import build_reward
from longwriter_zero.text.counting import count_length


# ----------------------------------------------------------------------------- counting


@pytest.mark.parametrize("text, n", [
    ("", 0),
    ("The harbour opens at six.", 5),
    ("今天天气很好。", 6),                          # 6 characters; the full stop counts nothing
    ("我们 love 长文本 writing!", 7),               # 2 + 3 Chinese characters + 2 English words
    ("don't well-known", 4),                       # apostrophe and hyphen split words, as in LongBench
    ("In 2024, 3D and café", 2),                   # numbers and words glued to digits/accents: 0
    ("ひらがな 한국어", 0),                          # kana and hangul are not counted
    ("  \n\t ,.;!? ", 0),
])
def test_count_length_is_longbench_write_rule(text, n):
    assert count_length(text) == n


# ----------------------------------------------------------------------------- Eq. 3


@pytest.mark.parametrize("n, lower, upper, l_max, expected", [
    (500, 400, 600, 1000, 1.0),                    # inside
    (400, 400, 600, 1000, 1.0),                    # on the lower bound
    (600, 400, 600, 1000, 1.0),                    # on the upper bound
    (100, 400, 600, 1000, 0.25),                   # n / lower
    (0, 400, 600, 1000, 0.0),                      # empty answer, lower > 0
    (700, 400, 600, 1000, 0.75),                   # (1000 - 700) / (1000 - 600)
    (1000, 400, 600, 1000, 0.0),                   # reaches 0 at L_max
    (1500, 400, 600, 1000, 0.0),                   # clipped at 0 past L_max
])
def test_eq3_hand_computed(n, lower, upper, l_max, expected):
    assert length_reward(n, lower, upper, l_max) == pytest.approx(expected)


def test_lower_zero_nothing_is_too_short():
    assert length_reward(0, 0, 300, 1000) == 1.0
    assert length_reward(1, 0, 300, 1000) == 1.0
    assert length_reward(650, 0, 300, 1000) == pytest.approx(0.5)     # (1000 - 650) / 700


@pytest.mark.parametrize("upper", [1000, 1200])
def test_upper_at_or_above_l_max(upper):
    assert length_reward(upper, 200, upper, 1000) == 1.0
    assert length_reward(1000, 200, upper, 1000) == 1.0               # within the range
    assert length_reward(upper + 1, 200, upper, 1000) == 0.0          # past the range and L_max
    assert length_reward(100, 200, upper, 1000) == pytest.approx(0.5)


def test_unfulfillable_range_zero_zero():
    assert length_reward(0, 0, 0, 1000) == 1.0
    assert length_reward(100, 0, 0, 1000) == pytest.approx(0.9)
    assert length_reward(1000, 0, 0, 1000) == 0.0


@pytest.mark.parametrize("lower, upper", [(-1, 5), (10, 5)])
def test_invalid_range_raises(lower, upper):
    with pytest.raises(ValueError):
        length_reward(3, lower, upper, 100)


# ----------------------------------------------------------------------------- the batch reward


def _completion(answer: str) -> str:
    return f"<think>plan</think>\n<answer>{answer}</answer>"


def test_length_reward_batch_measures_the_answer_only():
    answer = " ".join(["word"] * 50)
    think_heavy = f"<think>{' '.join(['plan'] * 500)}</think><answer>{answer}</answer>"
    out = LengthReward(RewardSettings(l_max=400))(["p", "p"], [_completion(answer), think_heavy],
                                  [{"range": [100, 200]}, {"range": [100, 200]}])
    assert out.scores == [pytest.approx(0.5), pytest.approx(0.5)]     # 50 / 100 for both
    assert out.parts["answer_length"] == [50.0, 50.0]
    assert out.parts["lower"] == [100.0, 100.0] and out.parts["upper"] == [200.0, 200.0]


def test_empty_and_malformed_answers():
    reward = LengthReward(RewardSettings(l_max=1000))
    rows = [{"range": [100, 200]}] * 5 + [{"range": [0, 0]}]
    completions = [
        _completion(""),                                   # empty answer block
        "<think>only a plan, never an answer</think>",     # no answer block: nothing to measure
        "<think>" + " ".join(["w"] * 150),                 # think never closed: no answer
        "<answer>" + " ".join(["w"] * 150) + "</answer>",  # no think block: answer still measured
        " ".join(["w"] * 150),                             # no tags at all: the text is the answer
        _completion(""),                                   # [0, 0] and an empty answer
    ]
    out = reward(["p"] * 6, completions, rows)
    assert out.parts["answer_length"] == [0.0, 0.0, 0.0, 150.0, 150.0, 0.0]
    assert out.scores == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]


def test_range_errors_name_the_sample():
    reward = LengthReward()
    with pytest.raises(UserError, match="sample q7: no 'range'"):
        reward(["p"], [_completion("x")], [{"id": "q7"}])
    with pytest.raises(UserError, match="sample 0: 'range' lower 5 > upper 2"):
        reward(["p"], [_completion("x")], [{"range": [5, 2]}])
    with pytest.raises(UserError, match="must be \\[lower, upper\\]"):
        reward(["p"], [_completion("x")], [{"range": "100-200"}])
    assert LengthReward(default_range=[0, 10])(["p"], [_completion("a b")], [{}]).scores == [1.0]


def test_l_max_comes_from_the_run_settings_only():
    assert build_reward("length", {}, RewardSettings(l_max=777)).l_max == 777
    assert build_reward("length").l_max == RewardSettings().l_max == 14000
    with pytest.raises(UserError, match=r"reward 'length': 'l_max' is a run-wide reward setting, not an option "
                                        r"\(set by rollout.max_new_tokens or --l-max\)"):
        build_reward("length", {"l_max": 5}, RewardSettings(l_max=777))
    with pytest.raises(UserError, match="l_max must be a whole number >= 1"):
        RewardSettings(l_max=0)
