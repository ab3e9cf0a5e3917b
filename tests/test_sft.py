"""SFT: response formatting rules, prompt tokens out of the loss, learning, reload and generate."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml

from longwriter_zero import cli
from longwriter_zero.config import build
from longwriter_zero.data.packing import IGNORE_INDEX as X
from longwriter_zero.data.writing_samples import format_response, load_writing_samples
from longwriter_zero.errors import UserError
from longwriter_zero.trainer.causal_lm import summed_token_nll
from longwriter_zero.trainer.sft import SFTCollator, SFTConfig, sft, sft_example, tokenize_samples

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "src" / "longwriter_zero" / "assets" / "writing_samples_tiny.jsonl"


@pytest.fixture()
def restore_threads():
    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)


def tiny_raw(out: Path, **top) -> dict:
    raw = {"model": {"name": "tiny-random"}, "data": {"train": str(SAMPLES), "heldout_fraction": 0.25,
                                                      "max_seq_len": 200},
           "prompt": {"template": "think"},
           "optim": {"lr": 2.0e-2, "batch_size": 2, "eval_batch_size": 6, "scheduler": "constant"},
           "steps": 10, "seed": 0, "output_dir": str(out), "threads": 1}
    raw.update(top)
    return raw


def test_sft_example_hand_computed():
    row = sft_example([1, 2, 3], [4, 5, 2], max_len=10)
    assert row["input_ids"].tolist() == [1, 2, 3, 4, 5, 2]
    assert row["labels"].tolist() == [X, X, X, 4, 5, 2]
    cut = sft_example([1, 2, 3], [4, 5, 2], max_len=5)
    assert cut["input_ids"].tolist() == [1, 2, 3, 4, 5] and cut["labels"].tolist() == [X, X, X, 4, 5]
    assert sft_example([1, 2, 3], [4], max_len=3) is None


def test_collator_pads_with_ignored_labels():
    batch = SFTCollator(pad_id=0)([sft_example([7], [8, 9], 10), sft_example([7, 7], [8], 10)])
    assert batch["input_ids"].tolist() == [[7, 8, 9], [7, 7, 8]]
    batch = SFTCollator(pad_id=0)([sft_example([7], [8], 10), sft_example([7, 7], [8, 9], 10)])
    assert batch["input_ids"].tolist() == [[7, 8, 0, 0], [7, 7, 8, 9]]
    assert batch["labels"].tolist() == [[X, 8, X, X], [X, X, 8, 9]]
    assert batch["attention_mask"].tolist() == [[1, 1, 0, 0], [1, 1, 1, 1]]


def test_response_format_rules():
    tagged = "<think>plan</think>\n<answer>text</answer>"
    assert format_response(tagged, None, "think", "f:1") == tagged
    assert format_response("text", "plan", "think", "f:1") == tagged
    assert format_response("text", None, "nothink", "f:1") == "<answer>text</answer>"
    assert format_response("<answer>text</answer>", "ignored", "nothink", "f:1") == "<answer>text</answer>"
    with pytest.raises(UserError, match="f:3: response has no <think>/<answer> tags and no plan field"):
        format_response("text", None, "think", "f:3")
    with pytest.raises(UserError, match="f:4: response has tags but is not a single <answer> block"):
        format_response(tagged, None, "nothink", "f:4")
    with pytest.raises(UserError, match="not one <think> block then one <answer> block"):
        format_response("<answer>only</answer>", "plan", "think", "f:5")


def test_bad_sample_files_name_file_line_and_key(tmp_path):
    bad = tmp_path / "s.jsonl"
    bad.write_text('{"prompt": "Write.", "response": "ok", "think": "p"}\n{"prompt": "Write."}\n')
    with pytest.raises(UserError, match=r"s\.jsonl:2: missing field 'response'"):
        load_writing_samples(bad)
    bad.write_text('{"prompt": "Write.", "answer": "ok"}\n')
    with pytest.raises(UserError, match=r"s\.jsonl:1: missing field 'reply'"):
        load_writing_samples(bad, response_key="reply")
    bad.write_text('{"prompt": 3, "response": "ok"}\n')
    with pytest.raises(UserError, match=r"s\.jsonl:1: field 'prompt' must be a string"):
        load_writing_samples(bad)


def test_cli_error_exit_2(tmp_path, capsys):
    data = tmp_path / "plain.jsonl"
    data.write_text('{"prompt": "Write a poem.", "response": "Roses."}\n' * 4)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump(tiny_raw(tmp_path / "run", data={"train": str(data)})))
    assert cli.main(["sft", str(cfg)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("lwz sft: error: ") and "plain.jsonl:1: response has no" in err[-1]
    # the same plain data is accepted with the no-think prompt, wrapped in answer tags
    from longwriter_zero.models import load_tokenizer
    from longwriter_zero.trainer.sft import build_sft_data

    nothink = build(SFTConfig, tiny_raw(tmp_path / "run", data={"train": str(data), "heldout_fraction": 0.25},
                                        prompt={"template": "nothink"}))
    train, held, stats = build_sft_data(nothink, load_tokenizer("tiny-random"))
    assert (stats["train_rows"], stats["heldout_rows"]) == (3, 1)
    tok = load_tokenizer("tiny-random")
    row = train[0]
    assert tok.decode(row["input_ids"][row["labels"] != X]) == "<answer>Roses.</answer>" + tok.eos_token


def test_prompt_tokens_are_out_of_the_loss(tiny_model):
    model, tok = tiny_model
    cfg = build(SFTConfig, tiny_raw(Path("unused"), data={"train": str(SAMPLES), "max_seq_len": 160}))
    samples = load_writing_samples(SAMPLES, "think")[:2]
    rows, dropped = tokenize_samples(samples, tok, cfg, "test")
    assert dropped == 0
    prompt_len = len(tok(cfg_prompt(samples[0], tok), add_special_tokens=False)["input_ids"])
    labels0 = rows[0]["labels"]
    assert (labels0[:prompt_len] == X).all() and (labels0[prompt_len:] != X).all()

    batch = SFTCollator(pad_id=tok.pad_token_id)(rows)
    with torch.no_grad():
        out = model(**batch)
    logits = out.logits
    # logits at position t predict token t+1: positions whose next label is -100 predict prompt (or padding)
    predicts_prompt = torch.zeros_like(batch["labels"], dtype=torch.bool)
    predicts_prompt[:, :-1] = batch["labels"][:, 1:] == X
    noisy = logits.clone()
    noisy[predicts_prompt] += 50 * torch.randn_like(noisy[predicts_prompt])
    loss = model.loss_function(logits=logits, labels=batch["labels"], vocab_size=logits.shape[-1])
    assert loss.item() == pytest.approx(out.loss.item(), abs=1e-6)       # the loss the trainer uses
    noisy_loss = model.loss_function(logits=noisy, labels=batch["labels"], vocab_size=logits.shape[-1])
    assert noisy_loss.item() == pytest.approx(loss.item(), abs=1e-6)
    s, n = summed_token_nll(noisy, batch["labels"])
    assert n == int((batch["labels"][:, 1:] != X).sum()) and (s / n).item() == pytest.approx(loss.item(), abs=1e-5)
    # while noise on a response-predicting position does change it (the check can fail)
    noisy[~predicts_prompt] += 50 * torch.randn_like(noisy[~predicts_prompt])
    changed = model.loss_function(logits=noisy, labels=batch["labels"], vocab_size=logits.shape[-1])
    assert abs(changed.item() - loss.item()) > 1e-2


def cfg_prompt(sample, tok) -> str:
    from longwriter_zero.data.writing_samples import render_prompt
    return render_prompt(sample, tok, "think")


def test_sft_lowers_response_loss_and_reloads(tmp_path, restore_threads):
    from longwriter_zero.models import load_model
    from longwriter_zero.prompts import build_prompt

    summary = sft(build(SFTConfig, tiny_raw(tmp_path / "run")))
    assert summary["heldout_loss_after"] < summary["heldout_loss_before"] - 1.0, summary
    assert summary["data"]["heldout_rows"] == 6 and summary["data"]["train_rows"] == 18
    assert (tmp_path / "run" / "curves.png").exists()
    model, tok = load_model(str(tmp_path / "run" / "model"))
    ids = tok(build_prompt("Write a town report.", tok), return_tensors="pt", add_special_tokens=False).input_ids
    with torch.no_grad():
        gen = model.generate(ids, max_new_tokens=5, min_new_tokens=5, do_sample=False)
    assert gen.shape[1] == ids.shape[1] + 5
