"""Sampling G completions per prompt with a KV cache, for training and generation.

Departures from a plain ``model.generate`` call, all for speed on small machines:
- the prompt is run through the model once and its KV cache is repeated for the G samples
  (``prefill once, decode G``), instead of G identical prefills;
- a sequence that emitted EOS (or a stop string) leaves the batch at once, so no compute is
  spent on finished sequences; since all samples of a group share the prompt and advance in
  lock step, the live batch never needs padding or an attention mask;
- the KV cache is written into buffers with room for the whole completion, instead of being
  concatenated (copied whole) at every token;
- top-p / temperature sampling is done in a few tensor ops, without logits processors, by
  inverting the cumulative distribution with one uniform draw per row (``torch.multinomial``
  draws an exponential variate per vocabulary entry, ~10 ms per step for 8 x 49K).
Groups of different prompts are sampled one after another. The model's forward is driven through
a small decoder interface (``prefill``, ``step``, ``keep``): ``HFDecode`` for any Hugging Face
model, or a packed sampling copy's own (``rollout/packed_llama.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import torch
from transformers.cache_utils import DynamicCache, DynamicLayer


@dataclass
class GroupSample:
    """The G completions of one prompt."""
    prompt_ids: list[int]                     # [P]
    completion_ids: list[list[int]]           # G x [T_i], EOS included when emitted
    finish_reasons: list[str] = field(default_factory=list)  # G x "stop" | "length"


def sample_next(logits: torch.Tensor, temperature: float, top_p: float,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """logits: [N, V] -> next tokens [N]. temperature 0 means greedy.

    Draws token i with probability p_i (softmax of logits / temperature, restricted to the
    smallest set of top tokens whose mass reaches ``top_p`` and renormalised), by inverse CDF."""
    if temperature <= 0:
        return logits.argmax(-1)
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    idx = None
    if top_p < 1.0:
        probs, idx = probs.sort(dim=-1, descending=True)
        # keep tokens whose preceding mass is < top_p (always keeps the top token)
        probs = probs * ((probs.cumsum(-1) - probs) < top_p)
    cdf = probs.double().cumsum(-1)                                    # [N, V]
    u = torch.rand((probs.shape[0], 1), generator=generator, dtype=torch.float64, device=probs.device)
    choice = torch.searchsorted(cdf, u * cdf[:, -1:], right=True).clamp_(max=probs.shape[-1] - 1)
    return (choice if idx is None else idx.gather(-1, choice)).squeeze(-1)


class PreallocatedLayer(DynamicLayer):
    """A full-attention cache layer that writes new keys/values into a buffer with room for
    ``capacity`` positions and hands out views of it, so decoding a token copies only that
    token's keys and values (``DynamicLayer`` re-concatenates the whole cache each time).
    Batch changes (``batch_repeat_interleave``, ``batch_select_indices``) replace the tensors;
    the next ``update`` moves them into a fresh buffer."""

    def __init__(self, capacity: int):
        super().__init__()
        self.capacity = capacity
        self._k = self._v = None

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs):
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        L, n = self.get_seq_length(), key_states.shape[-2]
        own = (self._k is not None and self.keys.data_ptr() == self._k.data_ptr()
               and self._k.shape[0] == key_states.shape[0] and L + n <= self._k.shape[-2])
        if not own:
            B, H, _, D = key_states.shape
            cap = max(self.capacity, L + n)
            self._k, self._v = key_states.new_empty(B, H, cap, D), value_states.new_empty(B, H, cap, D)
            if L:
                self._k[..., :L, :] = self.keys
                self._v[..., :L, :] = self.values
        self._k[..., L:L + n, :] = key_states
        self._v[..., L:L + n, :] = value_states
        self.keys, self.values = self._k[..., :L + n, :], self._v[..., :L + n, :]
        return self.keys, self.values


def preallocated_cache(model, capacity: int) -> DynamicCache | None:
    """A ``DynamicCache`` of ``PreallocatedLayer``s for a model whose layers all use full
    attention; None (let the model build its own cache) for sliding-window or other layers."""
    cache = DynamicCache(config=model.config)
    if not cache.layers or any(type(layer) is not DynamicLayer for layer in cache.layers):
        return None
    cache.layers = [PreallocatedLayer(capacity) for _ in cache.layers]
    return cache


class HFDecode:
    """One group's decoding through a Hugging Face model's own forward and KV cache (the path
    for any architecture); same interface as ``packed_llama.PackedDecode``."""

    def __init__(self, model, capacity: int):
        self.model = model
        self.capacity = capacity
        self.cache = None

    @torch.no_grad()
    def prefill(self, prompt_ids: Sequence[int], n: int) -> torch.Tensor:
        device = next(self.model.parameters()).device
        ids = torch.tensor([list(prompt_ids)], dtype=torch.long, device=device)
        cache = preallocated_cache(self.model, self.capacity)
        out = self.model(input_ids=ids, use_cache=True, logits_to_keep=1,
                         **({} if cache is None else {"cache": cache}))
        self.cache = cache_of(out)
        self.cache.batch_repeat_interleave(n)
        return out.logits[:, -1, :].expand(n, -1)

    @torch.no_grad()
    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        out = self.model(input_ids=tokens[:, None], cache=self.cache, use_cache=True)
        self.cache = cache_of(out)
        return out.logits[:, -1, :]

    def keep(self, rows: torch.Tensor) -> None:
        self.cache.batch_select_indices(rows)


def start_decode(model, capacity: int):
    """The decoder of one group: the model's own (a packed sampling copy has ``start``) or ``HFDecode``."""
    return model.start(capacity) if hasattr(model, "start") else HFDecode(model, capacity)


