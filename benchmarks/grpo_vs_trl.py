"""GRPO step time: this project's trainer versus TRL's ``GRPOTrainer``, same model and settings.

Settings (both engines): the embedded SmolLM2-135M-Instruct on CPU, one prompt per step
(``assets/demo_prompts.jsonl`` in file order, think prompt in the chat template), G=8, N new
tokens (128, then 512), temperature 0.8, top-p 1.0, β=0, ε=0.2 (low and high), token-level loss,
one policy update per rollout, lr 1e-5, the length reward alone. Both load the model through
``longwriter_zero.models.load_model`` (fp32 weights, subnormal floats flushed), 2 CPU threads.

Each measurement is a fresh subprocess (so peak memory is its own): ``warmup`` steps, then
``steps`` timed steps. Engines alternate within each round (ours, TRL, ours, TRL, ...).
Reported per engine: median seconds per step, generated tokens per second (completion tokens
of the step / step time), peak resident memory (``ru_maxrss``), and the ratio ours / TRL; then
where each step's time goes: generation, rewards, old/reference log-probs, forward+backward,
optimizer (our trainer's ``time/*`` metrics; for TRL, wall time of its own methods
``_generate``, ``_calculate_rewards``, ``_generate_and_score_completions``, ``training_step``
minus ``_prepare_inputs``, and clip + ``optimizer.step``).

Engines and dtypes, always like for like: every dtype is run on both engines and the ratio is
taken within a dtype.
- ``float32`` (always): ``ours`` with ``model.compute_dtype=float32``, ``trl`` with TRL's fp32;
- ``bfloat16`` (by default only where the CPU computes bf16 natively, AVX512-BF16 / AMX; oneDNN
  emulates it elsewhere): ``ours`` with a bf16 sampling copy and a bf16 autocast update over fp32
  master weights (``model.compute_dtype=bfloat16``), ``trl`` with ``bf16=True`` and
  ``use_cpu=True`` (Trainer's CPU autocast over fp32 weights).

    python benchmarks/grpo_vs_trl.py [--tokens 128 512] [--steps 3] [--warmup 1] [--rounds 1]
                                     [--engines ours trl] [--dtypes float32 bfloat16]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROMPTS = REPO / "src" / "longwriter_zero" / "assets" / "demo_prompts.jsonl"
PHASES = ("generate", "reward", "old_logprobs", "forward_backward", "optimizer")


def train_config(tokens: int, steps: int, out: str, compute_dtype: str, extra: tuple = ()):
    from longwriter_zero.config import load_config

    return load_config(None, [
        "model.name=embedded", f"model.compute_dtype={compute_dtype}", f"data.prompts={PROMPTS}",
        "data.shuffle=false", "rollout.group_size=8", "rollout.prompts_per_step=1", f"rollout.max_new_tokens={tokens}",
        "rollout.temperature=0.8", "rollout.top_p=1.0", "algorithm.beta=0", "algorithm.eps_low=0.2",
        "algorithm.eps_high=0.2", "algorithm.loss_agg=token_mean", "algorithm.ppo_epochs=1", "optim.lr=1e-5",
        "optim.warmup_steps=0", f"steps={steps}", "save_every=0", f"output_dir={out}", "threads=2", "seed=0",
        *extra])


def run_ours(tokens: int, steps: int, warmup: int, compute_dtype: str, extra: tuple = ()) -> dict:
    from longwriter_zero.trainer.grpo import train

    with tempfile.TemporaryDirectory() as out:
        run = train(train_config(tokens, warmup + steps, out, compute_dtype, tuple(extra)), progress=False)
        rows = [json.loads(ln) for ln in (run / "metrics.jsonl").read_text().splitlines()][warmup:]
    return {"step_seconds": [r["step_time"] for r in rows],
            "tokens": [r["completion_tokens/mean"] * 8 for r in rows],
            "phases": [{p: r[f"time/{p}"] for p in PHASES} for r in rows]}


def _timed(obj, name: str, acc: dict) -> None:
    """Wrap the bound method ``obj.name`` so its wall time adds to ``acc[name]``."""
    inner = getattr(obj, name)

    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            acc[name] = acc.get(name, 0.0) + time.perf_counter() - t0

    setattr(obj, name, wrapper)


def run_trl(tokens: int, steps: int, warmup: int, bf16: bool) -> dict:
    import torch
    from transformers import TrainerCallback
    from trl import GRPOTrainer

    from longwriter_zero.integrations.trl import grpo_config_from_train, reward_functions, to_trl_dataset
    from longwriter_zero.models import load_model

    torch.set_num_threads(2)
    times: list[float] = []
    phases: list[dict] = []
    acc: dict[str, float] = {}

    class Timer(TrainerCallback):
        def on_step_begin(self, args, state, control, **kw):
            acc.clear()
            self.t0 = time.perf_counter()

        def on_pre_optimizer_step(self, args, state, control, **kw):
            self.t_opt = time.perf_counter()

        def on_optimizer_step(self, args, state, control, **kw):
            acc["optimizer"] = time.perf_counter() - self.t_opt

        def on_step_end(self, args, state, control, **kw):
            times.append(time.perf_counter() - self.t0)
            phases.append(dict(acc))

    with tempfile.TemporaryDirectory() as out:
        cfg = train_config(tokens, warmup + steps, out, "auto")
        model, tok = load_model("embedded")
        args = grpo_config_from_train(cfg, out, logging_steps=1, report_to="none", save_strategy="no", use_cpu=True,
                                      shuffle_dataset=False, bf16=bf16, disable_tqdm=True)
        trainer = GRPOTrainer(model=model, processing_class=tok, args=args,
                              reward_funcs=reward_functions(cfg, log_parts=False),
                              train_dataset=to_trl_dataset(PROMPTS), callbacks=[Timer()])
        for name in ("training_step", "_prepare_inputs", "_generate_and_score_completions", "_generate",
                     "_calculate_rewards", "compute_loss", "_clip_grad_norm"):
            _timed(trainer, name, acc)
        trainer.train()
        logs = [h for h in trainer.state.log_history if "completions/mean_length" in h]
    # The step's phases, named as for our trainer: generation, rewards, the rest of TRL's scoring
    # pass (old/ref log-probs when needed, advantages), forward (compute_loss), backward (the rest
    # of training_step), optimizer (clip + step).
    breakdown = [{"generate": p.get("_generate", 0.0), "reward": p.get("_calculate_rewards", 0.0),
                  "old_logprobs": p.get("_generate_and_score_completions", 0.0) - p.get("_generate", 0.0)
                  - p.get("_calculate_rewards", 0.0),
                  "forward_backward": p.get("training_step", 0.0) - p.get("_prepare_inputs", 0.0),
                  "optimizer": p.get("optimizer", 0.0) + p.get("_clip_grad_norm", 0.0)} for p in phases]
    return {"step_seconds": times[warmup:],
            "tokens": [h["completions/mean_length"] * 8 for h in logs][warmup:],
            "phases": breakdown[warmup:]}


def default_dtypes() -> list[str]:
    """float32, plus bfloat16 where this CPU computes it natively (both engines get each dtype)."""
    from longwriter_zero.models import native_bf16

    return ["float32"] + (["bfloat16"] if native_bf16("cpu") else [])


def engine_settings(engine: str, dtype: str) -> dict:
    """The one place that maps (engine, dtype) to each engine's own switch: the same compute dtype
    on both engines, float32 master weights on both."""
    if dtype not in ("float32", "bfloat16"):
        raise ValueError(f"dtype {dtype!r}: float32 or bfloat16")
    if engine == "ours":   # sampling in the same dtype too (rollout.dtype), as TRL samples under its autocast
        return {"compute_dtype": dtype, "extra": (f"rollout.dtype={dtype}",)}
    if engine == "trl":
        return {"bf16": dtype == "bfloat16"}
    raise ValueError(f"engine {engine!r}: ours or trl")


def child(engine: str, dtype: str, tokens: int, steps: int, warmup: int) -> None:
    if engine == "ours":
        res = run_ours(tokens, steps, warmup, **engine_settings(engine, dtype))
    else:
        res = run_trl(tokens, steps, warmup, **engine_settings(engine, dtype))
    res["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(res))


def measure(engine: str, dtype: str, tokens: int, steps: int, warmup: int) -> dict:
    cmd = [sys.executable, __file__, "--child", engine, "--child-dtype", dtype, "--tokens", str(tokens),
           "--steps", str(steps), "--warmup", str(warmup)]
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("RESULT ")]
    if r.returncode != 0 or not lines:
        tail = (r.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": tail[:300]}
    return json.loads(lines[-1][len("RESULT "):])


def summarise(results: list[dict]) -> dict:
    ok = [r for r in results if "error" not in r]
    if not ok:
        return {"error": results[0]["error"]}
    secs = [s for r in ok for s in r["step_seconds"]]
    toks = [t for r in ok for t in r["tokens"]]
    out = {"median_step_s": statistics.median(secs), "tokens_per_s": sum(toks) / sum(secs),
           "peak_rss_mib": max(r["peak_rss_mib"] for r in ok), "steps": len(secs)}
    out["median_phase_s"] = {p: statistics.median(ph[p] for r in ok for ph in r["phases"]) for p in PHASES}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=int, nargs="+", default=[128, 512])
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--engines", nargs="+", default=["ours", "trl"], choices=["ours", "trl"])
    ap.add_argument("--dtypes", nargs="+", default=None, choices=["float32", "bfloat16"],
                    help="compute dtypes, each run on every engine (default: float32, plus bfloat16 where "
                         "the CPU has it natively)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-dtype", default="float32", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.child_dtype, args.tokens[0], args.steps, args.warmup)
        return
    dtypes = args.dtypes or default_dtypes()
    runs = [(e, d) for d in dtypes for e in args.engines]
    report = {}
    for tokens in args.tokens:
        raw: dict[str, list] = {f"{e}-{d}": [] for e, d in runs}
        for rnd in range(args.rounds):
            for engine, dtype in runs:
                key = f"{engine}-{dtype}"
                t0 = time.time()
                raw[key].append(measure(engine, dtype, tokens, args.steps, args.warmup))
                print(f"# {tokens} tokens, round {rnd + 1}, {key}: {time.time() - t0:.0f} s "
                      f"{json.dumps(raw[key][-1])[:300]}", file=sys.stderr, flush=True)
        report[tokens] = {k: summarise(v) for k, v in raw.items()}
    print(f"\nG=8, 1 prompt/step, T=0.8, beta=0, eps=0.2, length reward; {args.steps} steps after {args.warmup} "
          f"warm-up, {args.rounds} round(s)")
    print(f"{'tokens':>6} | {'engine':<14} | {'median s/step':>13} | {'gen tok/s':>9} | {'peak RSS MiB':>12} | "
          f"{'ours/this':>9}")
    for tokens, res in report.items():
        for engine, s in res.items():
            if "error" in s:
                print(f"{tokens:>6} | {engine:<14} | error: {s['error']}")
                continue
            name, dtype = engine.split("-", 1)
            ours = res.get(f"ours-{dtype}", {}).get("median_step_s")   # same dtype only
            ratio = f"{ours / s['median_step_s']:.2f}" if ours and name != "ours" else "-"
            print(f"{tokens:>6} | {engine:<14} | {s['median_step_s']:>13.1f} | {s['tokens_per_s']:>9.1f} | "
                  f"{s['peak_rss_mib']:>12.0f} | {ratio:>9}")
    print(f"\nwhere a step's time goes (median seconds per phase; other = step - phases)")
    print(f"{'tokens':>6} | {'engine':<14} | " + " | ".join(f"{p:>16}" for p in PHASES) + f" | {'other':>6}")
    for tokens, res in report.items():
        for engine, s in res.items():
            if "error" in s:
                continue
            ph = s["median_phase_s"]
            print(f"{tokens:>6} | {engine:<14} | " + " | ".join(f"{ph[p]:>16.2f}" for p in PHASES)
                  + f" | {s['median_step_s'] - sum(ph.values()):>6.2f}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
