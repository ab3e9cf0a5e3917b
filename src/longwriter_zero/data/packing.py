"""Packing documents into fixed-length causal-LM sequences, with document boundaries kept.

Documents (token lists) each get an EOS appended and are concatenated into one stream, which
is cut into rows of ``seq_len`` tokens (a document longer than what is left of a row carries on
in the next row). The last row is padded. Inside a row every document piece is a *segment*:

- ``position_ids`` restart at 0 at each segment, so a packed document sees the same rotary
  positions as the document fed alone;
- ``block_causal_mask`` lets a token attend only to earlier tokens of its own segment
  (a block-diagonal causal mask), so no token sees another document;
- the first token of a segment gets label -100: it would otherwise be predicted from the end
  of the previous document. Padding gets -100 too, and is a segment of its own so that every
  row of the mask has an allowed entry (a fully blocked softmax row gives NaN).

The mask is an additive float mask ``[B, 1, L, L]`` (0 where allowed, the dtype's minimum
elsewhere): transformers passes a 4D ``attention_mask`` through unchanged to both the eager and
the SDPA attention, and the eager one adds it to the scores (a boolean mask would be added as
0/1 there, so it is not used). Memory is ``B * L * L`` floats per batch: 64 MiB at B=4, L=2048.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

IGNORE_INDEX = -100


@dataclass
class PackedSequences:
    input_ids: torch.Tensor     # [N, L] int64: documents with EOS after each, last row padded
    position_ids: torch.Tensor  # [N, L] int64: position inside the segment, restarting at 0
    segment_ids: torch.Tensor   # [N, L] int64: segment number inside the row (0, 1, ...); padding is its own
    labels: torch.Tensor        # [N, L] int64: input_ids, with -100 on padding and on each segment's first token

    def __len__(self) -> int:
        return self.input_ids.shape[0]


def pack_documents(docs: Sequence[Sequence[int]], seq_len: int, eos_id: int, pad_id: int) -> PackedSequences:
    """Concatenate ``doc + [eos]`` for every document and cut the stream into rows of ``seq_len``."""
    if seq_len < 2:
        raise ValueError("seq_len must be at least 2")
    stream: list[int] = []
    doc_of_token: list[int] = []
    for d, doc in enumerate(docs):
        stream.extend(doc)
        stream.append(eos_id)
        doc_of_token.extend([d] * (len(doc) + 1))
    if not stream:
        raise ValueError("no tokens to pack")
    rows = -(-len(stream) // seq_len)
    pad = rows * seq_len - len(stream)
    ids = torch.tensor(stream + [pad_id] * pad, dtype=torch.long).view(rows, seq_len)
    # padding belongs to a pseudo-document of its own (-1), so it never shares a segment with text
    docs_t = torch.tensor(doc_of_token + [-1] * pad, dtype=torch.long).view(rows, seq_len)

    starts = torch.ones_like(docs_t, dtype=torch.bool)
    starts[:, 1:] = docs_t[:, 1:] != docs_t[:, :-1]
    segment_ids = starts.long().cumsum(dim=1) - 1
    index = torch.arange(seq_len).expand(rows, seq_len)
    seg_start = torch.where(starts, index, torch.zeros_like(index)).cummax(dim=1).values
    position_ids = index - seg_start

    labels = ids.clone()
    labels[starts] = IGNORE_INDEX
    labels[docs_t < 0] = IGNORE_INDEX
    return PackedSequences(input_ids=ids, position_ids=position_ids, segment_ids=segment_ids, labels=labels)


def allowed_attention(segment_ids: torch.Tensor) -> torch.Tensor:
    """``[B, L]`` segment ids -> ``[B, L, L]`` bool: query i may attend key j (same segment, j <= i)."""
    length = segment_ids.shape[-1]
    same = segment_ids[:, :, None] == segment_ids[:, None, :]
    causal = torch.ones(length, length, dtype=torch.bool, device=segment_ids.device).tril()
    return same & causal


def block_causal_mask(segment_ids: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """``[B, L]`` segment ids -> additive ``[B, 1, L, L]`` mask: 0 where allowed, dtype min elsewhere."""
    allowed = allowed_attention(segment_ids)[:, None]
    blocked = torch.tensor(torch.finfo(dtype).min, dtype=dtype, device=segment_ids.device)
    return torch.where(allowed, torch.zeros((), dtype=dtype, device=segment_ids.device), blocked)


class PackedDataset(torch.utils.data.Dataset):
    """Rows of a :class:`PackedSequences` as dicts of ``[L]`` tensors."""

    def __init__(self, packed: PackedSequences):
        self.packed = packed

    def __len__(self) -> int:
        return len(self.packed)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        p = self.packed
        return {"input_ids": p.input_ids[i], "position_ids": p.position_ids[i],
                "segment_ids": p.segment_ids[i], "labels": p.labels[i]}


@dataclass
class PackedCollator:
    """Stacks packed rows and turns their segment ids into the block-diagonal causal mask."""

    mask_dtype: torch.dtype = torch.float32  # the model's dtype (SDPA wants the mask in the query dtype)

    def __call__(self, rows: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
        segment_ids = torch.stack([r["segment_ids"] for r in rows])
        return {"input_ids": torch.stack([r["input_ids"] for r in rows]),
                "position_ids": torch.stack([r["position_ids"] for r in rows]),
                "labels": torch.stack([r["labels"] for r in rows]),
                "attention_mask": block_causal_mask(segment_ids, self.mask_dtype)}
