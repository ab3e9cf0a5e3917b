"""``lwz pretrain CONFIG.yaml [key=value ...] [--resume]``: continual pretraining on long-form text."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pretrain", help="continual pretraining on long-form text (before RL)",
                       description="Causal-LM training on folders of .txt/.md, JSONL or Parquet, packed into "
                                   "fixed-length rows with documents kept apart. Writes RUN/model (an HF "
                                   "checkpoint that lwz train/generate load). Overrides use dotted keys: "
                                   "optim.lr=1e-4 data.seq_len=512")
    p.add_argument("config", help="YAML config (see configs/pretrain*.yaml)")
    p.add_argument("overrides", nargs="*", help="key=value overrides")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in output_dir from its newest intact checkpoint")
    p.add_argument("--overwrite", action="store_true", help="replace the run in output_dir (its files are deleted)")
    p.set_defaults(func=run_pretrain)


def run_pretrain(args) -> int:
    from longwriter_zero.config import load_config
    from longwriter_zero.trainer.pretrain import PretrainConfig, pretrain

    cfg = load_config(args.config, args.overrides, cls=PretrainConfig)
    cfg.resume = cfg.resume or args.resume
    cfg.overwrite = cfg.overwrite or args.overwrite
    pretrain(cfg)
    return 0
