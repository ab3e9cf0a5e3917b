"""GRPO for long-form writing, as LongWriter-Zero runs it, in one top-to-bottom recipe.

Per step: take B prompts -> sample G completions each -> score them with every reward ->
balanced advantages (each reward normalised within its group, then averaged: Eq. 5) ->
μ clipped-ratio policy updates on token-budget micro-batches -> log -> checkpoint.

Where this departs from the paper, and why:
- log-probs are computed at the sampling temperature (as TRL and verl do), so the ratio
  compares the distribution that actually produced the samples;
- with μ = 1 (the default) the old log-probs are the current ones, detached: the ratio is 1
  and its gradient is the clipped objective's, so no separate no-grad pass is run;
- ``L_max`` of the length reward (unreleased) is the generation cap in tokens, used as a word
  count (``RewardSettings.from_train_config``): no completion can hold more words than tokens
  it was allowed;
- groups of a step are sampled one prompt after another (prefill once, decode G), on a CPU from a
  float32 copy of the policy with prepacked linear weights (the same math, rounded differently;
  for Llama-family models with fused projections and a decode step of its own);
- in the update, a group's prompt runs once and its completions attend to its KV cache
  (``optim.share_prompt``), which gives the same log-probs and gradients as full rows.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import yaml

from longwriter_zero.algorithm.advantages import advantage_fn, compute_advantages
from longwriter_zero.algorithm.batching import token_budget_batches
from longwriter_zero.algorithm.loss import aggregate, batch_normalizer, clipped_objective, kl_k3
from longwriter_zero.config import TrainConfig, to_dict
from longwriter_zero.data.dataset import check_prompt_lengths, fits_cap, load_prompt_set
from longwriter_zero.errors import UserError
from longwriter_zero.evaluation import heldout
from longwriter_zero.models import load_model, native_bf16, precision_plan, resolve_device
from longwriter_zero.prompts import build_prompt, load_template_file, parse_completion
from longwriter_zero.rewards.base import Reward, RewardSettings, required_keys
from longwriter_zero.rewards.registry import build_rewards, check_options
from longwriter_zero.rollout import prepacked
from longwriter_zero.rollout.sampling import decode_completion, sample_group
from longwriter_zero.text.counting import count_length
from longwriter_zero.trainer import run_dir as rundir
from longwriter_zero.trainer.policy import completion_logprobs, make_micro_batch


@dataclass
class RolloutBatch:
    """One step's samples, prompt by prompt (rows ``g*G .. g*G+G-1`` share prompt g)."""
    requests: list[str]                  # [B*G] user requests
    samples: list[dict]                  # [B*G] prompt-set rows (range, lang, id, ...)
    prompt_ids: list[list[int]]          # [B*G] x [P]
    completion_ids: list[list[int]]      # [B*G] x [T_i]
    completions: list[str]               # [B*G] decoded completions
    finish_reasons: list[str]            # [B*G] "stop" | "length"
    rewards: torch.Tensor = None         # [K, B*G] one row per reward
    advantages: torch.Tensor = None      # [B*G]
    reward_parts: dict = field(default_factory=dict)  # "name/part" -> [B*G]


@dataclass
class Run:
    """Everything the loop needs, built once by ``setup``."""
    cfg: TrainConfig
    run_dir: Path
    model: object
    tokenizer: object
    ref_model: object | None
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    rewards: list            # [(reward, weight)]
    prompts: list[dict]
    template_text: str | None
    device: str
    start_step: int = 0
    rollout_model: object = None     # what samples: the policy, a copy in rollout.dtype, or a prepacked copy
    rollout_kind: str = "policy"     # "policy" | "copy" | "prepacked" (setup_precision)
    compute_dtype: torch.dtype | None = None   # autocast dtype of the update, None: no autocast


# --------------------------------------------------------------------------- setup


