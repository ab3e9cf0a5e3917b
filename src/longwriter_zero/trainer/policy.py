"""Log-probs of completion tokens under the policy, without full-vocabulary logits.

The decoder runs once over ``prompt + completion``; only the hidden states that predict
completion tokens go through the LM head, in chunks (``algorithm.logprobs``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from longwriter_zero.algorithm.batching import length_groups
from longwriter_zero.algorithm.logprobs import chunked_logprobs
from longwriter_zero.rollout.sampling import cache_of


@dataclass
class MicroBatch:
    input_ids: torch.Tensor        # [N, L] prompt + completion, right padded
    attention_mask: torch.Tensor   # [N, L]
    completion_mask: torch.Tensor  # [N, C] 1 on real completion tokens
    prompt_lens: list[int]         # [N]
    completion_lens: list[int]     # [N]
    rows: list[int]                # [N] index of each sequence in the rollout batch


def make_micro_batch(prompt_ids: list[list[int]], completion_ids: list[list[int]], rows: list[int],
                     pad_id: int, device) -> MicroBatch:
    seqs = [prompt_ids[i] + completion_ids[i] for i in rows]
    L = max(len(s) for s in seqs)
    C = max(1, max(len(completion_ids[i]) for i in rows))
    ids = torch.full((len(rows), L), pad_id, dtype=torch.long)
    att = torch.zeros((len(rows), L), dtype=torch.long)
    cmask = torch.zeros((len(rows), C), dtype=torch.float32)
    for j, s in enumerate(seqs):
        ids[j, :len(s)] = torch.tensor(s)
        att[j, :len(s)] = 1
        cmask[j, :len(completion_ids[rows[j]])] = 1
    return MicroBatch(ids.to(device), att.to(device), cmask.to(device),
                      [len(prompt_ids[i]) for i in rows], [len(completion_ids[i]) for i in rows], rows)


def _decoder_and_head(model):
    return model.get_decoder(), model.get_output_embeddings()


def completion_logprobs(model, mb: MicroBatch, temperature: float = 1.0, chunk: int = 1024,
                        with_entropy: bool = False, share_prompt: bool = False,
                        keep_mib: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """-> (log-probs [N, C], entropy [N, C]); zeros where ``completion_mask`` is 0.

    ``share_prompt``: rows with the same prompt (the G samples of a group) run that prompt
    through the decoder once; its KV cache, with gradient, is repeated for their completions.
    Same values as the full ``prompt + completion`` rows (up to float rounding), and the prompt
    tokens' forward and backward are paid once per group instead of once per sample.
    ``keep_mib``: ``algorithm.logprobs.chunked_logprobs``' ``keep_bytes``, in MiB."""
    decoder, head = _decoder_and_head(model)
    if share_prompt:
        selected, r, k = _hidden_shared_prompt(decoder, mb)
    else:
        selected, r, k = _hidden_full_rows(decoder, mb)
    prompt_lens = torch.tensor(mb.prompt_lens, dtype=torch.long, device=r.device)
    targets = mb.input_ids[r, prompt_lens[r] + k]     # [M] completion token k of row r
    keep = keep_mib * 2**20 if torch.is_grad_enabled() else 0     # nothing to keep without a backward
    lp, ent = chunked_logprobs(selected, head.weight, targets, chunk=chunk, temperature=temperature,
                               bias=getattr(head, "bias", None), with_entropy=with_entropy, keep_bytes=keep)
    N, C = mb.completion_mask.shape
    logp = torch.zeros((N, C), dtype=lp.dtype, device=lp.device).index_put((r, k), lp)
    entropy = torch.zeros((N, C), dtype=ent.dtype, device=ent.device).index_put((r, k), ent)
    return logp, entropy


