"""The fixtures of the contract kit's classes, each over every adapter of its port.

The test modules here subclass the classes of :mod:`amparex_adapters.testing.contracts`
exactly as a host project would; these fixtures (named as the classes ask) are
parametrised over the registries of factories.py, so each suite runs on every adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from amparex_core.ports import Storage
from tests.contract import factories


@pytest.fixture(params=sorted(factories.STORAGE))
def make_storage(request: pytest.FixtureRequest) -> Callable[[], Storage]:
    """New, empty stores of one adapter (the suite closes each)."""
    return lambda: factories.STORAGE[request.param](request)


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
processes = _over(factories.PROCESS_TABLES)
statistic_source = _over(factories.STATISTIC_SOURCES)
