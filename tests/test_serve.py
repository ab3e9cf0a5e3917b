"""The OpenAI-compatible server with the tiny-random model, queried by the official openai client."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import torch
from openai import OpenAI

from longwriter_zero.serving.background import BackgroundServer
from longwriter_zero.serving.server import create_app, cut_at_stop

REPO = Path(__file__).resolve().parents[1]
HELLO = [{"role": "user", "content": "Write a short note about the sea."}]


@pytest.fixture(scope="module")
def served():
    from longwriter_zero.models import load_model

    model, tok = load_model("tiny-random", seed=0)
    app = create_app(model, tok, "tiny")
    with BackgroundServer(app) as server:
        server.app = app
        server.client = OpenAI(base_url=server.url + "/v1", api_key="EMPTY", max_retries=0, timeout=60)
        server.tokenizer = tok
        yield server


def sample(client, **kw):
    kw = {"model": "tiny", "messages": HELLO, "max_tokens": 8, "temperature": 1.0, "seed": 3, **kw}
    return client.chat.completions.create(**kw)


def test_plain_completion_usage_and_length_finish(served):
    r = sample(served.client)
    choice = r.choices[0]
    assert choice.finish_reason == "length" and choice.message.role == "assistant"
    assert choice.message.content
    prompt_ids = served.tokenizer.apply_chat_template(HELLO, add_generation_prompt=True, tokenize=True)
    prompt_ids = prompt_ids["input_ids"] if hasattr(prompt_ids, "keys") else prompt_ids
    assert r.usage.prompt_tokens == len(prompt_ids)
    assert r.usage.completion_tokens == 8 and r.usage.total_tokens == len(prompt_ids) + 8
    assert sample(served.client).choices[0].message.content == choice.message.content  # same seed, same text


def test_n_choices_greedy_and_seeded_sampling(served):
    r = sample(served.client, n=3)
    texts = [c.message.content for c in r.choices]
    assert [c.index for c in r.choices] == [0, 1, 2] and len(set(texts)) == 3
    assert r.usage.completion_tokens == 24
    greedy = sample(served.client, n=2, temperature=0, seed=None)
    assert greedy.choices[0].message.content == greedy.choices[1].message.content
    assert greedy.choices[0].message.content == sample(served.client, temperature=0, seed=99).choices[0].message.content


def test_stop_strings_cut_the_text(served):
    full = sample(served.client, max_tokens=10).choices[0].message.content
    stop = full[len(full) // 2:len(full) // 2 + 3]
    cut, found = cut_at_stop(full, [stop])
    assert found
    r = sample(served.client, max_tokens=10, stop=[stop, "\u00a7never"])
    assert r.choices[0].message.content == cut and r.choices[0].finish_reason == "stop"
    assert r.usage.completion_tokens < 10
    r = sample(served.client, max_tokens=10, stop=stop)  # a plain string works too
    assert r.choices[0].message.content == cut


def test_streaming_matches_plain_and_ends_with_done(served):
    plain = sample(served.client, max_tokens=10).choices[0].message.content
    chunks = list(sample(served.client, max_tokens=10, stream=True, stream_options={"include_usage": True}))
    content = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert "".join(content) == plain and finishes == ["length"]
    assert sum(1 for piece in content if piece) > 1                 # it arrived in several pieces
    assert chunks[-1].usage.completion_tokens == 10
    # stop strings while streaming: nothing after the cut leaks out
    stop = plain[len(plain) // 2:len(plain) // 2 + 3]
    streamed = "".join(c.choices[0].delta.content or "" for c in
                       sample(served.client, max_tokens=10, stream=True, stop=[stop]))
    assert streamed == cut_at_stop(plain, [stop])[0]
    with httpx.stream("POST", served.url + "/v1/chat/completions",
                      json={"model": "tiny", "messages": HELLO, "max_tokens": 4, "stream": True}) as r:
        lines = [line for line in r.iter_lines() if line]
    assert r.headers["content-type"].startswith("text/event-stream")
    assert lines[-1] == "data: [DONE]" and all(line.startswith("data: ") for line in lines)


def test_models_health_and_errors(served):
    assert [m.id for m in served.client.models.list().data] == ["tiny"]
    assert httpx.get(served.url + "/health").json() == {"status": "ok", "model": "tiny"}
    bad = httpx.post(served.url + "/v1/chat/completions", json={"model": "tiny", "messages": [], "n": 1})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "messages"
    bad = httpx.post(served.url + "/v1/chat/completions", json={"model": "tiny", "messages": HELLO, "top_p": 0})
    assert bad.status_code == 400 and "top_p" in bad.json()["error"]["message"]
    bad = httpx.post(served.url + "/v1/chat/completions",
                     json={"model": "tiny", "messages": HELLO, "stop": ["a", "b", "c", "d", "e"]})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "stop"
    missing = httpx.post(served.url + "/v1/chat/completions", json={"model": "gpt-x", "messages": HELLO})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "model_not_found"
    huge = httpx.post(served.url + "/v1/chat/completions",
                      json={"model": "tiny", "messages": [{"role": "user", "content": "word " * 3000}]})
    assert huge.status_code == 400 and huge.json()["error"]["code"] == "context_length_exceeded"


def test_strip_think_streams_the_answer_as_it_is_written(tokenizer):
    """Rows fed the tokens of a think/answer completion send the answer in pieces, not at the end."""
    from longwriter_zero.prompts import parse_completion
    from longwriter_zero.serving.engine import Job, Params, Row

    text = "<think>plan the piece</think>\n<answer>The sea is wide and grey, and the boats are small.</answer>"
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    events = []
    job = Job([[1]], Params(max_tokens=len(ids), strip_think=True), events.append)
    row = Row(job, 0, [1], tokenizer, eos_ids=set())
    for t in ids:
        row.push(t, None)
    deltas = [e[2] for e in events if e[0] == "delta"]
    assert "".join(deltas) == parse_completion(text).answer == "The sea is wide and grey, and the boats are small."
    assert len(deltas) > 5 and events[-1] == ("finish", 0, "length", len(ids))
    # random text has no tags: the whole text is the answer, sent when it is known
    app = create_app(*_tiny(), "tiny", strip_think=True)
    with BackgroundServer(app) as server:
        client = OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0)
        plain = sample(client).choices[0].message.content
        streamed = "".join(c.choices[0].delta.content or "" for c in sample(client, stream=True) if c.choices)
    assert plain == streamed and plain


def _tiny(context: int = 2048):
    from transformers import AutoModelForCausalLM

    from longwriter_zero.models import load_tokenizer, tiny_config

    tok = load_tokenizer("tiny-random")
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(tiny_config(len(tok), max_position_embeddings=context,
                                                         eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id))
    return model.eval(), tok


def test_default_max_tokens_is_the_rest_of_the_context_and_more_is_refused():
    model, tok = _tiny(context=96)
    with BackgroundServer(create_app(model, tok, "tiny")) as server:
        client = OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0)
        r = client.chat.completions.create(model="tiny", messages=HELLO, seed=1, extra_body={"ignore_eos": True})
        assert r.usage.total_tokens == 96 and r.choices[0].finish_reason == "length"
        too_many = httpx.post(server.url + "/v1/chat/completions",
                              json={"model": "tiny", "messages": HELLO, "max_tokens": 97 - r.usage.prompt_tokens})
        assert too_many.status_code == 400 and too_many.json()["error"]["param"] == "max_tokens"
        assert "96" in too_many.json()["error"]["message"]
        exact = client.chat.completions.create(model="tiny", messages=HELLO, max_tokens=96 - r.usage.prompt_tokens,
                                               extra_body={"ignore_eos": True})
        assert exact.usage.total_tokens == 96


def test_logprobs_are_the_models_and_top_k_one_is_greedy(served):
    r = sample(served.client, temperature=0, logprobs=True, top_logprobs=3, max_tokens=5)
    entries = r.choices[0].logprobs.content
    assert len(entries) == 5 and all(len(e.top_logprobs) == 3 for e in entries)
    assert all(e.logprob == e.top_logprobs[0].logprob and e.token == e.top_logprobs[0].token for e in entries)
    assert "".join(e.token for e in entries) == r.choices[0].message.content
    # the first token's log-probability from a plain forward pass of the same model
    model = served.app.state.engine.model
    ids = served.tokenizer.apply_chat_template(HELLO, add_generation_prompt=True, tokenize=False)
    ids = torch.tensor([served.tokenizer(ids, add_special_tokens=False)["input_ids"]])
    with torch.no_grad():
        logp = model(ids).logits[0, -1].float().log_softmax(-1)
    assert abs(entries[0].logprob - float(logp.max())) < 1e-4
    greedy = r.choices[0].message.content
    assert sample(served.client, extra_body={"top_k": 1}, seed=5, max_tokens=5).choices[0].message.content == greedy
    assert sample(served.client, seed=5, max_tokens=5).choices[0].message.content != greedy  # sampling differs


def test_penalties_and_logit_bias_change_the_text(served):
    greedy = sample(served.client, temperature=0, max_tokens=12, logprobs=True).choices[0]
    ids = [served.tokenizer.convert_tokens_to_ids(served.tokenizer.tokenize(e.token)) for e in greedy.logprobs.content]
    assert len({tuple(i) for i in ids}) < 12  # the random model repeats itself
    for field in ("presence_penalty", "frequency_penalty", "repetition_penalty"):
        value = 1.8 if field == "repetition_penalty" else 2.0
        r = sample(served.client, temperature=0, max_tokens=12, extra_body={field: value})
        assert r.choices[0].message.content != greedy.message.content, field
    token = served.tokenizer(" sea", add_special_tokens=False)["input_ids"][0]
    r = sample(served.client, max_tokens=6, logit_bias={str(token): 100})
    assert r.choices[0].message.content == " sea" * 6


@pytest.mark.parametrize("field,value", [
    ("response_format", {"type": "json_object"}),
    ("tools", [{"type": "function", "function": {"name": "f", "parameters": {}}}]),
    ("tool_choice", "required"),
    ("top_logprobs", 2),
    ("logit_bias", {"999999": 5}),
    ("mirostat", 1),
    ("seed", 2 ** 70),
    ("store", True),
])
def test_unsupported_or_bad_fields_are_refused_by_name(served, field, value):
    r = httpx.post(served.url + "/v1/chat/completions",
                   json={"model": "tiny", "messages": HELLO, "max_tokens": 2, field: value})
    assert r.status_code == 400 and r.headers["content-type"] == "application/json", r.text
    assert r.json()["error"]["param"] == field and field in r.json()["error"]["message"]


def test_harmless_fields_are_accepted(served):
    r = sample(served.client, response_format={"type": "text"}, user="u1", tool_choice="none",
               metadata={"k": "v"}, store=False)
    assert r.choices[0].message.content


def test_text_completions_endpoint(served):
    r = served.client.completions.create(model="tiny", prompt="Once upon a time", max_tokens=6, seed=2,
                                         temperature=0, logprobs=2, n=2)
    assert [c.index for c in r.choices] == [0, 1] and r.choices[0].text == r.choices[1].text
    lp = r.choices[0].logprobs
    assert len(lp.tokens) == 6 and "".join(lp.tokens) == r.choices[0].text and len(lp.top_logprobs[0]) == 2
    assert lp.text_offset[0] == 0 and lp.text_offset[1] == len(lp.tokens[0])
    assert r.usage.prompt_tokens == len(served.tokenizer("Once upon a time")["input_ids"])
    many = served.client.completions.create(model="tiny", prompt=["The sea", "A long tale of the mountain"],
                                            max_tokens=5, temperature=0, n=2, logprobs=0)
    assert [c.index for c in many.choices] == [0, 1, 2, 3]
    alone = served.client.completions.create(model="tiny", prompt="The sea", max_tokens=5,
                                             temperature=0, logprobs=0)
    assert many.choices[0].text == alone.choices[0].text   # left padding does not change a row's text
    diffs = [abs(a - b) for a, b in zip(many.choices[0].logprobs.token_logprobs, alone.choices[0].logprobs.token_logprobs)]
    assert len(diffs) == 5 and max(diffs) < 2e-4
    streamed = "".join(c.choices[0].text for c in served.client.completions.create(
        model="tiny", prompt="Once upon a time", max_tokens=6, temperature=0, stream=True) if c.choices)
    assert streamed == r.choices[0].text
    bad = httpx.post(served.url + "/v1/completions", json={"model": "tiny", "prompt": "x", "echo": True})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "echo"


def test_api_key_is_required_on_v1_routes(tiny_model):
    import openai

    with BackgroundServer(create_app(*tiny_model, "tiny", api_key="s3cret")) as server:
        with pytest.raises(openai.AuthenticationError):
            OpenAI(base_url=server.url + "/v1", api_key="wrong", max_retries=0).models.list()
        assert httpx.post(server.url + "/v1/chat/completions", json={"messages": HELLO}).status_code == 401
        assert httpx.get(server.url + "/health").status_code == 200
        ok = OpenAI(base_url=server.url + "/v1", api_key="s3cret", max_retries=0)
        assert sample(ok).choices[0].message.content


def test_n_choices_stream_interleaved(served):
    chunks = list(sample(served.client, n=3, max_tokens=10, stream=True))
    order = [c.choices[0].index for c in chunks[1:] if c.choices and c.choices[0].delta.content]
    per = {i: "".join(c.choices[0].delta.content or "" for c in chunks if c.choices and c.choices[0].index == i)
           for i in range(3)}
    plain = sample(served.client, n=3, max_tokens=10)
    assert [per[i] for i in range(3)] == [c.message.content for c in plain.choices]
    assert order[:3] == [0, 1, 2] and len(order) > 6   # piece by piece, the choices taking turns


def test_parallel_requests_share_the_batch_and_get_their_own_text(served):
    from concurrent.futures import ThreadPoolExecutor

    prompts = [[{"role": "user", "content": "Write about " + w}] for w in ("rain", "a long road home", "x", "bees")]
    def ask(m):  # long enough that the four overlap even on a loaded machine
        c = sample(served.client, messages=m, temperature=0, max_tokens=64, logprobs=True,
                   extra_body={"ignore_eos": True}).choices[0]
        return c.message.content, [e.logprob for e in c.logprobs.content]

    alone = [ask(m) for m in prompts]
    engine = served.app.state.engine
    engine.max_rows_seen = 0
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(ask, prompts))
    assert [t for t, _ in together] == [t for t, _ in alone]
    for (_, a), (_, b) in zip(together, alone):   # same log-probabilities: positions and masks are right
        assert max(abs(x - y) for x, y in zip(a, b)) < 2e-4
    assert engine.max_rows_seen >= 2   # at least two requests ran in one batch


def test_a_client_that_leaves_stops_its_generation(served):
    """A streaming client leaves after a few pieces: its rows leave the batch, and a request
    made right after is answered without waiting for the abandoned one."""
    engine = served.app.state.engine
    with httpx.stream("POST", served.url + "/v1/chat/completions",
                      json={"model": "tiny", "messages": HELLO, "stream": True, "ignore_eos": True}) as r:
        seen = 0
        for line in r.iter_lines():
            seen += line.startswith("data: ")
            if seen >= 4:
                break
        steps_at_leave = engine.steps
    t0 = time.monotonic()
    quick = sample(served.client, max_tokens=4)
    elapsed = time.monotonic() - t0
    assert quick.usage.completion_tokens == 4
    deadline = time.monotonic() + 10
    while engine.rows and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not engine.rows                                  # nothing left generating
    assert engine.steps - steps_at_leave < 400              # the abandoned answer had ~2,000 tokens to go
    assert elapsed < 5, elapsed


def test_seed_out_of_range_is_a_json_400(served):
    r = httpx.post(served.url + "/v1/chat/completions", json={"model": "tiny", "messages": HELLO, "seed": 2 ** 70})
    assert r.status_code == 400 and r.json()["error"]["param"] == "seed"


def test_lwz_serve_answers_the_openai_client(tmp_path):
    """Acceptance: `lwz serve --model tiny-random` answers plain and streaming requests."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "longwriter_zero.cli", "serve", "--model", "tiny-random",
                             "--port", str(port), "--device", "cpu"],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "lwz serve did not come up"
            time.sleep(0.2)
        client = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="EMPTY", max_retries=0, timeout=60)
        r = client.chat.completions.create(model="tiny-random", messages=HELLO, max_tokens=8, seed=1)
        assert r.choices[0].message.content and r.usage.completion_tokens == 8
        stream = client.chat.completions.create(model="tiny-random", messages=HELLO, max_tokens=8, seed=1, stream=True)
        assert "".join(c.choices[0].delta.content or "" for c in stream) == r.choices[0].message.content
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_lwz_serve_rejects_a_busy_port():
    import socket

    from longwriter_zero.cli import main

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    try:
        assert main(["serve", "--model", "tiny-random", "--port", str(s.getsockname()[1])]) == 2
    finally:
        s.close()


