"""``lwz sft CONFIG.yaml [key=value ...] [--resume]``: supervised fine-tuning on (prompt, response) pairs."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sft", help="supervised fine-tuning on (prompt, response) JSONL (the RL baseline)",
                       description="Fine-tune on prompt/response rows with the think or nothink prompt; the loss "
                                   "covers response tokens only. Writes RUN/model (an HF checkpoint that lwz "
                                   "train/generate load). Overrides use dotted keys: prompt.template=nothink")
    p.add_argument("config", help="YAML config (see configs/sft*.yaml)")
    p.add_argument("overrides", nargs="*", help="key=value overrides")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in output_dir from its newest intact checkpoint")
    p.add_argument("--overwrite", action="store_true", help="replace the run in output_dir (its files are deleted)")
    p.set_defaults(func=run_sft)


def run_sft(args) -> int:
    from longwriter_zero.config import load_config
    from longwriter_zero.trainer.sft import SFTConfig, sft

    cfg = load_config(args.config, args.overrides, cls=SFTConfig)
    cfg.resume = cfg.resume or args.resume
    cfg.overwrite = cfg.overwrite or args.overwrite
    sft(cfg)
    return 0
