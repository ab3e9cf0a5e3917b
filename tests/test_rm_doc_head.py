"""The writing reward model's document-level redundancy term (``reward_model.DocHead``)."""

from __future__ import annotations

import json
import math

import pytest
import torch

from longwriter_zero.errors import UserError
from longwriter_zero.jsonl import iter_jsonl
from longwriter_zero.reward_model.pairs import build_pairs, check_pair_row, split_by_group
from longwriter_zero.reward_model.model import (DOC_HEAD_FILE, DocHead, EncodedText, RewardModel,
                                                  build_classifier, earlier_max_similarity,
                                                  redundancy_features, segment_means, sentence_segments,
                                                  train_reward_model)
from longwriter_zero.reward_model.recipe import honest_answers_path


# ----------------------------------------------------------------------------- pure functions


def test_sentence_segments_hand_computed():
    # breaks after tokens 3, 5 and 12; segments need 3 tokens, so the 2-token sentence (3, 4) runs on
    assert sentence_segments([3, 5, 12], 14, min_tokens=3) == [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2]
    assert sentence_segments([2, 4], 4, min_tokens=1) == [0, 0, 1, 1]      # a break at the end opens nothing
    assert sentence_segments([], 3) == [0, 0, 0]
    assert sentence_segments([1], 0) == []


def test_segment_means_hand_computed():
    hidden = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    out = segment_means(hidden, torch.tensor([0, 0, 1]))
    assert out.tolist() == [[2.0, 3.0], [5.0, 6.0]]


def test_earlier_max_similarity_hand_computed():
    # mean (2/3, 1/3); centred rows (1/3, -1/3), (-2/3, 2/3), (1/3, -1/3): directions a, -a, a
    emb = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    assert earlier_max_similarity(emb).tolist() == pytest.approx([-1.0, 1.0], abs=1e-6)
    # four rows: centred (1,0,0), (0,1,0), (-1,0,0), (0,-1,0) after subtracting the mean (1, 1, 0)
    emb = torch.tensor([[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    assert earlier_max_similarity(emb).tolist() == pytest.approx([0.0, 0.0, 0.0], abs=1e-6)
    assert earlier_max_similarity(torch.ones(1, 3)).numel() == 0


def test_redundancy_features_hand_computed():
    f = redundancy_features(torch.tensor([-1.0, 1.0]), 0.0, 10.0)
    assert f.tolist() == pytest.approx([0.0, (1 / (1 + math.exp(10)) + 1 / (1 + math.exp(-10))) / 2])
    assert redundancy_features(torch.tensor([0.5]), 0.5, 10.0).tolist() == pytest.approx([0.5, 0.5])
    assert redundancy_features(torch.zeros(0), 0.7, 10.0).tolist() == [0.0, 0.0]


def test_doc_head_is_weight_times_features():
    head = DocHead(tau=0.0, sharpness=10.0)
    with torch.no_grad():
        head.weight.copy_(torch.tensor([2.0, -4.0]))
    emb = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])          # m = (-1, 1): features (0, 0.5)
    assert float(head(emb).detach()) == pytest.approx(2.0 * 0.0 - 4.0 * 0.5, abs=1e-4)


# ----------------------------------------------------------------------------- model


def test_encode_gives_each_response_token_a_segment():
    model, tok = build_classifier("tiny-random", seed=0)
    rm = RewardModel(model, tok, max_length=48, pooling="mean_last", doc_head=DocHead())
    text = "The harbour opens at six. Boats leave before dawn and come back at noon. " * 6
    enc = rm.encode("Describe the harbour.", text)
    assert len(enc.windows) > 1
    assert [len(s) for s in enc.segments] == enc.weights
    flat = [s for w in enc.segments for s in w]
    assert flat == sorted(flat) and flat[0] == 0 and flat[-1] >= 6     # segments run on across windows


def test_doc_head_needs_mean_last_pooling():
    model, tok = build_classifier("tiny-random", seed=0)
    with pytest.raises(UserError, match="mean_last"):
        RewardModel(model, tok, pooling="last", doc_head=DocHead())


def test_save_load_round_trip(tmp_path):
    model, tok = build_classifier("tiny-random", seed=0)
    head = DocHead(tau=0.4)
    with torch.no_grad():
        head.weight.copy_(torch.tensor([-3.0, 1.5]))
    rm = RewardModel(model, tok, max_length=64, pooling="mean_last", doc_head=head)
    texts = ["One sentence here. Another one there. One sentence here.", "A short answer."]
    before = rm.score(["Write."] * 2, texts).scores
    rm.save(tmp_path / "rm", {"backbone": "tiny-random"})
    meta = json.loads((tmp_path / "rm" / "reward_model.json").read_text())
    assert meta["doc_head"]["tau"] == pytest.approx(0.4) and meta["doc_head"]["weight"] == [-3.0, 1.5]
    loaded = RewardModel.load(str(tmp_path / "rm"))
    assert loaded.doc_head is not None and float(loaded.doc_head.tau.detach()) == pytest.approx(0.4)
    assert loaded.score(["Write."] * 2, texts).scores == pytest.approx(before, abs=1e-5)
    (tmp_path / "rm" / DOC_HEAD_FILE).unlink()
    with pytest.raises(UserError, match=DOC_HEAD_FILE):
        RewardModel.load(str(tmp_path / "rm"))


def _doubled(enc: EncodedText) -> EncodedText:
    """The answer followed by an exact copy of itself in a second window (every window of the
    copy is a window of the honest answer, so a mean of window scores cannot tell them apart)."""
    n = max(enc.segments[0]) + 1
    return EncodedText(enc.windows * 2, enc.weights * 2, False, [enc.segments[0], [s + n for s in enc.segments[0]]])


def test_document_term_sees_a_copy_in_another_window_where_windows_alone_cannot(tmp_path, one_thread):
    """Trained on verbatim-duplicate pairs, the model with the document-level term (its weights
    starting at 0, so any preference is learnt) ranks each held-out answer above the answer plus
    a copy of itself in a second window; the same recipe without the term scores the two exactly
    alike (the windows are the same), so it cannot."""
    rows = [(f"a:{n}", r) for n, r in iter_jsonl(honest_answers_path())][:24]
    pairs = [check_pair_row(r, f"p:{i}") for i, r in
             enumerate(build_pairs(rows, seed=0, damages=["duplicate"], copies=2, ties=1))]
    train, held = split_by_group(pairs, 0.25, seed=0)
    answers = sorted({(p.prompt, p.chosen) for p in held if not p.tie})[:8]
    results = {}
    for doc_head in (False, True):
        out = tmp_path / f"rm{doc_head}"
        train_reward_model(train, "tiny-random", str(out), epochs=2, lr=3e-4, eval_fraction=0.0, max_length=512,
                           progress=False, pooling="mean_last", doc_head=doc_head, doc_init=0.0, train_accuracy=False)
        rm = RewardModel.load(str(out))
        assert (rm.doc_head is not None) == doc_head
        with torch.no_grad():
            honest = [rm.encode(p, a) for p, a in answers]
            assert all(len(e.windows) == 1 for e in honest)
            h = rm.score_encoded(honest)
            c = rm.score_encoded([_doubled(e) for e in honest])
        results[doc_head] = (h, c)
    h, c = results[False]
    assert torch.allclose(h, c, atol=1e-5)                           # windowed only: no preference at all
    h, c = results[True]
    assert (h > c).float().mean() >= 0.9, (h, c)                     # with the term: honest above its copy
