"""The RL prompt set: JSONL rows with ``prompt``, ``range`` [lower, upper], ``lang``, ``source``, ``id``
(``range_source`` says where the range came from: explicit / judge / prior).

Also its export to verl's RL Parquet layout (``export_verl``), one row per prompt:

- ``data_source``: "longwriter_zero" (what verl's reward dispatch keys on)
- ``prompt``: chat messages ``[{"role": "user", "content": text}]`` where ``text`` is the request
  rendered with the project's think prompt (``prompts.render_request``; ``template="think"``, the
  default), or the no-think prompt (``"nothink"``), or the bare request (``"none"``). verl applies
  only the tokenizer's chat template, so the instruction prompt has to be in the message itself
- ``ability``: "writing"
- ``reward_model``: ``{"style": "rule", "ground_truth": "[lower, upper]"}`` -- the range as a JSON
  string, so the column has one type whatever else shares the file; ``range_from_ground_truth``
  reads it back (and accepts a list too)
- ``extra_info``: ``{"index", "id", "lang", "range", "request", "source"}``; ``request`` is the raw
  request, which the rewards read
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Sequence

from longwriter_zero.errors import UserError
from longwriter_zero.jsonl import iter_jsonl, write_jsonl_atomic
from longwriter_zero.prompts import detect_language, render_request
from longwriter_zero.rewards.length import check_range

DATA_SOURCE = "longwriter_zero"
VERL_TEMPLATES = ("think", "nothink", "none")


def load_prompt_set(path, require_range: bool = False) -> list[dict]:
    """Read and validate the RL prompt set; errors name the file and line.

    Checks: valid JSON objects; a non-empty string ``prompt``; ``range`` (required when
    ``require_range``) as [lower, upper] with 0 <= lower <= upper; ``lang`` a non-empty string;
    ``id`` unique. Missing ``lang`` is detected from the prompt, missing ``id`` is the line number.
    """
    rows = []
    seen: dict[str, int] = {}
    for lineno, row in iter_jsonl(path):
        where = f"{path}:{lineno}"
        prompt = row.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise UserError(f"{where}: missing or empty 'prompt'")
        if "range" in row:
            row["range"] = list(check_range(row["range"], where))
        elif require_range:
            raise UserError(f"{where}: no 'range' (add ranges with `lwz data ranges`)")
        if "lang" in row and (not isinstance(row["lang"], str) or not row["lang"].strip()):
            raise UserError(f"{where}: 'lang' must be a non-empty string, got {row['lang']!r}")
        row.setdefault("lang", detect_language(prompt))
        row.setdefault("id", f"{lineno}")
        row["id"] = str(row["id"])
        if row["id"] in seen:
            raise UserError(f"{where}: duplicate id {row['id']!r} (also on line {seen[row['id']]})")
        seen[row["id"]] = lineno
        rows.append(row)
    if not rows:
        raise UserError(f"{path}: no prompts")
    return rows


def prompt_line(path, row: dict) -> int | None:
    """The line of ``path`` that ``row`` (from ``load_prompt_set``: ids are unique, a missing id is
    the line number) was read from; for error messages, so it re-reads the file."""
    for lineno, obj in iter_jsonl(path):
        if str(obj.get("id", lineno)) == row.get("id"):
            return lineno
    return None


def check_prompt_lengths(rows: Sequence[dict], path, tokenizer, render, context: int | None,
                         max_new_tokens: int) -> None:
    """Refuse a prompt that cannot fit with ``max_new_tokens`` into the model's ``context``, naming
    its file and line, before any training. ``render(request) -> text`` builds the prompt as the
    rollout does. Cheap: a token covers at least one byte, so only a prompt with more UTF-8 bytes
    than the room left is tokenised."""
    if not context:
        return
    room = context - max_new_tokens
    if room < 1:
        raise UserError(f"rollout.max_new_tokens={max_new_tokens} leaves no room for a prompt in the model's "
                        f"context of {context} tokens")
    for row in rows:
        text = render(row["prompt"])
        if len(text.encode("utf-8")) <= room:
            continue
        n = len(tokenizer(text, add_special_tokens=False).input_ids)
        if n > room:
            line = prompt_line(path, row)
            raise UserError(f"{path}:{line if line else '?'}: prompt is {n} tokens; the model's context of {context} "
                            f"tokens leaves {room} after rollout.max_new_tokens={max_new_tokens}")


def fits_cap(row: dict, max_new_tokens: int, tokens_per_unit: dict) -> bool:
    """Whether ``row``'s whole length range can be written within the generation cap: its upper
    bound (words, or Chinese characters) times the tokens per unit of its language is at most
    ``max_new_tokens``. Rows without a range, or in a language without a rate, fit."""
    rate = tokens_per_unit.get(row.get("lang"))
    if "range" not in row or rate is None:
        return True
    return row["range"][1] * rate <= max_new_tokens


def prompt_row(prompt: str, lang: str, range_: Sequence[int], source: str, id_: str, **extra) -> dict:
    """One prompt-set row, keys in the documented order."""
    lo, hi = check_range(list(range_), f"prompt {id_}")
    return {"prompt": prompt, "lang": lang, "range": [lo, hi], "source": source, "id": str(id_), **extra}


def unique_ids(rows: Iterable[dict]) -> list[dict]:
    """Make ``id`` unique by suffixing repeats with #2, #3, ... (ids from different logs may clash)."""
    seen: dict[str, int] = {}
    out = []
    for row in rows:
        base = str(row["id"])
        n = seen.get(base, 0) + 1
        seen[base] = n
        out.append({**row, "id": base if n == 1 else f"{base}#{n}"})
    return out


