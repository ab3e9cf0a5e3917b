"""The packed Llama-family sampling copy computes the policy's own logits: prefill, decode with
finished rows dropped, after an update, for Llama (GQA, tied head), Qwen2 (q/k/v biases) and
Llama with attention biases (q/k/v/o)."""

import pytest
import torch

from longwriter_zero.rollout import packed_llama, prepacked
from longwriter_zero.rollout.sampling import HFDecode, sample_group

pytestmark = pytest.mark.skipif(not prepacked.available("cpu", torch.float32), reason="PyTorch built without oneDNN")


def _with_random_biases(model, names):
    """Biases start at zero: make the named attention projections' biases count."""
    with torch.no_grad():
        for layer in model.model.layers:
            for name in names:
                getattr(layer.self_attn, name).bias.normal_(0, 0.5)
    return model.eval()


def _qwen2(seed=0):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    cfg = Qwen2Config(vocab_size=300, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=1, max_position_embeddings=256,
                      tie_word_embeddings=False, rms_norm_eps=1e-6)
    return _with_random_biases(Qwen2ForCausalLM(cfg), ("q_proj", "k_proj", "v_proj"))


def _llama_with_biases(seed=0):
    from transformers import LlamaForCausalLM

    from longwriter_zero.models import tiny_config

    torch.manual_seed(seed)
    return _with_random_biases(LlamaForCausalLM(tiny_config(300, attention_bias=True)),
                               ("q_proj", "k_proj", "v_proj", "o_proj"))


def _teacher_forced(make_decoder, prompt, steps, keep_after=None, keep=None):
    """Logits from prefill, then from each step of ``steps`` [T, n] (rows dropped per ``keep``)."""
    dec = make_decoder()
    out = [dec.prefill(prompt, steps.shape[1]).clone()]
    rows = torch.arange(steps.shape[1])
    for t, tokens in enumerate(steps):
        if t == keep_after:
            dec.keep(keep)
            rows = rows[keep]
        out.append(dec.step(tokens[rows]).clone())
    return out


@pytest.mark.parametrize("arch", ["llama", "qwen2", "llama_bias"])
def test_decode_matches_the_model_forward(arch, tiny_model):
    model = {"llama": lambda: tiny_model[0].eval(), "qwen2": _qwen2, "llama_bias": _llama_with_biases}[arch]()
    assert packed_llama.supports(model)
    vocab = model.config.vocab_size
    prompt = torch.randint(5, vocab, (9,), generator=torch.Generator().manual_seed(1)).tolist()
    steps = torch.randint(5, vocab, (6, 4), generator=torch.Generator().manual_seed(2))
    keep = torch.tensor([0, 2, 3])
    packed = packed_llama.PackedLlama(model, batch_hint=4)
    ours = _teacher_forced(lambda: packed.start(9 + 6), prompt, steps, keep_after=3, keep=keep)
    ref = _teacher_forced(lambda: HFDecode(model, 9 + 6), prompt, steps, keep_after=3, keep=keep)
    assert [o.shape for o in ours] == [(4, vocab)] * 4 + [(3, vocab)] * 3
    for a, b in zip(ours, ref):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)
    # and against full forwards of the whole sequences (no cache at all), for the kept rows
    full = torch.cat([torch.tensor(prompt)[None].expand(3, -1), steps[:, keep].T], 1)
    with torch.no_grad():
        logits = model(input_ids=full).logits
    torch.testing.assert_close(ours[-1], logits[:, -1], atol=1e-4, rtol=1e-4)


def test_refresh_follows_an_update(tiny_model):
    model, _ = tiny_model
    packed = prepacked.sampling_copy(model, batch_hint=2)
    assert isinstance(packed, packed_llama.PackedLlama)
    ids = torch.randint(5, 1000, (2, 7), generator=torch.Generator().manual_seed(0))

    def last_logits():
        return packed.start(7).prefill(ids[0].tolist(), 1)

    with torch.no_grad():
        before = model(input_ids=ids[:1]).logits[:, -1]
    torch.testing.assert_close(last_logits(), before, atol=1e-5, rtol=1e-5)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    model(input_ids=ids).logits.square().mean().backward()
    opt.step()
    with torch.no_grad():
        after = model(input_ids=ids[:1]).logits[:, -1]
    assert (last_logits() - after).abs().max() > 1e-3          # stale until refreshed
    prepacked.refresh(packed, model)
    torch.testing.assert_close(last_logits(), after, atol=1e-5, rtol=1e-5)


def test_sample_group_draws_the_same_tokens_as_the_model(tiny_model):
    model, tok = tiny_model
    packed = prepacked.sampling_copy(model, batch_hint=4)
    prompt = tok("Write a short essay about rivers.", add_special_tokens=False).input_ids
    outs = [sample_group(m, prompt, 4, 12, temperature=0.8, eos_ids=[tok.eos_token_id],
                         generator=torch.Generator().manual_seed(5)) for m in (model, packed)]
    assert outs[0].completion_ids == outs[1].completion_ids
    assert outs[0].finish_reasons == outs[1].finish_reasons


def test_other_architectures_get_the_generic_copy(tiny_model):
    from transformers import MistralConfig, MistralForCausalLM

    sliding = MistralForCausalLM(MistralConfig(vocab_size=100, hidden_size=32, intermediate_size=64,
                                               num_hidden_layers=1, num_attention_heads=2,
                                               num_key_value_heads=1, sliding_window=16))
    assert not packed_llama.supports(sliding)
    assert not isinstance(prepacked.sampling_copy(sliding, 2), packed_llama.PackedLlama)
    model, _ = tiny_model
    model.config.hidden_act = "gelu"
    assert not packed_llama.supports(model)
    with pytest.raises(ValueError, match="not a supported"):
        packed_llama.PackedLlama(model)
