"""Data: writing-request filtering, length-range prediction and the RL prompt set."""
