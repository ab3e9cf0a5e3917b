"""Did a policy learn to meet a length, or only to fill the generation cap?

``length_follows_range`` takes fresh answers of a policy to prompts with *different* ranges
(``evaluation.heldout`` answer rows: ``range``, ``answer_length``, ``truncated``) and passes only if

1. in every range group the median answer length lies inside the range;
2. answers to the shortest range end before the cap (EOS) in at least ``min_stopped`` of cases;
3. the mean length rises with the range: each group's mean is above the previous (shorter) one's.

A policy that always writes to the cap fails (2), and (1) for every range below the cap; a policy
that ignores the request fails (3) or (1). The share of answers inside each range is reported too.
"""

from __future__ import annotations

import statistics
from collections import defaultdict


def length_follows_range(answers: list[dict], min_stopped: float = 0.8) -> tuple[bool, dict]:
    """(passed, per-range figures and the reasons it failed)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for a in answers:
        groups[tuple(a["range"])].append(a)
    if len(groups) < 2:
        raise ValueError("the check needs answers to prompts with at least two different ranges")
    figures, reasons = {}, []
    for rng in sorted(groups):
        rows = groups[rng]
        lo, hi = rng
        inside = sum(lo <= a["answer_length"] <= hi for a in rows) / len(rows)
        median = statistics.median(a["answer_length"] for a in rows)
        figures[f"{lo}-{hi}"] = {"n": len(rows), "in_range": inside, "median_length": median,
                                 "mean_length": sum(a["answer_length"] for a in rows) / len(rows),
                                 "stopped": 1 - sum(a["truncated"] for a in rows) / len(rows)}
        if not lo <= median <= hi:
            reasons.append(f"range {lo}-{hi}: median length {median:g} outside ({inside:.0%} of answers inside)")
    short = figures[f"{min(groups)[0]}-{min(groups)[1]}"]
    if short["stopped"] < min_stopped:
        reasons.append(f"shortest range: {short['stopped']:.0%} end before the cap (< {min_stopped:.0%})")
    means = [f["mean_length"] for f in figures.values()]
    if any(b <= a for a, b in zip(means, means[1:])):
        reasons.append(f"mean length does not rise with the range: {[round(m, 1) for m in means]}")
    return not reasons, {"groups": figures, "failures": reasons}
