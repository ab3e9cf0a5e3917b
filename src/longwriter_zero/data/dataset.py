"""The RL prompt set: JSONL rows with ``prompt``, ``range`` [lower, upper], ``lang``, ``source``, ``id``."""

from __future__ import annotations

from longwriter_zero.errors import UserError
from longwriter_zero.jsonl import iter_jsonl
from longwriter_zero.prompts import detect_language
from longwriter_zero.rewards.length import check_range


def load_prompt_set(path) -> list[dict]:
    """Read and validate the RL prompt set; errors name the file and line."""
    rows = []
    for lineno, row in iter_jsonl(path):
        where = f"{path}:{lineno}"
        prompt = row.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise UserError(f"{where}: missing or empty 'prompt'")
        if "range" in row:
            row["range"] = list(check_range(row["range"], where))
        row.setdefault("lang", detect_language(prompt))
        row.setdefault("id", f"{lineno}")
        rows.append(row)
    if not rows:
        raise UserError(f"{path}: no prompts")
    return rows
