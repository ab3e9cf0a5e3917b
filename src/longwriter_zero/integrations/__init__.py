"""Adapters that run this project's recipe on established RL engines.

- ``integrations.trl``: reward functions, ``GRPOConfig`` and dataset for TRL's ``GRPOTrainer``
  (optional dependency: ``pip install longwriter-zero[trl]``).
- ``integrations.verl``: ``compute_score`` for verl's custom reward function hook; the recipe is
  in ``recipes/verl/``.

Both score through ``rewards.scoring.score_batch``, the function behind ``lwz reward``, so the
numbers an engine trains on are the numbers ``lwz reward`` reports. See ``docs/scale_out.md``.
"""
