"""The clipped policy objective, the optional KL term and loss aggregation.

Per answer token t of sample i, with ``ρ = exp(logp - old_logp)``:
``loss = -min(ρ A, clip(ρ, 1 - ε_low, 1 + ε_high) A) + β KL``.
KL is the k3 estimator ``exp(ref - logp) - (ref - logp) - 1`` (non-negative, unbiased).

Aggregation (one function, every mode goes through it):
- ``token_mean`` (DAPO): sum over all answer tokens of the batch / number of those tokens;
- ``seq_mean``: mean over each sequence's tokens, then mean over sequences.
The normaliser is the whole batch's, passed in, so micro-batches with gradient accumulation
give exactly the loss of one big batch.
"""

from __future__ import annotations

from typing import Literal

import torch

LossAgg = Literal["token_mean", "seq_mean"]


def clipped_objective(logp: torch.Tensor, old_logp: torch.Tensor, advantages: torch.Tensor,
                      eps_low: float, eps_high: float) -> tuple[torch.Tensor, torch.Tensor]:
    """logp, old_logp: [N, T]; advantages: [N] -> (per-token loss [N, T], clipped mask [N, T])."""
    ratio = torch.exp(logp - old_logp)
    adv = advantages[:, None]
    unclipped = ratio * adv
    clipped = torch.clamp(ratio, 1.0 - eps_low, 1.0 + eps_high) * adv
    loss = -torch.minimum(unclipped, clipped)
    was_clipped = (clipped < unclipped).detach()
    return loss, was_clipped


def kl_k3(logp: torch.Tensor, ref_logp: torch.Tensor) -> torch.Tensor:
    """Per-token k3 KL estimate of KL(π_θ || π_ref); [N, T] -> [N, T]."""
    d = ref_logp - logp
    return torch.exp(d) - d - 1.0


def aggregate(per_token: torch.Tensor, mask: torch.Tensor, mode: LossAgg, normalizer: float) -> torch.Tensor:
    """per_token, mask: [N, T] (mask 1 on answer tokens) -> scalar.

    ``normalizer``: total answer tokens of the whole batch (token_mean) or number of sequences
    of the whole batch (seq_mean)."""
    m = mask.to(per_token.dtype)
    if mode == "token_mean":
        return (per_token * m).sum() / normalizer
    if mode == "seq_mean":
        per_seq = (per_token * m).sum(1) / m.sum(1).clamp(min=1)
        return per_seq.sum() / normalizer
    raise ValueError(f"unknown loss aggregation {mode!r}")


def batch_normalizer(mode: LossAgg, lengths: list[int]) -> float:
    """The normaliser ``aggregate`` needs for a batch with these answer lengths (in tokens)."""
    if mode == "token_mean":
        return float(max(1, sum(lengths)))
    return float(max(1, len(lengths)))
