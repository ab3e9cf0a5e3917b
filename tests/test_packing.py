"""Packing documents into rows: hand-computed layouts, and no attention across documents."""

from __future__ import annotations

import math

import pytest
import torch

from longwriter_zero.data.packing import (IGNORE_INDEX as X, PackedCollator, PackedDataset, allowed_attention,
                                          block_causal_mask, pack_documents)
from longwriter_zero.trainer.causal_lm import summed_token_nll


def test_pack_boundary_at_row_end():
    p = pack_documents([[5, 6, 7], [8, 9]], seq_len=4, eos_id=2, pad_id=0)
    assert p.input_ids.tolist() == [[5, 6, 7, 2], [8, 9, 2, 0]]
    assert p.segment_ids.tolist() == [[0, 0, 0, 0], [0, 0, 0, 1]]
    assert p.position_ids.tolist() == [[0, 1, 2, 3], [0, 1, 2, 0]]
    assert p.labels.tolist() == [[X, 6, 7, 2], [X, 9, 2, X]]


def test_pack_boundary_inside_row_and_document_split_across_rows():
    p = pack_documents([[5, 6], [7, 8, 9]], seq_len=6, eos_id=2, pad_id=0)
    assert p.input_ids.tolist() == [[5, 6, 2, 7, 8, 9], [2, 0, 0, 0, 0, 0]]
    assert p.segment_ids.tolist() == [[0, 0, 0, 1, 1, 1], [0, 1, 1, 1, 1, 1]]
    assert p.position_ids.tolist() == [[0, 1, 2, 0, 1, 2], [0, 0, 1, 2, 3, 4]]
    # 7 starts a new document: the EOS of the previous one must not be trained to predict it
    assert p.labels.tolist() == [[X, 6, 2, X, 8, 9], [X, X, X, X, X, X]]


def test_allowed_attention_is_block_diagonal_causal():
    allowed = allowed_attention(torch.tensor([[0, 0, 1, 1, 1]]))[0].int().tolist()
    assert allowed == [[1, 0, 0, 0, 0],
                       [1, 1, 0, 0, 0],
                       [0, 0, 1, 0, 0],
                       [0, 0, 1, 1, 0],
                       [0, 0, 1, 1, 1]]
    mask = block_causal_mask(torch.tensor([[0, 1]]), torch.float32)
    assert mask.shape == (1, 1, 2, 2)
    assert mask[0, 0].tolist() == [[0.0, torch.finfo(torch.float32).min], [torch.finfo(torch.float32).min, 0.0]]


def test_summed_token_nll_hand_computed():
    logits = torch.zeros(1, 4, 4)                    # uniform over 4 tokens: each target costs ln 4
    labels = torch.tensor([[X, 1, X, 3]])            # targets at positions 1 and 3
    total, count = summed_token_nll(logits, labels)
    assert count == 2
    assert total.item() == pytest.approx(2 * math.log(4), abs=1e-6)


@pytest.mark.parametrize("impl", ["sdpa", "eager"])
def test_packed_document_sees_only_itself(tiny_model, impl):
    """Logits of a document packed after another equal those of the document alone; not without the mask."""
    model, tok = tiny_model
    model.config._attn_implementation = impl
    gen = torch.Generator().manual_seed(1)
    first = torch.randint(10, 40000, (23,), generator=gen).tolist()
    second = torch.randint(10, 40000, (17,), generator=gen).tolist()
    eos = tok.eos_token_id
    packed = pack_documents([first, second], seq_len=48, eos_id=eos, pad_id=eos)
    batch = PackedCollator(torch.float32)([PackedDataset(packed)[0]])
    batch.pop("labels")
    start = len(first) + 1
    alone_ids = torch.tensor([second + [eos]])
    with torch.no_grad():
        packed_logits = model(**batch).logits[0, start:start + len(second) + 1]
        alone_logits = model(input_ids=alone_ids).logits[0]
        unmasked = model(input_ids=batch["input_ids"]).logits[0, start:start + len(second) + 1]
        positions_only = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"],
                               attention_mask=block_causal_mask(torch.zeros(1, 48, dtype=torch.long))).logits[
            0, start:start + len(second) + 1]
    assert (packed_logits - alone_logits).abs().max().item() < 1e-5
    # the same check fails without the block-diagonal mask, with or without per-document positions
    assert (unmasked - alone_logits).abs().max().item() > 1e-3
    assert (positions_only - alone_logits).abs().max().item() > 1e-3
    # and the first document is unaffected by the padding behind the second
    with torch.no_grad():
        first_alone = model(input_ids=torch.tensor([first + [eos]])).logits[0]
        first_packed = model(**batch).logits[0, :start]
    assert (first_packed - first_alone).abs().max().item() < 1e-5
