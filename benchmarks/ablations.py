"""The paper's ablations at small scale, on held-out prompts: one command.

Variants (each from its own warm start, ``configs/sft_warmstart.yaml`` with the variant's template):

- ``composite``: the demo recipe (``configs/demo.yaml``): length + writing + format rewards,
  balanced advantages (each reward normalised in its group, then averaged; Eq. 5), think prompt;
- ``raw_sum``: the same rewards added first and normalised once (``algorithm.advantage=sum_then_normalize``);
- ``nothink``: the composite recipe with the answer-only prompt (``prompt.template=nothink``).

Each variant runs with ``--seeds`` GRPO seeds (data order and sampling; the warm start, reward
models and evaluation sampling are shared). Every run ends with the held-out evaluation of
``configs/demo.yaml`` (``eval.prompts``, never trained on); the table gives mean and 95% t-interval
over seeds, and the figure the same with error bars. The paper's claims tested: balanced
advantages beat a raw sum; think overtakes no-think given enough steps.

    python benchmarks/ablations.py                    # 3 variants x 3 seeds x 20 steps (about a CPU-hour)
    python benchmarks/ablations.py --quick            # 3 variants x 3 seeds x 4 steps, 12 eval prompts
    python benchmarks/ablations.py --variants composite raw_sum --seeds 0 1 2 --steps 8
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

VARIANTS = {
    "composite": [],
    "raw_sum": ["algorithm.advantage=sum_then_normalize"],
    "nothink": ["prompt.template=nothink"],
}
METRICS = ("length_score", "in_range", "well_formed", "repetition", "writing", "writing_heldout")
# two-sided 95% t quantiles by degrees of freedom
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def mean_ci(values: list[float]) -> tuple[float, float]:
    """Mean and half-width of its 95% t-interval (0 for one value)."""
    n = len(values)
    m = sum(values) / n
    if n < 2:
        return m, 0.0
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))
    return m, T95.get(n - 1, 1.96) * sd / math.sqrt(n)


def run_variant(variant: str, seed: int, args, out: Path) -> list[dict]:
    """Train one (variant, seed) and return its held-out evaluation rows, step 0 (the warm start)
    first and the last step last (reused when on disk)."""
    from longwriter_zero.commands.demo import train_rms, warm_start
    from longwriter_zero.config import load_config
    from longwriter_zero.evaluation import heldout
    from longwriter_zero.trainer.grpo import train

    run_dir = out / f"{variant}-seed{seed}"
    if (run_dir / "model" / "config.json").exists() and heldout.read_eval(run_dir):
        return heldout.read_eval(run_dir)
    overrides = [f"output_dir={run_dir}", f"seed={seed}", f"steps={args.steps}", "save_every=0",
                 f"eval.every={args.eval_every}",
                 *VARIANTS[variant], *args.overrides]
    if args.eval_prompts:
        overrides.append(f"eval.prompts={args.eval_prompts}")
    cfg = load_config(ROOT / "configs" / "demo.yaml", overrides)
    train_rms(cfg, out)
    template = cfg.prompt.template
    start = warm_start(str(ROOT / "configs" / "sft_warmstart.yaml"), cfg.model.name, out / f"warmstart-{template}",
                       (f"prompt.template={template}",))
    if start:
        cfg.model.name = start
    train(cfg, progress=False)
    return heldout.read_eval(run_dir)


def curves(results: dict[str, list[list[dict]]], metric: str = "length_score") -> dict:
    """Per variant: (steps, mean, 95% half-width) of ``metric`` at each evaluation step over seeds."""
    out = {}
    for variant, runs in results.items():
        steps = sorted(set.intersection(*[{r["step"] for r in rows} for rows in runs]))
        stats = [mean_ci([next(r[f"eval/{metric}"] for r in rows if r["step"] == s) for rows in runs]) for s in steps]
        out[variant] = (steps, [m for m, _ in stats], [h for _, h in stats])
    return out


def plot(table: dict, curve: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [k for k in ("length_score", "in_range", "well_formed", "repetition") if all(k in v for v in table.values())]
    scale = {"length_score": 0.01}
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / len(table)
    for j, (variant, stats) in enumerate(table.items()):
        xs = [i + (j - (len(table) - 1) / 2) * width for i in range(len(keys))]
        ax.bar(xs, [stats[k][0] * scale.get(k, 1) for k in keys], width,
               yerr=[stats[k][1] * scale.get(k, 1) for k in keys], capsize=3, label=variant)
    ax.set_xticks(range(len(keys)), ["S_l / 100" if k == "length_score" else k.replace("_", " ") for k in keys])
    ax.set_ylim(0, 1.1)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    for variant, (steps, mean, half) in curve.items():
        bx.errorbar(steps, mean, yerr=half, capsize=3, marker="o", label=variant)
    bx.set_xlabel("GRPO step (0 = warm start)")
    bx.set_ylabel("held-out S_l")
    bx.grid(alpha=0.3)
    bx.legend(fontsize=8)
    bx.set_title("S_l over training, mean ± 95% CI", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--eval-every", type=int, default=0, help="held-out evaluation every N steps as well as "
                    "before the first and after the last (the S_l-over-steps panel)")
    ap.add_argument("--quick", action="store_true", help="4 steps, the first 12 evaluation prompts")
    ap.add_argument("--eval-prompts", default="", help="evaluation prompt file (default: the demo config's)")
    ap.add_argument("--out", default="runs/ablations")
    ap.add_argument("overrides", nargs="*", help="key=value overrides of configs/demo.yaml for every run")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.quick:
        args.steps = min(args.steps, 4)
        if not args.eval_prompts:
            src = ROOT / "src/longwriter_zero/assets/eval_prompts.jsonl"
            lines = src.read_text(encoding="utf-8").splitlines()
            picked = lines[0:16:2] + lines[16:24:2]            # every other prompt: 8 English, 4 Chinese
            args.eval_prompts = str(out / "eval_prompts_quick.jsonl")
            Path(args.eval_prompts).write_text("\n".join(picked) + "\n", encoding="utf-8")
    evals: dict[str, list[list[dict]]] = {}
    t0 = time.time()
    for variant in args.variants:
        for seed in args.seeds:
            t = time.time()
            rows = run_variant(variant, seed, args, out)
            evals.setdefault(variant, []).append(rows)
            print(f"{variant} seed {seed}: S_l {rows[0]['eval/length_score']:.1f} -> {rows[-1]['eval/length_score']:.1f}, "
                  f"well-formed {rows[0]['eval/well_formed']:.0%} -> {rows[-1]['eval/well_formed']:.0%} "
                  f"({time.time() - t:.0f} s)", file=sys.stderr)
    results = {v: [rows[-1] for rows in runs] for v, runs in evals.items()}
    starts = {v: [rows[0] for rows in runs] for v, runs in evals.items()}
    table = {v: {m: mean_ci([r[f"eval/{m}"] for r in rows]) for m in METRICS if all(f"eval/{m}" in r for r in rows)}
             for v, rows in results.items()}
    lines = [f"| variant | seeds | " + " | ".join(METRICS) + " |", "|---" * (len(METRICS) + 2) + "|"]
    for v, stats in table.items():
        start = starts[v][0]       # the warm start: one model, evaluated with the same seeded draws
        lines.append(f"| {v}: warm start (step 0) | – | " + " | ".join(
            f"{start[f'eval/{m}']:.3g}" if f"eval/{m}" in start else "–" for m in METRICS) + " |")
        cells = [f"{stats[m][0]:.3g} ± {stats[m][1]:.2g}" if m in stats else "–" for m in METRICS]
        lines.append(f"| {v}: step {args.steps} | {len(results[v])} | " + " | ".join(cells) + " |")
    md = "\n".join(lines)
    curve = curves(evals)
    summary = {"steps": args.steps, "seeds": args.seeds, "eval_prompts": args.eval_prompts or "configs/demo.yaml",
               "seconds": round(time.time() - t0), "table": {v: {m: list(s) for m, s in st.items()}
                                                              for v, st in table.items()},
               "curves": curve, "runs": evals}
    (out / "ablations.json").write_text(json.dumps(summary, indent=1))
    (out / "ablations.md").write_text(md + "\n")
    plot(table, curve, out / "ablations.png",
         f"held-out, {args.steps} GRPO steps, mean ± 95% CI over {len(args.seeds)} seeds")
    print(md)
    print(f"figure: {out / 'ablations.png'}")


if __name__ == "__main__":
    main()
