"""The second held-out red-team suite (benchmarks/redteam/fresh2): schema, counts, reproducibility.

Loads the suite with the benchmark's own loader (``reward_redteam.load_suite``), so a row the
benchmark would refuse fails here too. Scores nothing.
"""

from __future__ import annotations

from pathlib import Path

from redteam_checks import check_dangling_base_refused, check_files_match_generator, common_problems, load_module

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "benchmarks" / "redteam" / "fresh2"


redteam = load_module("reward_redteam_under_test", ROOT / "benchmarks" / "reward_redteam.py")
maker = load_module("make_fresh2_hacks_under_test", FOLDER / "make_fresh2_hacks.py")


def suite_problems(suite: dict[str, list[dict]]) -> list[str]:
    """What keeps a loaded suite from being the fresh2 suite the docs describe (empty: none)."""
    essays, hacks = suite["essays"], suite["hacks"]
    problems = common_problems(suite, maker, 4, 60, 20)
    own = {h["kind"] for h in hacks} - set(maker.KNOWN_FAMILIES)
    if len(own) < 10:
        problems.append(f"{len(own)} kinds of the suite's own, want >= 10")
    for e in essays:
        lo, hi = e["range"]
        if not lo <= maker.units(maker.answer_of(e["response"]), e["lang"]) <= hi:
            problems.append(f"{e['id']}: outside its own range")
    return problems


def test_fresh2_suite_schema_and_counts():
    suite = redteam.load_suite(redteam.suite_folder("fresh2"))
    assert suite_problems(suite) == []
    assert redteam.suite_folder("fresh2") == FOLDER


def test_fresh2_problems_are_seen_on_a_damaged_copy():
    suite = redteam.load_suite(FOLDER)
    damaged = {"essays": suite["essays"][1:], "hacks": suite["hacks"][:59],
               "honest_corpus": [r for r in suite["honest_corpus"] if r["lang"] == "en"]}
    problems = suite_problems(damaged)
    assert any("essays, want >= 4" in p for p in problems)
    assert any("hacks, want >= 60" in p for p in problems)
    assert any("honest_corpus: languages" in p for p in problems)
    assert any("is not an essay" in p for p in problems)      # hacks of the dropped essay


def test_fresh2_loader_rejects_a_dangling_base(tmp_path):
    check_dangling_base_refused(redteam, FOLDER, tmp_path)


def test_fresh2_files_are_what_the_generator_writes():
    check_files_match_generator(maker, FOLDER, "make_fresh2_hacks.py")


def test_units_and_sentences_by_hand():
    assert maker.units("It's a test-case, 2 words? No: five.", "en") == 7   # It's a test-case 2 words No five
    assert maker.units("我爱北京。OK then", "zh") == 4 + 2
    assert maker.sentences("One. Two! \"Three?\" four.", "en") == ["One.", "Two!", "\"Three?\" four."]
    assert maker.sentences("他说：“好。”我走了。", "zh") == ["他说：“好。”", "我走了。"]
    assert maker.swap_synonyms("Maps matter.", {"maps": "charts"}, "en") == "Charts matter."
    assert maker.wrap("plan", "text") == "<think>plan</think>\n<answer>\ntext\n</answer>"
    assert maker.answer_of(maker.wrap("plan", "two\n\nparas")) == "two\n\nparas"
