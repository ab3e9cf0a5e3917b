#!/usr/bin/env bash
# LongWriter-Zero GRPO on verl: the paper's settings (G=32, 14K tokens, clip 0.2, no KL, token-mean
# loss, T=0.8, top-p 1.0) with this project's rewards and per-reward balancing (verl's gdpo).
#
#   # on the reward-model host:
#   lwz rm serve --model runs/rm --host 0.0.0.0 --port 8001
#   # on the training node (8 GPUs, verl + vllm + longwriter-zero installed):
#   LWZ_WRITING_URL=http://rm-host:8001 LWZ_PROMPTS=data/rl_prompts.jsonl \
#   LWZ_MODEL=Qwen/Qwen2.5-32B bash recipes/verl/run_grpo.sh [key=value ...]
#
# Extra arguments are hydra overrides, e.g. trainer.n_gpus_per_node=4 actor_rollout_ref.rollout.n=16.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${LWZ_WRITING_URL:?set LWZ_WRITING_URL to the reward server (lwz rm serve), e.g. http://rm-host:8001}"
export LWZ_WRITING_URL
export LWZ_MODEL="${LWZ_MODEL:-Qwen/Qwen2.5-32B}"
export LWZ_DATA_DIR="${LWZ_DATA_DIR:-data/verl}"
export LWZ_TRAIN_FILES="${LWZ_TRAIN_FILES:-$LWZ_DATA_DIR/train.parquet}"
export LWZ_VAL_FILES="${LWZ_VAL_FILES:-$LWZ_TRAIN_FILES}"
# compute_score is loaded by file path; take it from the installed package
export LWZ_REWARD_FILE="${LWZ_REWARD_FILE:-$(python3 -c 'import longwriter_zero.integrations.verl as m; print(m.__file__)')}"

# the prompt set as verl Parquet, with the think prompt in the user message
if [[ -n "${LWZ_PROMPTS:-}" && ! -f "$LWZ_TRAIN_FILES" ]]; then
  python3 -m longwriter_zero.integrations.verl --input "$LWZ_PROMPTS" --output "$LWZ_TRAIN_FILES"
fi
# fail early when the reward server is down
python3 -c "from longwriter_zero.reward_model.server import RewardModelClient as C; print('reward server:', C('$LWZ_WRITING_URL').health())"

exec python3 -m verl.trainer.main_ppo --config-path "$here/config" --config-name lwz_grpo "$@"
