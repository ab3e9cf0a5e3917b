"""Token log-probs (and entropy) from hidden states, in chunks.

The naive path materialises logits ``[tokens × vocab]`` (14K tokens × 150K vocab × 4 bytes =
8.4 GB, and as much again for log_softmax and for its gradient). Here the LM head is applied to
``chunk`` tokens at a time, in the forward and again in the backward:

- forward: per chunk, logits -> logsumexp -> the targets' log-probs (and, without gradient,
  the entropy); only ``[tokens]`` vectors are kept;
- backward: per chunk, the logits are recomputed and turned in place into
  ``d loss / d logits = g · (onehot(target) − softmax)``, which is multiplied into the hidden
  states' and the head's gradients.

Peak extra memory is one chunk's logits (``chunk × vocab`` floats, two while entropy is
computed) instead of several copies of the whole sequence's.

``keep_bytes``: when all ``tokens × vocab`` probabilities fit in that many bytes, the forward keeps
them and the backward uses them instead of applying the head a second time (one matrix product
and two passes fewer per chunk); longer inputs fall back to recomputing, so memory stays bounded.
A kept backward consumes the probabilities in place: it can run once (no ``retain_graph``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _logits(hidden: torch.Tensor, weight: torch.Tensor, bias, temperature: float) -> torch.Tensor:
    logits = F.linear(hidden, weight, bias).float()
    if temperature != 1.0:
        logits.div_(temperature)
    return logits


def _head_in(hidden: torch.Tensor, weight: torch.Tensor, bias):
    """The head in the hidden states' dtype: under mixed precision (bf16 activations, fp32
    weights) the matmuls run in bf16, as autocast would run them, in the backward too."""
    if hidden.dtype == weight.dtype or hidden.dtype == torch.float32:
        return weight, bias
    return weight.to(hidden.dtype), (None if bias is None else bias.to(hidden.dtype))


class _ChunkedLogprob(torch.autograd.Function):
    @staticmethod
    def forward(ctx, hidden, weight, bias, targets, chunk, temperature, with_entropy, keep_bytes):
        M = hidden.shape[0]
        w, b = _head_in(hidden, weight, bias)
        logp = hidden.new_empty(M, dtype=torch.float32)
        logz = hidden.new_empty(M, dtype=torch.float32)
        ent = hidden.new_zeros(M, dtype=torch.float32)
        probs = None
        if M * weight.shape[0] * 4 <= keep_bytes:
            probs = hidden.new_empty((M, weight.shape[0]), dtype=torch.float32)    # [M, V]
        for s in range(0, M, chunk):
            logits = _logits(hidden[s:s + chunk], w, b, temperature)
            z = torch.logsumexp(logits, dim=-1)
            logz[s:s + chunk] = z
            logp[s:s + chunk] = logits.gather(-1, targets[s:s + chunk, None]).squeeze(-1) - z
            if with_entropy or probs is not None:
                logits.sub_(z[:, None])                      # log p
                p = logits.exp() if probs is None else torch.exp(logits, out=probs[s:s + chunk])
                if with_entropy:
                    ent[s:s + chunk] = -(p * logits).sum(-1)
                del p
            del logits
        ctx.save_for_backward(hidden, weight, targets, logz)
        ctx.probs, ctx.used = probs, False
        ctx.bias = bias
        ctx.chunk, ctx.temperature = chunk, temperature
        ctx.mark_non_differentiable(ent)
        return logp, ent

    @staticmethod
    def backward(ctx, grad_logp, _grad_ent):
        hidden, weight, targets, logz = ctx.saved_tensors
        bias, chunk, temperature, probs = ctx.bias, ctx.chunk, ctx.temperature, ctx.probs
        if ctx.used:
            raise RuntimeError("chunked_logprobs kept its probabilities and consumed them in a first backward; "
                               "pass keep_bytes=0 to run backward more than once")
        ctx.used = probs is not None
        need_h, need_w, need_b = ctx.needs_input_grad[:3]
        grad_h = torch.empty_like(hidden) if need_h else None
        grad_w = None                                    # float32 [V, H], written by the first chunk
        grad_b = torch.zeros_like(bias, dtype=torch.float32) if (need_b and bias is not None) else None
        w, b = _head_in(hidden, weight, bias)
        for s in range(0, hidden.shape[0], chunk):
            h, t, g = hidden[s:s + chunk], targets[s:s + chunk], grad_logp[s:s + chunk].float()
            if probs is None:
                d = _logits(h, w, b, temperature)
                d.sub_(logz[s:s + chunk, None]).exp_().neg_()   # -softmax
            else:
                d = probs[s:s + chunk].neg_()                     # -softmax, kept from the forward
            d.scatter_add_(-1, t[:, None], torch.ones_like(t[:, None], dtype=d.dtype))  # onehot - softmax
            d.mul_((g / temperature)[:, None])              # d loss / d (pre-temperature) logits
            if need_h:
                grad_h[s:s + chunk] = (d.to(w.dtype) @ w).to(hidden.dtype)
            if need_w:
                if w.dtype == torch.float32:
                    grad_w = d.T @ h.float() if grad_w is None else grad_w.addmm_(d.T, h.float())
                else:
                    gw = (d.T.to(w.dtype) @ h.to(w.dtype)).float()
                    grad_w = gw if grad_w is None else grad_w.add_(gw)
            if grad_b is not None:
                grad_b.add_(d.sum(0))
            del d
        ctx.probs = None
        if grad_w is not None:
            grad_w = grad_w.to(weight.dtype)
        if grad_b is not None:
            grad_b = grad_b.to(bias.dtype)
        return grad_h, grad_w, grad_b, None, None, None, None, None


def chunked_logprobs(hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor,
                     chunk: int = 1024, temperature: float = 1.0, bias: torch.Tensor | None = None,
                     with_entropy: bool = False, keep_bytes: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """hidden: [M, H]; weight: [V, H]; targets: [M] -> (log-probs [M] float32, entropy [M] or zeros).

    Entropy is computed without gradient (a metric). ``keep_bytes``: see the module docstring."""
    if hidden.shape[0] == 0:
        z = hidden.new_zeros(0, dtype=torch.float32)
        return z, z
    logp, ent = _ChunkedLogprob.apply(hidden, weight, bias, targets, int(chunk), float(temperature),
                                      bool(with_entropy), int(keep_bytes))
    return logp, ent


def naive_logprobs(hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor,
                   temperature: float = 1.0, bias: torch.Tensor | None = None) -> torch.Tensor:
    """Reference path: full [M, V] logits, log_softmax, gather. For tests and the benchmark."""
    logits = F.linear(hidden, weight, bias).float() / temperature
    return torch.log_softmax(logits, dim=-1).gather(-1, targets[:, None]).squeeze(-1)
