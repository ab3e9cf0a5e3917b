"""``lwz train CONFIG.yaml [key=value ...] [--resume]`` and ``lwz demo``."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="GRPO training from a YAML config",
                       description="GRPO training. Overrides use dotted keys: optim.lr=1e-5 rollout.group_size=8")
    p.add_argument("config", help="YAML config (see configs/)")
    p.add_argument("overrides", nargs="*", help="key=value overrides")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in output_dir from its newest intact checkpoint")
    p.add_argument("--overwrite", action="store_true", help="replace the run in output_dir (its files are deleted)")
    p.add_argument("--validate", action="store_true", help="load and check the config, then exit")
    p.set_defaults(func=run_train)


def run_train(args) -> int:
    from longwriter_zero.config import load_config

    cfg = load_config(args.config, args.overrides)
    if args.validate:
        from longwriter_zero.trainer.grpo import validate
        validate(cfg)
        print(f"{args.config}: valid")
        return 0
    from longwriter_zero.trainer.grpo import train

    run_dir = train(cfg, resume=args.resume, overwrite=args.overwrite)
    print(f"run folder: {run_dir}")
    return 0
