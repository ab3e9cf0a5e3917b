"""Keyword stuffing: a few content terms used far more often than ordinary writing would.

The paper's limitation section notes that the writing reward model can be hacked by stuffing
high-reward keywords; it gives no detector. This one compares each content term's rate with an
ordinary-text expectation and with the prompt:

- ``n`` = content terms in the answer (English words minus stop words, Chinese bigrams; see
  ``text_units``). Below ``min_content_terms`` the answer is too short to judge: score 1.0,
  ``judged`` = 0. (In a short piece a central noun, "heron" in a fable about a heron, can be
  8% of the content words; rates say little there.)
- Background expectation: in ordinary long-form prose no single content word other than the
  subject of the request goes much above 1-2% of the content words (the project's 1,000-word
  test essay peaks at 1.4%). A term's allowed count is ``max(min_count, max_rate * n)``, and
  ``prompt_factor`` times that for terms that appear in the request (the subject of the
  writing may legitimately recur).
- ``stuffed_share`` = sum over terms of ``max(0, count - allowed) / n``: the share of the
  content that is excess repetition of a few terms.
- A cap on the total, for stuffing spread over many terms (each under its own allowance):
  ``spread_share`` = sum over all terms of ``max(0, count - spread_allowed) / n`` with the
  lower allowance ``spread_allowed = max(spread_min_count, spread_rate * n)`` (times
  ``prompt_factor`` for request terms). Honest long-form text keeps it under a few per cent
  (the project's test essay: 0.2%); ``spread_tolerance`` of it is free.
- Praise words, the high-reward keywords a writing reward model is hacked with (``PRAISE_EN``:
  vivid, insightful, nuanced, ...; ``PRAISE_ZH``: 生动, 深刻, 精彩, ...): ``praise_share`` is their
  length units over the answer's, and above ``praise_rate`` (honest prose stays near 1%; a
  review that praises a book, a little more) the excess counts, ``praise_slope`` per unit.
  Sprinkled over thirty different praise words, no term passes its own allowance; the total
  does.
- Dispersed terms, a total cap that needs no word list (``dispersed_share``): uses of
  non-request terms used ``dispersed_min_count`` times or more, within the spread allowance,
  whose uses each fall in a different block (less ``dispersed_slack``), per window of blocks of
  ``dispersed_window`` tokens. Inserted terms are scattered one per paragraph; an honest text's
  mid-frequency words cluster where their subject is discussed. Above ``dispersed_tolerance_en``
  (mostly Latin script) or ``dispersed_tolerance_zh`` (mostly CJK: bigram terms) it costs
  ``dispersed_slope`` per unit.
- Score ``= max(0, 1 - max(slope * stuffed_share, slope * (spread_share - spread_tolerance),
  praise_slope * (praise_share - praise_rate), dispersed_slope * (dispersed_share - tolerance)))``;
  1.0 means no stuffing.

For monitoring, the report also carries the top-k share of non-prompt terms and the share
Zipf's law (exponent 1) would give the top k of the answer's own vocabulary,
``H(k) / H(V)``; a top-k share above that ceiling is a strong sign of stuffing.

Known limit: a story's protagonist or a place named only in the answer is a non-prompt term
that can recur at several per cent; ``max_rate`` is set above that, so mild stuffing of short
texts passes. The measure is meant to catch the gross hack, cheaply, at every step.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from longwriter_zero.prompts import parse_completion
from longwriter_zero.rewards.base import RewardOutput, RewardSettings
from longwriter_zero.rewards.registry import register_reward
from longwriter_zero.rewards.repetition import DEFAULT as REPETITION_DEFAULT
from longwriter_zero.rewards.repetition import answer_blocks
from longwriter_zero.text.units import (CJK, answer_term_ids, answer_terms, content_words, token_classes,
                                        tokenize, tokenize_answer)


# evaluative words that say a text is good instead of making it good (adverbs in -ly count too)
PRAISE_EN = frozenset("""
vivid insightful compelling nuanced comprehensive profound engaging rigorous eloquent thoughtful original
coherent powerful memorable elegant persuasive detailed creative balanced authentic meaningful rich
sophisticated captivating illuminating masterful evocative precise brilliant excellent outstanding superb
remarkable exceptional extraordinary stunning magnificent splendid wonderful marvelous marvellous fantastic
amazing incredible impressive exquisite beautiful poignant resonant luminous lyrical gripping riveting
enthralling mesmerizing mesmerising breathtaking inspiring inspirational transformative visionary timeless
enduring heartfelt moving touching stirring striking refined polished crisp lucid articulate incisive
penetrating perceptive astute erudite scholarly thorough meticulous careful deep deeply profoundly
innovative novel fresh unique distinctive groundbreaking pioneering seminal definitive authoritative
cogent convincing forceful impactful dynamic vibrant lively colorful colourful textured layered intricate
nuance depth insight brilliance eloquence elegance clarity richness beauty excellence mastery artistry
gorgeous dazzling superlative exemplary commendable admirable sublime transcendent masterly virtuosic
skillful skilful deft graceful harmonious immersive engrossing absorbing unforgettable haunting delightful
charming witty clever thought-provoking well-crafted well-written well-researched eye-opening heart-warming
top-notch first-rate world-class in-depth exhaustive systematic cohesive fluent enlightening instructive
insightfulness vividness profundity sophistication originality creativity
""".split())
PRAISE_ZH = tuple(sorted("""
生动 深刻 精彩 细腻 全面 独到 严谨 优美 感人 新颖 透彻 丰富 流畅 鲜明 深入 真挚 精辟 巧妙 充实 完整 清晰
有力 动人 卓越 精妙 深远 具体 详实 出色 杰出 优秀 精湛 精美 精致 精炼 深邃 独特 创新 独具匠心 引人入胜
扣人心弦 震撼 感染力 说服力 美妙 绝妙 精准 准确 深厚 厚重 凝练 简洁 隽永 雄浑 大气 灵动 传神 细致 周全
优雅 深情 奇妙 高超 娴熟 精细 精确 缜密 惊艳 绚丽 华丽 精巧 耐人寻味 发人深省 引人深思 妙笔生花 文采斐然
见解独到 洞见 睿智 一针见血 入木三分 淋漓尽致 栩栩如生 鞭辟入里 字字珠玑 出神入化 炉火纯青 高明 非凡 完美
""".split(), key=len, reverse=True))
_PRAISE_ZH_RE = re.compile("|".join(map(re.escape, PRAISE_ZH)))


@dataclass(frozen=True)
class StuffingConfig:
    max_rate: float = 0.04          # allowed share of content terms for one non-prompt term
    prompt_factor: float = 3.0      # prompt terms may be this many times more frequent
    min_count: int = 5              # a term needs more than this many uses to count as stuffed
    min_content_terms: int = 250    # shorter answers are not judged (a short piece's central nouns run high)
    top_k: int = 5                  # size of the monitored top-k share
    spread_rate: float = 0.012      # lower per-term allowance of the total cap
    spread_min_count: int = 4
    spread_tolerance: float = 0.05  # total excess over the lower allowance that costs nothing
    praise_rate: float = 0.03       # praise words allowed, share of the answer's length units
    praise_slope: float = 6.0       # score = 1 - praise_slope * (praise_share - praise_rate)
    dispersed_min_count: int = 3    # terms used at least this often (and at most the spread allowance) ...
    dispersed_min_terms: int = 300  # ... in windows with at least this many content terms ...
    dispersed_window: int = 800    # ... of consecutive blocks of at least this many tokens ...
    dispersed_slack: int = 1        # ... in as many blocks as uses (at most the window's blocks) less this
    dispersed_tolerance_en: float = 0.12  # ... each use in a different block: this share of n costs nothing
    dispersed_tolerance_zh: float = 0.09  # ... (answers mostly CJK: Chinese bigram terms)
    dispersed_slope: float = 20.0   # score = 1 - dispersed_slope * (dispersed_share - dispersed_tolerance)
    slope: float = 10.0             # score = 1 - slope * max(stuffed_share, spread excess)


DEFAULT = StuffingConfig()


@dataclass
class StuffingReport:
    score: float
    judged: bool
    content_terms: int                      # n
    stuffed_share: float                    # excess uses of over-used terms / n
    spread_share: float                     # excess uses over the lower allowance, all terms / n
    praise_share: float                     # praise words' length units / the answer's
    dispersed_share: float                  # uses of mid-frequency terms spread one per block / n
    top_k_share: float                      # share of the k most frequent non-prompt terms
    zipf_top_k_share: float                 # H(k) / H(V): Zipf's share for the top k of V types
    top_terms: list = field(default_factory=list)  # [(term, count, rate, in_prompt, over_used)]

    def parts(self) -> dict[str, float]:
        over = [t for t in self.top_terms if t[4]]
        return {"score": self.score, "judged": float(self.judged), "content_terms": float(self.content_terms),
                "stuffed_share": self.stuffed_share, "spread_share": self.spread_share,
                "praise_share": self.praise_share, "dispersed_share": self.dispersed_share,
                "top_k_share": self.top_k_share,
                "zipf_top_k_share": self.zipf_top_k_share, "over_used_terms": float(len(over)),
                "top_rate": self.top_terms[0][2] if self.top_terms else 0.0}


def _harmonic(n: int) -> float:
    return sum(1.0 / r for r in range(1, n + 1))


def dispersed_share(answer: str, prompt_terms: set, cfg: StuffingConfig = DEFAULT,
                    repeated: np.ndarray | None = None) -> float:
    """Uses of non-request content terms that occur ``dispersed_min_count`` times or more but
    within the spread allowance (``max(spread_min_count, spread_rate * n)``), whose uses fall in
    as many different blocks (paragraphs, long ones cut, short ones pooled:
    ``repetition.answer_blocks``) as there are uses, up to the window's blocks, less
    ``dispersed_slack``, and in at least ``dispersed_min_count`` blocks; divided by ``n``. Terms inserted for
    length are scattered evenly, a few per paragraph; an honest text's mid-frequency words
    cluster where their subject is discussed. Measured per window of consecutive blocks of at
    least ``dispersed_window`` tokens (a long answer's windows are judged like short answers,
    so the share does not grow with length), windows with fewer than ``dispersed_min_terms``
    content terms left out; the result is the counted uses over the judged windows' terms.
    Tokens in ``repeated`` [T] are left out."""
    doc = tokenize_answer(answer)
    terms, pos = answer_terms(answer)
    if len(terms) < cfg.dispersed_min_terms:
        return 0.0
    all_ids = answer_term_ids(answer)
    keep = np.ones(len(terms), dtype=bool) if repeated is None or len(repeated) != len(doc.tokens) else ~repeated[pos]
    blocks = answer_blocks(doc, REPETITION_DEFAULT)
    if not blocks:
        return 0.0
    in_prompt = np.zeros(int(all_ids.max()) + 1, dtype=bool)
    first = np.unique(all_ids, return_index=True)[1]
    in_prompt[all_ids[first]] = [terms[i] in prompt_terms for i in first.tolist()]
    starts = np.array([a for a, _ in blocks])
    block_of = np.searchsorted(starts, pos, side="right") - 1
    # windows: consecutive blocks of at least dispersed_window tokens (a short tail joins the last)
    window_of_block, size, w = [], 0, 0
    for a, b in blocks:
        if size >= cfg.dispersed_window:
            w, size = w + 1, 0
        window_of_block.append(w)
        size += b - a
    window_of_block = np.array(window_of_block)
    if w > 0 and size < cfg.dispersed_window // 2:
        window_of_block[window_of_block == w] = w - 1
    window = window_of_block[np.maximum(block_of, 0)]
    counted = judged = 0
    for k in np.unique(window).tolist():
        sel = window == k
        n = int(sel.sum())
        if n < cfg.dispersed_min_terms:
            continue
        judged += n
        sel &= keep
        ids, blk = all_ids[sel], block_of[sel]
        n_blocks_window = int((window_of_block == k).sum())
        counts = np.bincount(ids, minlength=len(in_prompt))
        width = len(blocks) + 1
        n_blocks = np.bincount(np.unique(ids * width + blk + 1) // width, minlength=len(in_prompt))
        cap = max(cfg.spread_min_count, cfg.spread_rate * n)
        band = ((counts >= cfg.dispersed_min_count) & (counts <= cap) & ~in_prompt
                & (n_blocks >= np.minimum(counts, n_blocks_window) - cfg.dispersed_slack)
                & (n_blocks >= cfg.dispersed_min_count))
        counted += int(counts[band].sum())
    return counted / judged if judged else 0.0


def dispersed_tolerance(answer: str, cfg: StuffingConfig = DEFAULT) -> float:
    """``dispersed_tolerance_zh`` for answers whose tokens are mostly CJK characters, else
    ``dispersed_tolerance_en``."""
    classes = token_classes(answer)
    cjk = int(np.count_nonzero(classes & CJK))
    return cfg.dispersed_tolerance_zh if 2 * cjk > len(classes) else cfg.dispersed_tolerance_en


def proper_names(answer: str, candidates) -> set[str]:
    """Those of ``candidates`` (lower-cased terms) the answer always capitalises, at least once
    inside a sentence (after a lower-case word, a comma or a semicolon): names of people and places.
    They get the request terms' allowance, as the subject of the writing may recur. (Never written
    in lower case is tested as a substring: "frank" inside "frankly" counts, erring towards no name.)"""
    names = set()
    for w in candidates:
        if w.isascii() and w.isalpha() and w not in answer and re.search(
                r"(?<=[a-z,;)] )" + w.capitalize() + r"\b", answer):
            names.add(w)
    return names


def analyze_stuffing(answer: str, prompt: str = "", cfg: StuffingConfig = DEFAULT,
                     repeated: np.ndarray | None = None) -> StuffingReport:
    """Rates of the answer's content terms against the prompt and the ordinary-text allowance.
    ``repeated`` [T]: tokens the repetition measure flagged (left out of ``dispersed_share``)."""
    terms = answer_terms(answer)[0]
    n = len(terms)
    prompt_terms = set(content_words(tokenize(prompt))) if prompt else set()
    counts = Counter(terms)
    ranked = counts.most_common()
    # a speech's honoree, a story's hero: the subject too (only terms past the lowest allowance matter)
    low = max(cfg.spread_min_count, cfg.spread_rate * n)
    allowed_terms = prompt_terms | proper_names(answer, [w for w, c in ranked[:50] if c > low and w not in prompt_terms])
    k = cfg.top_k
    non_prompt = []
    for w, c in ranked:
        if w not in prompt_terms:
            non_prompt.append((w, c))
            if len(non_prompt) == k:
                break
    top_k_share = sum(c for _, c in non_prompt) / n if n else 0.0
    zipf = _harmonic(min(k, len(ranked))) / _harmonic(len(ranked)) if ranked else 0.0

    excess = 0.0
    top_terms = []
    for w, c in ranked[: max(k, 20)]:
        in_prompt = w in allowed_terms
        allowed = max(cfg.min_count, cfg.max_rate * n * (cfg.prompt_factor if in_prompt else 1.0))
        over = c > allowed
        if over:
            excess += c - allowed
        if len(top_terms) < k or over:
            top_terms.append((w, c, c / n, in_prompt, over))
    spread = 0.0
    for w, c in ranked:
        if c <= cfg.spread_min_count:
            break                       # ranked by count: no later term is over its allowance
        allowed = max(cfg.spread_min_count, cfg.spread_rate * n * (cfg.prompt_factor if w in allowed_terms else 1.0))
        spread += max(0.0, c - allowed)
    judged = n >= cfg.min_content_terms
    stuffed_share = excess / n if n and judged else 0.0
    spread_share = spread / n if n and judged else 0.0
    praise = praise_share(answer, counts) if judged else 0.0
    dispersed = dispersed_share(answer, prompt_terms, cfg, repeated) if judged else 0.0
    penalty = max(cfg.slope * stuffed_share, cfg.slope * (spread_share - cfg.spread_tolerance),
                  cfg.praise_slope * (praise - cfg.praise_rate),
                  cfg.dispersed_slope * (dispersed - dispersed_tolerance(answer, cfg)))
    score = min(1.0, max(0.0, 1.0 - penalty))
    return StuffingReport(score, judged, n, stuffed_share, spread_share, praise, dispersed, top_k_share, zipf,
                          top_terms)


def praise_share(answer: str, term_counts: Counter | None = None) -> float:
    """Length units of praise words (``PRAISE_EN`` tokens, ``PRAISE_ZH`` words) / all tokens.
    ``term_counts``: ``Counter(answer_terms(answer)[0])`` when the caller has it."""
    tokens = tokenize_answer(answer).tokens
    if not tokens:
        return 0.0
    english = sum(c for t, c in (term_counts or Counter(answer_terms(answer)[0])).items()
                  if t in PRAISE_EN or (t.endswith("ly") and t[:-2] in PRAISE_EN))
    chinese = sum(len(m.group(0)) for m in _PRAISE_ZH_RE.finditer(answer))
    return (english + chinese) / len(tokens)


def stuffing_score(answer: str, prompt: str = "", cfg: StuffingConfig = DEFAULT) -> tuple[float, dict[str, float]]:
    """(score in [0, 1], parts); 1.0 = no stuffing."""
    report = analyze_stuffing(answer, prompt, cfg)
    return report.score, report.parts()


@register_reward("stuffing")
class StuffingReward:
    """Keyword-stuffing score of each answer (registered as ``stuffing``).

    With weight 0 in the config it is a training-time monitor: the trainer logs its score and
    parts (``stuffing/stuffed_share``, ``stuffing/top_rate``, ...) without it moving the policy.
    """

    name = "stuffing"

    def __init__(self, settings: RewardSettings = RewardSettings(), max_rate: float = DEFAULT.max_rate,
                 prompt_factor: float = DEFAULT.prompt_factor, min_count: int = DEFAULT.min_count,
                 min_content_terms: int = DEFAULT.min_content_terms, slope: float = DEFAULT.slope):
        self.require_think = settings.require_think
        self.cfg = StuffingConfig(max_rate=max_rate, prompt_factor=prompt_factor, min_count=min_count,
                                  min_content_terms=min_content_terms, slope=slope)

    def __call__(self, prompts: Sequence[str], completions: Sequence[str],
                 samples: Sequence[dict]) -> RewardOutput:
        scores: list[float] = []
        parts: dict[str, list[float]] = {}
        for prompt, completion in zip(prompts, completions):
            report = analyze_stuffing(parse_completion(completion, self.require_think).answer, prompt, self.cfg)
            scores.append(report.score)
            for key, value in report.parts().items():
                if key != "score":
                    parts.setdefault(key, []).append(value)
        return RewardOutput(scores, parts)
