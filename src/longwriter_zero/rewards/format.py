"""Format reward: the think-then-answer structure, times a repetition penalty.

``structure`` is 1.0 when the completion is exactly one ``<think>…</think>`` block followed by
exactly one non-empty ``<answer>…</answer>`` block, with nothing but whitespace before, between
and after them (``prompts.parse_completion(...).well_formed``); with ``require_think=False``
(the no-think template) it is one answer block alone. Anything else scores 0: a missing,
repeated, nested or out-of-order tag, text outside the blocks, or an empty answer.

The paper's format reward also "penalises repeated content"; the measure is unreleased. Here
every kind of length that is not writing multiplies the format reward down::

    format = structure * repetition(answer) * padding(answer, request) [* stuffing(answer, request)]

- ``repetition`` (``rewards.repetition``): copied, re-split, rotated and synonym-swapped
  sentences and lines, paraphrased blocks and n-gram loops, over the whole answer;
- ``padding`` (``rewards.padding``): text in another language than the request's (an essay
  plus its translation), Chinese particles and English intensifiers far above honest rates,
  generic filler sentences, word salad;
- ``stuffing`` (``rewards.stuffing``): keyword stuffing, per term and in total; on by default
  (``stuffing_penalty=False``: measured and logged, not multiplied in).

Design: these multiply into ``format`` rather than shrinking the counted length. A penalty on
the length reward alone would cost nothing to an answer whose honest part already fills the
requested range, and the length reward keeps the benchmark's plain unit. Each factor is
``1 - slope * share`` of the offending text, so a fifth of repeats or a tenth of padding roughly
halves the reward
whatever the range, and GRPO sees the same direction from every hack.
``near_duplicates=False`` keeps only exact-repeat detection (the sentence-overlap penalty the
paper found insufficient), for ablations; ``padding=False`` drops the padding factor.

Parts (one value per completion): ``structure``, ``repetition``, ``padding``, ``stuffing``
(each factor, always measured) and the shares behind them (``PARTS``). Everything is measured
on the extracted answer even when the structure is broken, so the logs show all of it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

from longwriter_zero.prompts import parse_completion
from longwriter_zero.rewards.base import RewardOutput, RewardSettings
from longwriter_zero.rewards.padding import PaddingConfig, analyze_padding
from longwriter_zero.rewards.registry import register_reward
from longwriter_zero.rewards.repetition import RepetitionConfig, analyze_repetition
from longwriter_zero.rewards.stuffing import StuffingConfig, analyze_stuffing

PARTS = ("structure", "repetition", "exact_repeat_share", "copy_share", "skeleton_share", "echo_share", "near_dup_share",
         "refrain_share", "repeated_share", "near_dup_paragraphs", "loop_rate", "padding", "other_language_share",
         "particle_share", "filler_share", "salad_share", "restated_share", "inserted_share", "padded_share", "stuffing", "stuffed_share",
         "spread_share", "praise_share", "dispersed_share")


# genres whose honest form repeats (refrains, clause frames, parallel entries, repeated steps and
# ingredients, drilled sounds): a request naming one widens the free tolerances (``genre_allowance``)
_REPETITIVE_GENRE = re.compile(
    r"\b(?:lyrics?|songs?|chorus|refrains?|rhymes?|nursery|poems?|verses?|pantoums?|villanelles?|litany|chants?"
    r"|ballads?|rondeaus?|rondels?|stanzas?"
    r"|tongue[- ]twisters?"
    r"|clauses?|contracts?|agreements?|glossary|glossaries|phrasebooks?|recipes?|checklists?|drills?)\b"
    r"|歌词|歌曲|儿歌|童谣|诗|对联|绕口令|顺口溜|条款|合同|协议|术语表|词汇表|对照表|菜谱|食谱|做法|清单")


def repetitive_genre(prompt: str) -> bool:
    """The request names a genre whose honest form repeats (``_REPETITIVE_GENRE``)."""
    return bool(_REPETITIVE_GENRE.search(prompt.lower()))


def genre_configs(rep: RepetitionConfig, pad: PaddingConfig, stuff: StuffingConfig, allowance: float
                  ) -> tuple[RepetitionConfig, PaddingConfig, StuffingConfig]:
    """The configs for a repetitive genre: ``allowance`` more repeated and padded share free, no
    inserted-frame measures (a refrain or a chant's response closes every line or stanza), and per-term
    stuffing allowances doubled (a recipe names its ingredient at every step)."""
    return (replace(rep, tolerance=rep.tolerance + allowance),
            replace(pad, tolerance=pad.tolerance + allowance, frame_share=0.0, edge_frame_share=0.0),
            replace(stuff, max_rate=2 * stuff.max_rate, spread_rate=2 * stuff.spread_rate,
                    spread_tolerance=stuff.spread_tolerance + allowance))


def structure_score(completion: str, require_think: bool = True) -> float:
    """1.0 for a well-formed completion, else 0.0."""
    return 1.0 if parse_completion(completion, require_think).well_formed else 0.0


@register_reward("format")
class FormatReward:
    """Structure x repetition x padding (x stuffing) for a batch (registered as ``format``)."""

    name = "format"

    def __init__(self, settings: RewardSettings = RewardSettings(), repetition: bool = True, near_duplicates: bool = True,
                 stuffing_penalty: bool = True, padding: bool = True, repetition_slope: float = 3.0,
                 shingle_jaccard: float = RepetitionConfig.shingle_jaccard,
                 content_containment: float = RepetitionConfig.content_containment,
                 genre_allowance: float = 0.1):
        self.require_think = settings.require_think
        self.repetition = repetition
        self.stuffing_penalty = stuffing_penalty
        self.padding = padding
        self.padding_cfg = PaddingConfig()
        self.repetition_cfg = RepetitionConfig(near_duplicates=near_duplicates, slope=repetition_slope,
                                               shingle_jaccard=shingle_jaccard,
                                               content_containment=content_containment)
        self.stuffing_cfg = StuffingConfig()
        self.genre_allowance = genre_allowance
        self.genre_cfgs = genre_configs(self.repetition_cfg, self.padding_cfg, self.stuffing_cfg, genre_allowance)

    def score_one(self, prompt: str, completion: str) -> tuple[float, dict[str, float]]:
        parsed = parse_completion(completion, self.require_think)
        structure = 1.0 if parsed.well_formed else 0.0
        rep_cfg, pad_cfg, stuff_cfg = self.repetition_cfg, self.padding_cfg, self.stuffing_cfg
        if self.genre_allowance and repetitive_genre(prompt):
            rep_cfg, pad_cfg, stuff_cfg = self.genre_cfgs
        rep = analyze_repetition(parsed.answer, rep_cfg)
        pad = analyze_padding(parsed.answer, prompt, pad_cfg, rep.flagged)
        stuff = analyze_stuffing(parsed.answer, prompt, stuff_cfg, rep.flagged)
        score = structure
        if self.repetition:
            score *= rep.score
        if self.padding:
            score *= pad.score
        if self.stuffing_penalty:
            score *= stuff.score
        parts = {"structure": structure, "repetition": rep.score, **rep.parts(), **pad.parts(),
                 "stuffing": stuff.score, "stuffed_share": stuff.stuffed_share, "spread_share": stuff.spread_share,
                 "praise_share": stuff.praise_share, "dispersed_share": stuff.dispersed_share}
        parts["near_dup_paragraphs"] = float(rep.near_dup_paragraphs)
        return score, parts

    def __call__(self, prompts: Sequence[str], completions: Sequence[str],
                 samples: Sequence[dict]) -> RewardOutput:
        scores: list[float] = []
        parts: dict[str, list[float]] = {k: [] for k in PARTS}
        for prompt, completion in zip(prompts, completions):
            score, p = self.score_one(prompt, completion)
            scores.append(score)
            for k in PARTS:
                parts[k].append(p[k])
        return RewardOutput(scores, parts)
