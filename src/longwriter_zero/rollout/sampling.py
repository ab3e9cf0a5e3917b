"""Sampling G completions per prompt with a KV cache, for training and generation.

Departures from a plain ``model.generate`` call, all for speed on small machines:
- the prompt is run through the model once and its KV cache is repeated for the G samples
  (``prefill once, decode G``), instead of G identical prefills;
- a sequence that emitted EOS (or a stop string) leaves the batch at once, so no compute is
  spent on finished sequences; since all samples of a group share the prompt and advance in
  lock step, the live batch never needs padding or an attention mask;
- top-p / temperature sampling is done in a few tensor ops, without logits processors.
Groups of different prompts are sampled one after another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import torch


@dataclass
class GroupSample:
    """The G completions of one prompt."""
    prompt_ids: list[int]                     # [P]
    completion_ids: list[list[int]]           # G x [T_i], EOS included when emitted
    finish_reasons: list[str] = field(default_factory=list)  # G x "stop" | "length"


def sample_next(logits: torch.Tensor, temperature: float, top_p: float,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """logits: [N, V] -> next tokens [N]. temperature 0 means greedy."""
    if temperature <= 0:
        return logits.argmax(-1)
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    if top_p < 1.0:
        sorted_p, idx = probs.sort(dim=-1, descending=True)
        cum = sorted_p.cumsum(-1)
        # keep tokens whose preceding mass is < top_p (always keeps the top token)
        keep = (cum - sorted_p) < top_p
        sorted_p = sorted_p * keep
        choice = torch.multinomial(sorted_p, 1, generator=generator)
        return idx.gather(-1, choice).squeeze(-1)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)


@torch.no_grad()
def sample_group(model, prompt_ids: Sequence[int], n: int, max_new_tokens: int, temperature: float = 1.0,
                 top_p: float = 1.0, eos_ids: Sequence[int] = (), stop_strings: Sequence[str] = (),
                 tokenizer=None, generator: torch.Generator | None = None) -> GroupSample:
    """Sample ``n`` completions of one prompt. Stop strings need ``tokenizer`` (checked on the
    decoded tail of each live sequence; the stop string is kept in the output)."""
    device = next(model.parameters()).device
    ids = torch.tensor([list(prompt_ids)], dtype=torch.long, device=device)
    out = model(input_ids=ids, use_cache=True, logits_to_keep=1)
    cache = _cache_of(out)
    logits = out.logits[:, -1, :].expand(n, -1)
    cache.batch_repeat_interleave(n)

    eos = torch.tensor(sorted(set(eos_ids)), dtype=torch.long, device=device)
    completions: list[list[int]] = [[] for _ in range(n)]
    reasons = ["length"] * n
    live = torch.arange(n, device=device)           # [n_live] original row of each live sequence
    max_tail = max((len(s) for s in stop_strings), default=0) + 8
    for step in range(max_new_tokens):
        nxt = sample_next(logits, temperature, top_p, generator)      # [n_live]
        nxt_list = nxt.tolist()
        done = torch.zeros(len(nxt_list), dtype=torch.bool)
        for j, (row, tok) in enumerate(zip(live.tolist(), nxt_list)):
            completions[row].append(tok)
            if eos.numel() and tok in eos_ids:
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
            keep = (~done).nonzero().squeeze(-1).to(device)
            if keep.numel() == 0:
                break
            live = live[keep]
            nxt = nxt[keep]
            cache.batch_select_indices(keep)
        out = model(input_ids=nxt[:, None], cache=cache, use_cache=True)
        cache = _cache_of(out)
        logits = out.logits[:, -1, :]
    return GroupSample(list(prompt_ids), completions, reasons)


def _cache_of(out):
    cache = getattr(out, "cache", None)
    return cache if cache is not None else out.past_key_values


def decode_completion(tokenizer, ids: Sequence[int]) -> str:
    return tokenizer.decode(list(ids), skip_special_tokens=True)
