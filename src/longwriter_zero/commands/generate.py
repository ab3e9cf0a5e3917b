"""``lwz generate``: answers for a prompt file from a local model or an OpenAI-compatible server."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="answer a prompt file (JSONL) with a model or a server",
                       description="Answer every prompt of a JSONL file (rows with 'prompt', optional 'id', "
                                   "'length', 'type', 'range'; LongBench-Write rows work as they are). "
                                   "Resumable: rows already in --output are skipped.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", help="local model: 'embedded', 'tiny-random' or an HF folder")
    src.add_argument("--url", help="OpenAI-compatible server base URL (e.g. http://127.0.0.1:8000/v1)")
    p.add_argument("--judge-model", help="model name to request from --url")
    p.add_argument("--api-key", default="EMPTY", help="API key for --url")
    p.add_argument("--input", required=True, help="prompt JSONL")
    p.add_argument("--output", required=True, help="answer JSONL (appended to; resumable)")
    p.add_argument("--template", choices=["think", "nothink", "none"], default="think",
                   help="prompt wrapper: think (plan then answer), nothink (answer tags only), none (bare request)")
    p.add_argument("--max-new-tokens", type=int, default=2048, help="generation cap in tokens")
    p.add_argument("--temperature", type=float, default=0.6)
    p.add_argument("--top-p", type=float, default=0.95)
    p.add_argument("--batch-size", type=int, default=8, help="prompts per generate call (local) or per request wave")
    p.add_argument("--limit", type=int, default=None, help="only the first N prompts")
    p.add_argument("--seed", type=int, default=0, help="sampling seed (local models)")
    p.add_argument("--device", default="auto", help="cpu, cuda or auto (local models)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)")
    p.add_argument("--dtype", default="float32", help="float32 or bfloat16 (local models)")
    p.add_argument("--cache", default=None, help="request cache for --url (default: OUTPUT.cache.sqlite)")
    p.add_argument("--concurrency", type=int, default=4, help="parallel requests to --url")
    p.set_defaults(func=run_generate)


def run_generate(args) -> int:
    from longwriter_zero.errors import UserError
    from longwriter_zero.evaluation.generation import (LocalGenerator, RemoteGenerator, describe,
                                                       load_prompt_rows, run_generation)

    if args.max_new_tokens < 1:
        raise UserError("--max-new-tokens must be >= 1")
    if args.limit is not None and args.limit < 1:
        raise UserError("--limit must be >= 1")
    if args.url and not args.judge_model:
        raise UserError("--url needs --judge-model (the model name the server serves)")
    rows = load_prompt_rows(args.input, args.limit)
    sampling = dict(template=args.template, max_new_tokens=args.max_new_tokens,
                    temperature=args.temperature, top_p=args.top_p)
    if args.url:
        from longwriter_zero.evaluation.generation import generation_client

        client = generation_client(args.url, args.judge_model, api_key=args.api_key,
                             cache_path=args.cache or f"{args.output}.cache.sqlite", concurrency=args.concurrency)
        generator = RemoteGenerator(client, **sampling)
    else:
        import torch

        from longwriter_zero.models import load_model, resolve_device

        if args.threads:
            torch.set_num_threads(args.threads)
        # Activations of the embedded model underflow to subnormal floats, which slow CPU
        # matmuls several-fold; flushing them to zero changes no result that matters. The flag
        # is per thread: extra intra-op threads may not inherit it (--threads 1 avoids that).
        torch.set_flush_denormal(True)
        torch.manual_seed(args.seed)
        model, tok = load_model(args.model, dtype=args.dtype, device=resolve_device(args.device))
        generator = LocalGenerator(model, tok, **sampling)
    written = run_generation(rows, generator, args.output, args.template, args.batch_size)
    print(f"{args.output}: {written} new answers; {describe(args.output)}", file=sys.stderr)
    return 0
