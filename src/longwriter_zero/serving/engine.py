"""The generation engine behind ``lwz serve``: continuous batching over an HF causal LM.

One background thread owns the model. Requests (``Job``) wait in a queue; at every decoding
step the thread admits waiting jobs into the running batch (their prompts are prefilled
together, left-padded, and their KV cache is padded on the left and stacked onto the running
one), samples one token for every row, and drops rows that finished or whose client left.
So requests are served concurrently, a short request is not kept waiting behind a long one,
and a cancelled request frees its rows at the next step.

Rows keep their own positions (left padding is masked out and positions count real tokens
only), so a row's tokens do not depend on what else is in the batch, up to float rounding.
Sampling uses one ``torch.Generator`` per request, seeded by the request's ``seed``.

Models whose KV cache is not a plain ``DynamicCache`` (sliding-window layers) are served in
static batches: waiting jobs are admitted together when the batch is empty.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
import torch.nn.functional as F

from longwriter_zero.serving.sampling import (apply_logit_bias, apply_presence_frequency, apply_repetition,
                                              apply_top_k_top_p_min_p)


@dataclass
class Params:
    """Sampling parameters of one request (already validated)."""
    max_tokens: int
    n: int = 1
    temperature: float = 1.0          # 0 = greedy
    top_p: float = 1.0
    top_k: int = 0                    # 0 = off
    min_p: float = 0.0
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    repetition_penalty: float = 1.0
    logit_bias: dict[int, float] | None = None
    stop: list[str] = field(default_factory=list)
    seed: int | None = None
    logprobs: bool = False
    top_logprobs: int = 0
    min_tokens: int = 0
    ignore_eos: bool = False
    strip_think: bool = False


@dataclass
class TokenLogprob:
    """Log-probability of a generated token under the model (before temperature and penalties)."""
    token_id: int
    logprob: float
    top: list[tuple[int, float]]


# Events sent to a job's sink:
#   ("delta", index, text, [TokenLogprob, ...])
#   ("finish", index, finish_reason, completion_tokens)    finish_reason: "stop" | "length"
#   ("error", message)
Event = tuple


class Job:
    """One request: ``len(prompts) * n`` rows; row ``p * n + j`` is choice ``j`` of prompt ``p``."""

    def __init__(self, prompts: list[list[int]], params: Params, sink: Callable[[Event], None]):
        self.prompts, self.params, self.sink = prompts, params, sink
        self.cancelled = threading.Event()
        self.rows = len(prompts) * params.n
        self.generator: torch.Generator | None = None

    def cancel(self) -> None:
        self.cancelled.set()


def cut_at_stop(text: str, stops: list[str]) -> tuple[str, bool]:
    """Text before the earliest stop string, and whether one was found."""
    hits = [i for i in (text.find(s) for s in stops) if i >= 0]
    return (text[:min(hits)], True) if hits else (text, False)


def visible_answer(text: str, final: bool) -> str:
    """The answer part of a think/answer completion that can be shown so far.

    ``final``: the whole completion is known; the answer is ``prompts.parse_completion``'s.
    Before that, text is shown only once ``<answer>`` has appeared (without it the answer is
    decided at the end: the text after ``</think>``, or all of it when there are no tags);
    a trailing partial tag and trailing whitespace are held back, so each result extends the
    previous one.
    """
    from longwriter_zero.prompts import _TAG, parse_completion

    if final:
        return parse_completion(text).answer
    start = text.find("<answer>")
    if start < 0:
        return ""
    body = text[start + len("<answer>"):]
    end = body.find("</answer>")
    if end >= 0:
        body = body[:end]
    else:
        lt = body.rfind("<")
        if lt >= 0 and ">" not in body[lt:]:
            body = body[:lt]
    return _TAG.sub("", body).strip()


class Detokenizer:
    """Incremental decoding (as in vLLM): text pieces that never split a multi-byte character."""

    def __init__(self, tokenizer):
        self.tokenizer, self.prefix, self.read = tokenizer, 0, 0

    def _decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def step(self, ids: list[int], final: bool = False) -> str:
        before = self._decode(ids[self.prefix:self.read])
        full = self._decode(ids[self.prefix:])
        if len(full) <= len(before) or (full.endswith("\ufffd") and not final):
            return ""
        self.prefix, self.read = self.read, len(ids)
        return full[len(before):]


class Row:
    """One sequence being generated: tokens, text, what was sent, how it ended."""

    def __init__(self, job: Job, index: int, prompt: list[int], tokenizer, eos_ids: set[int]):
        self.job, self.index, self.prompt, self.eos_ids = job, index, prompt, eos_ids
        self.p = job.params
        self.tokens: list[int] = []
        self.detok = Detokenizer(tokenizer)
        self.text, self.sent = "", ""
        self.hold = max((len(s) for s in self.p.stop), default=1) - 1
        self.logprobs: list[TokenLogprob] = []
        self.finish: str | None = None

    def push(self, token: int, logprob: TokenLogprob | None) -> None:
        self.tokens.append(token)
        if logprob is not None:
            self.logprobs.append(logprob)
        if token in self.eos_ids and not self.p.ignore_eos:
            self.finish = "stop"
        else:
            last = len(self.tokens) >= self.p.max_tokens
            before = len(self.text)
            self.text += self.detok.step(self.tokens, final=last)
            if self.p.stop:
                tail_from = max(0, before - self.hold)
                cut, found = cut_at_stop(self.text[tail_from:], self.p.stop)
                if found:
                    self.text, self.finish = self.text[:tail_from] + cut, "stop"
            if self.finish is None and last:
                self.finish = "length"
        shown = self.text if self.finish or not self.p.stop else self.text[:max(0, len(self.text) - self.hold)]
        if self.p.strip_think:
            shown = visible_answer(shown, final=self.finish is not None)
        delta = ""
        if shown.startswith(self.sent) and len(shown) > len(self.sent):
            delta, self.sent = shown[len(self.sent):], shown
        if delta or self.logprobs:
            self.job.sink(("delta", self.index, delta, self.logprobs))
            self.logprobs = []
        if self.finish:
            self.job.sink(("finish", self.index, self.finish, len(self.tokens)))


class Engine:
    """Continuous-batching generation on one model; ``submit`` jobs from any thread."""

    def __init__(self, model, tokenizer, max_batch: int = 8):
        self.model, self.tokenizer, self.max_batch = model, tokenizer, max(1, max_batch)
        self.device = next(model.parameters()).device
        self.context = int(getattr(model.config, "max_position_embeddings", 0) or 0) or None
        self.eos_ids = self._eos_ids()
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.pending: deque[Job] = deque()
        self.cond = threading.Condition()
        self.thread: threading.Thread | None = None
        self.joinable = True          # False once the cache is seen not to be a plain DynamicCache
        self.steps = 0                # decoding steps run (for tests and statistics)
        self.max_rows_seen = 0
        self.closed = False
        import inspect

        # transformers >= 5.x names the cache argument ``cache``; older ones ``past_key_values``
        self.cache_arg = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
        self._reset()

    def _eos_ids(self) -> set[int]:
        ids = set()
        for source in (self.model.generation_config, self.tokenizer):
            value = getattr(source, "eos_token_id", None)
            ids.update(value if isinstance(value, (list, tuple)) else [value] if value is not None else [])
        if self.tokenizer.pad_token_id is not None:
            ids.add(self.tokenizer.pad_token_id)
        return ids

    def _reset(self) -> None:
        self.rows: list[Row] = []
        self.cache = None
        self.mask = self.next_ids = self.positions = self.counts = self.prompt_seen = None

    # ------------------------------------------------------------------ public
    def submit(self, job: Job) -> None:
        with self.cond:
            self.pending.append(job)
            if self.thread is None:
                self.thread = threading.Thread(target=self._loop, name="lwz-engine", daemon=True)
                self.thread.start()
            self.cond.notify()

    def close(self, timeout: float = 10.0) -> None:
        """Cancel every request and stop the generation thread (at the next step)."""
        with self.cond:
            self.closed = True
            for job in list(self.pending) + [r.job for r in self.rows]:
                job.cancel()
            self.cond.notify()
        if self.thread is not None:
            self.thread.join(timeout)

    # ------------------------------------------------------------------ loop
    def _admit(self) -> list[Job]:
        admitted, room = [], self.max_batch - len(self.rows)
        while self.pending:
            job = self.pending[0]
            if job.cancelled.is_set():
                self.pending.popleft()
                continue
            if (admitted or self.rows) and (job.rows > room or (self.rows and not self.joinable)):
                break
            admitted.append(self.pending.popleft())
            room -= job.rows
        return admitted

    def _loop(self) -> None:
        if self.device.type == "cpu":  # per thread: subnormal floats run many times slower on x86
            torch.set_flush_denormal(True)
        while True:
            with self.cond:
                while not self.pending and not self.rows and not self.closed:
                    self.cond.wait()
                if self.closed:
                    return
                admitted = self._admit()
            try:
                with torch.inference_mode():
                    self._drop([r for r in self.rows if r.job.cancelled.is_set()])
                    if admitted:
                        self._prefill(admitted)
                    if self.rows:
                        self._decode()
            except Exception as exc:  # noqa: BLE001 - reported to every affected client
                message = f"generation failed: {type(exc).__name__}: {exc}"
                jobs = {id(j): j for j in [r.job for r in self.rows] + admitted}
                for job in jobs.values():
                    job.sink(("error", message))
                self._reset()

    # ------------------------------------------------------------------ batch state
    def _prefill(self, jobs: list[Job]) -> None:
        prompts = [(job, p, prompt) for job in jobs for p, prompt in enumerate(job.prompts)]
        width = max(len(prompt) for _, _, prompt in prompts)
        ids = torch.full((len(prompts), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for i, (_, _, prompt) in enumerate(prompts):
            ids[i, width - len(prompt):] = torch.tensor(prompt)
            mask[i, width - len(prompt):] = 1
        ids, mask = ids.to(self.device), mask.to(self.device)
        out = self.model(input_ids=ids, attention_mask=mask, position_ids=(mask.cumsum(-1) - 1).clamp(min=0),
                         use_cache=True)
        cache = self._cache_of(out)
        # n rows per prompt share its prefill
        expand = torch.tensor([i for i, (job, _, _) in enumerate(prompts) for _ in range(job.params.n)],
                              device=self.device)
        if len(expand) != len(prompts):
            for layer in cache.layers:
                layer.batch_select_indices(expand)
        logits, mask = out.logits[:, -1, :].float()[expand], mask[expand]
        new_rows = []
        for job in jobs:
            if job.generator is None:
                job.generator = torch.Generator(device=self.device)
                if job.params.seed is None:
                    job.generator.seed()
                else:
                    job.generator.manual_seed(job.params.seed & 0xFFFF_FFFF_FFFF_FFFF)
            for p, prompt in enumerate(job.prompts):
                new_rows += [Row(job, p * job.params.n + j, prompt, self.tokenizer, self.eos_ids)
                             for j in range(job.params.n)]
        vocab = logits.shape[-1]
        positions = torch.tensor([len(r.prompt) for r in new_rows], device=self.device)
        counts = torch.zeros((len(new_rows), vocab), dtype=torch.int32, device=self.device)
        seen = torch.zeros((len(new_rows), vocab), dtype=torch.bool, device=self.device)
        for i, r in enumerate(new_rows):
            seen[i, torch.tensor(r.prompt, device=self.device).clamp(max=vocab - 1)] = True
        next_ids = torch.zeros(len(new_rows), dtype=torch.long, device=self.device)
        if self.rows:
            self._merge(cache, mask)
            self.next_ids = torch.cat([self.next_ids, next_ids])
            self.positions = torch.cat([self.positions, positions])
            self.counts = torch.cat([self.counts, counts])
            self.prompt_seen = torch.cat([self.prompt_seen, seen])
        else:
            self.cache, self.mask, self.next_ids, self.positions = cache, mask, next_ids, positions
            self.counts, self.prompt_seen = counts, seen
        self.joinable = all(type(layer).__name__ == "DynamicLayer" for layer in self.cache.layers)
        first = len(self.rows)
        self.rows += new_rows
        self.max_rows_seen = max(self.max_rows_seen, len(self.rows))
        self._choose(logits, list(range(first, len(self.rows))))

    @staticmethod
    def _cache_of(out):
        cache = getattr(out, "cache", None)
        return cache if cache is not None else out.past_key_values

    def _merge(self, cache, mask: torch.Tensor) -> None:
        """Stack a new cache under the running one, left-padding the shorter to a common length."""
        t_old, t_new = self.mask.shape[1], mask.shape[1]
        width = max(t_old, t_new)
        for old, new in zip(self.cache.layers, cache.layers):
            old.keys = torch.cat([F.pad(old.keys, (0, 0, width - t_old, 0)), F.pad(new.keys, (0, 0, width - t_new, 0))])
            old.values = torch.cat([F.pad(old.values, (0, 0, width - t_old, 0)),
                                    F.pad(new.values, (0, 0, width - t_new, 0))])
        self.mask = torch.cat([F.pad(self.mask, (width - t_old, 0)), F.pad(mask, (width - t_new, 0))])

    def _drop(self, rows: list[Row]) -> None:
        """Remove rows from the batch, and cache columns that only padding uses any more."""
        if not rows:
            return
        gone = {id(r) for r in rows}
        keep = [i for i, r in enumerate(self.rows) if id(r) not in gone]
        if not keep:
            self._reset()
            return
        idx = torch.tensor(keep, device=self.device)
        self.rows = [self.rows[i] for i in keep]
        self.mask, self.next_ids, self.positions = self.mask[idx], self.next_ids[idx], self.positions[idx]
        self.counts, self.prompt_seen = self.counts[idx], self.prompt_seen[idx]
        used = self.mask.any(0).nonzero()
        start = int(used[0]) if len(used) else 0
        for layer in self.cache.layers:
            layer.batch_select_indices(idx)
            if start:
                layer.keys, layer.values = layer.keys[:, :, start:], layer.values[:, :, start:]
        self.mask = self.mask[:, start:]

    def _decode(self) -> None:
        self.mask = torch.cat([self.mask, torch.ones_like(self.mask[:, :1])], dim=1)
        out = self.model(input_ids=self.next_ids[:, None], attention_mask=self.mask,
                         position_ids=self.positions[:, None], use_cache=True, **{self.cache_arg: self.cache})
        self.cache = self._cache_of(out)
        self.positions = self.positions + 1
        self.steps += 1
        self._choose(out.logits[:, -1, :].float(), list(range(len(self.rows))))

    # ------------------------------------------------------------------ sampling
    def _choose(self, logits: torch.Tensor, which: list[int]) -> None:
        """Pick the next token of rows ``which`` (positions in ``self.rows``) from their logits."""
        rows = [self.rows[i] for i in which]
        idx = torch.tensor(which, device=self.device)
        params = [r.p for r in rows]

        def vec(name, dtype=torch.float32):
            return torch.tensor([getattr(p, name) for p in params], dtype=dtype, device=self.device)

        logp = logits.log_softmax(-1) if any(p.logprobs for p in params) else None
        x = logits
        if any(p.presence_penalty or p.frequency_penalty for p in params):
            x = apply_presence_frequency(x, self.counts[idx], vec("presence_penalty"), vec("frequency_penalty"))
        if any(p.repetition_penalty != 1.0 for p in params):
            x = apply_repetition(x, self.prompt_seen[idx] | (self.counts[idx] > 0), vec("repetition_penalty"))
        x = apply_logit_bias(x, [p.logit_bias for p in params])
        early = [k for k, r in enumerate(rows) if len(r.tokens) < r.p.min_tokens]
        if early and self.eos_ids:
            x = x.clone()
            eos = torch.tensor(sorted(self.eos_ids), device=self.device)
            x[torch.tensor(early, device=self.device)[:, None], eos[None, :]] = float("-inf")
        temperature = vec("temperature")
        greedy = x.argmax(-1)
        scaled = x / torch.where(temperature > 0, temperature, torch.ones_like(temperature))[:, None]
        filtered = apply_top_k_top_p_min_p(scaled, vec("top_k", torch.long), vec("top_p"), vec("min_p"))
        probs = filtered.softmax(-1)
        chosen = []
        for k, r in enumerate(rows):
            if r.p.temperature > 0:
                chosen.append(int(torch.multinomial(probs[k], 1, generator=r.job.generator)))
            else:
                chosen.append(int(greedy[k]))
        tokens = torch.tensor(chosen, device=self.device)
        self.next_ids[idx] = tokens
        self.counts[idx, tokens] += 1
        finished = []
        for k, (r, token) in enumerate(zip(rows, chosen)):
            lp = None
            if r.p.logprobs:
                top = []
                if r.p.top_logprobs:
                    values, ids = logp[k].topk(r.p.top_logprobs)
                    top = list(zip(ids.tolist(), values.tolist()))
                lp = TokenLogprob(token, float(logp[k, token]), top)
            r.push(token, lp)
            if r.finish or r.job.cancelled.is_set():
                finished.append(r)
        self._drop(finished)


def collect(events: list[Event], count: int) -> list[dict[str, Any]]:
    """Fold a finished job's events into ``count`` choices: text, finish_reason, tokens, logprobs."""
    choices = [{"text": "", "finish_reason": None, "completion_tokens": 0, "logprobs": []} for _ in range(count)]
    for ev in events:
        if ev[0] == "delta":
            choices[ev[1]]["text"] += ev[2]
            choices[ev[1]]["logprobs"] += ev[3]
        elif ev[0] == "finish":
            choices[ev[1]]["finish_reason"], choices[ev[1]]["completion_tokens"] = ev[2], ev[3]
    return choices
