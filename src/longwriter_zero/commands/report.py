"""``lwz report FOLDER``: one Markdown (optionally HTML) page for a run or evaluation folder."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="a readable page for a training run or evaluation folder",
                       description="Summarise a training run folder (metrics.jsonl, curves, samples, config) or "
                                   "an evaluation output folder (tables, plots, sample answers) as Markdown.")
    p.add_argument("folder", help="run or evaluation output folder")
    p.add_argument("--output", default=None, help="Markdown file to write (default: FOLDER/report.md)")
    p.add_argument("--html", action="store_true", help="also write a standalone HTML page next to it")
    p.set_defaults(func=run_report)


def run_report(args) -> int:
    from longwriter_zero.evaluation.report import write_report

    for path in write_report(args.folder, args.output, args.html):
        print(path)
    return 0
