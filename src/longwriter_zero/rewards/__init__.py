"""Rewards: plain functions of (prompts, completions, per-sample data) returning scores and parts.

``base.Reward`` is the interface and ``base.RewardSettings`` the run-wide settings every reward
of a run shares; ``registry.build_rewards`` turns the config's list of ``{name, weight, options}``
and the settings into reward objects. The trainer, ``lwz reward``, evaluation and the TRL / verl
integrations all call the same objects. The writing reward's model (training, serving) is the
``reward_model`` package beside this one; text units come from ``text``.
"""
