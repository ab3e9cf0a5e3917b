"""Format reward: the think-then-answer structure, times a repetition penalty.

``structure`` is 1.0 when the completion is exactly one ``<think>…</think>`` block followed by
exactly one non-empty ``<answer>…</answer>`` block, with nothing but whitespace before, between
and after them (``prompts.parse_completion(...).well_formed``); with ``require_think=False``
(the no-think template) it is one answer block alone. Anything else scores 0: a missing,
repeated, nested or out-of-order tag, text outside the blocks, or an empty answer.

The paper's format reward also "penalises repeated content"; the measure is unreleased. Here::

    format = structure * repetition_score(answer) [* stuffing_score(answer, prompt)]

with ``repetition_score`` from ``rewards.repetition`` (exact repeats, paraphrased near-duplicate
paragraphs, n-gram loops) and the keyword-stuffing factor from ``rewards.stuffing`` only when
``stuffing_penalty`` is on. ``near_duplicates=False`` keeps only exact-repeat detection (the
sentence-overlap penalty the paper found insufficient), for ablations.

Parts (one value per completion): ``structure``, ``repetition``, ``exact_repeat_share``,
``near_dup_share``, ``repeated_share``, ``near_dup_paragraphs``, ``loop_rate``, ``stuffing``
(always measured, multiplied in only when enabled) and ``stuffed_share``. Repetition is
measured on the extracted answer even when the structure is broken, so the logs show both.
"""

from __future__ import annotations

from typing import Sequence

from longwriter_zero.prompts import parse_completion
from longwriter_zero.rewards.base import RewardOutput
from longwriter_zero.rewards.registry import register_reward
from longwriter_zero.rewards.repetition import RepetitionConfig, analyze_repetition
from longwriter_zero.rewards.stuffing import StuffingConfig, analyze_stuffing

_PARTS = ("structure", "repetition", "exact_repeat_share", "near_dup_share", "repeated_share",
          "near_dup_paragraphs", "loop_rate", "stuffing", "stuffed_share")


def structure_score(completion: str, require_think: bool = True) -> float:
    """1.0 for a well-formed completion, else 0.0."""
    return 1.0 if parse_completion(completion, require_think).well_formed else 0.0


@register_reward("format")
class FormatReward:
    """Structure x repetition (x stuffing) for a batch (registered as ``format``)."""

    name = "format"

    def __init__(self, require_think: bool = True, repetition: bool = True, near_duplicates: bool = True,
                 stuffing_penalty: bool = True, repetition_slope: float = 2.0,
                 shingle_jaccard: float = RepetitionConfig.shingle_jaccard,
                 content_containment: float = RepetitionConfig.content_containment):
        self.require_think = require_think
        self.repetition = repetition
        self.stuffing_penalty = stuffing_penalty
        self.repetition_cfg = RepetitionConfig(near_duplicates=near_duplicates, slope=repetition_slope,
                                               shingle_jaccard=shingle_jaccard,
                                               content_containment=content_containment)
        self.stuffing_cfg = StuffingConfig()

    def score_one(self, prompt: str, completion: str) -> tuple[float, dict[str, float]]:
        parsed = parse_completion(completion, self.require_think)
        structure = 1.0 if parsed.well_formed else 0.0
        rep = analyze_repetition(parsed.answer, self.repetition_cfg)
        stuff = analyze_stuffing(parsed.answer, prompt, self.stuffing_cfg)
        score = structure
        if self.repetition:
            score *= rep.score
        if self.stuffing_penalty:
            score *= stuff.score
        parts = {"structure": structure, "repetition": rep.score, "exact_repeat_share": rep.exact_repeat_share,
                 "near_dup_share": rep.near_dup_share, "repeated_share": rep.repeated_share,
                 "near_dup_paragraphs": float(rep.near_dup_paragraphs), "loop_rate": rep.loop_rate,
                 "stuffing": stuff.score, "stuffed_share": stuff.stuffed_share}
        return score, parts

    def __call__(self, prompts: Sequence[str], completions: Sequence[str],
                 samples: Sequence[dict]) -> RewardOutput:
        scores: list[float] = []
        parts: dict[str, list[float]] = {k: [] for k in _PARTS}
        for prompt, completion in zip(prompts, completions):
            score, p = self.score_one(prompt, completion)
            scores.append(score)
            for k in _PARTS:
                parts[k].append(p[k])
        return RewardOutput(scores, parts)
