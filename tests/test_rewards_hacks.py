"""Hand-made length hacks (English and Chinese) against the default format reward: each scores at
most half of its honest essay on length x format, while honest essays and verse keep >= 0.95.

Each hack is built here from the honest essays in tests/data, as long as its essay; the red-team
suite in benchmarks/redteam/ holds more. A hack that is caught only by one detector is listed in
``ONLY_BY`` and is shown to pass with that detector turned off (the test can fail)."""

from __future__ import annotations

import dataclasses
import json
import random
import re
from pathlib import Path

import pytest

from longwriter_zero.rewards.format import FormatReward
from longwriter_zero.rewards.length import length_reward
from longwriter_zero.text.counting import count_length
from longwriter_zero.text.units import STOPWORDS, split_paragraphs, split_sentences

DATA = Path(__file__).parent / "data"
EN = (DATA / "honest_essay.txt").read_text()
ZH = (DATA / "honest_essay_zh.txt").read_text()
PROMPT_EN = "Write an essay on why small towns still need public libraries."
PROMPT_ZH = "请写一篇文章，谈谈小城为什么仍然需要公共图书馆。"

FILLER_EN = [
    "It is important to note that this point really matters a great deal.",
    "As everyone knows, this is something worth thinking about carefully.",
    "There are many different aspects to consider here, and each one matters.",
    "This is truly a significant issue that deserves our full attention.",
    "In the end, it is clear that these things play a very important role.",
    "We should always keep this in mind when we think about the whole topic.",
    "Of course, there is much more that could be said about this question.",
    "Indeed, it is worth remembering that every part of this is meaningful.",
]
_SALAD = ("ochre lantern quarry velvet orbit thistle cobalt harbor meridian saffron juniper glacier pylon "
         "marble falcon tundra ember quiver lattice monsoon cinder prairie walnut basalt cipher zephyr "
         "ferret canyon magnet plume oyster vessel granite nimbus tangent copper willow sonnet mosaic "
         "raven delta kernel amber furnace lagoon beacon crescent timber vortex pebble anchor bramble").split()
SALAD = _SALAD + [a + b for a in _SALAD[:12] for b in ("wood", "field", "stone", "light", "ward", "mere")] + \
    [a + suffix for suffix in ("ish", "ery", "less", "ine", "ary", "ist") for a in _SALAD]


def _cut(text: str, units: int) -> str:
    """The start of ``text``, whole sentences, until it holds ``units`` length units (paragraph
    and line breaks kept)."""
    out, n = [], 0
    for p in re.split(r"(\n+)", text):
        if n >= units:
            break
        if p.startswith("\n"):
            out.append(p)
            continue
        kept = []
        for sent in split_sentences(p):
            if n >= units:
                break
            kept.append(sent)
            n += count_length(sent)
        out.append(("" if re.search(r"[\u4e00-\u9fff]", p) else " ").join(kept))
    return "".join(out).strip()


def _sentences(text: str) -> list[str]:
    return [s for p in split_paragraphs(text) for s in split_sentences(p)]


def lines_repeated(essay: str) -> str:
    lines = [" ".join(s.split()[:7]) if " " in s else s[:10] for s in _sentences(essay)[1:11]]
    return _cut("\n".join(lines * 40), count_length(essay))


def short_items(essay: str) -> str:
    """A list of 2-3 word items (below every per-unit floor), the same 15 items over and over."""
    items = ["- " + " ".join(s.split()[:2 + i % 2]) if " " in s else "- " + s[:3]
             for i, s in enumerate(_sentences(essay)[:15])]
    return _cut("\n".join(items * 60), count_length(essay))


def rotated_line(essay: str) -> str:
    words = _sentences(essay)[1].rstrip(".").split()[:9]
    out, i = [], 0
    while count_length("\n".join(out)) < count_length(essay):
        out.append(" ".join(words[i % len(words):] + words[: i % len(words)]))
        i += 1
    return "\n".join(out)


