"""This project's recipe on TRL's ``GRPOTrainer`` (``pip install longwriter-zero[trl]``).

Three pieces::

    from trl import GRPOTrainer
    from longwriter_zero.integrations.trl import grpo_config, reward_functions, to_trl_dataset
    from longwriter_zero.rewards.base import RewardSettings

    trainer = GRPOTrainer(
        model="Qwen/Qwen2.5-7B",                       # or a model object
        reward_funcs=reward_functions(["length", "writing", "format"],
                                      options={"writing": {"url": "http://rm-host:8010"}},
                                      settings=RewardSettings(l_max=14000)),
        args=grpo_config("runs/trl", num_generations=32, max_completion_length=14000),
        train_dataset=to_trl_dataset("data/rl_prompts.jsonl"),
    )
    trainer.train()

- ``reward_functions``: one TRL reward function per reward of the registry. TRL calls each with
  ``prompts``, ``completions`` and the dataset's other columns as keyword lists; the function
  builds ``lwz reward`` rows (``prompt`` = the user request, ``response`` = the raw completion,
  ``range``) and scores them with ``rewards.scoring.score_batch``, the function behind
  ``lwz reward``. It returns one float per completion, ``None`` where the reward does not apply
  (the length reward on a row without a ``range``). Its ``__name__`` is the reward name, so TRL
  logs ``rewards/<name>/mean``; the reward's parts are logged as ``reward/<name>/<part>``.
- ``grpo_config``: a ``GRPOConfig`` with the paper's settings and per-reward balancing
  (``multi_objective_aggregation="normalize_then_sum"``, equal weights). ``grpo_config_from_train``
  maps a ``lwz train`` config (``config.TrainConfig``) instead.
- ``to_trl_dataset``: the RL prompt set (JSONL) as a ``datasets.Dataset`` with ``prompt`` (the
  think prompt, as chat messages or as plain text), ``request``, ``range``, ``id``, ``lang``.

The user request the rewards see is the ``request`` column when the dataset has one; otherwise
the last user message of a conversational prompt, or the plain prompt itself.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from longwriter_zero.errors import UserError
from longwriter_zero.rewards.base import Reward, RewardSettings, required_keys
from longwriter_zero.rewards.registry import build_reward
from longwriter_zero.rewards.scoring import score_batch

# The paper's GRPO settings (LongWriter-Zero, Sec. 3 / App.): G=32, 14K tokens, T=0.8, top-p 1.0,
# clip 0.2 both sides, no KL, token-level loss, one update per rollout batch.
PAPER_SETTINGS: dict[str, Any] = {
    "num_generations": 32,
    # one optimiser step per rollout batch of 8 prompts x 32 completions on one process (the batch
    # size is unreleased; 8 prompts is configs/paper.yaml's choice). On N processes divide the
    # accumulation steps by N.
    "per_device_train_batch_size": 8,
    "gradient_accumulation_steps": 32,
    "max_completion_length": 14000,
    "temperature": 0.8,
    "top_p": 1.0,
    "epsilon": 0.2,
    "epsilon_high": 0.2,
    "beta": 0.0,
    "loss_type": "dapo",                  # token-level: divide by all completion tokens of the batch
    "num_iterations": 1,
    "multi_objective_aggregation": "normalize_then_sum",   # per-reward group normalisation (Eq. 5)
    "mask_truncated_completions": False,
    "learning_rate": 1e-6,
    "max_grad_norm": 1.0,
    "weight_decay": 0.0,
    "report_to": "none",
}


# ----------------------------------------------------------------------------- text from TRL's inputs

def _content_text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):        # multimodal parts: [{"type": "text", "text": ...}, ...]
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    raise UserError(f"message content must be text, got {type(content).__name__}")


def completion_text(completion) -> str:
    """A TRL completion (plain text, or conversational ``[{"role": "assistant", "content": ...}]``)
    as the raw completion text our rewards score."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        return "".join(_content_text(m.get("content", "")) for m in completion
                       if isinstance(m, dict) and m.get("role", "assistant") == "assistant")
    raise UserError(f"completion must be a string or a list of messages, got {type(completion).__name__}")


