"""Micro-batches by token budget.

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