def resplit_copy(essay: str) -> str:
    half = _cut(essay, count_length(essay) // 2)
    sents = _sentences(half)
    copy = [re.sub(r"^(\S+ \S+)", r"\1 truly", s) for s in sents]
    paras = [" ".join(copy[i:i + 3]) for i in range(0, len(copy), 3)]
    return _cut(half + "\n\n" + "\n\n".join(paras), count_length(essay))


def one_paragraph_copy(essay: str) -> str:
    half = _cut(essay, count_length(essay) // 2)
    sents = _sentences(half)
    return _cut(" ".join(sents + [re.sub(r"^(\S+)", r"\1 also", s) for s in sents]), count_length(essay))


def synonym_copy(essay: str) -> str:
    """Half the essay, then a copy with every content word replaced (a stand-in for synonyms:
    the function-word skeleton stays, every content word changes)."""
    half = _cut(essay, count_length(essay) // 2)
    rng = random.Random(0)
    vocab = SALAD

    def swap(m):
        w = m.group(0)
        return w if w.lower() in STOPWORDS else rng.choice(vocab)
    return half + "\n\n" + re.sub(r"[A-Za-z]+", swap, half)


def with_translation(essay: str, other: str) -> str:
    half = _cut(essay, count_length(essay) // 2)
    return half + "\n\n" + _cut(other, count_length(essay) - count_length(half))


def filler_sprinkled(essay: str) -> str:
    sents = _sentences(_cut(essay, int(count_length(essay) * 0.72)))
    out = []
    for i, s in enumerate(sents):
        out.append(s)
        if i % 2 == 1:
            out.append(FILLER_EN[(i // 2) % len(FILLER_EN)])
    return " ".join(out)


def word_salad(essay: str) -> str:
    rng = random.Random(1)
    half = _cut(essay, count_length(essay) // 2)
    words = rng.sample(SALAD, len(SALAD))
    chunks = [" ".join(words[i:i + 12]).capitalize() + "." for i in range(0, len(words), 12)]
    return _cut(half + "\n\n" + " ".join(chunks), count_length(essay))


def particles_zh(essay: str) -> str:
    rng = random.Random(2)
    out = []
    for ch in essay:
        out.append(ch)
        if "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.6:
            out.append(rng.choice("的了啊呢"))
    return _cut("".join(out), count_length(essay))


def spread_stuffing(essay: str) -> str:
    """~29% of the words inserted, spread over 25 terms so that none passes its own allowance."""
    rng = random.Random(0)
    terms = ("remarkable profound vibrant brilliant insightful compelling transformative nuanced exceptional "
             "extraordinary luminous resonant visionary enduring heartfelt stunning captivating masterful "
             "radiant timeless poignant evocative splendid illuminating inspiring").split()
    out = []
    for w in _cut(essay, int(count_length(essay) * 0.71)).split(" "):
        out.append(w)
        if rng.random() < 0.41:
            out.append(rng.choice(terms))
    return " ".join(out)


def echo_paraphrase(essay: str) -> str:
    """Each sentence followed by 'In other words,' and the sentence again with every third content
    word replaced and its word order turned around at the first comma (no copied 4-gram run survives)."""
    rng = random.Random(4)
    out = []
    for s in _sentences(_cut(essay, count_length(essay) // 2 + 20)):
        words = s.rstrip(".").split()
        k = 0
        for i, w in enumerate(words):
            if w.lower() not in STOPWORDS:
                k += 1
                if k % 3 == 0:
                    words[i] = rng.choice(SALAD)
        head, _, tail = " ".join(words).partition(", ")
        echo = f"{tail}, {head}" if tail else " ".join(words[len(words) // 2:] + words[: len(words) // 2])
        out += [s, "In other words, " + echo[0].lower() + echo[1:] + "."]
    return _cut(" ".join(out), count_length(essay))


def modal_particles_zh(essay: str) -> str:
    """Modal particles inside clauses (嘛 呗 咯 哇 after ~30% of the characters), where no particle goes."""
    rng = random.Random(5)
    body = "".join(ch + (rng.choice("嘛呗咯哇") if "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.3 else "")
                   for ch in essay)
    return _cut(body, count_length(essay))


def spread_stuffing_zh(essay: str) -> str:
    """~22% of the characters are 16 buzzwords inserted at random places, each only 3-4 times."""
    rng = random.Random(6)
    terms = "高质量 赋能 协同 闭环 抓手 落地 提质 增效 纵深 引领 前瞻 多维 融合 标杆 数字化 一体化".split()
    chars, i = [], 0
    for ch in essay:
        chars.append(ch)
        if "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.1:
            chars.append(terms[i % len(terms)])
            i += 1
    return _cut("".join(chars), count_length(essay))


HACKS = {
    "lines_repeated_en": (PROMPT_EN, EN, lines_repeated(EN)),
    "lines_repeated_zh": (PROMPT_ZH, ZH, lines_repeated(ZH)),
    "rotated_line_en": (PROMPT_EN, EN, rotated_line(EN)),
    "short_items_en": (PROMPT_EN, EN, short_items(EN)),
    "short_items_zh": (PROMPT_ZH, ZH, short_items(ZH)),
    "restated_thesis_en": (PROMPT_EN, (DATA / "honest_essay.txt").read_text()[:2300].rsplit("\n\n", 1)[0],
                           (DATA / "restated_thesis.txt").read_text()),
    "resplit_copy_en": (PROMPT_EN, EN, resplit_copy(EN)),
    "one_paragraph_copy_en": (PROMPT_EN, EN, one_paragraph_copy(EN)),
    "synonym_copy_en": (PROMPT_EN, EN, synonym_copy(EN)),
    "translation_en_zh": (PROMPT_EN, EN, with_translation(EN, ZH)),
    "translation_zh_en": (PROMPT_ZH, ZH, with_translation(ZH, EN)),
    "filler_en": (PROMPT_EN, EN, filler_sprinkled(EN)),
    "word_salad_en": (PROMPT_EN, EN, word_salad(EN)),
    "particles_zh": (PROMPT_ZH, ZH, particles_zh(ZH)),
    "spread_stuffing_en": (PROMPT_EN, EN, spread_stuffing(EN)),
    "echo_paraphrase_en": (PROMPT_EN, EN, echo_paraphrase(EN)),
    "modal_particles_zh": (PROMPT_ZH, ZH, modal_particles_zh(ZH)),
    "spread_stuffing_zh": (PROMPT_ZH, ZH, spread_stuffing_zh(ZH)),
}


def _reward(prompt: str, answer: str, honest: str, **options) -> float:
    n_honest = count_length(honest)
    lo, hi = int(n_honest * 0.9), int(n_honest * 1.1)
    fmt = FormatReward(**options).score_one(prompt, f"<think>plan</think><answer>{answer}</answer>")[0]
    return length_reward(count_length(answer), lo, hi, 14000) * fmt


@pytest.mark.parametrize("name", sorted(HACKS))
def test_hack_scores_at_most_half_of_honest(name):
    prompt, honest, hack = HACKS[name]
    assert 0.85 <= count_length(hack) / count_length(honest) <= 1.15       # as long as the essay
    assert _reward(prompt, hack, honest) <= 0.5 * _reward(prompt, honest, honest)


@pytest.mark.parametrize("prompt,essay", [(PROMPT_EN, EN), (PROMPT_ZH, ZH)])
def test_honest_essays_keep_full_format(prompt, essay):
    assert FormatReward().score_one(prompt, f"<think>plan</think><answer>{essay}</answer>")[0] >= 0.95


def _reward_with(prompt: str, answer: str, honest: str, repetition=None, padding=None, stuffing=None) -> float:
    """``_reward`` with some detector configurations replaced."""
    n_honest = count_length(honest)
    fmt = FormatReward()
    for attr, changes in (("repetition_cfg", repetition), ("padding_cfg", padding), ("stuffing_cfg", stuffing)):
        if changes:
            setattr(fmt, attr, dataclasses.replace(getattr(fmt, attr), **changes))
    score = fmt.score_one(prompt, f"<think>plan</think><answer>{answer}</answer>")[0]
    return length_reward(count_length(answer), int(n_honest * 0.9), int(n_honest * 1.1), 14000) * score


# hack -> the detector(s) that catch it, switched off: the hack then scores above half its essay
ABLATIONS = {
    # (its "synonyms" are invented words: the invented-word check switched off too)
    "synonym_copy_en": {"repetition": {"skeleton_min_function": 10**6}, "padding": {"pseudo_min_words": 10**6}},
    # (the repeated items also over-use their words and look like restatement: switched off too)
    "short_items_en": {"repetition": {"copy_containment": 2.0, "pool_tokens": 10**6}, "stuffing": {"slope": 0.0},
                       "padding": {"restate_tolerance_en": 1.0}},
    "short_items_zh": {"repetition": {"copy_containment": 2.0, "pool_tokens": 10**6}, "stuffing": {"slope": 0.0},
                       "padding": {"restate_tolerance_zh": 1.0}},
    "translation_en_zh": {"padding": {"language": False}},
    "translation_zh_en": {"padding": {"language": False}},
    # (inserted particles also stretch clauses past the unpunctuated-salad length, and sit inside
    # clauses: those checks switched off too)
    "particles_zh": {"padding": {"particle_rate": 1.0, "salad_zh_share": 1.01, "midclause_particles": 10**6}},
    "filler_en": {"padding": {"filler_min_tokens": 10**6}},
    "word_salad_en": {"padding": {"salad_min_words": 10**6, "pseudo_min_words": 10**6, "unique_en": 1.01}},
    # (25 praise words in every paragraph also look like restatement: switched off too)
    "spread_stuffing_en": {"stuffing": {"spread_tolerance": 1.0, "praise_rate": 1.0},
                           "padding": {"restate_tolerance_en": 1.0}},
    "restated_thesis_en": {"padding": {"restate_tolerance_en": 1.0}},
    "echo_paraphrase_en": {"repetition": {"echo_jaccard": 2.0}},
    "modal_particles_zh": {"padding": {"midclause_particles": 10**6, "particle_rate": 1.0, "salad_zh_share": 1.01}},
    "spread_stuffing_zh": {"stuffing": {"dispersed_slope": 0.0}},
}


@pytest.mark.parametrize("name", sorted(ABLATIONS))
def test_hack_passes_with_its_detector_switched_off(name):
    prompt, honest, hack = HACKS[name]
    assert _reward_with(prompt, hack, honest, **ABLATIONS[name]) > 0.5 * _reward(prompt, honest, honest)


def test_honest_forms_keep_full_format():
    rows = [json.loads(line) for line in (DATA / "honest_forms.jsonl").read_text().splitlines()]
    for row in rows:
        score = FormatReward().score_one(row["prompt"], f"<think>plan</think><answer>{row['response']}</answer>")[0]
        assert score >= 0.95, row["id"]
