"""GPU check: the GPU-marked tests, then this project's GRPO trainer on a randomly initialised
model of Qwen2.5-0.5B's shape at 2K, 8K and 14K new tokens (G = 8, EOS ignored so every
completion has exactly that length), printing step time, tokens/s and peak GPU memory; then
TRL's ``GRPOTrainer`` step at 2K new tokens where TRL can be imported.

Made for a machine with one CUDA GPU where torch and transformers are installed and nothing can
be downloaded. Only the repository and a kit of at most 64 MiB travel; ``--prepare`` writes it
here, where the project is installed: the embedded tokenizer (3.4 MiB) and, with
``--trl-wheels``, TRL and the packages it needs beyond torch and transformers as wheels for the
GPU machine's Python (``--python-version``, default 3.11; 57 MiB with pyarrow 21 and pandas 2.3,
the smallest versions TRL 1.16 accepts). On the GPU machine the wheels are unpacked into
``<kit>/site``, appended to ``sys.path`` (the machine's own packages win)::

    .venv/bin/python benchmarks/gpu_check.py --prepare --trl-wheels --kit runs/gpu_kit   # here
    python benchmarks/gpu_check.py --kit runs/gpu_kit                                   # on the GPU machine

It stops starting new work once ``--budget-s`` (480 s) would be exceeded: a length whose step
is projected (from the measured per-token decode and update times) to overrun the remaining
budget is skipped with the projection printed. Results also go to ``<kit>/gpu_check.json``.

``--dry-run``: the same path on a CPU with a two-layer model of the same family and a few
tokens (``tests/test_gpu_check.py``).

The model is Qwen2.5-0.5B's config (written below) with random weights, the embedded tokenizer
(SmolLM2, 49,152 tokens; the 151,936-row embedding and LM head keep the real shape). Parameters
and AdamW in float32, sampling copy and update in bfloat16 (``model.compute_dtype``), no
gradient checkpointing, length reward only, one prompt x G = 8 per step.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROMPTS = ROOT / "src" / "longwriter_zero" / "assets" / "demo_prompts.jsonl"

# Qwen/Qwen2.5-0.5B config.json (the fields that define the shape and numerics)
QWEN25_05B = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu",
    "hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
    "num_key_value_heads": 2, "max_position_embeddings": 32768, "max_window_layers": 24,
    "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "sliding_window": 32768, "use_sliding_window": False,
    "tie_word_embeddings": True, "vocab_size": 151936, "attention_dropout": 0.0, "initializer_range": 0.02,
}
DRY_RUN_SHAPE = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
                 "num_key_value_heads": 2, "max_window_layers": 2}
LENGTHS = (2000, 8000, 14000)
KIT_LIMIT_MIB = 64
# TRL and what it imports beyond torch, transformers and their dependencies: the smallest versions
# TRL 1.16 accepts (pyarrow >= 21 through datasets 4.7; pandas needs dateutil, pytz, tzdata, six)
TRL_WHEELS = ("trl==1.16.0", "accelerate==1.15.0", "datasets==4.7.0", "pyarrow==21.0.0", "pandas==2.3.3",
              "dill==0.4.0", "multiprocess==0.70.18", "fsspec==2026.2.0", "xxhash==3.6.0", "psutil==7.2.2",
              "python-dateutil==2.9.0.post0", "pytz==2025.2", "tzdata==2025.2", "six==1.17.0")
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_24_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64",
             "manylinux_2_12_x86_64", "manylinux2010_x86_64")
DRY_RUN_LENGTHS = (8, 16, 24)


def log(msg: str) -> None:
    print(msg, flush=True)


# ----------------------------------------------------------------------------- kit

def kit_mib(kit: Path) -> float:
    return sum(f.stat().st_size for f in kit.rglob("*") if f.is_file()) / 2**20


def prepare(kit: Path, trl_wheels: bool, python_version: str) -> int:
    """Write the embedded tokenizer (and TRL's wheels) into the kit, where the project is installed."""
    from longwriter_zero.models import load_tokenizer

    tok = load_tokenizer("tiny-random")          # the embedded model's tokenizer
    tok.save_pretrained(kit / "tokenizer")
    if trl_wheels:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(kit / "wheels"),
               "--python-version", python_version, *[a for p in PLATFORMS for a in ("--platform", p)], *TRL_WHEELS]
        log("$ " + " ".join(cmd))
        if subprocess.run(cmd).returncode != 0:
            log("error: pip download failed")
            return 1
    size = kit_mib(kit)
    log(f"kit {kit}: {size:.1f} MiB (limit {KIT_LIMIT_MIB} MiB)")
    return 0 if size <= KIT_LIMIT_MIB else 1


