"""Held-out evaluation inside training: the policy on prompts it never trains on.

A fixed prompt file (``eval.prompts``; rows with ``prompt``, ``length`` — the required length in
words or CJK characters — and ``range``) is answered by the current policy before the first step,
every ``eval.every`` steps and after the last, each time with the same seeded generator
(``eval.seed``), so two evaluations differ only by the weights. Per evaluation:

- ``length_score``: LongBench-Write's S_l (``evaluation.length_score``), mean over prompts;
- ``in_range``: share of answers whose length lies inside the prompt's range;
- ``well_formed``: share of completions in the exact think/answer (or answer-only) layout;
- ``length_ratio``: mean produced / required length; ``answer_length``: mean produced length;
- ``truncated``: share of completions that hit the generation cap;
- repetition (``rewards.repetition.repetition_metrics``, the format reward's own measure):
  ``repetition`` (score, 1 = no repeats), ``repeated_4gram_rate``, ``distinct_2``;
- ``writing``: the training writing reward model's mean score (when the run trains with one), and
  ``writing_heldout``: the mean score of a reward model the run does *not* train against
  (``eval.writing_model``), so a policy that games its own reward model shows up as a gap.

Rows go to ``<run>/eval.jsonl`` (``step`` 0 is the starting policy) and, for steps >= 1, into
that step's ``metrics.jsonl`` row as ``eval/<name>``; answers go to ``<run>/eval/step_NNNN.jsonl``.
``write_figure`` puts the first and last evaluation side by side (``heldout.png``, ``heldout.md``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from longwriter_zero.errors import UserError
from longwriter_zero.evaluation.length_score import length_score
from longwriter_zero.jsonl import iter_jsonl
from longwriter_zero.prompts import build_prompt, parse_completion
from longwriter_zero.rewards.length import check_range
from longwriter_zero.rewards.repetition import repetition_metrics
from longwriter_zero.text.counting import count_length

# (key, label, higher is better) in the order tables and figures show them
METRICS = (("length_score", "length score S_l", True), ("in_range", "inside range", True),
           ("well_formed", "well-formed", True), ("length_ratio", "length / required", None),
           ("answer_length", "answer length", None), ("truncated", "hit the cap", False),
           ("repetition", "repetition score", True), ("repeated_4gram_rate", "repeated 4-grams", False),
           ("distinct_2", "distinct-2", True), ("writing", "writing RM (trained on)", True),
           ("writing_heldout", "writing RM (held out)", True))


def load_eval_prompts(path: str | Path) -> list[dict]:
    """Rows with a non-empty ``prompt``, a positive ``length`` and a ``range``; errors name file:line."""
    rows = []
    for lineno, row in iter_jsonl(path):
        where = f"{path}:{lineno}"
        if not isinstance(row.get("prompt"), str) or not row["prompt"].strip():
            raise UserError(f"{where}: missing or empty 'prompt'")
        n = row.get("length")
        if isinstance(n, bool) or not isinstance(n, (int, float)) or n <= 0:
            raise UserError(f"{where}: 'length' (required length) must be a positive number, got {n!r}")
        if "range" not in row:
            raise UserError(f"{where}: no 'range'")
        row["range"] = list(check_range(row["range"], where))
        row.setdefault("id", str(lineno))
        rows.append(row)
    if not rows:
        raise UserError(f"{path}: no evaluation prompts")
    return rows


def answer_scores(row: dict, completion: str, require_think: bool) -> dict:
    """Per-answer figures (no reward model): length, S_l, in range, well formed, repetition."""
    parsed = parse_completion(completion, require_think)
    n = count_length(parsed.answer)
    lo, hi = row["range"]
    rep = repetition_metrics(parsed.answer)
    return {"answer_length": float(n), "length_score": length_score(row["length"], n),
            "in_range": float(lo <= n <= hi), "length_ratio": n / row["length"],
            "well_formed": float(parsed.well_formed), "repetition": rep["score"],
            "repeated_4gram_rate": rep["repeated_4gram_rate"], "distinct_2": rep["distinct_2"]}


def summarize(per_answer: list[dict]) -> dict:
    """Means over answers of every per-answer figure."""
    return {k: float(np.mean([a[k] for a in per_answer])) for k in per_answer[0]}


@dataclass
class HeldoutEvaluator:
    """Answers the evaluation prompts with a policy and scores them."""
    rows: list[dict]
    max_new_tokens: int
    samples: int
    temperature: float
    top_p: float
    seed: int
    template: str
    language: str
    chat_template: bool
    template_text: str | None = None
    writing: object = None           # the training writing reward (or None)
    writing_heldout: object = None   # a writing reward the run does not train against (or None)

    @torch.no_grad()
    def generate(self, model, tokenizer, eos_ids, batch_size: int = 32) -> list[dict]:
        """One record per (prompt, sample): the row, the completion and its finish reason.

        All prompts are sampled together (left-padded batches through ``model.generate``, a Hugging
        Face model): at batch 1 a CPU decode step is latency-bound, so one batch of 24 prompts costs
        a few single-prompt passes. The torch RNG is seeded with ``seed`` inside a forked RNG state,
        so the evaluation draws the same numbers every time and leaves training's RNG untouched."""
        from longwriter_zero.rollout.sampling import decode_completion

        texts = [build_prompt(r["prompt"], tokenizer, self.template, self.language, self.template_text,
                              self.chat_template) for r in self.rows for _ in range(self.samples)]
        rows = [r for r in self.rows for _ in range(self.samples)]
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos_ids[0]
        side = tokenizer.padding_side
        tokenizer.padding_side = "left"
        out = []
        try:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.seed)
                for i in range(0, len(texts), batch_size):
                    enc = tokenizer(texts[i:i + batch_size], return_tensors="pt", padding=True,
                                    add_special_tokens=False).to(model.device)
                    gen = model.generate(**enc, do_sample=True, temperature=self.temperature, top_p=self.top_p,
                                         top_k=0, max_new_tokens=self.max_new_tokens, eos_token_id=eos_ids,
                                         pad_token_id=pad)
                    for row, ids in zip(rows[i:i + batch_size], gen[:, enc.input_ids.shape[1]:].tolist()):
                        stop = next((k for k, t in enumerate(ids) if t in eos_ids), None)
                        ids = ids if stop is None else ids[:stop + 1]
                        out.append({"id": row["id"], "row": row, "completion": decode_completion(tokenizer, ids),
                                    "finish_reason": "length" if stop is None else "stop"})
        finally:
            tokenizer.padding_side = side
        return out

    def score(self, records: list[dict]) -> tuple[dict, list[dict]]:
        """Mean figures and one answer row per record (for ``eval/step_NNNN.jsonl``)."""
        think = self.template == "think"
        per = [answer_scores(r["row"], r["completion"], think) for r in records]
        for p, r in zip(per, records):
            p["truncated"] = float(r["finish_reason"] == "length")
        for key, reward in (("writing", self.writing), ("writing_heldout", self.writing_heldout)):
            if reward is None:
                continue
            out = reward([r["row"]["prompt"] for r in records], [r["completion"] for r in records],
                         [r["row"] for r in records])
            for p, s in zip(per, out.scores):
                p[key] = float(s)
        answers = [{"id": r["id"], "prompt": r["row"]["prompt"], "length": r["row"]["length"],
                    "range": r["row"]["range"], "completion": r["completion"], **p} for r, p in zip(records, per)]
        return summarize(per), answers

    def evaluate(self, model, tokenizer, eos_ids) -> tuple[dict, list[dict]]:
        return self.score(self.generate(model, tokenizer, eos_ids))


