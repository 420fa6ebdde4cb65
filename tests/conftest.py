"""Test-wide settings: hypothesis profiles by ``HYPOTHESIS_PROFILE`` (ci, dev or fuzz)."""

from __future__ import annotations

import os
from pathlib import Path as _Path

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=50, deadline=None)
# Random and long: ``nox -s fuzz`` (the ci profile is derandomized, so it replays the same
# examples every run; this one looks for new ones).
settings.register_profile(
    "fuzz",
    max_examples=1000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# Fixture plugins of real peers (PostgreSQL, servers, daemons): every module in
# tests/plugins/ is loaded, so a contract suite anywhere can use their fixtures.
pytest_plugins = sorted(
    f"tests.plugins.{path.stem}"
    for path in (_Path(__file__).parent / "plugins").glob("*.py")
    if not path.name.startswith("_")
)
