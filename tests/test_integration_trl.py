"""TRL integration: GRPOTrainer runs our recipe on the tiny model, and the reward means it logs
equal ``lwz reward`` on the completions it generated."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

pytest.importorskip("trl")
pytest.importorskip("datasets")

from longwriter_zero.cli import main  # noqa: E402
from longwriter_zero.integrations.trl import (  # noqa: E402
    completion_text, grpo_config, grpo_config_from_train, prompt_text, reward_functions, to_trl_dataset)
from longwriter_zero.rewards.base import RewardSettings  # noqa: E402

ASSETS = Path(__file__).resolve().parents[1] / "src" / "longwriter_zero" / "assets"
TINY_PROMPTS = ASSETS / "tiny_prompts.jsonl"
L_MAX = 16          # = max_completion_length, as `lwz train` defaults L_max to the generation cap


def test_reward_functions_handle_text_and_messages_and_missing_range():
    length, fmt = reward_functions("length,format", RewardSettings(l_max=100))
    assert (length.__name__, fmt.__name__) == ("length", "format")
    good = "<think>plan</think>\n<answer>one two three four five</answer>"
    conv = [{"role": "assistant", "content": good}]
    kwargs = {"request": ["Write a note.", "Write a note."], "range": [[4, 8], None], "id": ["a", "b"],
              "lang": ["en", "en"]}
    assert length(prompts=["x", "x"], completions=[good, conv], **kwargs) == [1.0, None]
    assert fmt(prompts=["x", "x"], completions=[good, conv], **kwargs) == [1.0, 1.0]
    # no request column: the last user message of a conversational prompt is the request
    msgs = [{"role": "system", "content": "s"}, {"role": "user", "content": "Write a note."}]
    assert prompt_text(msgs) == "Write a note." and completion_text(conv) == good
    assert length(prompts=[msgs], completions=[conv], range=[[10, 20]]) == [0.5]


def test_grpo_config_has_the_paper_settings():
    cfg = grpo_config("unused", use_cpu=True)
    assert (cfg.num_generations, cfg.max_completion_length, cfg.temperature, cfg.top_p) == (32, 14000, 0.8, 1.0)
    assert (cfg.epsilon, cfg.epsilon_high, cfg.beta, cfg.loss_type) == (0.2, 0.2, 0.0, "dapo")
    assert cfg.multi_objective_aggregation == "normalize_then_sum" and cfg.reward_weights is None
    assert cfg.generation_batch_size == 8 * 32 and cfg.num_iterations == 1

    from longwriter_zero.config import load_config
    train = load_config(str(Path(__file__).resolve().parents[1] / "configs" / "tiny.yaml"), [])
    mapped = grpo_config_from_train(train, "unused", use_cpu=True)
    assert mapped.num_generations == train.rollout.group_size
    assert mapped.generation_batch_size == train.rollout.group_size * train.rollout.prompts_per_step
    assert mapped.max_completion_length == train.rollout.max_new_tokens
    assert len(mapped.reward_weights) == len(train.rewards)


def test_grpo_trainer_logs_our_reward_means(tmp_path):
    import torch
    from trl import GRPOTrainer

    from longwriter_zero.models import load_model

    torch.manual_seed(0)
    model, tok = load_model("tiny-random", seed=0)
    dataset = to_trl_dataset(TINY_PROMPTS)
    funcs = reward_functions(["length", "format"], settings=RewardSettings(l_max=L_MAX))

    calls: list[dict] = []            # what TRL handed each reward function, call by call

    def recording(fn):
        def wrapped(prompts, completions, **kwargs):
            calls.append({"name": fn.__name__, "ids": list(kwargs["id"]), "completions": list(completions)})
            return fn(prompts, completions, **kwargs)
        wrapped.__name__ = fn.__name__
        return wrapped

    args = grpo_config(str(tmp_path / "run"), num_generations=4, per_device_train_batch_size=4,
                       gradient_accumulation_steps=1, max_completion_length=L_MAX, max_steps=3,
                       logging_steps=1, learning_rate=1e-3, use_cpu=True, save_strategy="no",
                       seed=0, dataloader_num_workers=0, disable_tqdm=True)
    trainer = GRPOTrainer(model=model, reward_funcs=[recording(f) for f in funcs], args=args,
                          train_dataset=dataset, processing_class=tok)
    trainer.train()

    assert trainer.state.global_step == 3
    logged = [e for e in trainer.state.log_history if "rewards/length/mean" in e]
    assert len(logged) == 3
    by_name = {n: [c for c in calls if c["name"] == n] for n in ("length", "format")}
    assert all(len(v) == 3 for v in by_name.values())       # one generation batch per step

    # Recompute with `lwz reward` on the exact completions, request and range from the prompt file
    prompts = {r["id"]: r for r in map(json.loads, TINY_PROMPTS.read_text().splitlines())}
    rows = []
    for step, call in enumerate(by_name["length"]):
        assert len(call["completions"]) == 4 and len(set(call["ids"])) == 1     # G completions of one prompt
        for pid, completion in zip(call["ids"], call["completions"]):
            rows.append({"step": step, "prompt": prompts[pid]["prompt"], "response": completion_text(completion),
                         "range": prompts[pid]["range"]})
    assert by_name["format"][0]["completions"] == by_name["length"][0]["completions"]
    src, out = tmp_path / "completions.jsonl", tmp_path / "scored.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["reward", "--input", str(src), "--output", str(out), "--rewards", "length,format",
                 "--l-max", str(L_MAX)]) == 0
    scored = [json.loads(line) for line in out.read_text().splitlines()]

    worst = 0.0
    for name in ("length", "format"):
        for step, entry in enumerate(logged):
            ours = [r["scores"][name] for r in scored if r["step"] == step]
            diff = abs(entry[f"rewards/{name}/mean"] - sum(ours) / len(ours))
            worst = max(worst, diff)
            assert diff <= 1e-6, (name, step, entry[f"rewards/{name}/mean"], ours)
    print(f"TRL steps {trainer.state.global_step}; max |logged reward mean - lwz reward| = {worst:.3g}; "
          f"logged length means {[round(e['rewards/length/mean'], 4) for e in logged]}")
    # the comparison is not vacuous: the length reward varies across completions
    assert len({round(r["scores"]["length"], 6) for r in scored}) > 1
    assert all(math.isfinite(e["loss"]) for e in trainer.state.log_history if "loss" in e)
    # reward parts reach TRL's logs too
    assert "reward/length/answer_length" in logged[0]
