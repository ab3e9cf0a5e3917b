"""Training curves of a GRPO run, one panel each, only for what the run logged:

- each reward's mean per step, with a moving average;
- answer length (mean and max) with the target band (the batch's mean requested range);
- truncation rate (answers cut by the token cap) and well-formed rate;
- policy entropy, KL to the reference (when ``algorithm.beta`` > 0) and the clipped fraction;
- a histogram of produced length against target (the range's midpoint), first quarter of the
  steps against the last, from the per-answer ``length_vs_target`` rows of ``metrics.jsonl``.
"""

from __future__ import annotations

import json
import math
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


def compact_number(v: float) -> str:
    """1, 20, 500, 2k, 10k, 1.5M: short tick labels."""
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(v) >= scale:
            return f"{v / scale:g}{suffix}"
    return f"{v:g}"


def plain_log_ticks(ax, axis: str = "both") -> None:
    """Log-axis ticks as short plain numbers (1-2-5 per decade over up to two decades, else
    powers of ten), no minor labels: matplotlib's defaults overlap. Call after setting limits."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    pairs = [(ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())]
    if axis != "both":
        pairs = pairs[:1] if axis == "x" else pairs[1:]
    for a, (lo, hi) in pairs:
        decades = math.log10(max(hi, 1e-12) / max(lo, 1e-12))
        subs = (1.0, 2.0, 5.0) if decades <= 2.2 else (1.0,) if decades > 3.5 else (1.0, 3.0)
        a.set_major_locator(LogLocator(base=10, subs=subs, numticks=12))
        a.set_major_formatter(FuncFormatter(lambda v, _pos: compact_number(v)))
        a.set_minor_formatter(NullFormatter())


def length_ratios(rows: list[dict]) -> list[tuple[int, float]]:
    """(step, produced / target midpoint) for every answer with a known range."""
    out = []
    for r in rows:
        for item in r.get("length_vs_target") or []:
            try:
                produced, lo, hi = (float(x) for x in item)
            except (TypeError, ValueError):
                continue
            mid = (lo + hi) / 2
            if mid > 0 and math.isfinite(produced):
                out.append((int(r.get("step", 0)), produced / mid))
    return out


def _series(rows: list[dict], key: str) -> tuple[list, list]:
    pts = [(r["step"], r[key]) for r in rows
           if isinstance(r.get(key), (int, float)) and not isinstance(r.get(key), bool) and math.isfinite(r[key])]
    return ([p[0] for p in pts], [p[1] for p in pts]) if pts else ([], [])


def read_metrics(metrics_path: Path) -> list[dict]:
    """Rows of ``metrics.jsonl`` that carry a step (a torn or foreign line is skipped)."""
    rows = []
    for ln in Path(metrics_path).read_text(encoding="utf-8").splitlines():
        try:
            obj = json.loads(ln)
        except ValueError:
            continue
        if isinstance(obj, dict) and "step" in obj:
            rows.append(obj)
    return rows


def plot_curves(metrics_path: Path, out_png: Path) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = read_metrics(metrics_path)
    panels = curve_panels(rows)
    if not panels:
        return None
    cols = min(len(panels), 3)
    nrows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.4 * nrows), squeeze=False)
    flat = [a for row in axes for a in row]
    for ax, (title, draw) in zip(flat, panels):
        draw(ax)
        ax.set_title(title, fontsize=10)
        if not ax.get_xlabel():
            ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    for ax in flat[len(panels):]:
        fig.delaxes(ax)            # no empty panels
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    plt.close(fig)
    try:
        Path(out_png).chmod(0o644)
    except OSError:
        pass
    return out_png


def curve_panels(rows: list[dict]) -> list[tuple]:
    """(title, draw(ax)) for each panel that has data in ``rows``."""
    if not rows:
        return []
    window = max(1, min(10, len(rows) // 5))
    keys = list(dict.fromkeys(k for r in rows for k in r))
    reward_keys = [k for k in keys if k.startswith("reward/") and k.count("/") == 1 and k != "reward/total"]
    panels = []   # (title, draw(ax))

    def smoothed(key: str, title: str, ylim: tuple | None = None):
        def draw(ax):
            xs, ys = _series(rows, key)
            ax.plot(xs, ys, alpha=0.35, label="per step")
            ax.plot(xs, moving_average(ys, window), label=f"mean of last {window}")
            if ylim:
                ax.set_ylim(*ylim)
            ax.legend(fontsize=7)
        return title, draw

    for k in reward_keys:
        if _series(rows, k)[0]:
            panels.append(smoothed(k, k.split("/", 1)[1] + " reward"))
    if _series(rows, "answer_length/mean")[0]:
        def draw_length(ax):
            xs, ys = _series(rows, "answer_length/mean")
            ax.plot(xs, ys, label="mean")
            mx, my = _series(rows, "answer_length/max")
            if mx:
                ax.plot(mx, my, label="max", alpha=0.6)
            lx, lo = _series(rows, "target_length/lower")
            hx, hi = _series(rows, "target_length/upper")
            if lx and len(lx) == len(hx):
                ax.fill_between(lx, lo, hi, color="tab:green", alpha=0.18, label="target range (batch mean)")
            ax.legend(fontsize=7)
        panels.append(("answer length (words + CJK chars)", draw_length))
    rates = [(k, label) for k, label in (("truncation_rate", "truncated (hit the token cap)"),
                                         ("well_formed_rate", "well-formed think/answer"))
             if _series(rows, k)[0]]
    if rates:
        def draw_rates(ax):
            for k, label in rates:
                xs, ys = _series(rows, k)
                ax.plot(xs, moving_average(ys, window), label=label)
            ax.set_ylim(-0.03, 1.03)
            ax.legend(fontsize=7)
        panels.append((f"rates (mean of last {window})", draw_rates))
    for key, title in (("entropy", "policy entropy (nats/token)"), ("kl", "KL to reference (k3)"),
                       ("clip_frac", "clipped token fraction")):
        xs, ys = _series(rows, key)
        if xs and not (key == "kl" and not any(ys)):   # KL is 0 by definition without a reference
            panels.append(smoothed(key, title))
    ratios = length_ratios(rows)
    if ratios:
        def draw_hist(ax):
            import numpy as np

            steps = sorted({s for s, _ in ratios})
            quarter = max(1, len(steps) // 4)
            early = [v for s, v in ratios if s in set(steps[:quarter])]
            late = [v for s, v in ratios if s in set(steps[-quarter:])]
            values = [max(v, 1e-2) for _, v in ratios]
            bins = np.geomspace(min(values + [0.25]), max(values + [4.0]), 24)
            ax.hist([max(v, 1e-2) for v in early], bins=bins, alpha=0.55, label=f"first {quarter} steps")
            if len(steps) > quarter:
                ax.hist([max(v, 1e-2) for v in late], bins=bins, alpha=0.55, label=f"last {quarter} steps")
            ax.axvline(1.0, color="k", ls="--", lw=0.8, label="on target")
            ax.set_xscale("log")
            plain_log_ticks(ax, "x")
            ax.set_xlabel("produced / target length (range midpoint)")
            ax.set_ylabel("answers")
            ax.legend(fontsize=7)
        panels.append(("produced vs target length", draw_hist))
    return panels
