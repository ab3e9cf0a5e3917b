"""``lwz data filter|ranges|build|export-verl``: from chat logs to the RL prompt set."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="build the RL prompt set: filter, ranges, build, export-verl",
                       description="From chat logs to the RL prompt set.")
    steps = p.add_subparsers(dest="data_command", metavar="STEP")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    f = steps.add_parser("filter", help="keep first-turn requests for substantial writing",
                         description="Read chat logs (JSONL or Parquet: WildChat/LMSYS 'conversation', "
                                     "'messages', ShareGPT 'conversations', or 'prompt'), keep first-turn "
                                     "requests that ask for substantial written work, drop duplicates.")
    _inputs(f)
    f.add_argument("--output", required=True, help="kept requests (JSONL: prompt, lang, source, id)")
    _filter_args(f)
    _judge_args(f)
    f.set_defaults(func=run_filter)

    r = steps.add_parser("ranges", help="add length ranges [lower, upper] to prompt rows",
                         description="Add 'range' and 'range_source' (explicit/judge/prior) to rows with 'prompt'.")
    r.add_argument("--input", required=True, help="JSONL rows with 'prompt'")
    r.add_argument("--output", required=True, help="the same rows with 'range' and 'range_source'")
    r.add_argument("--backend", choices=["rules", "llm"], default="rules",
                   help="for requests without an explicit length: priors (rules) or the judge (llm)")
    r.add_argument("--summary", default=None, help="write counts as JSON here")
    _judge_args(r)
    r.set_defaults(func=run_ranges)

    b = steps.add_parser("build", help="filter + ranges + prompt set in one go",
                         description="Chat logs -> RL prompt set (prompt, lang, range, source, id, range_source).")
    _inputs(b)
    b.add_argument("--output", required=True, help="the prompt set (JSONL)")
    _filter_args(b)
    b.add_argument("--range-backend", choices=["rules", "llm"], default=None,
                   help="backend for ranges (default: the filter's --backend)")
    _judge_args(b)
    b.set_defaults(func=run_build)

    e = steps.add_parser("export-verl", help="write the prompt set as verl RL Parquet",
                         description="Columns data_source, prompt (chat messages: the request in the think "
                                     "prompt by default), ability, reward_model {style, ground_truth: '[lo, hi]'}, "
                                     "extra_info {index, id, lang, range, request (the raw request), source}.")
    e.add_argument("--input", required=True, help="prompt set JSONL (with 'range')")
    e.add_argument("--output", required=True, help="a .parquet file, or a folder (gets train.parquet)")
    e.add_argument("--data-source", default="longwriter_zero", help="the data_source column")
    e.add_argument("--template", choices=["think", "nothink", "none"], default="think",
                   help="prompt in the user message: the project's think prompt (default), the no-think "
                        "prompt, or none (the bare request); verl adds only the chat template")
    e.add_argument("--template-file", default=None, help="a template file with a {request} placeholder "
                                                          "(replaces --template)")
    e.add_argument("--language", choices=["auto", "en", "zh"], default="auto",
                   help="prompt language (auto: from the request)")
    e.set_defaults(func=run_export)


def _inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input", required=True, nargs="+", help="chat log file(s): .jsonl or .parquet")


def _filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", choices=["rules", "llm"], default="rules",
                   help="rules (offline, default) or llm (the judge decides)")
    p.add_argument("--summary", default=None, help="write the drop counts as JSON here")
    p.add_argument("--rejected", default=None, help="write dropped requests with their reasons here (JSONL)")
    p.add_argument("--source", default=None, help="'source' of the rows (default: each input's file name)")
    p.add_argument("--languages", default="en,zh", help="languages to keep (default: en,zh)")
    p.add_argument("--near-dup-threshold", type=float, default=0.8,
                   help="MinHash Jaccard at or above which a request is a near duplicate (default 0.8)")
    p.add_argument("--no-near-dup", action="store_true", help="remove exact duplicates (and number variants) only")
    p.add_argument("--keep-number-variants", action="store_true",
                   help="keep requests that differ from an earlier one only in their numbers (e.g. the stated "
                        "length); by default they are dropped and counted as 'number_variant'")


def _judge_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("judge (with --backend llm)")
    g.add_argument("--judge-url", default=None, help="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1")
    g.add_argument("--judge-model", default=None, help="model name on that server")
    g.add_argument("--api-key", default="EMPTY", help="API key for the judge server")
    g.add_argument("--cache", default=None, help="judge cache (SQLite; default: next to --output)")
    g.add_argument("--concurrency", type=int, default=4, help="parallel judge requests")


def _client(args, needed: bool):
    from longwriter_zero.errors import UserError
    from longwriter_zero.judge.client import JudgeClient

    if not needed:
        return None
    if not args.judge_url or not args.judge_model:
        raise UserError("--backend llm needs --judge-url and --judge-model")
    cache = args.cache or str(Path(args.output).parent / "judge_cache.sqlite")
    return JudgeClient(args.judge_url, args.judge_model, api_key=args.api_key, cache_path=cache,
                       concurrency=args.concurrency)


def _filtered(args, client):
    """Run the filter over every input; returns (kept rows, summary, rejected rows or None)."""
    from longwriter_zero.data.chatlogs import iter_log_requests
    from longwriter_zero.data.filter import filter_requests
    from longwriter_zero.errors import UserError

    languages = tuple(x.strip() for x in args.languages.split(",") if x.strip())
    if not set(languages) <= {"en", "zh"} or not languages:
        raise UserError(f"--languages takes en and/or zh, got {args.languages!r}")
    if args.no_near_dup:
        threshold = None
    elif not 0.0 < args.near_dup_threshold <= 1.0:
        raise UserError(f"--near-dup-threshold must be in (0, 1], got {args.near_dup_threshold}")
    else:
        threshold = args.near_dup_threshold
    for path in args.input:
        if not Path(path).exists():
            raise UserError(f"{path}: file not found")

    def requests():
        for path in args.input:
            source = args.source or Path(path).stem
            for req in iter_log_requests(path):
                req.meta["source"] = source
                yield req

    rejected = [] if args.rejected else None
    # one stream over all inputs, so duplicates are found across files
    kept, summary = filter_requests(requests(), backend=args.backend, client=client, languages=languages,
                                    near_dup_threshold=threshold, rejected=rejected,
                                    keep_number_variants=args.keep_number_variants)
    return kept, summary, rejected


def run_filter(args) -> int:
    from longwriter_zero.data.dataset import unique_ids
    from longwriter_zero.data.filter import write_summary
    from longwriter_zero.jsonl import write_jsonl_atomic

    client = _client(args, args.backend == "llm")
    kept, summary, rejected = _filtered(args, client)
    write_jsonl_atomic(args.output, unique_ids(kept))
    if rejected is not None:
        write_jsonl_atomic(args.rejected, rejected)
    if args.summary:
        write_summary(args.summary, summary, {"inputs": args.input, "backend": args.backend})
    print(summary.table(), file=sys.stderr)
    print(f"wrote {len(kept)} requests to {args.output}", file=sys.stderr)
    return 0


def _ranged(rows: list[dict], backend: str, client) -> tuple[list[dict], Counter]:
    from longwriter_zero.data.ranges import predict_ranges

    predictions = predict_ranges([r["prompt"] for r in rows], backend=backend, client=client)
    counts: Counter = Counter()
    out = []
    for row, pred in zip(rows, predictions):
        counts[pred.source] += 1
        if pred.range == (0, 0):
            counts["unfulfillable [0, 0]"] += 1
        if backend == "llm" and pred.source == "prior":
            counts["judge unreadable, prior used"] += 1
        out.append({**row, "range": list(pred.range), "range_source": pred.source, "range_detail": pred.detail})
    return out, counts


def _print_counts(title: str, counts: Counter) -> None:
    print(title + ": " + ", ".join(f"{k} {v}" for k, v in counts.most_common()), file=sys.stderr)


def run_ranges(args) -> int:
    from longwriter_zero.errors import UserError
    from longwriter_zero.jsonl import iter_jsonl, write_jsonl_atomic

    rows = []
    for lineno, row in iter_jsonl(args.input):
        if not isinstance(row.get("prompt"), str) or not row["prompt"].strip():
            raise UserError(f"{args.input}:{lineno}: missing or empty 'prompt'")
        rows.append(row)
    if not rows:
        raise UserError(f"{args.input}: no rows")
    out, counts = _ranged(rows, args.backend, _client(args, args.backend == "llm"))
    write_jsonl_atomic(args.output, out)
    if args.summary:
        Path(args.summary).parent.mkdir(parents=True, exist_ok=True)
        Path(args.summary).write_text(json.dumps(dict(counts), indent=2) + "\n", encoding="utf-8")
    _print_counts(f"ranges for {len(out)} prompts", counts)
    return 0


def run_build(args) -> int:
    from longwriter_zero.data.dataset import prompt_row, unique_ids, write_prompt_set
    from longwriter_zero.data.filter import write_summary
    from longwriter_zero.errors import UserError
    from longwriter_zero.jsonl import write_jsonl_atomic

    range_backend = args.range_backend or args.backend
    client = _client(args, "llm" in (args.backend, range_backend))
    kept, summary, rejected = _filtered(args, client)
    print(summary.table(), file=sys.stderr)
    if not kept:
        raise UserError(f"no request in {', '.join(args.input)} passed the filter; nothing to write")
    ranged, counts = _ranged(kept, range_backend, client)
    rows = unique_ids(prompt_row(r["prompt"], r["lang"], r["range"], r["source"], r["id"],
                                 range_source=r["range_source"]) for r in ranged)
    write_prompt_set(args.output, rows)
    if rejected is not None:
        write_jsonl_atomic(args.rejected, rejected)
    if args.summary:
        write_summary(args.summary, summary, {"inputs": args.input, "backend": args.backend,
                                              "range_backend": range_backend, "ranges": dict(counts)})
    _print_counts("ranges", counts)
    print(f"wrote {len(rows)} prompts to {args.output}", file=sys.stderr)
    return 0


def run_export(args) -> int:
    from longwriter_zero.data.dataset import export_verl, load_prompt_set
    from longwriter_zero.prompts import load_template_file

    rows = load_prompt_set(args.input, require_range=True)
    text = load_template_file(args.template_file) if args.template_file else None
    target = export_verl(rows, args.output, data_source=args.data_source, template=args.template,
                         language=args.language, template_text=text)
    print(f"wrote {len(rows)} rows to {target}", file=sys.stderr)
    return 0
