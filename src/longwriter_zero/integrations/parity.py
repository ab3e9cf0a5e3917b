"""The engines' own advantage and loss code fed identical tensors, next to this project's.

Parity of the integrations is not a matter of calling one scorer twice: the same reward matrix
and the same log-probabilities go through

- this project's ``algorithm.advantages.compute_advantages`` and ``algorithm.loss``
  (``clipped_objective`` + ``aggregate``): ``ours``;
- TRL's ``GRPOTrainer``: ``TRLEngine`` builds a real trainer on the tiny model and replaces only
  the two calls that produce the inputs of the math (``_calculate_rewards`` returns the given
  reward matrix, ``_get_per_token_logps_and_entropies`` the given log-probs), so the advantage
  code inside ``_generate_and_score_completions`` and the loss code of ``_compute_loss`` run as
  they do in training;
- verl's ``core_algos`` functions (``benchmarks/verl_engine_parity.py``, in the environment where
  verl is installed aside).

Shapes: N = prompts x G completions, ordered prompt by prompt; K rewards; T response tokens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from longwriter_zero.algorithm.advantages import compute_advantages
from longwriter_zero.algorithm.loss import aggregate, batch_normalizer, clipped_objective

# our loss aggregation -> (TRL loss_type, verl loss_agg_mode)
LOSS_MODES = {"token_mean": ("dapo", "token-mean"), "seq_mean": ("grpo", "seq-mean-token-mean")}
# our advantage mode -> TRL multi_objective_aggregation
ADVANTAGE_MODES = {"balanced": "normalize_then_sum", "sum_then_normalize": "sum_then_normalize"}


@dataclass
class ParityBatch:
    rewards: torch.Tensor        # [N, K] one column per reward
    logp: torch.Tensor           # [N, T] current policy's log-probs of the sampled tokens
    old_logp: torch.Tensor       # [N, T] the sampling policy's
    mask: torch.Tensor           # [N, T] 1 on response tokens (lengths 1..T)
    group_size: int

    @property
    def lengths(self) -> list[int]:
        return [int(x) for x in self.mask.sum(1).tolist()]


def parity_batch(seed: int = 0, prompts: int = 4, group_size: int = 8, rewards: int = 3, max_len: int = 12,
                 log_ratio: float = 0.25, max_log_ratio: float = 0.9) -> ParityBatch:
    """A random batch: rewards in [0, 1] of different spreads per reward, one group flat for
    reward 0 and one for reward 1; response lengths 1..max_len; ``old_logp = logp + noise`` with
    noise ~ N(0, log_ratio) clamped to ``±max_log_ratio`` (0.9 keeps every ratio below verl's
    dual-clip bound 3; a larger bound lets it act)."""
    g = torch.Generator().manual_seed(seed)
    n = prompts * group_size
    scale = torch.tensor([1.0, 0.3, 0.05])[:rewards] if rewards <= 3 else torch.ones(rewards)
    r = torch.rand(n, rewards, generator=g) * scale
    r[:group_size, 0] = 0.5                                  # a flat group
    if rewards > 1:
        r[group_size:2 * group_size, 1] = 0.25
    lengths = torch.randint(1, max_len + 1, (n,), generator=g)
    mask = (torch.arange(max_len)[None, :] < lengths[:, None]).float()
    logp = -torch.rand(n, max_len, generator=g) * 3 - 0.05
    noise = (torch.randn(n, max_len, generator=g) * log_ratio).clamp(-max_log_ratio, max_log_ratio)
    return ParityBatch(r, logp, logp + noise, mask, group_size)


def ours(batch: ParityBatch, advantage: str = "balanced", loss_agg: str = "token_mean",
         eps_low: float = 0.2, eps_high: float = 0.2, advantages: torch.Tensor | None = None):
    """(advantages [N], loss, d loss / d logp [N, T]) with this project's code. ``advantages``
    given: the loss on those instead of ours."""
    k = batch.rewards.shape[1]
    adv = compute_advantages(advantage, batch.rewards.T, torch.ones(k), batch.group_size)
    logp = batch.logp.clone().requires_grad_(True)
    per_token, _ = clipped_objective(logp, batch.old_logp, adv if advantages is None else advantages,
                                     eps_low, eps_high)
    loss = aggregate(per_token, batch.mask, loss_agg, batch_normalizer(loss_agg, batch.lengths))
    (grad,) = torch.autograd.grad(loss, logp)
    return adv, loss.detach(), grad


def sample_to_population_std(group_size: int) -> float:
    """Factor that turns an advantage divided by a group's sample std (÷ G-1, TRL and verl) into
    one divided by its population std (÷ G, this project)."""
    return math.sqrt(group_size / (group_size - 1))


class TRLEngine:
    """TRL's ``GRPOTrainer`` on the tiny model, fed given rewards and log-probs.

    Only the producers of the math's inputs are replaced; the advantage code (in
    ``_generate_and_score_completions``, which also generates a few tokens per completion with the
    tiny model, unused) and the loss code (``_compute_loss``) are TRL's."""

    def __init__(self, workdir: str, group_size: int, completions: int, rewards: int,
                 eps_low: float = 0.2, eps_high: float = 0.2):
        from datasets import Dataset
        from trl import GRPOTrainer

        from longwriter_zero.integrations.trl import grpo_config
        from longwriter_zero.models import load_model

        def never_called(name):
            def fn(prompts, completions, **kwargs):
                raise AssertionError("rewards come from the given matrix")
            fn.__name__ = name
            return fn

        model, tok = load_model("tiny-random", seed=0)
        args = grpo_config(workdir, num_generations=group_size, per_device_train_batch_size=completions,
                           gradient_accumulation_steps=1, max_completion_length=2, epsilon=eps_low,
                           epsilon_high=eps_high, use_cpu=True, save_strategy="no", report_to="none",
                           disable_tqdm=True, seed=0)
        self.trainer = GRPOTrainer(model=model, reward_funcs=[never_called(f"r{i}") for i in range(rewards)],
                                   args=args, train_dataset=Dataset.from_list([{"prompt": "Write."}]),
                                   processing_class=tok)
        self.group_size = group_size
        self.completions = completions

    def advantages(self, rewards: torch.Tensor, aggregation: str = "normalize_then_sum",
                   scale_rewards: str = "group") -> torch.Tensor:
        """rewards: [N, K] -> TRL's advantages [N] for ``multi_objective_aggregation``."""
        t = self.trainer
        if rewards.shape[0] != self.completions:
            raise ValueError(f"{rewards.shape[0]} rows for a batch of {self.completions}")
        t.multi_objective_aggregation, t.scale_rewards = aggregation, scale_rewards
        t._calculate_rewards = lambda *args, **kwargs: rewards.clone().float()
        inputs = [{"prompt": f"Write note {i // self.group_size}."} for i in range(self.completions)]
        with torch.no_grad():
            out = t._generate_and_score_completions(inputs)
        return out["advantages"].detach()

    def loss(self, logp: torch.Tensor, old_logp: torch.Tensor, advantages: torch.Tensor,
             mask: torch.Tensor, loss_type: str = "dapo"):
        """(loss, d loss / d logp) from TRL's ``_compute_loss`` for one optimiser step's batch."""
        t = self.trainer
        t.loss_type = loss_type
        leaf = logp.clone().requires_grad_(True)
        t._get_per_token_logps_and_entropies = lambda *args, **kwargs: (leaf, torch.zeros_like(leaf), None)
        t.current_gradient_accumulation_steps = 1
        t.model.train()
        n, width = mask.shape
        inputs = {"prompt_ids": torch.zeros(n, 1, dtype=torch.long), "prompt_mask": torch.ones(n, 1, dtype=torch.long),
                  "completion_ids": torch.zeros(n, width, dtype=torch.long), "completion_mask": mask,
                  "advantages": advantages.float(), "num_items_in_batch": mask.sum(),
                  "old_per_token_logps": old_logp}
        loss = t._compute_loss(t.model, inputs)
        (grad,) = torch.autograd.grad(loss, leaf)
        return loss.detach(), grad


def max_abs(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.double() - b.double()).abs().max())
