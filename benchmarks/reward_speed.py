"""Reward speed: length + format reward time per answer (1K and 10K words; format includes the
repetition, padding and keyword-stuffing measures), and reward-model
scoring throughput (answers/s) for the tiny-random and embedded backbones.

Answers are built from the bundled honest texts (``assets/honest_answers.jsonl``, then
``assets/longform_corpus``) up to the target length; "padded" variants carry 35% paraphrased
copies (the repetition detector's busiest case). Every per-answer cache (tokens, token classes, content terms) is cleared before each
call, so every call does the full work. Reported: median wall-clock and CPU (process) time.

    python benchmarks/reward_speed.py [--repeats 20] [--rm-answers 16] [--skip-embedded] [--skip-rm]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from importlib import resources
from pathlib import Path

from longwriter_zero.jsonl import read_jsonl
from longwriter_zero.reward_model.damage import paraphrase_pad
from longwriter_zero.rewards.base import RewardSettings
from longwriter_zero.rewards.format import FormatReward
from longwriter_zero.rewards.length import LengthReward
from longwriter_zero.text.counting import count_length
from longwriter_zero.text.units import clear_caches

ASSETS = Path(str(resources.files("longwriter_zero") / "assets"))


def honest_pieces() -> list[str]:
    pieces = [r["response"] for r in read_jsonl(ASSETS / "honest_answers.jsonl")]
    pieces += [p.read_text() for p in sorted((ASSETS / "longform_corpus").glob("*")) if p.is_file()]
    return pieces


def answer_of(words: int, padded: bool = False) -> str:
    """An answer of about ``words`` length units from the bundled texts."""
    target = int(words * 0.65) if padded else words
    out, n = [], 0
    for piece in honest_pieces():
        if n >= target:
            break
        out.append(piece)
        n += count_length(piece)
    text = "\n\n".join(out)
    return paraphrase_pad(text, random.Random(0), share=0.35) if padded else text


def time_rewards(answer: str, repeats: int) -> dict:
    length, fmt = LengthReward(RewardSettings(l_max=20000)), FormatReward()
    completion = f"<think>Plan the piece.</think>\n<answer>\n{answer}\n</answer>"
    sample = {"range": [800, 1200]}
    walls, cpus = [], []
    for _ in range(repeats):
        clear_caches()
        w0, c0 = time.perf_counter(), time.process_time()
        length(["Write."], [completion], [sample])
        out = fmt(["Write."], [completion], [sample])
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return {"length_units": count_length(answer), "format": round(out.scores[0], 3),
            "wall_ms_median": round(1000 * statistics.median(walls), 2),
            "cpu_ms_median": round(1000 * statistics.median(cpus), 2)}


def rm_throughput(backbone: str, n_answers: int, max_length: int, batch_size: int) -> dict:
    import torch

    from longwriter_zero.reward_model.model import RewardModel, build_classifier

    model, tok = build_classifier(backbone)
    model.eval()
    rm = RewardModel(model, tok, max_length=max_length)
    answers = [answer_of(1000)] * n_answers
    rm.score(["Write."], [answers[0][:2000]])                 # warm-up
    w0 = time.perf_counter()
    with torch.no_grad():
        result = rm.score(["Write an essay."] * n_answers, answers, batch_size=batch_size)
    wall = time.perf_counter() - w0
    return {"backbone": backbone, "answers": n_answers, "answer_length_units": count_length(answers[0]),
            "max_length": max_length, "windows_per_answer": result.windows[0], "batch_size": batch_size,
            "seconds": round(wall, 2), "answers_per_s": round(n_answers / wall, 3),
            "torch_threads": torch.get_num_threads()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--rm-answers", type=int, default=16, help="answers scored per backbone (embedded: a quarter)")
    ap.add_argument("--skip-embedded", action="store_true")
    ap.add_argument("--skip-rm", action="store_true", help="time only length + format (+ stuffing)")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    args = ap.parse_args()
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    for words in (1000, 10000):
        for padded in (False, True):
            r = time_rewards(answer_of(words, padded), args.repeats)
            print(json.dumps({"bench": "length+format", "target_words": words, "padded": padded, **r}))
    if args.skip_rm:
        return
    print(json.dumps({"bench": "rm_scoring", **rm_throughput("tiny-random", args.rm_answers, 2048, 8)}))
    if not args.skip_embedded:
        print(json.dumps({"bench": "rm_scoring", **rm_throughput("embedded", max(1, args.rm_answers // 4), 2048, 4)}))


if __name__ == "__main__":
    main()
