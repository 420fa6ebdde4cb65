"""Benchmarks: each case prints ``name  ours  baseline  ratio``, the baseline run side by side.

``python -m benchmarks [--rounds N] [--json PATH] [--markdown PATH] [--scale F] [names...]``
runs all cases or those named (case names, glob patterns or module names); the harness is
:mod:`benchmarks._harness`, the cases live in the other modules (``GROUPS``).
"""
