"""The third held-out red-team suite (benchmarks/redteam/fresh3): schema, counts, reproducibility.

Loads the suite with the benchmark's own loader (``reward_redteam.load_suite``), so a row the
benchmark would refuse fails here too. Scores nothing.
"""

from __future__ import annotations

from pathlib import Path

from redteam_checks import check_dangling_base_refused, check_files_match_generator, common_problems, load_module

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "benchmarks" / "redteam" / "fresh3"


redteam = load_module("reward_redteam_under_test", ROOT / "benchmarks" / "reward_redteam.py")
maker = load_module("make_fresh3_hacks_under_test", FOLDER / "make_fresh3_hacks.py")
FRESH2_KINDS = {"stanza_refrain", "rotated_lines", "resplit_added_words", "synonym_copy", "one_block_reshuffle",
                "translation_appended", "translation_interleaved", "filler_sprinkled", "restated_thesis",
                "word_salad", "keywords_spread", "particle_padding", "word_shuffle", "spoken_tics",
                "offtopic_padding", "boilerplate_frame", "templated_points", "near_identical_table",
                "prompt_quoting", "echo_dialogue", "synonym_enumeration", "reversed_sentences", "pseudo_words",
                "changed_numbers", "markdown_sections", "bibliography_padding", "self_paraphrase",
                "stacked_summaries", "question_echo", "tag_cloud_tail", "chengyu_stacking"}


def suite_problems(suite: dict[str, list[dict]]) -> list[str]:
    """What keeps a loaded suite from being the fresh3 suite the docs describe (empty: none)."""
    essays, hacks = suite["essays"], suite["hacks"]
    problems = common_problems(suite, maker, 4, 60, 15)
    kinds = {h["kind"] for h in hacks}
    own = kinds - set(maker.KNOWN_FAMILIES)
    if len(own) < 8:
        problems.append(f"{len(own)} kinds of the suite's own, want >= 8")
    if len(kinds & set(maker.KNOWN_FAMILIES)) < 8:
        problems.append("fewer than 8 variations of the known hack families")
    reused = kinds & FRESH2_KINDS
    if reused:
        problems.append(f"kinds already in fresh2: {sorted(reused)}")
    for e in essays:
        lo, hi = e["range"]
        if not lo <= maker.units(maker.answer_of(e["response"]), e["lang"]) <= hi:
            problems.append(f"{e['id']}: outside its own range")
    return problems


def test_fresh3_suite_schema_and_counts():
    suite = redteam.load_suite(redteam.suite_folder("fresh3"))
    assert suite_problems(suite) == []
    assert redteam.suite_folder("fresh3") == FOLDER


def test_fresh3_problems_are_seen_on_a_damaged_copy():
    suite = redteam.load_suite(FOLDER)
    damaged = {"essays": suite["essays"][1:], "hacks": suite["hacks"][:59],
               "honest_corpus": [r for r in suite["honest_corpus"] if r["lang"] == "en"]}
    problems = suite_problems(damaged)
    assert any("essays, want >= 4" in p for p in problems)
    assert any("hacks, want >= 60" in p for p in problems)
    assert any("honest_corpus: languages" in p for p in problems)
    assert any("is not an essay" in p for p in problems)      # hacks of the dropped essay
    renamed = dict(suite, hacks=[dict(h, kind="synonym_copy") if i < 3 else h for i, h in enumerate(suite["hacks"])])
    assert any("kinds already in fresh2: ['synonym_copy']" in p for p in suite_problems(renamed))


def test_fresh3_loader_rejects_a_dangling_base(tmp_path):
    check_dangling_base_refused(redteam, FOLDER, tmp_path)


def test_fresh3_files_are_what_the_generator_writes():
    check_files_match_generator(maker, FOLDER, "make_fresh3_hacks.py")


def test_units_and_sentences_by_hand():
    assert maker.units("It's a test-case, 2 words? No: five.", "en") == 7   # It's a test-case 2 words No five
    assert maker.units("我爱北京。OK then", "zh") == 4 + 2
    assert maker.sentences("One. Two! \"Three?\" four.", "en") == ["One.", "Two!", "\"Three?\" four."]
    assert maker.sentences("他说：“好。”我走了。", "zh") == ["他说：“好。”", "我走了。"]
    assert maker.swap_synonyms("Maps matter.", {"maps": "charts"}, "en") == "Charts matter."
    assert maker.wrap("plan", "text") == "<think>plan</think>\n<answer>\ntext\n</answer>"
    assert maker.answer_of(maker.wrap("plan", "two\n\nparas")) == "two\n\nparas"
    rng = maker.random.Random(0)
    words = maker.intensify("A clear, cold sky.", ["clear"], "en", rng).split()
    assert len(words) == 5 and words[0] == "A" and words[2:] == ["clear,", "cold", "sky."]
    assert maker.intensify("天空很漂亮。", ["漂亮"], "zh", rng).endswith("漂亮。")
    assert maker.items({"k": ["a, b", "c"]}, "k") == ["a", "b", "c"]
