"""The run folder (trainer/run_dir.py) under reuse, kills and damage, for GRPO and for SFT/pretraining.

Matrix, for both trainers: a second run into a finished run is refused (one line, exit 2, nothing
changed); --overwrite replaces it; --resume after a SIGKILL mid-run continues; each damaged
checkpoint file (truncated weights, trainer state, step) makes resume fall back to the previous
checkpoint with a one-line notice and the metrics equal an uninterrupted run's; a half-written
last metrics line is dropped; stale checkpoint-N.tmp folders are removed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from longwriter_zero import cli
from longwriter_zero.config import build, load_config
from longwriter_zero.errors import UserError
from longwriter_zero.trainer import run_dir as rundir

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "src" / "longwriter_zero" / "assets" / "writing_samples_tiny.jsonl"
TIMING = {"tokens_per_s", "step_time", "epoch"}
GRPO_TINY = ["steps=3", "save_every=1", "keep_checkpoints=3", "rollout.group_size=4", "rollout.max_new_tokens=12",
             "rollout.prompts_per_step=1", "threads=1"]


def metrics(run: Path) -> list[dict]:
    return [json.loads(ln) for ln in (run / "metrics.jsonl").read_text().splitlines() if ln.strip()]


def strip(rows: list[dict]) -> list[dict]:
    # held-out evaluation figures land in the row of a run's last step, which differs between a run
    # cut short and the full one; everything training computed must be equal
    return [{k: v for k, v in r.items() if k not in TIMING and not k.startswith(("time/", "eval/"))} for r in rows]


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def tree(run: Path) -> dict[str, int]:
    return {str(p.relative_to(run)): p.stat().st_mtime_ns for p in run.rglob("*") if p.is_file()}


# ----------------------------------------------------------------------------- pure pieces


def test_repair_metrics_drops_later_rows_and_a_half_written_line(tmp_path):
    m = tmp_path / "metrics.jsonl"
    m.write_bytes(b'{"step": 0, "when": "before"}\n{"step": 1, "loss": 2.0}\n{"step": 2, "loss": 1.5}\n'
                  b'{"step": 3, "lo')
    assert rundir.repair_metrics(m, 1) == 2        # step 2 and the half-written line
    assert [r["step"] for r in metrics(tmp_path)] == [0, 1]
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.jsonl"]    # no temporary left
    assert rundir.repair_metrics(m, 1) == 0


def test_plan_changes_nothing_until_applied(tmp_path):
    run = tmp_path / "run"
    (run / "checkpoint-3.tmp").mkdir(parents=True)
    (run / "metrics.jsonl").write_text('{"step": 1}\n')
    before = sorted(p.name for p in run.iterdir())
    with pytest.raises(UserError, match="already holds a run; pass --resume .* --overwrite"):
        rundir.plan(run)
    p = rundir.plan(run, overwrite=True)
    assert sorted(p.name for p in run.iterdir()) == before
    p.apply()
    assert list(run.iterdir()) == []
    with pytest.raises(UserError, match="not both"):
        rundir.plan(run, resume=True, overwrite=True)
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(UserError, match="is a file"):
        rundir.plan(f)


# ----------------------------------------------------------------------------- GRPO


def grpo_cfg(out: Path, *extra: str):
    return load_config(REPO / "configs" / "tiny.yaml", [f"output_dir={out}", *GRPO_TINY, *extra])


@pytest.fixture(scope="module")
def grpo_full(tmp_path_factory) -> Path:
    """An uninterrupted 3-step GRPO run with checkpoints 1, 2, 3."""
    from longwriter_zero.trainer.grpo import train

    return train(grpo_cfg(tmp_path_factory.mktemp("grpo") / "full"), progress=False)


def _lwz(capsys, *argv) -> tuple[int, list[str]]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().err.strip().splitlines()


def test_grpo_second_run_refused_then_overwrite(tmp_path, grpo_full, capsys):
    run = tmp_path / "run"
    shutil.copytree(grpo_full, run)
    before = tree(run)
    args = ["train", str(REPO / "configs" / "tiny.yaml"), f"output_dir={run}", *GRPO_TINY]
    code, err = _lwz(capsys, *args)
    assert code == 2 and len(err) == 1 and "already holds a finished run; pass --resume" in err[0], err
    assert tree(run) == before, "a refused run changes nothing"
    (run / "checkpoint-9").mkdir()                       # left over from the old run: must go too
    code, err = _lwz(capsys, *args, "steps=2", "--overwrite")
    assert code == 0, err
    assert [r["step"] for r in metrics(run)] == [1, 2]
    assert [p.name for p in rundir.list_checkpoints(run)] == ["checkpoint-1", "checkpoint-2"]
    assert strip(metrics(run)) == strip(metrics(grpo_full))[:2]


@pytest.mark.parametrize("damaged", ["model.safetensors", "trainer_state.pt", "step.json"])
def test_grpo_resume_falls_back_past_a_damaged_checkpoint(tmp_path, grpo_full, capsys, damaged):
    from longwriter_zero.trainer.grpo import train

    run = tmp_path / "run"
    shutil.copytree(grpo_full, run)
    shutil.rmtree(run / "model")                         # killed before the end: no final model
    shutil.rmtree(run / "checkpoint-3")
    truncate(run / "checkpoint-2" / damaged)
    (run / "checkpoint-3.tmp").mkdir()                   # killed while writing checkpoint 3
    rows = (run / "metrics.jsonl").read_text().splitlines()
    (run / "metrics.jsonl").write_text("\n".join(rows[:2]) + "\n" + rows[2][:40])   # half-written line 3
    capsys.readouterr()
    train(grpo_cfg(run), resume=True, progress=False)
    err = capsys.readouterr().err
    notice = [ln for ln in err.splitlines() if "damaged" in ln]
    assert len(notice) == 1 and "checkpoint-2: damaged" in notice[0] and "resuming from checkpoint-1" in notice[0]
    assert damaged.split(".")[0] in notice[0] or damaged == "model.safetensors" and "weights" in notice[0]
    assert not (run / "checkpoint-3.tmp").exists()
    assert strip(metrics(run)) == strip(metrics(grpo_full)), "steps 2-3 recomputed exactly"
    assert rundir.damage(run / "checkpoint-2") is None and rundir.damage(run / "checkpoint-3") is None


def test_grpo_resume_after_kill_mid_run(tmp_path):
    run = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "longwriter_zero.cli", "train", "configs/tiny.yaml",
                             f"output_dir={run}", *GRPO_TINY, "steps=40"], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})
    deadline = time.time() + 240
    while not rundir.list_checkpoints(run) and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (run / "model").exists(), "the run finished before it could be killed"
    killed_at = rundir.checkpoint_step(rundir.list_checkpoints(run)[-1])
    from longwriter_zero.trainer.grpo import train

    with pytest.raises(UserError, match="already holds a run"):
        train(grpo_cfg(run, f"steps={killed_at + 2}"), progress=False)
    train(grpo_cfg(run, f"steps={killed_at + 2}"), resume=True, progress=False)
    assert [r["step"] for r in metrics(run)] == list(range(1, killed_at + 3))
    assert (run / "model" / "config.json").exists()


def test_grpo_finished_run_without_checkpoint_is_not_restarted_by_resume(tmp_path, grpo_full, capsys):
    run = tmp_path / "run"
    shutil.copytree(grpo_full, run)
    for c in rundir.list_checkpoints(run):
        truncate(c / "trainer_state.pt")
    code, err = _lwz(capsys, "train", str(REPO / "configs" / "tiny.yaml"), f"output_dir={run}", *GRPO_TINY,
                     "--resume")
    assert code == 2 and "no intact checkpoint" in err[-1] and "--overwrite" in err[-1], err
    assert (run / "model").exists() and len(metrics(run)) == 3


# ----------------------------------------------------------------------------- SFT / pretraining


def sft_raw(out: Path, **top) -> dict:
    raw = {"model": {"name": "tiny-random"}, "data": {"train": str(SAMPLES), "heldout_fraction": 0.25,
                                                      "max_seq_len": 200},
           "optim": {"lr": 2.0e-2, "batch_size": 2, "eval_batch_size": 6, "scheduler": "constant"},
           "steps": 4, "save_every": 2, "keep_checkpoints": 3, "seed": 0, "output_dir": str(out), "threads": 1}
    raw.update(top)
    return raw


def sft_cfg(out: Path, **top):
    from longwriter_zero.trainer.sft import SFTConfig

    return build(SFTConfig, sft_raw(out, **top))


@pytest.fixture(scope="module")
def sft_full(tmp_path_factory) -> Path:
    from longwriter_zero.trainer.sft import sft

    out = tmp_path_factory.mktemp("sft") / "full"
    sft(sft_cfg(out))
    return out


def test_sft_layout_matches_grpo(sft_full):
    assert (sft_full / "model" / "config.json").exists() and (sft_full / "curves.png").exists()
    assert (sft_full / "config.yaml").exists()
    assert [p.name for p in rundir.list_checkpoints(sft_full)] == ["checkpoint-2", "checkpoint-4"]
    assert all(rundir.damage(c) is None for c in rundir.list_checkpoints(sft_full))


def test_sft_second_run_refused_then_overwrite(tmp_path, sft_full, capsys):
    run = tmp_path / "run"
    shutil.copytree(sft_full, run)
    before = tree(run)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump(sft_raw(run)))
    code, err = _lwz(capsys, "sft", str(cfg))
    assert code == 2 and len(err) == 1 and "already holds a finished run; pass --resume" in err[0], err
    assert tree(run) == before
    code, err = _lwz(capsys, "sft", str(cfg), "--overwrite")
    assert code == 0, err[-3:]
    assert [r["step"] for r in metrics(run) if "loss" in r] == [1, 2, 3, 4]


@pytest.mark.parametrize("damaged", ["model.safetensors", "trainer_state.json", "step.json", "optimizer.pt"])
def test_sft_resume_falls_back_past_a_damaged_checkpoint(tmp_path, sft_full, capsys, damaged):
    from longwriter_zero.trainer.sft import sft

    run = tmp_path / "run"
    shutil.copytree(sft_full, run)
    shutil.rmtree(run / "model")
    truncate(run / "checkpoint-4" / damaged)
    (run / "checkpoint-6.tmp" / "checkpoint-6").mkdir(parents=True)
    rows = (run / "metrics.jsonl").read_text().splitlines()
    kept = [r for r in rows if json.loads(r).get("when") != "after"]
    (run / "metrics.jsonl").write_text("\n".join(kept) + "\n" + kept[-1][:15])
    capsys.readouterr()
    summary = sft(sft_cfg(run, resume=True))
    err = capsys.readouterr().err
    notice = [ln for ln in err.splitlines() if "damaged" in ln]
    assert len(notice) == 1 and "checkpoint-4: damaged" in notice[0] and "resuming from checkpoint-2" in notice[0]
    assert not (run / "checkpoint-6.tmp").exists()
    a = [r for r in metrics(sft_full) if "loss" in r]
    b = [r for r in metrics(run) if "loss" in r]
    assert [r["step"] for r in b] == [1, 2, 3, 4]
    for x, y in zip(a, b):
        assert y["loss"] == pytest.approx(x["loss"], abs=1e-6)
    full_after = next(r for r in metrics(sft_full) if r.get("when") == "after")["heldout_loss"]
    assert summary["heldout_loss_after"] == pytest.approx(full_after, abs=1e-6)
