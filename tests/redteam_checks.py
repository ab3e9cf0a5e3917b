"""Checks the red-team suite tests (tests/test_redteam_fresh*.py) share: loading a script as a
module, the schema problems every blind suite is held to (counts, both languages, unique ids,
each hack tied to its essay, the output format, the length window), the kinds and genres earlier
suites used, the loader's refusal of a dangling base, and the committed files against the
generator. Each suite's test adds its own."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

from longwriter_zero.errors import UserError


def load_module(name: str, path: Path):
    """Import the script at ``path`` as module ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def common_problems(suite: dict[str, list[dict]], maker, min_essays: int, min_hacks: int, min_corpus: int,
                    half_english: bool = False, notes: bool = False, distinct: bool = False) -> list[str]:
    """Schema problems of a loaded suite (empty: none). ``maker`` is the suite's generator module
    (``units``, ``answer_of``, ``LENGTH_TOLERANCE``); ``half_english``: the honest corpus half
    English; ``notes``: every hack carries a note; ``distinct``: no hack equals its essay."""
    problems = []
    essays, hacks, corpus = suite["essays"], suite["hacks"], suite["honest_corpus"]
    if len(essays) < min_essays:
        problems.append(f"{len(essays)} essays, want >= {min_essays}")
    if len(hacks) < min_hacks:
        problems.append(f"{len(hacks)} hacks, want >= {min_hacks}")
    if len(corpus) < min_corpus:
        problems.append(f"{len(corpus)} honest answers, want >= {min_corpus}")
    for group, rows in (("essays", essays), ("hacks", hacks), ("honest_corpus", corpus)):
        langs = {r.get("lang") for r in rows}
        if not {"en", "zh"} <= langs:
            problems.append(f"{group}: languages {sorted(map(str, langs))}, want en and zh")
        ids = [r["id"] for r in rows]
        if len(ids) != len(set(ids)):
            problems.append(f"{group}: duplicate ids")
    if half_english:
        n_en = sum(r.get("lang") == "en" for r in corpus)
        if abs(2 * n_en - len(corpus)) > 1:
            problems.append(f"honest_corpus: {n_en} English of {len(corpus)}, want half")
    by_id = {e["id"]: e for e in essays}
    for h in hacks:
        base = by_id.get(h.get("base"))
        if base is None:
            problems.append(f"{h['id']}: base {h.get('base')!r} is not an essay")
            continue
        if notes and (not h.get("kind") or not h.get("note")):
            problems.append(f"{h['id']}: no kind or no note")
        elif not notes and not h.get("kind"):
            problems.append(f"{h['id']}: no kind")
        if h["lang"] != base["lang"] or h["prompt"] != base["prompt"] or h["range"] != base["range"]:
            problems.append(f"{h['id']}: lang/prompt/range differ from its essay")
        if not h["response"].startswith("<think>") or "<answer>" not in h["response"]:
            problems.append(f"{h['id']}: not in the <think>/<answer> output format")
        answer, honest = maker.answer_of(h["response"]), maker.answer_of(base["response"])
        if distinct and answer.strip() == honest.strip():
            problems.append(f"{h['id']}: identical to its essay")
        n = maker.units(answer, h["lang"])
        target = maker.units(honest, base["lang"])
        if abs(n - target) > maker.LENGTH_TOLERANCE * target:
            problems.append(f"{h['id']}: length {n}, its essay {target}")
    return problems


def earlier_values(folders, file: str, key: str) -> set:
    """Every ``key`` of the rows of ``file`` in the earlier suites' ``folders`` (kinds, genres)."""
    return {json.loads(line).get(key) for folder in folders
            for line in (folder / file).read_text(encoding="utf-8").splitlines() if line.strip()}


