"""A cached, retrying chat client for OpenAI-compatible judge servers (vLLM, SGLang, ``lwz serve``, ...).

- Talks through the official ``openai`` package with its own retries turned off; this client
  retries timeouts, connection errors, HTTP 408/429 and 5xx, and replies whose content is
  missing or malformed, with exponential backoff (``backoff * 2**attempt``, plus up to 25% jitter).
  Other 4xx errors (bad request, unknown model, auth) fail at once: repeating them cannot help.
- Every finished reply is written to an SQLite cache (WAL mode, one connection behind a lock)
  the moment it arrives, keyed by sha256 of the canonical JSON of (model, messages, sampling).
  A run that is killed or fails part-way therefore repeats none of its finished calls when rerun.
- ``chat_many`` sends a batch through a thread pool, shows a progress bar, sends each distinct
  conversation once, and raises ``JudgeError`` at the end if any call failed.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from urllib.parse import urlparse

from longwriter_zero.errors import UserError

RETRY_STATUS = {408, 429}  # plus every 5xx


class JudgeError(UserError):
    """Judge calls failed after their retries; finished calls are kept in the cache."""


class MalformedReply(Exception):
    """The server answered 2xx but the reply has no usable text content."""


def cache_key(model: str, messages: list[dict], sampling: dict) -> str:
    """sha256 of the canonical JSON of (model, messages, sampling); ``None`` settings are dropped."""
    payload = {"model": model, "messages": messages,
               "sampling": {k: v for k, v in sampling.items() if v is not None}}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ReplyCache:
    """Key -> reply text in SQLite (WAL), safe to share between threads."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, model TEXT, "
                             "reply TEXT NOT NULL, created REAL)")
            self._db.commit()
        except sqlite3.DatabaseError as e:
            raise UserError(f"{self.path}: cannot open the judge cache ({e})") from None

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT reply FROM replies WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put(self, key: str, model: str, reply: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO replies (key, model, reply, created) VALUES (?, ?, ?, ?)",
                             (key, model, reply, time.time()))
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def normalize_base_url(base_url: str) -> str:
    """Accept ``http://host:port`` as well as ``http://host:port/v1``."""
    url = base_url.rstrip("/")
    if urlparse(url).scheme not in ("http", "https"):
        raise UserError(f"judge URL {base_url!r} must start with http:// or https://")
    if urlparse(url).path in ("", "/"):
        url += "/v1"
    return url


def _retryable(exc: Exception) -> bool:
    import openai

    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError, MalformedReply,
                        openai.APIResponseValidationError, ValueError)):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in RETRY_STATUS or exc.status_code >= 500
    return False


def _describe(exc: Exception) -> str:
    import openai

    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}: {str(exc.message)[:200]}"
    if isinstance(exc, openai.APITimeoutError):
        return "timed out"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:200]}"