def unpack_wheels(kit: Path) -> None:
    """Unpack the kit's wheels into ``<kit>/site`` (a wheel is a zip of its installed files) and
    append it to ``sys.path``: packages the machine has keep its own version."""
    import zipfile

    wheels = sorted((kit / "wheels").glob("*.whl"))
    if not wheels:
        return
    site = kit / "site"
    if not (site / ".unpacked").exists():
        for w in wheels:
            zipfile.ZipFile(w).extractall(site)
        (site / ".unpacked").write_text("\n".join(w.name for w in wheels))
        log(f"unpacked {len(wheels)} wheels into {site}")
    sys.path.append(str(site))
    importlib.invalidate_caches()


def build_model(kit: Path, dry_run: bool) -> Path:
    """A randomly initialised Qwen2 model of the real shape (tiny for --dry-run), saved with the
    embedded tokenizer as an HF folder the trainer loads like any checkpoint."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, Qwen2Config

    folder = kit / ("model-dry-run" if dry_run else "model-qwen2.5-0.5b-random")
    if (folder / "config.json").exists():
        return folder
    tok = AutoTokenizer.from_pretrained(kit / "tokenizer")
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    shape = {**QWEN25_05B, **(DRY_RUN_SHAPE | {"vocab_size": len(tok)} if dry_run else {})}
    cfg = Qwen2Config(**{k: v for k, v in shape.items() if k not in ("architectures", "model_type")},
                      bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    torch.manual_seed(0)
    with torch.device("cpu" if dry_run else "cuda"):        # random init on the GPU: seconds, not minutes
        model = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    n = sum(p.numel() for p in model.parameters())
    log(f"model: Qwen2 {cfg.num_hidden_layers} layers, hidden {cfg.hidden_size}, vocab {cfg.vocab_size}: "
        f"{n / 1e6:.1f} M parameters (random) -> {folder}")
    return folder


# ----------------------------------------------------------------------------- steps

def gpu_tests(budget_left: float) -> dict:
    # only the GPU test file: the rest of the suite imports packages a bare GPU machine may lack
    cmd = [sys.executable, "-m", "pytest", "-m", "gpu", "-p", "no:cacheprovider",
           str(ROOT / "tests" / "test_gpu.py")]
    log("$ " + " ".join(cmd))
    t0 = time.perf_counter()
    try:
        import pytest  # noqa: F401
    except ImportError:
        log("gpu tests: pytest is not installed; skipped")
        return {"status": "skipped: no pytest"}
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=max(30, budget_left / 3),
                           env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    except subprocess.TimeoutExpired:
        log("gpu tests: timed out")
        return {"status": "timeout"}
    tail = (p.stdout.strip().splitlines() or [""])[-1]
    log(f"gpu tests: {tail} ({time.perf_counter() - t0:.0f} s)")
    if p.returncode not in (0, 5):            # 5: nothing collected
        log(p.stdout[-3000:] + p.stderr[-2000:])
    return {"status": "ok" if p.returncode in (0, 5) else f"failed (exit {p.returncode})", "summary": tail}


def ours_step(model_dir: Path, out: Path, new_tokens: int, group_size: int, device: str) -> dict:
    """One GRPO step of this project's trainer: rollout, score, update; times and peak memory."""
    import torch

    from longwriter_zero.config import TrainConfig, build
    from longwriter_zero.trainer import grpo

    cuda = device == "cuda"
    cfg = build(TrainConfig, {
        "model": {"name": str(model_dir), "dtype": "float32", "compute_dtype": "bfloat16" if cuda else "float32"},
        "prompt": {"chat_template": False},
        "data": {"prompts": str(PROMPTS), "shuffle": False},
        "rollout": {"group_size": group_size, "prompts_per_step": 1, "max_new_tokens": new_tokens,
                    "ignore_eos": True, "temperature": 0.8},
        "rewards": [{"name": "length"}],
        "optim": {"token_budget": max(4096, 2 * (new_tokens + 256)), "lr": 1e-6},
        "steps": 1, "device": device, "output_dir": str(out)})
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    run = grpo.setup(cfg)
    rows = grpo.prompts_for_step(run.prompts, 0, 1, cfg.seed, False)

    def sync():
        if cuda:
            torch.cuda.synchronize()

    sync()
    t0 = time.perf_counter()
    batch = grpo.rollout(run, rows)
    sync()
    t1 = time.perf_counter()
    grpo.score(run, batch)
    t2 = time.perf_counter()
    grpo.update(run, batch)
    sync()
    t3 = time.perf_counter()
    lengths = [len(c) for c in batch.completion_ids]
    prompt_len = len(batch.prompt_ids[0])
    result = {"new_tokens": new_tokens, "group_size": group_size, "prompt_tokens": prompt_len,
              "completion_tokens": lengths, "generate_s": t1 - t0, "reward_s": t2 - t1, "update_s": t3 - t2,
              "step_s": t3 - t0, "generated_tokens_per_s": sum(lengths) / (t1 - t0),
              "trained_tokens_per_s": sum(lengths) / (t3 - t2),
              "peak_gpu_mib": torch.cuda.max_memory_allocated() / 2**20 if cuda else None}
    del run, batch
    if cuda:
        torch.cuda.empty_cache()
    return result


