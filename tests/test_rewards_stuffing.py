"""Keyword stuffing: hand-computed rates, prompt allowance, honest texts pass, stuffed text fails."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from longwriter_zero.reward_model.damage import stuff_keywords
from longwriter_zero.rewards import stuffing as stuffing_mod
from longwriter_zero.rewards.base import RewardSettings
from longwriter_zero.rewards.registry import build_reward
from longwriter_zero.rewards.stuffing import StuffingConfig, analyze_stuffing, stuffing_score

DATA = Path(__file__).parent / "data"
PROMPT = "Write an essay on why small towns still need public libraries."


def _filler(n: int) -> str:
    """n distinct content words (w0 w1 ...), none repeated."""
    return " ".join(f"word{i}x" for i in range(n))


def test_hand_computed_excess():
    # 180 content terms: 170 distinct fillers + "gadget" x10. allowed = max(5, 0.04 * 180) = 7.2
    # (total cap: excess over max(4, 0.012 * 180) = 4 is 6 / 180, under the 0.05 tolerance)
    text = _filler(170) + " " + " ".join(["gadget"] * 10)
    assert not analyze_stuffing(text, "", StuffingConfig()).judged      # under the default 250: not judged
    report = analyze_stuffing(text, "", StuffingConfig(min_content_terms=150))
    assert report.content_terms == 180 and report.judged
    assert report.stuffed_share == pytest.approx((10 - 7.2) / 180)
    assert report.spread_share == pytest.approx(6 / 180)
    assert report.score == pytest.approx(1 - 10 * (10 - 7.2) / 180)
    assert report.top_terms[0][:2] == ("gadget", 10)


def test_prompt_terms_get_a_larger_allowance():
    text = _filler(170) + " " + " ".join(["gadget"] * 10)
    # in the prompt: allowed = 0.04 * 180 * 3 = 21.6 > 10
    assert analyze_stuffing(text, "Tell me about a gadget").score == 1.0


def test_short_answers_are_not_judged():
    text = _filler(50) + " " + " ".join(["gadget"] * 20)
    report = analyze_stuffing(text)
    assert not report.judged and report.score == 1.0
    assert report.parts()["top_rate"] == pytest.approx(20 / 70)


def test_zipf_ceiling_hand_computed():
    report = analyze_stuffing("alpha beta beta gamma gamma gamma", "", StuffingConfig(top_k=2))
    # V = 3 types: H(2) / H(3) = 1.5 / (11/6)
    assert report.zipf_top_k_share == pytest.approx(1.5 / (11 / 6))
    assert report.top_k_share == pytest.approx(5 / 6)


def test_honest_essay_passes_and_stuffed_essay_fails():
    essay = (DATA / "honest_essay.txt").read_text()
    assert stuffing_score(essay, PROMPT)[0] == 1.0
    stuffed = stuff_keywords(essay, random.Random(0), rate=0.08)
    score, parts = stuffing_score(stuffed, PROMPT)
    assert score < 0.8 and parts["over_used_terms"] >= 1


def test_reward_object_is_a_monitor_with_parts():
    reward = build_reward("stuffing", {}, RewardSettings(require_think=True))
    essay = (DATA / "honest_essay.txt").read_text()
    out = reward([PROMPT], [f"<think>p</think><answer>{essay}</answer>"], [{}])
    assert out.scores == [1.0]
    assert {"stuffed_share", "top_rate", "top_k_share", "zipf_top_k_share", "judged"} <= set(out.parts)


def test_weight_zero_monitor_does_not_move_the_advantages():
    """Listed with weight 0, the stuffing reward is logged but leaves the balanced advantages
    exactly as the other rewards make them (Eq. 5 divides by the sum of weights)."""
    import torch

    from longwriter_zero.algorithm.advantages import balanced_advantages, group_normalize

    essay = (DATA / "honest_essay.txt").read_text()
    answers = [essay, stuff_keywords(essay, random.Random(0), rate=0.08), essay[:2000], essay]
    completions = [f"<think>p</think><answer>{a}</answer>" for a in answers]
    stuffing = build_reward("stuffing", {}, RewardSettings(require_think=True))([PROMPT] * 4, completions, [{}] * 4).scores
    assert len(set(stuffing)) > 1                           # the monitor does vary within the group
    length = torch.tensor([1.0, 0.5, 0.2, 0.9])
    rewards = torch.stack([length, torch.tensor(stuffing)])
    with_monitor = balanced_advantages(rewards, torch.tensor([1.0, 0.0]), group_size=4)
    alone = balanced_advantages(length[None], torch.tensor([1.0]), group_size=4)
    assert torch.allclose(with_monitor, alone) and torch.allclose(alone, group_normalize(length, 4).float())


def test_spread_stuffing_total_cap_hand_computed():
    # 200 content terms: 120 distinct fillers + 10 terms x 8 uses. Each term is under its own
    # allowance max(5, 0.04 * 200) = 8, so the per-term excess is 0; the total cap counts
    # 10 * (8 - max(4, 0.012 * 200)) = 40 excess uses -> spread_share 0.2, penalty 0.2 - 0.05
    terms = [f"term{k}y" for k in range(10)]
    text = _filler(120) + " " + " ".join(terms * 8)
    report = analyze_stuffing(text, "", StuffingConfig(min_content_terms=150))
    assert report.content_terms == 200
    assert report.stuffed_share == 0.0
    assert report.spread_share == pytest.approx(40 / 200)
    assert report.score == pytest.approx(max(0.0, 1 - 10 * (0.2 - 0.05)))
    off = StuffingConfig(min_content_terms=150, spread_tolerance=1.0)   # the total cap switched off: it passes
    assert analyze_stuffing(text, "", off).score == 1.0


def test_praise_share_hand_computed():
    # 200 tokens: 190 neutral words + 10 praise words (vivid x5, insightfully x5) -> 5% praise,
    # 2% over the 3% allowance -> penalty 6 * 0.02 = 0.12
    text = _filler(190) + " " + " ".join(["vivid", "insightfully"] * 5)
    report = analyze_stuffing(text, "", StuffingConfig(min_content_terms=150))
    assert report.praise_share == pytest.approx(10 / 200)
    assert report.score == pytest.approx(1 - 6 * (0.05 - 0.03))
    zh = "这篇文章写得生动又深刻。" * 1
    from longwriter_zero.rewards.stuffing import praise_share
    assert praise_share(zh) == pytest.approx(4 / 11)           # 生动, 深刻: 4 of 11 characters


def test_dispersed_share_hand_computed():
    # 4 paragraphs (blocks) of 15 distinct words; "zeta" once in each (4 uses in 4 blocks: dispersed),
    # "alpha" 3 times in the first only (clustered): n = 60 + 4 + 3 = 67, allowance max(4, 0.012 * 67) = 4
    paras = [" ".join(f"w{p}x{i}" for i in range(15)) + " zeta" for p in range(4)]
    paras[0] += " alpha alpha alpha"
    text = "\n\n".join(paras)
    cfg = StuffingConfig(dispersed_min_terms=10, dispersed_window=10**6)
    assert stuffing_mod.dispersed_share(text, set(), cfg) == pytest.approx(4 / 67)
    assert stuffing_mod.dispersed_share(text, {"zeta"}, cfg) == 0.0                   # a request term
    assert stuffing_mod.dispersed_share(text, set(), dataclasses.replace(cfg, dispersed_min_terms=68)) == 0.0


def test_dispersed_share_windows_hand_computed():
    # 8 blocks of 16 tokens, in windows of one block pair each (>= 30 tokens): each window holds
    # "zeta" twice in 2 blocks, under dispersed_min_count 3: nothing counted. One window over all: 8 uses.
    paras = [" ".join(f"w{p}x{i}" for i in range(15)) + " zeta" for p in range(8)]
    text = "\n\n".join(paras)
    cfg = StuffingConfig(dispersed_min_terms=10, spread_min_count=10)
    assert stuffing_mod.dispersed_share(text, set(), dataclasses.replace(cfg, dispersed_window=30)) == 0.0
    assert stuffing_mod.dispersed_share(text, set(), dataclasses.replace(cfg, dispersed_window=10**6)) == \
        pytest.approx(8 / 128)


def test_honest_essays_are_not_dispersed_stuffing():
    for name, prompt in (("honest_essay.txt", PROMPT), ("honest_essay_zh.txt", "请写一篇文章，谈谈小城为什么仍然需要公共图书馆。")):
        text = (DATA / name).read_text()
        report = analyze_stuffing(text, prompt)
        assert report.dispersed_share <= stuffing_mod.dispersed_tolerance(text) and report.score == 1.0


def test_proper_names_get_the_request_allowance():
    from longwriter_zero.rewards.stuffing import proper_names
    text = "Good afternoon. I speak of Frank Doyle, and Frank knows it. Leeds is far. The boiler, Beelzebub, was old."
    words = ["frank", "doyle", "leeds", "beelzebub", "boiler"]
    assert proper_names(text, words) == {"frank", "doyle", "beelzebub"}       # "Leeds" only opens a sentence
    assert proper_names(text + " The frank truth.", words) == {"doyle", "beelzebub"}   # also written in lower case
    # a retirement speech naming its honoree 12 times in 200 content terms: over the plain
    # allowance max(5, 0.04 * 200) = 8, under the request-term one (x3)
    speech = " ".join(f"word{i}x" for i in range(188)) + " " + " ".join(["and Frank"] * 12)
    cfg = StuffingConfig(min_content_terms=150)
    assert analyze_stuffing(speech, "", cfg).stuffed_share == 0.0
    lower = speech.replace("Frank", "frank")
    assert analyze_stuffing(lower, "", cfg).stuffed_share == pytest.approx((12 - 8) / 200)
