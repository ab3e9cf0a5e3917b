"""The writing reward model: training pairs, damage kinds, the model, its recipe and its server.

- ``damage``: named ways to spoil an answer (hack imitations, truncation, shuffles), the
  negatives of self-contrast pairs;
- ``pairs``: preference pairs (TRL's format) from honest answers and their damaged copies;
- ``model``: ``RewardModel`` (a sequence-classification head on a causal LM), Bradley-Terry
  training, scoring by sliding windows;
- ``recipe``: the default and demo recipe (``lwz rm train``, ``lwz demo``) and its held-out measure;
- ``server``: ``lwz rm serve`` and its HTTP client.

``rewards.writing`` (the ``writing`` reward) scores answers with a model from here.
"""
