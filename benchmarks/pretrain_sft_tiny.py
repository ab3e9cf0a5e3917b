"""Measure the pretraining and SFT stages on the tiny configs: held-out loss before/after, speed, isolation.

Runs configs/pretrain_tiny.yaml and configs/sft_tiny.yaml (tiny random model, bundled corpus and
samples) into a temporary folder, and checks document isolation of a packed row on both CPU
attention implementations. Prints one JSON object.

    python benchmarks/pretrain_sft_tiny.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]


def isolation() -> dict:
    """Max |logit difference| of a packed document vs the same document alone, with and without the mask."""
    from longwriter_zero.data.packing import PackedCollator, PackedDataset, pack_documents
    from longwriter_zero.models import load_model

    model, tok = load_model("tiny-random")
    gen = torch.Generator().manual_seed(0)
    first, second = torch.randint(10, 40000, (100,), generator=gen).tolist(), \
        torch.randint(10, 40000, (60,), generator=gen).tolist()
    eos = tok.eos_token_id
    batch = PackedCollator()([PackedDataset(pack_documents([first, second], 192, eos, eos))[0]])
    batch.pop("labels")
    span = slice(len(first) + 1, len(first) + len(second) + 2)
    out = {}
    for impl in ("sdpa", "eager"):
        model.config._attn_implementation = impl
        with torch.no_grad():
            alone = model(input_ids=torch.tensor([second + [eos]])).logits[0]
            masked = model(**batch).logits[0, span]
            unmasked = model(input_ids=batch["input_ids"]).logits[0, span]
        out[impl] = {"with_mask": (masked - alone).abs().max().item(),
                     "without_mask": (unmasked - alone).abs().max().item()}
    return out


def run_stage(kind: str, config: Path, out_dir: Path) -> dict:
    from longwriter_zero.config import load_config

    if kind == "pretrain":
        from longwriter_zero.trainer.pretrain import PretrainConfig as cls, pretrain as fn
    else:
        from longwriter_zero.trainer.sft import SFTConfig as cls, sft as fn
    cfg = load_config(config, [f"output_dir={out_dir}"], cls=cls)
    start = time.perf_counter()
    summary = fn(cfg)
    wall = time.perf_counter() - start
    rows = [json.loads(x) for x in (out_dir / "metrics.jsonl").read_text().splitlines()]
    speeds = [r["tokens_per_s"] for r in rows if "tokens_per_s" in r]
    return {"config": str(config.relative_to(REPO)), "steps": summary["steps"],
            "heldout_loss_before": round(summary["heldout_loss_before"], 4),
            "heldout_loss_after": round(summary["heldout_loss_after"], 4),
            "train_loss_first": round(summary["train_loss_first"], 4),
            "train_loss_last": round(summary["train_loss_last"], 4),
            "tokens_seen": summary["tokens_seen"], "median_tokens_per_s": statistics.median(speeds),
            "wall_seconds": round(wall, 1), "data": summary["data"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", help="write the runs here instead of a temporary folder")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(a.keep or tmp)
        result = {"torch_threads": torch.get_num_threads(), "isolation_max_abs_logit_diff": isolation(),
                  "pretrain": run_stage("pretrain", REPO / "configs" / "pretrain_tiny.yaml", root / "pretrain"),
                  "sft": run_stage("sft", REPO / "configs" / "sft_tiny.yaml", root / "sft")}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
