"""longwriter-zero: reinforcement learning for ultra-long text generation.

The package reads in the order of the pipeline:
data -> rollout -> rewards -> algorithm -> trainer -> evaluation (and serving / judge / integrations).
"""

__version__ = "0.1.0"
