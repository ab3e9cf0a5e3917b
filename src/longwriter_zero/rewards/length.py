"""Length reward (Eq. 3 of the paper).

With ``n`` the answer length (CJK characters + English words, see ``text.counting``):

- ``1``                                 if ``lower <= n <= upper``
- ``n / lower``                         if ``n < lower``
- ``(L_max - n) / (L_max - upper)``     if ``n > upper``, clipped to [0, 1]

Edge cases (chosen here; the paper leaves them open):

- ``lower = 0``: nothing is too short; any ``n <= upper`` scores 1.
- ``upper >= L_max``: nothing can be too long within the cap; ``n > upper`` scores 0 only past
  ``L_max`` (the denominator would be <= 0).
- ``[0, 0]`` (an unfulfillable request): an empty answer scores 1; any text decays linearly
  to 0 at ``L_max`` — the model is rewarded for declining briefly.
- An empty answer with ``lower > 0`` scores 0. A malformed completion is measured on the
  answer that ``prompts.parse_completion`` extracts; punishing the structure is the format
  reward's job.
"""

from __future__ import annotations

from typing import Sequence

from longwriter_zero.errors import UserError
from longwriter_zero.prompts import parse_completion
from longwriter_zero.rewards.base import RewardOutput, RewardSettings
from longwriter_zero.rewards.registry import register_reward
from longwriter_zero.text.counting import count_length


def length_reward(n: int, lower: int, upper: int, l_max: int) -> float:
    """Eq. 3 for one answer of length ``n`` (same unit as the bounds)."""
    if lower < 0 or upper < lower:
        raise ValueError(f"invalid range [{lower}, {upper}]")
    if lower <= n <= upper:
        return 1.0
    if n < lower:
        return n / lower
    if l_max <= upper:
        return 1.0 if n <= l_max else 0.0
    return min(1.0, max(0.0, (l_max - n) / (l_max - upper)))


def check_range(value, where: str) -> tuple[int, int]:
    """Validate a ``range`` field: two non-negative numbers with lower <= upper."""
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        raise UserError(f"{where}: 'range' must be [lower, upper], got {str(value)[:80]}")
    from longwriter_zero.jsonl import length_value

    lo, hi = (length_value(v, where, "range") for v in value)
    if lo < 0 or lo > hi:
        raise UserError(f"{where}: 'range' lower {lo} > upper {hi}" if lo > hi
                        else f"{where}: 'range' has a negative bound")
    return lo, hi


@register_reward("length")
class LengthReward:
    """Length reward over a batch, with ``settings.l_max`` (in words; training sets it to the
    generation cap ``rollout.max_new_tokens``, an upper bound on the words a completion can hold).
    ``default_range`` scores rows that have no ``range``; without it a row needs one."""

    name = "length"

    def __init__(self, settings: RewardSettings = RewardSettings(), default_range: list | None = None):
        self.l_max = settings.l_max
        self.require_think = settings.require_think
        self.default_range = default_range
        self.required_keys = ("range",) if default_range is None else ()

    def __call__(self, prompts: Sequence[str], completions: Sequence[str],
                 samples: Sequence[dict]) -> RewardOutput:
        scores, lengths, lows, highs = [], [], [], []
        for i, (completion, sample) in enumerate(zip(completions, samples)):
            rng = sample.get("range", self.default_range)
            if rng is None:
                raise UserError(f"sample {sample.get('id', i)}: no 'range' for the length reward")
            lo, hi = check_range(rng, f"sample {sample.get('id', i)}")
            n = count_length(parse_completion(completion, self.require_think).answer)
            scores.append(length_reward(n, lo, hi, self.l_max))
            lengths.append(float(n))
            lows.append(float(lo))
            highs.append(float(hi))
        return RewardOutput(scores, {"answer_length": lengths, "lower": lows, "upper": highs})
