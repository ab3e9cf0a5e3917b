"""Writing reward: a Bradley-Terry reward model's score of each answer (registered as ``writing``).

The paper scores writing quality with a reward model trained on preference pairs; here the model
is any folder saved by ``lwz rm train`` (``model``), or a server started with ``lwz rm serve``
(``url``). The model sees the user's request and the extracted answer (think block removed),
formatted as in ``reward_model.model`` (``request + "\\n\\n" + answer``); answers longer than the
model's context are scored by sliding windows, averaged.

Scores are the model's raw outputs (unbounded reals): GRPO normalises each reward within its
group, so the scale does not matter there. Parts: ``windows`` (windows per answer) and
``windowed`` (1 when the answer did not fit in one window).
"""

from __future__ import annotations

from typing import Sequence

from longwriter_zero.errors import UserError
from longwriter_zero.prompts import parse_completion
from longwriter_zero.rewards.base import RewardOutput, RewardSettings
from longwriter_zero.rewards.registry import register_reward


@register_reward("writing")
class WritingReward:
    name = "writing"

    def __init__(self, settings: RewardSettings = RewardSettings(), model: str = "", url: str = "",
                 batch_size: int = 8, max_length: int = 0, timeout: float = 60.0, retries: int = 3):
        if bool(model) == bool(url):
            raise UserError("reward 'writing': give exactly one of 'model' (a reward model folder) or 'url' "
                            "(a server started by lwz rm serve)")
        self.batch_size = int(batch_size)
        self.require_think = settings.require_think
        if model:
            from longwriter_zero.models import resolve_device
            from longwriter_zero.reward_model.model import RewardModel

            self.scorer = RewardModel.load(model, device=resolve_device(settings.device), max_length=max_length or None)
        else:
            from longwriter_zero.reward_model.server import RewardModelClient

            self.scorer = RewardModelClient(url, timeout=timeout, retries=retries)

    def __call__(self, prompts: Sequence[str], completions: Sequence[str],
                 samples: Sequence[dict]) -> RewardOutput:
        answers = [parse_completion(c, self.require_think).answer for c in completions]
        result = self.scorer.score(list(prompts), answers, self.batch_size)
        return RewardOutput(list(result.scores), {"windows": [float(w) for w in result.windows],
                                                  "windowed": [float(w > 1) for w in result.windows]})
