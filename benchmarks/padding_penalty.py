"""Format reward of an honest ~1,000-word answer versus the same length padded with copies of its
own paragraphs, with the full repetition penalty and with exact-match detection alone.

Honest answer: ``tests/data/honest_essay.txt`` (10 paragraphs). Padded answers keep its first
8 paragraphs and fill the rest of the length with copies of them:

- ``hand-written paraphrases``: ``tests/data/honest_essay_paraphrases.txt`` (paragraphs of the
  essay rewritten by hand: words swapped, clauses reordered, light rewording);
- ``rule-based paraphrases (seed s)``: ``reward_model.damage.paraphrase_pad`` with a 35% share;
- ``verbatim copies (seed s)``: ``reward_model.damage.duplicate_paragraphs`` (the case an
  exact-match penalty does catch), for reference.

Columns: answer length (LongBench-Write units), share of the padded text that is copies, the
format reward (structure x repetition with near-duplicate detection), the same reward with
exact-match detection only (``FormatReward(near_duplicates=False)``), and the repetition parts.

    python benchmarks/padding_penalty.py [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from longwriter_zero.reward_model.damage import duplicate_paragraphs, paraphrase_pad
from longwriter_zero.rewards.format import FormatReward
from longwriter_zero.text.counting import count_length
from longwriter_zero.text.units import split_paragraphs

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def wrap(answer: str) -> str:
    return f"<think>Plan: ten paragraphs on the library review.</think>\n<answer>\n{answer}\n</answer>"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = ap.parse_args()

    essay = (DATA / "honest_essay.txt").read_text()
    base = "\n\n".join(split_paragraphs(essay)[:8])
    variants = {"honest": essay,
                "hand-written paraphrases": base + "\n\n" + (DATA / "honest_essay_paraphrases.txt").read_text()}
    for s in args.seeds:
        variants[f"rule-based paraphrases (seed {s})"] = paraphrase_pad(base, random.Random(s), share=0.35)
    for s in args.seeds:
        variants[f"verbatim copies (seed {s})"] = duplicate_paragraphs(base, random.Random(s), share=0.35)

    near, exact = FormatReward(), FormatReward(near_duplicates=False)
    base_len = count_length(base)
    honest = None
    print(f"{'answer':34s} {'length':>6s} {'copies':>6s} {'format':>7s} {'exact-only':>10s} "
          f"{'exact_rep':>9s} {'near_dup':>8s} {'loops':>6s}")
    rows = []
    for name, text in variants.items():
        n = count_length(text)
        copies = 0.0 if name == "honest" else (n - base_len) / n
        full = near(["r"], [wrap(text)], [{}])
        only_exact = exact(["r"], [wrap(text)], [{}])
        p = full.parts
        row = {"answer": name, "length": n, "copy_share": round(copies, 3), "format": round(full.scores[0], 4),
               "format_exact_only": round(only_exact.scores[0], 4),
               "exact_repeat_share": round(p["exact_repeat_share"][0], 4),
               "near_dup_share": round(p["near_dup_share"][0], 4), "loop_rate": round(p["loop_rate"][0], 4)}
        rows.append(row)
        if name == "honest":
            honest = row
        print(f"{name:34s} {n:6d} {copies:6.1%} {row['format']:7.3f} {row['format_exact_only']:10.3f} "
              f"{row['exact_repeat_share']:9.3f} {row['near_dup_share']:8.3f} {row['loop_rate']:6.3f}")
    paraphrased = [r for r in rows if "paraphrases" in r["answer"]]
    summary = {"honest_format": honest["format"], "honest_format_exact_only": honest["format_exact_only"],
               "paraphrased_max_format": max(r["format"] for r in paraphrased),
               "paraphrased_min_format_exact_only": min(r["format_exact_only"] for r in paraphrased),
               "halved_with_near_duplicates": all(r["format"] <= 0.5 * honest["format"] for r in paraphrased),
               "halved_with_exact_only": all(r["format_exact_only"] <= 0.5 * honest["format_exact_only"]
                                             for r in paraphrased)}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