# --------------------------------------------------------------------------- inside a GRPO run


def build_evaluator(cfg, rewards: list, template_text: str | None, device: str) -> HeldoutEvaluator | None:
    """From a ``TrainConfig`` and its built rewards [(reward, weight)]: None when ``eval.prompts`` is empty."""
    e = cfg.eval
    if not e.prompts:
        return None
    if e.samples < 1 or e.every < 0 or e.max_new_tokens < 0:
        raise UserError("config key 'eval': samples must be >= 1, every and max_new_tokens >= 0")
    from longwriter_zero.rewards.base import RewardSettings
    from longwriter_zero.rewards.writing import WritingReward

    writing = next((r for r, _ in rewards if r.name == "writing"), None)
    held = None
    if e.writing_model:
        if not Path(e.writing_model).exists():
            raise UserError(f"config key 'eval.writing_model': {e.writing_model}: no such reward model folder")
        held = WritingReward(RewardSettings.from_train_config(cfg, device), model=e.writing_model)
    return HeldoutEvaluator(load_eval_prompts(e.prompts), e.max_new_tokens or cfg.rollout.max_new_tokens,
                            e.samples, e.temperature, cfg.rollout.top_p, e.seed, cfg.prompt.template,
                            cfg.prompt.language, cfg.prompt.chat_template, template_text, writing, held)


