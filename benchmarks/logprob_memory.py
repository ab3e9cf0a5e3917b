"""Peak memory of the token log-prob computation (forward + backward), chunked versus naive.

The last step of every policy-gradient forward: final hidden states ``[T, H]`` times the LM head
``[V, H]`` give logits ``[T, V]``, of which only the sampled tokens' log-probs are needed. The
naive path materialises the full logits (and their log-softmax and gradient);
``algorithm.logprobs.chunked_logprobs`` applies the head ``chunk`` tokens at a time inside
activation checkpointing.

Each measurement runs in a fresh subprocess and reports the growth of its peak resident memory
(``ru_maxrss``) over the resident memory just before the computation (inputs and head already
allocated, built in place so that no freed temporary has raised the peak mark beforehand),
i.e. the extra memory the log-prob computation needs. The subprocess runs under an address-space
limit (``--limit-gib``), so a naive run that would not fit reports "out of memory" instead of
pushing the machine into swap. For scale, the table also shows the model's own activations:
the hidden states kept at layer boundaries under gradient checkpointing,
``layers × T × H × bytes``, for a Qwen2.5-0.5B-shaped model (24 layers, H=896, V=151,936) by default.

    python benchmarks/logprob_memory.py [--tokens 1024 4096 16384] [--chunk 1024] [--limit-gib 14]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def measure(mode: str, tokens: int, vocab: int, hidden: int, chunk: int, dtype: str, threads: int) -> dict:
    import torch

    from longwriter_zero.algorithm.logprobs import chunked_logprobs, naive_logprobs

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    dt = getattr(torch, dtype)
    # built in place: a temporary (randn, then * 0.02) would raise the peak mark by its size before
    # the measurement starts and hide that much of the computation's own growth
    h = torch.empty(tokens, hidden, dtype=dt).normal_(0.0, 0.02).requires_grad_(True)
    w = torch.empty(vocab, hidden, dtype=dt).normal_(0.0, 0.02).requires_grad_(True)
    targets = torch.randint(0, vocab, (tokens,))
    before = current_rss()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.perf_counter()
    if mode == "chunked":
        logp, _ = chunked_logprobs(h, w, targets, chunk=chunk)
    else:
        logp = naive_logprobs(h, w, targets)
    logp.sum().backward()
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    # the baseline is the memory in use, not the peak mark: a peak set earlier (imports, input
    # building) above the memory in use would absorb part of the computation's growth
    return {"mode": mode, "tokens": tokens, "extra_gib": round((peak - before) / 2**30, 3),
            "seconds": round(seconds, 1), "peak_mark_over_rss_before_gib": round((peak_before - before) / 2**30, 3)}


def current_rss() -> int:
    """Resident memory in use now (bytes), from /proc/self/statm."""
    import os

    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run_child(args, mode: str, tokens: int) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, "--tokens", str(tokens), "--vocab", str(args.vocab),
           "--hidden", str(args.hidden), "--chunk", str(args.chunk), "--dtype", args.dtype,
           "--threads", str(args.threads), "--limit-gib", str(args.limit_gib)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode == 0:
        return json.loads(r.stdout.strip().splitlines()[-1])
    return {"mode": mode, "tokens": tokens, "extra_gib": None, "seconds": None,
            "error": f"out of memory (limit {args.limit_gib} GiB)" if "alloc" in r.stderr.lower() or
            "memory" in r.stderr.lower() else r.stderr.strip().splitlines()[-1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=int, nargs="+", default=[1024, 4096, 16384])
    ap.add_argument("--vocab", type=int, default=151936)
    ap.add_argument("--hidden", type=int, default=896)
    ap.add_argument("--layers", type=int, default=24, help="for the activation reference column only")
    ap.add_argument("--chunk", type=int, default=1024)
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit-gib", type=float, default=14.0, help="address-space limit of each measurement")
    ap.add_argument("--modes", nargs="+", default=["chunked", "naive"])
    ap.add_argument("--child", choices=["chunked", "naive"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        limit = int(args.limit_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        print(json.dumps(measure(args.child, args.tokens[0], args.vocab, args.hidden, args.chunk, args.dtype,
                                 args.threads)))
        return
    bytes_per = 4 if args.dtype == "float32" else 2
    print(f"vocab {args.vocab}, hidden {args.hidden}, {args.dtype}, chunk {args.chunk}; extra peak RSS of "
          f"log-probs forward+backward (GiB)")
    print(f"{'tokens':>7} | {'chunked':>9} | {'naive':>26} | {'ratio':>6} | {'activations*':>12}")
    rows = []
    for t in args.tokens:
        res = {m: run_child(args, m, t) for m in args.modes}
        act = args.layers * t * args.hidden * bytes_per / 2**30
        c, n = res.get("chunked", {}), res.get("naive", {})
        cs = f"{c['extra_gib']:.2f}" if c.get("extra_gib") is not None else c.get("error", "-")
        ns = f"{n['extra_gib']:.2f}" if n.get("extra_gib") is not None else n.get("error", "-")
        ratio = (f"{n['extra_gib'] / c['extra_gib']:.1f}x" if c.get("extra_gib") and n.get("extra_gib") else "-")
        print(f"{t:>7} | {cs:>9} | {ns:>26} | {ratio:>6} | {act:>12.2f}", flush=True)
        rows.append({"tokens": t, **{m: res[m] for m in res}, "activations_gib": round(act, 3)})
    print("* hidden states at layer boundaries for a model of", args.layers, "layers (gradient checkpointing)")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