def trl_step(model_dir: Path, out: Path, new_tokens: int, group_size: int, device: str) -> dict:
    """One step of TRL's GRPOTrainer on the same model and prompt, with the length reward."""
    import torch
    from trl import GRPOTrainer

    from longwriter_zero.integrations.trl import grpo_config, reward_functions, to_trl_dataset
    from longwriter_zero.models import load_model
    from longwriter_zero.rewards.base import RewardSettings

    cuda = device == "cuda"
    model, tok = load_model(str(model_dir), dtype="float32", device=device)
    args = grpo_config(str(out), num_generations=group_size, per_device_train_batch_size=group_size,
                       gradient_accumulation_steps=1, max_completion_length=new_tokens, max_steps=1,
                       generation_kwargs={"min_new_tokens": new_tokens},      # EOS ignored, as ours
                       bf16=cuda, use_cpu=not cuda, save_strategy="no", logging_steps=1, disable_tqdm=True,
                       report_to="none")
    trainer = GRPOTrainer(model=model, reward_funcs=reward_functions(["length"], settings=RewardSettings(l_max=new_tokens)),
                          args=args, train_dataset=to_trl_dataset(PROMPTS, conversational=False),
                          processing_class=tok)
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    trainer.train()
    step = time.perf_counter() - t0
    logged = next((e for e in trainer.state.log_history if "completions/mean_length" in e), {})
    return {"new_tokens": new_tokens, "group_size": group_size, "step_s": step,
            "mean_completion_tokens": logged.get("completions/mean_length"),
            "peak_gpu_mib": torch.cuda.max_memory_allocated() / 2**20 if cuda else None}


def show(name: str, r: dict) -> None:
    mem = f"{r['peak_gpu_mib']:,.0f} MiB" if r.get("peak_gpu_mib") is not None else "n/a (CPU)"
    if "generate_s" in r:
        log(f"{name}: {r['new_tokens']} new tokens x G={r['group_size']} (prompt {r['prompt_tokens']}): "
            f"step {r['step_s']:.1f} s (generate {r['generate_s']:.1f}, update {r['update_s']:.1f}); "
            f"{r['generated_tokens_per_s']:,.0f} generated tokens/s, "
            f"{r['trained_tokens_per_s']:,.0f} trained tokens/s; "
            f"peak GPU memory {mem}")
    else:
        log(f"{name}: {r['new_tokens']} new tokens x G={r['group_size']}: step {r['step_s']:.1f} s "
            f"(mean completion {r['mean_completion_tokens']} tokens); peak GPU memory {mem}")


