"""``lwz reward``: score completions with the project's rewards (length, format, writing, stuffing)."""

from __future__ import annotations

import argparse
import json
import sys

from longwriter_zero.rewards.base import Reward, RewardSettings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reward", help="score completions (JSONL) with rewards",
                       description="Score rows with 'prompt' (the request), 'response' (the raw completion, "
                                   "think block included) and optional 'range' [lower, upper]. Each row is "
                                   "written back with 'scores': one number per reward and all parts under "
                                   "'parts' as 'reward/part'.")
    p.add_argument("--input", required=True, help="JSONL rows with prompt, response, optional range")
    p.add_argument("--output", help="output JSONL (default: stdout)")
    p.add_argument("--rewards", default="length,format", help="comma-separated reward names (default: length,format)")
    p.add_argument("--writing-model", help="reward model folder for the writing reward (from lwz rm train)")
    p.add_argument("--writing-url", help="URL of a reward server (lwz rm serve) for the writing reward")
    p.add_argument("--l-max", type=int, default=RewardSettings.l_max,
                   help=f"L_max of the length reward, in words (default {RewardSettings.l_max})")
    p.add_argument("--template", choices=["think", "nothink"], default="think",
                   help="the prompt template the completions answered (nothink: no think block expected)")
    p.add_argument("--stuffing-penalty", action=argparse.BooleanOptionalAction, default=True,
                   help="multiply the format reward by the keyword-stuffing score (default: on; "
                        "--no-stuffing-penalty turns it off; its parts are reported either way)")
    p.add_argument("--batch-size", type=int, default=16, help="rows scored per batch")
    p.add_argument("--device", default=RewardSettings.device, help="device of a local writing reward model")
    p.set_defaults(func=run_reward)


def rewards_from_args(args) -> list[Reward]:
    """The rewards ``lwz reward`` scores with: ``--rewards`` built with the settings of
    ``--l-max``, ``--template`` and ``--device``."""
    from longwriter_zero.errors import UserError
    from longwriter_zero.rewards.registry import build_reward

    names = [n.strip() for n in args.rewards.split(",") if n.strip()]
    if not names:
        raise UserError("--rewards is empty")
    if len(set(names)) != len(names):
        raise UserError(f"--rewards names a reward twice: {args.rewards}")
    if "writing" in names and not (args.writing_model or args.writing_url):
        raise UserError("reward 'writing' needs --writing-model DIR or --writing-url URL")
    if args.writing_model and args.writing_url:
        raise UserError("give only one of --writing-model and --writing-url")
    if args.l_max < 1:
        raise UserError("--l-max must be >= 1")
    settings = RewardSettings(l_max=args.l_max, require_think=args.template == "think", device=args.device)
    options = {"writing": {"model": args.writing_model or "", "url": args.writing_url or ""},
               "format": {"stuffing_penalty": args.stuffing_penalty}}
    return [build_reward(n, options.get(n, {}), settings) for n in names]


def run_reward(args) -> int:
    from longwriter_zero.errors import UserError
    from longwriter_zero.jsonl import iter_jsonl, write_jsonl_atomic
    from longwriter_zero.rewards.scoring import score_rows

    if args.batch_size < 1:
        raise UserError("--batch-size must be >= 1")
    rewards = rewards_from_args(args)
    rows = score_rows(((f"{args.input}:{lineno}", row) for lineno, row in iter_jsonl(args.input)), rewards,
                      args.batch_size, progress=bool(args.output))
    if args.output:
        scored = list(rows)         # everything is scored before the output is replaced
        write_jsonl_atomic(args.output, scored)
        print(f"scored {len(scored)} rows -> {args.output}", file=sys.stderr)
    else:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    return 0
