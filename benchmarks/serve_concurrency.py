"""Wall time of 4 parallel chat requests against one, on ``lwz serve``'s app (embedded model).

    python benchmarks/serve_concurrency.py [--model embedded] [--tokens 64] [--parallel 4]

Starts the server in-process on a loopback port, sends one request, then ``--parallel``
requests at once (threads, the official openai client), each greedy with ``ignore_eos`` so
every request produces exactly ``--tokens`` tokens; prints both wall times and their ratio
(1.0 = perfect batching, ``parallel`` = one at a time).
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="embedded")
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = ap.parse_args()

    import torch
    from openai import OpenAI

    from longwriter_zero.models import load_model
    from longwriter_zero.serving.background import BackgroundServer
    from longwriter_zero.serving.server import create_app

    if args.threads:
        torch.set_num_threads(args.threads)
    model, tok = load_model(args.model)
    app = create_app(model, tok, "m", max_batch=max(8, args.parallel))
    topics = ["the sea", "a mountain village", "bees in winter", "an old train station", "rain", "a market"]

    with BackgroundServer(app) as server:
        client = OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0, timeout=600)

        def ask(i: int) -> int:
            r = client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": f"Write about {topics[i % len(topics)]}."}],
                max_tokens=args.tokens, temperature=0, extra_body={"ignore_eos": True})
            return r.usage.completion_tokens

        ask(0)  # warm-up
        t0 = time.perf_counter()
        ask(1)
        one = time.perf_counter() - t0
        engine = app.state.engine
        engine.max_rows_seen, steps = 0, engine.steps
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.parallel) as pool:
            tokens = list(pool.map(ask, range(args.parallel)))
        many = time.perf_counter() - t0
        steps = engine.steps - steps
    print(f"model {args.model}, {args.tokens} tokens per request, torch threads {torch.get_num_threads()}")
    print(f"1 request: {one:.2f} s; {args.parallel} parallel: {many:.2f} s ({sum(tokens)} tokens); "
          f"ratio {many / one:.2f} (1.0 = perfect batching, {args.parallel} = one at a time); "
          f"{steps} decoding steps for the {args.parallel} requests ({args.tokens} each), "
          f"at most {engine.max_rows_seen} rows in one step")


if __name__ == "__main__":
    main()
