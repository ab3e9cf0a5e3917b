"""Group sampling: the sampler's distribution, the preallocated KV cache, EOS and the length cap."""

import torch

from longwriter_zero.rollout.sampling import cache_of, preallocated_cache, sample_group, sample_next


def _frequencies(logits, temperature, top_p, draws=40000):
    g = torch.Generator().manual_seed(0)
    tokens = sample_next(logits.expand(draws, -1), temperature, top_p, g)
    return torch.bincount(tokens, minlength=logits.shape[-1]).double() / draws


def test_sample_next_draws_the_softmax_distribution():
    logits = torch.tensor([[2.0, 1.0, 0.0, -1.0, -30.0]])
    want = torch.softmax(logits[0].double() / 0.8, -1)    # by hand: e^2.5, e^1.25, 1, e^-1.25 over their sum = [0.7183, 0.2058, 0.0590, 0.0169, ~0]
    freq = _frequencies(logits, 0.8, 1.0)
    assert abs(float(want[0]) - 0.7183) < 1e-4
    # 40,000 draws: standard error <= 0.0025 per entry; 4 sigma
    assert (freq - want).abs().max() < 0.01, (freq, want)
    assert freq[4] == 0


def test_sample_next_top_p_renormalises_the_nucleus():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    # top_p = 0.7: keep 0.5 (preceding mass 0) and 0.3 (preceding 0.5 < 0.7); drop 0.15 (preceding 0.8)
    freq = _frequencies(logits, 1.0, 0.7)
    assert freq[2] == 0 and freq[3] == 0
    assert abs(float(freq[0]) - 0.625) < 0.01 and abs(float(freq[1]) - 0.375) < 0.01


def test_sample_next_greedy_and_rows_independent():
    logits = torch.tensor([[0.0, 5.0, 1.0], [9.0, 0.0, 0.0]])
    assert sample_next(logits, 0.0, 1.0).tolist() == [1, 0]
    freq0 = _frequencies(logits[:1], 1.0, 1.0, 20000)
    assert abs(float(freq0[1]) - float(torch.softmax(logits[0], -1)[1])) < 0.015


def test_preallocated_cache_decodes_like_the_model_own_cache(tiny_model):
    model, _ = tiny_model
    prompt = torch.randint(5, 1000, (1, 7), generator=torch.Generator().manual_seed(3))
    steps = torch.randint(5, 1000, (6, 3), generator=torch.Generator().manual_seed(4))
    outs = []
    for use_prealloc in (False, True):
        kw = {"cache": preallocated_cache(model, capacity=7 + 6)} if use_prealloc else {}
        with torch.no_grad():
            out = model(input_ids=prompt, use_cache=True, **kw)
            cache = cache_of(out)
            cache.batch_repeat_interleave(3)
            logits = []
            for t in range(6):
                if t == 3:
                    cache.batch_select_indices(torch.tensor([0, 2]))    # a sequence finished
                ids = steps[t:t + 1, :3].T if t < 3 else steps[t:t + 1, [0, 2]].T
                out = model(input_ids=ids, cache=cache, use_cache=True)
                logits.append(out.logits[:, -1])
        outs.append(logits)
    for a, b in zip(*outs):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=1e-5)


def test_sample_group_stops_at_eos_and_at_the_cap(tiny_model):
    model, tok = tiny_model
    prompt = tok("Write a short poem about rivers.", add_special_tokens=False).input_ids
    g = sample_group(model, prompt, 6, 12, temperature=1.0, eos_ids=[], generator=torch.Generator().manual_seed(0))
    assert [len(c) for c in g.completion_ids] == [12] * 6 and g.finish_reasons == ["length"] * 6
    # make one frequent token an EOS: every sequence that emits it ends right there, marked "stop"
    first = g.completion_ids[0][0]
    g2 = sample_group(model, prompt, 6, 12, temperature=1.0, eos_ids=[first],
                      generator=torch.Generator().manual_seed(0))
    for ids, reason in zip(g2.completion_ids, g2.finish_reasons):
        if first in ids:
            assert ids.index(first) == len(ids) - 1 and reason == "stop"
        else:
            assert len(ids) == 12 and reason == "length"
    assert g2.finish_reasons[0] == "stop" and len(g2.completion_ids[0]) == 1
