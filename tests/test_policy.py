"""Completion log-probs of the policy: the shared-prompt path equals running every full row."""

import pytest
import torch

from longwriter_zero.trainer.policy import completion_logprobs, make_micro_batch


def _batch(tok):
    g = torch.Generator().manual_seed(0)
    prompts = [torch.randint(5, 1000, (7,), generator=g).tolist(), torch.randint(5, 1000, (4,), generator=g).tolist()]
    lens = [5, 1, 3, 5, 2]          # a one-token completion, unequal lengths within a group
    prompt_ids = [prompts[0], prompts[0], prompts[0], prompts[1], prompts[1]]
    completion_ids = [torch.randint(5, 1000, (n,), generator=g).tolist() for n in lens]
    return make_micro_batch(prompt_ids, completion_ids, list(range(5)), tok.pad_token_id, "cpu")


@pytest.mark.parametrize("temperature", [1.0, 0.8])
def test_shared_prompt_equals_full_rows_values_and_gradients(tiny_model, temperature):
    model, tok = tiny_model
    mb = _batch(tok)
    weights = torch.linspace(-1, 1, mb.completion_mask.numel()).view_as(mb.completion_mask)
    results = []
    for share in (False, True):
        model.zero_grad(set_to_none=True)
        lp, ent = completion_logprobs(model, mb, temperature, chunk=3, with_entropy=True, share_prompt=share)
        (lp * weights * mb.completion_mask).sum().backward()
        grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
        results.append((lp.detach(), ent, grads))
    (lp_a, ent_a, g_a), (lp_b, ent_b, g_b) = results
    assert (lp_a[mb.completion_mask == 0] == 0).all() and (lp_b[mb.completion_mask == 0] == 0).all()
    torch.testing.assert_close(lp_b, lp_a, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(ent_b, ent_a, atol=1e-5, rtol=1e-5)
    assert g_a.keys() == g_b.keys() and len(g_a) > 10
    for name in g_a:
        torch.testing.assert_close(g_b[name], g_a[name], atol=1e-5, rtol=1e-4, msg=name)


def test_log_probs_are_those_of_the_full_logits(tiny_model):
    """Plain reference: log_softmax of the model's own logits at each completion position."""
    model, tok = tiny_model
    mb = _batch(tok)
    lp, _ = completion_logprobs(model, mb, 1.0, share_prompt=True)
    with torch.no_grad():
        for j, (p, c) in enumerate(zip(mb.prompt_lens, mb.completion_lens)):
            ids = mb.input_ids[j:j + 1, :p + c]
            logits = model(input_ids=ids).logits[0].float()
            for k in range(c):
                want = torch.log_softmax(logits[p + k - 1], -1)[ids[0, p + k]]
                assert abs(float(lp[j, k]) - float(want)) < 1e-4
