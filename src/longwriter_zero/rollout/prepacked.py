"""A sampling copy of the policy whose linear layers hold oneDNN-prepacked float32 weights.

Decoding G samples is a chain of matrix products with a handful of rows (``[G, H] x [H, N]``),
where a plain ``F.linear`` spends most of its time streaming the weight from memory in its
row-major layout. oneDNN reorders each weight once into its blocked layout, and its kernel then
runs those products about twice as fast on a CPU (``benchmarks/grpo_vs_trl.py``). The math is
the same float32 product (differences at rounding level, ~1e-6 relative); only the layout
changes. After each policy update the copy is refreshed from the trained weights
(``refresh``), a fraction of a second for a 135M model.

Used by the trainer for sampling on a CPU in float32 (``rollout.prepacked_linear``); gradients
never flow through it. ``sampling_copy`` picks the Llama-family copy with its own decode step
(``rollout/packed_llama.py``) where the architecture allows, this generic copy elsewhere.
"""

from __future__ import annotations

import copy

import torch

from longwriter_zero.rollout import onednn, packed_llama


def available(device: str, dtype: torch.dtype) -> bool:
    """Prepacking applies on a CPU, in float32, where PyTorch was built with oneDNN."""
    return (torch.device(device).type == "cpu" and dtype == torch.float32
            and torch.backends.mkldnn.is_available())


class PrepackedLinear(torch.nn.Module):
    """Inference-only ``nn.Linear`` whose weight is kept in oneDNN's blocked layout."""

    def __init__(self, linear: torch.nn.Linear, batch_hint: int):
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.batch_hint = batch_hint
        self.packed = None
        self.bias = None
        self.load(linear)

    @torch.no_grad()
    def load(self, linear: torch.nn.Linear) -> None:
        self.packed = onednn.pack(linear.weight, self.batch_hint)
        self.bias = None if linear.bias is None else linear.bias.detach().float().clone()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return onednn.linear(x, self.packed, self.bias)


def _linear_slots(model: torch.nn.Module):
    """(parent module, attribute name, qualified name) of every ``nn.Linear`` child."""
    for parent_name, parent in model.named_modules():
        for name, child in parent.named_children():
            if isinstance(child, (torch.nn.Linear, PrepackedLinear)):
                yield parent, name, f"{parent_name}.{name}" if parent_name else name


@torch.no_grad()
def prepacked_copy(model: torch.nn.Module, batch_hint: int = 8) -> torch.nn.Module:
    """A frozen copy of ``model`` with every ``nn.Linear`` replaced by a ``PrepackedLinear``.

    Tied weights (the LM head of SmolLM2 shares the embedding matrix) get their own packed copy;
    the embedding itself stays a plain tensor."""
    out = copy.deepcopy(model).requires_grad_(False)
    out.eval()
    for parent, name, _ in list(_linear_slots(out)):
        setattr(parent, name, PrepackedLinear(getattr(parent, name), batch_hint))
    return out


def sampling_copy(model: torch.nn.Module, batch_hint: int = 8):
    """The fastest prepacked sampling copy of ``model``: a ``PackedLlama`` for Llama-family
    models, else a ``prepacked_copy``. Both are refreshed by ``refresh`` and sampled by
    ``rollout.sampling.sample_group``."""
    if packed_llama.supports(model):
        return packed_llama.PackedLlama(model, batch_hint)
    return prepacked_copy(model, batch_hint)


@torch.no_grad()
def refresh(packed, model: torch.nn.Module) -> None:
    """Copy the trained weights of ``model`` into ``packed`` (linear layers re-packed)."""
    if isinstance(packed, packed_llama.PackedLlama):
        packed.refresh(model)
        return
    linears = {q: getattr(p, n) for p, n, q in _linear_slots(model)}
    for parent, name, qual in _linear_slots(packed):
        getattr(parent, name).load(linears[qual])
    src = dict(model.named_parameters())
    for name, p in packed.named_parameters():
        p.copy_(src[name])
    src_buffers = dict(model.named_buffers())
    for name, b in packed.named_buffers():
        if name in src_buffers:
            b.copy_(src_buffers[name])
