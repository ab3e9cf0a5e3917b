"""Names to reward classes: the one place where a reward name is resolved.

A reward class registers itself beside its definition with ``@register_reward("name")`` (as
verl's ``core_algos.register_adv_est`` does for advantage estimators), so adding a reward to one
of the modules in ``REWARD_MODULES`` is one edit in one file. The modules are imported on the
first lookup; they keep heavy dependencies (torch, the reward model) inside the constructors
that need them. The trainer, ``lwz reward`` and the TRL / verl adapters all resolve names here.

A reward class takes its options as keyword arguments. ``build_reward`` also passes run-wide
defaults (``l_max`` from the generation cap, ``require_think`` from the prompt template) to
classes whose constructor names them, unless the user set them.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Callable, TypeVar

from longwriter_zero.errors import UserError
from longwriter_zero.rewards.base import Reward

# modules whose classes register themselves; a reward in a new module adds the module here
REWARD_MODULES = ("longwriter_zero.rewards.length", "longwriter_zero.rewards.format",
                  "longwriter_zero.rewards.writing", "longwriter_zero.rewards.stuffing")

REGISTRY: dict[str, type] = {}
_loaded = False
T = TypeVar("T", bound=type)


def register_reward(name: str) -> Callable[[T], T]:
    """Class decorator: make the reward class available as ``name`` in configs and ``--rewards``."""
    def wrap(cls: T) -> T:
        REGISTRY[name] = cls
        return cls
    return wrap


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in REWARD_MODULES:
            importlib.import_module(module)
        _loaded = True


def known_rewards() -> list[str]:
    _load()
    return sorted(REGISTRY)


def reward_class(name: str) -> type:
    _load()
    if name not in REGISTRY:
        raise UserError(f"unknown reward '{name}' (known: {', '.join(sorted(REGISTRY))})")
    return REGISTRY[name]


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
