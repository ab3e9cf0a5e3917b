"""Score data rows with a list of rewards: the function behind ``lwz reward`` and the
TRL / verl integrations.

Input rows hold ``prompt`` (the user's request), ``response`` (the raw completion, think block
included) and, for the length reward, ``range`` ``[lower, upper]``. Each output row is the input
row plus ``scores``::

    {"length": 0.8, "format": 1.0, "writing": 1.93,
     "parts": {"length/answer_length": 950.0, "format/structure": 1.0, ...}}

one number per reward under its name, and every reward part under ``parts`` as
``"<reward>/<part>"`` (the same keys the trainer logs as ``reward/<reward>/<part>``).
"""

from __future__ import annotations

from typing import Iterable, Sequence

from longwriter_zero.errors import UserError
from longwriter_zero.rewards.base import Reward, required_keys
from longwriter_zero.rewards.length import check_range


def check_row(row: dict, where: str, rewards: Sequence[Reward] = ()) -> None:
    """Refuse a row the rewards cannot score, naming ``where`` (file:line), before any scoring."""
    for key in ("prompt", "response"):
        if not isinstance(row.get(key), str):
            raise UserError(f"{where}: needs a string '{key}'")
    if "range" in row:
        check_range(row["range"], where)
    for reward in rewards:
        for key in required_keys(reward):
            if key not in row:
                raise UserError(f"{where}: no '{key}' for the {reward.name} reward")


def score_batch(rows: Sequence[dict], rewards: Sequence[Reward]) -> list[dict]:
    """``scores`` of each row (see the module docstring), in order."""
    prompts = [r["prompt"] for r in rows]
    completions = [r["response"] for r in rows]
    out = [{"parts": {}} for _ in rows]
    for reward in rewards:
        result = reward(prompts, completions, list(rows))
        for i, value in enumerate(result.scores):
            out[i][reward.name] = float(value)
            for part, values in result.parts.items():
                out[i]["parts"][f"{reward.name}/{part}"] = float(values[i])
    return [{k: s[k] for k in [*(r.name for r in rewards), "parts"]} for s in out]


def score_rows(rows: Iterable[tuple[str, dict]], rewards: Sequence[Reward], batch_size: int = 16,
               progress: bool = False) -> Iterable[dict]:
    """Yield each input row with ``scores`` added. ``rows`` yields (where, row); rows are scored
    in batches of ``batch_size`` (a reward model scores a batch at once)."""
    from tqdm import tqdm

    batch: list[dict] = []
    bar = tqdm(desc="reward", unit="row", disable=not progress)
    try:                        # the bar is closed (its line ended) before an error is printed
        for where, row in rows:
            check_row(row, where, rewards)
            batch.append(row)
            if len(batch) == batch_size:
                yield from _with_scores(batch, rewards)
                bar.update(len(batch))
                batch = []
        if batch:
            yield from _with_scores(batch, rewards)
            bar.update(len(batch))
    finally:
        bar.close()


def _with_scores(batch: list[dict], rewards: Sequence[Reward]) -> list[dict]:
    return [{**row, "scores": s} for row, s in zip(batch, score_batch(batch, rewards))]
