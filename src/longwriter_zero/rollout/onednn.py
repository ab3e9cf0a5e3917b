"""The oneDNN primitives behind the prepacked sampling copies (CPU, float32, inference only):
a weight reordered once into oneDNN's blocked layout, and products with it."""

from __future__ import annotations

import torch


def pack(weight: torch.Tensor, batch_hint: int) -> torch.Tensor:
    """``weight`` [N, K] in oneDNN's layout for products with about ``batch_hint`` rows."""
    return torch.ops.mkldnn._reorder_linear_weight(weight.detach().float().contiguous(), batch_hint)


def linear(x: torch.Tensor, packed: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """``x @ W^T + bias`` with a ``pack``ed W."""
    return torch.ops.mkldnn._linear_pointwise(x, packed, bias, "none", [], "")


def linear_add(x: torch.Tensor, packed: torch.Tensor, residual: torch.Tensor,
               bias: torch.Tensor | None = None) -> torch.Tensor:
    """``x @ W^T + bias + residual`` in one call (oneDNN's binary post-op)."""
    return torch.ops.mkldnn._linear_pointwise.binary(x, residual, packed, bias, "add")
