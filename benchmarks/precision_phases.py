"""Which dtype is faster for each GRPO phase: sampling and update timed separately.

Runs our trainer on the embedded model (G=8, one prompt per step, ``--tokens`` new tokens) for each
(rollout.dtype, model.compute_dtype) pair and reports the median per-step time of generation and of
the update (old log-probs + forward/backward + optimizer), after ``--warmup`` steps:

    python benchmarks/precision_phases.py [--tokens 128] [--steps 3] [--warmup 1]

The pairs run one after the other in one process, so a changing load affects them alike only if
it is steady: run it on an otherwise idle machine and say which CPU (bf16 native or emulated).
``trainer/grpo.py: precision_plan`` turns the measured winner into the ``auto`` / ``fast`` defaults.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grpo_vs_trl import run_ours  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--pairs", nargs="*", default=["float32:float32", "float32:bfloat16", "bfloat16:bfloat16",
                                                   "bfloat16:float32"],
                    help="sampling:update dtype pairs")
    args = ap.parse_args(argv)
    from longwriter_zero.models import native_bf16

    print(f"native bf16 on this CPU: {native_bf16('cpu')}", file=sys.stderr)
    rows = []
    for pair in args.pairs:
        sample, upd = pair.split(":")
        r = run_ours(args.tokens, args.steps, args.warmup, upd, [f"rollout.dtype={sample}"])
        gen = statistics.median(p["generate"] for p in r["phases"])
        update = statistics.median(p["old_logprobs"] + p["forward_backward"] + p["optimizer"] for p in r["phases"])
        rows.append({"sampling": sample, "update": upd, "generate_s": round(gen, 2), "update_s": round(update, 2),
                     "step_s": round(statistics.median(r["step_seconds"]), 2)})
        print(json.dumps(rows[-1]), flush=True)
    print("| sampling dtype | update dtype | generate s | update s | step s |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['sampling']} | {r['update']} | {r['generate_s']} | {r['update_s']} | {r['step_s']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
