"""How often the predicted length range contains LongBench-Write's required length.

    .venv/bin/python benchmarks/ranges_longbench.py [PATH]

PATH defaults to ``../shared/data/longbench_write_en.jsonl`` (rows: prompt, type, length).
"States an explicit length" is decided twice, so that a parser miss cannot hide: the range
parser found a requirement, or a plain check finds a number followed by a length unit
(words, 字, pages, paragraphs). The headline figure is over the union of the two. Prompts
without a stated length get prior ranges; their coverage is printed separately.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from longwriter_zero.data.ranges import predict_ranges  # noqa: E402

DEFAULT = REPO.parent / "shared" / "data" / "longbench_write_en.jsonl"
PLAIN_LENGTH = re.compile(r"\d[\d,]*\s*[- ]?\s*(?:words?|字|pages?|paragraphs?)\b|\d[\d,]*\s*字", re.IGNORECASE)


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    predictions = predict_ranges([r["prompt"] for r in rows])
    explicit, other = [], []
    for row, pred in zip(rows, predictions):
        stated = pred.source == "explicit" or bool(PLAIN_LENGTH.search(row["prompt"]))
        (explicit if stated else other).append((row, pred))

    def covered(items):
        return [(r, p) for r, p in items if p.range[0] <= r["length"] <= p.range[1]]

    hits = covered(explicit)
    print(f"prompts: {len(rows)}; stating a length: {len(explicit)} "
          f"(parser {sum(p.source == 'explicit' for _, p in explicit)})")
    print(f"explicit-length coverage: {len(hits)}/{len(explicit)} = {len(hits) / max(len(explicit), 1):.3f}")
    for row, pred in explicit:
        if (row, pred) not in hits:
            phrase = pred.requirement.phrase if pred.requirement else "(not parsed)"
            print(f"  miss: required {row['length']}, predicted {list(pred.range)} from {phrase!r}: "
                  f"{row['prompt'][:90]!r}")
    other_hits = covered(other)
    print(f"no stated length (prior ranges): {len(other_hits)}/{len(other)} covered")
    for row, pred in other:
        print(f"  required {row['length']}, prior {list(pred.range)} ({pred.detail}): {row['prompt'][:80]!r}")
    widths = [p.range[1] - p.range[0] for _, p in explicit]
    print(f"explicit range widths: min {min(widths)}, max {max(widths)}, mean {sum(widths) / len(widths):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
