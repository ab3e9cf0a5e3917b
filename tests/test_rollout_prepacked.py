"""The prepacked sampling copy computes the policy's own logits, before and after an update."""

import pytest
import torch

from longwriter_zero.rollout import prepacked
from longwriter_zero.rollout.sampling import cache_of

pytestmark = pytest.mark.skipif(not prepacked.available("cpu", torch.float32), reason="PyTorch built without oneDNN")


def _logits(model, ids, **kw):
    with torch.no_grad():
        return model(input_ids=ids, **kw).logits


def test_copy_matches_and_refresh_follows_an_update(tiny_model):
    model, _ = tiny_model
    packed = prepacked.prepacked_copy(model, batch_hint=4)
    assert not any(isinstance(m, torch.nn.Linear) for m in packed.modules())
    assert any(isinstance(m, torch.nn.Linear) for m in model.modules())
    ids = torch.randint(5, 1000, (3, 9), generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(_logits(packed, ids), _logits(model, ids), atol=1e-5, rtol=1e-5)

    # one optimizer step on the policy: the copy is stale until refreshed
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    model(input_ids=ids).logits.square().mean().backward()
    opt.step()
    assert (_logits(packed, ids) - _logits(model, ids)).abs().max() > 1e-3
    prepacked.refresh(packed, model)
    torch.testing.assert_close(_logits(packed, ids), _logits(model, ids), atol=1e-5, rtol=1e-5)


def test_copy_decodes_with_a_kv_cache_like_the_policy(tiny_model):
    """Prefill once, repeat the cache for 4 rows, decode: the path ``sample_group`` takes."""
    model, _ = tiny_model
    packed = prepacked.prepacked_copy(model, batch_hint=4)
    prompt = torch.randint(5, 1000, (1, 6), generator=torch.Generator().manual_seed(1))
    step = torch.randint(5, 1000, (4, 1), generator=torch.Generator().manual_seed(2))
    outs = []
    for m in (model, packed):
        with torch.no_grad():
            out = m(input_ids=prompt, use_cache=True)
            cache = cache_of(out)
            cache.batch_repeat_interleave(4)
            outs.append(m(input_ids=step, cache=cache, use_cache=True).logits)
    torch.testing.assert_close(outs[1], outs[0], atol=1e-5, rtol=1e-5)


def test_not_used_off_cpu_or_below_float32():
    assert not prepacked.available("cpu", torch.bfloat16)
    assert not prepacked.available("cuda", torch.float32)
