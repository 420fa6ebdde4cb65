"""The pytest plugin of the contract kit, registered as ``amparex`` (entry point ``pytest11``).

pytest loads it in every run of an environment where amparex-core is installed, so it is
inactive unless asked for: it collects nothing, adds no command-line or ini option, changes
no default and imports neither hypothesis nor any adapter library. A project asks for the
kit by subclassing a class of :mod:`amparex_adapters.testing.contracts` in a test module;
for those tests only, the plugin

- rewrites the assertions of the kit (so a failing contract shows the values compared),
- marks every test of a contract class ``amparex_contract`` (``pytest -m amparex_contract``
  runs only the contract suites, ``-m "not amparex_contract"`` everything else); the
  marker is registered, so ``--strict-markers`` accepts it.

``pytest -p no:amparex`` switches the plugin off; the contract classes still run, without
the marker and with plain assertion messages.
"""

from __future__ import annotations

import pytest

__all__ = ["MARKER", "pytest_configure", "pytest_itemcollected"]

MARKER = "amparex_contract"
"""The marker the plugin puts on every test of a contract class."""

_KIT = "amparex_adapters.testing.contracts"

# Before the kit is imported (a test module imports it later, during collection).
pytest.register_assert_rewrite(_KIT)


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``amparex_contract`` marker."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}: a test of an amparex-core port contract ({_KIT}), added by the amparex "
        "plugin to every test of a contract class",
    )


def pytest_itemcollected(item: pytest.Item) -> None:
    """Mark *item* ``amparex_contract`` when its class derives from a contract class."""
    cls = getattr(item, "cls", None)
    if cls is None:
        return
    if any(base.__module__.startswith(_KIT) for base in cls.__mro__[1:]):
        item.add_marker(MARKER)
