"""An OpenAI-compatible chat server for a local model (FastAPI + HF ``generate``).

Endpoints: ``POST /v1/chat/completions`` (plain and SSE streaming), ``GET /v1/models``,
``GET /health``. Messages are rendered with the tokenizer's chat template. Generation runs
one request at a time (a lock): a CPU or single GPU gains nothing from interleaving, and it
keeps seeded sampling reproducible.

Request fields: ``n``, ``temperature`` (0 = greedy; default 1.0 as in OpenAI's API),
``top_p``, ``max_tokens`` (or ``max_completion_tokens``; default 1024, capped by the model's
context), ``stop`` (string or list, at most 4; the text is cut before the first stop string,
which is not returned, and ``finish_reason`` is ``"stop"``), ``stream``, ``stream_options.
include_usage`` and ``seed``. Unknown fields are ignored, as vLLM does. ``finish_reason`` is
``"length"`` when the token cap ended the text, otherwise ``"stop"``.

With ``strip_think`` the reply holds only the answer part of a think/answer completion
(``prompts.parse_completion``). Streaming then sends the answer as one chunk at the end,
since the answer is only known once the completion is complete; ``n > 1`` streams likewise
send each choice as one chunk.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Iterator, Literal

import torch
from pydantic import BaseModel, ConfigDict, Field
from transformers import StoppingCriteria

DEFAULT_MAX_TOKENS = 1024
MAX_STOP = 4
MAX_N = 16


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: keep the text ones
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str | None = None
    messages: list[ChatMessage] = Field(min_length=1)
    n: int = Field(1, ge=1, le=MAX_N)
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, gt=0.0, le=1.0)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    stop: str | list[str] | None = None
    stream: bool = False
    stream_options: StreamOptions | None = None
    seed: int | None = None


@dataclass
class Sampling:
    n: int
    temperature: float   # 0 = greedy
    top_p: float
    max_new_tokens: int
    stop: list[str]
    seed: int | None


@dataclass
class Choice:
    text: str
    finish_reason: str        # "stop" | "length"
    completion_tokens: int


class RequestError(Exception):
    """A request the server refuses (HTTP 400/404), reported in OpenAI's error format."""

    def __init__(self, message: str, status: int = 400, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.param, self.code = status, param, code


def cut_at_stop(text: str, stops: list[str]) -> tuple[str, bool]:
    """Text before the earliest stop string, and whether one was found."""
    hits = [i for i in (text.find(s) for s in stops) if i >= 0]
    return (text[:min(hits)], True) if hits else (text, False)


class LocalGenerator:
    """Chat completions from an HF causal LM; one generation at a time."""

    def __init__(self, model, tokenizer, strip_think: bool = False):
        self.model, self.tokenizer, self.strip_think = model, tokenizer, strip_think
        self.lock = threading.Lock()
        self.context = int(getattr(model.config, "max_position_embeddings", 0) or 0) or None
        self.eos_ids = self._eos_ids()

    def _eos_ids(self) -> set[int]:
        ids = set()
        for source in (self.model.generation_config, self.tokenizer):
            value = getattr(source, "eos_token_id", None)
            ids.update(value if isinstance(value, (list, tuple)) else [value] if value is not None else [])
        if self.tokenizer.pad_token_id is not None:
            ids.add(self.tokenizer.pad_token_id)
        return ids

    # ------------------------------------------------------------------ request -> inputs
    def render(self, messages: list[ChatMessage]) -> list[int]:
        chat = [{"role": "system" if m.role == "developer" else m.role, "content": m.text()} for m in messages]
        if getattr(self.tokenizer, "chat_template", None):
            text = self.tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
            return self.tokenizer(text, add_special_tokens=False)["input_ids"]
        text = "".join(f"{m['role']}: {m['content']}\n\n" for m in chat) + "assistant: "
        return self.tokenizer(text)["input_ids"]

    def sampling(self, req: ChatRequest, prompt_tokens: int) -> Sampling:
        stop = [req.stop] if isinstance(req.stop, str) else list(req.stop or [])
        if len(stop) > MAX_STOP or any(not s for s in stop):
            raise RequestError(f"'stop' takes up to {MAX_STOP} non-empty strings", param="stop")
        wanted = req.max_completion_tokens or req.max_tokens or DEFAULT_MAX_TOKENS
        room = wanted if self.context is None else self.context - prompt_tokens
        if room < 1:
            raise RequestError(f"the prompt has {prompt_tokens} tokens; the model's context is {self.context}",
                               param="messages", code="context_length_exceeded")
        return Sampling(n=req.n, temperature=1.0 if req.temperature is None else req.temperature,
                        top_p=1.0 if req.top_p is None else req.top_p,
                        max_new_tokens=min(wanted, room), stop=stop, seed=req.seed)

    # ------------------------------------------------------------------ generation
    def _generate_kwargs(self, s: Sampling, n_sequences: int, extra_criteria: list) -> dict:
        from transformers import StoppingCriteriaList

        kwargs: dict[str, Any] = dict(max_new_tokens=s.max_new_tokens, num_return_sequences=n_sequences,
                                      pad_token_id=self.tokenizer.pad_token_id,
                                      stopping_criteria=StoppingCriteriaList(extra_criteria))
        if s.temperature > 0:
            kwargs.update(do_sample=True, temperature=s.temperature, top_p=s.top_p, top_k=0)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        return kwargs

    def _seed(self, s: Sampling) -> None:
        if s.seed is not None:
            torch.manual_seed(s.seed)

    def _finish(self, new_ids: list[int], s: Sampling) -> Choice:
        """Text and finish reason of one generated row (token ids after the prompt)."""
        end = next((i for i, t in enumerate(new_ids) if t in self.eos_ids), None)
        used = new_ids if end is None else new_ids[:end]
        text = self.tokenizer.decode(used, skip_special_tokens=True)
        text, stopped = cut_at_stop(text, s.stop)
        reason = "length" if end is None and not stopped and len(new_ids) >= s.max_new_tokens else "stop"
        return Choice(self._answer(text), reason, len(used) + (0 if end is None else 1))

    def _answer(self, text: str) -> str:
        if not self.strip_think:
            return text
        from longwriter_zero.prompts import parse_completion

        return parse_completion(text).answer

    def generate(self, prompt_ids: list[int], s: Sampling) -> list[Choice]:
        criteria = [StopStrings(self.tokenizer, s.stop, len(prompt_ids))] if s.stop else []
        # greedy decoding gives n identical rows: generate one and repeat it
        rows = s.n if s.temperature > 0 else 1
        inputs = torch.tensor([prompt_ids], device=self.model.device)
        with self.lock, torch.no_grad():
            self._seed(s)
            out = self.model.generate(inputs, attention_mask=torch.ones_like(inputs),
                                      **self._generate_kwargs(s, rows, criteria))
        choices = [self._finish(out[i, len(prompt_ids):].tolist(), s) for i in range(out.shape[0])]
        return choices if rows == s.n else choices * s.n

    def stream(self, prompt_ids: list[int], s: Sampling) -> Iterator[str | Choice]:
        """Yield text pieces as they are generated, then the final ``Choice`` (n must be 1).

        Text that could be the start of a stop string is held back until it is known not to be.
        Closing the iterator (client gone) stops the generation at the next token.
        """
        from transformers import TextIteratorStreamer

        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        cancel = Cancel()
        criteria = [cancel] + ([StopStrings(self.tokenizer, s.stop, len(prompt_ids))] if s.stop else [])
        inputs = torch.tensor([prompt_ids], device=self.model.device)
        result: dict[str, Any] = {}

        def run() -> None:
            try:
                with self.lock, torch.no_grad():
                    self._seed(s)
                    result["ids"] = self.model.generate(inputs, attention_mask=torch.ones_like(inputs),
                                                        streamer=streamer,
                                                        **self._generate_kwargs(s, 1, criteria))
            except Exception as exc:  # noqa: BLE001 - reported to the consumer below
                result["error"] = exc
                streamer.end()

        thread = threading.Thread(target=run, name="generate", daemon=True)
        thread.start()
        hold = max((len(x) for x in s.stop), default=1) - 1
        text, sent, stopped = "", 0, False
        try:
            for piece in streamer:
                text += piece
                cut, stopped = cut_at_stop(text, s.stop)
                if stopped:
                    cancel.set()
                    break
                safe = len(text) - hold
                if safe > sent:
                    yield text[sent:safe]
                    sent = safe
        finally:  # stop string seen, client gone, or generation over: no more tokens wanted
            cancel.set()
            thread.join()
        if "error" in result:
            raise result["error"]
        final = self._finish(result["ids"][0, len(prompt_ids):].tolist(), s)
        final_text = cut if stopped else final.text
        if len(final_text) > sent:
            yield final_text[sent:]
        yield Choice(final_text, "stop" if stopped else final.finish_reason, final.completion_tokens)


class Cancel(StoppingCriteria):
    """Stops every row once ``set()`` is called (client disconnected or stop string seen)."""

    def __init__(self):
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def __call__(self, input_ids, scores, **kwargs):
        return torch.full((input_ids.shape[0],), self._event.is_set(), dtype=torch.bool, device=input_ids.device)


class StopStrings(StoppingCriteria):
    """Per-row stop when the generated text contains a stop string (decodes only a short tail)."""

    def __init__(self, tokenizer, stops: list[str], prompt_len: int):
        self.tokenizer, self.stops, self.prompt_len = tokenizer, stops, prompt_len
        self.tail = 2 * max(len(x) for x in stops) + 8  # tokens: every token has at least one character

    def __call__(self, input_ids, scores, **kwargs):
        done = []
        for row in input_ids:
            new = row[self.prompt_len:][-self.tail:]
            text = self.tokenizer.decode(new, skip_special_tokens=True)
            done.append(any(s in text for s in self.stops))
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


# ----------------------------------------------------------------------------- HTTP layer

def _error_body(message: str, kind: str = "invalid_request_error", param: str | None = None,
                code: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def create_app(model, tokenizer, model_name: str, strip_think: bool = False):
    """The FastAPI app serving ``model`` under the name ``model_name``."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, StreamingResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    generator = LocalGenerator(model, tokenizer, strip_think=strip_think)
    created = int(time.time())
    app = FastAPI(title="longwriter-zero", description=f"OpenAI-compatible server for {model_name}")

    @app.exception_handler(RequestError)
    async def _request_error(request: Request, exc: RequestError):
        kind = "not_found_error" if exc.status == 404 else "invalid_request_error"
        return JSONResponse(_error_body(str(exc), kind, exc.param, exc.code), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return JSONResponse(_error_body(f"{where}: {first.get('msg', 'invalid request')}", param=where or None),
                            status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        return JSONResponse(_error_body(str(exc.detail), "not_found_error" if exc.status_code == 404
                                        else "invalid_request_error"), status_code=exc.status_code)

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "model": model_name}

    @app.get("/v1/models")
    def models() -> dict:
        return {"object": "list", "data": [{"id": model_name, "object": "model", "created": created,
                                            "owned_by": "longwriter-zero"}]}

    @app.post("/v1/chat/completions")
    def chat_completions(req: ChatRequest):
        if req.model not in (None, model_name):
            raise RequestError(f"model {req.model!r} is not served here; this server has {model_name!r}",
                               status=404, param="model", code="model_not_found")
        prompt_ids = generator.render(req.messages)
        sampling = generator.sampling(req, len(prompt_ids))
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        if req.stream:
            include_usage = bool(req.stream_options and req.stream_options.include_usage)
            return StreamingResponse(_sse(generator, prompt_ids, sampling, completion_id, model_name, include_usage),
                                     media_type="text/event-stream")
        choices = generator.generate(prompt_ids, sampling)
        completion_tokens = sum(c.completion_tokens for c in choices)
        return {
            "id": completion_id, "object": "chat.completion", "created": int(time.time()), "model": model_name,
            "choices": [{"index": i, "message": {"role": "assistant", "content": c.text},
                         "finish_reason": c.finish_reason, "logprobs": None} for i, c in enumerate(choices)],
            "usage": {"prompt_tokens": len(prompt_ids), "completion_tokens": completion_tokens,
                      "total_tokens": len(prompt_ids) + completion_tokens},
        }

    return app


def _sse(generator: LocalGenerator, prompt_ids: list[int], s: Sampling, completion_id: str, model_name: str,
         include_usage: bool) -> Iterator[str]:
    """Server-sent events in OpenAI's chunk format, ending with ``data: [DONE]``."""
    created = int(time.time())

    def chunk(choices: list[dict], usage: dict | None = None) -> str:
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model_name,
                "choices": choices}
        if include_usage:
            body["usage"] = usage
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    def delta(index: int, content: str | None = None, role: bool = False, finish: str | None = None) -> dict:
        d: dict[str, Any] = {}
        if role:
            d["role"] = "assistant"
        if content is not None:
            d["content"] = content
        return {"index": index, "delta": d, "finish_reason": finish, "logprobs": None}

    yield chunk([delta(i, "", role=True) for i in range(s.n)])
    if s.n == 1 and not generator.strip_think:
        finals = []
        for item in generator.stream(prompt_ids, s):
            if isinstance(item, Choice):
                finals.append(item)
            elif item:
                yield chunk([delta(0, item)])
    else:
        finals = generator.generate(prompt_ids, s)
        for i, c in enumerate(finals):
            if c.text:
                yield chunk([delta(i, c.text)])
    for i, c in enumerate(finals):
        yield chunk([delta(i, finish=c.finish_reason)])
    if include_usage:
        completion_tokens = sum(c.completion_tokens for c in finals)
        yield chunk([], {"prompt_tokens": len(prompt_ids), "completion_tokens": completion_tokens,
                         "total_tokens": len(prompt_ids) + completion_tokens})
    yield "data: [DONE]\n\n"
