"""``lwz``: the command line. Subcommands live in ``longwriter_zero.commands``."""

from __future__ import annotations

import argparse
import importlib
import sys

from longwriter_zero.errors import UserError

# Each module adds its own subcommand(s).
COMMAND_MODULES = [
    "longwriter_zero.commands.train", "longwriter_zero.commands.demo",
    "longwriter_zero.commands.generate", "longwriter_zero.commands.evaluate", "longwriter_zero.commands.report",
    "longwriter_zero.commands.pretrain", "longwriter_zero.commands.sft",
    "longwriter_zero.commands.reward", "longwriter_zero.commands.rm",
    "longwriter_zero.commands.serve", "longwriter_zero.commands.data",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lwz", description="LongWriter-Zero: RL for ultra-long writing")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code = args.func(args)
    except UserError as e:
        print(f"lwz {args.command}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        if e.filename is None:          # not about a path the user gave: a real failure, keep its traceback
            raise
        print(f"lwz {args.command}: error: {e.filename}: {e.strerror or e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"lwz {args.command}: interrupted; finished work is kept", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
