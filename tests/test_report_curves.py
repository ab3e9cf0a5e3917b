"""Training curves and report samples: every panel has data, log axes have readable ticks."""

from __future__ import annotations

import json
import math

import pytest


def _rows(steps: int = 12, with_targets: bool = True, beta: bool = False) -> list[dict]:
    rows = []
    for s in range(1, steps + 1):
        row = {"step": s, "reward/length": s / steps, "reward/total": 0.5, "loss": 0.0,
               "answer_length/mean": 10.0 * s, "answer_length/max": 12 * s, "truncation_rate": 1.0 if s < 4 else 0.5,
               "well_formed_rate": s / steps, "entropy": 10.8 * math.exp(-s / 4) + 0.8,
               "kl": 0.01 * s if beta else 0.0, "clip_frac": 0.1}
        if with_targets:
            row.update({"target_length/lower": 80.0, "target_length/upper": 120.0,
                        "length_vs_target": [[10 * s, 80, 120], [12 * s, 80, 120]]})
        rows.append(row)
    return rows


def test_panels_are_the_logged_series_only():
    from longwriter_zero.trainer.plots import curve_panels, length_ratios

    titles = [t for t, _ in curve_panels(_rows())]
    assert titles[0] == "length reward" and "answer length (words + CJK chars)" in titles
    assert any(t.startswith("rates") for t in titles)
    assert {"policy entropy (nats/token)", "clipped token fraction", "produced vs target length"} <= set(titles)
    assert "KL to reference (k3)" not in titles                    # beta = 0: KL is 0 by definition
    assert "KL to reference (k3)" in [t for t, _ in curve_panels(_rows(beta=True))]
    assert "produced vs target length" not in [t for t, _ in curve_panels(_rows(with_targets=False))]
    assert length_ratios([{"step": 3, "length_vs_target": [[50, 80, 120], [0, 0, 0], "bad"]}]) == [(3, 0.5)]


def test_curves_png_has_no_empty_panel(tmp_path):
    import matplotlib.image

    from longwriter_zero.trainer.plots import curve_panels, plot_curves

    path = tmp_path / "metrics.jsonl"
    rows = _rows(with_targets=False)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"torn": ')
    assert len(curve_panels(rows)) == 5
    out = plot_curves(path, tmp_path / "curves.png")
    img = matplotlib.image.imread(out)
    # 5 panels in a 2 x 3 grid: the unused last cell is removed, not drawn as empty axes
    h, w = img.shape[:2]
    assert img[int(h * 0.55):, int(w * 0.70):, :3].min() > 0.99
    assert img[int(h * 0.55):, int(w * 0.36):int(w * 0.64), :3].min() < 0.5   # the fifth panel is there


def _overlaps(ax) -> int:
    ax.figure.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.get_xticklabels() + ax.get_xticklabels(minor=True)
             if t.get_visible() and t.get_text() and ax.get_xlim()[0] <= t.get_position()[0] <= ax.get_xlim()[1]]
    return sum(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


@pytest.mark.parametrize("lo,hi", [(60, 20000), (40, 700), (90, 260)])
def test_log_axis_tick_labels_do_not_overlap(lo, hi):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from longwriter_zero.trainer.plots import plain_log_ticks

    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    plain_log_ticks(ax, "x")
    assert _overlaps(ax) == 0
    assert sum(1 for t in ax.get_xticklabels() if t.get_text()) >= 2
    plt.close(fig)


def test_default_minor_labels_do_overlap_on_a_narrow_log_axis():
    """The check above can fail: matplotlib's own labels on a short log axis collide."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3.0, 3))
    ax.set_xscale("log")
    ax.set_xlim(90, 900)
    assert _overlaps(ax) > 0
    plt.close(fig)


def test_report_samples_show_prompt_range_and_scores(tmp_path):
    from longwriter_zero.evaluation.report import build_report

    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in _rows()))
    (tmp_path / "samples.jsonl").write_text(json.dumps({
        "request": "Write a 100-word note about tea.", "range": [80, 120],
        "completion": "<think>plan</think>\n<answer>" + "tea " * 90 + "</answer>",
        "rewards": {"length": 0.71, "format": 1.0}, "advantage": 0.93}) + "\n")
    text = build_report(tmp_path, tmp_path / "report.md")
    assert "**Prompt:** Write a 100-word note about tea." in text
    assert "**Range:** 80-120" in text and "answer length: 90" in text
    assert "**Scores:** length 0.710, format 1.000" in text
