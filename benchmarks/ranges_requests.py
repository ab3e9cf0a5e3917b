"""How often the predicted length range contains the stated length, on the labelled request sets.

    .venv/bin/python benchmarks/ranges_requests.py [--show-misses] [--backend llm [--judge-url URL]]

Sets: ``tests/data/requests_tuning.jsonl`` (the length parser was TUNED on it) and
``tests/data/requests_fresh.jsonl`` (written after the parser was frozen). Every row whose
``length`` is set states a length (in English words / Chinese characters, durations converted at
150 words or 250 characters a minute, pages at 500 words or 800 characters; a per-part length times
the number of parts). A range covers it when ``lower <= length <= upper``; a stated length above
12,000 is covered only by the paper's "out of limit" range [0, 0]. Rows without a stated length
get priors (or the judge's range); they have no target to check and are only counted.

``--backend llm`` uses the judge for requests without a stated length (explicit lengths are
always read by the rules, so coverage cannot change); without ``--judge-url`` it starts the
loopback judge of ``filter_quality.py`` (deterministic; measures plumbing and range repair only).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from filter_quality import DATA, load, loopback_judge  # noqa: E402

from longwriter_zero.data.ranges import MAX_LENGTH, predict_ranges  # noqa: E402

SETS = {"tuning": DATA / "requests_tuning.jsonl", "fresh": DATA / "requests_fresh.jsonl"}


def covered(length: float, rng: tuple[int, int]) -> bool:
    return rng == (0, 0) if length > MAX_LENGTH else rng[0] <= length <= rng[1]


def run(client, show_misses: bool) -> None:
    print(f"{'set':<7} {'lang':<4} {'stated':>6} {'covered':>8} {'share':>6}   no stated length: sources")
    for name, path in SETS.items():
        rows = load(path)
        preds = predict_ranges([r["prompt"] for r in rows], backend="llm" if client else "rules", client=client)
        for lang in ("all", "en", "zh"):
            part = [(r, p) for r, p in zip(rows, preds) if lang == "all" or r["lang"] == lang]
            stated = [(r, p) for r, p in part if r["length"] is not None]
            hits = [(r, p) for r, p in stated if covered(r["length"], p.range)]
            sources = Counter(p.source for r, p in part if r["length"] is None)
            print(f"{name:<7} {lang:<4} {len(stated):>6} {len(hits):>8} {len(hits) / max(len(stated), 1):>6.3f}   "
                  + ", ".join(f"{k} {v}" for k, v in sorted(sources.items())))
            if lang == "all":
                by_kind = Counter(r["kind"] for r, _ in stated)
                print("             stated lengths by kind: " + ", ".join(f"{k} {v}" for k, v in by_kind.most_common()))
                if show_misses:
                    for r, p in stated:
                        if not covered(r["length"], p.range):
                            print(f"    miss {r['id']}: stated {r['length']}, range {list(p.range)} ({p.source}: "
                                  f"{p.detail}): {r['prompt'][:90]!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--backend", choices=["rules", "llm"], default="rules")
    parser.add_argument("--judge-url", default=None)
    parser.add_argument("--judge-model", default="judge")
    args = parser.parse_args()
    if args.backend == "rules":
        run(None, args.show_misses)
        return 0
    from longwriter_zero.judge.client import JudgeClient

    if args.judge_url:
        run(JudgeClient(args.judge_url, args.judge_model), args.show_misses)
        return 0
    from longwriter_zero.serving.background import BackgroundServer

    with BackgroundServer(loopback_judge()) as server:
        client = JudgeClient(server.url, "judge", backoff=0.01)
        run(client, args.show_misses)
        print(f"judge HTTP calls: {client.calls_made}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
