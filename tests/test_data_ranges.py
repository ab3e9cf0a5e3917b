"""Length ranges: explicit targets (en/zh), the paper's rules with hand-computed bounds, priors, the judge backend."""

from __future__ import annotations

import json
import threading
from collections import Counter

import pytest
from fastapi import FastAPI, Request

from longwriter_zero.cli import main
from longwriter_zero.data.ranges import (LengthRequirement, normalize_range, parse_chinese_number,
                                         parse_english_number, parse_length_requirement, predict_ranges,
                                         prior_range, range_for, repair_range)
from longwriter_zero.judge.client import JudgeClient
from longwriter_zero.serving.background import BackgroundServer


@pytest.mark.parametrize("text, kind, low, high", [
    ("Write a 2,000-word essay on tides.", "about", 2000, 2000),
    ("at least 1500 words", "at_least", 1500, 1500),
    ("no more than 800 words", "at_most", 800, 800),
    ("The essay must not exceed 800 words.", "at_most", 800, 800),
    ("3000字左右", "about", 3000, 3000),
    ("不少于5000字", "at_least", 5000, 5000),
    ("不超过1500字", "at_most", 1500, 1500),
    ("字数在6000到8000字之间", "between", 6000, 8000),
    ("2000-2500 words", "between", 2000, 2500),
    ("between 1500 and 2000 words", "between", 1500, 2000),
    ("two thousand words", "about", 2000, 2000),
    ("one hundred and fifty words", "about", 150, 150),
    ("三千字的小说", "about", 3000, 3000),
    ("一万五千字", "about", 15000, 15000),
    ("1.5万字", "about", 15000, 15000),
    ("5k words", "about", 5000, 5000),
    ("500 words or less", "at_most", 500, 500),
    ("1000+ words", "at_least", 1000, 1000),
    ("a 5 paragraph essay", "between", 500, 750),       # 100-150 words a paragraph
    ("write three pages", "about", 1500, 1500),         # 500 words a page
    ("a 10 minute speech", "about", 1500, 1500),        # 150 spoken words a minute
    ("2000 tokens", "about", 1500, 1500),               # 0.75 words a token
    ("a 5-paragraph essay of at least 1000 words", "at_least", 1000, 1000),  # words beat paragraphs
])
def test_explicit_targets(text, kind, low, high):
    req = parse_length_requirement(text)
    assert req is not None and (req.kind, req.low, req.high) == (kind, low, high)


@pytest.mark.parametrize("text", ["写一篇关于十字路口的故事", "Write a page-turner thriller about spies",
                                  "Write a story set in 1982 about 3 friends", "a 45-minute lesson plan on fractions",
                                  "List 15 emojis", "Write an essay"])
def test_numbers_that_are_not_lengths(text):
    assert parse_length_requirement(text) is None


def test_number_words():
    assert parse_english_number("two thousand five hundred") == 2500
    assert parse_english_number("fifteen hundred") == 1500
    assert parse_english_number("a thousand") == 1000
    assert [parse_chinese_number(x) for x in ["三千", "一千五", "一千零五", "两万", "一万五", "十五", "五百"]] == \
        [3000, 1500, 1005, 20000, 15000, 15, 500]


def req(kind, n, high=None):
    return LengthRequirement(kind, n, n if high is None else high, "words", "")


@pytest.mark.parametrize("kind, n, expected", [
    # about N: 0.9N rounded to 100 with ties down, 1.1N with ties up, widened to contain N
    ("about", 2000, (1800, 2200)),
    ("about", 1200, (1100, 1300)),   # 1080 -> 1100, 1320 -> 1300
    ("about", 500, (400, 600)),      # 450 -> 400 (tie down), 550 -> 600 (tie up)
    ("about", 100, (100, 200)),      # 90 -> 100, 110 -> 100: empty, so widened up
    ("about", 170, (100, 200)),      # 153 -> 200 would exclude 170: lowered to 100
    ("about", 50, (0, 100)),
    ("about", 12000, (10800, 12000)),
    ("about", 12500, (0, 0)),        # beyond the 12,000 limit: unfulfillable
    # at least N: [N, 1.1N]
    ("at_least", 1500, (1500, 1700)),  # 1650 -> 1700
    ("at_least", 200, (200, 300)),
    ("at_least", 6000, (6000, 6600)),
    # no more than N: [0.9N, N]; an empty range widens downwards
    ("at_most", 800, (700, 800)),      # 720 -> 700
    ("at_most", 200, (100, 200)),
    ("at_most", 50, (0, 100)),
    ("at_most", 20000, (0, 0)),
])
def test_paper_rules_by_hand(kind, n, expected):
    assert range_for(req(kind, n)) == expected


