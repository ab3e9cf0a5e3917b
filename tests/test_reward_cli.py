"""``lwz reward``: scoring rows with length, format, writing and stuffing; output layout; errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from longwriter_zero.cli import main
from longwriter_zero.reward_model.model import RewardModel, build_classifier
from longwriter_zero.rewards.base import RewardSettings
from longwriter_zero.rewards.registry import build_reward
from longwriter_zero.rewards.scoring import score_batch

ESSAY = (Path(__file__).parent / "data" / "honest_essay.txt").read_text()


def _rows(tmp_path, rows, name="rows.jsonl"):
    p = tmp_path / name
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return p


GOOD = {"prompt": "Write about libraries.", "response": f"<think>plan</think>\n<answer>{ESSAY}</answer>",
        "range": [900, 1100], "id": "a"}
BROKEN = {"prompt": "Write about libraries.", "response": f"Sure! <answer>{ESSAY}</answer>", "range": [100, 200]}


def test_score_batch_layout_hand_checked():
    rewards = [build_reward("length", {}, RewardSettings(l_max=14000)), build_reward("format")]
    scores = score_batch([GOOD, BROKEN], rewards)
    n = 962                                                     # count_length of the essay
    assert scores[0]["length"] == 1.0 and scores[0]["format"] == 1.0
    assert scores[0]["parts"]["length/answer_length"] == n and scores[0]["parts"]["format/structure"] == 1.0
    assert scores[1]["length"] == pytest.approx((14000 - n) / (14000 - 200))
    assert scores[1]["format"] == 0.0 and scores[1]["parts"]["format/repetition"] == 1.0
    assert list(scores[0]) == ["length", "format", "parts"]


def test_cli_writes_rows_back_with_scores(tmp_path):
    model, tok = build_classifier("tiny-random", seed=0)
    RewardModel(model, tok, max_length=256).save(tmp_path / "rm", {})
    src = _rows(tmp_path, [GOOD, BROKEN])
    out = tmp_path / "out.jsonl"
    code = main(["reward", "--input", str(src), "--output", str(out), "--rewards", "length,format,writing,stuffing",
                 "--writing-model", str(tmp_path / "rm")])
    assert code == 0
    rows = [json.loads(l) for l in out.read_text().splitlines()]
    assert [r["id"] for r in rows if "id" in r] == ["a"] and rows[0]["prompt"] == GOOD["prompt"]
    s = rows[0]["scores"]
    assert set(s) == {"length", "format", "writing", "stuffing", "parts"}
    assert s["parts"]["writing/windowed"] == 1.0               # ~1,300 tokens > 256: sliding windows
    assert s["parts"]["stuffing/judged"] == 1.0 and s["stuffing"] == 1.0


def test_cli_stdout_and_nothink(tmp_path, capsys):
    row = {"prompt": "p", "response": "<answer>The harbour opens at six.</answer>", "range": [0, 10]}
    src = _rows(tmp_path, [row])
    assert main(["reward", "--input", str(src), "--template", "nothink"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scores"]["format"] == 1.0 and out["scores"]["length"] == 1.0


@pytest.mark.parametrize("rows,args,message", [
    ([{"prompt": "p"}], [], "rows.jsonl:1: needs a string 'response'"),
    ([{"prompt": "p", "response": "<answer>x</answer>"}], [], "no 'range' for the length reward"),
    ([GOOD], ["--rewards", "format,nonsense"], "unknown reward 'nonsense'"),
    ([GOOD], ["--rewards", "writing"], "needs --writing-model"),
    ([GOOD, {"prompt": "p", "response": "x", "range": [5, 1]}], [], "rows.jsonl:2: 'range' lower 5 > upper 1"),
])
def test_cli_errors_exit_2_and_keep_output(tmp_path, capsys, rows, args, message):
    src = _rows(tmp_path, rows)
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")
    assert main(["reward", "--input", str(src), "--output", str(out), *args]) == 2
    assert message in capsys.readouterr().err
    assert out.read_text() == "previous\n"                     # an earlier output is not clobbered


def test_cli_unreachable_writing_server(tmp_path, capsys):
    from longwriter_zero.reward_model.server import free_port

    src = _rows(tmp_path, [GOOD])
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["reward", "--input", str(src), "--rewards", "writing", "--writing-url", url]) == 2
    assert "unreachable after 3 tries" in capsys.readouterr().err
