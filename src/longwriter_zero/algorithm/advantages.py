"""Group-relative advantages, with per-reward balancing (Eq. 5 of the paper).

``balanced``: each reward k is normalised within the G samples of its prompt,
``A_k = (r_k - mean_group(r_k)) / (std_group(r_k) + eps)``, and the advantage is the weighted
mean ``A = sum_k w_k A_k / sum_k w_k`` (equal weights give the paper's ``(A_len + A_write + A_fmt)/3``).
A reward with weight 0 is a monitor: logged, never trained on.

``sum_then_normalize``: the ablation — add the weighted raw rewards, then normalise once.

Choices: the group std is the population std (divide by G); a group whose rewards are all
equal (std below ``1e-8``) gets advantage exactly 0, never NaN. Unlike TRL's
``normalize_then_sum``, the balanced advantages are not re-normalised over the batch.

Estimators register by name with ``@register_advantage("name")`` beside their function (as
verl's ``core_algos.register_adv_est``); ``algorithm.advantage`` picks one, and adding one is
this one decorated function.
"""

from __future__ import annotations

from typing import Callable

import torch

from longwriter_zero.errors import UserError

AdvantageFn = Callable[..., torch.Tensor]    # (rewards [K, B*G], weights [K], group_size, eps) -> [B*G]
ADVANTAGE_FNS: dict[str, AdvantageFn] = {}
_FLAT = 1e-8


def register_advantage(name: str) -> Callable[[AdvantageFn], AdvantageFn]:
    """Decorator: register an advantage estimator under ``name`` (``algorithm.advantage``)."""
    def wrap(fn: AdvantageFn) -> AdvantageFn:
        ADVANTAGE_FNS[name] = fn
        return fn
    return wrap


def advantage_fn(name: str) -> AdvantageFn:
    """The estimator registered as ``name``; an unknown name is a one-line error listing the known ones."""
    if name not in ADVANTAGE_FNS:
        raise UserError(f"config key 'algorithm.advantage': unknown estimator {name!r} "
                        f"(known: {', '.join(sorted(ADVANTAGE_FNS))})")
    return ADVANTAGE_FNS[name]


def group_normalize(rewards: torch.Tensor, group_size: int, eps: float = 1e-6) -> torch.Tensor:
    """rewards: [B*G] ordered prompt by prompt -> [B*G] advantages normalised within each group."""
    if rewards.numel() % group_size:
        raise ValueError(f"{rewards.numel()} rewards do not split into groups of {group_size}")
    r = rewards.double().view(-1, group_size)
    mean = r.mean(dim=1, keepdim=True)
    std = r.std(dim=1, unbiased=False, keepdim=True)
    adv = (r - mean) / (std + eps)
    adv = torch.where(std < _FLAT, torch.zeros_like(adv), adv)
    return adv.view(-1).to(rewards.dtype if rewards.is_floating_point() else torch.float32)


@register_advantage("balanced")
def balanced_advantages(rewards: torch.Tensor, weights: torch.Tensor, group_size: int,
                        eps: float = 1e-6) -> torch.Tensor:
    """rewards: [K, B*G] one row per reward; weights: [K] -> [B*G] (Eq. 5)."""
    w = weights.to(torch.float64)
    if float(w.sum()) <= 0:
        raise ValueError("reward weights must have a positive sum")
    per_reward = torch.stack([group_normalize(r.double(), group_size, eps) for r in rewards])  # [K, B*G]
    return ((w[:, None] * per_reward).sum(0) / w.sum()).float()


@register_advantage("sum_then_normalize")
def sum_then_normalize_advantages(rewards: torch.Tensor, weights: torch.Tensor, group_size: int,
                                  eps: float = 1e-6) -> torch.Tensor:
    """rewards: [K, B*G]; weights: [K] -> [B*G]: normalise the weighted sum of raw rewards."""
    total = (weights.to(torch.float64)[:, None] * rewards.double()).sum(0)
    return group_normalize(total, group_size, eps).float()


def compute_advantages(mode: str, rewards: torch.Tensor, weights: torch.Tensor,
                       group_size: int, eps: float = 1e-6) -> torch.Tensor:
    """The one place where the advantage mode is resolved."""
    return advantage_fn(mode)(rewards, weights, group_size, eps)