def projected(prev: dict, new_tokens: int) -> float:
    """Seconds a step at ``new_tokens`` should take, from the measured shorter step ``prev``:
    generation and update scaled by the length ratio, plus a quarter (a small model's decode step
    costs about the same at any cache length; the update grows a little faster than linearly)."""
    f = new_tokens / prev["new_tokens"]
    return 1.25 * f * (prev["generate_s"] + prev["update_s"]) + prev["reward_s"] + 10.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kit", default="runs/gpu_kit", help="folder with the tokenizer (from --prepare); results too")
    ap.add_argument("--prepare", action="store_true", help="write the kit here and stop")
    ap.add_argument("--trl-wheels", action="store_true", help="with --prepare: add TRL's wheels to the kit")
    ap.add_argument("--python-version", default="3.11", help="with --trl-wheels: the GPU machine's Python")
    ap.add_argument("--dry-run", action="store_true", help="CPU, tiny model of the same family, a few tokens")
    ap.add_argument("--budget-s", type=float, default=480.0, help="stop starting new work past this")
    ap.add_argument("--group-size", type=int, default=8)
    ap.add_argument("--lengths", default="", help="comma-separated new-token counts (default 2000,8000,14000)")
    ap.add_argument("--skip-tests", action="store_true")
    ap.add_argument("--skip-trl", action="store_true")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    kit = Path(args.kit).resolve()
    kit.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "src"))
    if args.prepare:
        return prepare(kit, args.trl_wheels, args.python_version)
    if not (kit / "tokenizer").exists():
        log(f"error: {kit}/tokenizer missing; run `benchmarks/gpu_check.py --prepare {args.kit}` where the "
            "project is installed and carry the folder")
        return 2

    import torch

    device = "cpu" if args.dry_run else "cuda"
    if device == "cuda" and not torch.cuda.is_available():
        log("error: no CUDA device (use --dry-run on a CPU)")
        return 2
    lengths = [int(x) for x in args.lengths.split(",") if x] or list(DRY_RUN_LENGTHS if args.dry_run else LENGTHS)
    left = lambda: args.budget_s - (time.perf_counter() - start)       # noqa: E731
    info = {"torch": torch.__version__, "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
            "dry_run": args.dry_run, "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    import transformers
    info["transformers"] = transformers.__version__
    log(f"gpu_check: {info}")
    results: dict = {"info": info, "ours": [], "skipped": []}

    results["gpu_tests"] = {"status": "skipped"} if args.skip_tests else gpu_tests(left())
    if not args.skip_trl:
        unpack_wheels(kit)
    model_dir = build_model(kit, args.dry_run)
    # the shortest length first (it gives the projection), then TRL at that length, then the
    # longest first: if the budget does not fit every length, the paper's 14K is measured before 8K
    first, rest = lengths[0], sorted(lengths[1:], reverse=True)

    def skip(msg: str) -> None:
        log(msg)
        results["skipped"].append(msg)

    def attempt(name: str, fn, *a):
        """One measurement; an error (e.g. out of memory) is printed and recorded, the check goes on."""
        try:
            r = fn(*a)
        except Exception as e:      # noqa: BLE001 -- report every failure, keep what was measured
            skip(f"{name}: failed: {type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}")
            return None
        finally:
            (kit / "gpu_check.json").write_text(json.dumps(results, indent=1))
        return r

    base = attempt(f"ours at {first}", ours_step, model_dir, kit / "runs" / f"ours-{first}-{int(time.time())}",
                   first, args.group_size, device)
    if base is None:
        rest = []
    else:
        show("ours", base)
        results["ours"].append(base)
    if args.skip_trl or base is None:
        pass
    elif importlib.util.find_spec("trl") is None:
        skip("TRL: not installed here; skipped")
    elif 2 * base["step_s"] + 20 > left():
        skip(f"TRL at {first}: skipped, {left():.0f} s left of the budget")
    else:
        import trl

        r = attempt(f"TRL at {first}", trl_step, model_dir, kit / "runs" / f"trl-{first}-{int(time.time())}",
                    first, args.group_size, device)
        if r is not None:
            r["trl"] = trl.__version__
            show(f"TRL {trl.__version__}", r)
            results["trl"] = r
    for n in rest:
        if projected(base, n) > left():
            skip(f"ours at {n}: skipped, projected {projected(base, n):.0f} s > {left():.0f} s left of the budget")
            continue
        r = attempt(f"ours at {n}", ours_step, model_dir, kit / "runs" / f"ours-{n}-{int(time.time())}", n,
                    args.group_size, device)
        if r is not None:
            show("ours", r)
            results["ours"].append(r)
    results["ours"].sort(key=lambda r: r["new_tokens"])
    results["total_s"] = time.perf_counter() - start
    (kit / "gpu_check.json").write_text(json.dumps(results, indent=1))
    log(f"total {results['total_s']:.0f} s; results in {kit / 'gpu_check.json'}")
    ok = results["gpu_tests"]["status"] in ("ok", "skipped") and bool(results["ours"]) and not any(
        "failed" in m for m in results["skipped"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
