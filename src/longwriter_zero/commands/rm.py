"""``lwz rm``: the writing reward model: build pairs, train, serve."""

from __future__ import annotations

import argparse
import json
import sys

DEFAULT_PORT = 8010     # lwz serve and vLLM listen on 8000 by default

def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rm", help="writing reward model: build-pairs, train, serve",
                       description="Bradley-Terry writing reward model (see docs/rewards.md).")
    rm_sub = p.add_subparsers(dest="rm_command", metavar="RM_COMMAND")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    b = rm_sub.add_parser("build-pairs", help="pairs from answers: chosen = answer, rejected = damaged copy",
                          description="From rows with 'prompt' and 'response' (a raw completion or plain answer "
                                      "text), write TRL-format pairs: chosen = the answer, rejected = a damaged "
                                      "copy (the damage kinds of reward_model/damage.py: duplicated and reworded "
                                      "copies, repeated or rotated lines, filler, restated chapters, particle "
                                      "padding, word salad, keyword stuffing, the translation appended, "
                                      "truncation, shuffled sentences ...).")
    b.add_argument("--answers", required=True, help="JSONL rows with prompt and response (optional id)")
    b.add_argument("--output", required=True, help="pairs JSONL")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--copies", type=int, default=1,
                   help="damaged versions per answer and damage kind (copies after the first use a random "
                        "run of the answer's paragraphs as the base)")
    b.add_argument("--damages", default="", help="comma-separated damage kinds (default: all)")
    b.add_argument("--ties", type=int, default=0,
                   help="honest length pairs per answer (the answer against a shorter run of it), written with "
                        "\"tie\": true: training pulls their scores together (default 0)")
    b.set_defaults(func=run_build_pairs)

    t = rm_sub.add_parser("train", help="train a reward model on preference pairs",
                          description="Train AutoModelForSequenceClassification (one output) with the loss "
                                      "-log sigmoid(r_chosen - r_rejected) on TRL-format pairs, report held-out "
                                      "pair accuracy (whole answers held out) and save an HF checkpoint.")
    t.add_argument("--data", required=True, help="pairs JSONL (prompt, chosen, rejected)")
    t.add_argument("--model", required=True, help="backbone: tiny-random, embedded or an HF folder")
    t.add_argument("--output", required=True, help="output folder")
    t.add_argument("--epochs", type=int, default=2)
    t.add_argument("--lr", type=float, default=3e-4,
                   help="learning rate (default 3e-4 suits tiny-random; use ~1e-5 for a pretrained backbone)")
    t.add_argument("--batch-size", type=int, default=8, help="pairs per step")
    t.add_argument("--eval-fraction", type=float, default=0.1, help="share of answers held out (0: none)")
    t.add_argument("--max-length", type=int, default=0,
                   help="context in tokens; longer texts are scored by sliding windows (0: the model's)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device", default="cpu")
    t.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)")
    t.add_argument("--freeze-embeddings", action="store_true", help="keep the input embeddings fixed")
    t.add_argument("--pooling", default="last", choices=["last", "mean_last"],
                   help="score at the last token (default) or last token + mean of per-token scores")
    t.add_argument("--train-layers", type=int, default=0, help="train only the top N decoder layers (0: all)")
    t.set_defaults(func=run_train)

    s = rm_sub.add_parser("serve", help="HTTP scoring server (GET /health, POST /score)")
    s.add_argument("--model", required=True, help="reward model folder (from lwz rm train)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"TCP port (default {DEFAULT_PORT}: clear of lwz serve and vLLM on 8000 and of the "
                        "common alternative 8001)")
    s.add_argument("--device", default="auto", help="cpu, cuda, or auto (default: cuda when available)")
    s.add_argument("--batch-size", type=int, default=8, help="default batch size of /score")
    s.add_argument("--max-length", type=int, default=0, help="context in tokens (0: as trained)")
    s.set_defaults(func=run_serve)


def run_build_pairs(args) -> int:
    from longwriter_zero.errors import UserError
    from longwriter_zero.jsonl import write_jsonl_atomic
    from longwriter_zero.reward_model.damage import DAMAGES
    from longwriter_zero.reward_model.pairs import build_pairs_from_file

    if args.copies < 1:
        raise UserError("--copies must be >= 1")
    damages = [d.strip() for d in args.damages.split(",") if d.strip()] or list(DAMAGES)
    if args.ties < 0:
        raise UserError("--ties must be >= 0")
    rows = build_pairs_from_file(args.answers, args.seed, damages, args.copies, args.ties)
    if not rows:
        raise UserError(f"{args.answers}: no pairs could be built (no answers?)")
    write_jsonl_atomic(args.output, rows)
    counts = {d: sum(r["damage"] == d for r in rows) for d in damages + (["length_tie"] if args.ties else [])}
    print(f"wrote {len(rows)} pairs -> {args.output} ({', '.join(f'{k} {v}' for k, v in counts.items())})",
          file=sys.stderr)
    return 0


def run_train(args) -> int:
    from longwriter_zero.errors import UserError
    from longwriter_zero.models import resolve_device
    from longwriter_zero.reward_model.model import train_reward_model
    from longwriter_zero.reward_model.pairs import load_pairs

    if args.threads < 0:
        raise UserError("--threads must be >= 0")
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    pairs = load_pairs(args.data)
    report = train_reward_model(pairs, args.model, args.output, epochs=args.epochs, lr=args.lr,
                                batch_size=args.batch_size, eval_fraction=args.eval_fraction,
                                max_length=args.max_length or None, seed=args.seed,
                                device=resolve_device(args.device), freeze_embeddings=args.freeze_embeddings,
                                pooling=args.pooling, train_layers=args.train_layers)
    summary = {"output": report.output_dir, "train_pairs": report.train_pairs, "eval_pairs": report.eval_pairs,
               "eval_answers": report.eval_groups, "train_accuracy": round(report.train_accuracy, 4),
               "eval_accuracy": None if report.eval_pairs == 0 else round(report.eval_accuracy, 4),
               "eval_by_damage": {k: round(v, 4) for k, v in report.eval_by_damage.items()},
               "windowed_texts": report.windowed_texts, "seconds": round(report.seconds, 1)}
    print(json.dumps(summary))
    return 0


def run_serve(args) -> int:
    from longwriter_zero.models import resolve_device
    from longwriter_zero.reward_model.server import serve

    serve(args.model, args.host, args.port, resolve_device(args.device), args.batch_size, args.max_length or None)
    return 0
