"""This project's rewards and data for verl (``recipes/verl/``; see docs/scale_out.md).

``compute_score`` is verl's custom reward function (``reward.custom_reward_function.path`` =
this file, ``name`` = ``compute_score``). verl calls it once per response with the row's
``data_source``, the decoded response, ``reward_model.ground_truth`` and ``extra_info``, as
written by ``data.dataset.export_verl``: ``ground_truth`` is the range ``"[lower, upper]"``,
``extra_info["request"]`` the user request. It returns::

    {"score": <weighted mean of the rewards>, "length": ..., "format": ..., ["writing": ...]}

one key per reward, so verl's ``gdpo`` advantage estimator (``algorithm.gdpo_reward_keys``)
normalises each reward within its group before adding them up, the balancing of Eq. 5.
``score`` is the weighted mean (equal weights: the plain mean); verl logs it and the
non-GDPO estimators train on it (GRPO on ``score`` is the ``sum_then_normalize`` ablation).

Scores come from ``rewards.scoring.score_batch``, the function behind ``lwz reward``.
Options arrive as keyword arguments (verl passes ``reward.custom_reward_function.reward_kwargs``):
``rewards`` (names, default ``length,format`` plus ``writing`` when a writing-RM URL is set),
``writing_url`` (else the environment variable ``LWZ_WRITING_URL``; ``lwz rm serve`` on another
host), ``l_max`` and ``template`` (``think`` | ``nothink``), the run-wide ``RewardSettings``
(default: its defaults, L_max 14000, think), ``weights`` (name -> weight for ``score``),
``stuffing_penalty`` (default true: the format reward includes the keyword-stuffing factor).

``export_verl_prompts`` writes the prompt set as verl Parquet with the think prompt already in
the chat message (verl applies only the tokenizer's chat template); it is
``data.dataset.export_verl``, the function behind ``lwz data export-verl``, and also runs as
``python -m longwriter_zero.integrations.verl --input rl_prompts.jsonl --output data/verl``.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any, Sequence

from longwriter_zero.errors import UserError
from longwriter_zero.rewards.base import Reward, RewardSettings

ENV_WRITING_URL = "LWZ_WRITING_URL"


def _names(rewards, writing_url: str) -> tuple[str, ...]:
    if rewards is None:
        return ("length", "format", "writing") if writing_url else ("length", "format")
    if isinstance(rewards, str):
        rewards = [n.strip() for n in rewards.split(",") if n.strip()]
    names = tuple(str(n) for n in rewards)
    if not names or len(set(names)) != len(names):
        raise UserError(f"compute_score: rewards must be distinct names, got {list(names)}")
    return names


def settings_from_kwargs(l_max: int = RewardSettings.l_max, template: str = "think") -> RewardSettings:
    """The run-wide reward settings of ``compute_score``'s ``l_max`` and ``template``."""
    if template not in ("think", "nothink"):
        raise UserError(f"compute_score: template must be 'think' or 'nothink', got {template!r}")
    return RewardSettings(l_max=int(l_max), require_think=template == "think")


@functools.lru_cache(maxsize=8)
def compute_score_rewards(names: tuple[str, ...], writing_url: str, settings: RewardSettings,
                          stuffing_penalty: bool = True) -> tuple[Reward, ...]:
    """Rewards are built once per process and option set (verl calls compute_score per response)."""
    from longwriter_zero.rewards.registry import build_reward

    if "writing" in names and not writing_url:
        raise UserError(f"compute_score: reward 'writing' needs writing_url or ${ENV_WRITING_URL}")
    options = {"writing": {"url": writing_url}, "format": {"stuffing_penalty": bool(stuffing_penalty)}}
    return tuple(build_reward(n, options.get(n, {}), settings) for n in names)