def validate(cfg: TrainConfig) -> None:
    """Checks that need no model: a config that passes can be started."""
    r, a, o = cfg.rollout, cfg.algorithm, cfg.optim
    checks = [
        (r.group_size >= 2, "rollout.group_size must be >= 2 (advantages are relative to the group)"),
        (r.prompts_per_step >= 1, "rollout.prompts_per_step must be >= 1"),
        (r.max_new_tokens >= 1, "rollout.max_new_tokens must be >= 1"),
        (r.temperature > 0, "rollout.temperature must be > 0 for sampling"),
        (0 < r.top_p <= 1, "rollout.top_p must be in (0, 1]"),
        (a.eps_low >= 0 and a.eps_high >= 0, "algorithm.eps_low/eps_high must be >= 0"),
        (a.beta >= 0, "algorithm.beta must be >= 0"),
        (a.ppo_epochs >= 1, "algorithm.ppo_epochs must be >= 1"),
        (o.lr > 0, "optim.lr must be > 0"),
        (o.token_budget >= 1, "optim.token_budget must be >= 1"),
        (o.logprob_chunk >= 1, "optim.logprob_chunk must be >= 1"),
        (o.logprob_keep_mib >= 0, "optim.logprob_keep_mib must be >= 0"),
        (cfg.steps >= 0, "steps must be >= 0"),
        (bool(cfg.data.prompts), "data.prompts: no prompt file given"),
        (not cfg.data.prompts or Path(cfg.data.prompts).exists(), f"data.prompts: {cfg.data.prompts}: no such file"),
        (not cfg.prompt.template_file or Path(cfg.prompt.template_file).exists(),
         f"prompt.template_file: {cfg.prompt.template_file}: no such file"),
        (all(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0
             for v in cfg.data.cap_tokens_per_unit.values()),
         "data.cap_tokens_per_unit: each language's tokens per unit must be a number > 0"),
    ]
    checks += [(s.weight >= 0, f"rewards[{i}] ({s.name}): weight must be >= 0 (0 logs it as a monitor)")
               for i, s in enumerate(cfg.rewards)]
    checks.append((sum(s.weight for s in cfg.rewards) > 0, "rewards: weights must have a positive sum"))
    for ok, message in checks:
        if not ok:
            raise UserError(message)
    advantage_fn(a.advantage)                # an unknown estimator: one line listing the known ones
    for s in cfg.rewards:
        check_options(s.name, s.options)     # an unknown reward or option: one line listing the known ones


def run_rewards(cfg: TrainConfig, device: str) -> list[tuple[Reward, float]]:
    """The config's rewards with their weights, built with the run's ``RewardSettings``."""
    return build_rewards(cfg.rewards, RewardSettings.from_train_config(cfg, device))


def setup(cfg: TrainConfig, resume: bool = False, overwrite: bool = False) -> Run:
    validate(cfg)
    plan = rundir.plan(cfg.output_dir, resume, overwrite)   # refuses a used folder before any work
    prompts = load_prompt_set(cfg.data.prompts)
    if cfg.data.cap_tokens_per_unit:
        kept = [p for p in prompts if fits_cap(p, cfg.rollout.max_new_tokens, cfg.data.cap_tokens_per_unit)]
        if not kept:
            raise UserError(f"{cfg.data.prompts}: no prompt's range fits in rollout.max_new_tokens="
                            f"{cfg.rollout.max_new_tokens} at data.cap_tokens_per_unit={cfg.data.cap_tokens_per_unit}")
        if len(kept) < len(prompts):
            print(f"data: {len(kept)} of {len(prompts)} prompts have a range that fits in "
                  f"{cfg.rollout.max_new_tokens} new tokens", file=sys.stderr)
        prompts = kept
    template_text = load_template_file(cfg.prompt.template_file) if cfg.prompt.template_file else None
    device = resolve_device(cfg.device)
    rewards = run_rewards(cfg, device)
    for reward, _ in rewards:
        for key in required_keys(reward):
            missing = next((i for i, p in enumerate(prompts) if key not in p), None)
            if missing is not None:
                raise UserError(f"{cfg.data.prompts}: prompt {missing + 1} has no '{key}' "
                                f"(the {reward.name} reward needs one)")
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed)

    m = cfg.model
    model, tok = load_model(m.name, dtype=m.dtype, seed=m.seed, lora_r=m.lora_r, lora_alpha=m.lora_alpha,
                            lora_dropout=m.lora_dropout, gradient_checkpointing=m.gradient_checkpointing,
                            device=device)
    ref_model = None
    if cfg.algorithm.beta > 0 and m.lora_r == 0:
        ref_model, _ = load_model(m.name, dtype=m.dtype, seed=m.seed, device=device)
        ref_model.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    # fused: one kernel over all parameters (CPU and CUDA), instead of a loop of per-tensor ops
    optimizer = torch.optim.AdamW(params, lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay,
                                  fused=torch.device(device).type in ("cpu", "cuda"))
    warmup = cfg.optim.warmup_steps
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / warmup) if warmup else 1.0)

    run_dir = Path(cfg.output_dir)
    run = Run(cfg, run_dir, model, tok, ref_model, optimizer, scheduler, rewards, prompts, template_text, device)
    check_prompt_lengths(prompts, cfg.data.prompts, tok, lambda r: build_prompt(
        r, tok, cfg.prompt.template, cfg.prompt.language, template_text, cfg.prompt.chat_template),
        getattr(model.config, "max_position_embeddings", None), cfg.rollout.max_new_tokens)
    latest = plan.apply()
    if latest is not None:
        rundir.load_weights(model, latest)
        run.start_step = rundir.load_trainer_state(latest, optimizer, scheduler)
    else:
        (run_dir / rundir.METRICS).write_text("")
    (run_dir / rundir.CONFIG).write_text(yaml.safe_dump(to_dict(cfg), sort_keys=False, allow_unicode=True))
    setup_precision(run)
    return run


