"""JudgeClient against real HTTP servers on loopback: retries, caching, failures and resume."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from longwriter_zero.errors import UserError
from longwriter_zero.judge.client import JudgeClient, JudgeError, cache_key, extract_json
from longwriter_zero.serving.background import BackgroundServer

REPO = Path(__file__).resolve().parents[1]


def scripted_app(delay: float = 0.0):
    """A chat server whose behaviour is scripted by the user message.

    ``"fail=500x2|ask"`` answers HTTP 500 to the first two requests carrying that message,
    then replies normally; ``fail=`` also takes 429, 400, ``sleep`` (sleeps 2 s), ``garbage``
    (a 200 whose body is not JSON) and ``empty`` (a 200 with empty content). Requests are counted
    per message in ``app.state.counts``.
    """
    app = FastAPI()
    app.state.counts = Counter()
    lock = threading.Lock()

    @app.post("/v1/chat/completions")
    async def chat(request: Request):
        body = await request.json()
        text = body["messages"][-1]["content"]
        with lock:
            app.state.counts[text] += 1
            seen = app.state.counts[text]
        if delay:
            await asyncio.sleep(delay)
        if text.startswith("fail="):
            spec, _ = text[5:].split("|", 1)
            kind, times = spec.split("x")
            if seen <= int(times):
                if kind == "sleep":
                    await asyncio.sleep(2.0)
                elif kind == "garbage":
                    return Response("{this is not json", media_type="application/json")
                elif kind == "empty":
                    return JSONResponse(_completion(""))
                else:
                    return JSONResponse({"error": {"message": f"scripted {kind}"}}, status_code=int(kind))
        return JSONResponse(_completion(f"reply to {text} (t={body.get('temperature')})"))

    return app


def _completion(content: str) -> dict:
    return {"id": "x", "object": "chat.completion", "created": 0, "model": "judge",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


@pytest.fixture()
def server():
    app = scripted_app()
    with BackgroundServer(app) as s:
        s.counts = app.state.counts
        yield s


def client_for(server, tmp_path, **kw) -> JudgeClient:
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 5.0)
    return JudgeClient(server.url + "/v1", "judge", cache_path=str(tmp_path / "cache.sqlite"), **kw)


def test_cache_hits_send_nothing_and_persist(server, tmp_path):
    c = client_for(server, tmp_path)
    assert c.chat(user("a"), temperature=0.0) == "reply to a (t=0.0)"
    assert c.chat(user("a"), temperature=0.0) == "reply to a (t=0.0)"
    assert c.calls_made == 1
    assert c.chat(user("a"), temperature=0.7) == "reply to a (t=0.7)"  # other sampling: other key
    assert c.calls_made == 2
    again = client_for(server, tmp_path)                  # a new process would see the same file
    assert again.chat(user("a"), temperature=0.7) == "reply to a (t=0.7)"
    assert again.calls_made == 0
    assert server.counts["a"] == 2
    assert cache_key("judge", user("a"), {"temperature": 0.0, "stop": None}) == \
        cache_key("judge", user("a"), {"temperature": 0.0})


def test_retries_timeouts_5xx_429_and_malformed_replies(server, tmp_path):
    c = client_for(server, tmp_path, timeout=0.5, max_retries=3)
    assert c.chat(user("fail=sleepx1|slow")).startswith("reply to fail=sleepx1|slow")
    assert server.counts["fail=sleepx1|slow"] == 2
    assert c.chat(user("fail=500x2|flaky")).startswith("reply to")
    assert server.counts["fail=500x2|flaky"] == 3
    assert c.chat(user("fail=429x1|busy")).startswith("reply to")
    assert server.counts["fail=429x1|busy"] == 2
    assert c.chat(user("fail=garbagex2|bad json")).startswith("reply to")
    assert server.counts["fail=garbagex2|bad json"] == 3
    assert c.chat(user("fail=emptyx1|blank")).startswith("reply to")
    assert server.counts["fail=emptyx1|blank"] == 2
    assert c.calls_made == 2 + 3 + 2 + 3 + 2


def test_gives_up_after_retries_and_never_retries_other_4xx(server, tmp_path):
    c = client_for(server, tmp_path, max_retries=1)
    with pytest.raises(JudgeError, match=r"failed after 2 attempt\(s\): HTTP 500"):
        c.chat(user("fail=500x5|down"))
    assert server.counts["fail=500x5|down"] == 2
    with pytest.raises(JudgeError, match="HTTP 400"):
        c.chat(user("fail=400x5|bad request"))
    assert server.counts["fail=400x5|bad request"] == 1
    with pytest.raises(UserError, match="n must be 1"):
        c.chat(user("x"), n=2)


def test_chat_many_keeps_order_dedupes_and_reports_failures(server, tmp_path):
    c = client_for(server, tmp_path, max_retries=1, concurrency=3)
    convs = [user(f"q{i}") for i in range(6)] + [user("q0"), user("fail=500x3|broken")]
    with pytest.raises(JudgeError) as err:
        c.chat_many(convs, desc="test", temperature=0.0)
    message = str(err.value)
    assert "1 of 7 judge calls" in message and "6 finished ones are cached" in message
    assert server.counts["q0"] == 1 and server.counts["fail=500x3|broken"] == 2
    # rerun: only the failed call is sent again (the server now answers it on its 3rd+ try)
    rerun = client_for(server, tmp_path, max_retries=1, concurrency=3)
    replies = rerun.chat_many(convs, temperature=0.0)
    assert replies[:7] == [f"reply to q{i} (t=0.0)" for i in [0, 1, 2, 3, 4, 5, 0]]
    assert replies[7].startswith("reply to fail=500x3|broken")
    assert rerun.calls_made == 2 and server.counts["fail=500x3|broken"] == 4
    assert sum(server.counts.values()) == 6 + 4


RESUME_SCRIPT = """
import json, sys
from longwriter_zero.judge.client import JudgeClient
url, cache, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = JudgeClient(url, "judge", cache_path=cache, concurrency=2, backoff=0.01)
client.chat_many([[{"role": "user", "content": f"item {i}"}] for i in range(n)], temperature=0.0)
print("finished")
"""


def test_killed_run_resumes_without_repeating_finished_calls(tmp_path):
    n = 24
    app = scripted_app(delay=0.15)
    cache = tmp_path / "cache.sqlite"
    with BackgroundServer(app) as server:
        proc = subprocess.Popen([sys.executable, "-c", RESUME_SCRIPT, server.url, str(cache), str(n)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
        deadline = time.monotonic() + 60
        cached = 0
        while cached < 6:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the subprocess cached nothing in time"
            time.sleep(0.05)
            if cache.exists():
                try:
                    cached = sqlite3.connect(cache).execute("SELECT COUNT(*) FROM replies").fetchone()[0]
                except sqlite3.OperationalError:  # table not created yet
                    pass
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        time.sleep(0.4)  # let requests in flight at the kill reach the server's handler end
        before = sum(app.state.counts.values())
        cached = sqlite3.connect(cache).execute("SELECT COUNT(*) FROM replies").fetchone()[0]
        assert 6 <= cached < n and before >= cached

        client = JudgeClient(server.url, "judge", cache_path=str(cache), concurrency=2, backoff=0.01)
        replies = client.chat_many([user(f"item {i}") for i in range(n)], temperature=0.0)
        after = sum(app.state.counts.values())

    assert replies == [f"reply to item {i} (t=0.0)" for i in range(n)]
    assert client.calls_made == n - cached           # exactly the unfinished ones
    assert after - before == n - cached              # ... and the server saw exactly those
    print(f"resume: {cached} cached before the kill, {before} requests before, "
          f"{after - before} sent on resume, {after} in all")


def test_bad_settings_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="http"):
        JudgeClient("localhost:8000", "judge")
    with pytest.raises(UserError, match="concurrency"):
        JudgeClient("http://127.0.0.1:1", "judge", concurrency=0)
    bad = tmp_path / "cache.sqlite"
    bad.write_text("not a database" * 100)
    with pytest.raises(UserError, match="cache.sqlite"):
        JudgeClient("http://127.0.0.1:1", "judge", cache_path=str(bad))


def test_connection_refused_is_retried_then_reported(tmp_path):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    c = JudgeClient(f"http://127.0.0.1:{port}", "judge", max_retries=2, backoff=0.01)
    with pytest.raises(JudgeError, match="3 attempt"):
        c.chat(user("hello"))
    assert c.calls_made == 3


@pytest.mark.parametrize("text, expected", [
    ('{"keep": true, "reason": "story"}', {"keep": True, "reason": "story"}),
    ('Sure! Here it is:\n```json\n{"range": [800, 1000]}\n```\nHope that helps.', {"range": [800, 1000]}),
    ("<think>maybe {not this} or {\"range\": [1, 2]}</think>\n{\"range\": [1800, 2200]}", {"range": [1800, 2200]}),
    ("{'keep': False, 'reason': 'code',}", {"keep": False, "reason": "code"}),
    ("\u201c\u201d {\u201cscore\u201d: 7, \u201creason\u201d: \u201cgood\u201d}", {"score": 7, "reason": "good"}),
    ('outer {"a": {"b": [1, {"c": 2}]}, "d": "}"} tail', {"a": {"b": [1, {"c": 2}]}, "d": "}"}),
    ("no json here", None),
    ("[1, 2, 3]", None),
    ("{broken", None),
    ("", None),
])
def test_extract_json(text, expected):
    assert extract_json(text) == expected
