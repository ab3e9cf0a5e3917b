"""One rank of the two-process TRL run that ``tests/test_integration_trl_multiprocess.py`` starts
with ``accelerate launch --num_processes 2`` (CPU, gloo).

Each rank trains TRL's ``GRPOTrainer`` on the tiny model with this project's rewards and
``multi_objective_aggregation="normalize_then_sum"``, and records, at every generation batch,
what TRL's own code produced: the reward matrix ``_calculate_rewards`` gathered over both
processes, the advantages of this rank's slice (the ``advantages`` entry of the batch that
``_generate_and_score_completions`` returns) and the whole-batch advantages TRL logs. Three runs:

- ``full``: 2 steps without a break (the reference for the resume);
- ``first``: the same run, stopped after step 1 (as if killed), with a checkpoint at step 1;
- ``resumed``: a trainer on a differently initialised model (seed 1), ``resume_from_checkpoint``
  = the checkpoint of ``first``, trains step 2.

A weight fingerprint is recorded when each trainer is built, when training begins (after
TRL/transformers loaded the checkpoint) and when it ends.

Writes ``<out>/rank<R>.json``.

    accelerate launch --cpu --num_processes 2 tests/trl_two_process_run.py OUT RM_FOLDER PROMPTS
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
G = 4                 # completions per prompt
PER_RANK = 6          # completions per process: 3 prompts x 4 per step, one group split across the ranks
L_MAX = 16            # new tokens, and the length reward's L_max
STEPS = 2


def fingerprint(model) -> float:
    """A weight checksum that differs between the two initialisations and after any update."""
    with torch.no_grad():
        return float(sum((p.double() * (i + 1)).sum() for i, p in enumerate(model.parameters())))


def main(out: Path, rm_folder: str, prompts: str) -> None:
    from transformers import TrainerCallback
    from trl import GRPOTrainer

    from longwriter_zero.integrations.trl import grpo_config, reward_functions, to_trl_dataset
    from longwriter_zero.models import load_model
    from longwriter_zero.rewards.base import RewardSettings

    torch.set_num_threads(1)
    records: dict[str, list] = {"full": [], "first": [], "resumed": []}
    built: dict[str, float] = {}
    begin: dict[str, float] = {}
    end: dict[str, float] = {}

    class Recording(GRPOTrainer):
        run_name = ""

        def _calculate_rewards(self, *args, **kwargs):
            rewards = super()._calculate_rewards(*args, **kwargs)     # [B*G, K], gathered over processes
            self._gathered_rewards = rewards.detach().cpu().clone()
            return rewards

        def _generate_and_score_completions(self, inputs):
            output = super()._generate_and_score_completions(inputs)
            n = len(self._gathered_rewards)
            records[self.run_name].append({
                "step": self.state.global_step,
                "ids": [x["id"] for x in inputs],                                    # this rank's prompts
                "rewards": self._gathered_rewards.tolist(),
                "advantages": output["advantages"].detach().cpu().tolist(),          # this rank's slice
                "logged_advantages": list(self._logs["advantages"])[-n:],        # whole batch, as TRL logs it
                "completion_ids": output["completion_ids"].detach().cpu().tolist(),
            })
            return output

    class Fingerprint(TrainerCallback):
        def __init__(self, name):
            self.name = name

        def on_train_begin(self, args, state, control, model=None, **kwargs):
            begin[self.name] = fingerprint(model)

        def on_train_end(self, args, state, control, model=None, **kwargs):
            end[self.name] = fingerprint(model)

    class StopAfter(TrainerCallback):
        """Ends training after ``step`` optimiser steps, as a killed run would (after its checkpoint)."""

        def __init__(self, step):
            self.step = step

        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step >= self.step:
                control.should_training_stop = True

    dataset = to_trl_dataset(prompts)
    funcs = reward_functions(["length", "writing", "format"], settings=RewardSettings(l_max=L_MAX),
                             options={"writing": {"model": rm_folder}})

    def run(name: str, seed: int, resume: str | None = None, stop_after: int | None = None):
        model, tok = load_model("tiny-random", seed=seed)
        built[name] = fingerprint(model)
        args = grpo_config(str(out / name), num_generations=G, per_device_train_batch_size=PER_RANK,
                           gradient_accumulation_steps=1, max_completion_length=L_MAX, max_steps=STEPS,
                           logging_steps=1, learning_rate=1e-3, use_cpu=True, seed=0,
                           save_strategy="steps" if stop_after else "no", save_steps=1,
                           dataloader_num_workers=0, disable_tqdm=True)
        callbacks = [Fingerprint(name)] + ([StopAfter(stop_after)] if stop_after else [])
        trainer = Recording(model=model, reward_funcs=funcs, args=args, train_dataset=dataset,
                            processing_class=tok, callbacks=callbacks)
        trainer.run_name = name
        trainer.train(resume_from_checkpoint=resume)
        return trainer

    full = run("full", seed=0)
    first = run("first", seed=0, stop_after=1)
    resumed = run("resumed", seed=1, resume=str(out / "first" / "checkpoint-1"))

    rank = full.accelerator.process_index
    result = {"rank": rank, "num_processes": full.accelerator.num_processes,
              "backend": str(full.accelerator.state.backend), "records": records,
              "built": built, "begin": begin, "end": end,
              "global_step": {"full": full.state.global_step, "first": first.state.global_step,
                              "resumed": resumed.state.global_step},
              "log_history": {"full": full.state.log_history, "resumed": resumed.state.log_history},
              "aggregation": full.multi_objective_aggregation}
    (out / f"rank{rank}.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3])
