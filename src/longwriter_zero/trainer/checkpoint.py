"""Atomic checkpoints: a crash mid-write never leaves a broken checkpoint as the latest.

A checkpoint is written to ``checkpoint-<step>.tmp`` and renamed to ``checkpoint-<step>``
only when complete; ``latest_checkpoint`` ignores ``.tmp`` folders. It holds the model (HF
format, loadable by every command), the optimizer and scheduler state, the RNG states and the
step, which is all an exact resume needs.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from pathlib import Path

import numpy as np
import torch

_NAME = re.compile(r"^checkpoint-(\d+)$")


def rng_state() -> dict:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(run_dir: Path, step: int, model, tokenizer, optimizer, scheduler, keep: int = 2) -> Path:
    from longwriter_zero.models import save_model

    final = run_dir / f"checkpoint-{step}"
    tmp = run_dir / f"checkpoint-{step}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    save_model(model, tokenizer, tmp)
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "rng": rng_state()},
               tmp / "trainer_state.pt")
    (tmp / "step.json").write_text(json.dumps({"step": step}))
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    for old in list_checkpoints(run_dir)[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    return final


def list_checkpoints(run_dir: Path) -> list[Path]:
    if not run_dir.exists():
        return []
    found = [(int(m.group(1)), p) for p in run_dir.iterdir() if (m := _NAME.match(p.name))
             and (p / "step.json").exists()]
    return [p for _, p in sorted(found)]


def latest_checkpoint(run_dir: Path) -> Path | None:
    ckpts = list_checkpoints(run_dir)
    return ckpts[-1] if ckpts else None


def load_trainer_state(ckpt: Path, optimizer, scheduler) -> int:
    state = torch.load(ckpt / "trainer_state.pt", weights_only=False)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    set_rng_state(state["rng"])
    return json.loads((ckpt / "step.json").read_text())["step"]


def load_weights(model, ckpt: Path) -> None:
    """Load a checkpoint's weights into an already-built model (full or LoRA)."""
    from safetensors.torch import load_file

    adapter = ckpt / "adapter_model.safetensors"
    if adapter.exists():
        from peft import set_peft_model_state_dict
        set_peft_model_state_dict(model, load_file(adapter))
        return
    state = load_file(ckpt / "model.safetensors")
    missing, unexpected = model.load_state_dict(state, strict=False)
    tied = {"lm_head.weight"} if getattr(model.config, "tie_word_embeddings", False) else set()
    if set(missing) - tied or unexpected:
        raise RuntimeError(f"{ckpt}: checkpoint does not match the model (missing {missing[:3]}, "
                           f"unexpected {unexpected[:3]})")
