"""An OpenAI-compatible server for a local model (FastAPI + the continuous-batching ``Engine``).

Endpoints: ``POST /v1/chat/completions`` and ``POST /v1/completions`` (plain and SSE
streaming), ``GET /v1/models``, ``GET /health``. With an API key every ``/v1`` route needs
``Authorization: Bearer KEY`` (401 otherwise); ``/health`` stays open.

Every request field is either supported or refused with a 400 naming it; none is ignored.

Supported: ``n``, ``temperature`` (0 = greedy; default 1), ``top_p``, ``max_tokens`` /
``max_completion_tokens`` (default: the rest of the model's context, as in vLLM; more than
that is a 400), ``stop`` (up to 4 strings; the text is cut before the first, which is not
returned), ``stream`` and ``stream_options.include_usage``, ``seed`` (0 .. 2**64-1, or
negative down to -2**63), ``logprobs`` and ``top_logprobs`` (up to 20; log-probabilities of
the model's distribution before temperature and penalties), ``presence_penalty`` and
``frequency_penalty`` (-2 .. 2), ``logit_bias``; vLLM's extras ``top_k``, ``min_p``,
``repetition_penalty``, ``min_tokens`` and ``ignore_eos``. ``response_format`` only as
``{"type": "text"}``; ``tools`` only empty and ``tool_choice`` only ``"none"``. Accepted as
bookkeeping without effect on the text: ``user``, ``metadata``, ``service_tier``,
``safety_identifier``, ``prompt_cache_key``, ``store: false``, ``parallel_tool_calls``.
``/v1/completions`` takes ``prompt`` as a string, a list of strings or token ids, and
``logprobs`` as an integer (legacy format); ``echo``, ``suffix`` and ``best_of`` != ``n`` are
refused. Anything else is a 400.

``finish_reason`` is ``"length"`` when the token cap ended the text, otherwise ``"stop"``.
With ``strip_think`` chat replies hold only the answer of a think/answer completion; streams
send it as it is written once ``<answer>`` has appeared (see ``engine.visible_answer``).
All choices of an ``n > 1`` request stream as they are generated.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any, AsyncIterator, Literal

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field

from longwriter_zero.serving.engine import Engine, Job, Params, TokenLogprob, collect, cut_at_stop  # noqa: F401

MAX_STOP = 4
MAX_N = 16
MAX_TOP_LOGPROBS = 20
SEED_RANGE = (-(2 ** 63), 2 ** 64 - 1)
NO_EFFECT = {"user", "metadata", "service_tier", "safety_identifier", "prompt_cache_key", "parallel_tool_calls"}


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: keep the text ones
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")   # e.g. vLLM's continuous_usage_stats: refused, not ignored
    include_usage: bool = False


class _Common(BaseModel):
    """Fields shared by chat and text completions."""
    model_config = ConfigDict(extra="allow")
    model: str | None = None
    n: int = Field(1, ge=1, le=MAX_N)
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, gt=0.0, le=1.0)
    top_k: int | None = Field(None, ge=-1)
    min_p: float | None = Field(None, ge=0.0, le=1.0)
    max_tokens: int | None = Field(None, ge=1)
    stop: str | list[str] | None = None
    stream: bool = False
    stream_options: StreamOptions | None = None
    seed: int | None = Field(None, ge=SEED_RANGE[0], le=SEED_RANGE[1])
    presence_penalty: float | None = Field(None, ge=-2.0, le=2.0)
    frequency_penalty: float | None = Field(None, ge=-2.0, le=2.0)
    repetition_penalty: float | None = Field(None, gt=0.0)
    logit_bias: dict[str, float] | None = None
    min_tokens: int = Field(0, ge=0)
    ignore_eos: bool = False
    store: bool | None = None


class ChatRequest(_Common):
    messages: list[ChatMessage] = Field(min_length=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    logprobs: bool = False
    top_logprobs: int | None = Field(None, ge=0, le=MAX_TOP_LOGPROBS)
    response_format: dict[str, Any] | None = None
    tools: list[Any] | None = None
    tool_choice: Any = None
    functions: list[Any] | None = None
    function_call: Any = None
    modalities: list[str] | None = None


class CompletionRequest(_Common):
    prompt: str | list[str] | list[int] | list[list[int]]
    logprobs: int | None = Field(None, ge=0, le=MAX_TOP_LOGPROBS)
    echo: bool = False
    suffix: str | None = None
    best_of: int | None = None


class RequestError(Exception):
    """A request the server refuses (HTTP 4xx), reported in OpenAI's error format."""

    def __init__(self, message: str, status: int = 400, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.param, self.code = status, param, code


def refuse(param: str, message: str) -> RequestError:
    return RequestError(f"'{param}': {message}", param=param, code="unsupported_parameter")


def check_fields(req: _Common) -> None:
    """Refuse every field this server would otherwise ignore."""
    for name in sorted(req.model_extra or {}):
        if name not in NO_EFFECT:
            raise refuse(name, "not supported by this server")
    if req.store:
        raise refuse("store", "stored completions are not supported")
    if isinstance(req, ChatRequest):
        if req.response_format and req.response_format.get("type", "text") != "text":
            raise refuse("response_format", f"only {{'type': 'text'}} is supported, "
                                            f"not {req.response_format.get('type')!r}")
        if req.tools or req.functions:
            raise refuse("tools" if req.tools else "functions", "tool and function calls are not supported")
        for name in ("tool_choice", "function_call"):
            if getattr(req, name) not in (None, "none"):
                raise refuse(name, "tool and function calls are not supported (only 'none')")
        if req.modalities and req.modalities != ["text"]:
            raise refuse("modalities", "only ['text'] is supported")
        if req.top_logprobs and not req.logprobs:
            raise RequestError("'top_logprobs' needs 'logprobs': true", param="top_logprobs")
    else:
        if req.echo:
            raise refuse("echo", "echoing the prompt is not supported")
        if req.suffix:
            raise refuse("suffix", "insertion (suffix) is not supported")
        if req.best_of not in (None, req.n):
            raise refuse("best_of", "only best_of equal to n is supported")


class Server:
    """Request validation and rendering around an ``Engine``."""

    def __init__(self, engine: Engine, names: list[str], strip_think: bool = False):
        self.engine, self.names, self.strip_think = engine, names, strip_think
        self.tokenizer = engine.tokenizer
        self._token_text: dict[int, str] = {}

    # ------------------------------------------------------------------ inputs
    def render(self, messages: list[ChatMessage]) -> list[int]:
        chat = [{"role": "system" if m.role == "developer" else m.role, "content": m.text()} for m in messages]
        if getattr(self.tokenizer, "chat_template", None):
            text = self.tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
            return self.tokenizer(text, add_special_tokens=False)["input_ids"]
        text = "".join(f"{m['role']}: {m['content']}\n\n" for m in chat) + "assistant: "
        return self.tokenizer(text)["input_ids"]

    def prompts(self, req: CompletionRequest) -> list[list[int]]:
        p = req.prompt
        if isinstance(p, str):
            p = [p]
        if not p:
            raise RequestError("'prompt' is empty", param="prompt")
        if all(isinstance(x, int) for x in p):
            p = [p]
        out = [self.tokenizer(x)["input_ids"] if isinstance(x, str) else list(x) for x in p]
        vocab = self.engine.model.config.vocab_size
        if any(not ids for ids in out) or any(not 0 <= t < vocab for ids in out for t in ids):
            raise RequestError(f"'prompt': each prompt needs at least one token, ids in 0..{vocab - 1}",
                               param="prompt")
        return out

    def params(self, req: _Common, prompts: list[list[int]], where: str) -> Params:
        check_fields(req)
        stop = [req.stop] if isinstance(req.stop, str) else list(req.stop or [])
        if len(stop) > MAX_STOP or any(not s for s in stop):
            raise RequestError(f"'stop' takes up to {MAX_STOP} non-empty strings", param="stop")
        longest = max(len(ids) for ids in prompts)
        context = self.engine.context
        room = None if context is None else context - longest
        if room is not None and room < 1:
            raise RequestError(f"the prompt has {longest} tokens; the model's context is {context}",
                               param=where, code="context_length_exceeded")
        field, wanted = "max_tokens", req.max_tokens
        if isinstance(req, ChatRequest) and req.max_completion_tokens is not None:
            field, wanted = "max_completion_tokens", req.max_completion_tokens
        if wanted is not None and room is not None and wanted > room:
            raise RequestError(f"'{field}' is {wanted}, but the prompt has {longest} tokens and the model's "
                               f"context is {context}: at most {room} tokens can be generated",
                               param=field, code="context_length_exceeded")
        if wanted is None and room is None:
            raise RequestError(f"'{field}' is required: the model declares no context length", param=field)
        vocab = self.engine.model.config.vocab_size
        bias = None
        if req.logit_bias:
            try:
                bias = {int(k): float(v) for k, v in req.logit_bias.items()}
            except ValueError:
                raise RequestError("'logit_bias' keys are token ids", param="logit_bias") from None
            if any(not 0 <= k < vocab or not -100 <= v <= 100 for k, v in bias.items()):
                raise RequestError(f"'logit_bias': token ids in 0..{vocab - 1}, values in -100..100",
                                   param="logit_bias")
        if isinstance(req, ChatRequest):
            logprobs, top = req.logprobs, req.top_logprobs or 0
        else:
            logprobs, top = req.logprobs is not None, req.logprobs or 0
        return Params(max_tokens=wanted or room, n=req.n,
                      temperature=1.0 if req.temperature is None else req.temperature,
                      top_p=1.0 if req.top_p is None else req.top_p,
                      top_k=max(0, req.top_k or 0), min_p=req.min_p or 0.0,
                      presence_penalty=req.presence_penalty or 0.0, frequency_penalty=req.frequency_penalty or 0.0,
                      repetition_penalty=1.0 if req.repetition_penalty is None else req.repetition_penalty,
                      logit_bias=bias, stop=stop, seed=req.seed, logprobs=logprobs, top_logprobs=top,
                      min_tokens=req.min_tokens, ignore_eos=req.ignore_eos,
                      strip_think=self.strip_think and isinstance(req, ChatRequest))

    # ------------------------------------------------------------------ outputs
    def token_text(self, token: int) -> str:
        if token not in self._token_text:
            self._token_text[token] = self.tokenizer.decode([token])
        return self._token_text[token]

    def chat_logprobs(self, lps: list[TokenLogprob], wanted: bool) -> dict | None:
        if not wanted:
            return None

        def entry(token: int, lp: float) -> dict:
            text = self.token_text(token)
            return {"token": text, "logprob": lp, "bytes": list(text.encode("utf-8"))}

        return {"content": [{**entry(x.token_id, x.logprob), "top_logprobs": [entry(t, v) for t, v in x.top]}
                            for x in lps]}

    def text_logprobs(self, lps: list[TokenLogprob], wanted: bool, offset: int = 0) -> dict | None:
        if not wanted:
            return None
        tokens = [self.token_text(x.token_id) for x in lps]
        offsets = []
        for t in tokens:
            offsets.append(offset)
            offset += len(t)
        return {"tokens": tokens, "token_logprobs": [x.logprob for x in lps],
                "top_logprobs": [{self.token_text(t): v for t, v in x.top} for x in lps],
                "text_offset": offsets}


class AsyncJob:
    """A job submitted from the event loop; its events arrive on an asyncio queue."""

    def __init__(self, engine: Engine, prompts: list[list[int]], params: Params):
        loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue = asyncio.Queue()

        def sink(event) -> None:
            try:
                loop.call_soon_threadsafe(self.queue.put_nowait, event)
            except RuntimeError:  # the loop is gone
                self.job.cancel()

        self.job = Job(prompts, params, sink)
        self.open = self.job.rows
        engine.submit(self.job)

    async def events(self, request) -> AsyncIterator[tuple]:
        """Events until every row finished; the job is cancelled when the client leaves."""
        try:
            while self.open:
                try:
                    event = await asyncio.wait_for(self.queue.get(), timeout=0.5)
                except asyncio.TimeoutError:
                    if await request.is_disconnected():
                        return
                    continue
                if event[0] == "error":
                    raise RuntimeError(event[1])
                if event[0] == "finish":
                    self.open -= 1
                yield event
        finally:  # client gone (or an error): its rows leave the batch at the next step
            if self.open:
                self.job.cancel()


def _error_body(message: str, kind: str = "invalid_request_error", param: str | None = None,
                code: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def create_app(model, tokenizer, model_name: str | list[str], strip_think: bool = False,
               api_key: str | None = None, max_batch: int = 8):
    """The FastAPI app serving ``model`` under ``model_name`` (one name or several aliases)."""
    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, StreamingResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    names = [model_name] if isinstance(model_name, str) else list(model_name)
    engine = Engine(model, tokenizer, max_batch=max_batch)
    server = Server(engine, names, strip_think=strip_think)
    created = int(time.time())
    app = FastAPI(title="longwriter-zero", description=f"OpenAI-compatible server for {names[0]}")
    app.state.engine = engine

    @app.middleware("http")
    async def _auth(request: Request, call_next):
        if api_key and request.url.path.startswith("/v1"):
            if request.headers.get("authorization", "") != f"Bearer {api_key}":
                return JSONResponse(_error_body("missing or wrong API key (Authorization: Bearer KEY)",
                                                "authentication_error", code="invalid_api_key"), status_code=401)
        return await call_next(request)

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

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, exc: Exception):
        return JSONResponse(_error_body(f"{type(exc).__name__}: {exc}", "server_error"), status_code=500)

    def check_model(req: _Common) -> str:
        if req.model not in (None, *names):
            raise RequestError(f"model {req.model!r} is not served here; this server has "
                               + ", ".join(repr(n) for n in names), status=404, param="model", code="model_not_found")
        return req.model or names[0]

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "model": names[0]}

    @app.get("/v1/models")
    def models() -> dict:
        return {"object": "list", "data": [{"id": n, "object": "model", "created": created,
                                            "owned_by": "longwriter-zero", "max_model_len": engine.context}
                                           for n in names]}

    def usage(prompt_tokens: int, completion_tokens: int) -> dict:
        return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens}

    @app.post("/v1/chat/completions")
    async def chat_completions(req: ChatRequest, request: Request):
        name = check_model(req)
        prompt_ids = server.render(req.messages)
        params = server.params(req, [prompt_ids], "messages")
        job = AsyncJob(engine, [prompt_ids], params)
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        if req.stream:
            include_usage = bool(req.stream_options and req.stream_options.include_usage)
            return StreamingResponse(_chat_sse(server, job, request, params, completion_id, name,
                                               len(prompt_ids), include_usage), media_type="text/event-stream")
        events = [e async for e in job.events(request)]
        if job.open:  # client gone
            return JSONResponse(_error_body("client disconnected"), status_code=499)
        choices = collect(events, params.n)
        return {
            "id": completion_id, "object": "chat.completion", "created": int(time.time()), "model": name,
            "choices": [{"index": i, "message": {"role": "assistant", "content": c["text"]},
                         "finish_reason": c["finish_reason"],
                         "logprobs": server.chat_logprobs(c["logprobs"], params.logprobs)}
                        for i, c in enumerate(choices)],
            "usage": usage(len(prompt_ids), sum(c["completion_tokens"] for c in choices)),
        }

    @app.post("/v1/completions")
    async def completions(req: CompletionRequest, request: Request):
        name = check_model(req)
        prompts = server.prompts(req)
        params = server.params(req, prompts, "prompt")
        job = AsyncJob(engine, prompts, params)
        completion_id = f"cmpl-{uuid.uuid4().hex}"
        prompt_tokens = sum(len(p) for p in prompts)
        if req.stream:
            include_usage = bool(req.stream_options and req.stream_options.include_usage)
            return StreamingResponse(_text_sse(server, job, request, params, completion_id, name, prompt_tokens,
                                               include_usage), media_type="text/event-stream")
        events = [e async for e in job.events(request)]
        if job.open:
            return JSONResponse(_error_body("client disconnected"), status_code=499)
        choices = collect(events, job.job.rows)
        return {
            "id": completion_id, "object": "text_completion", "created": int(time.time()), "model": name,
            "choices": [{"index": i, "text": c["text"], "finish_reason": c["finish_reason"],
                         "logprobs": server.text_logprobs(c["logprobs"], params.logprobs)}
                        for i, c in enumerate(choices)],
            "usage": usage(prompt_tokens, sum(c["completion_tokens"] for c in choices)),
        }

    return app


