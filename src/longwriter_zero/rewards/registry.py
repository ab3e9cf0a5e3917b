"""Names to reward classes: the one place where a reward name is resolved.

A reward class registers itself beside its definition with ``@register_reward("name")`` (as
verl's ``core_algos.register_adv_est`` does for advantage estimators), so adding a reward to one
of the modules in ``REWARD_MODULES`` is one edit in one file. The modules are imported on the
first lookup; they keep heavy dependencies (torch, the reward model) inside the constructors
that need them. The trainer, ``lwz reward`` and the TRL / verl adapters all resolve names here.

A reward class is built as ``cls(settings, **options)``: the run-wide ``base.RewardSettings``
(``l_max``, ``require_think``, ``device``), from which it takes what it needs, and its own options
from the config. An option that names a run-wide setting is refused, so each setting has one
source (the run's config or flags).
"""

from __future__ import annotations

import importlib
import inspect
from typing import Callable, TypeVar

from longwriter_zero.errors import UserError
from longwriter_zero.rewards.base import Reward, RewardSettings

# modules whose classes register themselves; a reward in a new module adds the module here
REWARD_MODULES = ("longwriter_zero.rewards.length", "longwriter_zero.rewards.format",
                  "longwriter_zero.rewards.writing", "longwriter_zero.rewards.stuffing")

REGISTRY: dict[str, type] = {}
_loaded = False
T = TypeVar("T", bound=type)


def register_reward(name: str) -> Callable[[T], T]:
    """Class decorator: make the reward class available as ``name`` in configs and ``--rewards``.
    The constructor's first parameter must be ``settings`` (a ``RewardSettings``)."""
    def wrap(cls: T) -> T:
        params = list(inspect.signature(cls).parameters)
        if not params or params[0] != "settings":
            raise TypeError(f"reward '{name}': {cls.__name__}'s first constructor parameter must be 'settings' "
                            f"(a RewardSettings), got {params[:1]}")
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


def check_options(name: str, options: dict | None) -> type:
    """The class of reward ``name``, once its ``options`` are names its constructor takes (and
    none is a run-wide setting); cheap, so ``lwz train --validate`` runs it for every reward."""
    cls = reward_class(name)
    known = sorted(list(inspect.signature(cls).parameters)[1:])
    run_wide = RewardSettings.set_by()
    for k in options or {}:
        if k in run_wide:
            raise UserError(f"reward '{name}': '{k}' is a run-wide reward setting, not an option "
                            f"(set by {run_wide[k]})")
    unknown = [k for k in options or {} if k not in known]
    if unknown:
        raise UserError(f"reward '{name}': unknown option(s) {unknown} (known: {known})")
    return cls


def build_reward(name: str, options: dict | None = None, settings: RewardSettings | None = None) -> Reward:
    """The reward ``name`` with its ``options`` (the config's) and the run-wide ``settings``
    (default ``RewardSettings()``)."""
    cls = check_options(name, options)
    return cls(settings if settings is not None else RewardSettings(), **dict(options or {}))


def build_rewards(specs, settings: RewardSettings | None = None) -> list[tuple[Reward, float]]:
    """``specs``: config ``RewardSpec``s (name, weight, options) -> [(reward, weight)]."""
    return [(build_reward(s.name, s.options, settings), float(s.weight)) for s in specs]
