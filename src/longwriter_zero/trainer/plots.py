"""Training curves: each reward's mean and the answer length, per step."""

from __future__ import annotations

import json
from pathlib import Path


def plot_curves(metrics_path: Path, out_png: Path) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(ln) for ln in Path(metrics_path).read_text().splitlines() if ln.strip()]
    if not rows:
        return None
    steps = [r["step"] for r in rows]
    reward_keys = [k for k in rows[0] if k.startswith("reward/") and k.count("/") == 1]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for k in reward_keys:
        ax1.plot(steps, [r[k] for r in rows], label=k.split("/", 1)[1])
    ax1.set_xlabel("step")
    ax1.set_ylabel("mean reward")
    ax1.set_title("Rewards")
    ax1.legend()
    ax1.grid(alpha=0.3)
    ax2.plot(steps, [r["answer_length/mean"] for r in rows], label="mean")
    ax2.plot(steps, [r["answer_length/max"] for r in rows], label="max", alpha=0.6)
    ax2.set_xlabel("step")
    ax2.set_ylabel("answer length (words + CJK chars)")
    ax2.set_title("Answer length")
    ax2.legend()
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    plt.close(fig)
    return out_png