def prompt_text(prompt) -> str:
    """A TRL prompt as text: the last user message of a conversational prompt, else the prompt."""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, list):
        users = [m for m in prompt if isinstance(m, dict) and m.get("role") == "user"]
        if not users:
            raise UserError("conversational prompt has no user message")
        return _content_text(users[-1].get("content", ""))
    raise UserError(f"prompt must be a string or a list of messages, got {type(prompt).__name__}")


# ----------------------------------------------------------------------------- reward functions

_ROW_KEYS = ("range", "id", "lang")      # dataset columns passed on to the rewards' sample rows


class TRLReward:
    """One registry reward as a TRL reward function (``fn(prompts, completions, **columns)``)."""

    def __init__(self, reward: Reward, request_column: str = "request", log_parts: bool = True):
        self.reward = reward
        self.__name__ = reward.name          # TRL names the reward by __name__
        self.request_column = request_column
        self.log_parts = log_parts
        self.required = required_keys(reward)     # rows without these get None: the reward does not apply

    def rows(self, prompts: Sequence, completions: Sequence, **kwargs) -> list[dict | None]:
        """The ``lwz reward`` rows for a TRL call (``None`` where the reward does not apply)."""
        n = len(completions)
        requests = kwargs.get(self.request_column)
        if requests is None:
            requests = [prompt_text(p) for p in prompts]
        if len(requests) != n:
            raise UserError(f"reward '{self.__name__}': {len(requests)} prompts for {n} completions")
        out: list[dict | None] = []
        for i in range(n):
            row = {"prompt": requests[i], "response": completion_text(completions[i])}
            for key in _ROW_KEYS:
                values = kwargs.get(key)
                if values is not None and values[i] is not None:
                    row[key] = list(values[i]) if key == "range" else values[i]
            out.append(None if any(k not in row for k in self.required) else row)
        return out

    def __call__(self, prompts: Sequence, completions: Sequence, **kwargs) -> list[float | None]:
        rows = self.rows(prompts, completions, **kwargs)
        live = [r for r in rows if r is not None]
        scored = iter(score_batch(live, [self.reward]) if live else [])
        scores = [next(scored) if r is not None else None for r in rows]
        log_metric = kwargs.get("log_metric")
        if self.log_parts and callable(log_metric) and live:
            parts: dict[str, list[float]] = {}
            for s in scores:
                if s is not None:
                    for k, v in s["parts"].items():
                        parts.setdefault(k, []).append(v)
            for k, values in parts.items():
                log_metric(f"reward/{k}", sum(values) / len(values))
        return [s[self.__name__] if s is not None else None for s in scores]


def _specs(rewards) -> list[tuple[str, float, dict]]:
    """Reward specs as (name, weight, options). Accepts a ``TrainConfig`` (its ``rewards``), or a
    list of names, ``{"name", "weight", "options"}`` mappings or ``config.RewardSpec`` objects."""
    if hasattr(rewards, "rewards") and hasattr(rewards, "rollout"):
        rewards = rewards.rewards
    if isinstance(rewards, str):
        rewards = [n.strip() for n in rewards.split(",") if n.strip()]
    out = []
    for i, spec in enumerate(rewards):
        if isinstance(spec, str):
            out.append((spec, 1.0, {}))
        elif isinstance(spec, dict):
            if "name" not in spec:
                raise UserError(f"reward {i + 1}: needs a 'name'")
            out.append((spec["name"], float(spec.get("weight", 1.0)), dict(spec.get("options") or {})))
        elif hasattr(spec, "name"):
            out.append((spec.name, float(getattr(spec, "weight", 1.0)), dict(getattr(spec, "options", {}) or {})))
        else:
            raise UserError(f"reward {i + 1}: expected a name, a mapping or a RewardSpec, got {spec!r}")
    if not out:
        raise UserError("no rewards given")
    names = [s[0] for s in out]
    if len(set(names)) != len(names):
        raise UserError(f"a reward is named twice: {names}")
    return out


