"""The run folder of every trainer (GRPO, continual pretraining, SFT): one layout, one set of rules.

Layout (the same names for the same things everywhere)::

    RUN/config.yaml            the config the run was started with
    RUN/metrics.jsonl          one JSON row per logged step
    RUN/checkpoint-N/          a resumable checkpoint (written to checkpoint-N.tmp, then renamed)
    RUN/model/                 the final model (HF format; LoRA merged), what every command loads
    RUN/curves.png             the training curves

Rules:
- a folder that already holds a run is refused unless the caller passes ``resume`` (continue it)
  or ``overwrite`` (delete the run's files and start again);
- a checkpoint is *intact* when every file in it loads (``.safetensors`` by safetensors, ``.pt`` /
  ``.pth`` / ``.bin`` by ``torch.load``, ``.json`` by the JSON parser) and it has a step, weights and
  trainer state. Resume takes the newest intact checkpoint; a damaged newer one is named in a
  one-line notice and removed (the run writes it again);
- ``metrics.jsonl`` is repaired atomically (temporary file, then rename): rows after the resumed
  step and a half-written last line are dropped;
- stale ``checkpoint-N.tmp`` folders (a crash while writing) are removed.

Nothing is deleted before ``RunPlan.apply``, which a trainer calls once the inputs have been
checked, so a run refused for bad input loses nothing.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from longwriter_zero.errors import UserError
from longwriter_zero.models import save_model

CONFIG = "config.yaml"
METRICS = "metrics.jsonl"
FINAL = "model"
CURVES = "curves.png"
STEP_FILE = "step.json"
CHECKPOINT_PREFIX = "checkpoint-"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
_STALE = re.compile(r"^checkpoint-\d+\.tmp$")
# files a trainer writes into its run folder; --overwrite deletes these (and checkpoints), nothing else
RUN_FILES = (CONFIG, METRICS, FINAL, CURVES, "samples.jsonl", "samples.md", "summary.json", "report.md",
             "report.html", "model.tmp")
WEIGHTS = ("model.safetensors", "adapter_model.safetensors", "pytorch_model.bin")
TRAINER_STATE = ("trainer_state.pt", "trainer_state.json")


# ----------------------------------------------------------------------------- checkpoints


def checkpoint_step(path: Path) -> int:
    return int(path.name[len(CHECKPOINT_PREFIX):])


def list_checkpoints(run_dir: Path) -> list[Path]:
    """``checkpoint-N`` folders, oldest first, intact or not (see ``damage``)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return []
    return sorted((p for p in run_dir.iterdir() if p.is_dir() and _CHECKPOINT.match(p.name)), key=checkpoint_step)


def _load_file(path: Path) -> None:
    suffix = path.suffix
    if suffix == ".safetensors":
        from safetensors.torch import load_file
        load_file(path)
    elif suffix in (".pt", ".pth", ".bin"):
        torch.load(path, map_location="cpu", weights_only=False)
    elif suffix == ".json":
        json.loads(path.read_text(encoding="utf-8"))


def damage(ckpt: Path) -> str | None:
    """Why ``ckpt`` cannot be resumed from (one phrase), or None when it is intact."""
    names = {p.name for p in ckpt.iterdir()}
    if STEP_FILE not in names:
        return f"no {STEP_FILE}"
    if not names & set(WEIGHTS):
        return "no model weights"
    if not names & set(TRAINER_STATE):
        return "no trainer state"
    for p in sorted(ckpt.rglob("*")):
        if p.is_file():
            try:
                _load_file(p)
            except Exception as e:     # any failure to load means damaged: the reason goes in the notice
                reason = str(e).strip().splitlines()[0][:80] if str(e).strip() else type(e).__name__
                return f"{p.relative_to(ckpt)} does not load ({reason})"
    try:
        step = json.loads((ckpt / STEP_FILE).read_text())["step"]
    except (KeyError, TypeError):
        return f"{STEP_FILE} has no step"
    if step != checkpoint_step(ckpt):
        return f"{STEP_FILE} says step {step}"
    return None


def write_step(folder: Path, step: int) -> None:
    (Path(folder) / STEP_FILE).write_text(json.dumps({"step": step}))


def rotate(run_dir: Path, keep: int) -> None:
    """Keep the newest ``keep`` checkpoints (0 keeps all)."""
    if keep > 0:
        for old in list_checkpoints(run_dir)[:-keep]:
            shutil.rmtree(old, ignore_errors=True)


def publish(tmp: Path, final: Path) -> Path:
    """Rename a completely written folder into place (replacing an older one of the same name)."""
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    return final


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
    """GRPO's checkpoint: model (HF format), optimizer, scheduler, RNG states and step, written to
    ``checkpoint-N.tmp`` and renamed when complete."""
    tmp = run_dir / f"{CHECKPOINT_PREFIX}{step}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    save_model(model, tokenizer, tmp)
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "rng": rng_state()},
               tmp / "trainer_state.pt")
    write_step(tmp, step)
    final = publish(tmp, run_dir / f"{CHECKPOINT_PREFIX}{step}")
    rotate(run_dir, keep)
    return final


def load_trainer_state(ckpt: Path, optimizer, scheduler) -> int:
    state = torch.load(ckpt / "trainer_state.pt", weights_only=False)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    set_rng_state(state["rng"])
    return json.loads((ckpt / STEP_FILE).read_text())["step"]


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
        raise UserError(f"{ckpt}: checkpoint does not match the model (missing {missing[:3]}, "
                        f"unexpected {unexpected[:3]}); was the run started with another model.name?")


