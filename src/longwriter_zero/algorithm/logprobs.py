"""Token log-probs (and entropy) from hidden states, in chunks.

The naive path materialises logits ``[tokens × vocab]`` (14K tokens × 150K vocab × 4 bytes =
8.4 GB, twice more for log_softmax and its gradient). Here the LM head is applied to
``chunk`` tokens at a time inside activation checkpointing: the forward keeps only each
chunk's results ([chunk] log-probs), and the backward recomputes one chunk's logits at a time.
Peak extra memory is one chunk's logits instead of the whole sequence's.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint


def _chunk_logprobs(hidden: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                    targets: torch.Tensor, temperature: float, with_entropy: bool):
    logits = F.linear(hidden, weight, bias).float()
    if temperature != 1.0:
        logits = logits / temperature
    logz = torch.logsumexp(logits, dim=-1)
    logp = logits.gather(-1, targets[:, None]).squeeze(-1) - logz
    if with_entropy:
        with torch.no_grad():
            probs = torch.softmax(logits, dim=-1)
            entropy = logz - (probs * logits).sum(-1)
        return logp, entropy.detach()
    return logp, torch.zeros_like(logp).detach()


def chunked_logprobs(hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor,
                     chunk: int = 1024, temperature: float = 1.0, bias: torch.Tensor | None = None,
                     with_entropy: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """hidden: [M, H]; weight: [V, H]; targets: [M] -> (log-probs [M], entropy [M] or zeros).

    Entropy is computed without gradient (a metric)."""
    logps, ents = [], []
    needs_grad = torch.is_grad_enabled() and (hidden.requires_grad or weight.requires_grad)
    for s in range(0, hidden.shape[0], chunk):
        h, t = hidden[s:s + chunk], targets[s:s + chunk]
        if needs_grad:
            lp, ent = checkpoint(_chunk_logprobs, h, weight, bias, t, temperature, with_entropy,
                                 use_reentrant=False)
        else:
            lp, ent = _chunk_logprobs(h, weight, bias, t, temperature, with_entropy)
        logps.append(lp)
        ents.append(ent.detach())
    if not logps:
        z = hidden.new_zeros(0)
        return z, z
    return torch.cat(logps), torch.cat(ents)


def naive_logprobs(hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor,
                   temperature: float = 1.0, bias: torch.Tensor | None = None) -> torch.Tensor:
    """Reference path: full [M, V] logits, log_softmax, gather. For tests and the benchmark."""
    logits = F.linear(hidden, weight, bias).float() / temperature
    return torch.log_softmax(logits, dim=-1).gather(-1, targets[:, None]).squeeze(-1)
