"""Test-wide settings: hypothesis profiles by ``HYPOTHESIS_PROFILE`` (ci, dev or fuzz)."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path as _Path

import pytest
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


def pytest_configure(config: pytest.Config) -> None:
    """Let SIGTERM end a run the way Ctrl-C does, so that fixtures still stop their peers.

    ``timeout`` or a CI runner stops a test run with SIGTERM; Python's default for it ends
    the process at once, leaving the private PostgreSQL cluster, sshd or pcscd of the
    session running. As a KeyboardInterrupt pytest tears the session down first.
    """

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)


@pytest.fixture(scope="session", autouse=True)
def _entry_point_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The registry's cache file of entry points in a folder of this test session.

    Set in the environment, so the ``amparex`` processes of the tests use it too: no test
    reads or writes the cache of the user's home folder.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AMPAREX_CACHE_DIR", str(tmp_path_factory.mktemp("entry-point-cache")))
        yield
