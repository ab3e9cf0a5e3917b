"""benchmarks/gpu_check.py: its CPU dry run (tiny model of the same family, a few tokens, our
trainer and TRL's), and the rollout option it relies on (``rollout.ignore_eos``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from longwriter_zero.config import load_config

REPO = Path(__file__).resolve().parents[1]


def test_ignore_eos_samples_every_completion_to_the_cap(tmp_path):
    """Near-greedy sampling whose first token is made the EOS: the completions stop after one
    token, unless ``rollout.ignore_eos`` is on."""
    import torch

    from longwriter_zero.trainer import grpo

    def lengths(ignore_eos: bool) -> list[int]:
        cfg = load_config(REPO / "configs" / "tiny.yaml", [
            f"output_dir={tmp_path / str(ignore_eos)}", "rollout.temperature=0.001", "rollout.max_new_tokens=12",
            "rollout.prompts_per_step=1", "rollout.group_size=4", f"rollout.ignore_eos={str(ignore_eos).lower()}",
            "rollout.prepacked_linear=false"])
        run = grpo.setup(cfg)
        first = grpo.rollout(run, run.prompts[:1]).completion_ids[0][0]
        run.tokenizer.eos_token_id = first                # the token every completion starts with
        run.model.generation_config.eos_token_id = first
        torch.manual_seed(0)
        return [len(c) for c in grpo.rollout(run, run.prompts[:1]).completion_ids]

    assert lengths(False) == [1, 1, 1, 1]
    assert lengths(True) == [12, 12, 12, 12]


@pytest.mark.slow
def test_gpu_check_dry_run(tmp_path):
    kit = tmp_path / "kit"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1"}
    script = [sys.executable, str(REPO / "benchmarks" / "gpu_check.py"), "--kit", str(kit)]
    assert subprocess.run(script, env=env, capture_output=True, text=True).returncode == 2   # no kit yet
    p = subprocess.run(script + ["--prepare"], env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-2000:]
    pytest.importorskip("trl")
    p = subprocess.run(script + ["--dry-run", "--lengths", "4,8", "--group-size", "4"], env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    out = json.loads((kit / "gpu_check.json").read_text())
    assert out["info"]["dry_run"] and out["gpu_tests"]["status"] == "ok"
    assert [r["new_tokens"] for r in out["ours"]] == [4, 8]
    for r in out["ours"]:
        assert r["completion_tokens"] == [r["new_tokens"]] * 4          # EOS ignored: fixed lengths
        assert r["step_s"] > 0 and r["generated_tokens_per_s"] > 0
    assert out["trl"]["mean_completion_tokens"] == 4
    assert "ours: 8 new tokens x G=4" in p.stdout and "TRL" in p.stdout


def test_kit_wheels_are_unpacked_behind_the_machines_own_packages(tmp_path, monkeypatch):
    """A wheel in <kit>/wheels becomes importable from <kit>/site, appended to sys.path."""
    import importlib.util
    import zipfile

    spec = importlib.util.spec_from_file_location("gpu_check", REPO / "benchmarks" / "gpu_check.py")
    gpu_check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gpu_check)
    kit = tmp_path / "kit"
    (kit / "wheels").mkdir(parents=True)
    with zipfile.ZipFile(kit / "wheels" / "lwz_kit_probe-1.0-py3-none-any.whl", "w") as z:
        z.writestr("lwz_kit_probe/__init__.py", "VALUE = 7\n")
    monkeypatch.setattr(sys, "path", list(sys.path))
    gpu_check.unpack_wheels(kit)
    assert sys.path[-1] == str(kit / "site")
    import lwz_kit_probe

    assert lwz_kit_probe.VALUE == 7 and (kit / "site" / ".unpacked").exists()
    sys.modules.pop("lwz_kit_probe")
