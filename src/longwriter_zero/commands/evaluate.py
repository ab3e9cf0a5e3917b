"""``lwz eval length|critic|arena|repetition``: benchmark scoring of answer files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="score answers: length, critic, arena, repetition",
                       description="Score answer files (from `lwz generate`) with a benchmark.")
    evals = p.add_subparsers(dest="eval_command", metavar="BENCHMARK")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    _register_length(evals)
    _register_critic(evals)
    _register_arena(evals)
    _register_repetition(evals)


def _judge_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--judge-url", required=True, help="OpenAI-compatible judge server base URL")
    p.add_argument("--judge-model", required=True, help="judge model name on that server")
    p.add_argument("--api-key", default="EMPTY", help="judge API key")
    p.add_argument("--cache", default=None, help="judge cache (SQLite; default OUTPUT/judge_cache.sqlite)")
    p.add_argument("--concurrency", type=int, default=4, help="parallel judge requests")
    p.add_argument("--judge-temperature", type=float, default=0.0, help="judge sampling temperature")
    p.add_argument("--judge-max-tokens", type=int, default=1024, help="judge reply cap in tokens")
    p.add_argument("--judge-retries", type=int, default=4, help="retries per judge call (timeouts, 5xx, empty replies)")


def _client(args, output_dir: Path):
    from longwriter_zero.judge.client import JudgeClient

    output_dir.mkdir(parents=True, exist_ok=True)
    return JudgeClient(args.judge_url, args.judge_model, api_key=args.api_key,
                       cache_path=args.cache or str(output_dir / "judge_cache.sqlite"),
                       concurrency=args.concurrency, max_retries=args.judge_retries)


# ----------------------------------------------------------------------------- length

def _register_length(evals) -> None:
    p = evals.add_parser("length", help="LongBench-Write length score",
                         description="LongBench-Write length score S_l (0-100) of answer rows with "
                                     "'length' (required) and 'response'; overall and per 'type'.")
    p.add_argument("--input", required=True, help="answer JSONL")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--plot", default=None, help="write a log-log scatter of required vs produced length")
    p.add_argument("--output", default=None, help="folder for length.json, length.md and length.png")
    p.set_defaults(func=run_length)


def run_length(args) -> int:
    from longwriter_zero.evaluation.length_score import load_length_rows, plot_lengths, score_rows
    from longwriter_zero.evaluation.tables import markdown_table, write_json, write_text_atomic

    report = score_rows(load_length_rows(args.input))
    summary = report.to_dict()
    table = markdown_table(["type", "n", "length score"],
                           [[t, report.count_per_type[t], s] for t, s in report.per_type.items()]
                           + [["**all**", len(report.rows), report.score]], digits=1)
    title = f"LongBench-Write length score {report.score:.1f} (n={len(report.rows)})"
    plots = [args.plot] if args.plot else []
    if args.output:
        out = Path(args.output)
        write_json(out / "length.json", summary)
        write_text_atomic(out / "length.md", f"## Length score\n\nInput: `{args.input}`\n\n{table}\n")
        plots.append(out / "length.png")
    for path in plots:
        plot_lengths(report.rows, path, title=title)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(table)
    return 0


# ----------------------------------------------------------------------------- critic

def _register_critic(evals) -> None:
    p = evals.add_parser("critic", help="WritingBench critic scores (judge, 1-10 per criterion)",
                         description="Judge every answer on every criterion of its WritingBench query; "
                                     "averages per query, per domain1 and per requirement subset. Resumable "
                                     "through the judge cache.")
    p.add_argument("--queries", required=True, help="WritingBench query JSONL (index, domain1, domain2, query, checklist)")
    p.add_argument("--answers", required=True, help="answer JSONL (index or id, response)")
    p.add_argument("--output", default=None, help="output folder (default: ANSWERS stem + '_critic')")
    _judge_args(p)
    p.set_defaults(func=run_critic_cmd)


def run_critic_cmd(args) -> int:
    from longwriter_zero.evaluation.critic import format_summary, load_answers, load_queries, run_critic

    queries = load_queries(args.queries)
    answers = load_answers(args.answers)
    out = Path(args.output or Path(args.answers).with_name(Path(args.answers).stem + "_critic"))
    client = _client(args, out)
    try:
        summary = run_critic(queries, answers, client, out,
                             sampling=dict(temperature=args.judge_temperature, max_tokens=args.judge_max_tokens))
    finally:
        client.close()
    if summary.missing_answers:
        print(f"warning: {len(summary.missing_answers)} queries have no answer and were not scored", file=sys.stderr)
    if summary.n_failed:
        print(f"warning: {summary.n_failed} judge replies could not be read: {summary.failures}", file=sys.stderr)
    print(format_summary(summary))
    print(f"written: {out}/critic_scores.jsonl, critic_summary.json, critic_summary.md", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------- arena

def _register_arena(evals) -> None:
    p = evals.add_parser("arena", help="pairwise judge battles and Bradley-Terry ratings",
                         description="Judge every pair of systems on their shared prompts, both orders; fit "
                                     "Bradley-Terry ratings (Elo scale, baseline = 1000) with bootstrap 95% "
                                     "intervals. Resumable through the judge cache.")
    p.add_argument("--answers", nargs="+", required=True, metavar="NAME=FILE",
                   help="answer files, one per system (rows with id, prompt, response)")
    p.add_argument("--baseline", required=True, help="system anchored at 1000")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the intervals (0: none)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument("--l2", type=float, default=1e-3, help="L2 penalty on the log-odds strengths")
    p.add_argument("--output", default="arena", help="output folder")
    _judge_args(p)
    p.set_defaults(func=run_arena_cmd)


def run_arena_cmd(args) -> int:
    from longwriter_zero.errors import UserError
    from longwriter_zero.evaluation.arena import (judge_arena, leaderboard_json, leaderboard_markdown,
                                                  load_system_answers, parse_system_specs, plot_leaderboard)
    from longwriter_zero.evaluation.tables import write_json, write_text_atomic
    from longwriter_zero.jsonl import write_jsonl_atomic

    if args.bootstrap < 0:
        raise UserError("--bootstrap must be >= 0")
    if args.l2 <= 0:
        raise UserError("--l2 must be > 0")
    specs = parse_system_specs(args.answers)
    answers = {name: load_system_answers(path) for name, path in specs.items()}
    out = Path(args.output)
    client = _client(args, out)
    try:
        result, records = judge_arena(answers, client, args.baseline, n_bootstrap=args.bootstrap, seed=args.seed,
                                      l2=args.l2, sampling=dict(temperature=args.judge_temperature,
                                                                max_tokens=args.judge_max_tokens))
    finally:
        client.close()
    write_jsonl_atomic(out / "judgments.jsonl", records)
    write_json(out / "leaderboard.json", leaderboard_json(result))
    table = leaderboard_markdown(result)
    write_text_atomic(out / "leaderboard.md", table)
    plot_leaderboard(result, out / "leaderboard.png")
    if sum(result.failures.values()):
        print(f"warning: unreadable verdicts {result.failures}; {result.battles_dropped} battles dropped",
              file=sys.stderr)
    print(table)
    print(f"written: {out}/leaderboard.md, leaderboard.json, leaderboard.png, judgments.jsonl", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------- repetition

def _register_repetition(evals) -> None:
    p = evals.add_parser("repetition", help="distinct-n, repeated n-grams, compression, near-duplicate paragraphs",
                         description="Repetition statistics per answer and averaged, computed by the same code "
                                     "as the format reward (rewards/repetition.py).")
    p.add_argument("--input", required=True, help="answer JSONL (rows with 'response')")
    p.add_argument("--json", action="store_true", help="print {n, mean, per_answer} as JSON")
    p.add_argument("--output", default=None, help="folder for repetition.jsonl, repetition.json, repetition.md")
    p.set_defaults(func=run_repetition)


def run_repetition(args) -> int:
    from longwriter_zero.evaluation.repetition_stats import answer_metrics, average_metrics, repetition_markdown
    from longwriter_zero.evaluation.tables import write_json, write_text_atomic
    from longwriter_zero.jsonl import write_jsonl_atomic

    rows = answer_metrics(args.input)
    mean = average_metrics(rows)
    text = repetition_markdown(mean, rows, args.input)
    if args.output:
        out = Path(args.output)
        write_jsonl_atomic(out / "repetition.jsonl", rows)
        write_json(out / "repetition.json", {"n": len(rows), "mean": mean})
        write_text_atomic(out / "repetition.md", text)
    if args.json:
        print(json.dumps({"n": len(rows), "mean": mean, "per_answer": rows}, ensure_ascii=False))
    else:
        print(text)
    return 0