def reward_functions(rewards, settings: RewardSettings | None = None, options: dict | None = None,
                     request_column: str = "request", log_parts: bool = True) -> list[TRLReward]:
    """TRL reward functions, one per reward, in order.

    ``rewards``: a ``TrainConfig`` (then ``settings`` default to what ``lwz train`` uses:
    ``RewardSettings.from_train_config`` on CPU), a comma-separated string or a list of names /
    ``{"name", "weight", "options"}`` / ``RewardSpec``. ``settings``: the run-wide
    ``RewardSettings`` (``l_max``, ``require_think``, ``device``; default ``RewardSettings()``).
    ``options``: per-name options added to the specs' own.
    """
    if settings is None and hasattr(rewards, "rollout"):
        settings = RewardSettings.from_train_config(rewards, "cpu")
    funcs = []
    for name, _, opts in _specs(rewards):
        merged = {**opts, **((options or {}).get(name, {}))}
        funcs.append(TRLReward(build_reward(name, merged, settings), request_column, log_parts))
    return funcs


def reward_weights(rewards) -> list[float]:
    """The specs' weights in order (``GRPOConfig.reward_weights``)."""
    return [w for _, w, _ in _specs(rewards)]


# ----------------------------------------------------------------------------- GRPOConfig

def grpo_config(output_dir: str, **overrides):
    """``trl.GRPOConfig`` with ``PAPER_SETTINGS``; keyword arguments override any field.

    Balancing: ``normalize_then_sum`` normalises each reward within its group, sums them with
    ``reward_weights`` (``None``: all 1.0, equal weights) and then re-normalises the sum over the
    batch; Eq. 5 averages the per-reward advantages and stops there (see docs/scale_out.md).
    Without a GPU (or with ``use_cpu=True``) ``bf16`` defaults to False.
    """
    from trl import GRPOConfig

    fields = set(GRPOConfig.__dataclass_fields__)
    settings = {**PAPER_SETTINGS, **overrides}
    if "multi_objective_aggregation" not in fields:     # older TRL: closest is one normalisation of the sum
        settings.pop("multi_objective_aggregation")
    if "bf16" not in settings and "fp16" not in settings:
        import torch       # TRL turns bf16 on by default; on a machine without a GPU that is an error

        if settings.get("use_cpu") or not torch.cuda.is_available():
            settings["bf16"] = False
    if "gradient_checkpointing" in settings and "activation_checkpointing" in fields:   # renamed in transformers 5
        settings["activation_checkpointing"] = settings.pop("gradient_checkpointing")
    unknown = sorted(k for k in settings if k not in fields)
    if unknown:
        raise UserError(f"GRPOConfig has no field(s) {unknown}")
    return GRPOConfig(output_dir=output_dir, **settings)


