"""Logit processing for the serving engine, as small pure functions on a batch of rows.

Every function takes ``logits`` of shape ``[B, V]`` (float32) and per-row parameters as 1-D
tensors of length ``B``, and returns new logits; rows whose parameter is neutral are unchanged.
Conventions follow OpenAI and vLLM:

- ``presence_penalty`` / ``frequency_penalty`` (OpenAI): ``logit[t] -= count[t] * frequency
  + (count[t] > 0) * presence``, counting only generated tokens.
- ``repetition_penalty`` (HF / vLLM, 1 = off): a token already seen in the prompt or the
  output has its logit divided by the penalty when positive, multiplied when negative.
- ``top_k`` (0 = off), ``top_p`` (1 = off), ``min_p`` (0 = off) after temperature.
"""

from __future__ import annotations

import torch

NEG_INF = float("-inf")


def apply_presence_frequency(logits: torch.Tensor, counts: torch.Tensor, presence: torch.Tensor,
                             frequency: torch.Tensor) -> torch.Tensor:
    """OpenAI's penalties; ``counts[B, V]`` = times each token was generated in the row."""
    counts = counts.to(logits.dtype)
    return logits - counts * frequency[:, None] - (counts > 0).to(logits.dtype) * presence[:, None]


def apply_repetition(logits: torch.Tensor, seen: torch.Tensor, penalty: torch.Tensor) -> torch.Tensor:
    """HF's repetition penalty over tokens ``seen[B, V]`` (prompt and output)."""
    p = penalty[:, None].expand_as(logits)
    scaled = torch.where(logits > 0, logits / p, logits * p)
    return torch.where(seen, scaled, logits)


def apply_top_k_top_p_min_p(logits: torch.Tensor, top_k: torch.Tensor, top_p: torch.Tensor,
                            min_p: torch.Tensor) -> torch.Tensor:
    """Mask tokens outside each row's top-k, nucleus (top-p) and min-p sets with -inf.

    The token with the highest logit always stays. Ties at the top-k border are kept.
    """
    vocab = logits.shape[-1]
    out = logits
    k = torch.where(top_k > 0, top_k.clamp(max=vocab), torch.full_like(top_k, vocab))
    if bool((k < vocab).any()):
        kth = torch.topk(logits, int(k.max()), dim=-1).values.gather(1, (k - 1)[:, None])
        out = out.masked_fill(logits < kth, NEG_INF)
    if bool((top_p < 1).any()):
        sorted_logits, order = torch.sort(out, dim=-1, descending=True)
        probs = sorted_logits.softmax(-1)
        before = probs.cumsum(-1) - probs              # mass of the tokens ranked above
        drop_sorted = before >= top_p[:, None]
        drop_sorted[:, 0] = False
        drop = torch.zeros_like(drop_sorted).scatter(1, order, drop_sorted)
        out = out.masked_fill(drop, NEG_INF)
    if bool((min_p > 0).any()):
        probs = out.softmax(-1)
        floor = probs.max(-1, keepdim=True).values * min_p[:, None]
        out = out.masked_fill(probs < floor, NEG_INF)
    return out


def apply_logit_bias(logits: torch.Tensor, biases: list[dict[int, float] | None]) -> torch.Tensor:
    """OpenAI's ``logit_bias``: per row, a value added to the logit of each listed token."""
    if not any(biases):
        return logits
    out = logits.clone()
    for row, bias in enumerate(biases):
        if bias:
            ids = torch.tensor(list(bias), device=logits.device)
            out[row, ids] += torch.tensor(list(bias.values()), dtype=logits.dtype, device=logits.device)
    return out