def eos_ids(model, tokenizer) -> list[int]:
    return [i for i in {tokenizer.eos_token_id, getattr(model.generation_config, "eos_token_id", None)}
            if isinstance(i, int)]


def due(step: int, every: int, last: int) -> bool:
    """Evaluate after ``step`` (0 = before training)? Always at 0 and ``last``, and every ``every``."""
    return step == 0 or step == last or (every > 0 and step % every == 0)


def evaluate_run(run, evaluator: HeldoutEvaluator, step: int) -> dict:
    """Evaluate the policy of ``run`` now, append to ``eval.jsonl``, return ``{"eval/<k>": v}``."""
    import time

    t0 = time.perf_counter()
    run.model.eval()
    means, answers = evaluator.evaluate(run.model, run.tokenizer, eos_ids(run.model, run.tokenizer))
    folder = run.run_dir / "eval"
    folder.mkdir(exist_ok=True)
    with (folder / f"step_{step:04d}.jsonl").open("w", encoding="utf-8") as f:
        for a in answers:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    row = {"step": step, **{f"eval/{k}": v for k, v in means.items()},
           "eval/n": len(answers), "eval/seconds": time.perf_counter() - t0}
    with (run.run_dir / "eval.jsonl").open("a") as f:
        f.write(json.dumps(row) + "\n")
    return {k: v for k, v in row.items() if k != "step"}


def start(run) -> HeldoutEvaluator | None:
    """Build the evaluator of a GRPO run and evaluate the starting policy (step 0), unless a resumed
    run already holds that evaluation (later ones past the checkpoint are dropped)."""
    evaluator = build_evaluator(run.cfg, run.rewards, run.template_text, run.device)
    if evaluator is None:
        return None
    if run.start_step == 0:
        (run.run_dir / "eval.jsonl").unlink(missing_ok=True)
    if not truncate_eval(run.run_dir, run.start_step):
        evaluate_run(run, evaluator, 0)
    return evaluator


def evaluate_model(cfg, model_name: str, out_json: str | Path) -> dict:
    """Evaluate a model that is not being trained (e.g. the untrained embedded model) exactly as a run of
    ``cfg`` evaluates its policy; the eval row is cached in ``out_json``."""
    import time

    out_json = Path(out_json)
    if out_json.exists():
        return json.loads(out_json.read_text())
    from longwriter_zero.models import load_model, resolve_device
    from longwriter_zero.prompts import load_template_file
    from longwriter_zero.rewards.base import RewardSettings
    from longwriter_zero.rewards.registry import build_rewards
    device = resolve_device(cfg.device)
    writing = [s for s in cfg.rewards if s.name == "writing"]
    rewards = build_rewards(writing, RewardSettings.from_train_config(cfg, device))
    template_text = load_template_file(cfg.prompt.template_file) if cfg.prompt.template_file else None
    evaluator = build_evaluator(cfg, rewards, template_text, device)
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    model, tok = load_model(model_name, dtype=cfg.model.dtype, seed=cfg.model.seed, device=device)
    model.eval()
    t0 = time.perf_counter()
    means, answers = evaluator.evaluate(model, tok, eos_ids(model, tok))
    row = {"model": model_name, **{f"eval/{k}": v for k, v in means.items()}, "eval/n": len(answers),
           "eval/seconds": time.perf_counter() - t0}
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(row, indent=1))
    with out_json.with_suffix(".answers.jsonl").open("w", encoding="utf-8") as f:
        for a in answers:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    return row


def truncate_eval(run_dir: Path, step: int) -> bool:
    """On resume: drop evaluations after ``step``; True when the step-0 evaluation is kept."""
    path = Path(run_dir) / "eval.jsonl"
    if not path.exists():
        return False
    rows = [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]
    rows = [r for r in rows if r["step"] <= step]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return any(r["step"] == 0 for r in rows)


def read_eval(run_dir: str | Path) -> list[dict]:
    path = Path(run_dir) / "eval.jsonl"
    if not path.exists():
        return []
    return [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]


# --------------------------------------------------------------------------- tables and figure


