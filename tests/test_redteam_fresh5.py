"""The fifth held-out red-team suite (benchmarks/redteam/fresh5): schema, counts, reproducibility.

Loads the suite with the benchmark's own loader (``reward_redteam.load_suite``), so a row the
benchmark would refuse fails here too. Scores nothing.
"""

from __future__ import annotations

from pathlib import Path

from redteam_checks import (blind_suite_problems, check_damaged_copy_caught, check_dangling_base_refused,
                            check_essays_with_aligned_translations, check_files_match_generator, earlier_values,
                            load_module)

ROOT = Path(__file__).resolve().parents[1]
SUITES = ROOT / "benchmarks" / "redteam"
FOLDER = SUITES / "fresh5"
EARLIER = (SUITES, SUITES / "fresh", SUITES / "fresh2", SUITES / "fresh3", SUITES / "fresh4")


redteam = load_module("reward_redteam_under_test", ROOT / "benchmarks" / "reward_redteam.py")
maker = load_module("make_fresh5_hacks_under_test", FOLDER / "make_fresh5_hacks.py")


def earlier_kinds() -> set[str]:
    """Every hack kind of the earlier suites (a new suite must not reuse one)."""
    return earlier_values(EARLIER, "hacks.jsonl", "kind")


def earlier_genres() -> set[str]:
    """Every honest-corpus genre of the earlier suites."""
    return earlier_values(EARLIER, "honest_corpus.jsonl", "genre")


def suite_problems(suite: dict[str, list[dict]]) -> list[str]:
    """What keeps a loaded suite from being the fresh5 suite the docs describe (empty: none)."""
    return blind_suite_problems(suite, maker, 64, earlier_kinds())


def test_fresh5_suite_schema_and_counts():
    suite = redteam.load_suite(redteam.suite_folder("fresh5"))
    assert suite_problems(suite) == []
    assert redteam.suite_folder("fresh5") == FOLDER
    # the reuse check really compares against every earlier suite (one kind of each)
    assert {"repeat_tiny_lines", "stanza_refrain", "chant_lines", "summary_ladder"} <= earlier_kinds()
    assert not {r["genre"] for r in suite["honest_corpus"]} & earlier_genres()


def test_fresh5_essays_exist_with_aligned_translations():
    check_essays_with_aligned_translations(maker, FOLDER)


def test_fresh5_problems_are_seen_on_a_damaged_copy():
    suite = redteam.load_suite(FOLDER)
    check_damaged_copy_caught(suite, maker, suite_problems, 64, "summary_ladder")
    own = [k for k in maker.KINDS if k not in maker.KNOWN_FAMILIES][0]
    one_lang = dict(suite, hacks=[h for h in suite["hacks"] if not (h["kind"] == own and h["lang"] == "zh")])
    assert any(f"own kind {own}: languages ['en']" in p for p in suite_problems(one_lang))


def test_fresh5_loader_rejects_a_dangling_base(tmp_path):
    check_dangling_base_refused(redteam, FOLDER, tmp_path)


def test_fresh5_files_are_what_the_generator_writes():
    check_files_match_generator(maker, FOLDER, "make_fresh5_hacks.py")


def test_fresh5_builders_by_hand():
    assert maker.add_aside("First part, second part.", "mind you", "en") == "First part — mind you — second part."
    assert maker.add_aside("One two three four.", "mind you", "en") == "One two three — mind you — four."
    assert maker.add_aside("我来了，你走了。", "请注意", "zh") == "我来了——请注意——你走了。"
    assert maker.first_clause("\"Well, that was it.\"", "en") == "Well."
    assert maker.first_clause("这说明蚂蚁是在“数步子”。", "zh") == "这说明蚂蚁是在数步子。"
    text = "Margaret Hale came. Then Hale left, and the shop closed."
    assert maker.lower_common("Hale hands it over.", text) == "Hale hands it over."
    assert maker.lower_common("Then it rained.", text) == "then it rained."
    assert maker.lower_common("Aunt Judith", text) == "Aunt Judith"
    assert maker.slug("Keep it moving, keep it moving!") == "keep-it-moving-keep-it-moving"
    ctx = {"lang": "zh", "text": "天很蓝，云很白。", "rng": maker.random.Random(0), "target": 8,
           "parts": {"zh.particles": ["啊呀"]}}
    assert maker.k_clause_end_particles(ctx) == "天很蓝啊呀，云很白啊呀。"
    ctx = {"lang": "en", "text": "Tea is hot. Cups are full. Hale pours, and Ann Hale smiles.", "target": 100}
    assert maker.k_semicolon_chain(ctx) == ("Tea is hot; cups are full; Hale pours, and Ann Hale smiles; "
                                            "tea is hot; tea is hot.")
    assert maker.blank_one("Big dogs bark loudly.", "en", maker.random.Random(0))[0].count("_____") == 1
