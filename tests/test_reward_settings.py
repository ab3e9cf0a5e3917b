"""One ``RewardSettings`` per run: the trainer, ``lwz reward``, the TRL adapter and the verl adapter
build the same rewards from the same settings."""

from __future__ import annotations

import dataclasses

import pytest

from longwriter_zero.cli import build_parser
from longwriter_zero.commands.reward import rewards_from_args
from longwriter_zero.config import TrainConfig, build
from longwriter_zero.errors import UserError
from longwriter_zero.integrations import verl
from longwriter_zero.integrations.trl import reward_functions
from longwriter_zero.rewards.base import RewardSettings, required_keys
from longwriter_zero.rewards.scoring import check_row
from longwriter_zero.trainer.grpo import run_rewards


def answer(n: int) -> str:
    return f"<think>plan</think><answer>{' '.join(['word'] * n)}</answer>"


# lengths below, inside and above the range [40, 60], up to and past L_max = 90
ANSWERS = [answer(n) for n in (0, 20, 40, 60, 70, 89, 90, 120)] + [f"<answer>{' '.join(['word'] * 50)}</answer>"]
ROWS = [{"range": [40, 60]}] * len(ANSWERS)


def built_by_each_caller(l_max: int, template: str, names=("length", "format")) -> dict[str, list]:
    """The rewards each of the four callers builds for ``l_max`` and ``template``."""
    cfg = build(TrainConfig, {"rollout": {"max_new_tokens": l_max}, "prompt": {"template": template},
                              "rewards": [{"name": n} for n in names]})
    args = build_parser().parse_args(["reward", "--input", "x.jsonl", "--rewards", ",".join(names),
                                      "--l-max", str(l_max), "--template", template])
    return {
        "trainer": [r for r, _ in run_rewards(cfg, "cpu")],
        "lwz reward": rewards_from_args(args),
        "trl": [f.reward for f in reward_functions(cfg)],
        "verl": list(verl.compute_score_rewards(tuple(names), "", verl.settings_from_kwargs(l_max, template))),
    }


def state(reward) -> dict:
    return {"class": type(reward), **vars(reward)}


@pytest.mark.parametrize("template", ["think", "nothink"])
def test_the_four_callers_build_identical_rewards_for_the_same_settings(template):
    built = built_by_each_caller(90, template)
    trainer = built.pop("trainer")
    assert trainer[0].l_max == 90 and trainer[0].require_think is (template == "think")
    expected = [r(["Write."] * len(ANSWERS), ANSWERS, ROWS) for r in trainer]
    for caller, rewards in built.items():
        assert [state(r) for r in rewards] == [state(r) for r in trainer], caller
        got = [r(["Write."] * len(ANSWERS), ANSWERS, ROWS) for r in rewards]
        assert [(o.scores, o.parts) for o in got] == [(o.scores, o.parts) for o in expected], caller
    # the scores depend on L_max and the template, so a caller that dropped either would differ:
    # (90 - 70) / (90 - 60) = 2/3, 1/30 at 89, 0 from L_max on; an answer without a think block is
    # well formed only under the nothink template
    length, fmt = expected[0].scores, expected[1].parts["structure"]
    assert length[:4] == [0.0, 0.5, 1.0, 1.0] and length[8] == 1.0
    assert length[4:8] == pytest.approx([2 / 3, 1 / 30, 0.0, 0.0])
    assert fmt[8] == (0.0 if template == "think" else 1.0) and fmt[1:8] == [float(template == "think")] * 7   # [0]: empty answer


def test_lwz_reward_and_verl_share_the_default_l_max():
    args = build_parser().parse_args(["reward", "--input", "x.jsonl", "--rewards", "length"])
    cli = rewards_from_args(args)[0]
    adapter = verl.compute_score_rewards(("length",), "", verl.settings_from_kwargs())[0]
    assert cli.l_max == adapter.l_max == RewardSettings().l_max == 14000
    assert cli.require_think and adapter.require_think


def test_settings_are_frozen_and_built_from_a_train_config():
    cfg = build(TrainConfig, {"rollout": {"max_new_tokens": 300}, "prompt": {"template": "nothink"}})
    s = RewardSettings.from_train_config(cfg, "cpu")
    assert s == RewardSettings(l_max=300, require_think=False, device="cpu")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.l_max = 5
    with pytest.raises(UserError, match="template must be 'think' or 'nothink', got 'thinking'"):
        verl.settings_from_kwargs(100, "thinking")


def test_the_length_reward_says_which_rows_it_needs(tmp_path):
    """One answer for the trainer, ``lwz reward`` and TRL: a row needs a ``range`` unless the
    length reward has a default range."""
    bare = build_parser().parse_args(["reward", "--input", "x.jsonl", "--rewards", "length,format"])
    length, fmt = rewards_from_args(bare)
    assert required_keys(length) == ("range",) and required_keys(fmt) == ()
    with pytest.raises(UserError, match="f.jsonl:3: no 'range' for the length reward"):
        check_row({"prompt": "p", "response": "r"}, "f.jsonl:3", [length, fmt])

    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"prompt": "Write.", "range": [1, 2]}\n{"prompt": "Write more."}\n')
    spec = {"data": {"prompts": str(prompts)}, "rewards": [{"name": "length", "options": {"default_range": [5, 9]}}]}
    cfg = build(TrainConfig, spec)
    defaulted = run_rewards(cfg, "cpu")[0][0]
    assert required_keys(defaulted) == ()
    check_row({"prompt": "p", "response": "r"}, "f.jsonl:3", [defaulted])
    assert reward_functions(cfg)[0].required == ()


def test_validate_refuses_an_option_that_names_a_setting_or_nothing(tmp_path):
    from longwriter_zero.trainer.grpo import validate

    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"prompt": "Write.", "range": [1, 2]}\n')
    for options, needle in [({"l_max": 5}, r"reward 'length': 'l_max' is a run-wide reward setting, not an option "
                                           r"\(set by rollout.max_new_tokens or --l-max\)"),
                            ({"defualt_range": [1, 2]}, r"reward 'length': unknown option\(s\) \['defualt_range'\] "
                                                        r"\(known: \['default_range'\]\)")]:
        cfg = build(TrainConfig, {"data": {"prompts": str(prompts)}, "rewards": [{"name": "length", "options": options}]})
        with pytest.raises(UserError, match=needle):
            validate(cfg)
