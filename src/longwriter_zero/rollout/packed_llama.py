"""A sampling copy of a Llama-family policy (Llama, Mistral, Qwen2) with its own decode step.

Decoding the G samples of a prompt on a CPU is a chain of matrix products with G rows, plus the
work around them. The Hugging Face forward spends about a fifth of a decode step outside those
products (module calls, mask and cache bookkeeping, some 70 tensor ops per layer). This copy holds,
per layer, four oneDNN-prepacked float32 products instead of seven:

- ``q|k|v`` concatenated (one product, 960 outputs for SmolLM2 instead of 576 + 192 + 192), with
  the attention scale folded into q's rows and the input norm's weight into the columns;
- ``o``, with the residual add done inside the product (oneDNN's binary post-op, ``rollout/onednn.py``);
- ``gate|up`` concatenated, with the post-attention norm's weight folded into the columns;
- ``down``, with the residual add inside the product;

and the LM head with the final norm's weight folded in. A decode step is about 30 tensor ops per
layer: the rotary embedding is applied in place from tables built once per group, keys and values
go straight into a preallocated cache, and the G query heads that share a key/value head attend
to it as one small matrix product (no repeat of the cache). The math is the Hugging Face
forward's, rounded differently (~1e-5 relative on the logits; ``tests/test_rollout_packed_llama.py``).

Used by the trainer for sampling on a CPU in float32 (``rollout.prepacked_linear``), refreshed
from the trained weights after each update; gradients never flow through it. Other architectures
get the generic prepacked copy (``rollout/prepacked.py``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F

from longwriter_zero.rollout import onednn

MODEL_TYPES = ("llama", "mistral", "qwen2")


def supports(model) -> bool:
    """A decoder-only model of a supported type, every layer full attention, SiLU-gated MLP
    without bias, RMSNorm, no tensor-parallel split of its projections."""
    cfg = getattr(model, "config", None)
    if cfg is None or getattr(cfg, "model_type", None) not in MODEL_TYPES:
        return False
    if getattr(cfg, "hidden_act", "silu") != "silu" or getattr(cfg, "mlp_bias", False):
        return False
    if getattr(cfg, "pretraining_tp", 1) > 1:
        return False
    types = getattr(cfg, "layer_types", None)
    if types is not None and any(t != "full_attention" for t in types):
        return False
    if types is None and getattr(cfg, "sliding_window", None) and getattr(cfg, "use_sliding_window", True):
        return False
    inner = getattr(model, "model", None)
    needed = ("embed_tokens", "layers", "norm", "rotary_emb")
    if inner is None or not all(hasattr(inner, n) for n in needed) or not hasattr(model, "lm_head"):
        return False
    a = inner.layers[0].self_attn
    return all(hasattr(a, n) for n in ("q_proj", "k_proj", "v_proj", "o_proj", "scaling"))


def _normalized(x: torch.Tensor, eps: float) -> torch.Tensor:
    """RMSNorm without its weight (folded into the next product)."""
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


def _rotate_(x: torch.Tensor, cos: torch.Tensor, sin_signed: torch.Tensor) -> None:
    """Rotary embedding in place: ``x cos + rotate_half(x) sin``, with ``rotate_half(x) sin`` as
    ``roll(x, D/2) * [-sin_a, sin_a]`` (HF's tables repeat their halves: sin = [sin_a, sin_a])."""
    rolled = x.roll(x.shape[-1] // 2, -1)
    x.mul_(cos).addcmul_(rolled, sin_signed)


@dataclass
class _Layer:
    qkv: torch.Tensor               # packed [(nh + 2 nkv) hd, H]
    qkv_bias: torch.Tensor | None   # [(nh + 2 nkv) hd] (Qwen2)
    o: torch.Tensor                 # packed [H, nh hd]
    o_bias: torch.Tensor | None     # [H] (Llama with attention_bias)
    gate_up: torch.Tensor           # packed [2 I, H]
    down: torch.Tensor              # packed [H, I]
    eps_in: float
    eps_post: float


class PackedLlama:
    """The packed weights of a Llama-family policy; ``start(capacity)`` begins one group's decode."""

    def __init__(self, model, batch_hint: int = 8):
        if not supports(model):
            raise ValueError(f"{type(model).__name__}: not a supported Llama-family model")
        cfg = model.config
        self.n_heads, self.n_kv = cfg.num_attention_heads, cfg.num_key_value_heads
        self.head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // self.n_heads
        self.intermediate = cfg.intermediate_size
        self.batch_hint = batch_hint
        self.rotary = copy.deepcopy(model.model.rotary_emb)
        self.layers: list[_Layer] = []
        self.refresh(model)

    @torch.no_grad()
    def refresh(self, model) -> None:
        """Re-pack from ``model``'s current weights (after a policy update)."""
        inner, hint = model.model, self.batch_hint
        layers = []
        for layer in inner.layers:
            a, m = layer.self_attn, layer.mlp
            ln_in, ln_post = layer.input_layernorm, layer.post_attention_layernorm
            qkv = torch.cat([a.q_proj.weight * a.scaling, a.k_proj.weight, a.v_proj.weight]) * ln_in.weight
            bias = None
            if a.q_proj.bias is not None:
                bias = torch.cat([a.q_proj.bias * a.scaling, a.k_proj.bias, a.v_proj.bias]).detach().float().clone()
            o_bias = None if a.o_proj.bias is None else a.o_proj.bias.detach().float().clone()
            gate_up = torch.cat([m.gate_proj.weight, m.up_proj.weight]) * ln_post.weight
            layers.append(_Layer(onednn.pack(qkv, hint), bias, onednn.pack(a.o_proj.weight, hint), o_bias,
                                 onednn.pack(gate_up, hint), onednn.pack(m.down_proj.weight, hint),
                                 ln_in.variance_epsilon, ln_post.variance_epsilon))
        self.layers = layers
        self.embed = inner.embed_tokens.weight.detach().float().clone()
        self.head = onednn.pack(model.lm_head.weight * inner.norm.weight, hint)
        bias = getattr(model.lm_head, "bias", None)
        self.head_bias = None if bias is None else bias.detach().float().clone()
        self.eps_final = inner.norm.variance_epsilon

    def start(self, capacity: int) -> "PackedDecode":
        return PackedDecode(self, capacity)


class PackedDecode:
    """One group's decoding: rows that share a prompt, their KV cache with room for ``capacity``
    positions. ``prefill`` -> logits of the next token, ``step(tokens)`` -> logits after appending
    one token per row, ``keep(rows)`` drops finished rows."""

    def __init__(self, weights: PackedLlama, capacity: int):
        self.w = weights
        self.capacity = capacity
        self.pos = 0
        self.k: list[torch.Tensor] = []       # per layer [n nkv, capacity, hd] (rows and heads in one
        self.v: list[torch.Tensor] = []       # batch dimension, so attention is one bmm with no copy)
        positions = torch.arange(capacity)[None]
        cos, sin = weights.rotary(weights.embed[:1][None], positions)      # [1, capacity, hd]
        half = weights.head_dim // 2
        self.cos = cos[0][:, None, :].float()                              # [capacity, 1, hd]
        self.sin = torch.cat([-sin[0, :, :half], sin[0, :, half:]], -1)[:, None, :].float()

    @torch.no_grad()
    def prefill(self, prompt_ids: Sequence[int], n: int) -> torch.Tensor:
        """Run the prompt once (causal attention), give its cache to ``n`` rows -> logits [n, V]."""
        w = self.w
        nh, nkv, hd, inter = w.n_heads, w.n_kv, w.head_dim, w.intermediate
        P = len(prompt_ids)
        if P == 0 or P > self.capacity:
            raise ValueError(f"prompt of {P} tokens for a cache of {self.capacity}")
        x = w.embed[torch.tensor(list(prompt_ids), dtype=torch.long)]     # [P, H]
        self.k, self.v = [], []
        for layer in w.layers:
            qkv = onednn.linear(_normalized(x, layer.eps_in), layer.qkv, layer.qkv_bias).view(P, nh + 2 * nkv, hd)
            _rotate_(qkv[:, :nh + nkv], self.cos[:P], self.sin[:P])
            heads = qkv.transpose(0, 1)[None]                              # [1, nh + 2 nkv, P, hd]
            att = F.scaled_dot_product_attention(heads[:, :nh], heads[:, nh:nh + nkv], heads[:, nh + nkv:],
                                                 is_causal=True, scale=1.0, enable_gqa=nh != nkv)
            x = onednn.linear_add(att[0].transpose(0, 1).reshape(P, nh * hd), layer.o, x, layer.o_bias)
            gu = onednn.linear(_normalized(x, layer.eps_post), layer.gate_up)
            x = onednn.linear_add(F.silu(gu[:, :inter]) * gu[:, inter:], layer.down, x)
            for bufs, part in ((self.k, heads[:, nh:nh + nkv]), (self.v, heads[:, nh + nkv:])):
                buf = x.new_empty((n, nkv, self.capacity, hd))
                buf[:, :, :P] = part
                bufs.append(buf.view(n * nkv, self.capacity, hd))
        self.pos = P
        return self._head(x[-1:]).expand(n, -1)

    @torch.no_grad()
    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens [n] (one per live row) -> logits [n, V] of the token after it."""
        w = self.w
        nh, nkv, hd, inter = w.n_heads, w.n_kv, w.head_dim, w.intermediate
        p, n = self.pos, tokens.shape[0]
        if p >= self.capacity:
            raise ValueError(f"decode past the cache's capacity of {self.capacity} positions")
        cos, sin = self.cos[p], self.sin[p]
        x = w.embed[tokens]                                               # [n, H]
        for layer, k, v in zip(w.layers, self.k, self.v):
            qkv = onednn.linear(_normalized(x, layer.eps_in), layer.qkv, layer.qkv_bias).view(n, nh + 2 * nkv, hd)
            _rotate_(qkv[:, :nh + nkv], cos, sin)
            k.view(n, nkv, self.capacity, hd)[:, :, p] = qkv[:, nh:nh + nkv]
            v.view(n, nkv, self.capacity, hd)[:, :, p] = qkv[:, nh + nkv:]
            q = qkv[:, :nh].reshape(n * nkv, nh // nkv, hd)     # query heads grouped by their key/value head
            scores = torch.bmm(q, k[:, :p + 1].transpose(1, 2))                   # [n nkv, rep, p+1]
            att = torch.bmm(scores.softmax(-1), v[:, :p + 1])                     # [n nkv, rep, hd]
            x = onednn.linear_add(att.view(n, nh * hd), layer.o, x, layer.o_bias)
            gu = onednn.linear(_normalized(x, layer.eps_post), layer.gate_up)
            x = onednn.linear_add(F.silu(gu[:, :inter]) * gu[:, inter:], layer.down, x)
        self.pos = p + 1
        return self._head(x)

    def keep(self, rows: torch.Tensor) -> None:
        """Keep only ``rows`` (indices into the current rows) of the cache."""
        nkv, cap, hd = self.w.n_kv, self.capacity, self.w.head_dim

        def select(buf):
            return buf.view(-1, nkv, cap, hd).index_select(0, rows).view(-1, cap, hd)

        self.k, self.v = [select(b) for b in self.k], [select(b) for b in self.v]

    def _head(self, x: torch.Tensor) -> torch.Tensor:
        return onednn.linear(_normalized(x, self.w.eps_final), self.w.head, self.w.head_bias)
