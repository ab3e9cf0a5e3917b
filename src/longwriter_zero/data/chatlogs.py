"""Reading first-turn user requests from chat logs.

Accepted layouts, in JSONL or Parquet (read in batches with pyarrow):

- WildChat / LMSYS-Chat-1M: ``conversation`` (or ``messages``) = list of ``{role, content}``;
  optional ``language``, ``turn``, ``conversation_hash`` / ``conversation_id`` / ``id``.
- ShareGPT: ``conversations`` = list of ``{from: human|gpt, value}``.
- Plain prompts: ``prompt`` (a string).

Only the first user message of a conversation is taken (the paper's prompts are first turns).
A row with none of these fields is an error naming the file and line (or row number).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from longwriter_zero.errors import UserError
from longwriter_zero.jsonl import iter_jsonl

USER_ROLES = {"user", "human"}
ID_KEYS = ("id", "conversation_hash", "conversation_id", "question_id", "uid")
LANG_NAMES = {"english": "en", "en": "en", "chinese": "zh", "zh": "zh", "zh-cn": "zh", "zh-hans": "zh",
              "zh-hant": "zh", "zh-tw": "zh"}


@dataclass
class LogRequest:
    prompt: str | None      # None: the conversation has no user message
    id: str                 # from the row when it has one, else FILE_STEM:LINE
    where: str              # file:line (or file:row) for messages
    log_language: str | None = None   # the log's own language tag, normalised where known
    meta: dict = field(default_factory=dict)


def _content_text(content) -> str | None:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        texts = [p.get("text", "") for p in content if isinstance(p, dict) and p.get("type", "text") == "text"]
        return "".join(t for t in texts if isinstance(t, str))
    return None


def first_user_message(messages, where: str) -> str | None:
    if not isinstance(messages, list):
        raise UserError(f"{where}: the conversation must be a list of messages, got {type(messages).__name__}")
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise UserError(f"{where}: message {i} is not an object")
        role = msg.get("role", msg.get("from"))
        if isinstance(role, str) and role.lower() in USER_ROLES:
            return _content_text(msg.get("content", msg.get("value")))
    return None


def request_from_row(row: dict, where: str, default_id: str) -> LogRequest:
    if "prompt" in row and isinstance(row["prompt"], str):
        prompt = row["prompt"]
    else:
        for key in ("conversation", "messages", "conversations"):
            if key in row and row[key] is not None:
                if not isinstance(row[key], (list, tuple)):
                    raise UserError(f"{where}: '{key}' must be a list of messages, got {type(row[key]).__name__}")
                prompt = first_user_message(list(row[key]), f"{where}: '{key}'")
                break
        else:
            raise UserError(f"{where}: no 'prompt', 'conversation', 'messages' or 'conversations' field "
                            f"(keys: {', '.join(sorted(row)) or 'none'})")
    rid = next((str(row[k]) for k in ID_KEYS if row.get(k) not in (None, "")), default_id)
    lang = row.get("language")
    log_language = LANG_NAMES.get(lang.strip().lower(), lang.strip().lower()) if isinstance(lang, str) else None
    meta = {k: row[k] for k in ("turn", "model") if k in row}
    return LogRequest(prompt, rid, where, log_language, meta)


def iter_log_requests(path: str | os.PathLike) -> Iterator[LogRequest]:
    """Yield one ``LogRequest`` per conversation or prompt row."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"{p}: file not found")
    stem = re.sub(r"\W+", "_", p.stem)
    if p.suffix.lower() in (".parquet", ".pq"):
        yield from _iter_parquet(p, stem)
        return
    for lineno, row in iter_jsonl(p):
        yield request_from_row(row, f"{p}:{lineno}", f"{stem}:{lineno}")


def _iter_parquet(p: Path, stem: str) -> Iterator[LogRequest]:
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(p)
    except Exception as e:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise UserError(f"{p}: not a readable Parquet file ({str(e).splitlines()[0]})") from None
    names = set(file.schema_arrow.names)
    wanted = [c for c in ("prompt", "conversation", "messages", "conversations", "language", "turn", "model", *ID_KEYS)
              if c in names]
    if not names & {"prompt", "conversation", "messages", "conversations"}:
        raise UserError(f"{p}: no 'prompt', 'conversation', 'messages' or 'conversations' column "
                        f"(columns: {', '.join(sorted(names))})")
    row_number = 0
    for batch in file.iter_batches(batch_size=2048, columns=wanted):
        for row in batch.to_pylist():
            row_number += 1
            yield request_from_row(row, f"{p}:row {row_number}", f"{stem}:{row_number}")
