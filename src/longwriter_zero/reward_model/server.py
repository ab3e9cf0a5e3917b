"""HTTP scoring server for the writing reward model, and its client.

Server (FastAPI, run by uvicorn; ``lwz rm serve``):

- ``GET /health`` -> ``{"status": "ok", "model": folder, "max_length": N}``
- ``POST /score`` with ``{"prompts": [...], "responses": [...], "batch_size": 8}`` (each item a
  string or a list of ``{role, content}`` messages, both lists of equal length) ->
  ``{"scores": [...], "windows": [...]}`` (``windows[i] > 1``: text i was scored by sliding
  windows, see ``reward_model``). Requests are scored one at a time (a lock), since one model
  serves them all.

Client (``RewardModelClient``, httpx): each request has a timeout; connection errors,
timeouts and 5xx answers are retried with exponential back-off; after the last try a
``UserError`` names the URL and the cause. A 4xx answer (a bad request) is not retried.
"""


import socket
import threading
import time
from typing import Sequence, Union

from longwriter_zero.errors import UserError
from longwriter_zero.reward_model.model import RewardModel, ScoreResult

Message = dict[str, str]
TextItem = Union[str, list]


def create_app(rm: RewardModel, model_name: str = "", default_batch_size: int = 8):
    """The FastAPI application serving ``rm``."""
    from fastapi import FastAPI, HTTPException
    from pydantic import BaseModel, Field

    class ChatMessage(BaseModel):       # a message without role or content is a 422 with the field named
        role: str
        content: str

    class ScoreRequest(BaseModel):
        prompts: list[Union[str, list[ChatMessage]]]
        responses: list[Union[str, list[ChatMessage]]]
        batch_size: int = Field(default=default_batch_size, ge=1, le=1024)

    app = FastAPI(title="longwriter-zero writing reward model")
    lock = threading.Lock()

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "model": model_name, "max_length": rm.max_length}

    @app.post("/score")
    def score(req: ScoreRequest) -> dict:
        if len(req.prompts) != len(req.responses):
            raise HTTPException(400, f"{len(req.prompts)} prompts but {len(req.responses)} responses")
        plain = lambda items: [x if isinstance(x, str) else [m.model_dump() for m in x] for x in items]
        with lock:
            try:
                result = rm.score(plain(req.prompts), plain(req.responses), req.batch_size)
            except UserError as e:
                raise HTTPException(400, str(e)) from None
        return {"scores": result.scores, "windows": result.windows}

    return app


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class BackgroundServer:
    """Run an ASGI app with uvicorn in a daemon thread (for tests, demos and notebooks)."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, startup_timeout: float = 30.0):
        import uvicorn

        self.host, self.port = host, port or free_port(host)
        self.server = uvicorn.Server(uvicorn.Config(app, host=self.host, port=self.port, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + startup_timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.time() > deadline:
                raise RuntimeError(f"server on {self.host}:{self.port} did not start")
            time.sleep(0.02)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> "BackgroundServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def serve(model_dir: str, host: str = "127.0.0.1", port: int = 8010, device: str = "cpu",
          batch_size: int = 8, max_length: int | None = None) -> None:
    """Load the reward model and serve it until interrupted (``lwz rm serve``)."""
    import uvicorn

    rm = RewardModel.load(model_dir, device=device, max_length=max_length)
    uvicorn.run(create_app(rm, str(model_dir), batch_size), host=host, port=port, log_level="info")


class RewardModelClient:
    """Client of ``/score`` with per-request timeout and retries (see the module docstring)."""

    def __init__(self, url: str, timeout: float = 60.0, retries: int = 3, backoff: float = 0.5):
        import httpx

        if not url.startswith(("http://", "https://")):
            raise UserError(f"reward server url '{url}' must start with http:// or https://")
        if retries < 1:
            raise UserError("reward server client: retries must be >= 1")
        self.url = url.rstrip("/")
        self.retries, self.backoff = retries, backoff
        self._client = httpx.Client(timeout=timeout)

    def _request(self, method: str, path: str, payload: dict | None = None) -> dict:
        import httpx

        last = ""
        for attempt in range(self.retries):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                resp = self._client.request(method, self.url + path, json=payload)
            except httpx.TimeoutException as e:
                last = f"timed out ({type(e).__name__})"
                continue
            except httpx.TransportError as e:
                last = f"{type(e).__name__}: {e}"
                continue
            if resp.status_code >= 500:
                last = f"HTTP {resp.status_code}"
                continue
            if resp.status_code >= 400:
                raise UserError(f"reward server {self.url}{path} rejected the request: "
                                f"HTTP {resp.status_code} {resp.text[:200]}")
            return resp.json()
        raise UserError(f"reward server {self.url} unreachable after {self.retries} tries: {last}")

    def health(self) -> dict:
        return self._request("GET", "/health")

    def score(self, prompts: Sequence[TextItem], responses: Sequence[TextItem], batch_size: int = 8) -> ScoreResult:
        out = self._request("POST", "/score", {"prompts": list(prompts), "responses": list(responses),
                                               "batch_size": batch_size})
        scores, windows = out.get("scores"), out.get("windows")
        if not isinstance(scores, list) or len(scores) != len(prompts):
            raise UserError(f"reward server {self.url} returned {len(scores or [])} scores for {len(prompts)} texts")
        return ScoreResult([float(s) for s in scores], [int(w) for w in (windows or [1] * len(scores))])

    def close(self) -> None:
        self._client.close()
