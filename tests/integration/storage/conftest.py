"""Every store of the storage port, as one parametrised ``store`` fixture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from amparex_adapters.storage import open_storage
from amparex_core.ports.storage import Storage

#: Store kinds the suites here run against; ``postgres`` needs the ``pg_url`` fixture.
STORE_KINDS = ("memory", "sqlite-file", "sqlite-memory", "postgres")


@pytest.fixture(params=STORE_KINDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, empty store of each kind."""
    kind = request.param
    if kind == "memory":
        return "memory://"
    if kind == "sqlite-file":
        return f"sqlite:///{tmp_path / 'amparex.sqlite'}"
    if kind == "sqlite-memory":
        return "sqlite://"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Storage]:
    """A fresh, empty store of each kind, closed afterwards."""
    opened = open_storage(store_url)
    try:
        yield opened
    finally:
        opened.close()
