"""Fixtures that run each contract suite over every adapter of its port (see factories.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from amparex_core.ports import Storage
from tests.contract import factories


@pytest.fixture(params=sorted(factories.STORAGE))
def storage(request: pytest.FixtureRequest) -> Iterator[Storage]:
    store = factories.STORAGE[request.param](request)
    try:
        yield store
    finally:
        store.close()


def _over(registry: dict[str, Callable[[pytest.FixtureRequest], Any]]) -> Any:
    """A fixture parametrised over every adapter of one registry of factories.py."""

    @pytest.fixture(params=sorted(registry))
    def fixture(request: pytest.FixtureRequest) -> Any:
        return registry[request.param](request)

    return fixture


masterdata = _over(factories.MASTERDATA)
export_target = _over(factories.EXPORT_TARGETS)
file_delivery = _over(factories.FILE_DELIVERIES)
parcel_delivery = _over(factories.PARCEL_DELIVERIES)
renderer = _over(factories.RENDERERS)
reader = _over(factories.READERS)
clock = _over(factories.CLOCKS)
statistic_source = _over(factories.STATISTIC_SOURCES)
