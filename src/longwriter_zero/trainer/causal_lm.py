"""The causal-LM training loop shared by continual pretraining and SFT.

Built on transformers' ``Trainer``: the data collators hand it ready model inputs (packed rows
with a 4D block-diagonal mask and per-document ``position_ids`` for pretraining, padded rows
with -100 prompt labels for SFT), and ``Trainer`` passes them to the model unchanged. What is
added around it:

- the run folder follows ``trainer.run_dir`` (the same as GRPO's): a used folder is refused unless
  resume or overwrite; checkpoints are written atomically: ``Trainer`` writes ``checkpoint-N`` in
  place, so the checkpoint is staged in ``RUN/checkpoint-N.tmp/`` and renamed into
  ``RUN/checkpoint-N`` when complete, with a ``step.json``;
- ``metrics.jsonl``: one row per logged step (loss, learning rate, gradient norm, tokens,
  tokens/s) and the held-out loss before and after training;
- the held-out loss is the token-weighted mean next-token loss over the held-out rows;
- at the end the model (LoRA merged) and tokenizer are saved to ``RUN/model`` (atomically),
  which ``models.load_model`` and every command load; ``curves.png`` and ``summary.json``.

Resume (``--resume`` or ``resume=true``) continues from the newest intact checkpoint with
``Trainer``'s own restore of optimizer, scheduler, RNG and data position; metric rows logged after
that checkpoint are dropped so the file matches an uninterrupted run.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Sequence

import torch
import yaml

from longwriter_zero.config import ModelConfig, opt, to_dict
from longwriter_zero.data.packing import IGNORE_INDEX
from longwriter_zero.errors import UserError
from longwriter_zero.models import native_bf16, precision_plan
from longwriter_zero.jsonl import append_jsonl
from longwriter_zero.trainer import run_dir as rundir
from longwriter_zero.trainer.run_dir import CHECKPOINT_PREFIX, CURVES, METRICS, save_final


@dataclass
class LMOptimConfig:
    lr: float = opt(1e-4, "AdamW peak learning rate")
    weight_decay: float = opt(0.0, "AdamW weight decay")
    warmup_steps: int = opt(0, "linear warm-up steps")
    scheduler: Literal["cosine", "linear", "constant", "constant_with_warmup"] = opt(
        "cosine", "learning-rate schedule after warm-up")
    max_grad_norm: float = opt(1.0, "gradient clipping norm; 0 disables")
    batch_size: int = opt(4, "sequences per micro-batch")
    grad_accum: int = opt(1, "micro-batches per optimizer step")
    eval_batch_size: int = opt(4, "sequences per batch when computing the held-out loss")


@dataclass
class LMRunConfig:
    """Fields shared by ``PretrainConfig`` and ``SFTConfig``."""

    model: ModelConfig = field(default_factory=ModelConfig, metadata={"help": "model to train"})
    optim: LMOptimConfig = field(default_factory=LMOptimConfig, metadata={"help": "optimiser and batching"})
    steps: int = opt(0, "optimizer steps; 0 runs `epochs` passes over the training rows")
    epochs: float = opt(1.0, "passes over the training rows when steps is 0")
    seed: int = opt(0, "seed for data order, the held-out split and training")
    output_dir: str = opt("runs/lm", "run folder: metrics.jsonl, checkpoints, model/, curves.png")
    save_every: int = opt(0, "checkpoint every N steps; 0 keeps no intermediate checkpoints")
    keep_checkpoints: int = opt(2, "checkpoints kept on disk")
    log_every: int = opt(1, "log loss and tokens/s every N steps")
    resume: bool = opt(False, "continue the run in output_dir from its newest intact checkpoint")
    overwrite: bool = opt(False, "replace the run in output_dir (its files are deleted)")
    threads: int = opt(0, "torch CPU threads; 0 leaves the default")
    device: str = opt("auto", "auto, cpu or cuda")

    def check(self) -> None:
        o = self.optim
        for key, value in [("optim.batch_size", o.batch_size), ("optim.grad_accum", o.grad_accum),
                           ("optim.eval_batch_size", o.eval_batch_size), ("log_every", self.log_every)]:
            if value < 1:
                raise UserError(f"config key '{key}': must be >= 1, got {value}")
        if self.steps < 0 or self.save_every < 0:
            raise UserError("config keys 'steps' and 'save_every' must be >= 0")
        if self.steps == 0 and self.epochs <= 0:
            raise UserError("config key 'epochs': must be > 0 when steps is 0")
        if o.lr <= 0:
            raise UserError(f"config key 'optim.lr': must be > 0, got {o.lr}")


# ----------------------------------------------------------------------------- pure pieces


def summed_token_nll(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Next-token loss summed over targets: logits ``[B, T, V]`` predict ``labels[:, 1:]``.

    Returns (sum of -log p over positions whose label is not -100, number of such positions).
    """
    shifted = labels[:, 1:]
    flat = logits[:, :-1].reshape(-1, logits.shape[-1]).float()
    total = torch.nn.functional.cross_entropy(flat, shifted.reshape(-1), ignore_index=IGNORE_INDEX,
                                              reduction="sum")
    return total, int((shifted != IGNORE_INDEX).sum())


