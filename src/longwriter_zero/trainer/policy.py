"""Log-probs of completion tokens under the policy, without full-vocabulary logits.

The decoder runs once over ``prompt + completion``; only the hidden states that predict
completion tokens go through the LM head, in chunks (``algorithm.logprobs``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from longwriter_zero.algorithm.logprobs import chunked_logprobs


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
                        with_entropy: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """-> (log-probs [N, C], entropy [N, C]); zeros where ``completion_mask`` is 0."""
    decoder, head = _decoder_and_head(model)
    hidden = decoder(input_ids=mb.input_ids, attention_mask=mb.attention_mask, use_cache=False).last_hidden_state
    # hidden state at position t predicts token t+1: completion token k of row j sits at
    # P_j + k and is predicted from P_j + k - 1.
    rows, cols, tgt_rows, tgt_cols = [], [], [], []
    for j, (p, c) in enumerate(zip(mb.prompt_lens, mb.completion_lens)):
        rows.extend([j] * c)
        cols.extend(range(p - 1, p - 1 + c))
        tgt_cols.extend(range(c))
    r = torch.tensor(rows, dtype=torch.long, device=hidden.device)
    t = torch.tensor(cols, dtype=torch.long, device=hidden.device)
    k = torch.tensor(tgt_cols, dtype=torch.long, device=hidden.device)
    selected = hidden[r, t]                          # [M, H]
    targets = mb.input_ids[r, t + 1]                 # [M]
    lp, ent = chunked_logprobs(selected, head.weight, targets, chunk=chunk, temperature=temperature,
                               bias=getattr(head, "bias", None), with_entropy=with_entropy)
    N, C = mb.completion_mask.shape
    logp = torch.zeros((N, C), dtype=lp.dtype, device=lp.device).index_put((r, k), lp)
    entropy = torch.zeros((N, C), dtype=ent.dtype, device=ent.device).index_put((r, k), ent)
    return logp, entropy