def write_prompt_set(path, rows: Iterable[dict]) -> None:
    write_jsonl_atomic(path, rows)


# ----------------------------------------------------------------------------- verl

def range_from_ground_truth(ground_truth) -> tuple[int, int]:
    """The [lower, upper] range from a verl ``reward_model.ground_truth`` (JSON string or list/array)."""
    value = json.loads(ground_truth) if isinstance(ground_truth, str) else list(ground_truth)
    return check_range(value, "ground_truth")


def verl_rows(rows: Sequence[dict], data_source: str = DATA_SOURCE, template: str = "think",
              language: str = "auto", template_text: str | None = None) -> list[dict]:
    """verl RL rows (module docstring). ``template``: ``think`` | ``nothink`` | ``none`` (the bare
    request); ``template_text`` (a template with ``{request}``) overrides the built-in prompt."""
    if template not in VERL_TEMPLATES:
        raise UserError(f"template '{template}': expected one of {', '.join(VERL_TEMPLATES)}")
    out = []
    for index, row in enumerate(rows):
        lo, hi = row["range"]
        request = row["prompt"]
        if template == "none" and template_text is None:
            text = request
        else:
            text = render_request(request, template, language, template_text)
        out.append({
            "data_source": data_source,
            "prompt": [{"role": "user", "content": text}],
            "ability": "writing",
            "reward_model": {"style": "rule", "ground_truth": json.dumps([int(lo), int(hi)])},
            "extra_info": {"index": index, "id": str(row["id"]), "lang": row["lang"], "range": [int(lo), int(hi)],
                           "request": request, "source": str(row.get("source", ""))},
        })
    return out


def verl_schema():
    import pyarrow as pa

    return pa.schema([
        ("data_source", pa.string()),
        ("prompt", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))),
        ("ability", pa.string()),
        ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
        ("extra_info", pa.struct([("index", pa.int64()), ("id", pa.string()), ("lang", pa.string()),
                                  ("range", pa.list_(pa.int64())), ("request", pa.string()),
                                  ("source", pa.string())])),
    ])


def export_verl(rows: Sequence[dict], output, data_source: str = DATA_SOURCE, template: str = "think",
                language: str = "auto", template_text: str | None = None) -> Path:
    """Write verl's RL Parquet file (``verl_rows``: the think prompt in ``prompt`` by default).
    ``output`` ending in .parquet is the file; otherwise it is a folder that receives
    ``train.parquet``. Written to a temporary name, then renamed."""
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(verl_rows(rows, data_source, template, language, template_text),
                                 schema=verl_schema())
    out = Path(output)
    target = out if out.suffix == ".parquet" else out / "train.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, target)
    return target
