"""``lwz serve``: an OpenAI-compatible chat server for a local model."""

from __future__ import annotations

import argparse
import os
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="OpenAI-compatible chat server for a local model",
                       description="Serve a local model at /v1/chat/completions and /v1/completions (plain "
                                   "and streaming), /v1/models and /health. Concurrent requests share one "
                                   "continuously batched generation loop. For GPU serving of a trained "
                                   "model use vLLM: vllm serve RUN/model.")
    p.add_argument("--model", default="embedded",
                   help="'embedded', 'tiny-random' or an HF checkpoint folder (default: embedded)")
    p.add_argument("--served-name", nargs="+", default=None, metavar="NAME",
                   help="model name(s) clients ask for; several names are aliases (default: --model)")
    p.add_argument("--api-key", default=os.environ.get("LWZ_API_KEY"),
                   help="require 'Authorization: Bearer KEY' on /v1 routes (default: $LWZ_API_KEY, or none)")
    p.add_argument("--max-batch", type=int, default=8,
                   help="most sequences generated together (default: 8; a request with n=k takes k)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    p.add_argument("--strip-think", action="store_true",
                   help="return only the answer of a think/answer completion")
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"], help="weights dtype")
    p.add_argument("--device", default="auto", help="cpu, cuda, or auto (default)")
    p.add_argument("--seed", type=int, default=0, help="seed for tiny-random weights")
    p.set_defaults(func=run)


def run(args) -> int:
    import socket

    import uvicorn

    from longwriter_zero.errors import UserError
    from longwriter_zero.models import load_model, resolve_device
    from longwriter_zero.serving.server import create_app

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be in 0..65535, got {args.port}")
    if args.max_batch < 1:
        raise UserError(f"--max-batch must be at least 1, got {args.max_batch}")
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as e:
        raise UserError(f"cannot listen on {args.host}:{args.port} ({e.strerror})") from None
    model, tok = load_model(args.model, dtype=args.dtype, seed=args.seed, device=resolve_device(args.device))
    names = args.served_name or [args.model]
    app = create_app(model, tok, names, strip_think=args.strip_think, api_key=args.api_key,
                     max_batch=args.max_batch)
    host, port = sock.getsockname()[:2]
    print(f"serving {', '.join(repr(n) for n in names)} on http://{host}:{port}/v1", file=sys.stderr, flush=True)
    try:
        uvicorn.Server(uvicorn.Config(app, log_level="info")).run(sockets=[sock])
    finally:
        app.state.engine.close()
    return 0
