"""precision_plan: the one place that picks the sampling and update dtypes (hand-computed cases)."""

import pytest

from longwriter_zero.models import precision_plan


@pytest.mark.parametrize("device,dtype,compute,sample,native,expected", [
    # CPU with native bf16: sample float32 (prepacked copy), update under bf16 autocast
    ("cpu", "float32", "fast", "auto", True, ("float32", "bfloat16")),
    # CPU without native bf16: fast means float32 for both
    ("cpu", "float32", "fast", "auto", False, ("float32", "float32")),
    # no mixed precision asked: everything in the policy's dtype
    ("cpu", "float32", "auto", "auto", True, ("float32", "float32")),
    # GPU: auto sampling follows the update's dtype
    ("cuda", "float32", "fast", "auto", True, ("bfloat16", "bfloat16")),
    ("cuda", "float32", "bfloat16", "auto", False, ("bfloat16", "bfloat16")),
    # explicit settings win
    ("cpu", "float32", "fast", "bfloat16", True, ("bfloat16", "bfloat16")),
    ("cuda", "float32", "float32", "float16", True, ("float16", "float32")),
    ("cpu", "bfloat16", "auto", "auto", False, ("bfloat16", "bfloat16")),
])
def test_precision_plan(device, dtype, compute, sample, native, expected):
    assert precision_plan(device, dtype, compute, sample, native) == expected


def test_sampling_copy_follows_the_policy_after_an_update(tmp_path):
    """A bf16 sampling copy (rollout.dtype) next to a float32 policy: after a training step the copy
    holds the updated weights (cast), so rollouts never come from stale weights."""
    from pathlib import Path

    import torch

    from longwriter_zero.config import load_config
    from longwriter_zero.trainer.grpo import rollout, score, setup, update

    repo = Path(__file__).resolve().parents[1]
    cfg = load_config(repo / "configs" / "tiny.yaml", [f"output_dir={tmp_path}", "steps=1", "eval.prompts=",
                                                       "rollout.dtype=bfloat16", "optim.lr=0.05"])
    run = setup(cfg)
    assert run.rollout_kind == "copy" and next(run.rollout_model.parameters()).dtype == torch.bfloat16
    before = [p.detach().clone() for p in run.model.parameters()]
    batch = rollout(run, run.prompts[:1])
    score(run, batch)
    update(run, batch)
    moved = [not torch.equal(b, p) for b, p in zip(before, run.model.parameters())]
    assert any(moved)
    for p, c in zip(run.model.parameters(), run.rollout_model.parameters()):
        assert torch.equal(p.detach().to(torch.bfloat16), c)
