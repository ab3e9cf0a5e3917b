"""Rewards: plain functions of (prompts, completions, per-sample data) returning scores and parts.

``base.Reward`` is the interface; ``registry.build_rewards`` turns the config's list of
``{name, weight, options}`` into reward objects. The trainer, ``lwz reward``, evaluation and
the TRL / verl integrations all call the same objects.
"""
