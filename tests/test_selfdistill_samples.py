"""The rejection-sampling rule of ``benchmarks/make_selfdistill_samples.py`` on hand-made answers."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from make_selfdistill_samples import choose  # noqa: E402

ROW = {"id": "r1", "prompt": "In about 20 words, describe a kettle.", "think": "old plan", "response": "honest",
       "length": 20, "lang": "en", "source": "ws001"}
WORDS = "kettle steam water spout handle lid copper morning tea cup boil whistle kitchen stove warm pour " \
        "slow quiet bright small shelf old".split()


def text(n: int, offset: int = 0) -> str:
    return " ".join(WORDS[(offset + i) % len(WORDS)] for i in range(n)) + "."


def ans(t: str, finished: bool = True, tokens: int = 40) -> dict:
    return {"text": t, "finished": finished, "tokens": tokens}


def test_keeps_the_answer_closest_to_the_stated_length():
    # S_l against 20: 19 words -> 100(1 - (20/19 - 1)/2) = 97.4; 30 words -> 100(1 - (1.5 - 1)/3) = 83.3
    out = choose(ROW, [ans(text(30)), ans(text(19)), ans(text(12))], min_score=80, max_answer_tokens=200)
    assert out["response"] == text(19) and out["source"] == "self" and out["prompt"] == ROW["prompt"]
    assert out["think"].startswith("The request asks for about 20 words. I will write 1 short paragraph")


def test_rejects_unfinished_tagged_too_long_and_repetitive_answers():
    bad = [ans(text(20), finished=False), ans("<answer>" + text(20)), ans(text(20), tokens=300),
           ans(" ".join(["tea time."] * 10))]
    assert choose(ROW, bad, min_score=0, max_answer_tokens=200) is None


def test_nothing_kept_below_the_least_score():
    # 12 words for 20: 100(1 - (20/12 - 1)/2) = 66.7 < 80
    assert choose(ROW, [ans(text(12))], min_score=80, max_answer_tokens=200) is None
    assert choose(ROW, [ans(text(12))], min_score=60, max_answer_tokens=200)["response"] == text(12)


def test_paragraph_count_goes_into_the_plan():
    two = text(10) + "\n\n\n" + text(10, 5)
    out = choose(ROW, [ans(two)], min_score=80, max_answer_tokens=200)
    assert out["response"].count("\n\n") == 1 and "2 short paragraphs" in out["think"]