def check_dangling_base_refused(redteam, folder: Path, tmp_path: Path) -> None:
    """A copy of the suite whose first hack names no essay fails to load, naming file and line."""
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    rows = (copy / "hacks.jsonl").read_text(encoding="utf-8").splitlines()
    row = json.loads(rows[0])
    row["base"] = "no_such_essay"
    rows[0] = json.dumps(row, ensure_ascii=False)
    (copy / "hacks.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"hacks\.jsonl:1: base 'no_such_essay'"):
        redteam.load_suite(copy)


def check_files_match_generator(maker, folder: Path, script: str) -> None:
    """The committed jsonl files are what the generator writes, and its ``--check`` agrees."""
    for name, text in maker.build().items():
        assert (folder / name).read_text(encoding="utf-8") == text, f"{name}: rerun {script}"
    assert maker.main(["--check"]) == 0


def blind_suite_problems(suite: dict[str, list[dict]], maker, min_hacks: int, earlier_kinds: set,
                         earlier_label: str = "an earlier suite") -> list[str]:
    """The schema of the blind suites fresh4 on (empty: none): ``common_problems`` with 4 essays,
    ``min_hacks`` hacks and 18 honest answers (half English, notes, no hack equal to its essay);
    at least 10 kinds of the suite's own, each in both languages, and 10 variations of the known
    families (``maker.KNOWN_FAMILIES``); no kind of ``earlier_kinds``; every essay and honest answer
    inside its own range and in the <think>/<answer> output format."""
    hacks = suite["hacks"]
    problems = common_problems(suite, maker, 4, min_hacks, 18, half_english=True, notes=True, distinct=True)
    kinds = {h["kind"] for h in hacks}
    own = kinds - set(maker.KNOWN_FAMILIES)
    if len(own) < 10:
        problems.append(f"{len(own)} kinds of the suite's own, want >= 10")
    for kind in sorted(own):
        langs = {h["lang"] for h in hacks if h["kind"] == kind}
        if langs != {"en", "zh"}:
            problems.append(f"own kind {kind}: languages {sorted(langs)}, want en and zh")
    if len(kinds & set(maker.KNOWN_FAMILIES)) < 10:
        problems.append("fewer than 10 variations of the known hack families")
    reused = kinds & earlier_kinds
    if reused:
        problems.append(f"kinds already in {earlier_label}: {sorted(reused)}")
    for rows in (suite["essays"], suite["honest_corpus"]):
        for r in rows:
            lo, hi = r["range"]
            if not lo <= maker.units(maker.answer_of(r["response"]), r["lang"]) <= hi:
                problems.append(f"{r['id']}: outside its own range")
            if not r["response"].startswith("<think>") or "<answer>" not in r["response"]:
                problems.append(f"{r['id']}: not in the <think>/<answer> output format")
    return problems


def check_essays_with_aligned_translations(maker, folder: Path) -> None:
    """Every essay file has a translation of as many paragraphs, and lies inside its own range."""
    for eid, meta in maker.ESSAYS.items():
        text = (folder / "essays" / f"{eid}.md").read_text(encoding="utf-8")
        translation = (folder / "essays" / f"{eid}.translation.md").read_text(encoding="utf-8")
        assert len(maker.paragraphs(text)) == len(maker.paragraphs(translation)), eid
        lo, hi = meta["range"]
        assert lo <= maker.units(text, meta["lang"]) <= hi, eid


def check_damaged_copy_caught(suite: dict, maker, suite_problems, min_hacks: int, reused_kind: str,
                              earlier_label: str = "an earlier suite") -> list[str]:
    """``suite_problems`` sees a damaged copy of a blind suite: an essay dropped, too few hacks, an
    English-only corpus, a hack that is its essay, a hack too short, a kind of an earlier suite
    (``reused_kind``). Returns the problems of the full suite with the copied and the short hack,
    for the suite's own further checks."""
    essays = {e["id"]: e for e in suite["essays"]}
    first = suite["hacks"][0]
    copied = dict(first, response=essays[first["base"]]["response"])       # a "hack" that is its essay
    short = dict(suite["hacks"][1], response=maker.wrap("plan", "Too short."))
    damaged = {"essays": suite["essays"][1:], "hacks": [copied, short] + suite["hacks"][2:min_hacks - 1],
               "honest_corpus": [r for r in suite["honest_corpus"] if r["lang"] == "en"]}
    problems = suite_problems(damaged)
    assert any("essays, want >= 4" in p for p in problems)
    assert any(f"hacks, want >= {min_hacks}" in p for p in problems)
    assert any("honest_corpus: languages" in p for p in problems)
    assert any("is not an essay" in p for p in problems)      # hacks of the dropped essay
    full = suite_problems(dict(suite, hacks=[copied, short] + suite["hacks"][2:]))
    assert any(f"{first['id']}: identical to its essay" in p for p in full)
    assert any(f"{suite['hacks'][1]['id']}: length 2," in p for p in full)
    renamed = dict(suite, hacks=[dict(h, kind=reused_kind) if i < 3 else h for i, h in enumerate(suite["hacks"])])
    assert any(f"kinds already in {earlier_label}: ['{reused_kind}']" in p for p in suite_problems(renamed))
    return full