def grpo_config_from_train(cfg, output_dir: str | None = None, **overrides):
    """A ``GRPOConfig`` that mirrors a ``lwz train`` config (one process; see docs/scale_out.md).

    A step samples ``prompts_per_step`` prompts x ``group_size`` completions and makes one
    optimiser step: ``per_device_train_batch_size = group_size`` and
    ``gradient_accumulation_steps = prompts_per_step`` (on N processes, divide the latter by N).
    """
    import torch

    a, r, o = cfg.algorithm, cfg.rollout, cfg.optim
    if a.loss_agg not in ("token_mean", "seq_mean"):
        raise UserError(f"config key 'algorithm.loss_agg': {a.loss_agg!r} has no TRL counterpart")
    settings = {
        "num_generations": r.group_size,
        "per_device_train_batch_size": r.group_size,
        "gradient_accumulation_steps": r.prompts_per_step,
        "max_completion_length": r.max_new_tokens,
        "temperature": r.temperature,
        "top_p": r.top_p,
        "epsilon": a.eps_low,
        "epsilon_high": a.eps_high,
        "beta": a.beta,
        "loss_type": "dapo" if a.loss_agg == "token_mean" else "grpo",
        "num_iterations": a.ppo_epochs,
        "multi_objective_aggregation": ("normalize_then_sum" if a.advantage == "balanced"
                                        else "sum_then_normalize"),
        "reward_weights": reward_weights(cfg),
        "learning_rate": o.lr,
        "weight_decay": o.weight_decay,
        "warmup_steps": o.warmup_steps,
        "max_grad_norm": o.max_grad_norm,        # 0 disables clipping in both
        "max_steps": cfg.steps,
        "seed": cfg.seed,
        "gradient_checkpointing": cfg.model.gradient_checkpointing,
        "use_cpu": cfg.device == "cpu",
    }
    if cfg.model.dtype == "bfloat16" and torch.cuda.is_available() and cfg.device != "cpu":
        settings["bf16"] = True          # TRL: bf16 mixed precision; without a GPU grpo_config turns it off
    if cfg.save_every:
        settings.update(save_strategy="steps", save_steps=cfg.save_every, save_total_limit=cfg.keep_checkpoints)
    return grpo_config(output_dir or cfg.output_dir, **{**settings, **overrides})


# ----------------------------------------------------------------------------- advantages

TRL_STD_EPS = 1e-4       # TRL adds this to every standard deviation it divides by


def batch_renormalized(advantages):
    """[N] -> [N]: the last step of TRL's ``normalize_then_sum``, over the whole generation batch
    (all processes): minus the batch mean, divided by the batch's sample std + 1e-4."""
    import torch

    a = advantages.double()
    if a.numel() < 2:
        return torch.zeros_like(a)
    return (a - a.mean()) / (a.std() + TRL_STD_EPS)


def trl_advantages_from_eq5(advantages, group_size: int, weight_sum: float):
    """[N] Eq. 5 advantages (``balanced_advantages``) -> [N] the advantages TRL's
    ``normalize_then_sum`` gives on the same rewards, up to the 1e-4 TRL adds to each group's std.

    TRL divides each reward by its group's sample std (÷ G-1) where Eq. 5 uses the population
    std (× sqrt((G-1)/G)), sums the rewards with their weights where Eq. 5 takes the weighted
    mean (× the weights' sum), then re-normalises over the batch (``batch_renormalized``; the
    scale matters only through TRL's 1e-4 there). The residual is of order 1e-4 / (group std)."""
    import math

    return batch_renormalized(advantages.double() * weight_sum * math.sqrt((group_size - 1) / group_size))


# ----------------------------------------------------------------------------- dataset

def trl_rows(rows: Iterable[dict], template: str = "think", language: str = "auto",
             template_text: str | None = None, conversational: bool = True) -> list[dict]:
    """Prompt-set rows -> TRL rows. ``conversational``: ``prompt`` is ``[{"role": "user", ...}]``
    and TRL applies the tokenizer's chat template (``prompt.chat_template: true``); otherwise the
    plain think prompt (``prompt.chat_template: false``, the paper's base-model setting)."""
    from longwriter_zero.prompts import build_prompt, render_request

    out = []
    for row in rows:
        if conversational:
            prompt = [{"role": "user", "content": render_request(row["prompt"], template, language, template_text)}]
        else:
            prompt = build_prompt(row["prompt"], None, template, language, template_text, chat_template=False)
        out.append({"prompt": prompt, "request": row["prompt"], "range": row.get("range"),
                    "id": str(row["id"]), "lang": row["lang"]})
    return out


def to_trl_dataset(path, template: str = "think", language: str = "auto", template_text: str | None = None,
                   conversational: bool = True, require_range: bool = True):
    """The RL prompt set at ``path`` as a ``datasets.Dataset`` (see ``trl_rows``)."""
    from datasets import Dataset

    from longwriter_zero.data.dataset import load_prompt_set

    rows = load_prompt_set(path, require_range=require_range)
    return Dataset.from_list(trl_rows(rows, template, language, template_text, conversational))