def before_after(rows: list[dict], labels: dict[str, dict] | None = None) -> list[tuple[str, list[float]]]:
    """[(label, [value per column])] for the metrics present in every evaluation row given."""
    out = []
    for key, label, _ in METRICS:
        k = f"eval/{key}"
        if all(k in r for r in rows):
            out.append((label, [r[k] for r in rows]))
    return out


def _fmt(key_label: str, v: float) -> str:
    pct = key_label in ("length score S_l",)
    share = key_label in ("inside range", "well-formed", "hit the cap")
    return f"{v:.1f}" if pct else f"{100 * v:.0f}%" if share else f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"


def table_text(columns: list[tuple[str, dict]]) -> str:
    """Plain-text table: one column per (title, eval row)."""
    lines = before_after([r for _, r in columns])
    head = f"{'held-out metric':26s}" + "".join(f"{t:>16s}" for t, _ in columns)
    body = [f"{label:26s}" + "".join(f"{_fmt(label, v):>16s}" for v in vals) for label, vals in lines]
    n = columns[0][1].get("eval/n")
    return "\n".join([head, *body] + ([f"({int(n)} answers per column)"] if n else []))


def table_markdown(columns: list[tuple[str, dict]]) -> str:
    lines = before_after([r for _, r in columns])
    head = "| held-out metric | " + " | ".join(t for t, _ in columns) + " |"
    sep = "|---" * (len(columns) + 1) + "|"
    return "\n".join([head, sep] + [f"| {label} | " + " | ".join(_fmt(label, v) for v in vals) + " |"
                                    for label, vals in lines])


def write_figure(run_dir: str | Path) -> Path | None:
    """``<run>/heldout.png`` and ``<run>/heldout.md`` (picked up by ``lwz report``): the first and the
    last evaluation of the run side by side."""
    rows = read_eval(run_dir)
    if not rows:
        return None
    columns = [(f"step {r['step']}", r) for r in ([rows[0], rows[-1]] if len(rows) > 1 else rows)]
    every = ", ".join(str(r["step"]) for r in rows)
    (Path(run_dir) / "heldout.md").write_text(
        f"## Held-out evaluation\n\nPrompts never trained on, fixed-seed sampling; evaluated at steps {every} "
        f"(`eval.jsonl`, answers in `eval/`).\n\n{table_markdown(columns)}\n", encoding="utf-8")
    return plot_before_after(columns, Path(run_dir) / "heldout.png")


def plot_before_after(columns: list[tuple[str, dict]], path: str | Path, title: str = "") -> Path | None:
    """Bars per metric for each evaluation column (shares and S_l/100 on one 0-1 axis)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [("length_score", "S_l / 100", 0.01), ("in_range", "inside range", 1), ("well_formed", "well-formed", 1),
            ("truncated", "hit the cap", 1), ("repetition", "repetition score", 1),
            ("repeated_4gram_rate", "repeated 4-grams", 1)]
    keys = [k for k in keys if all(f"eval/{k[0]}" in r for _, r in columns)]
    if not keys:
        return None
    writing = [k for k in ("writing", "writing_heldout") if all(f"eval/{k}" in r for _, r in columns)]
    fig, axes = plt.subplots(1, 2 if writing else 1, figsize=(11 if writing else 8, 3.8), squeeze=False,
                             gridspec_kw={"width_ratios": [3, 1]} if writing else None)
    ax = axes[0][0]
    width = 0.8 / len(columns)
    for j, (name, r) in enumerate(columns):
        xs = [i + (j - (len(columns) - 1) / 2) * width for i in range(len(keys))]
        ax.bar(xs, [r[f"eval/{k}"] * s for k, _, s in keys], width, label=name)
    ax.set_xticks(range(len(keys)), [lab for _, lab, _ in keys], rotation=20, fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(title or "held-out evaluation")
    if writing:
        ax = axes[0][1]
        for j, (name, r) in enumerate(columns):
            xs = [i + (j - (len(columns) - 1) / 2) * width for i in range(len(writing))]
            ax.bar(xs, [r[f"eval/{k}"] for k in writing], width, label=name)
        ax.set_xticks(range(len(writing)), ["RM trained on", "RM held out"][:len(writing)] if len(writing) == 2
                      else writing, fontsize=8)
        ax.axhline(0, color="k", lw=0.6)
        ax.set_title("writing RM score")
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