def setup_precision(run: Run) -> None:
    """What the rollout samples from: the policy itself, a copy in another dtype, or, on a CPU in
    float32, a copy with prepacked linear weights (``rollout/prepacked.py``); and the update's
    autocast dtype (``run.compute_dtype``, None: none). Copies are refreshed after each update."""
    m, r = run.cfg.model, run.cfg.rollout
    sample, update = precision_plan(torch.device(run.device).type, m.dtype, m.compute_dtype, r.dtype,
                                    native_bf16(run.device))
    run.compute_dtype = getattr(torch, update) if update != m.dtype else None
    run.rollout_model, run.rollout_kind = run.model, "policy"
    if sample != m.dtype:
        import copy

        run.rollout_model = copy.deepcopy(_plain_model(run.model)).to(getattr(torch, sample)).requires_grad_(False)
        run.rollout_model.eval()
        run.rollout_kind = "copy"
    elif r.prepacked_linear and prepacked.available(run.device, getattr(torch, m.dtype)):
        run.rollout_model = prepacked.sampling_copy(_plain_model(run.model), r.group_size)
        run.rollout_kind = "prepacked"


def _plain_model(model):
    """A LoRA policy is sampled from its merged weights (the packed copy has no adapters)."""
    if hasattr(model, "merge_and_unload"):
        import copy

        return copy.deepcopy(model).merge_and_unload()
    return model


@torch.no_grad()
def sync_rollout_model(run: Run) -> None:
    if run.rollout_kind == "policy":
        return
    if run.rollout_kind == "prepacked":
        prepacked.refresh(run.rollout_model, _plain_model(run.model))
        return
    for dst, src in zip(run.rollout_model.parameters(), _plain_model(run.model).parameters()):
        dst.copy_(src)


def autocast(run: Run):
    if run.compute_dtype is None:
        return _null()
    return torch.autocast(device_type=torch.device(run.device).type, dtype=run.compute_dtype)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


# --------------------------------------------------------------------------- one step


def prompts_for_step(prompts: list[dict], step: int, per_step: int, seed: int, shuffle: bool) -> list[dict]:
    """Deterministic in (seed, step): epoch e visits a permutation seeded by (seed, e)."""
    n = len(prompts)
    out = []
    for k in range(step * per_step, (step + 1) * per_step):
        epoch, pos = divmod(k, n)
        order = list(range(n))
        if shuffle:
            random.Random(seed * 100003 + epoch).shuffle(order)
        out.append(prompts[order[pos]])
    return out


