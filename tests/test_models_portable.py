"""Saved checkpoints readable by transformers 4.56+ as well as 5, and by the whole team."""

from __future__ import annotations

import json
import os
import stat

import torch


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_saved_model_keeps_rope_theta_and_a_portable_tokenizer(tmp_path, tokenizer):
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    from longwriter_zero.models import save_model, tiny_config

    torch.manual_seed(0)
    cfg = tiny_config(len(tokenizer), rope_parameters={"rope_type": "default", "rope_theta": 100000.0})
    model = AutoModelForCausalLM.from_config(cfg).eval()
    old = os.umask(0o077)                  # a private umask must not make the checkpoint private
    try:
        save_model(model, tokenizer, tmp_path / "m")
    finally:
        os.umask(old)
    raw = json.loads((tmp_path / "m" / "config.json").read_text())
    assert raw["rope_theta"] == 100000.0                      # where transformers 4.x reads it
    assert raw["rope_parameters"]["rope_theta"] == 100000.0   # where transformers 5 reads it
    assert AutoConfig.from_pretrained(tmp_path / "m").rope_parameters["rope_theta"] == 100000.0
    tok_cfg = json.loads((tmp_path / "m" / "tokenizer_config.json").read_text())
    assert tok_cfg["tokenizer_class"] == "PreTrainedTokenizerFast"   # 4.x has no TokenizersBackend
    again = AutoTokenizer.from_pretrained(tmp_path / "m")
    text = "Hello world, 海"
    assert again(text)["input_ids"] == tokenizer(text)["input_ids"] and again.chat_template == tokenizer.chat_template
    loaded = AutoModelForCausalLM.from_pretrained(tmp_path / "m").eval()
    ids = torch.tensor([tokenizer(text)["input_ids"]])
    with torch.no_grad():
        assert torch.allclose(loaded(ids).logits, model(ids).logits, atol=1e-5)
    assert _mode(tmp_path / "m") == 0o755
    assert {f.name: _mode(f) for f in (tmp_path / "m").iterdir()} == {f.name: 0o644 for f in (tmp_path / "m").iterdir()}


def test_atomic_jsonl_and_text_files_are_team_readable(tmp_path):
    from longwriter_zero.evaluation.tables import write_text_atomic
    from longwriter_zero.jsonl import write_jsonl_atomic

    old = os.umask(0o022)
    try:
        write_jsonl_atomic(tmp_path / "a.jsonl", [{"x": 1}])
        write_text_atomic(tmp_path / "r.md", "# report\n")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a.jsonl") == 0o644 and _mode(tmp_path / "r.md") == 0o644
