"""Every test of the reliability suite is marked ``reliability`` and bounded in time.

A test may set a tighter or looser bound with its own ``@pytest.mark.timeout(seconds)``;
without one it gets :data:`DEFAULT_TIMEOUT`. The bound uses pytest-timeout's signal method,
so a hung peer or a deadlock fails the test with a stack dump instead of hanging CI.
"""

from __future__ import annotations

import os

import pytest

DEFAULT_TIMEOUT = 120
"""Seconds a reliability test may run unless it says otherwise."""


FUZZ_TIMEOUT = 1800
"""Seconds under ``HYPOTHESIS_PROFILE=fuzz`` (``nox -s fuzz``: ten times the examples)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the suite's tests and give each one a time bound."""
    fuzzing = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
    for item in items:
        if "tests/reliability/" not in item.nodeid.replace("\\", "/"):
            continue
        item.add_marker(pytest.mark.reliability)
        if fuzzing:  # before any bound of the test's own
            item.add_marker(pytest.mark.timeout(FUZZ_TIMEOUT), append=False)
        elif item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(DEFAULT_TIMEOUT))
