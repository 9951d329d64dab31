"""The objection (异议) workflow and its clocks (seed 002 art.17)."""
