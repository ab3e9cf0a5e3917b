"""Training recipes: GRPO (``grpo``), continual pretraining and SFT baselines."""
