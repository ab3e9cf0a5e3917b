"""The reward interface shared by training, scoring, evaluation and the integrations: the
run-wide ``RewardSettings``, ``RewardOutput`` and the ``Reward`` protocol."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Protocol, Sequence

from longwriter_zero.errors import UserError

if TYPE_CHECKING:
    from longwriter_zero.config import TrainConfig


@dataclass(frozen=True)
class RewardSettings:
    """Settings every reward of a run shares, built once per run and handed to each reward's
    constructor (what is particular to one reward is its ``options`` in the config).

    Built by ``from_train_config`` for training (``lwz train``, the TRL adapter given a config,
    held-out evaluation), from ``--l-max`` / ``--template`` / ``--device`` in ``lwz reward``, and
    from ``l_max`` / ``template`` in the verl adapter's ``reward_kwargs``.
    """

    l_max: int = field(default=14000, metadata={
        "help": "L_max of the length reward (Eq. 3), in words. Training sets it to the generation cap "
                "rollout.max_new_tokens (no completion holds more words than tokens); the default is "
                "the paper's cap, 14,000 tokens", "set_by": "rollout.max_new_tokens or --l-max"})
    require_think: bool = field(default=True, metadata={
        "help": "completions open with a think block (prompt template 'think'); False: the answer "
                "alone ('nothink')", "set_by": "prompt.template or --template"})
    device: str = field(default="cpu", metadata={
        "help": "device of a reward model loaded in process (the writing reward)", "set_by": "device or --device"})

    def __post_init__(self) -> None:
        if isinstance(self.l_max, bool) or not isinstance(self.l_max, int) or self.l_max < 1:
            raise UserError(f"reward settings: l_max must be a whole number >= 1, got {self.l_max!r}")

    @classmethod
    def from_train_config(cls, cfg: "TrainConfig", device: str) -> "RewardSettings":
        """A training run's settings; ``device`` is the run's resolved device (not ``auto``)."""
        return cls(l_max=cfg.rollout.max_new_tokens, require_think=cfg.prompt.template == "think", device=device)

    @classmethod
    def set_by(cls) -> dict[str, str]:
        """Setting name -> where a run sets it (for the error when a reward's options name one)."""
        return {f.name: f.metadata["set_by"] for f in fields(cls)}


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
    """A reward: ``name`` plus a batch call; built as ``cls(settings, **options)``.

    ``prompts[i]`` is the user request (not the templated prompt), ``completions[i]`` the raw
    model output (think block included), ``samples[i]`` that prompt's data row (e.g.
    ``range``, ``lang``, ``id``). A reward that cannot score a row without some of its fields
    names them in an attribute ``required_keys`` (see ``required_keys``).
    """

    name: str

    def __call__(self, prompts: Sequence[str], completions: Sequence[str],
                 samples: Sequence[dict]) -> RewardOutput: ...


def required_keys(reward: Reward) -> tuple[str, ...]:
    """Sample fields ``reward`` cannot score a row without (e.g. the length reward's ``range``
    when it has no default range): the one place the trainer, ``lwz reward`` and the TRL adapter
    learn what rows a reward needs."""
    return tuple(getattr(reward, "required_keys", ()))