@torch.no_grad()
def heldout_loss(model, dataset, collator, batch_size: int, desc: str = "held-out loss") -> float:
    """Token-weighted mean next-token loss of ``model`` over every row of ``dataset``."""
    from tqdm.auto import tqdm

    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    starts = range(0, len(dataset), batch_size)
    for start in tqdm(starts, desc=desc, leave=False, file=sys.stderr, disable=len(starts) < 2):
        batch = collator([dataset[i] for i in range(start, min(start + batch_size, len(dataset)))])
        labels = batch.pop("labels")
        batch = {k: v.to(device) for k, v in batch.items()}
        logits = model(**batch).logits
        s, n = summed_token_nll(logits, labels.to(device))
        total += float(s)
        count += n
    model.train(was_training)
    return total / count if count else float("nan")


def split_heldout(items: Sequence, fraction: float, seed: int, what: str = "corpus") -> tuple[list, list]:
    """Seeded split by item: ``max(1, round(fraction * n))`` items held out, at least one kept."""
    n = len(items)
    n_held = max(1, round(fraction * n))
    if n_held >= n:
        raise UserError(f"{what}: {n} document(s) are too few to hold out {fraction:.0%}; "
                        "add documents or give a separate held-out set")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    held = set(order[:n_held])
    return [x for i, x in enumerate(items) if i not in held], [x for i, x in enumerate(items) if i in held]


def tokenize_texts(texts: Sequence[str], tokenizer, desc: str, chunk: int = 32) -> list[list[int]]:
    """Token ids of each text (no special tokens), with a progress bar."""
    from tqdm.auto import tqdm

    out: list[list[int]] = []
    with tqdm(total=len(texts), desc=desc, unit="doc", file=sys.stderr) as bar:
        for start in range(0, len(texts), chunk):
            batch = list(texts[start:start + chunk])
            out.extend(tokenizer(batch, add_special_tokens=False, verbose=False)["input_ids"])
            bar.update(len(batch))
    return out


# ----------------------------------------------------------------------------- run folder


def save_config(cfg, run_dir: Path) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / rundir.CONFIG).write_text(yaml.safe_dump(to_dict(cfg), sort_keys=False, allow_unicode=True))