class JudgeClient:
    """Chat completions from one model on an OpenAI-compatible server, cached on disk."""

    def __init__(self, base_url: str, model: str, api_key: str = "EMPTY", cache_path: str | None = None,
                 concurrency: int = 4, timeout: float = 120.0, max_retries: int = 4, backoff: float = 0.5):
        from openai import OpenAI

        if concurrency < 1:
            raise UserError(f"judge concurrency must be >= 1, got {concurrency}")
        if max_retries < 0:
            raise UserError(f"judge max_retries must be >= 0, got {max_retries}")
        self.base_url = normalize_base_url(base_url)
        self.model = model
        self.concurrency = concurrency
        self.max_retries = max_retries
        self.backoff = backoff
        self.cache = ReplyCache(cache_path) if cache_path else None
        self._memory: dict[str, str] = {}  # used when no cache file is given
        self._openai = OpenAI(base_url=self.base_url, api_key=api_key, timeout=timeout, max_retries=0)
        self._count_lock = threading.Lock()
        self.calls_made = 0  # HTTP requests actually sent (retries included, cache hits not)

    # ------------------------------------------------------------------ cache
    def _cached(self, key: str) -> str | None:
        return self.cache.get(key) if self.cache is not None else self._memory.get(key)

    def _store(self, key: str, reply: str) -> None:
        if self.cache is not None:
            self.cache.put(key, self.model, reply)
        else:
            self._memory[key] = reply

    # ------------------------------------------------------------------ calls
    def _check_sampling(self, sampling: dict) -> dict:
        if sampling.get("n", 1) != 1:
            raise UserError(f"judge sampling n must be 1 (one reply per call), got {sampling['n']}")
        if sampling.get("stream"):
            raise UserError("judge calls do not stream")
        return {k: v for k, v in sampling.items() if k != "n" and v is not None}

    def _send_once(self, messages: list[dict], sampling: dict) -> str:
        with self._count_lock:
            self.calls_made += 1
        response = self._openai.chat.completions.create(model=self.model, messages=messages, **sampling)
        try:
            content = response.choices[0].message.content
        except (AttributeError, IndexError, TypeError, KeyError):
            raise MalformedReply(f"reply has no choices[0].message.content: {str(response)[:200]!r}") from None
        if not isinstance(content, str) or not content.strip():
            raise MalformedReply(f"empty or missing content: {content!r}")
        return content

    def _send(self, messages: list[dict], sampling: dict) -> str:
        """One call with retries; raises the last exception when they run out."""
        for attempt in range(self.max_retries + 1):
            try:
                return self._send_once(messages, sampling)
            except Exception as exc:  # noqa: BLE001 - classified just below
                if not _retryable(exc) or attempt == self.max_retries:
                    raise
                time.sleep(self.backoff * (2 ** attempt) * (1 + 0.25 * random.random()))
        raise AssertionError("unreachable")

    def chat(self, messages: list[dict], **sampling) -> str:
        """The reply text to one conversation (from the cache when already asked)."""
        sampling = self._check_sampling(sampling)
        key = cache_key(self.model, messages, sampling)
        hit = self._cached(key)
        if hit is not None:
            return hit
        try:
            reply = self._send(messages, sampling)
        except Exception as exc:  # noqa: BLE001
            raise JudgeError(f"judge call to {self.base_url} (model {self.model!r}) failed after "
                             f"{self._attempts(exc)} attempt(s): {_describe(exc)}") from exc
        self._store(key, reply)
        return reply

    def _attempts(self, exc: Exception) -> int:
        return self.max_retries + 1 if _retryable(exc) else 1

    def chat_many(self, conversations: list[list[dict]], desc: str | None = None, **sampling) -> list[str]:
        """Replies to many conversations, in order. Each distinct conversation is sent once;
        finished replies are cached as they arrive; failures raise ``JudgeError`` at the end."""
        from tqdm.auto import tqdm

        sampling = self._check_sampling(sampling)
        keys = [cache_key(self.model, m, sampling) for m in conversations]
        results: dict[str, str] = {}
        pending: dict[str, list[dict]] = {}
        for key, messages in zip(keys, conversations):
            if key in results or key in pending:
                continue
            hit = self._cached(key)
            if hit is not None:
                results[key] = hit
            else:
                pending[key] = messages

        failures: dict[str, Exception] = {}
        if pending:
            bar = tqdm(total=len(pending), desc=desc or "judge", unit="call", dynamic_ncols=True)
            bar.set_postfix(cached=len(results))
            pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="judge")
            try:
                futures = {pool.submit(self._send, messages, sampling): key for key, messages in pending.items()}
                for future in as_completed(futures):
                    key = futures[future]
                    try:
                        reply = future.result()
                    except Exception as exc:  # noqa: BLE001
                        failures[key] = exc
                    else:
                        self._store(key, reply)
                        results[key] = reply
                    bar.update(1)
                    if failures:
                        bar.set_postfix(cached=len(results), failed=len(failures))
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
                bar.close()

        if failures:
            first = next(iter(failures.values()))
            where = f"cached in {self.cache.path}" if self.cache is not None else "kept in memory (no cache file given)"
            raise JudgeError(f"{len(failures)} of {len(pending)} judge calls to {self.base_url} failed "
                             f"(first error: {_describe(first)}); the {len(pending) - len(failures)} finished "
                             f"ones are {where}, so a rerun sends only the failed ones")
        return [results[key] for key in keys]

    def close(self) -> None:
        self._openai.close()
        if self.cache is not None:
            self.cache.close()


# ----------------------------------------------------------------------------- JSON in judge replies

_THINK_END = re.compile(r"</think>", re.IGNORECASE)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_SMART_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


def _balanced_object(text: str, start: int) -> str | None:
    """The substring from ``text[start] == '{'`` to its matching brace (strings respected)."""
    depth, in_string, quote, escaped = 0, False, "", False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                in_string = False
        elif ch in "\"'":
            in_string, quote = True, ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
    return None


def _repair(candidate: str) -> dict | None:
    """Lenient parse of a near-JSON object: smart quotes, trailing commas, Python literals, single quotes."""
    fixed = _TRAILING_COMMA.sub(r"\1", candidate.translate(_SMART_QUOTES))
    fixed = re.sub(r"\bTrue\b", "true", re.sub(r"\bFalse\b", "false", re.sub(r"\bNone\b", "null", fixed)))
    for attempt in (fixed, fixed.replace("'", '"') if '"' not in fixed else None):
        if attempt is None:
            continue
        try:
            obj = json.loads(attempt)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            return obj
    return None


def extract_json(text: str | None) -> dict | None:
    """The first JSON object in a judge reply, or None.

    Looks after a closing ``</think>`` first (reasoning judges), then in the whole text; skips
    code fences and prose around the object; tolerates trailing commas, smart quotes, single
    quotes and Python's True/False/None. Returns only objects (dicts), never lists or scalars.
    """
    if not text:
        return None
    parts = [text]
    ends = list(_THINK_END.finditer(text))
    if ends:
        parts.insert(0, text[ends[-1].end():])
    decoder = json.JSONDecoder()
    for part in parts:
        for match in re.finditer(r"\{", part):
            start = match.start()
            try:
                obj, _ = decoder.raw_decode(part, start)
            except json.JSONDecodeError:
                candidate = _balanced_object(part, start)
                obj = _repair(candidate) if candidate else None
            if isinstance(obj, dict):
                return obj
    return None
