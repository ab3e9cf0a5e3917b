"""Micro-batches by token budget, and length groups with bounded padding.

Sequences are sorted by length and packed greedily into micro-batches whose padded size
(``n_seqs × longest``) stays within ``token_budget``, so short sequences are never padded
to the longest sample of the step. A sequence longer than the budget gets a batch of its own.
"""

from __future__ import annotations


def token_budget_batches(lengths: list[int], token_budget: int) -> list[list[int]]:
    """lengths: [N] token counts -> list of micro-batches (lists of indices into ``lengths``)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        longest = lengths[i]  # sorted ascending: the newcomer is the longest so far
        if current and (len(current) + 1) * longest > token_budget:
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def length_groups(lengths: list[int], min_fill: float = 0.8) -> list[list[int]]:
    """Split sequences into groups padded to their longest member, each at least ``min_fill``
    full: sorted longest first, a sequence joins the current group while its length is at least
    ``min_fill`` times the group's longest (so padding is at most ``1/min_fill - 1`` of a row).
    lengths: [N] -> groups of indices into ``lengths``, longest group first."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    groups: list[list[int]] = []
    for i in order:
        if groups and lengths[i] >= min_fill * lengths[groups[-1][0]]:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups
