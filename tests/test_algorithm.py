"""GRPO math: hand-computed cases and equivalence with plain-loop references."""

import math

import pytest
import torch

from longwriter_zero.algorithm.advantages import (balanced_advantages, compute_advantages, group_normalize,
                                                  sum_then_normalize_advantages)
from longwriter_zero.algorithm.batching import length_groups, token_budget_batches
from longwriter_zero.algorithm.logprobs import chunked_logprobs, naive_logprobs
from longwriter_zero.algorithm.loss import aggregate, batch_normalizer, clipped_objective, kl_k3


def test_group_normalize_hand_computed():
    # group [1, 3]: mean 2, population std 1 -> [-1, 1]; group [0, 0]: flat -> [0, 0]
    adv = group_normalize(torch.tensor([1.0, 3.0, 0.0, 0.0]), group_size=2, eps=0.0)
    assert adv.tolist() == [-1.0, 1.0, 0.0, 0.0]


def test_flat_group_gives_zero_not_nan():
    adv = group_normalize(torch.tensor([0.1, 0.1, 0.1, 0.7, 0.7, 0.7]), group_size=3)
    assert torch.equal(adv, torch.zeros(6))
    assert not torch.isnan(adv).any()


def test_balanced_equals_average_of_per_reward_advantages():
    # reward A: [0, 1] -> [-1, 1]; reward B (scale 100): [100, 0] -> [1, -1]. Balanced: [0, 0].
    r = torch.tensor([[0.0, 1.0], [100.0, 0.0]])
    adv = balanced_advantages(r, torch.tensor([1.0, 1.0]), group_size=2, eps=0.0)
    assert torch.allclose(adv, torch.tensor([0.0, 0.0]))
    # the naive sum lets the large-scale reward dominate: sum [100, 1] -> [1, -1]
    naive = sum_then_normalize_advantages(r, torch.tensor([1.0, 1.0]), group_size=2, eps=0.0)
    assert torch.allclose(naive, torch.tensor([1.0, -1.0]))


def test_balanced_weights_and_monitor_reward():
    # weight 0 makes the second reward a monitor: advantage is the first reward's alone
    r = torch.tensor([[0.0, 2.0, 4.0], [5.0, 1.0, 0.0]])
    adv = compute_advantages("balanced", r, torch.tensor([1.0, 0.0]), group_size=3, eps=0.0)
    s = math.sqrt(8 / 3)
    assert torch.allclose(adv, torch.tensor([-2 / s, 0.0, 2 / s]), atol=1e-6)


def test_balanced_matches_plain_loop():
    torch.manual_seed(0)
    K, B, G, eps = 3, 4, 5, 1e-6
    r = torch.rand(K, B * G)
    r[1, :G] = 0.5  # one flat group for one reward
    w = torch.tensor([1.0, 2.0, 0.5])
    expected = []
    for i in range(B * G):
        g = i // G
        total = 0.0
        for k in range(K):
            vals = [float(r[k, g * G + j]) for j in range(G)]
            mean = sum(vals) / G
            std = math.sqrt(sum((v - mean) ** 2 for v in vals) / G)
            a = 0.0 if std < 1e-8 else (float(r[k, i]) - mean) / (std + eps)
            total += float(w[k]) * a
        expected.append(total / float(w.sum()))
    got = balanced_advantages(r, w, G, eps)
    assert torch.allclose(got, torch.tensor(expected), atol=1e-5)


def test_clipped_objective_hand_computed():
    logp = torch.log(torch.tensor([[1.5, 0.5, 1.1]]))   # ratios 1.5, 0.5, 1.1 (old = 0)
    old = torch.zeros(1, 3)
    # A = +1: min(ρ, clip(ρ, 0.8, 1.2)) = [1.2, 0.5, 1.1]
    loss, clipped = clipped_objective(logp, old, torch.tensor([1.0]), 0.2, 0.2)
    assert torch.allclose(loss, -torch.tensor([[1.2, 0.5, 1.1]]))
    assert clipped.tolist() == [[True, False, False]]
    # A = -1: min(-ρ, -clip) = [-1.5, -0.8, -1.1]
    loss, clipped = clipped_objective(logp, old, torch.tensor([-1.0]), 0.2, 0.2)
    assert torch.allclose(loss, torch.tensor([[1.5, 0.8, 1.1]]))
    assert clipped.tolist() == [[False, True, False]]
    # asymmetric clip-higher: eps_high 0.28 lets ratio 1.25 through unclipped
    loss, _ = clipped_objective(torch.log(torch.tensor([[1.25]])), torch.zeros(1, 1), torch.tensor([1.0]), 0.2, 0.28)
    assert torch.allclose(loss, torch.tensor([[-1.25]]))


