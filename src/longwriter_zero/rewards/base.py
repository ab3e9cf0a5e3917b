"""The reward interface shared by training, scoring, evaluation and the integrations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence


@dataclass
class RewardOutput:
    scores: list[float]                                            # [N] one score per completion
    parts: dict[str, list[float]] = field(default_factory=dict)    # name -> [N] named components

    def __post_init__(self) -> None:
        n = len(self.scores)
        for k, v in self.parts.items():
            if len(v) != n:
                raise ValueError(f"reward part '{k}' has {len(v)} values for {n} scores")


class Reward(Protocol):
    """A reward: ``name`` plus a batch call.

    ``prompts[i]`` is the user request (not the templated prompt), ``completions[i]`` the raw
    model output (think block included), ``samples[i]`` that prompt's data row (e.g.
    ``range``, ``lang``, ``id``).
    """

    name: str

    def __call__(self, prompts: Sequence[str], completions: Sequence[str],
                 samples: Sequence[dict]) -> RewardOutput: ...
