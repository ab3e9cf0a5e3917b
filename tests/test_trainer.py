"""The GRPO recipe end to end on the tiny model: learning, exact resume, bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from longwriter_zero.config import load_config
from longwriter_zero.evaluation.learning_check import length_follows_range
from longwriter_zero.trainer.grpo import train

REPO = Path(__file__).resolve().parents[1]
TIMING = {"tokens_per_s", "step_time"}      # and every "time/<phase>" key: wall-clock, not reproducible


def _metrics(run_dir):
    return [json.loads(ln) for ln in (Path(run_dir) / "metrics.jsonl").read_text().splitlines() if ln.strip()]


def _cfg(tmp_path, *overrides):
    return load_config(REPO / "configs" / "tiny.yaml", [f"output_dir={tmp_path}", *overrides])


def test_length_follows_the_range_on_tiny_model(tmp_path):
    """Short version of the learning check (configs/tiny.yaml): the tiny-words model, whose every
    token but EOS is one counted word, trained with the length reward alone on two short [2, 4] and
    two long [14, 20] requests. Fresh samples after training (the run's own evaluation, 16 per prompt)
    must pass ``length_follows_range``: each range mostly met, short answers ending before the
    32-token cap, longer answers for the longer range; the starting policy's samples must fail it.
    A policy that only fills the cap fails the same check (tests/test_heldout.py)."""
    steps = 60
    run = train(_cfg(tmp_path, f"steps={steps}"), progress=False)
    rows = _metrics(run)
    assert len(rows) == steps
    read = lambda step: [json.loads(ln) for ln in (run / "eval" / f"step_{step:04d}.jsonl").read_text().splitlines()]
    ok, info = length_follows_range(read(steps))
    assert ok, info
    ok0, info0 = length_follows_range(read(0))
    assert not ok0, info0
    r = [row["reward/length"] for row in rows]
    assert sum(r[:3]) / 3 < 0.5 and sum(r[-10:]) / 10 >= 0.8, [round(v, 3) for v in r]
    for key in ("step", "reward/length", "advantage/mean", "advantage/std", "loss", "clip_frac", "kl", "entropy",
                "answer_length/mean", "answer_length/max", "truncation_rate", "tokens_per_s", "step_time",
                "eval/length_score", "eval/in_range"):
        assert key in rows[-1]
    assert (run / "curves.png").stat().st_size > 1000 and (run / "heldout.png").stat().st_size > 1000
    assert (run / "samples.md").exists() and (run / "model" / "config.json").exists()


def test_resume_gives_identical_metrics(tmp_path):
    full = train(_cfg(tmp_path / "full", "steps=6", "save_every=3"), progress=False)
    part = train(_cfg(tmp_path / "part", "steps=3"), progress=False)
    # a crash while writing a later checkpoint leaves a .tmp folder: it must be ignored
    (part / "checkpoint-5.tmp").mkdir()
    resumed = train(_cfg(tmp_path / "part", "steps=6"), resume=True, progress=False)
    a, b = _metrics(full), _metrics(resumed)
    assert [r["step"] for r in b] == [1, 2, 3, 4, 5, 6]
    # held-out evaluations run after the last step of each call, so they differ in where they land
    strip = lambda rows: [{k: v for k, v in r.items() if k not in TIMING and not k.startswith(("time/", "eval/"))}
                          for r in rows]
    assert strip(a) == strip(b)


def _lwz(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "longwriter_zero.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("override, needle", [
    ("optim.lrr=1", "unknown config key 'optim.lrr'"),
    ("rollout.group_size=eight", "config key 'rollout.group_size': expected an integer"),
    ("model.name=/nonexistent/model", "model '/nonexistent/model'"),
    ("algorithm.loss_agg=sum", "config key 'algorithm.loss_agg'"),
    ("rewards.0.weight=-1", "rewards[0] (length): weight must be >= 0"),
])
def test_bad_config_one_line_exit_2(tmp_path, override, needle):
    r = _lwz("train", "configs/tiny.yaml", f"output_dir={tmp_path}", "steps=1", override)
    assert r.returncode == 2, r.stderr
    assert needle in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("content, needle", [
    ('{"prompt": "Write a poem.", "range": [10, 20]}\n{"prompt": "oops"\n', ":2: not valid JSON"),
    ('{"prompt": "   ", "range": [10, 20]}\n', ":1: missing or empty 'prompt'"),
    ('{"prompt": "Write a poem.", "range": [30, 20]}\n', ":1: 'range' lower 30 > upper 20"),
    ('{"prompt": "Write a poem."}\n', "has no 'range'"),
])
def test_bad_prompt_file_names_the_line(tmp_path, content, needle):
    f = tmp_path / "prompts.jsonl"
    f.write_text(content)
    r = _lwz("train", "configs/tiny.yaml", f"output_dir={tmp_path / 'run'}", f"data.prompts={f}", "steps=1")
    assert r.returncode == 2 and needle in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_paper_and_demo_configs_validate():
    for name in ("demo.yaml", "tiny.yaml"):
        r = _lwz("train", f"configs/{name}", "--validate")
        assert r.returncode == 0, r.stderr
    # paper.yaml reads the prompts `lwz data build` writes: valid once they exist
    r = _lwz("train", "configs/paper.yaml", "--validate")
    assert r.returncode == 2 and "data.prompts" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert _lwz("train", "configs/paper.yaml", "data.prompts=assets:demo_prompts.jsonl", "--validate").returncode == 0
    cfg = load_config(REPO / "configs" / "paper.yaml")
    assert (cfg.rollout.group_size, cfg.rollout.temperature, cfg.rollout.top_p, cfg.rollout.max_new_tokens) == (32, 0.8, 1.0, 14000)
    assert (cfg.algorithm.eps_low, cfg.algorithm.eps_high, cfg.algorithm.beta) == (0.2, 0.2, 0.0)
