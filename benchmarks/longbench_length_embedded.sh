#!/usr/bin/env bash
# LongBench-Write length score of the embedded model (SmolLM2-135M-Instruct, no training) on
# the 60 English prompts, think template, 512 new tokens at most, batches of 8.
# Resumable: rerunning continues the answer file. Takes ~10-20 minutes on 2 CPU cores.
#   bash benchmarks/longbench_length_embedded.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
LWZ="${LWZ:-.venv/bin/lwz}"
OUT="${1:-runs/longbench_length_embedded}"
PROMPTS="${PROMPTS:-../shared/data/longbench_write_en.jsonl}"
mkdir -p "$OUT" docs/figures
"$LWZ" generate --model embedded --input "$PROMPTS" --output "$OUT/answers.jsonl" \
  --template think --max-new-tokens 512 --batch-size 8 --temperature 0.6 --top-p 0.95 --seed 0 --threads 1
"$LWZ" eval length --input "$OUT/answers.jsonl" --output "$OUT" --plot docs/figures/longbench_length_embedded.png
"$LWZ" eval length --input "$OUT/answers.jsonl" --json | tee "$OUT/score.json"
