"""Answers for a prompt file, from a local model or an OpenAI-compatible server.

Input rows carry ``prompt`` (or WritingBench's ``query``) and optionally ``id`` (or ``index``),
``length``, ``type``, ``range``; LongBench-Write rows are read as they are. Output rows:
``id``, ``prompt``, raw ``output``, ``think``, ``response`` (the answer that
``prompts.parse_completion`` extracts), ``response_length`` (``count_length``),
``finish_reason`` ("stop" | "length"; from a server, the server's own, null only for answers
cached by older versions), plus the passed-through fields.

Templates: ``think`` and ``nothink`` wrap the request in the project's prompt and stop at
``</answer>`` (both ask for answer tags; the paper stops there at inference); ``none``
sends the bare request (through the chat template where the tokenizer has one).

Resumable: rows whose ``id`` is already in the output file are skipped, and every finished
row is appended and flushed at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal, Sequence

from longwriter_zero.errors import UserError
from longwriter_zero.jsonl import append_jsonl, iter_jsonl
from longwriter_zero.prompts import build_prompt, parse_completion, render_request
from longwriter_zero.text.counting import count_length

Template = Literal["think", "nothink", "none"]
TEMPLATES = ("think", "nothink", "none")
STOP = "</answer>"


def stop_strings(template: str) -> list[str]:
    """Templates that ask for answer tags stop at the closing tag; the bare request has none."""
    if template not in TEMPLATES:
        raise UserError(f"unknown template {template!r}; choose one of {', '.join(TEMPLATES)}")
    return [] if template == "none" else [STOP]
PASS_THROUGH = ("length", "type", "range", "index", "domain1", "domain2", "lang")


@dataclass
class PromptRow:
    id: str
    prompt: str
    extra: dict = field(default_factory=dict)   # fields passed through to the answer row


@dataclass
class Completion:
    output: str           # raw decoded text (think block included)
    finish_reason: str | None   # "stop" | "length" (a server's own value); None when unknown


def load_prompt_rows(path: str | Path, limit: int | None = None) -> list[PromptRow]:
    rows: list[PromptRow] = []
    seen: dict[str, int] = {}
    for lineno, obj in iter_jsonl(path):
        where = f"{path}:{lineno}"
        text = obj.get("prompt", obj.get("query"))
        if not isinstance(text, str) or not text.strip():
            raise UserError(f"{where}: needs a non-empty string 'prompt' (or 'query')")
        raw_id = obj.get("id", obj.get("index", lineno - 1))
        row_id = str(raw_id)
        if row_id in seen:
            raise UserError(f"{where}: duplicate id {row_id!r} (first on line {seen[row_id]})")
        seen[row_id] = lineno
        extra = {k: obj[k] for k in PASS_THROUGH if k in obj}
        rows.append(PromptRow(row_id, text, extra))
        if limit is not None and len(rows) >= limit:
            break
    if not rows:
        raise UserError(f"{path}: no prompts")
    return rows


def finished_ids(path: str | Path) -> set[str]:
    """Ids already in an output file. A torn last line (a run killed mid-write) is cut off so
    that appending continues on a clean line."""
    p = Path(path)
    if not p.exists():
        return set()
    data = p.read_bytes()
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        with p.open("r+b") as f:
            f.truncate(cut)
    ids = set()
    for lineno, obj in iter_jsonl(p):
        if "id" not in obj:
            raise UserError(f"{p}:{lineno}: output row has no 'id'; is this the right output file?")
        ids.add(str(obj["id"]))
    return ids


def answer_row(row: PromptRow, completion: Completion, template: str) -> dict:
    parsed = parse_completion(completion.output, require_think=(template == "think"))
    response = parsed.answer
    return {"id": row.id, "prompt": row.prompt, "output": completion.output, "think": parsed.think,
            "response": response, "response_length": count_length(response),
            "finish_reason": completion.finish_reason, **row.extra}


class LocalGenerator:
    """Batched HF ``model.generate`` with left padding."""

    def __init__(self, model, tokenizer, template: str = "think", max_new_tokens: int = 2048,
                 temperature: float = 0.6, top_p: float = 0.95, top_k: int | None = None):
        self.model, self.tok = model, tokenizer
        self.template = template
        self.max_new_tokens, self.temperature, self.top_p = max_new_tokens, temperature, top_p
        self.top_k = top_k   # None: the model's generation config (transformers' default 50); 0: off
        self.stops = stop_strings(template)
        self._stopping = None

    def prompt_text(self, request: str) -> str:
        if self.template == "none":
            if getattr(self.tok, "chat_template", None):
                return self.tok.apply_chat_template([{"role": "user", "content": request}], tokenize=False,
                                                    add_generation_prompt=True)
            return request
        return build_prompt(request, self.tok, template=self.template)

    def __call__(self, requests: Sequence[str]) -> list[Completion]:
        import torch

        texts = [self.prompt_text(r) for r in requests]
        enc = self.tok(texts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False)
        device = next(self.model.parameters()).device
        enc = {k: v.to(device) for k, v in enc.items()}
        kwargs = dict(max_new_tokens=self.max_new_tokens, pad_token_id=self.tok.pad_token_id)
        if self.temperature > 0:
            kwargs.update(do_sample=True, temperature=self.temperature, top_p=self.top_p)
            if self.top_k is not None:
                kwargs.update(top_k=self.top_k)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None)
        if self.stops:
            kwargs.update(stopping_criteria=self._stop_criteria())
        with torch.no_grad():
            out = self.model.generate(**enc, **kwargs)
        new = out[:, enc["input_ids"].shape[1]:]
        return [self._finish(ids) for ids in new.tolist()]

    def _stop_criteria(self):
        # Built once: StopStringCriteria precomputes tables over the whole vocabulary.
        if self._stopping is None:
            from transformers import StoppingCriteriaList, StopStringCriteria
            self._stopping = StoppingCriteriaList([StopStringCriteria(self.tok, self.stops)])
        return self._stopping

    def _finish(self, ids: list[int]) -> Completion:
        eos = self.model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, (list, tuple)) else [eos]) - {None}
        cut = next((i for i, t in enumerate(ids) if t in eos_ids), None)
        if cut is not None:
            return Completion(self.tok.decode(ids[:cut], skip_special_tokens=True), "stop")
        text = self.tok.decode(ids, skip_special_tokens=True)
        if self.stops and STOP in text:
            return Completion(text[:text.index(STOP) + len(STOP)], "stop")
        return Completion(text, "length")


def _generation_client_class():
    from longwriter_zero.judge.client import JudgeClient, MalformedReply

    class GenerationClient(JudgeClient):
        """The cached, retrying judge client, keeping each reply's ``finish_reason``: a reply is
        cached as ``{"text": ..., "finish_reason": ...}`` (JSON), and an empty answer is valid."""

        def _send_once(self, messages: list[dict], sampling: dict) -> str:
            with self._count_lock:
                self.calls_made += 1
            response = self._openai.chat.completions.create(model=self.model, messages=messages, **sampling)
            try:
                choice = response.choices[0]
                content = choice.message.content
            except (AttributeError, IndexError, TypeError, KeyError):
                raise MalformedReply(f"reply has no choices[0].message.content: {str(response)[:200]!r}") from None
            if content is not None and not isinstance(content, str):
                raise MalformedReply(f"content is not text: {content!r}")
            return json.dumps({"text": content or "", "finish_reason": choice.finish_reason})

    return GenerationClient


def generation_client(base_url: str, model: str, **kwargs):
    """A ``JudgeClient`` whose replies keep the server's ``finish_reason`` (see ``decode_reply``)."""
    return _generation_client_class()(base_url, model, **kwargs)


