"""``lwz demo``: the whole recipe on the embedded model, offline, on a laptop CPU.

1. trains two small writing reward models from the bundled honest answers and their damaged
   copies (``reward_model.recipe.train_demo_rm``: the embedded model's first two layers, hack-imitating
   damaged copies and honest length ties): the one GRPO trains against (seed 0) and a held-out one (seed 1) that only scores
   the evaluation;
2. warm start: a short SFT (``configs/sft_warmstart.yaml``) on think/answer pieces whose
   request states their length (English answers rejection-sampled from the embedded model itself,
   ``assets/warmstart_self.jsonl``), so RL starts from a policy that can write the structure (the
   paper's continual pretraining mixes in think-format samples for the same reason);
3. evaluates the untrained embedded model on the held-out evaluation prompts
   (``assets/eval_prompts.jsonl``, never trained on);
4. runs GRPO with ``configs/demo.yaml`` from the warm-start checkpoint (length + writing +
   format rewards, balanced advantages), evaluating before the first step and after the last;
5. writes the run's report and prints the held-out before/after table.

A second ``lwz demo`` reuses finished phases and continues GRPO from its last checkpoint.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_CONFIG = "configs/demo.yaml"
DEFAULT_WARM_START = "configs/sft_warmstart.yaml"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="warm start, then GRPO on the embedded model with all three rewards; "
                                    "held-out before/after (about 15-20 minutes on 2 CPU cores)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("overrides", nargs="*", help="key=value overrides of the demo config (e.g. steps=10)")
    p.add_argument("--config", default=DEFAULT_CONFIG, help=f"training config (default: {DEFAULT_CONFIG})")
    p.add_argument("--output-dir", default="runs/demo", help="where the reward models, runs and report go")
    p.add_argument("--warm-start", default=DEFAULT_WARM_START,
                   help=f"SFT config of the warm start (default: {DEFAULT_WARM_START}); 'none' starts GRPO "
                        "from the untrained model")
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


def train_rms(cfg, out: Path) -> None:
    """The training writing RM (seed 0) and, for the evaluation, a held-out one (seed 1), unless the
    config names others; neither when the run trains without a writing reward."""
    from longwriter_zero.reward_model.recipe import train_demo_rm

    i = _writing_index(cfg)
    wanted = []
    if i is not None and not cfg.rewards[i].options.get("url"):
        wanted.append(("training", out / "rm", 0))
    if i is not None and cfg.eval.prompts and not cfg.eval.writing_model:
        wanted.append(("held-out", out / "rm_heldout", 1))
    for what, folder, seed in wanted:
        if (folder / "config.json").exists():
            print(f"[1/5] {what} writing reward model: reusing {folder}", file=sys.stderr)
        else:
            print(f"[1/5] {what} writing reward model (seed {seed}) -> {folder}", file=sys.stderr)
            train_demo_rm(str(folder), seed=seed)
        if what == "training":
            cfg.rewards[i].options = {**cfg.rewards[i].options, "model": str(folder)}
        else:
            cfg.eval.writing_model = str(folder)


def warm_start(config: str, model_name: str, folder: Path, overrides: tuple = ()) -> str | None:
    """Run (or reuse) the warm-start SFT of ``model_name`` into ``folder``; returns its final checkpoint
    folder, or None when ``config`` is 'none'."""
    from longwriter_zero.config import find_config, load_config
    from longwriter_zero.errors import UserError
    from longwriter_zero.trainer import run_dir as rundir
    from longwriter_zero.trainer.sft import SFTConfig, sft

    if config.lower() == "none":
        return None
    if find_config(config) is None:
        raise UserError(f"{config}: no such file (--warm-start takes an SFT config, or 'none')")
    final = folder / rundir.FINAL
    if (final / "config.json").exists():
        print(f"[2/5] warm start: reusing {final}", file=sys.stderr)
        return str(final)
    # a warm start killed midway is short: it starts again rather than resuming
    scfg = load_config(config, [f"output_dir={folder}", f"model.name={model_name}", "overwrite=true", *overrides],
                       cls=SFTConfig)
    print(f"[2/5] warm start: SFT for {scfg.steps} steps on {scfg.data.train} -> {final}", file=sys.stderr)
    return sft(scfg)["final_model"]


def check_inputs(cfg) -> None:
    """What the GRPO phase would refuse, checked before the reward models and the warm start."""
    from longwriter_zero.data.dataset import load_prompt_set
    from longwriter_zero.evaluation import heldout
    from longwriter_zero.trainer.grpo import validate

    validate(cfg)
    load_prompt_set(cfg.data.prompts)
    if cfg.eval.prompts:
        heldout.load_eval_prompts(cfg.eval.prompts)


def run_demo(args) -> int:
    import time

    from longwriter_zero.config import find_config, load_config
    from longwriter_zero.errors import UserError
    from longwriter_zero.evaluation import heldout
    from longwriter_zero.evaluation.report import write_report
    from longwriter_zero.trainer import run_dir as rundir
    from longwriter_zero.trainer.grpo import train

    if find_config(args.config) is None:
        raise UserError(f"{args.config}: no such file (pass --config)")
    out = Path(args.output_dir)
    run_dir = out / "train"
    cfg = load_config(args.config, [f"output_dir={run_dir}", *args.overrides])
    check_inputs(cfg)          # a bad config or prompt file fails here, before minutes of training
    base_model = cfg.model.name
    phases = {}
    t = time.perf_counter()
    train_rms(cfg, out)
    phases["reward models"] = time.perf_counter() - t
    t = time.perf_counter()
    start = warm_start(args.warm_start, cfg.model.name, out / "warmstart", (f"prompt.template={cfg.prompt.template}",))
    phases["warm start"] = time.perf_counter() - t
    untrained = None
    if cfg.eval.prompts:
        t = time.perf_counter()
        print(f"[3/5] held-out evaluation of the untrained {base_model}", file=sys.stderr)
        untrained = heldout.evaluate_model(cfg, base_model, out / "eval_untrained.json")
        phases["untrained evaluation"] = time.perf_counter() - t
    if start:
        cfg.model.name = start
    resume = rundir.holds_run(run_dir)
    print(f"[4/5] GRPO on {cfg.model.name}: {cfg.steps} steps, G={cfg.rollout.group_size}, "
          f"rewards {', '.join(r.name for r in cfg.rewards)}" + (" (resuming)" if resume else ""), file=sys.stderr)
    t = time.perf_counter()
    train(cfg, resume=resume)
    phases["GRPO (with its evaluations)"] = time.perf_counter() - t
    print("[5/5] report", file=sys.stderr)
    pages = write_report(run_dir, None, False)
    s = summary(run_dir / "metrics.jsonl")
    print(json.dumps(s))
    first, last = s["first"], s["last"]
    for k in first:
        print(f"{k}: first {s['window']} steps {first[k]:.3f} -> last {s['window']} steps {last[k]:.3f}")
    figure = None
    rows = heldout.read_eval(run_dir)
    if rows:
        columns = ([(f"untrained", untrained)] if untrained else []) + \
                  ([("warm start" if start else "step 0", rows[0])] if start or not untrained else []) + \
                  [(f"GRPO step {rows[-1]['step']}", rows[-1])]
        figure = heldout.plot_before_after(columns, out / "heldout_before_after.png",
                                           f"held-out prompts ({Path(cfg.eval.prompts).name})")
        (out / "heldout_before_after.md").write_text(heldout.table_markdown(columns) + "\n")
        print("\n" + heldout.table_text(columns))
    print("phase seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in phases.items()))
    print(f"curves: {run_dir / 'curves.png'}\nreport: {pages[0]}\nmodel: {run_dir / 'model'}"
          + (f"\nheld-out figure: {figure}" if figure else ""))
    return 0