def test_between_wider_than_3000_is_narrowed_around_the_middle():
    assert range_for(req("between", 1000, 5000)) == (1500, 4500)
    assert range_for(req("between", 10000, 15000)) == (10000, 12000)


def test_rules_hold_for_every_target():
    for n in range(1, 12001, 7):
        for kind in ("about", "at_least", "at_most"):
            lo, hi = range_for(req(kind, n))
            assert lo % 100 == 0 and hi % 100 == 0 and 0 <= lo < hi <= 12000 and hi - lo <= 3000, (kind, n)
            assert lo <= n <= hi, (kind, n, lo, hi)


def test_normalize_and_repair():
    assert normalize_range(2250, 1740) == (1700, 2300)          # swapped, rounded outwards on ties only
    assert normalize_range(0, 20000) == (4500, 7500)              # clamped to 12000, then 3000 wide around 6000
    assert repair_range({"range": [1830, 2210]}) == (1800, 2200)
    assert repair_range({"range": ["800", "1,000"]}) == (800, 1000)
    assert repair_range({"range": [3000, 1000]}) == (1000, 3000)
    assert repair_range({"range": [15000, 20000]}) == (0, 0)
    assert repair_range({"range": [0, 0]}) == (0, 0)
    assert repair_range({"range": {"lower": 500, "upper": 700}}) == (500, 700)
    for bad in [None, {}, {"range": [1]}, {"range": "long"}, {"range": [-5, 100]}, {"range": [True, 3]}]:
        assert repair_range(bad) is None


def test_priors_by_kind_of_writing():
    assert prior_range("Write an essay about friendship for my English class.") == ((800, 1000), "essay")
    assert prior_range("Write a research paper on CRISPR.")[0] == (6000, 9000)
    assert prior_range("写一首关于秋天的诗")[1] == "poem"
    assert prior_range("Write a short story about a lighthouse.")[1] == "short story"
    assert prior_range("Write a short poem about rain.")[0] == (100, 200)          # halved: [50, 150] -> [100, 200]
    assert prior_range("Write a detailed report on water use.")[0] == (2200, 4500)  # x1.5: [2250, 4500], tie down
    assert prior_range("Something about my holidays")[1] == "other writing"


def test_longbench_explicit_lengths_are_covered(longbench_en):
    """Acceptance: >= 95% of LongBench-Write prompts with a stated length get a range containing it."""
    rows = [json.loads(line) for line in longbench_en.read_text().splitlines() if line.strip()]
    preds = predict_ranges([r["prompt"] for r in rows])
    explicit = [(r, p) for r, p in zip(rows, preds) if p.source == "explicit"]
    assert len(explicit) >= 55
    covered = sum(p.range[0] <= r["length"] <= p.range[1] for r, p in explicit)
    assert covered / len(explicit) >= 0.95


def range_judge():
    """A judge server answering garbage first, then a sloppy range for each request."""
    app = FastAPI()
    app.state.seen = Counter()
    lock = threading.Lock()

    @app.post("/v1/chat/completions")
    async def chat(request: Request):
        body = await request.json()
        text = body["messages"][1]["content"]
        with lock:
            app.state.seen[text] += 1
            n = app.state.seen[text]
        content = "I would say it should be fairly long." if n == 1 else 'Sure: {"range": [1830, 2260],}'
        return {"id": "x", "object": "chat.completion", "created": 0, "model": "judge",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]}

    return app


def test_llm_backend_repairs_and_retries(tmp_path):
    with BackgroundServer(range_judge()) as server:
        client = JudgeClient(server.url, "judge", cache_path=str(tmp_path / "c.sqlite"), backoff=0.01)
        preds = predict_ranges(["Write an essay about rivers.", "Write a 500-word story.", "Write a poem."],
                               backend="llm", client=client)
        assert [(p.range, p.source) for p in preds] == [((1800, 2300), "judge"), ((400, 600), "explicit"),
                                                        ((1800, 2300), "judge")]
        assert client.calls_made == 4    # two prompts without a length, each: garbage, then a readable range
        fresh = JudgeClient(server.url, "judge")
        preds = predict_ranges(["Write a sonnet."], backend="llm", client=fresh, retries=0)
        assert (preds[0].range, preds[0].source) == ((100, 300), "prior")   # never readable: the prior


def test_cli_ranges(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"prompt": "Write a 2,000-word essay.", "id": "a"}\n{"prompt": "写一首诗", "id": "b"}\n'
                   '{"prompt": "Write a 100,000-word novel.", "id": "c"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["data", "ranges", "--input", str(src), "--output", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["range"], r["range_source"]) for r in rows] == [
        ("a", [1800, 2200], "explicit"), ("b", [100, 300], "prior"), ("c", [0, 0], "explicit")]
    src.write_text('{"prompt": ""}\n')
    assert main(["data", "ranges", "--input", str(src), "--output", str(out)]) == 2


