"""Quality of the writing-request filter on the labelled request sets (rules, or the judge backend).

    .venv/bin/python benchmarks/filter_quality.py [--show-errors] [--backend llm [--judge-url URL --judge-model M]]

Sets (JSONL; schema in ``docs/data.md``):

- ``tests/data/requests_tuning.jsonl`` (559: 406 writing, 153 not) -- the rules were TUNED on it;
- ``tests/data/requests_fresh.jsonl`` (194: 124 writing, 70 not) -- written after the rules were
  frozen (commit "freeze rules"), measured without changing them;
- the older ``filter_labelled.jsonl`` (242; written with the first rules), ``filter_heldout.jsonl``
  (90) and ``filter_blind.jsonl`` (80).

Figures: share of writing requests kept (should be >= 0.95) and share of non-writing requests kept
(should be <= 0.05), per language, plus precision/recall. Also how many LongBench-Write prompts
(all writing requests) are kept, when the shared file exists.

``--backend llm`` sends every request through the judge path (``judge_verdicts``: messages, HTTP,
JSON extraction, retries, fallback to the rules on unreadable replies). Without ``--judge-url`` it
starts a LOOPBACK judge on 127.0.0.1 (a real HTTP server, ``loopback_judge``) whose deterministic
policy is the rules' own verdict, written in varied reply formats (bare JSON, fenced JSON, prose
around JSON, an unreadable first reply). That measures the plumbing and the reply parsing -- the
figures must equal the rules' -- not the quality of any language model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import threading
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from fastapi import FastAPI, Request  # noqa: E402

from longwriter_zero.data.filter import classify_request, judge_verdicts  # noqa: E402

DATA = REPO / "tests" / "data"
SETS = {"tuning": DATA / "requests_tuning.jsonl", "fresh": DATA / "requests_fresh.jsonl",
        "labelled": DATA / "filter_labelled.jsonl", "held-out": DATA / "filter_heldout.jsonl",
        "blind": DATA / "filter_blind.jsonl"}
LONGBENCH = REPO.parent / "shared" / "data" / "longbench_write_en.jsonl"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def loopback_judge():
    """A FastAPI app answering chat completions like a judge, deterministically: the filter question
    with the rules' verdict, the range question with the offline range (explicit rule, else prior).
    Reply formats vary by a hash of the request; one request in five first gets an unreadable reply."""
    from longwriter_zero.data.ranges import parse_length_requirement, prior_range, range_for

    app = FastAPI()
    seen: Counter = Counter()
    lock = threading.Lock()

    @app.post("/v1/chat/completions")
    async def chat(request: Request):
        body = await request.json()
        system, user = body["messages"][0]["content"], body["messages"][1]["content"]
        with lock:
            key = json.dumps(body["messages"][:2], ensure_ascii=False)
            seen[key] += 1
            first = seen[key] == 1
        if system.startswith("You screen requests"):
            prompt = re.match(r"Request:\n<<<\n(.*)\n>>>$", user, re.S).group(1)
            verdict = classify_request(prompt)
            obj = {"keep": verdict.keep, "reason": verdict.reason}
        else:
            prompt = user[len("Request:\n"):]
            req = parse_length_requirement(prompt)
            lo, hi = range_for(req) if req is not None else prior_range(prompt)[0]
            obj = {"range": [lo + 13 if lo else 0, hi - 7 if hi else 0]}   # unrounded: repair_range rounds
        h = int(hashlib.sha1(prompt.encode("utf-8")).hexdigest(), 16)
        text = json.dumps(obj, ensure_ascii=False)
        if first and h % 5 == 0:
            content = "Let me think about what this request really asks for."
        else:
            content = [text, f"```json\n{text}\n```", f"My decision: {text} -- done.", f"{text[:-1]},}}"][h % 4]
        return {"id": "x", "object": "chat.completion", "created": 0, "model": body.get("model", "judge"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "finish_reason": "stop"}]}

    return app


def verdicts_for(prompts: list[str], client) -> tuple[list, int]:
    if client is None:
        return [classify_request(p) for p in prompts], 0
    judged = judge_verdicts(prompts, client)
    fallbacks = sum(v is None for v in judged)
    return [v if v is not None else classify_request(p) for v, p in zip(judged, prompts)], fallbacks


def report(name: str, rows: list[dict], client, show_errors: bool) -> dict:
    verdicts, fallbacks = verdicts_for([r["prompt"] for r in rows], client)
    out = {}
    for lang in ("all", "en", "zh"):
        part = [(r, v) for r, v in zip(rows, verdicts) if lang == "all" or r["lang"] == lang]
        writing = [v.keep for r, v in part if r["label"]]
        other = [v.keep for r, v in part if not r["label"]]
        tp, fp = sum(writing), sum(other)
        precision = tp / max(tp + fp, 1)
        recall = tp / max(len(writing), 1)
        print(f"{name:<9} {lang:<4} {len(part):>4} {len(writing):>5} {recall:>13.3f} {len(other):>5} "
              f"{fp / max(len(other), 1):>13.3f} {precision:>9.3f}")
        out[lang] = {"writing_kept": recall, "other_kept": fp / max(len(other), 1), "precision": precision,
                     "n": len(part)}
    if fallbacks:
        print(f"          judge replies unreadable after retries (rules decided): {fallbacks}")
    if show_errors:
        for r, v in zip(rows, verdicts):
            if v.keep != r["label"]:
                kind = "false keep" if v.keep else "false drop"
                print(f"    {kind} ({v.reason}: {v.detail!r}): {r['prompt'][:100]!r}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true", help="list every misclassified request")
    parser.add_argument("--backend", choices=["rules", "llm"], default="rules")
    parser.add_argument("--judge-url", default=None, help="a real judge server (default: the loopback judge)")
    parser.add_argument("--judge-model", default="judge")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ", ".join(SETS))
    args = parser.parse_args()

    def run(client) -> None:
        print(f"backend: {args.backend}" + (f" ({'loopback judge' if not args.judge_url else args.judge_url})"
                                             if client is not None else ""))
        print(f"{'set':<9} {'lang':<4} {'n':>4} {'write':>5} {'writing kept':>13} {'other':>5} "
              f"{'other kept':>13} {'precision':>9}")
        for name in args.sets.split(","):
            report(name, load(SETS[name]), client, args.show_errors)
        if LONGBENCH.exists() and "tuning" in args.sets:
            rows = load(LONGBENCH)
            verdicts, _ = verdicts_for([r["prompt"] for r in rows], client)
            print(f"LongBench-Write (en, all writing): kept {sum(v.keep for v in verdicts)} of {len(rows)}")
            if args.show_errors:
                for v, r in zip(verdicts, rows):
                    if not v.keep:
                        print(f"    dropped ({v.reason}: {v.detail!r}): {r['prompt'][:90]!r}")
        if client is not None:
            print(f"judge HTTP calls: {client.calls_made}")

    if args.backend == "rules":
        run(None)
        return 0
    from longwriter_zero.judge.client import JudgeClient

    if args.judge_url:
        run(JudgeClient(args.judge_url, args.judge_model, concurrency=4))
        return 0
    from longwriter_zero.serving.background import BackgroundServer

    with BackgroundServer(loopback_judge()) as server:
        run(JudgeClient(server.url, "judge", concurrency=4, backoff=0.01))
    return 0


if __name__ == "__main__":
    sys.exit(main())
