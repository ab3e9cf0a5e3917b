"""LongBench-Write's length score S_l.

With required length ``x`` and produced length ``y`` (both CJK characters + English words,
``text.counting.count_length``):

- ``100 · max(0, 1 - (y/x - 1) / 3)``  if ``y > x``  (too long: falls to 0 at 4x)
- ``100 · max(0, 1 - (x/y - 1) / 2)``  otherwise     (too short: falls to 0 at x/3)

An empty answer (``y = 0``) scores 0; the original formula divides by zero there.
The benchmark score is the mean over prompts; it is also reported per prompt ``type``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from longwriter_zero.errors import UserError
from longwriter_zero.jsonl import iter_jsonl, length_value
from longwriter_zero.text.counting import count_length


def length_score(required: float, produced: float) -> float:
    """S_l in [0, 100] for one answer. ``required`` must be > 0."""
    if required <= 0:
        raise ValueError(f"required length must be positive, got {required}")
    if produced <= 0:
        return 0.0
    if produced > required:
        return 100.0 * max(0.0, 1.0 - (produced / required - 1.0) / 3.0)
    return 100.0 * max(0.0, 1.0 - (required / produced - 1.0) / 2.0)


@dataclass
class LengthRow:
    id: str
    type: str
    required: int
    produced: int
    score: float


@dataclass
class LengthReport:
    rows: list[LengthRow]
    score: float                                         # mean S_l over all rows
    per_type: dict[str, float] = field(default_factory=dict)   # type -> mean S_l
    count_per_type: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"score": self.score, "per_type": self.per_type, "count_per_type": self.count_per_type,
                "n": len(self.rows)}


def score_rows(rows: list[LengthRow]) -> LengthReport:
    if not rows:
        raise UserError("no rows to score")
    by_type: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        by_type[r.type].append(r.score)
    per_type = {t: sum(v) / len(v) for t, v in sorted(by_type.items())}
    return LengthReport(rows=rows, score=sum(r.score for r in rows) / len(rows), per_type=per_type,
                        count_per_type={t: len(v) for t, v in sorted(by_type.items())})


def load_length_rows(path: str | Path) -> list[LengthRow]:
    """Rows with ``length`` (required) and ``response``; ``type`` and ``id`` optional."""
    rows = []
    for lineno, obj in iter_jsonl(path):
        where = f"{path}:{lineno}"
        if "length" not in obj:
            raise UserError(f"{where}: missing key 'length' (the required length)")
        req = length_value(obj["length"], where, "length", positive=True)
        if "response" not in obj:
            raise UserError(f"{where}: missing key 'response'")
        response = obj["response"]
        if response is None:
            response = ""
        if not isinstance(response, str):
            raise UserError(f"{where}: 'response' must be a string")
        produced = count_length(response)
        rows.append(LengthRow(id=str(obj.get("id", lineno)), type=str(obj.get("type") or "all"),
                              required=int(req), produced=produced, score=length_score(req, produced)))
    if not rows:
        raise UserError(f"{path}: no rows")
    return rows


def plot_lengths(rows: list[LengthRow], path: str | Path, title: str = "") -> None:
    """Log-log scatter of required vs produced length; empty answers drawn at y=1 as crosses."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5))
    ok = [r for r in rows if r.produced > 0]
    empty = [r for r in rows if r.produced == 0]
    if ok:
        sc = ax.scatter([r.required for r in ok], [r.produced for r in ok], c=[r.score for r in ok],
                        cmap="viridis", vmin=0, vmax=100, s=22, edgecolors="k", linewidths=0.3)
        fig.colorbar(sc, ax=ax, label="length score")
    if empty:
        ax.scatter([r.required for r in empty], [1] * len(empty), marker="x", c="red",
                   label=f"empty answer ({len(empty)})")
        ax.legend(loc="upper left")
    lo = 1
    hi = max([r.required for r in rows] + [r.produced for r in rows]) * 2
    ax.plot([lo, hi], [lo, hi], "k--", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(max(1, min(r.required for r in rows) / 2), hi)
    ax.set_ylim(0.7 if empty else max(1, min(r.produced for r in ok) / 2), hi)
    from longwriter_zero.trainer.plots import plain_log_ticks

    plain_log_ticks(ax)   # short labels, no minor ones: matplotlib's defaults overlap
    ax.set_xlabel("required length (words / CJK chars)")
    ax.set_ylabel("produced length")
    ax.set_title(title or "required vs produced length")
    ax.grid(True, which="both", alpha=0.25)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
