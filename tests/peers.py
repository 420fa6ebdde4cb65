"""Helpers for tests that need a real peer (a database, a server, a daemon).

Under ``CI=true`` a missing peer is a failure, never a skip: a skip there would hide a
broken install step. Elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
from typing import NoReturn

import pytest

__all__ = ["free_port", "in_ci", "peer_missing", "require_executable"]


def in_ci() -> bool:
    """Whether the tests run in CI (``CI`` set to a true value)."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def peer_missing(reason: str) -> NoReturn:
    """Fail (in CI) or skip (elsewhere) because a real peer is missing."""
    if in_ci():
        pytest.fail(f"peer missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def require_executable(name: str, *, hint: str) -> str:
    """The path of executable *name*, or fail/skip naming *hint* (the package to install)."""
    path = shutil.which(name)
    if path is None:
        for folder in ("/usr/sbin", "/usr/lib/postgresql/15/bin", "/usr/local/sbin"):
            candidate = os.path.join(folder, name)
            if os.access(candidate, os.X_OK):
                return candidate
        peer_missing(f"{name} not found: install {hint}")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
