"""``lwz demo``: the whole recipe on the embedded model, offline, on a laptop CPU.

1. trains the writing reward model (``rewards.rm_recipe.train_demo_rm``: the embedded model's
   first two layers, on the bundled honest answers against hack-imitating damaged copies and
   honest length ties; a few minutes on two cores);
2. runs GRPO with ``configs/demo.yaml`` (embedded SmolLM2-135M-Instruct, length + writing +
   format rewards, balanced advantages);
3. writes the run's report (curves, metrics table, sample answers).

A second ``lwz demo`` continues from the last checkpoint instead of starting again.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_CONFIG = "configs/demo.yaml"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="train the embedded model with all three rewards (about 12 minutes on a CPU)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("overrides", nargs="*", help="key=value overrides of the demo config (e.g. steps=10)")
    p.add_argument("--config", default=DEFAULT_CONFIG, help=f"training config (default: {DEFAULT_CONFIG})")
    p.add_argument("--output-dir", default="runs/demo", help="where the reward model, run and report go")
    p.set_defaults(func=run_demo)


def _writing_index(cfg) -> int | None:
    return next((i for i, r in enumerate(cfg.rewards) if r.name == "writing"), None)


def summary(metrics_path: Path, window: int = 5) -> dict:
    rows = [json.loads(ln) for ln in metrics_path.read_text().splitlines() if ln.strip()]
    keys = [k for k in rows[0] if k.startswith("reward/") and k.count("/") == 1]
    w = max(1, min(window, len(rows) // 2))
    mean = lambda rs, k: sum(r[k] for r in rs) / len(rs)
    return {"steps": len(rows), "window": w,
            "first": {k: round(mean(rows[:w], k), 3) for k in keys},
            "last": {k: round(mean(rows[-w:], k), 3) for k in keys},
            "seconds_per_step": round(sum(r["step_time"] for r in rows) / len(rows), 1)}


def run_demo(args) -> int:
    from longwriter_zero.config import find_config, load_config
    from longwriter_zero.errors import UserError
    from longwriter_zero.evaluation.report import write_report
    from longwriter_zero.trainer import run_dir as rundir
    from longwriter_zero.trainer.grpo import train

    if find_config(args.config) is None:
        raise UserError(f"{args.config}: no such file (pass --config)")
    out = Path(args.output_dir)
    run_dir = out / "train"
    cfg = load_config(args.config, [f"output_dir={run_dir}", *args.overrides])
    i = _writing_index(cfg)
    if i is not None and not cfg.rewards[i].options.get("url"):
        rm_dir = out / "rm"
        if not (rm_dir / "config.json").exists():
            from longwriter_zero.rewards.rm_recipe import train_demo_rm

            print(f"[1/3] writing reward model: training on self-contrast pairs -> {rm_dir}", file=sys.stderr)
            train_demo_rm(str(rm_dir))
        else:
            print(f"[1/3] writing reward model: reusing {rm_dir}", file=sys.stderr)
        cfg.rewards[i].options = {**cfg.rewards[i].options, "model": str(rm_dir)}
    resume = rundir.holds_run(run_dir)
    print(f"[2/3] GRPO on {cfg.model.name}: {cfg.steps} steps, G={cfg.rollout.group_size}, "
          f"rewards {', '.join(r.name for r in cfg.rewards)}" + (" (resuming)" if resume else ""), file=sys.stderr)
    train(cfg, resume=resume)
    print("[3/3] report", file=sys.stderr)
    pages = write_report(run_dir, None, False)
    s = summary(run_dir / "metrics.jsonl")
    print(json.dumps(s))
    first, last = s["first"], s["last"]
    for k in first:
        print(f"{k}: first {s['window']} steps {first[k]:.3f} -> last {s['window']} steps {last[k]:.3f}")
    print(f"curves: {run_dir / 'curves.png'}\nreport: {pages[0]}\nmodel: {run_dir / 'model'}")
    return 0
