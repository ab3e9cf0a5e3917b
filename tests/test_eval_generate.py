"""`lwz generate` with a local tiny model and through a real `lwz serve` server on loopback."""

import json

import pytest

from longwriter_zero.cli import main
from longwriter_zero.evaluation.generation import LocalGenerator, decode_reply, describe, finished_ids
from longwriter_zero.text.counting import count_length

PROMPTS = [
    {"prompt": "Write a 100-word note about tea.", "type": "Functional Writing", "length": 100},
    {"prompt": "Write a poem about the sea.", "type": "Literature", "length": 200},
    {"id": "custom", "prompt": "Describe a city at night.", "range": [300, 400]},
    {"prompt": "写一篇关于春天的短文。", "length": 300},
    {"prompt": "Write a limerick.", "length": 50},
]


def _prompts(tmp_path):
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in PROMPTS))
    return path


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_local_generate_fields_and_resume(tmp_path):
    prompts, out = _prompts(tmp_path), tmp_path / "answers.jsonl"
    common = ["generate", "--model", "tiny-random", "--input", str(prompts), "--output", str(out),
              "--max-new-tokens", "6", "--batch-size", "2"]
    assert main(common + ["--limit", "3"]) == 0
    rows = _rows(out)
    assert [r["id"] for r in rows] == ["0", "1", "custom"]
    for r in rows:
        assert set(r) >= {"id", "prompt", "output", "think", "response", "response_length", "finish_reason"}
        assert r["response_length"] == count_length(r["response"])
        assert r["finish_reason"] in ("stop", "length")
    assert rows[0]["length"] == 100 and rows[0]["type"] == "Functional Writing"
    assert rows[2]["range"] == [300, 400] and "length" not in rows[2]

    # resume: finished rows are kept as they are (even edited), a torn last line is cut off
    rows[0]["output"] = "EDITED"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + '{"id": "3", "pro')
    assert main(common) == 0
    rows = _rows(out)
    assert [r["id"] for r in rows] == ["0", "1", "custom", "3", "4"]
    assert rows[0]["output"] == "EDITED"
    assert finished_ids(out) == {"0", "1", "custom", "3", "4"}


def test_finish_reason_and_stop_cut(tiny_model):
    model, tok = tiny_model
    gen = LocalGenerator(model, tok, template="think", max_new_tokens=50)
    text = "<think>plan</think><answer>The piece.</answer>"
    ids = tok.encode(text + " trailing words", add_special_tokens=False)
    done = gen._finish(ids)
    assert done.output == text and done.finish_reason == "stop"
    eos = model.generation_config.eos_token_id
    done = gen._finish(tok.encode("<answer>cut", add_special_tokens=False) + [eos] + [eos, eos])
    assert done.output == "<answer>cut" and done.finish_reason == "stop"
    done = gen._finish(tok.encode("<answer>never closed", add_special_tokens=False))
    assert done.finish_reason == "length"


def test_top_k_reaches_the_sampler(tiny_model):
    """top_k=1 at temperature 1 samples the greedy answer; the generation config's default (None,
    top-50) on the tiny random model does not, for one of three seeds at least."""
    import torch

    model, tok = tiny_model
    greedy = LocalGenerator(model, tok, template="none", max_new_tokens=12, temperature=0)(["Write a poem."])
    outs = {}
    for top_k in (1, None):
        gen = LocalGenerator(model, tok, template="none", max_new_tokens=12, temperature=1.0, top_p=1.0, top_k=top_k)
        outs[top_k] = []
        for seed in range(3):
            torch.manual_seed(seed)
            outs[top_k].append(gen(["Write a poem."])[0].output)
    assert outs[1] == [greedy[0].output] * 3
    assert any(o != greedy[0].output for o in outs[None])


def test_generate_through_server(tmp_path, tiny_model):
    from longwriter_zero.serving.background import BackgroundServer
    from longwriter_zero.serving.server import create_app

    model, tok = tiny_model
    prompts, out = _prompts(tmp_path), tmp_path / "served.jsonl"
    with BackgroundServer(create_app(model, tok, "tiny")) as server:
        args = ["generate", "--url", server.url, "--judge-model", "tiny", "--input", str(prompts),
                "--output", str(out), "--max-new-tokens", "5", "--template", "nothink", "--limit", "2"]
        assert main(args) == 0
        assert main(args) == 0                        # nothing left to do
    rows = _rows(out)
    assert [r["id"] for r in rows] == ["0", "1"]
    assert all(r["output"] and r["response_length"] == count_length(r["response"]) for r in rows)
    assert [r["finish_reason"] for r in rows] == ["length", "length"]   # the server's, kept
    assert json.loads(describe(out))["hit_length_cap"] == 2
    assert (tmp_path / "served.jsonl.cache.sqlite").exists()
    # a rerun from the cache alone (server gone, output file gone) keeps the finish reasons too
    out.unlink()
    assert main(args) == 0
    assert [r["finish_reason"] for r in _rows(out)] == ["length", "length"]
    assert decode_reply("plain text from an older cache") == ("plain text from an older cache", None)
    assert decode_reply('{"text": "a", "finish_reason": "stop"}') == ("a", "stop")


def test_bad_prompt_file(tmp_path, capsys):
    path = tmp_path / "p.jsonl"
    path.write_text('{"prompt": "ok"}\n{"text": "no prompt"}\n')
    assert main(["generate", "--model", "tiny-random", "--input", str(path), "--output", str(tmp_path / "o.jsonl")]) == 2
    assert f"{path}:2" in capsys.readouterr().err
    path.write_text('{"id": 1, "prompt": "a"}\n{"id": 1, "prompt": "b"}\n')
    assert main(["generate", "--model", "tiny-random", "--input", str(path), "--output", str(tmp_path / "o.jsonl")]) == 2
    assert "duplicate id" in capsys.readouterr().err
    assert main(["generate", "--url", "http://127.0.0.1:9", "--input", str(path), "--output", "x.jsonl"]) == 2
    assert "--judge-model" in capsys.readouterr().err