def save_final(model, tokenizer, run_dir: Path) -> Path:
    """The final model (LoRA merged into the weights) and tokenizer in ``RUN/model``, atomically."""
    tmp = run_dir / (FINAL + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    if hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()
    save_model(model, tokenizer, tmp)
    return publish(tmp, run_dir / FINAL)


# ----------------------------------------------------------------------------- metrics


def read_metrics(path: Path) -> tuple[list[dict], list[int]]:
    """Rows of a metrics file and the line numbers of lines that are not JSON objects (a line
    half-written when a run was killed, or bytes that are not UTF-8)."""
    rows, bad = [], []
    if not path.exists():
        return rows, bad
    for lineno, raw in enumerate(path.read_bytes().split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            bad.append(lineno)
            continue
        if isinstance(row, dict):
            rows.append(row)
        else:
            bad.append(lineno)
    return rows, bad


def repair_metrics(path: Path, step: int) -> int:
    """Keep the rows an uninterrupted run has at ``step`` (rows with ``step`` <= it; unreadable lines
    dropped), written atomically. Returns the number of lines dropped."""
    if not path.exists():
        return 0
    rows, bad = read_metrics(path)
    kept = [r for r in rows if isinstance(r.get("step", 0), int) and r.get("step", 0) <= step]
    dropped = len(rows) - len(kept) + len(bad)
    if dropped:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for row in kept:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    return dropped


# ----------------------------------------------------------------------------- the folder


def holds_run(run_dir: Path) -> bool:
    """Whether ``run_dir`` has files of a run (a config, metrics, a checkpoint or a final model)."""
    run_dir = Path(run_dir)
    return run_dir.is_dir() and (any((run_dir / n).exists() for n in (CONFIG, METRICS, FINAL))
                                 or bool(list_checkpoints(run_dir)))


def check_output_dir(run_dir: Path, key: str = "output_dir") -> None:
    if run_dir.exists() and not run_dir.is_dir():
        raise UserError(f"{key}: {run_dir} is a file, not a folder")


@dataclass
class RunPlan:
    """What ``plan`` decided; ``apply`` carries it out."""

    run_dir: Path
    resume_from: Path | None = None          # the intact checkpoint to continue from
    step: int = 0                            # its step (0: a fresh start)
    remove: list[Path] = field(default_factory=list)   # damaged checkpoints, stale .tmp folders, or the old run
    notices: list[str] = field(default_factory=list)

    def apply(self) -> Path | None:
        """Remove what the plan removes, repair the metrics, create the folder; print the notices.
        Returns the checkpoint to resume from (None: start from step 0)."""
        for line in self.notices:
            print(line, file=sys.stderr)
        for p in self.remove:
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            elif p.exists():
                p.unlink()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        metrics = self.run_dir / METRICS
        if self.resume_from is not None:
            dropped = repair_metrics(metrics, self.step)
            if dropped:
                print(f"{metrics}: dropped {dropped} line(s) after step {self.step} or unreadable", file=sys.stderr)
        return self.resume_from


def plan(run_dir: str | Path, resume: bool = False, overwrite: bool = False, key: str = "output_dir") -> RunPlan:
    """Decide how a trainer uses ``run_dir`` without changing anything (see the module docstring).
    Refusals are ``UserError``s: a used folder without resume/overwrite, both flags, a file."""
    run_dir = Path(run_dir)
    check_output_dir(run_dir, key)
    if resume and overwrite:
        raise UserError("give --resume or --overwrite, not both")
    p = RunPlan(run_dir)
    if not run_dir.exists():
        return p
    p.remove = [x for x in run_dir.iterdir() if _STALE.match(x.name) or x.name == ".staging"]
    if not holds_run(run_dir):
        return p
    if overwrite:
        p.remove += [run_dir / n for n in RUN_FILES if (run_dir / n).exists()] + list_checkpoints(run_dir)
        p.notices.append(f"{run_dir}: --overwrite: removing the run that was here")
        return p
    if not resume:
        finished = " finished" if (run_dir / FINAL).exists() else ""
        raise UserError(f"{run_dir}: already holds a{finished} run; pass --resume to continue it, --overwrite to "
                        "replace it, or choose another output_dir")
    damaged = []
    for ckpt in reversed(list_checkpoints(run_dir)):
        why = damage(ckpt)
        if why is None:
            p.resume_from, p.step = ckpt, checkpoint_step(ckpt)
            break
        damaged.append((ckpt, why))
    p.remove += [c for c, _ in damaged]
    for ckpt, why in damaged:
        then = f"resuming from {p.resume_from.name}" if p.resume_from else "no intact checkpoint left"
        p.notices.append(f"{ckpt}: damaged ({why}); {then}")
    if p.resume_from is None:
        if (run_dir / FINAL).exists():
            raise UserError(f"{run_dir}: the run is finished ({FINAL}/ exists) and has no intact checkpoint to "
                            "resume from; pass --overwrite to start again")
        p.remove += [run_dir / METRICS] if (run_dir / METRICS).exists() else []
        p.notices.append(f"{run_dir}: no intact checkpoint to resume from; starting from step 0")
    return p