def plot_loss_curve(metrics_path: Path, out_png: Path, title: str) -> Path | None:
    """Training loss per step, with the held-out loss before and after as markers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, _ = rundir.read_metrics(metrics_path)
    train = [r for r in rows if "loss" in r]
    if not train:
        return None
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot([r["step"] for r in train], [r["loss"] for r in train], label="training loss")
    for r in rows:
        if "heldout_loss" in r:
            ax.scatter([r["step"]], [r["heldout_loss"]], marker="o", zorder=3,
                       label=f"held-out ({r['when']}): {r['heldout_loss']:.3f}")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("next-token loss (nats)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    plt.close(fig)
    return out_png


# ----------------------------------------------------------------------------- Trainer pieces


def _make_trainer_class():
    from transformers import Trainer

    class AtomicCheckpointTrainer(Trainer):
        """``Trainer`` whose checkpoints appear only when complete (staged, then renamed)."""

        _staging: str | None = None
        keep_checkpoints: int = 2

        def _get_output_dir(self, trial):
            return self._staging or super()._get_output_dir(trial)

        def _save_checkpoint(self, model, trial):
            run_dir = Path(self.args.output_dir)
            name = f"{CHECKPOINT_PREFIX}{self.state.global_step}"
            staging = run_dir / f"{name}.tmp"          # Trainer writes staging/checkpoint-N
            shutil.rmtree(staging, ignore_errors=True)
            self._staging = str(staging)
            try:
                super()._save_checkpoint(model, trial)
            finally:
                self._staging = None
            rundir.write_step(staging / name, self.state.global_step)
            rundir.publish(staging / name, run_dir / name)
            shutil.rmtree(staging, ignore_errors=True)
            rundir.rotate(run_dir, self.keep_checkpoints)

    return AtomicCheckpointTrainer


def _make_callbacks(metrics_path: Path):
    from transformers import TrainerCallback
    from transformers.trainer_callback import ProgressCallback

    class MetricsLogger(TrainerCallback):
        """Appends one row per logged step to metrics.jsonl, with tokens and tokens/s."""

        def on_train_begin(self, args, state, control, **kw):
            self.last_time = time.perf_counter()
            self.last_tokens = state.num_input_tokens_seen

        def on_log(self, args, state, control, logs=None, **kw):
            if not logs or "loss" not in logs:
                return
            now = time.perf_counter()
            tokens = state.num_input_tokens_seen - self.last_tokens
            row = {"step": state.global_step, "loss": logs["loss"], "lr": logs.get("learning_rate"),
                   "grad_norm": logs.get("grad_norm"), "tokens": tokens,
                   "tokens_per_s": round(tokens / max(now - self.last_time, 1e-9), 1),
                   "epoch": round(state.epoch or 0.0, 4)}
            append_jsonl(metrics_path, row)
            self.last_time, self.last_tokens = now, state.num_input_tokens_seen

    class QuietProgress(ProgressCallback):
        """The usual tqdm bar (with ETA), showing the loss in its postfix instead of printing each log."""

        def on_log(self, args, state, control, logs=None, **kw):
            if state.is_world_process_zero and self.training_bar is not None and logs and "loss" in logs:
                self.training_bar.set_postfix(loss=f"{logs['loss']:.4f}")

    return MetricsLogger(), QuietProgress, ProgressCallback


@dataclass
class LMRun:
    """What ``run_causal_lm`` needs besides the config."""

    kind: str                     # "pretrain" or "sft": titles and messages
    model: Any                    # the model from models.load_model
    tokenizer: Any
    train_dataset: Any            # torch Dataset of dict rows
    heldout_dataset: Any          # torch Dataset of dict rows
    collator: Any                 # rows -> model inputs (with labels)
    count_tokens: str             # Trainer's include_num_input_tokens_seen: "all" or "non_padding"
    extra_summary: dict = field(default_factory=dict)


def run_causal_lm(cfg: LMRunConfig, run: LMRun, resume_from: Path | None) -> dict:
    """Held-out loss, training with checkpoints, held-out loss, final save. Returns the summary."""
    from transformers import TrainingArguments

    from longwriter_zero.models import resolve_device

    run_dir = Path(cfg.output_dir)
    rundir.check_output_dir(run_dir)
    metrics_path = run_dir / METRICS
    device = resolve_device(cfg.device)
    drop_gguf_flag(run.model)
    run.model.to(device)

    before = [r for r in rundir.read_metrics(metrics_path)[0] if r.get("when") == "before"]
    if before:
        loss_before = before[0]["heldout_loss"]
    else:
        loss_before = heldout_loss(run.model, run.heldout_dataset, run.collator, cfg.optim.eval_batch_size,
                                   "held-out loss (before)")
        append_jsonl(metrics_path, {"step": 0, "when": "before", "heldout_loss": loss_before})
    print(f"{run.kind}: held-out loss before training {loss_before:.4f}", file=sys.stderr)

    # model.compute_dtype: the forward/backward under autocast (Trainer's bf16/fp16), weights in model.dtype
    _, update = precision_plan(torch.device(device).type, cfg.model.dtype, cfg.model.compute_dtype, "auto",
                               native_bf16(device))
    args = TrainingArguments(
        output_dir=str(run_dir), per_device_train_batch_size=cfg.optim.batch_size,
        gradient_accumulation_steps=cfg.optim.grad_accum, learning_rate=cfg.optim.lr,
        weight_decay=cfg.optim.weight_decay, warmup_steps=cfg.optim.warmup_steps,
        lr_scheduler_type=cfg.optim.scheduler, max_grad_norm=cfg.optim.max_grad_norm,
        max_steps=cfg.steps if cfg.steps > 0 else -1, num_train_epochs=cfg.epochs,
        logging_strategy="steps", logging_steps=cfg.log_every,
        save_strategy="steps" if cfg.save_every > 0 else "no", save_steps=max(cfg.save_every, 1),
        save_total_limit=None, eval_strategy="no", seed=cfg.seed, data_seed=cfg.seed,
        report_to="none", use_cpu=device == "cpu", dataloader_num_workers=0, dataloader_pin_memory=False,
        remove_unused_columns=False, label_names=["labels"], include_num_input_tokens_seen=run.count_tokens,
        bf16=update == "bfloat16" and cfg.model.dtype != "bfloat16",
        fp16=update == "float16" and cfg.model.dtype != "float16",
    )
    trainer_cls = _make_trainer_class()
    logger, quiet_cls, progress_cls = _make_callbacks(metrics_path)
    trainer = trainer_cls(model=run.model, args=args, train_dataset=run.train_dataset,
                          data_collator=run.collator, processing_class=run.tokenizer, callbacks=[logger])
    trainer.keep_checkpoints = cfg.keep_checkpoints
    trainer.remove_callback(progress_cls)
    trainer.add_callback(quiet_cls())
    started = time.perf_counter()
    trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    train_seconds = time.perf_counter() - started

    model = trainer.model
    loss_after = heldout_loss(model, run.heldout_dataset, run.collator, cfg.optim.eval_batch_size,
                              "held-out loss (after)")
    append_jsonl(metrics_path, {"step": trainer.state.global_step, "when": "after", "heldout_loss": loss_after})
    final = save_final(model, run.tokenizer, run_dir)
    png = plot_loss_curve(metrics_path, run_dir / CURVES, f"{run.kind}: {cfg.model.name}")
    train_rows = [r for r in rundir.read_metrics(metrics_path)[0] if "loss" in r]
    summary = {
        "kind": run.kind, "model": cfg.model.name, "steps": trainer.state.global_step,
        "heldout_loss_before": loss_before, "heldout_loss_after": loss_after,
        "train_loss_first": train_rows[0]["loss"] if train_rows else None,
        "train_loss_last": train_rows[-1]["loss"] if train_rows else None,
        "tokens_seen": trainer.state.num_input_tokens_seen, "train_seconds_this_session": round(train_seconds, 2),
        "final_model": str(final), "loss_curve": str(png) if png else None, **run.extra_summary,
        "config": to_dict(cfg),
    }
    tmp = run_dir / "summary.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    os.replace(tmp, run_dir / "summary.json")
    print(f"{run.kind}: held-out loss {loss_before:.4f} -> {loss_after:.4f} after {summary['steps']} steps; "
          f"model saved to {final}", file=sys.stderr)
    if not math.isfinite(loss_after):
        raise UserError(f"{run.kind}: training diverged (held-out loss {loss_after}); lower optim.lr")
    return summary


def drop_gguf_flag(model) -> bool:
    """Clear a leftover GGUF "quantized" flag from a model whose weights are plain floats.

    transformers dequantizes GGUF weights when it loads them, but keeps the model (and a
    checkpoint saved from its config) marked as GGUF-quantized, and ``Trainer`` refuses to train
    such a model. The flag carries no information once the weights are floats, so it is removed
    from the model and its config (``model/`` is then saved without it). Returns True if cleared.
    """
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    quant = getattr(base.config, "quantization_config", None)
    method = quant.get("quant_method") if isinstance(quant, dict) else getattr(quant, "quant_method", None)
    if str(getattr(method, "value", method)).lower() != "gguf":
        return False
    if any(p.dtype not in (torch.float32, torch.bfloat16, torch.float16) for p in base.parameters()):
        return False
    del base.config.quantization_config
    for m in {base, model}:
        for attr, value in (("is_quantized", False), ("hf_quantizer", None), ("quantization_method", None)):
            if hasattr(m, attr):
                setattr(m, attr, value)
    return True


def apply_threads(threads: int) -> None:
    if threads > 0:
        torch.set_num_threads(threads)
