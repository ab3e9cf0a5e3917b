"""Adapters that run this project's recipe on established RL engines.

- ``integrations.trl``: reward functions, ``GRPOConfig`` and dataset for TRL's ``GRPOTrainer``
  (optional dependency: ``pip install longwriter-zero[trl]``).
- ``integrations.verl``: ``compute_score`` for verl's custom reward function hook; the recipe is
  in ``recipes/verl/``.

Both score through ``rewards.scoring.score_batch``, the function behind ``lwz reward``, so the
numbers an engine trains on are the numbers ``lwz reward`` reports.

- ``integrations.parity``: the engines' own advantage and loss code (TRL's ``GRPOTrainer``; verl's
  ``core_algos`` in ``benchmarks/verl_engine_parity.py``) fed the same tensors as ours; the
  conversions between their advantages and Eq. 5 are ``trl.trl_advantages_from_eq5`` and
  ``verl.gdpo_advantages_from_eq5``. See ``docs/scale_out.md``.
"""
