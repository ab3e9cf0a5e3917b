"""Training curves: each reward's mean (with a moving average) and the answer length, per step."""

from __future__ import annotations

import json
from pathlib import Path


def moving_average(values: list[float], window: int) -> list[float]:
    """Trailing mean over the last ``window`` values (fewer at the start)."""
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def plot_curves(metrics_path: Path, out_png: Path) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(ln) for ln in Path(metrics_path).read_text().splitlines() if ln.strip()]
    if not rows:
        return None
    steps = [r["step"] for r in rows]
    window = max(1, min(10, len(rows) // 5))
    reward_keys = [k for k in rows[0] if k.startswith("reward/") and k.count("/") == 1 and k != "reward/total"]
    panels = len(reward_keys) + 1
    cols = min(panels, 3)
    nrows = (panels + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.4 * nrows), squeeze=False)
    axes = [a for row in axes for a in row]
    for ax, k in zip(axes, reward_keys):
        ys = [r[k] for r in rows]
        ax.plot(steps, ys, alpha=0.35, label="per step")
        ax.plot(steps, moving_average(ys, window), label=f"mean of last {window}")
        ax.set_title(k.split("/", 1)[1] + " reward")
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    ax = axes[len(reward_keys)]
    ax.plot(steps, [r["answer_length/mean"] for r in rows], label="mean")
    ax.plot(steps, [r["answer_length/max"] for r in rows], label="max", alpha=0.6)
    ax.set_xlabel("step")
    ax.set_title("answer length (words + CJK chars)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    for ax in axes[panels:]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    plt.close(fig)
    return out_png
