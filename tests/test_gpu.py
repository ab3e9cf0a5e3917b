"""Checks that need a CUDA GPU (marker ``gpu``; skipped without one; ``benchmarks/gpu_check.py``
runs them first). Each is the CPU suite's check of the same piece, on the GPU."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from longwriter_zero.config import load_config

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.gpu


def _cfg(tmp_path, *overrides):
    return load_config(REPO / "configs" / "tiny.yaml", [f"output_dir={tmp_path}", "device=cuda", *overrides])


def _metrics(run_dir):
    return [json.loads(ln) for ln in (Path(run_dir) / "metrics.jsonl").read_text().splitlines() if ln.strip()]


def test_chunked_logprobs_on_cuda_match_the_full_logits_and_the_cpu():
    from longwriter_zero.algorithm.logprobs import chunked_logprobs, naive_logprobs

    g = torch.Generator().manual_seed(0)
    M, H, V = 300, 32, 1000
    h_cpu, w_cpu = torch.randn(M, H, generator=g), torch.randn(V, H, generator=g) * 0.1
    t_cpu = torch.randint(0, V, (M,), generator=g)
    out = {}
    for device in ("cpu", "cuda"):
        for name, fn in (("chunked", lambda h, w, t: chunked_logprobs(h, w, t, chunk=64, temperature=0.8)[0]),
                         ("naive", lambda h, w, t: naive_logprobs(h, w, t, temperature=0.8))):
            h = h_cpu.to(device).requires_grad_(True)
            w = w_cpu.to(device).requires_grad_(True)
            lp = fn(h, w, t_cpu.to(device))
            lp.sum().backward()
            out[device, name] = (lp.detach().cpu(), h.grad.cpu(), w.grad.cpu())
    for a, b in [(("cuda", "chunked"), ("cuda", "naive")), (("cuda", "chunked"), ("cpu", "chunked"))]:
        for x, y in zip(out[a], out[b]):
            assert torch.allclose(x, y, atol=1e-4, rtol=1e-4), (a, b)


def test_length_reward_rises_on_cuda(tmp_path):
    """The CPU suite's learning check (tests/test_trainer.py), with the policy on the GPU."""
    from longwriter_zero.trainer.grpo import train

    run = train(_cfg(tmp_path, "steps=30"), progress=False)
    r = [row["reward/length"] for row in _metrics(run)]
    moving = [sum(r[i:i + 5]) / 5 for i in range(len(r) - 4)]
    assert max(moving) >= 0.9 and sum(r[-10:]) / 10 >= 0.8, [round(v, 3) for v in r]


def test_bf16_mixed_precision_steps_on_cuda(tmp_path):
    from longwriter_zero.trainer.grpo import train

    run = train(_cfg(tmp_path, "steps=3", "model.compute_dtype=bfloat16"), progress=False)
    rows = _metrics(run)
    assert len(rows) == 3 and all(abs(row["loss"]) < 1e3 for row in rows)


def test_fixed_length_rollout_on_cuda(tmp_path):
    """rollout.ignore_eos: every completion is max_new_tokens long."""
    from longwriter_zero.trainer import grpo

    run = grpo.setup(_cfg(tmp_path, "steps=1", "rollout.ignore_eos=true", "rollout.max_new_tokens=48"))
    batch = grpo.rollout(run, run.prompts[:2])
    assert [len(c) for c in batch.completion_ids] == [48] * 16
    assert set(batch.finish_reasons) == {"length"}
