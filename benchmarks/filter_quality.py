"""Precision and recall of the rule-based writing-request filter on the labelled request sets.

    .venv/bin/python benchmarks/filter_quality.py [--show-errors]

Sets (JSONL rows: prompt, label, lang; about 40% Chinese each):
``tests/data/filter_labelled.jsonl`` (242 requests; the rules were developed against it),
``tests/data/filter_heldout.jsonl`` (90) and ``tests/data/filter_blind.jsonl`` (80), both written
after the rules, as checks on requests the rules were not written for. Positive = "asks for
substantial written work" (keep). Also prints how many LongBench-Write prompts (all writing
requests, none written for this project) the filter keeps, when the shared file exists.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from longwriter_zero.data.filter import classify_request  # noqa: E402

SETS = {"labelled": REPO / "tests" / "data" / "filter_labelled.jsonl",
        "held-out": REPO / "tests" / "data" / "filter_heldout.jsonl",
        "blind": REPO / "tests" / "data" / "filter_blind.jsonl"}
LONGBENCH = REPO.parent / "shared" / "data" / "longbench_write_en.jsonl"


def scores(rows: list[dict]) -> dict:
    tp = fp = fn = tn = 0
    errors = []
    for row in rows:
        verdict = classify_request(row["prompt"])
        if verdict.keep and row["label"]:
            tp += 1
        elif verdict.keep:
            fp += 1
            errors.append(("false keep", verdict.reason, row["prompt"]))
        elif row["label"]:
            fn += 1
            errors.append(("false drop", verdict.reason, row["prompt"]))
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": len(rows), "tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall,
            "f1": f1, "accuracy": (tp + tn) / max(len(rows), 1), "errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true", help="list every misclassified request")
    args = parser.parse_args()
    print(f"{'set':<10} {'lang':<4} {'n':>4} {'precision':>9} {'recall':>7} {'f1':>6} {'acc':>6}  tp fp fn tn")
    for name, path in SETS.items():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for lang in ("all", "en", "zh"):
            part = rows if lang == "all" else [r for r in rows if r["lang"] == lang]
            s = scores(part)
            print(f"{name:<10} {lang:<4} {s['n']:>4} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f} "
                  f"{s['accuracy']:>6.3f}  {s['tp']} {s['fp']} {s['fn']} {s['tn']}")
            if args.show_errors and lang == "all":
                for kind, reason, prompt in s["errors"]:
                    print(f"    {kind} ({reason}): {prompt[:100]!r}")
    if LONGBENCH.exists():
        rows = [json.loads(line) for line in LONGBENCH.read_text(encoding="utf-8").splitlines() if line.strip()]
        dropped = [(classify_request(r["prompt"]), r["prompt"]) for r in rows]
        dropped = [(v, p) for v, p in dropped if not v.keep]
        print(f"LongBench-Write (en): kept {len(rows) - len(dropped)} of {len(rows)} writing prompts")
        for verdict, prompt in dropped:
            print(f"    dropped ({verdict.reason}: {verdict.detail!r}): {prompt[:90]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