@torch.no_grad()
def sample_group(model, prompt_ids: Sequence[int], n: int, max_new_tokens: int, temperature: float = 1.0,
                 top_p: float = 1.0, eos_ids: Sequence[int] = (), stop_strings: Sequence[str] = (),
                 tokenizer=None, generator: torch.Generator | None = None) -> GroupSample:
    """Sample ``n`` completions of one prompt from ``model`` (a Hugging Face causal LM or a packed
    sampling copy). Stop strings need ``tokenizer`` (checked on the decoded tail of each live
    sequence; the stop string is kept in the output)."""
    dec = start_decode(model, len(prompt_ids) + max_new_tokens)
    logits = dec.prefill(prompt_ids, n)
    completions: list[list[int]] = [[] for _ in range(n)]
    reasons = ["length"] * n
    live = torch.arange(n)                          # [n_live] original row of each live sequence
    max_tail = max((len(s) for s in stop_strings), default=0) + 8
    for step in range(max_new_tokens):
        nxt = sample_next(logits, temperature, top_p, generator)      # [n_live]
        nxt_list = nxt.tolist()
        done = torch.zeros(len(nxt_list), dtype=torch.bool)
        for j, (row, tok) in enumerate(zip(live.tolist(), nxt_list)):
            completions[row].append(tok)
            if tok in eos_ids:
                done[j] = True
                reasons[row] = "stop"
            elif stop_strings:
                tail = tokenizer.decode(completions[row][-max_tail:], skip_special_tokens=True)
                if any(s in tail for s in stop_strings):
                    done[j] = True
                    reasons[row] = "stop"
        if step == max_new_tokens - 1:
            break
        if done.any():
            keep = (~done).nonzero().squeeze(-1)
            if keep.numel() == 0:
                break
            live = live[keep]
            keep = keep.to(nxt.device)
            nxt = nxt[keep]
            dec.keep(keep)
        logits = dec.step(nxt)
    return GroupSample(list(prompt_ids), completions, reasons)


def cache_of(out):
    """The KV cache a forward returned (``cache``, or ``past_key_values`` in older transformers)."""
    cache = getattr(out, "cache", None)
    return cache if cache is not None else out.past_key_values


def decode_completion(tokenizer, ids: Sequence[int]) -> str:
    return tokenizer.decode(list(ids), skip_special_tokens=True)