def rollout(run: Run, rows: list[dict]) -> RolloutBatch:
    cfg, tok = run.cfg, run.tokenizer
    G = cfg.rollout.group_size
    batch = RolloutBatch([], [], [], [], [], [])
    run.model.eval()
    eos_ids = [] if cfg.rollout.ignore_eos else [
        i for i in {tok.eos_token_id, getattr(run.model.generation_config, "eos_token_id", None)} if isinstance(i, int)]
    for row in rows:
        text = build_prompt(row["prompt"], tok, cfg.prompt.template, cfg.prompt.language, run.template_text,
                            cfg.prompt.chat_template)
        prompt_ids = tok(text, add_special_tokens=False).input_ids
        group = sample_group(run.rollout_model, prompt_ids, G, cfg.rollout.max_new_tokens, cfg.rollout.temperature,
                             cfg.rollout.top_p, eos_ids=eos_ids)
        for ids, reason in zip(group.completion_ids, group.finish_reasons):
            batch.requests.append(row["prompt"])
            batch.samples.append(row)
            batch.prompt_ids.append(prompt_ids)
            batch.completion_ids.append(ids)
            batch.completions.append(decode_completion(tok, ids))
            batch.finish_reasons.append(reason)
    return batch


def score(run: Run, batch: RolloutBatch) -> None:
    """Fill ``batch.rewards`` [K, B*G], ``reward_parts`` and ``advantages`` [B*G]."""
    rows = []
    for reward, _ in run.rewards:
        out = reward(batch.requests, batch.completions, batch.samples)
        rows.append(torch.tensor(out.scores, dtype=torch.float32))
        for part, values in out.parts.items():
            batch.reward_parts[f"{reward.name}/{part}"] = values
    batch.rewards = torch.stack(rows)
    weights = torch.tensor([w for _, w in run.rewards], dtype=torch.float32)
    batch.advantages = compute_advantages(run.cfg.algorithm.advantage, batch.rewards, weights,
                                          run.cfg.rollout.group_size, run.cfg.algorithm.std_eps)


def share_prompt(run: Run) -> bool:
    """The one place that decides the update's prompt sharing: HF models drop the KV cache under
    gradient checkpointing, so sharing needs it off."""
    return run.cfg.optim.share_prompt and not run.cfg.model.gradient_checkpointing


def _micro_batches(run: Run, batch: RolloutBatch):
    lengths = [len(p) + len(c) for p, c in zip(batch.prompt_ids, batch.completion_ids)]
    for rows in token_budget_batches(lengths, run.cfg.optim.token_budget):
        yield make_micro_batch(batch.prompt_ids, batch.completion_ids, rows, run.tokenizer.pad_token_id, run.device)


@torch.no_grad()
def _logprobs_no_grad(run: Run, model, batch: RolloutBatch, disable_adapter: bool = False) -> dict[int, torch.Tensor]:
    """Per-row completion log-probs [T_i] from ``model`` without gradient (old or reference policy)."""
    out = {}
    ctx = model.disable_adapter() if disable_adapter else _null()
    with ctx, autocast(run):
        for mb in _micro_batches(run, batch):
            lp, _ = completion_logprobs(model, mb, run.cfg.rollout.temperature, run.cfg.optim.logprob_chunk,
                                        share_prompt=share_prompt(run))
            for j, row in enumerate(mb.rows):
                out[row] = lp[j, :mb.completion_lens[j]]
    return out


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def _pad_rows(values: dict[int, torch.Tensor], rows: list[int], width: int) -> torch.Tensor:
    out = torch.zeros((len(rows), width))
    for j, r in enumerate(rows):
        out[j, :len(values[r])] = values[r]
    return out


