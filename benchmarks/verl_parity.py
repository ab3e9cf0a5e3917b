"""Parity of the engine integrations with ``lwz reward`` on completions of the embedded model.

1. ``lwz generate`` answers every prompt of ``assets/demo_prompts.jsonl`` with the embedded model,
   once per seed (default 3 seeds x 24 prompts = 72 completions, 128 new tokens each). Outputs are
   kept under ``--workdir`` and reused on a second run (generation is resumable).
2. ``lwz reward --rewards length,format`` scores them (as a subprocess, the path users run).
3. The same completions go through ``integrations.verl.compute_score`` (one call per row, as verl
   calls it, with ``ground_truth`` / ``extra_info`` read back from an ``export_verl`` Parquet file)
   and through ``integrations.trl.reward_functions`` (one batched call, as TRL calls it, on a
   dataset built by ``to_trl_dataset``).

Prints the number of completions compared and the largest absolute difference per reward.
All three call ``rewards.scoring.score_batch``, so equality is expected: this checks the plumbing
(columns, ``ground_truth``, ``extra_info``, batching), not the engines. The engines' own advantage
and loss code is compared in ``benchmarks/verl_engine_parity.py``.

    .venv/bin/python benchmarks/verl_parity.py [--workdir runs/verl_parity] [--seeds 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROMPTS = ROOT / "src" / "longwriter_zero" / "assets" / "demo_prompts.jsonl"
LWZ = [sys.executable, "-m", "longwriter_zero.cli"]
REWARDS = ("length", "format")


def run(cmd: list[str]) -> None:
    print("$", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir", default="runs/verl_parity")
    ap.add_argument("--seeds", type=int, default=3, help="one generation pass over the prompts per seed")
    ap.add_argument("--max-new-tokens", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--l-max", type=int, default=14000)
    args = ap.parse_args()

    import pyarrow.parquet as pq

    from longwriter_zero.data.dataset import export_verl, load_prompt_set
    from longwriter_zero.integrations.trl import reward_functions, to_trl_dataset
    from longwriter_zero.integrations.verl import compute_score
    from longwriter_zero.rewards.base import RewardSettings

    work = (ROOT / args.workdir).resolve()
    work.mkdir(parents=True, exist_ok=True)

    # 1. completions (resumable: an existing output file is extended, not redone)
    t0 = time.time()
    for seed in range(args.seeds):
        run([*LWZ, "generate", "--model", "embedded", "--input", PROMPTS, "--output", work / f"gen_seed{seed}.jsonl",
             "--template", "think", "--max-new-tokens", args.max_new_tokens, "--temperature", "0.8",
             "--top-p", "1.0", "--seed", seed, "--threads", args.threads, "--batch-size", "8"])
    print(f"generation: {time.time() - t0:.1f} s", flush=True)

    prompts = {r["id"]: r for r in load_prompt_set(PROMPTS, require_range=True)}
    rows = []
    for seed in range(args.seeds):
        with open(work / f"gen_seed{seed}.jsonl", encoding="utf-8") as f:
            for line in f:
                g = json.loads(line)
                p = prompts[g["id"]]
                # lwz reward's input: the request, the raw completion (think block included), the range
                rows.append({"id": f"{g['id']}/s{seed}", "prompt_id": g["id"], "prompt": p["prompt"],
                             "response": g["output"], "range": p["range"]})
    # The embedded model rarely follows the think/answer structure at this size, so its raw
    # completions all score format 0. Each completion is also scored wrapped in the structure
    # (think = its first sentence, answer = the completion), where the format reward varies
    # with the repetition measure.
    for r in list(rows):
        plan = r["response"].strip().split(".")[0][:200]
        rows.append({**r, "id": r["id"] + "/wrapped",
                     "response": f"<think>{plan}</think>\n<answer>{r['response'].strip()}</answer>"})
    scored_in = work / "reward_in.jsonl"
    scored_out = work / "reward_out.jsonl"
    with open(scored_in, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

    # 2. lwz reward (subprocess)
    run([*LWZ, "reward", "--input", scored_in, "--output", scored_out, "--rewards", ",".join(REWARDS),
         "--l-max", args.l_max])
    with open(scored_out, encoding="utf-8") as f:
        reference = [json.loads(line)["scores"] for line in f]
    assert len(reference) == len(rows)

    # 3a. verl: compute_score per row, ground_truth / extra_info from the exported Parquet file
    parquet = export_verl(list(prompts.values()), work / "verl" / "train.parquet")
    table = {r["extra_info"]["id"]: r for r in pq.read_table(parquet).to_pylist()}
    verl_scores = []
    for r in rows:
        vr = table[r["prompt_id"]]
        verl_scores.append(compute_score(vr["data_source"], r["response"], vr["reward_model"]["ground_truth"],
                                         vr["extra_info"], l_max=args.l_max))

    # 3b. TRL: one batched call per reward function, kwargs = the dataset's columns
    ds = {r["id"]: r for r in to_trl_dataset(PROMPTS)}
    funcs = reward_functions(list(REWARDS), settings=RewardSettings(l_max=args.l_max))
    cols = {k: [ds[r["prompt_id"]][k] for r in rows] for k in ("range", "id", "lang", "request")}
    trl_prompts = [ds[r["prompt_id"]]["prompt"] for r in rows]
    trl_scores = {f.__name__: f(prompts=trl_prompts, completions=[r["response"] for r in rows], **cols) for f in funcs}

    n = len(rows)
    print(f"\ncompletions compared: {n} = {n // 2} embedded-model completions ({len(prompts)} prompts x "
          f"{args.seeds} seeds, {args.max_new_tokens} new tokens) + the same {n // 2} wrapped in think/answer tags")
    print(f"{'reward':8} {'mean (lwz reward)':>18} {'max|verl-lwz|':>14} {'max|trl-lwz|':>13}")
    worst = 0.0
    for name in REWARDS:
        ref = [s[name] for s in reference]
        dv = max(abs(v[name] - x) for v, x in zip(verl_scores, ref))
        dt = max(abs(t - x) for t, x in zip(trl_scores[name], ref))
        worst = max(worst, dv, dt)
        print(f"{name:8} {sum(ref) / n:18.6f} {dv:14.3g} {dt:13.3g}")
    ds_score = max(abs(v["score"] - sum(v[k] for k in REWARDS) / len(REWARDS)) for v in verl_scores)
    print(f"verl 'score' vs mean of the rewards: max diff {ds_score:.3g}")
    raw, wrapped = reference[: n // 2], reference[n // 2:]
    for label, part in (("raw", raw), ("wrapped", wrapped)):
        print(f"{label:8} distinct values: length {len({round(s['length'], 6) for s in part})}, "
              f"format {len({round(s['format'], 6) for s in part})} (mean format {sum(s['format'] for s in part) / len(part):.4f})")
    print(f"max |diff| over all rewards and both engines: {worst:.3g}")
    return 0 if worst <= 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
