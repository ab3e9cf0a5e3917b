"""``embedded-<N>l``: the embedded model cut to its first N decoder layers (a pretrained, cheap backbone)."""

from __future__ import annotations

import pytest
import torch

from longwriter_zero.errors import UserError
from longwriter_zero.models import load_model


def test_truncated_embedded_keeps_the_first_layers():
    full, tok = load_model("embedded")
    cut, cut_tok = load_model("embedded-2l")
    assert cut.config.num_hidden_layers == 2 and len(cut.model.layers) == 2
    assert cut_tok.get_vocab() == tok.get_vocab()
    full_state, cut_state = full.state_dict(), cut.state_dict()
    assert set(cut_state) == {k for k in full_state if not k.startswith("model.layers.")
                              or int(k.split(".")[2]) < 2}
    for key, value in cut_state.items():
        assert torch.equal(value, full_state[key]), key
    # the cut model's output is the full model's state after layer 2, through the final norm
    ids = tok("A short sentence to run through both models.", return_tensors="pt").input_ids
    with torch.no_grad():
        after_two = full(input_ids=ids, output_hidden_states=True).hidden_states[2]
        h_cut = cut.model(input_ids=ids).last_hidden_state
        assert torch.allclose(full.model.norm(after_two), h_cut, atol=1e-4)


def test_truncated_embedded_as_reward_model_backbone():
    from longwriter_zero.reward_model.model import build_classifier

    model, _ = build_classifier("embedded-2l", seed=0)
    assert model.config.num_labels == 1 and model.config.num_hidden_layers == 2
    with pytest.raises(UserError, match="embedded-0l"):
        load_model("embedded-0l")