def update(run: Run, batch: RolloutBatch) -> dict:
    """μ policy updates on the rollout batch; returns loss / clip / KL / entropy / grad-norm metrics
    and the time of its phases (old/reference log-probs, forward-backward, optimizer)."""
    cfg = run.cfg
    algo = cfg.algorithm
    model = run.model
    t0 = time.perf_counter()
    old = _logprobs_no_grad(run, model, batch) if algo.ppo_epochs > 1 else None
    ref = None
    if algo.beta > 0:
        ref = (_logprobs_no_grad(run, model, batch, disable_adapter=True) if run.ref_model is None
               else _logprobs_no_grad(run, run.ref_model, batch))
    t_old = time.perf_counter() - t0
    t_fwd_bwd = t_opt = 0.0
    normalizer = batch_normalizer(algo.loss_agg, [len(c) for c in batch.completion_ids])
    n_tokens = sum(len(c) for c in batch.completion_ids)
    stats = {"loss": 0.0, "clip_frac": 0.0, "kl": 0.0, "entropy": 0.0, "grad_norm": 0.0}
    model.train()
    for _ in range(algo.ppo_epochs):
        run.optimizer.zero_grad(set_to_none=True)
        t0 = time.perf_counter()
        for mb in _micro_batches(run, batch):
            with autocast(run):
                logp, ent = completion_logprobs(model, mb, cfg.rollout.temperature, cfg.optim.logprob_chunk,
                                                with_entropy=True, share_prompt=share_prompt(run),
                                                keep_mib=cfg.optim.logprob_keep_mib)
            mask = mb.completion_mask
            old_lp = logp.detach() if old is None else _pad_rows(old, mb.rows, logp.shape[1]).to(logp.device)
            adv = batch.advantages[mb.rows].to(logp.device)
            per_token, clipped = clipped_objective(logp, old_lp, adv, algo.eps_low, algo.eps_high)
            if ref is not None:
                kl = kl_k3(logp, _pad_rows(ref, mb.rows, logp.shape[1]).to(logp.device))
                per_token = per_token + algo.beta * kl
                stats["kl"] += float((kl.detach() * mask).sum()) / max(1, n_tokens) / algo.ppo_epochs
            loss = aggregate(per_token, mask, algo.loss_agg, normalizer)
            loss.backward()
            stats["loss"] += float(loss.detach()) / algo.ppo_epochs
            stats["clip_frac"] += float((clipped * mask).sum()) / max(1, n_tokens) / algo.ppo_epochs
            stats["entropy"] += float((ent * mask).sum()) / max(1, n_tokens) / algo.ppo_epochs
        t1 = time.perf_counter()
        t_fwd_bwd += t1 - t0
        params = [p for p in model.parameters() if p.requires_grad]
        if cfg.optim.max_grad_norm > 0:
            norm = torch.nn.utils.clip_grad_norm_(params, cfg.optim.max_grad_norm)
        else:
            norm = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in params if p.grad is not None]))
        stats["grad_norm"] += float(norm) / algo.ppo_epochs
        run.optimizer.step()
        t_opt += time.perf_counter() - t1
    t0 = time.perf_counter()
    run.optimizer.zero_grad(set_to_none=True)    # gradients are not kept through the next rollout
    run.scheduler.step()
    model.eval()
    sync_rollout_model(run)
    # time/update = old/ref log-probs + forward-backward + optimizer (clip, step, sampling-copy sync)
    stats.update({"time/old_logprobs": t_old, "time/forward_backward": t_fwd_bwd,
                  "time/optimizer": t_opt + time.perf_counter() - t0})
    return stats


def step_metrics(run: Run, step: int, batch: RolloutBatch, upd: dict, times: dict) -> dict:
    answers = [parse_completion(c, run.cfg.prompt.template == "think").answer for c in batch.completions]
    lengths = [count_length(a) for a in answers]
    tokens = sum(len(c) for c in batch.completion_ids)
    m = {"step": step + 1}
    for k, (reward, weight) in enumerate(run.rewards):
        m[f"reward/{reward.name}"] = float(batch.rewards[k].mean())
    for name, values in batch.reward_parts.items():
        m[f"reward/{name}"] = float(np.mean(values))
    weights = torch.tensor([w for _, w in run.rewards])
    m["reward/total"] = float((weights[:, None] * batch.rewards).sum(0).mean() / weights.sum())
    adv = batch.advantages
    m.update({"advantage/mean": float(adv.mean()), "advantage/std": float(adv.std(unbiased=False)),
              "advantage/abs_mean": float(adv.abs().mean()),
              "advantage/zero_groups": int(sum(bool((g == 0).all()) for g in adv.view(-1, run.cfg.rollout.group_size)))})
    m.update(upd)
    ranges = [s.get("range") for s in batch.samples]
    known = [(n, float(r[0]), float(r[1])) for n, r in zip(lengths, ranges) if isinstance(r, (list, tuple)) and len(r) == 2]
    if known:  # for the length curve's target band and the produced-vs-target histogram (trainer/plots.py)
        m["target_length/lower"] = float(np.mean([k[1] for k in known]))
        m["target_length/upper"] = float(np.mean([k[2] for k in known]))
        m["length_vs_target"] = [list(k) for k in known]
    m.update({"answer_length/mean": float(np.mean(lengths)), "answer_length/max": int(max(lengths)),
              "completion_tokens/mean": tokens / len(lengths),
              "truncation_rate": float(np.mean([r == "length" for r in batch.finish_reasons])),
              "well_formed_rate": float(np.mean([parse_completion(c).well_formed for c in batch.completions])),
              "lr": run.scheduler.get_last_lr()[0],
              "tokens_per_s": tokens / max(times["generate"], 1e-9),
              "time/generate": times["generate"], "time/reward": times["reward"], "time/update": times["update"],
              "step_time": sum(times.values())})
    return m


