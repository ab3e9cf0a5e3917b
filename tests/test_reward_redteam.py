"""The reward red-team suite's files are well formed, and its benchmark script runs.

No pass thresholds here: what the rewards must reach on the suite is asserted where the
detection lives; these tests only keep the data and the script usable.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest

from longwriter_zero.prompts import parse_completion
from longwriter_zero.text.counting import count_length

REPO = Path(__file__).resolve().parents[1]
DEV = REPO / "benchmarks" / "redteam"
FRESH = DEV / "fresh"
SUITES = [pytest.param(DEV, id="dev"), pytest.param(FRESH, id="fresh")]

# the kinds of hack the suite must cover (issue text: each passed the rewards at some point)
DEV_KINDS = {"repeat_lines", "repeat_list_items", "rotate_lines", "repeat_tiny_lines", "rotate_tiny_lines",
             "sentences_no_blank_lines", "resplit_add_word", "synonym_copy", "one_paragraph", "with_translation",
             "filler_sprinkled", "thesis_restated", "particle_padding", "word_salad", "spread_stuffing",
             "gross_stuffing", "numbered_near_identical", "repeated_table", "prompt_quoted", "repeated_headings",
             "half_reordered", "template_letters", "mixed_language_padding"}


def _load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module          # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _rows(folder: Path, name: str) -> list[dict]:
    lines = (folder / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _suite(folder: Path) -> dict[str, list[dict]]:
    if not (folder / "essays.jsonl").exists():
        pytest.skip(f"{folder} not built")
    return {k: _rows(folder, k) for k in ("essays", "hacks", "honest_corpus")}


def _answer(row: dict) -> str:
    parsed = parse_completion(row["response"])
    assert parsed.well_formed, row["id"]
    return parsed.answer


@pytest.mark.parametrize("folder", SUITES)
def test_rows_have_required_keys_and_parse(folder):
    suite = _suite(folder)
    required = {"essays": {"id", "lang", "prompt", "range", "response", "translation"},
                "hacks": {"id", "kind", "base", "lang", "prompt", "range", "response"},
                "honest_corpus": {"id", "genre", "lang", "prompt", "range", "response"}}
    for key, rows in suite.items():
        ids = [r["id"] for r in rows]
        assert len(ids) == len(set(ids)), f"{key}: duplicate ids"
        for r in rows:
            assert required[key] <= set(r), (key, r.get("id"), required[key] - set(r))
            assert r["lang"] in ("en", "zh")
            lo, hi = r["range"]
            assert 0 <= lo <= hi
            _answer(r)


@pytest.mark.parametrize("folder", SUITES)
def test_honest_rows_meet_their_ranges(folder):
    suite = _suite(folder)
    for e in suite["essays"]:
        n = count_length(_answer(e))
        assert 600 <= n <= 1200 and e["range"][0] <= n <= e["range"][1], (e["id"], n)
        assert count_length(e["translation"]) > 0.4 * n, e["id"]
    for c in suite["honest_corpus"]:
        n = count_length(_answer(c))
        assert 80 <= n <= 600 and c["range"][0] <= n <= c["range"][1], (c["id"], n, c["range"])


@pytest.mark.parametrize("folder", SUITES)
def test_hacks_reference_bases_and_match_their_length(folder):
    suite = _suite(folder)
    essays = {e["id"]: e for e in suite["essays"]}
    for h in suite["hacks"]:
        base = essays[h["base"]]
        assert (h["prompt"], h["range"], h["lang"]) == (base["prompt"], base["range"], base["lang"]), h["id"]
        ratio = count_length(_answer(h)) / count_length(_answer(base))
        assert 0.8 <= ratio <= 1.35, (h["id"], ratio)      # a hack pads to about the honest length


@pytest.mark.parametrize("folder", SUITES)
def test_suite_sizes_and_languages(folder):
    suite = _suite(folder)
    dev = folder == DEV
    assert len(suite["hacks"]) >= (40 if dev else 20)
    assert len(suite["honest_corpus"]) >= (60 if dev else 20)
    per_language = Counter(e["lang"] for e in suite["essays"])
    assert per_language["en"] >= (3 if dev else 2) and per_language["zh"] >= (3 if dev else 2), per_language
    for key in ("hacks", "honest_corpus"):
        assert {r["lang"] for r in suite[key]} == {"en", "zh"}, key


def test_dev_suite_covers_every_kind():
    kinds = {h["kind"] for h in _suite(DEV)["hacks"]}
    assert DEV_KINDS <= kinds, DEV_KINDS - kinds


@pytest.mark.parametrize("folder", SUITES)
def test_files_are_rebuilt_identically(folder, tmp_path):
    """The committed JSONL files are what the seeded generator makes from the sources."""
    _suite(folder)
    copy = tmp_path / "suite"
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("fresh", "*.jsonl", "__pycache__"))
    if folder == DEV:
        _load_module(DEV / "make_hacks.py", "make_hacks").build_suite(copy)
    else:
        sys.path.insert(0, str(DEV))
        try:
            _load_module(FRESH / "make_fresh_hacks.py", "make_fresh_hacks").build(copy)
        finally:
            sys.path.remove(str(DEV))
    for name in ("essays", "hacks", "honest_corpus"):
        assert (copy / f"{name}.jsonl").read_text(encoding="utf-8") == \
            (folder / f"{name}.jsonl").read_text(encoding="utf-8"), name


def test_benchmark_runs_on_a_subset(tmp_path, capsys):
    bench = _load_module(REPO / "benchmarks" / "reward_redteam.py", "reward_redteam")
    out = tmp_path / "figures.json"
    assert bench.main(["--limit", "3", "--json", str(out)]) == 0
    m = json.loads(out.read_text(encoding="utf-8"))
    assert len(m["hacks"]) == 3 and len(m["honest_corpus"]) == 3
    for h in m["hacks"]:
        honest = next(e for e in m["essays"] if e["id"] == h["base"])
        assert h["lxf"] == pytest.approx(h["rewards"]["length"] * h["rewards"]["format"])
        assert h["ratio"] == pytest.approx(h["lxf"] / honest["lxf"])
        assert "format/repetition" in h["parts"]
    assert m["totals"]["hacks"] == 3
    assert "TOTAL hacks 3" in capsys.readouterr().out


def test_benchmark_bad_suite_is_a_one_line_error(tmp_path, capsys):
    bench = _load_module(REPO / "benchmarks" / "reward_redteam.py", "reward_redteam")
    assert bench.main(["--suite", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "essays.jsonl" in err and "\n" not in err