def _plain(value: Any) -> Any:
    """numpy scalars/arrays (what verl's dataloader hands over) as plain Python values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def compute_score(data_source: str, solution_str: str, ground_truth, extra_info: dict | None = None, *,
                  rewards=None, writing_url: str | None = None, l_max: int = RewardSettings.l_max,
                  template: str = "think", weights: dict | None = None, stuffing_penalty: bool = True,
                  **_: Any) -> dict:
    """Score one verl response; see the module docstring. Extra keyword arguments verl adds
    (``reward_router_address``, ...) are ignored."""
    from longwriter_zero.data.dataset import range_from_ground_truth
    from longwriter_zero.rewards.scoring import score_batch

    url = writing_url if writing_url is not None else os.environ.get(ENV_WRITING_URL, "")
    names = _names(rewards, url)
    built = compute_score_rewards(names, url, settings_from_kwargs(l_max, template), bool(stuffing_penalty))
    info = dict(extra_info or {})
    lo, hi = range_from_ground_truth(_plain(ground_truth))
    request = info.get("request")
    if not isinstance(request, str):
        if "writing" in names:
            raise UserError("compute_score: extra_info has no 'request' (the writing reward needs the request)")
        request = ""
    row = {"prompt": request, "response": solution_str, "range": [lo, hi]}
    for key in ("id", "lang"):
        if info.get(key) is not None:
            row[key] = _plain(info[key])
    scores = score_batch([row], list(built))[0]
    w = {n: float((weights or {}).get(n, 1.0)) for n in names}
    if sum(w.values()) <= 0:
        raise UserError(f"compute_score: weights must have a positive sum, got {w}")
    out = {"score": sum(w[n] * scores[n] for n in names) / sum(w.values())}
    out.update({n: scores[n] for n in names})
    return out


# ----------------------------------------------------------------------------- data

def verl_prompt_rows(rows: Sequence[dict], template: str = "think", language: str = "auto",
                     template_text: str | None = None, data_source: str | None = None) -> list[dict]:
    """``data.dataset.verl_rows`` (the think prompt in the user message by default)."""
    from longwriter_zero.data.dataset import DATA_SOURCE, verl_rows

    return verl_rows(rows, data_source or DATA_SOURCE, template, language, template_text)


def export_verl_prompts(rows: Sequence[dict], output, template: str = "think", language: str = "auto",
                        template_text: str | None = None, data_source: str | None = None) -> Path:
    """``data.dataset.export_verl`` (what ``lwz data export-verl`` writes)."""
    from longwriter_zero.data.dataset import DATA_SOURCE, export_verl

    return export_verl(rows, output, data_source or DATA_SOURCE, template, language, template_text)


def gdpo_advantages_from_eq5(advantages, mask, group_size: int, weight_sum: float):
    """[N] Eq. 5 advantages (``balanced_advantages``), [N, T] response mask -> [N, T] the
    advantages verl's ``gdpo`` estimator gives on the same rewards, up to the 1e-6 each side adds
    to the group std.

    verl divides each reward by its group's sample std (``torch.std``, ÷ G-1) where Eq. 5 uses
    the population std (× sqrt((G-1)/G)), sums the rewards with their weights (× the weights' sum)
    and then whitens over all response tokens of the batch (``masked_whiten``: token-weighted
    mean, unbiased token-weighted variance + 1e-8), so a long response weighs more in the batch
    statistics. Checked against verl's own function by ``benchmarks/verl_engine_parity.py``."""
    import math

    import torch

    m = mask.double()
    a = (advantages.double() * weight_sum * math.sqrt((group_size - 1) / group_size))[:, None] * m
    tokens = m.sum()
    mean = (a * m).sum() / (tokens + 1e-8)
    var = (((a - mean) ** 2) * m).sum() / (tokens + 1e-8) * tokens / (tokens - 1)
    return (a - mean) * torch.rsqrt(var + 1e-8) * m


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    from longwriter_zero.data.dataset import load_prompt_set
    from longwriter_zero.prompts import load_template_file

    p = argparse.ArgumentParser(prog="python -m longwriter_zero.integrations.verl",
                                description="Write the RL prompt set as verl Parquet with the think prompt applied.")
    p.add_argument("--input", required=True, help="prompt set JSONL (with 'range')")
    p.add_argument("--output", required=True, help="a .parquet file, or a folder (gets train.parquet)")
    p.add_argument("--template", choices=["think", "nothink", "none"], default="think",
                   help="prompt in the user message: think (default), nothink, or none (the bare request)")
    p.add_argument("--template-file", default=None, help="a template file with a {request} placeholder")
    p.add_argument("--language", choices=["auto", "en", "zh"], default="auto")
    args = p.parse_args(argv)
    try:
        rows = load_prompt_set(args.input, require_range=True)
        text = load_template_file(args.template_file) if args.template_file else None
        target = export_verl_prompts(rows, args.output, args.template, args.language, text)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps({"rows": len(rows), "output": str(target)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
