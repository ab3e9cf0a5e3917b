"""Format reward: every structure case by hand, the repetition factor, and the padding acceptance."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from longwriter_zero.prompts import parse_completion
from longwriter_zero.reward_model.damage import paraphrase_pad, stuff_keywords
from longwriter_zero.rewards.base import RewardSettings
from longwriter_zero.rewards.format import FormatReward, structure_score
from longwriter_zero.rewards.registry import build_reward
from longwriter_zero.text.counting import count_length
from longwriter_zero.text.units import split_paragraphs

DATA = Path(__file__).parent / "data"
ANSWER = "The harbour opens at six. Boats leave before dawn."

WELL_FORMED = [
    f"<think>plan</think><answer>{ANSWER}</answer>",
    f"\n  <think>\nplan\n</think>\n\n<answer>\n{ANSWER}\n</answer>\n",
    f"<think></think><answer>{ANSWER}</answer>",            # an empty plan is still one think block
]
BROKEN = {
    "no think block": f"<answer>{ANSWER}</answer>",
    "no answer block": "<think>plan</think>",
    "unclosed answer": f"<think>plan</think><answer>{ANSWER}",
    "unclosed think": f"<think>plan<answer>{ANSWER}</answer>",
    "empty answer": "<think>plan</think><answer>  \n </answer>",
    "two think blocks": f"<think>a</think><think>b</think><answer>{ANSWER}</answer>",
    "two answer blocks": f"<think>a</think><answer>{ANSWER}</answer><answer>{ANSWER}</answer>",
    "answer nested in think": f"<think>a<answer>{ANSWER}</answer></think>",
    "think nested in answer": f"<answer><think>a</think>{ANSWER}</answer>",
    "answer before think": f"<answer>{ANSWER}</answer><think>a</think>",
    "text before": f"Sure! <think>a</think><answer>{ANSWER}</answer>",
    "text between": f"<think>a</think> Here it is: <answer>{ANSWER}</answer>",
    "text after": f"<think>a</think><answer>{ANSWER}</answer> Hope this helps.",
    "no tags at all": ANSWER,
    "stray closing tag": f"<think>a</think></think><answer>{ANSWER}</answer>",
    "NUL byte hides text between": f"<think>a</think>\x00junk<answer>{ANSWER}</answer>",
}


@pytest.mark.parametrize("completion", WELL_FORMED)
def test_well_formed_scores_one(completion):
    assert structure_score(completion) == 1.0
    out = FormatReward()(["req"], [completion], [{}])
    assert out.scores == [1.0]
    assert out.parts["structure"] == [1.0] and out.parts["repetition"] == [1.0]


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_structure_scores_zero(case):
    out = FormatReward()(["req"], [BROKEN[case]], [{}])
    assert out.scores == [0.0], case
    assert out.parts["structure"] == [0.0]


def test_parser_ignores_nul_characters():
    """Regression: the parser once split on NUL to find the text between tags, so a NUL in the
    completion shifted the pieces and text between the blocks went unseen."""
    assert not parse_completion(BROKEN["NUL byte hides text between"]).well_formed
    assert parse_completion(f"<think>a</think><answer>x\x00y</answer>").well_formed


def test_no_think_template():
    reward = FormatReward(RewardSettings(require_think=False))
    assert reward(["r"], [f"<answer>{ANSWER}</answer>"], [{}]).scores == [1.0]
    assert reward(["r"], [f"<think>a</think><answer>{ANSWER}</answer>"], [{}]).scores == [0.0]
    assert build_reward("format", {}, RewardSettings(require_think=False)).require_think is False


def test_repetition_multiplies_structure():
    s = "The harbour opens at six every morning."
    body = f"{s} Fishing boats leave before the sun rises.\n\n{s}"      # 7 of 21 tokens repeated
    out = FormatReward()(["r"], [f"<think>p</think><answer>{body}</answer>"], [{}])
    assert out.scores[0] == pytest.approx(1 - 3 * (7 / 21 - 0.02))     # 2% of repeats tolerated, slope 3
    assert out.parts["exact_repeat_share"][0] == pytest.approx(7 / 21)
    assert FormatReward(repetition=False)(["r"], [f"<think>p</think><answer>{body}</answer>"], [{}]).scores == [1.0]


def test_all_parts_present_for_every_sample():
    out = FormatReward()(["a", "b"], [WELL_FORMED[0], BROKEN["text after"]], [{}, {}])
    for key in ("structure", "repetition", "exact_repeat_share", "near_dup_share", "repeated_share",
                "near_dup_paragraphs", "loop_rate", "stuffing", "stuffed_share"):
        assert len(out.parts[key]) == 2, key


def test_stuffing_penalty_on_by_default_and_option_turns_it_off():
    essay = (DATA / "honest_essay.txt").read_text()
    stuffed = stuff_keywords(essay, random.Random(0), rate=0.08)
    completion = f"<think>plan</think><answer>{stuffed}</answer>"
    prompt = "Write an essay on why small towns still need public libraries."
    plain = FormatReward(stuffing_penalty=False)([prompt], [completion], [{}])
    penalised = FormatReward()([prompt], [completion], [{}])
    assert plain.parts["stuffing"][0] < 0.8
    assert penalised.scores[0] == pytest.approx(plain.scores[0] * plain.parts["stuffing"][0])


# ----------------------------------------------------------------------------- acceptance


def _wrap(answer: str) -> str:
    return f"<think>Plan: ten paragraphs on the library review.</think>\n<answer>\n{answer}\n</answer>"


def _honest_and_padded():
    essay = (DATA / "honest_essay.txt").read_text()
    paragraphs = split_paragraphs(essay)
    hand = "\n\n".join(paragraphs[:8] + split_paragraphs((DATA / "honest_essay_paraphrases.txt").read_text()))
    auto = paraphrase_pad("\n\n".join(paragraphs[:8]), random.Random(1), share=0.35)
    return essay, {"hand-written paraphrases": hand, "rule-based paraphrases": auto}


def format_scores_for_padding() -> dict[str, tuple[float, float, float, float]]:
    """{variant: (honest, padded, honest exact-only, padded exact-only)} format rewards."""
    essay, padded = _honest_and_padded()
    near, exact = FormatReward(), FormatReward(near_duplicates=False)
    out = {}
    for name, text in padded.items():
        out[name] = (near(["r"], [_wrap(essay)], [{}]).scores[0], near(["r"], [_wrap(text)], [{}]).scores[0],
                     exact(["r"], [_wrap(essay)], [{}]).scores[0], exact(["r"], [_wrap(text)], [{}]).scores[0])
    return out


def test_acceptance_paraphrase_padding_halves_format_reward():
    essay, padded = _honest_and_padded()
    honest_len = count_length(essay)
    original = count_length("\n\n".join(split_paragraphs(essay)[:8]))
    for name, text in padded.items():
        assert abs(count_length(text) - honest_len) <= 0.1 * honest_len, name       # same length
        assert count_length(text) - original >= 0.3 * count_length(text), name      # >= 30% copies
    for name, (honest, pad, honest_exact, pad_exact) in format_scores_for_padding().items():
        assert honest == 1.0 and honest_exact == 1.0
        assert pad <= 0.5 * honest, (name, pad)
        # an exact-match-only penalty does not see the paraphrased copies at all
        assert pad_exact > 0.5 * honest_exact, (name, pad_exact)


@pytest.mark.parametrize("prompt,genre", [
    ("Write a counting-down rhyme for small children.", True),
    ("Draft the tenant's obligations clause of a tenancy agreement.", True),
    ("Write a recipe for dumplings, step by step.", True),
    ("Write a short ballad about a miner's lamp.", True), ("A rondeau on the harbour, please.", True),
    ("Four stanzas on autumn, each ending on the same line.", True),
    ("写三段绕口令。", True), ("整理一份烘焙术语表。", True), ("起草家政服务合同条款。", True),
    ("Write an essay on paper maps.", False), ("写一篇议论文，谈谈方言。", False),
])
def test_repetitive_genre(prompt, genre):
    from longwriter_zero.rewards.format import repetitive_genre
    assert repetitive_genre(prompt) is genre


@pytest.mark.parametrize("row_id", ["f2_en_counting_rhyme", "f2_en_legal_tenancy", "f2_zh_legal_service"])
def test_genre_allowance_keeps_repetitive_genres(row_id):
    # honest answers whose genre repeats (frame verses, clause frames, steps): each lost format
    # (0.69-0.90) before the allowance
    import json
    path = Path(__file__).parent.parent / "benchmarks" / "redteam" / "fresh2" / "honest_corpus.jsonl"
    row = next(r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r["id"] == row_id)
    with_allowance = FormatReward().score_one(row["prompt"], row["response"])[0]
    without = FormatReward(genre_allowance=0.0).score_one(row["prompt"], row["response"])[0]
    assert with_allowance >= 0.95 and without < 0.95