def test_sampling_functions_by_hand():
    from longwriter_zero.serving.sampling import (apply_logit_bias, apply_presence_frequency, apply_repetition,
                                                  apply_top_k_top_p_min_p)

    out = apply_presence_frequency(torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[2, 0, 1]]),
                                   torch.tensor([0.5]), torch.tensor([0.25]))
    assert out.tolist() == [[0.0, 2.0, 2.25]]           # 1 - 2*.25 - .5, untouched, 3 - .25 - .5
    out = apply_repetition(torch.tensor([[2.0, -2.0, 1.0]]), torch.tensor([[True, True, False]]), torch.tensor([2.0]))
    assert out.tolist() == [[1.0, -4.0, 1.0]]
    inf = float("-inf")
    logits = torch.tensor([[1.0, 3.0, 2.0, 0.0], [1.0, 3.0, 2.0, 0.0]])
    out = apply_top_k_top_p_min_p(logits, torch.tensor([2, 0]), torch.tensor([1.0, 1.0]), torch.tensor([0.0, 0.0]))
    assert out.tolist() == [[inf, 3.0, 2.0, inf], [1.0, 3.0, 2.0, 0.0]]   # the second row has top_k off
    probs = torch.tensor([[0.5, 0.3, 0.15, 0.05]]).log()
    out = apply_top_k_top_p_min_p(probs, torch.tensor([0]), torch.tensor([0.7]), torch.tensor([0.0]))
    assert torch.isinf(out).tolist() == [[False, False, True, True]]     # mass before: 0, .5 | .8, .95
    out = apply_top_k_top_p_min_p(probs, torch.tensor([0]), torch.tensor([1.0]), torch.tensor([0.2]))
    assert torch.isinf(out).tolist() == [[False, False, False, True]]    # floor .2 * .5 = .1
    out = apply_logit_bias(torch.zeros(2, 3), [None, {2: 5.0, 0: -1.0}])
    assert out.tolist() == [[0.0, 0.0, 0.0], [-1.0, 0.0, 5.0]]


