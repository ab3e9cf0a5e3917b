"""The sixth held-out red-team suite (benchmarks/redteam/fresh6): schema, counts, reproducibility,
and that every hack really carries its padding.

Loads the suite with the benchmark's own loader (``reward_redteam.load_suite``), so a row the
benchmark would refuse fails here too. Scores nothing.
"""

from __future__ import annotations

import random
from pathlib import Path

from redteam_checks import (blind_suite_problems, check_damaged_copy_caught, check_dangling_base_refused,
                            check_essays_with_aligned_translations, check_files_match_generator, earlier_values,
                            load_module)

ROOT = Path(__file__).resolve().parents[1]
SUITES = ROOT / "benchmarks" / "redteam"
FOLDER = SUITES / "fresh6"
EARLIER = (SUITES, SUITES / "fresh", SUITES / "fresh2", SUITES / "fresh3", SUITES / "fresh4", SUITES / "fresh5")


redteam = load_module("reward_redteam_under_test", ROOT / "benchmarks" / "reward_redteam.py")
maker = load_module("make_fresh6_hacks_under_test", FOLDER / "make_fresh6_hacks.py")


def earlier_kinds() -> set[str]:
    """Every hack kind of the earlier suites (a new suite must not reuse one)."""
    return earlier_values(EARLIER, "hacks.jsonl", "kind")


def earlier_genres() -> set[str]:
    """Every honest-corpus genre of the earlier suites."""
    return earlier_values(EARLIER, "honest_corpus.jsonl", "genre")


def suite_problems(suite: dict[str, list[dict]]) -> list[str]:
    """What keeps a loaded suite from being the fresh6 suite the generator describes (empty: none)."""
    essays, hacks, corpus = suite["essays"], suite["hacks"], suite["honest_corpus"]
    problems = blind_suite_problems(suite, maker, 80, earlier_kinds())
    genres = {r.get("genre") for r in corpus}
    if genres & earlier_genres():
        problems.append(f"genres already in an earlier suite: {sorted(genres & earlier_genres())}")
    parts = maker.load_parts(FOLDER / "hand_parts.txt")
    by_id = {e["id"]: e for e in essays}
    for h in hacks:
        if h.get("base") not in by_id or h.get("kind") not in maker.PADDING:
            continue
        essay = maker.answer_of(by_id[h["base"]]["response"])
        marks = maker.padding_marks(h["kind"], maker.answer_of(h["response"]), h["lang"], parts, essay, h["base"])
        if marks < maker.MIN_PADDING_MARKS:
            problems.append(f"{h['id']}: {marks} marks of its padding, want >= {maker.MIN_PADDING_MARKS}")
    return problems


def test_fresh6_suite_schema_and_counts():
    suite = redteam.load_suite(FOLDER)
    assert suite_problems(suite) == []
    assert redteam.suite_folder(str(FOLDER)) == FOLDER
    # the reuse checks really compare against every earlier suite (one kind of each, fresh5 included)
    assert {"repeat_tiny_lines", "stanza_refrain", "chant_lines", "summary_ladder",
            "ticker_lines"} <= earlier_kinds()
    assert {"rondeau", "sestina", "villanelle"} <= earlier_genres()
    assert set(maker.KNOWN_FAMILIES) <= set(maker.KINDS) and set(maker.PADDING) == set(maker.KINDS)


def test_fresh6_essays_exist_with_aligned_translations():
    check_essays_with_aligned_translations(maker, FOLDER)


def test_fresh6_problems_are_seen_on_a_damaged_copy():
    suite = redteam.load_suite(FOLDER)
    full = check_damaged_copy_caught(suite, maker, suite_problems, 80, "summary_ladder")
    assert any(f"{suite['hacks'][0]['id']}: 0 marks of its padding" in p for p in full)
    regenred = dict(suite, honest_corpus=[dict(suite["honest_corpus"][0], genre="rondeau")] + suite["honest_corpus"][1:])
    assert any("genres already in an earlier suite: ['rondeau']" in p for p in suite_problems(regenred))


def test_fresh6_every_hack_adds_text_to_its_essay():
    """No hack is its essay cut short: each shows its padding, and its text is not a piece of the essay."""
    suite = redteam.load_suite(FOLDER)
    essays = {e["id"]: maker.answer_of(e["response"]) for e in suite["essays"]}
    for h in suite["hacks"]:
        answer = maker.answer_of(h["response"])
        assert answer.strip() not in essays[h["base"]], h["id"]
        assert not essays[h["base"]].startswith(answer.strip()), h["id"]


def test_fresh6_loader_rejects_a_dangling_base(tmp_path):
    check_dangling_base_refused(redteam, FOLDER, tmp_path)


def test_fresh6_files_are_what_the_generator_writes():
    check_files_match_generator(maker, FOLDER, "make_fresh6_hacks.py")


def test_fresh6_builders_by_hand():
    assert maker.hedge("The shop closed.", "Arguably,", "en") == "Arguably, the shop closed."
    assert maker.hedge("Sundback joined in 1906.", "Perhaps,", "en") == "Perhaps, Sundback joined in 1906."
    assert maker.hedge("天很蓝。", "或许可以说，", "zh") == "或许可以说，天很蓝。"
    assert maker.first_clause("\"Well, that was it.\"") == "Well"
    assert maker.first_clause("这说明蚂蚁是在“数步子”，对吧。") == "这说明蚂蚁是在数步子"
    assert maker.join_terms(["a", "b", "c"], "en") == "a, b and c"
    assert maker.join_terms(["甲", "乙"], "zh") == "甲、乙"
    ctx = {"lang": "zh", "text": "我们今天早上去了公园，公园里的花都开了。", "rng": random.Random(0),
           "target": 22, "parts": {"zh.particles": ["的呀"]}}
    assert maker.k_particle_sprinkle_inline(ctx) == "我们今天的呀早上去了公园，公园里的的呀花都开了。"
    ctx = {"id": "x", "lang": "en", "text": "One two three four five.", "rng": random.Random(0),
           "target": 6, "parts": {"x.keywords": ["zip"]}}
    assert maker.k_keyword_bold_parentheticals(ctx) == "One two three (**zip**) four five."
    ctx = dict(ctx, text="One two. Three four.", target=8)
    assert maker.k_rotating_bullet_stanzas(ctx) == "- One two.\n- Three four.\n\n- Three four.\n- One two."
    text = "Plain words.\n\nThis touches on a, b, c and d.\n\nMore words.\n\nThis touches on e, f, g and h."
    assert maker.padding_marks("keyword_roundup_sentences", text, "en", {}, "Plain words. More words.", "x") == 2