def _hidden_full_rows(decoder, mb: MicroBatch):
    """Decoder over each row's prompt + completion -> (hidden states [M, H] that predict the
    completion tokens, their row [M], their completion position [M])."""
    hidden = decoder(input_ids=mb.input_ids, attention_mask=mb.attention_mask, use_cache=False).last_hidden_state
    # hidden state at position t predicts token t+1: completion token k of row j sits at
    # P_j + k and is predicted from P_j + k - 1.
    rows, cols, tgt_cols = [], [], []
    for j, (p, c) in enumerate(zip(mb.prompt_lens, mb.completion_lens)):
        rows.extend([j] * c)
        cols.extend(range(p - 1, p - 1 + c))
        tgt_cols.extend(range(c))
    dev = hidden.device
    r, t, k = (torch.tensor(v, dtype=torch.long, device=dev) for v in (rows, cols, tgt_cols))
    return hidden[r, t], r, k


def _hidden_shared_prompt(decoder, mb: MicroBatch):
    """As ``_hidden_full_rows``, with one prompt pass per distinct prompt of the micro-batch.

    The completions of a prompt run in length groups (``length_groups``: each padded to its
    longest member and at least 80% full), each attending to its own repeat of the prompt's
    KV cache; the prompt's forward (and, through the cache, its backward) is shared by all.
    All token embeddings are looked up in one call, so the embedding's backward (a dense
    [vocab, hidden] gradient) runs once per micro-batch instead of once per forward."""
    from transformers.cache_utils import DynamicCache

    groups: dict[tuple, list[int]] = {}
    for j, p in enumerate(mb.prompt_lens):
        groups.setdefault(tuple(mb.input_ids[j, :p].tolist()), []).append(j)
    dev = mb.input_ids.device
    # (prompt ids [1, P], [(rows, completion ids [n, C-1] or None)]) per distinct prompt
    plan = []
    for prompt, js in groups.items():
        P = len(prompt)
        subs = []
        for sub in length_groups([mb.completion_lens[j] for j in js]):
            sub_js = [js[i] for i in sub]
            C = mb.completion_lens[sub_js[0]]                       # longest first
            # completion tokens 0..C-2 (right padded: a padded position is after every real
            # token of its row, so causal attention never lets a real token see it)
            subs.append((sub_js, mb.input_ids[sub_js, P:P + C - 1] if C > 1 else None))
        plan.append((torch.tensor([prompt], device=dev), subs))
    ids = [t for prompt, subs in plan for t in [prompt] + [c for _, c in subs if c is not None]]
    embeds = iter(decoder.get_input_embeddings()(torch.cat([t.reshape(-1) for t in ids]))
                  .split([t.numel() for t in ids]))
    parts, rows, tgt_cols = [], [], []
    for prompt, subs in plan:
        P = prompt.shape[1]
        out = decoder(inputs_embeds=next(embeds).view(1, P, -1), use_cache=True)
        first = out.last_hidden_state[0, -1:]                       # [1, H] predicts completion token 0
        prompt_kv = [(layer.keys, layer.values) for layer in cache_of(out).layers]
        for sub_js, comp in subs:
            if comp is not None:
                n, L = comp.shape
                cache = DynamicCache(config=decoder.config)
                for idx, (k, v) in enumerate(prompt_kv):
                    cache.update(k.repeat_interleave(n, 0), v.repeat_interleave(n, 0), idx)
                pos = torch.arange(P, P + L, device=dev).expand(n, -1)
                rest = decoder(inputs_embeds=next(embeds).view(n, L, -1), position_ids=pos, cache=cache,
                               use_cache=True).last_hidden_state
            for i, j in enumerate(sub_js):
                c = mb.completion_lens[j]
                if c == 0:
                    continue
                parts.append(first)
                if c > 1:
                    parts.append(rest[i, :c - 1])
                rows.extend([j] * c)
                tgt_cols.extend(range(c))
    if not parts:
        h = decoder.get_input_embeddings().weight
        return h.new_zeros((0, h.shape[1])), torch.zeros(0, dtype=torch.long, device=dev), \
            torch.zeros(0, dtype=torch.long, device=dev)
    r, k = (torch.tensor(v, dtype=torch.long, device=dev) for v in (rows, tgt_cols))
    return torch.cat(parts), r, k