def test_clip_gradient_is_zero_when_clipped():
    logp = torch.log(torch.tensor([[1.5, 1.0]])).requires_grad_()
    loss, _ = clipped_objective(logp, torch.zeros(1, 2), torch.tensor([1.0]), 0.2, 0.2)
    loss.sum().backward()
    assert logp.grad.tolist()[0][0] == 0.0
    assert logp.grad.tolist()[0][1] == pytest.approx(-1.0)


def test_kl_k3_hand_computed():
    logp = torch.tensor([[0.0, math.log(0.5)]])
    ref = torch.tensor([[0.0, 0.0]])
    # d = ref - logp = [0, ln 2]: exp(d) - d - 1 = [0, 2 - ln2 - 1]
    assert torch.allclose(kl_k3(logp, ref), torch.tensor([[0.0, 1 - math.log(2)]]))


def test_aggregation_modes_hand_computed():
    per_token = torch.tensor([[1.0, 2.0, 3.0], [4.0, 0.0, 0.0]])
    mask = torch.tensor([[1, 1, 1], [1, 0, 0]])
    # token_mean: (1+2+3+4)/4 = 2.5 ; seq_mean: (2 + 4)/2 = 3
    assert aggregate(per_token, mask, "token_mean", batch_normalizer("token_mean", [3, 1])).item() == 2.5
    assert aggregate(per_token, mask, "seq_mean", batch_normalizer("seq_mean", [3, 1])).item() == 3.0


def test_aggregation_over_micro_batches_equals_one_batch():
    torch.manual_seed(1)
    per_token = torch.rand(5, 7)
    mask = (torch.rand(5, 7) > 0.3).long()
    lengths = mask.sum(1).tolist()
    for mode in ("token_mean", "seq_mean"):
        norm = batch_normalizer(mode, lengths)
        whole = aggregate(per_token, mask, mode, norm)
        parts = aggregate(per_token[:2], mask[:2], mode, norm) + aggregate(per_token[2:], mask[2:], mode, norm)
        assert torch.allclose(whole, parts)


def test_chunked_logprobs_equal_naive_values_and_gradients():
    torch.manual_seed(0)
    M, H, V = 37, 16, 101
    h1 = torch.randn(M, H, requires_grad=True)
    w1 = torch.randn(V, H, requires_grad=True)
    t = torch.randint(0, V, (M,))
    h2 = h1.detach().clone().requires_grad_()
    w2 = w1.detach().clone().requires_grad_()
    lp, ent = chunked_logprobs(h1, w1, t, chunk=8, temperature=0.7, with_entropy=True)
    ref = naive_logprobs(h2, w2, t, temperature=0.7)
    assert torch.allclose(lp, ref, atol=1e-5)
    # plain-loop entropy reference
    logits = (h2.detach() @ w2.detach().T) / 0.7
    p = torch.softmax(logits, -1)
    assert torch.allclose(ent, -(p * torch.log(p)).sum(-1), atol=1e-4)
    (lp * torch.arange(M)).sum().backward()
    (ref * torch.arange(M)).sum().backward()
    assert torch.allclose(h1.grad, h2.grad, atol=1e-4)
    assert torch.allclose(w1.grad, w2.grad, atol=1e-4)


