"""Reward-model HTTP server and client on loopback: scoring, errors, refused port, slow server."""

from __future__ import annotations

import threading
import time

import pytest

from longwriter_zero.errors import UserError
from longwriter_zero.reward_model.model import RewardModel, build_classifier
from longwriter_zero.reward_model.server import BackgroundServer, RewardModelClient, create_app, free_port

PROMPTS = ["Describe the harbour.", "Write a note."]
ANSWERS = ["The harbour opens at six. Boats leave before dawn. " * 6, "Thanks for lunch."]


@pytest.fixture(scope="module")
def rm_folder(tmp_path_factory):
    model, tok = build_classifier("tiny-random", seed=0)
    folder = tmp_path_factory.mktemp("rm") / "model"
    RewardModel(model, tok, max_length=48).save(folder, {"backbone": "tiny-random"})
    return folder


@pytest.fixture(scope="module")
def server(rm_folder):
    rm = RewardModel.load(str(rm_folder))
    with BackgroundServer(create_app(rm, str(rm_folder))) as srv:
        yield srv


def test_health_and_score_match_local_scoring(server, rm_folder):
    client = RewardModelClient(server.url, timeout=30)
    health = client.health()
    assert health["status"] == "ok" and health["max_length"] == 48
    remote = client.score(PROMPTS, ANSWERS)
    local = RewardModel.load(str(rm_folder)).score(PROMPTS, ANSWERS)
    assert remote.scores == pytest.approx(local.scores, abs=1e-5)
    assert remote.windows == local.windows and remote.windows[0] > 1      # the long answer was windowed


def test_conversational_items_are_accepted(server):
    client = RewardModelClient(server.url, timeout=30)
    out = client.score([[{"role": "user", "content": "Hi"}]], [[{"role": "assistant", "content": "Hello there."}]])
    assert len(out.scores) == 1


@pytest.mark.parametrize("message", [{"role": "user"}, {"content": "Hi"}, {"role": "user", "content": 3}])
def test_malformed_message_is_a_json_4xx_not_a_500(server, message):
    import httpx

    r = httpx.post(server.url + "/score", json={"prompts": [[message]], "responses": ["Hello."]}, timeout=30)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]          # JSON, naming the field
    assert any(d["loc"][-1] in ("role", "content") for d in detail), detail


def test_bad_request_is_not_retried(server):
    client = RewardModelClient(server.url, timeout=30, retries=3, backoff=5.0)
    start = time.time()
    with pytest.raises(UserError, match="rejected the request: HTTP 400"):
        client._request("POST", "/score", {"prompts": ["a"], "responses": []})
    assert time.time() - start < 4.0                      # no back-off sleeps happened


def test_writing_reward_through_the_server(server, rm_folder):
    from longwriter_zero.rewards.base import RewardSettings
    from longwriter_zero.rewards.registry import build_reward

    reward = build_reward("writing", {"url": server.url}, RewardSettings(require_think=True))
    completions = [f"<think>plan</think><answer>{a}</answer>" for a in ANSWERS]
    out = reward(PROMPTS, completions, [{}, {}])
    local = RewardModel.load(str(rm_folder)).score(PROMPTS, ANSWERS)
    assert out.scores == pytest.approx(local.scores, abs=1e-5)
    assert out.parts["windowed"] == [1.0, 0.0]


def test_refused_port_fails_after_retries():
    port = free_port()                                    # nothing listens there
    client = RewardModelClient(f"http://127.0.0.1:{port}", timeout=2, retries=3, backoff=0.05)
    start = time.time()
    with pytest.raises(UserError, match=rf"127.0.0.1:{port} unreachable after 3 tries: ConnectError"):
        client.score(["p"], ["r"])
    assert time.time() - start >= 0.05 + 0.1              # two back-off sleeps: 0.05 s then 0.1 s


def test_slow_server_times_out_retries_then_fails():
    from fastapi import FastAPI

    app = FastAPI()
    calls = []
    release = threading.Event()

    @app.post("/score")
    def slow_score(body: dict) -> dict:
        calls.append(time.time())
        release.wait(timeout=2.0)                         # slower than the client's timeout
        return {"scores": [0.0], "windows": [1]}

    with BackgroundServer(app) as srv:
        client = RewardModelClient(srv.url, timeout=0.3, retries=2, backoff=0.01)
        with pytest.raises(UserError, match="unreachable after 2 tries: timed out"):
            client.score(["p"], ["r"])
        release.set()
        deadline = time.time() + 5
        while len(calls) < 2 and time.time() < deadline:
            time.sleep(0.01)
    assert len(calls) == 2                                # the server saw the first try and the retry


def test_url_must_be_http():
    with pytest.raises(UserError, match="must start with http"):
        RewardModelClient("127.0.0.1:8000")


def test_transient_server_error_is_retried_and_succeeds():
    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    calls = []

    @app.post("/score")
    def flaky_score(body: dict) -> dict:
        calls.append(1)
        if len(calls) == 1:
            raise HTTPException(503, "warming up")
        return {"scores": [1.5], "windows": [1]}

    with BackgroundServer(app) as srv:
        out = RewardModelClient(srv.url, timeout=5, retries=3, backoff=0.01).score(["p"], ["r"])
    assert out.scores == [1.5] and len(calls) == 2


def test_lwz_rm_serve_process_round_trip(rm_folder):
    """``lwz rm serve`` as its own process, reached over loopback; stopping it makes the client fail."""
    import os
    import subprocess
    import sys

    port = free_port()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "longwriter_zero.cli", "rm", "serve", "--model", str(rm_folder),
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        client = RewardModelClient(f"http://127.0.0.1:{port}", timeout=5, retries=1)
        deadline = time.time() + 60
        while True:
            try:
                assert client.health()["status"] == "ok"
                break
            except UserError:
                if proc.poll() is not None or time.time() > deadline:
                    raise AssertionError(f"lwz rm serve did not start: {proc.stderr.read().decode()[-500:]}")
                time.sleep(0.2)
        remote = client.score(PROMPTS, ANSWERS)
        local = RewardModel.load(str(rm_folder)).score(PROMPTS, ANSWERS)
        assert remote.scores == pytest.approx(local.scores, abs=1e-5)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    with pytest.raises(UserError, match="unreachable after 2 tries"):
        RewardModelClient(f"http://127.0.0.1:{port}", timeout=2, retries=2, backoff=0.01).health()