# --------------------------------------------------------------------------- the loop


def train(cfg: TrainConfig, resume: bool = False, progress: bool = True, overwrite: bool = False) -> Path:
    run = setup(cfg, resume, overwrite)
    evaluator = heldout.start(run)     # held-out evaluation before the first step (None: not configured)
    from tqdm import tqdm

    bar = tqdm(total=cfg.steps, initial=run.start_step, desc="GRPO", disable=not progress, dynamic_ncols=True)
    last_batch = None
    for step in range(run.start_step, cfg.steps):
        t0 = time.perf_counter()
        rows = prompts_for_step(run.prompts, step, cfg.rollout.prompts_per_step, cfg.seed, cfg.data.shuffle)
        batch = rollout(run, rows)
        t1 = time.perf_counter()
        score(run, batch)
        t2 = time.perf_counter()
        upd = update(run, batch)
        t3 = time.perf_counter()
        metrics = step_metrics(run, step, batch, upd, {"generate": t1 - t0, "reward": t2 - t1, "update": t3 - t2})
        if evaluator and heldout.due(step + 1, cfg.eval.every, cfg.steps):
            metrics.update(heldout.evaluate_run(run, evaluator, step + 1))
        with (run.run_dir / rundir.METRICS).open("a") as f:
            f.write(json.dumps(metrics) + "\n")
        if not all(math.isfinite(v) for v in metrics.values() if isinstance(v, float)):
            raise RuntimeError(f"step {step + 1}: non-finite metrics {metrics}")
        bar.update(1)
        bar.set_postfix({k.split("/")[-1]: f"{metrics[k]:.3f}" for k in metrics
                         if k.startswith("reward/") and k.count("/") == 1})
        if cfg.save_every and (step + 1) % cfg.save_every == 0 and step + 1 < cfg.steps:
            rundir.save_checkpoint(run.run_dir, step + 1, run.model, run.tokenizer, run.optimizer, run.scheduler,
                                   cfg.keep_checkpoints)
        last_batch = batch
    bar.close()
    if cfg.steps > run.start_step:
        rundir.save_checkpoint(run.run_dir, cfg.steps, run.model, run.tokenizer, run.optimizer, run.scheduler,
                               cfg.keep_checkpoints)
    finish(run, last_batch)
    if evaluator:
        heldout.write_figure(run.run_dir)
    return run.run_dir


def finish(run: Run, batch: RolloutBatch | None) -> None:
    """Final model folder, curves PNG and sample answers."""
    from longwriter_zero.trainer.plots import plot_curves

    rundir.save_final(run.model, run.tokenizer, run.run_dir)
    plot_curves(run.run_dir / rundir.METRICS, run.run_dir / rundir.CURVES)
    if batch is None:
        return
    n = min(run.cfg.samples_to_save, len(batch.completions))
    order = sorted(range(len(batch.completions)), key=lambda i: -float(batch.advantages[i]))[:n]
    samples = [{"request": batch.requests[i], "range": batch.samples[i].get("range"),
                "completion": batch.completions[i],
                "rewards": {r.name: float(batch.rewards[k, i]) for k, (r, _) in enumerate(run.rewards)},
                "advantage": float(batch.advantages[i])} for i in order]
    with (run.run_dir / "samples.jsonl").open("w") as f:
        for s in samples:
            f.write(json.dumps(s, ensure_ascii=False) + "\n")
    md = ["# Sample answers (last step, highest advantage first)\n"]
    for s in samples:
        md.append(f"## {s['request'][:100]}\n\nrange: {s['range']} · rewards: "
                  + ", ".join(f"{k} {v:.3f}" for k, v in s["rewards"].items())
                  + f"\n\n```text\n{s['completion']}\n```\n")
    (run.run_dir / "samples.md").write_text("\n".join(md), encoding="utf-8")
