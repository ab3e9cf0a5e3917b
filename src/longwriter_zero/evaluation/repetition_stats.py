"""Repetition statistics of answer files, per answer and averaged.

Every figure comes from ``rewards.repetition.repetition_metrics`` — the same code the format
reward uses in training — so evaluation and reward measure repetition identically:
distinct-1/2/3, repeated-4-gram rate, zlib compression ratio, near-duplicate paragraph rate,
repeated-token shares and the repetition score (1.0 = no repeats).
"""

from __future__ import annotations

from pathlib import Path

from longwriter_zero.errors import UserError
from longwriter_zero.jsonl import iter_jsonl
from longwriter_zero.rewards.repetition import repetition_metrics

HEADLINE = ("distinct_1", "distinct_2", "distinct_3", "repeated_4gram_rate", "compression_ratio",
            "near_dup_rate", "repeated_share", "score")


def answer_metrics(path: str | Path) -> list[dict]:
    """One dict per answer row: ``id``, ``response_length`` and the repetition metrics."""
    rows = []
    for lineno, obj in iter_jsonl(path):
        response = obj.get("response")
        if not isinstance(response, str):
            raise UserError(f"{path}:{lineno}: needs a string 'response'")
        rows.append({"id": str(obj.get("id", obj.get("index", lineno - 1))), **repetition_metrics(response)})
    if not rows:
        raise UserError(f"{path}: no answers")
    return rows


def average_metrics(rows: list[dict]) -> dict[str, float]:
    keys = [k for k, v in rows[0].items() if isinstance(v, float)]
    return {k: sum(r[k] for r in rows) / len(rows) for k in keys}


def repetition_markdown(mean: dict[str, float], rows: list[dict], source: str, worst: int = 5) -> str:
    from longwriter_zero.evaluation.tables import markdown_table

    table = markdown_table(["metric", "mean"], [[k, mean[k]] for k in HEADLINE if k in mean], digits=3)
    bottom = sorted(rows, key=lambda r: r["score"])[:worst]
    worst_table = markdown_table(["id"] + list(HEADLINE), [[r["id"]] + [r[k] for k in HEADLINE] for r in bottom],
                                 digits=3)
    return (f"## Repetition\n\nInput: `{source}` ({len(rows)} answers). Score 1.0 means no repeats.\n\n{table}\n\n"
            f"### Most repetitive answers\n\n{worst_table}\n")