# ---- lengths as people state them (each range worked out by hand from the paper's rules)
@pytest.mark.parametrize("text, expected", [
    # "a word count": not "a word" = 1 word
    ("I need an essay on urban heat islands with a word count of 2000-2500 words.", (2000, 2500)),
    ("Write a report on bees with a word count no less than 8,000.", (8000, 8800)),          # at least: [N, 1.1N]
    ("Write an article on bicycles, with a word count requirement of 3000 words.", (2700, 3300)),
    ("Word count: 1200. Topic: procrastination. Format: blog post.", (1100, 1300)),          # 1080 -> 1100, 1320 -> 1300
    # a number followed by 左右 after a label
    ("写一篇关于垃圾分类的倡议书，字数1400左右。", (1300, 1500)),                              # 1260 -> 1300, 1540 -> 1500
    ("请写一篇企业年会致辞，字数要求：2000左右。", (1800, 2200)),
    # totals made of parts
    ("Write five blog entries about living on a houseboat, each of about 400 words.", (1800, 2200)),   # 5 x 400
    ("Write 20 customer reviews for a coffee grinder, each 30–80 words.", (600, 1600)),                # 20 x 30..80
    ("Write a report in three sections of ~2000 words each, over 6000 words in all.", (6000, 6600)),   # the total
    ("写一篇读书报告，分两部分，两部分各写1000字。", (1800, 2200)),                                     # 2 x 1000
    ("写20条商品好评，每条30-80字。", (600, 1600)),
    ("Write four 400-word scenes from a romantic comedy.", (1400, 1800)),                              # 1440 -> 1400, 1760 -> 1800
    ("写一个系列故事，共四篇，每篇1000字左右。", (3600, 4400)),
    # durations at 150 English words / 250 Chinese characters a minute
    ("Write a speech for my sister's wedding that is about 5 minutes long.", (700, 800)),   # 750: 675 -> 700, 825 -> 800
    ("写一段90秒的口播文案，介绍新款电动牙刷。", (300, 400)),                                  # 375: 337.5 -> 300, 412.5 -> 400
    ("Write a script for a 25-second video ad.", (0, 100)),                                 # 62.5: 56 -> 100, 69 -> 100; lowered to hold 62.5
    ("写一个3-5分钟的口播稿，主题是保护视力。", (700, 1300)),                                  # 750..1250 -> [700, 1300]
    ("Write a speech of 3-5 minutes for a graduation party.", (400, 800)),                  # 450..750 -> [400, 800]
    # pages: 500 English words, 800 Chinese characters
    ("Write a short story, 2-3 pages, about a lighthouse.", (1000, 1500)),
    ("写一篇两页纸的申请书。", (1400, 1800)),                                                  # 1600: 1440 -> 1400, 1760 -> 1800
    ("Write a one page essay on why I want to study medicine.", (400, 600)),                # "a one page" is one page
    ("Write a two thousand word history of the Silk Road.", (1800, 2200)),
    # numbers in pasted or quoted material do not count
    ("以下是一个故事：从前有个书生，一页一页地抄书，抄了几万字。\n请根据这个故事，写一篇三千字的小说。", (2700, 3300)),
    ("我的初稿（只有300字，太短了）：远程办公改变了生活。\n请把它扩写成2000字的文章。", (1800, 2200)),
    ('Write a 1000-word story that begins: "The letter was four pages long, and the last page was blank."',
     (900, 1100)),
    ("Meeting notes: 23 people; see page 2 of the plan; budget 3 pages long.\nWrite a 700-word press release.",
     (600, 800)),                                                                           # 630 -> 600, 770 -> 800
])
def test_stated_lengths_people_write(text, expected):
    pred = predict_ranges([text])[0]
    assert (pred.source, pred.range) == ("explicit", expected), pred.detail


@pytest.mark.parametrize("text", [
    "以下是我奶奶讲的故事：书生一页一页地抄书，抄了几万字。\n请根据这个故事写一篇小说。",   # 几万字 / 一页 in the story
    "Excerpt:\nHer brother once wrote her a letter of four thousand words.\nContinue the story.",
    "Write a persuasive speech about why students should learn a second language.",     # "a second" is no duration
    "Write a detailed lesson plan for a 45-minute Year 7 class on the water cycle.",      # a lesson, not spoken text
])
def test_material_and_non_lengths_are_ignored(text):
    assert parse_length_requirement(text) is None


def test_range_detail_says_why():
    preds = predict_ranges(["写一篇读书报告，两部分各写1000字。", "about 5 minutes long speech", "Write a 2-3 page essay."])
    assert [p.detail for p in preds] == ['about 2000 chars from "1000字" (2 parts)',
                                         'about 750 words from "5 minutes" (150 a minute spoken)',
                                         'between 1000-1500 words from "2-3 page" (500 a page)']
