"""Rejection-sampled warm-start rows: the embedded model's own answers, kept for their length.

The honest warm-start rows (``assets/warmstart_samples.jsonl``, ``make_warmstart_samples.py``) are
prefixes of longer texts cut at a sentence end, so where a piece stops says nothing about its
request: after SFT on them the policy closes most long answers after a sentence or two. This
script keeps the request of every English row and replaces its response by the untrained model's
own answer (rejection sampling, as in rejection-sampling fine-tuning / expert iteration):

- the embedded model answers the plain request (its chat template, no think instruction) ``--k``
  times (temperature 0.8, seeded, at most ``--max-new-tokens``);
- an answer qualifies when it ended by itself (not at the cap), holds no think/answer tag, fits
  ``--max-answer-tokens`` and has a repetition score (``rewards.repetition``) above 0.9;
- the qualifying answer with the best LongBench-Write length score S_l against the row's stated
  length replaces the response when that score is at least ``--min-score``; the think plan is
  rewritten for its paragraph count. Otherwise the honest prefix stays.

Chinese rows keep their honest prefixes: the embedded model's Chinese is not readable. The rows
are written to ``assets/warmstart_self.jsonl`` with ``source`` ``self`` (sampled) or the honest
row's source. The evaluation prompts (``assets/eval_prompts*.jsonl``) are never sampled. About 10
minutes on 2 CPU cores for the 96 English rows x 4 answers.

    python benchmarks/make_selfdistill_samples.py [--k 4] [--seed 0] [--out PATH]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_warmstart_samples import plan  # noqa: E402

from longwriter_zero.evaluation.length_score import length_score  # noqa: E402
from longwriter_zero.jsonl import read_jsonl, write_jsonl_atomic  # noqa: E402
from longwriter_zero.rewards.repetition import repetition_metrics  # noqa: E402
from longwriter_zero.text.counting import count_length  # noqa: E402

ASSETS = ROOT / "src/longwriter_zero/assets"


def sample_answers(requests: list[str], k: int, max_new_tokens: int, seed: int, batch_size: int = 92) -> list[list[dict]]:
    """``k`` answers per request from the embedded model: [{text, finished, tokens}] per request."""
    import torch
    from tqdm import tqdm

    from longwriter_zero.evaluation.generation import LocalGenerator
    from longwriter_zero.models import load_model

    torch.set_num_threads(2)
    model, tok = load_model("embedded")
    model.eval()
    generate = LocalGenerator(model, tok, template="none", max_new_tokens=max_new_tokens, temperature=0.8,
                              top_p=1.0, top_k=0)
    flat = [r for r in requests for _ in range(k)]
    out = []
    torch.manual_seed(seed)
    with tqdm(total=len(flat), desc="sample", unit="answer") as bar:
        for i in range(0, len(flat), batch_size):
            for c in generate(flat[i:i + batch_size]):
                text = c.output.strip()
                out.append({"text": text, "finished": c.finish_reason == "stop",
                            "tokens": len(tok(text, add_special_tokens=False).input_ids)})
            bar.update(len(flat[i:i + batch_size]))
    return [out[j * k:(j + 1) * k] for j in range(len(requests))]


def choose(row: dict, answers: list[dict], min_score: float, max_answer_tokens: int) -> dict | None:
    """The qualifying answer with the best S_l against ``row['length']``, or None."""
    best, best_score = None, min_score
    for a in answers:
        text = re.sub(r"\n{3,}", "\n\n", a["text"])
        if (not a["finished"] or not text or "<" in text or a["tokens"] > max_answer_tokens
                or repetition_metrics(text)["score"] <= 0.9):
            continue
        score = length_score(row["length"], count_length(text))
        if score >= best_score:
            best, best_score = text, score
    return None if best is None else {**row, "think": plan(row["length"], best.count("\n\n") + 1, False),
                                      "response": best, "source": "self"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", default=str(ASSETS / "warmstart_samples.jsonl"), help="honest warm-start rows")
    ap.add_argument("--out", default=str(ASSETS / "warmstart_self.jsonl"))
    ap.add_argument("--k", type=int, default=4, help="answers sampled per English request")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-new-tokens", type=int, default=200)
    ap.add_argument("--max-answer-tokens", type=int, default=200)
    ap.add_argument("--min-score", type=float, default=80.0, help="least S_l of a kept answer")
    args = ap.parse_args()
    rows = read_jsonl(args.rows)
    english = [r for r in rows if r["lang"] == "en"]
    answers = dict(zip((r["id"] for r in english),
                       sample_answers([r["prompt"] for r in english], args.k, args.max_new_tokens, args.seed)))
    out = [choose(r, answers[r["id"]], args.min_score, args.max_answer_tokens) or r if r["lang"] == "en" else r
           for r in rows]
    write_jsonl_atomic(args.out, out)
    kept = sum(r["source"] == "self" for r in out)
    print(f"{args.out}: {len(out)} rows, {kept} of {len(english)} English responses sampled from the embedded model")


if __name__ == "__main__":
    main()