def test_incremental_detokenizer_never_splits_a_character(tokenizer):
    from longwriter_zero.serving.engine import Detokenizer

    text = "Waves 🌊 über the café — 海 and more."
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    d, pieces = Detokenizer(tokenizer), []
    for k in range(1, len(ids) + 1):
        pieces.append(d.step(ids[:k], final=k == len(ids)))
    assert "".join(pieces) == tokenizer.decode(ids) == text
    assert not any("\ufffd" in p for p in pieces)


def test_served_names_are_aliases_as_the_evaluation_docs_use_them(tiny_model):
    """docs/evaluation.md: `lwz serve ... --served-name critic judge`, then --judge-model critic."""
    import argparse

    from longwriter_zero.commands import serve as serve_cmd
    from longwriter_zero.judge.client import JudgeClient

    parser = argparse.ArgumentParser()
    serve_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["serve", "--model", "embedded", "--served-name", "critic", "judge"])
    assert args.served_name == ["critic", "judge"]
    with BackgroundServer(create_app(*tiny_model, args.served_name)) as server:
        client = OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0)
        assert [m.id for m in client.models.list().data] == ["critic", "judge"]
        for name in ("critic", "judge"):
            judge = JudgeClient(server.url + "/v1", name)
            assert judge.chat(HELLO, max_tokens=8, temperature=1.0, seed=3).strip()
        assert sample(client, model="judge").model == "judge"
        assert httpx.post(server.url + "/v1/chat/completions",
                          json={"model": "tiny", "messages": HELLO}).status_code == 404
