"""Fixtures that run each contract suite over every adapter of its port (see factories.py)."""

from __future__ import annotations

from collections.abc import Iterator
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


@pytest.fixture(params=sorted(factories.MASTERDATA))
def masterdata(request: pytest.FixtureRequest) -> Any:
    return factories.MASTERDATA[request.param](request)


@pytest.fixture(params=sorted(factories.EXPORT_TARGETS))
def export_target(request: pytest.FixtureRequest) -> Any:
    return factories.EXPORT_TARGETS[request.param](request)


@pytest.fixture(params=sorted(factories.FILE_DELIVERIES))
def file_delivery(request: pytest.FixtureRequest) -> Any:
    return factories.FILE_DELIVERIES[request.param](request)


@pytest.fixture(params=sorted(factories.PARCEL_DELIVERIES))
def parcel_delivery(request: pytest.FixtureRequest) -> Any:
    return factories.PARCEL_DELIVERIES[request.param](request)


@pytest.fixture(params=sorted(factories.RENDERERS))
def renderer(request: pytest.FixtureRequest) -> Any:
    return factories.RENDERERS[request.param](request)


@pytest.fixture(params=sorted(factories.READERS))
def reader(request: pytest.FixtureRequest) -> Any:
    return factories.READERS[request.param](request)


@pytest.fixture(params=sorted(factories.CLOCKS))
def clock(request: pytest.FixtureRequest) -> Any:
    return factories.CLOCKS[request.param](request)


@pytest.fixture(params=sorted(factories.STATISTIC_SOURCES))
def statistic_source(request: pytest.FixtureRequest) -> Any:
    return factories.STATISTIC_SOURCES[request.param](request)