def _sse_line(body: dict) -> str:
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def _sse_tail(chunk, job: AsyncJob, include_usage: bool, prompt_tokens: int, completion_tokens: int):
    """A stream's last lines: the usage chunk (when asked for and the job finished) and ``[DONE]``."""
    if include_usage and not job.open:
        yield chunk([], {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                         "total_tokens": prompt_tokens + completion_tokens})
    yield "data: [DONE]\n\n"


async def _chat_sse(server: Server, job: AsyncJob, request, params: Params, completion_id: str, model: str,
                    prompt_tokens: int, include_usage: bool) -> AsyncIterator[str]:
    """Chat chunks in OpenAI's format, each choice as it is generated, ending with ``[DONE]``."""
    created = int(time.time())

    def chunk(choices: list[dict], usage: dict | None = None) -> str:
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": choices}
        if include_usage:
            body["usage"] = usage
        return _sse_line(body)

    yield chunk([{"index": i, "delta": {"role": "assistant", "content": ""}, "finish_reason": None,
                  "logprobs": None} for i in range(params.n)])
    completion_tokens = 0
    try:
        async for ev in job.events(request):
            if ev[0] == "delta":
                yield chunk([{"index": ev[1], "delta": {"content": ev[2]}, "finish_reason": None,
                              "logprobs": server.chat_logprobs(ev[3], params.logprobs)}])
            else:
                completion_tokens += ev[3]
                yield chunk([{"index": ev[1], "delta": {}, "finish_reason": ev[2], "logprobs": None}])
    except RuntimeError as exc:
        yield _sse_line(_error_body(str(exc), "server_error"))
    for line in _sse_tail(chunk, job, include_usage, prompt_tokens, completion_tokens):
        yield line


