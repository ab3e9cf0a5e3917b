"""Names to reward classes: the one place where a reward name is resolved.

A reward class takes its options as keyword arguments. ``build_reward`` also passes run-wide
defaults (``l_max`` from the generation cap, ``require_think`` from the prompt template) to
classes whose constructor names them, unless the user set them.
"""

from __future__ import annotations

import importlib
import inspect

from longwriter_zero.errors import UserError
from longwriter_zero.rewards.base import Reward

# name -> "module:Class" (imported on use, so a reward's heavy dependencies load only when used)
REGISTRY: dict[str, str] = {
    "length": "longwriter_zero.rewards.length:LengthReward",
    "format": "longwriter_zero.rewards.format:FormatReward",
    "writing": "longwriter_zero.rewards.writing:WritingReward",
    "stuffing": "longwriter_zero.rewards.stuffing:StuffingReward",
}


def register(name: str, target: str) -> None:
    REGISTRY[name] = target


def reward_class(name: str) -> type:
    if name not in REGISTRY:
        raise UserError(f"unknown reward '{name}' (known: {', '.join(sorted(REGISTRY))})")
    module, _, cls = REGISTRY[name].partition(":")
    return getattr(importlib.import_module(module), cls)


def build_reward(name: str, options: dict | None = None, defaults: dict | None = None) -> Reward:
    cls = reward_class(name)
    params = inspect.signature(cls).parameters
    kwargs = dict(options or {})
    unknown = [k for k in kwargs if k not in params]
    if unknown:
        raise UserError(f"reward '{name}': unknown option(s) {unknown} (known: {sorted(params)})")
    for k, v in (defaults or {}).items():
        if k in params and k not in kwargs:
            kwargs[k] = v
    return cls(**kwargs)


def build_rewards(specs, defaults: dict | None = None) -> list[tuple[Reward, float]]:
    """``specs``: config ``RewardSpec``s (name, weight, options) -> [(reward, weight)]."""
    return [(build_reward(s.name, s.options, defaults), float(s.weight)) for s in specs]
