"""The fourth held-out red-team suite (benchmarks/redteam/fresh4): schema, counts, reproducibility.

Loads the suite with the benchmark's own loader (``reward_redteam.load_suite``), so a row the
benchmark would refuse fails here too. Scores nothing.
"""

from __future__ import annotations

import random
from pathlib import Path

from redteam_checks import (blind_suite_problems, check_damaged_copy_caught, check_dangling_base_refused,
                            check_files_match_generator, earlier_values, load_module)

ROOT = Path(__file__).resolve().parents[1]
SUITES = ROOT / "benchmarks" / "redteam"
FOLDER = SUITES / "fresh4"


redteam = load_module("reward_redteam_under_test", ROOT / "benchmarks" / "reward_redteam.py")
maker = load_module("make_fresh4_hacks_under_test", FOLDER / "make_fresh4_hacks.py")


def earlier_kinds() -> set[str]:
    """Every hack kind of the two earlier blind suites (a new suite must not reuse one)."""
    return earlier_values((SUITES / "fresh2", SUITES / "fresh3"), "hacks.jsonl", "kind")


def suite_problems(suite: dict[str, list[dict]]) -> list[str]:
    """What keeps a loaded suite from being the fresh4 suite the docs describe (empty: none)."""
    return blind_suite_problems(suite, maker, 64, earlier_kinds(), "fresh2 or fresh3")


def test_fresh4_suite_schema_and_counts():
    suite = redteam.load_suite(redteam.suite_folder("fresh4"))
    assert suite_problems(suite) == []
    assert redteam.suite_folder("fresh4") == FOLDER
    assert len(earlier_kinds()) >= 50          # the reuse check really compares against both suites


def test_fresh4_problems_are_seen_on_a_damaged_copy():
    suite = redteam.load_suite(FOLDER)
    check_damaged_copy_caught(suite, maker, suite_problems, 64, "chant_lines", "fresh2 or fresh3")


def test_fresh4_loader_rejects_a_dangling_base(tmp_path):
    check_dangling_base_refused(redteam, FOLDER, tmp_path)


def test_fresh4_files_are_what_the_generator_writes():
    check_files_match_generator(maker, FOLDER, "make_fresh4_hacks.py")


def test_fresh4_builders_by_hand():
    assert maker.swap_clauses("First, second, third.", "en") == "Third, first, second."
    assert maker.swap_clauses("No comma here.", "en") == "No comma here."
    assert maker.swap_clauses("我来了，你走了。", "zh") == "你走了，我来了。"
    ctx = {"lang": "zh", "text": "天很蓝。", "rng": random.Random(0), "target": 6,
           "parts": {"zh.particles": ["呀"]}}
    assert maker.k_particle_interleaved(ctx) == "天很呀蓝。"
    assert maker.clauses("One two three four, five.", "en") == ["One two three four"]
    ctx = {"lang": "en", "text": "A b c. D e f g.", "target": 100, "rng": random.Random(0)}
    assert maker.k_running_word_counts(ctx) == "A b c. [words: 3 | total: 3] D e f g. [words: 4 | total: 7]"