def decode_reply(reply: str) -> tuple[str, str | None]:
    """(text, finish_reason) of a cached generation reply; a plain-text reply (older cache) has none."""
    try:
        obj = json.loads(reply)
    except ValueError:
        return reply, None
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return obj["text"], obj.get("finish_reason")
    return reply, None


class RemoteGenerator:
    """Chat completions from an OpenAI-compatible server through a cached, retrying client
    (``generation_client``), with the server's ``finish_reason``."""

    def __init__(self, client, template: str = "think", max_new_tokens: int = 2048,
                 temperature: float = 0.6, top_p: float = 0.95):
        self.client, self.template = client, template
        self.stops = stop_strings(template)
        self.sampling = dict(max_tokens=max_new_tokens, temperature=temperature, top_p=top_p)
        if self.stops:
            self.sampling["stop"] = self.stops

    def messages(self, request: str) -> list[dict]:
        text = request if self.template == "none" else render_request(request, self.template)
        return [{"role": "user", "content": text}]

    def __call__(self, requests: Sequence[str]) -> list[Completion]:
        outputs = self.client.chat_many([self.messages(r) for r in requests], desc=None, **self.sampling)
        done = []
        for reply in outputs:
            text, finish = decode_reply(reply)
            # The server drops the stop string; put it back so the answer block reads closed.
            if self.stops and "<answer>" in text and STOP not in text and finish != "length":
                text = text + STOP
            done.append(Completion(text, finish))
        return done


def run_generation(rows: Sequence[PromptRow], generate: Callable[[Sequence[str]], list[Completion]],
                   output: str | Path, template: str, batch_size: int = 8, progress: bool = True) -> int:
    """Generate answers for rows not yet in ``output``; returns how many were written now."""
    from tqdm.auto import tqdm

    if batch_size < 1:
        raise UserError("--batch-size must be >= 1")
    done = finished_ids(output)
    pending = [r for r in rows if r.id not in done]
    bar = tqdm(total=len(pending), desc="generate", unit="answer", disable=not progress)
    written = 0
    for start in range(0, len(pending), batch_size):
        batch = pending[start:start + batch_size]
        completions = generate([r.prompt for r in batch])
        for row, completion in zip(batch, completions):
            append_jsonl(output, answer_row(row, completion, template))
            written += 1
        bar.update(len(batch))
    bar.close()
    return written


def describe(path: str | Path) -> str:
    rows = [obj for _, obj in iter_jsonl(path)]
    n_len = sum(1 for r in rows if r.get("finish_reason") == "length")
    mean = sum(r.get("response_length", 0) for r in rows) / max(1, len(rows))
    return json.dumps({"rows": len(rows), "mean_response_length": round(mean, 1), "hit_length_cap": n_len})
