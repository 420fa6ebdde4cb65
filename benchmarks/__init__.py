"""Benchmarks: each case prints ``name  ours  baseline  ratio``, baseline measured in the same run.

Run one module with ``python -m benchmarks.<name>``, all with ``python -m benchmarks``.
"""
