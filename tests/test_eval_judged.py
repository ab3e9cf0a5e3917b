"""Critic and arena evaluations against a real judge server on loopback.

The judge is a small FastAPI app that answers deterministically from the content of the
messages and counts the requests it receives, so resume and failure handling are checked on
real HTTP traffic.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from longwriter_zero.cli import main
from longwriter_zero.evaluation.arena import parse_verdict
from longwriter_zero.evaluation.critic import criterion_subsets, parse_score
from longwriter_zero.serving.background import BackgroundServer

REPO = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- the judge server

def _between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def _quality(response: str) -> int:
    m = re.search(r"quality=(\d+)", response)
    return int(m.group(1)) if m else 0


def judge_reply(text: str) -> str:
    """Deterministic verdicts read off the prompt the evaluation sends."""
    if "## Response A" in text:                                    # arena
        prompt = _between(text, "## Writing request\n", "\n\n## Response A")
        if "[[prose]]" in prompt:
            return "Both are fine; the first one reads a little better overall."
        if "[[badvalue]]" in prompt:
            return '{"winner": "C"}'
        if "[[empty]]" in prompt:
            return ""
        qa = _quality(_between(text, "## Response A\n", "\n\n## Response B"))
        qb = _quality(_between(text, "## Response B\n", "\n\nJudge which"))
        winner = "tie" if qa == qb else ("A" if qa > qb else "B")
        if "[[fallback]]" in prompt:
            return f"After weighing both: Winner: {winner}."
        return f"```json\n{json.dumps({'winner': winner})}\n```"
    name = _between(text, "## Criterion: ", "\n")                   # critic
    response = _between(text, "## Response\n", "\n\n## Criterion:")
    if name == "prose":
        return "The response is decent but could be more concrete."
    if name == "score-in-prose":
        return "Solid work overall. Score: 7/10, mainly for structure."
    if name == "range":
        return '{"score": 12, "reason": "beyond excellent"}'
    if name == "empty":
        return ""
    score = len(response.split()) % 10 + 1
    return f'Here is my grade:\n```json\n{{"score": {score}, "reason": "{len(response.split())} words"}}\n```'


def judge_app():
    app = FastAPI()
    app.state.counts = Counter()          # sha of the last message -> requests received
    app.state.answered = 0
    app.state.block_after = None          # hold requests once this many were answered
    app.state.blocked = 0
    app.state.release = threading.Event()
    lock = threading.Lock()

    @app.post("/v1/chat/completions")
    async def chat(request: Request):
        body = await request.json()
        text = body["messages"][-1]["content"]
        with lock:
            app.state.counts[hashlib.sha256(text.encode()).hexdigest()] += 1
            hold = app.state.block_after is not None and app.state.answered >= app.state.block_after
            app.state.blocked += hold
        while hold and not app.state.release.is_set():
            await asyncio.sleep(0.01)
        content = judge_reply(text)
        with lock:
            app.state.answered += 1
        return JSONResponse({"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                             "choices": [{"index": 0, "finish_reason": "stop",
                                          "message": {"role": "assistant", "content": content}}]})

    return app


@pytest.fixture()
def judge():
    app = judge_app()
    with BackgroundServer(app) as server:
        server.state = app.state
        yield server


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path


def _judge_flags(server, cache: Path) -> list[str]:
    return ["--judge-url", server.url, "--judge-model", "judge", "--cache", str(cache), "--judge-retries", "0"]


# ----------------------------------------------------------------------------- parsing units

@pytest.mark.parametrize("reply,score,failure", [
    ('{"score": 8, "reason": "clear"}', 8, None),
    ('```json\n{"score": 3, "reason": "thin"}\n```', 3, None),
    ('I think {"score": "9", "reason": "strong"} fits.', 9, None),
    ("Score: 7/10 - good structure", 7, None),
    ("I'd give it a score of 4.", 4, None),
    ("6/10", 6, None),
    ('{"score": 0, "reason": "bad"}', 0, "out_of_range"),
    ('{"score": 11}', 11, "out_of_range"),
    ("The writing is good.", None, "no_json"),
    ('{"reason": "no score key"}', None, "no_json"),
    ("", None, "empty"),
    (None, None, "empty"),
])
def test_parse_score(reply, score, failure):
    parsed = parse_score(reply)
    assert (parsed.score, parsed.failure) == (score, failure)


@pytest.mark.parametrize("reply,winner,failure", [
    ('{"winner": "A"}', "A", None),
    ('```json\n{"winner": "b"}\n```', "B", None),
    ('{"winner": "tie"}', "tie", None),
    ("Overall, winner: B.", "B", None),
    ('{"winner": "C"}', None, "bad_value"),
    ("The first is better.", None, "no_json"),
    ("   ", None, "empty"),
])
def test_parse_verdict(reply, winner, failure):
    assert parse_verdict(reply) == (winner, failure)


def test_subset_rule():
    assert criterion_subsets("Tone and style", "Keeps a formal register") == ["style"]
    assert criterion_subsets("Structure", "Uses headings and a clear format") == ["format"]
    assert criterion_subsets("Length", "About 800 words as requested") == ["length"]
    assert criterion_subsets("Coverage", "Covers every requested point") == []
    assert criterion_subsets("字数要求", "符合字数") == ["length"]


# ----------------------------------------------------------------------------- critic

def _criterion(name: str, description: str = "") -> dict:
    return {"name": name, "criteria_description": description or f"{name} check",
            "1-2": "poor", "9-10": "excellent"}


def test_critic_scores_and_counts_failures(judge, tmp_path, capsys):
    queries = _write(tmp_path / "q.jsonl", [
        {"index": 1, "domain1": "Academic", "domain2": "Paper", "query": "Write an abstract.",
         "checklist": [_criterion("Clarity"), _criterion("Style", "a consistent academic tone"),
                       _criterion("score-in-prose"), _criterion("prose"), _criterion("range")]},
        {"index": 2, "domain1": "Business", "domain2": "Memo", "query": "Write a memo.",
         "checklist": [_criterion("Length", "about 5 words"), _criterion("Format", "memo structure"),
                       _criterion("empty")]},
        {"index": 3, "domain1": "Business", "domain2": "Memo", "query": "Write another memo.",
         "checklist": [_criterion("Clarity")]},
    ])
    answers = _write(tmp_path / "a.jsonl", [{"index": 1, "response": "one two three"},          # 3 words -> 4
                                            {"index": 2, "response": "a b c d e f g h i j k"}])  # 11 words -> 2
    out = tmp_path / "critic"
    assert main(["eval", "critic", "--queries", str(queries), "--answers", str(answers), "--output", str(out)]
                + _judge_flags(judge, tmp_path / "cache.sqlite")) == 0
    summary = json.loads((out / "critic_summary.json").read_text())
    # query 1: Clarity 4, Style 4, score-in-prose 7 -> 5.0; query 2: Length 2, Format 2 -> 2.0
    assert summary["per_query"] == {"1": 5.0, "2": 2.0}
    assert summary["overall"] == pytest.approx(3.5)
    assert summary["per_domain"] == {"Academic": 5.0, "Business": 2.0}
    assert summary["per_subset"] == {"style": 4.0, "format": 2.0, "length": 2.0}
    assert summary["failures"] == {"empty": 1, "no_json": 1, "out_of_range": 1} and summary["n_failed"] == 3
    assert summary["missing_answers"] == ["3"]
    rows = [json.loads(line) for line in (out / "critic_scores.jsonl").read_text().splitlines()]
    assert len(rows) == 8
    failed = {r["criterion"]: r for r in rows if r["failure"]}
    assert failed["range"]["raw"] == '{"score": 12, "reason": "beyond excellent"}' and failed["range"]["score"] is None
    assert "| Academic | 5.00 |" in (out / "critic_summary.md").read_text()
    err = capsys.readouterr().err
    assert "1 queries have no answer" in err and "3 judge replies could not be read" in err
    # 8 distinct judge prompts; the empty one is asked again once when the batch is retried item by item
    assert sum(judge.state.counts.values()) == 9
    # a rerun takes the 7 read replies from the cache; only the never-answered empty one is asked
    # again (once in the batch, once item by item)
    assert main(["eval", "critic", "--queries", str(queries), "--answers", str(answers), "--output", str(out)]
                + _judge_flags(judge, tmp_path / "cache.sqlite")) == 0
    assert sum(judge.state.counts.values()) == 9 + 2
    assert json.loads((out / "critic_summary.json").read_text()) == summary


def test_critic_bad_queries_file(tmp_path, capsys, judge):
    queries = _write(tmp_path / "q.jsonl", [{"index": 1, "query": "x", "checklist": []}])
    answers = _write(tmp_path / "a.jsonl", [{"index": 1, "response": "y"}])
    assert main(["eval", "critic", "--queries", str(queries), "--answers", str(answers)]
                + _judge_flags(judge, tmp_path / "c.sqlite")) == 2
    assert f"{queries}:1" in capsys.readouterr().err


# ----------------------------------------------------------------------------- arena

SYSTEMS = {"weak": 1, "mid": 2, "strong": 3}


def _arena_answers(tmp_path: Path, n_prompts: int, special: dict[int, str] | None = None) -> list[str]:
    specs = []
    for name, base in SYSTEMS.items():
        rows = []
        for i in range(n_prompts):
            quality = base + (3 if name == "weak" and i % 4 == 0 else 0)   # upsets keep ratings finite
            quality -= 2 if name == "strong" and i % 5 == 1 else 0
            prompt = f"Write piece {i}." + (f" {special[i]}" if special and i in special else "")
            rows.append({"id": str(i), "prompt": prompt, "response": f"quality={quality} text for piece {i} by {name}"})
        specs.append(f"{name}={_write(tmp_path / f'{name}.jsonl', rows)}")
    return specs


def test_arena_counts_failures_and_ranks(judge, tmp_path, capsys):
    specs = _arena_answers(tmp_path, 12, special={3: "[[prose]]", 5: "[[badvalue]]", 7: "[[empty]]",
                                                  8: "[[fallback]]"})
    out = tmp_path / "arena"
    assert main(["eval", "arena", "--answers", *specs, "--baseline", "mid", "--bootstrap", "200",
                 "--output", str(out)] + _judge_flags(judge, tmp_path / "cache.sqlite")) == 0
    board = json.loads((out / "leaderboard.json").read_text())
    assert [r["system"] for r in board["leaderboard"]] == ["strong", "mid", "weak"]
    mid = next(r for r in board["leaderboard"] if r["system"] == "mid")
    assert mid["rating"] == 1000.0 and mid["lower"] == 1000.0
    # 3 pairs x 12 prompts x 2 orders = 72 games; prompts 3, 5, 7 fail in all 6 of their games
    assert board["games"] == 72
    assert board["failures"] == {"empty": 6, "no_json": 6, "bad_value": 6}
    assert board["battles_used"] == 27 and board["battles_dropped"] == 9
    # the deterministic judge has no position bias
    assert board["first_position_share"] == pytest.approx(0.5)
    # weak vs mid: weak wins on prompts 0, 4 and 8 (read through the "Winner: X" fallback) of 9 usable
    wr = board["win_rate"]["weak"]["mid"]
    usable = [i for i in range(12) if i not in (3, 5, 7)]
    assert wr == pytest.approx(sum(1 for i in usable if i % 4 == 0) / len(usable))
    assert (out / "leaderboard.png").read_bytes()[:4] == b"\x89PNG"
    assert "unreadable verdicts" in capsys.readouterr().err


def test_arena_unknown_baseline_and_bad_spec(tmp_path, capsys, judge):
    specs = _arena_answers(tmp_path, 2)
    assert main(["eval", "arena", "--answers", *specs, "--baseline", "nope"]
                + _judge_flags(judge, tmp_path / "c.sqlite")) == 2
    assert "--baseline 'nope'" in capsys.readouterr().err
    assert main(["eval", "arena", "--answers", "justapath.jsonl", specs[0], "--baseline", "mid"]
                + _judge_flags(judge, tmp_path / "c.sqlite")) == 2
    assert "NAME=FILE" in capsys.readouterr().err


def test_arena_killed_midway_resumes_without_repeating_calls(judge, tmp_path):
    specs = _arena_answers(tmp_path, 10)          # 3 pairs x 10 prompts x 2 orders = 60 games
    args = ["eval", "arena", "--answers", *specs, "--baseline", "mid", "--bootstrap", "300", "--concurrency", "2"]
    out, cache = tmp_path / "resumed", tmp_path / "resumed_cache.sqlite"
    judge.state.block_after = 25
    proc = subprocess.Popen([sys.executable, "-m", "longwriter_zero.cli", *args, "--output", str(out)]
                            + _judge_flags(judge, cache), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while judge.state.answered < 25 or judge.state.blocked < 1:
        assert proc.poll() is None and time.monotonic() < deadline, "run ended or stalled before the kill"
        time.sleep(0.05)
    time.sleep(0.5)                               # let the client store the 25 answered replies
    proc.kill()
    proc.wait()
    at_kill = set(judge.state.counts)             # the 25 answered games and the ones held in flight
    in_flight = judge.state.blocked
    judge.state.block_after = None
    judge.state.release.set()
    assert not (out / "leaderboard.md").exists()

    assert main(args + ["--output", str(out)] + _judge_flags(judge, cache)) == 0
    counts = judge.state.counts
    assert len(counts) == 60                                     # every distinct game asked
    assert sum(counts.values()) == 60 + in_flight                # only the unanswered in-flight ones twice
    assert max(counts.values()) <= 2
    assert len(at_kill) == 25 + in_flight
    assert sum(counts[k] == 1 for k in at_kill) == 25            # answered before the kill: never sent again
    assert sum(counts[k] == 2 for k in at_kill) == in_flight

    fresh = tmp_path / "fresh"
    assert main(args + ["--output", str(fresh)] + _judge_flags(judge, tmp_path / "fresh_cache.sqlite")) == 0
    assert (out / "leaderboard.md").read_text() == (fresh / "leaderboard.md").read_text()
    assert json.loads((out / "leaderboard.json").read_text()) == json.loads((fresh / "leaderboard.json").read_text())
