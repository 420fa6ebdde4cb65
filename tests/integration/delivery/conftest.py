"""Fixtures of the delivery integration tests: every file delivery against its real peer."""

from __future__ import annotations

import pytest

from tests.integration.delivery.targets import KINDS, Target, build_target


@pytest.fixture(params=sorted(KINDS))
def target(request: pytest.FixtureRequest) -> Target:
    """Each file delivery (SFTP, FTPS, FTP, folder) with a fresh remote folder."""
    return build_target(request, str(request.param))


@pytest.fixture(params=[k for k in sorted(KINDS) if k != "folder"])
def remote_target(request: pytest.FixtureRequest) -> Target:
    """Each network file delivery with a fresh remote folder."""
    return build_target(request, str(request.param))
