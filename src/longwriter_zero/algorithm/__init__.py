"""GRPO math as small pure functions: advantages, the clipped objective, loss aggregation and
log-probs computed in chunks. No model, no I/O: tensors in, tensors (and metrics) out."""