async def _text_sse(server: Server, job: AsyncJob, request, params: Params, completion_id: str, model: str,
                    prompt_tokens: int, include_usage: bool) -> AsyncIterator[str]:
    """Text-completion chunks in OpenAI's format, ending with ``[DONE]``."""
    created = int(time.time())
    offsets = [0] * job.job.rows

    def chunk(choices: list[dict], usage: dict | None = None) -> str:
        body = {"id": completion_id, "object": "text_completion", "created": created, "model": model,
                "choices": choices}
        if include_usage:
            body["usage"] = usage
        return _sse_line(body)

    completion_tokens = 0
    try:
        async for ev in job.events(request):
            if ev[0] == "delta":
                lps = server.text_logprobs(ev[3], params.logprobs, offsets[ev[1]])
                offsets[ev[1]] += len(ev[2])
                yield chunk([{"index": ev[1], "text": ev[2], "finish_reason": None, "logprobs": lps}])
            else:
                completion_tokens += ev[3]
                yield chunk([{"index": ev[1], "text": "", "finish_reason": ev[2], "logprobs": None}])
    except RuntimeError as exc:
        yield _sse_line(_error_body(str(exc), "server_error"))
    for line in _sse_tail(chunk, job, include_usage, prompt_tokens, completion_tokens):
        yield line
