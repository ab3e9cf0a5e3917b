"""Registries: rewards and advantage estimators register with a decorator beside their code;
unknown names list the known ones; the CLI defaults of the reward commands."""

from __future__ import annotations

import pytest
import torch

from longwriter_zero.algorithm import advantages
from longwriter_zero.algorithm.advantages import advantage_fn, compute_advantages, register_advantage
from longwriter_zero.cli import build_parser
from longwriter_zero.errors import UserError
from longwriter_zero.rewards import registry
from longwriter_zero.rewards.base import RewardOutput, RewardSettings
from longwriter_zero.rewards.registry import build_reward, known_rewards, register_reward, reward_class


def test_builtin_rewards_are_registered_by_their_decorators():
    from longwriter_zero.rewards.format import FormatReward
    from longwriter_zero.rewards.length import LengthReward

    assert {"length", "format", "writing", "stuffing"} <= set(known_rewards())
    assert reward_class("length") is LengthReward and reward_class("format") is FormatReward


def test_a_reward_added_by_one_decorator_is_built_by_name(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", dict(registry.REGISTRY))

    @register_reward("constant")
    class Constant:
        name = "constant"

        def __init__(self, settings: RewardSettings, value: float = 1.0):
            self.value, self.l_max = value, settings.l_max

        def __call__(self, prompts, completions, samples):
            return RewardOutput([self.value] * len(completions))

    reward = build_reward("constant", {"value": 0.5}, RewardSettings(l_max=77))
    assert reward([""], ["x"], [{}]).scores == [0.5] and reward.l_max == 77
    with pytest.raises(UserError, match=r"reward 'constant': unknown option\(s\) \['valeu'\] \(known: \['value'\]\)"):
        build_reward("constant", {"valeu": 0.5})


def test_a_reward_class_must_take_the_settings_first(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", dict(registry.REGISTRY))
    with pytest.raises(TypeError, match="first constructor parameter must be 'settings'"):
        @register_reward("old_style")
        class OldStyle:
            def __init__(self, l_max: int = 14000):
                self.l_max = l_max
    assert "old_style" not in registry.REGISTRY


def test_every_registered_reward_takes_its_run_wide_values_from_the_settings():
    settings = RewardSettings(l_max=321, require_think=False, device="cpu")
    for name in ("length", "format", "stuffing"):
        reward = build_reward(name, {}, settings)
        assert reward.require_think is False
    assert build_reward("length", {}, settings).l_max == 321
    assert RewardSettings.set_by() == {"l_max": "rollout.max_new_tokens or --l-max",
                                      "require_think": "prompt.template or --template", "device": "device or --device"}


def test_unknown_reward_lists_known_ones():
    with pytest.raises(UserError, match=r"unknown reward 'nope' \(known: .*format.*length"):
        reward_class("nope")


def test_advantage_estimators_register_by_decorator(monkeypatch):
    monkeypatch.setattr(advantages, "ADVANTAGE_FNS", dict(advantages.ADVANTAGE_FNS))
    assert advantage_fn("balanced") is advantages.balanced_advantages

    @register_advantage("first_reward_only")
    def first_only(rewards, weights, group_size, eps=1e-6):
        return advantages.group_normalize(rewards[0], group_size, eps)

    r = torch.tensor([[1.0, 3.0], [5.0, 5.0]])
    out = compute_advantages("first_reward_only", r, torch.ones(2), 2)
    assert out.tolist() == pytest.approx([-1.0, 1.0], abs=1e-5)     # (1-2)/1, (3-2)/1
    with pytest.raises(UserError, match=r"'algorithm.advantage': unknown estimator 'nope' \(known: balanced, "
                                        r"first_reward_only, sum_then_normalize\)"):
        advantage_fn("nope")


def test_cli_defaults_stuffing_penalty_on_and_rm_serve_port_and_device():
    parser = build_parser()
    args = parser.parse_args(["reward", "--input", "x.jsonl"])
    assert args.stuffing_penalty is True
    assert parser.parse_args(["reward", "--input", "x.jsonl", "--no-stuffing-penalty"]).stuffing_penalty is False
    serve = parser.parse_args(["rm", "serve", "--model", "m"])
    assert serve.port == 8010 and serve.port != parser.parse_args(["serve"]).port
    assert serve.device == "auto"


def test_training_config_names_are_checked_against_the_registries(tmp_path):
    from longwriter_zero.config import TrainConfig, build
    from longwriter_zero.trainer.grpo import validate

    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"prompt": "Write.", "range": [1, 2]}\n')
    cfg = build(TrainConfig, {"data": {"prompts": str(prompts)}, "algorithm": {"advantage": "nope"}})
    with pytest.raises(UserError, match=r"'algorithm.advantage': unknown estimator 'nope' \(known: balanced"):
        validate(cfg)
    cfg = build(TrainConfig, {"data": {"prompts": str(prompts)}, "rewards": [{"name": "lenght"}]})
    with pytest.raises(UserError, match=r"unknown reward 'lenght' \(known: "):
        validate(cfg)
