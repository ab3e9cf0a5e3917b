"""Rollout: sampling G completions per prompt from the policy."""
