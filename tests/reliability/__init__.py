"""Reliability suite: faults, concurrency, abuse and secrets (issue 8). See docs/reliability.md."""