def test_kept_probabilities_give_the_recomputed_gradients():
    torch.manual_seed(1)
    M, H, V = 29, 8, 53
    h = torch.randn(M, H)
    w = torch.randn(V, H)
    t = torch.randint(0, V, (M,))
    out = []
    for keep in (0, M * V * 4):          # recompute in the backward / keep [M, V] from the forward
        h1, w1 = h.clone().requires_grad_(), w.clone().requires_grad_()
        lp, ent = chunked_logprobs(h1, w1, t, chunk=7, temperature=0.9, with_entropy=True, keep_bytes=keep)
        (lp * torch.linspace(-1, 2, M)).sum().backward()
        out.append((lp.detach(), ent, h1.grad, w1.grad))
    for a, b in zip(*out):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=1e-5)
    # one byte short of M x V floats: falls back to recomputing, so a second backward still works
    h1, w1 = h.clone().requires_grad_(), w.clone().requires_grad_()
    lp, _ = chunked_logprobs(h1, w1, t, chunk=7, keep_bytes=M * V * 4 - 1)
    lp.sum().backward(retain_graph=True)
    lp.sum().backward()
    # kept: the probabilities are consumed by the first backward, and a second one says so
    lp, _ = chunked_logprobs(h1, w1, t, chunk=7, keep_bytes=M * V * 4)
    lp.sum().backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="keep_bytes=0"):
        lp.sum().backward()


def test_logprob_plain_loop_reference():
    torch.manual_seed(2)
    h, w, t = torch.randn(5, 4), torch.randn(9, 4), torch.randint(0, 9, (5,))
    lp, _ = chunked_logprobs(h, w, t, chunk=2)
    for i in range(5):
        logits = [float(w[v] @ h[i]) for v in range(9)]
        z = math.log(sum(math.exp(x) for x in logits))
        assert lp[i].item() == pytest.approx(logits[int(t[i])] - z, abs=1e-5)


def test_token_budget_batches():
    lengths = [10, 3, 7, 3, 12]
    batches = token_budget_batches(lengths, token_budget=14)
    # sorted: 3(1), 3(3), 7(2), 10(0), 12(4); [1,3] -> 2*3=6; adding 7 -> 3*7=21 > 14
    assert batches == [[1, 3], [2], [0], [4]]
    assert sorted(i for b in batches for i in b) == list(range(5))
    for b in batches:
        assert len(b) == 1 or len(b) * max(lengths[i] for i in b) <= 14


def test_length_groups_bound_the_padding():
    # sorted: 160(0) 160(1) 150(2) 120(3) 100(4) 60(5) 40(6) 20(7); 0.8 x 160 = 128 -> {0,1,2};
    # 0.8 x 120 = 96 -> {3,4}; 0.8 x 60 = 48 -> {5}; 0.8 x 40 = 32 -> {6}; {7}
    assert length_groups([160, 160, 150, 120, 100, 60, 40, 20]) == [[0, 1, 2], [3, 4], [5], [6], [7]]
    assert length_groups([5, 9, 5, 9], min_fill=0.5) == [[1, 3, 0, 2]]
    assert length_groups([]) == []
    lengths = [3, 17, 8, 8, 30, 1, 29, 12]
    for g in length_groups(lengths):
        assert min(lengths[i] for i in g) >= 0.8 * max(lengths[i] for i in g)
    assert sorted(i for g in length_groups(lengths) for i in g) == list(range(len(lengths)))


def test_chunked_logprobs_bias_and_frozen_head():
    torch.manual_seed(3)
    M, H, V = 11, 6, 23
    h1 = torch.randn(M, H, requires_grad=True)
    w, b1 = torch.randn(V, H), torch.randn(V, requires_grad=True)
    t = torch.randint(0, V, (M,))
    h2, b2 = h1.detach().clone().requires_grad_(), b1.detach().clone().requires_grad_()
    lp, _ = chunked_logprobs(h1, w, t, chunk=4, bias=b1)
    ref = naive_logprobs(h2, w, t, bias=b2)
    assert torch.allclose(lp, ref, atol=1e-5)
    g = torch.randn(M)
    (lp * g).sum().backward()
    (ref * g).sum().backward()
    assert torch.allclose(h1.grad, h2.grad, atol=1e-5) and torch.allclose(b1.grad, b2.grad, atol=1e-5)
