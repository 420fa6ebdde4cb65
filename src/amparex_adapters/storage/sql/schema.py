"""The store's schema: one version number, steps declared by each family in its own module.

Each family of tables declares what it adds at which version (a :class:`SchemaStep` per
version, in its module's ``SCHEMA``): the storage ports in
:mod:`amparex_adapters.storage.sql.interfaces`, ``…templates``, ``…orders``, ``…cards``
and ``…uploads``, the master data in :mod:`amparex_adapters.masterdata.sql`. The database
keeps *one* version number: version *n* runs the steps of every family for *n*, in the
order of :data:`FAMILIES`. Released steps never change; a new version adds steps.

======= ================================================================
version what it adds
======= ================================================================
1       the storage ports: interfaces, card templates, orders, batches,
        serials, cards, the upload ledger
2       master data for operators without a host application (``md_*``)
3       claims on batch deliveries (``batch_deliveries``, CO19; with the
        orders family)
======= ================================================================
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Final

import attrs

__all__ = ["FAMILIES", "SCHEMA_VERSION", "SchemaStep", "assemble", "migrations"]

#: The schema version this library writes.
SCHEMA_VERSION: Final = 3

#: The families of tables, in the order their steps run within one version.
FAMILIES: Final = ("interfaces", "templates", "orders", "cards", "uploads", "masterdata")


@attrs.frozen
class SchemaStep:
    """What one family adds to the schema at one version.

    Attributes:
        version: The schema version the statements belong to.
        family: Who declares them (a name of :data:`FAMILIES`).
        statements: SQL with ``?`` placeholders; ``{blob}`` is the type of binary columns
            (``BLOB`` / ``BYTEA``).
    """

    version: int
    family: str
    statements: tuple[str, ...]


def assemble(steps: Iterable[SchemaStep]) -> tuple[tuple[str, ...], ...]:
    """The statements of each version from 1 up, each version's families in order.

    Raises:
        ValueError: A version from 1 to the highest has no step, or a family is unknown.
    """
    order = {name: index for index, name in enumerate(FAMILIES)}
    by_version: dict[int, list[SchemaStep]] = {}
    for step in steps:
        if step.family not in order:
            raise ValueError(f"unknown schema family {step.family!r}")
        by_version.setdefault(step.version, []).append(step)
    top = max(by_version, default=0)
    missing = [v for v in range(1, top + 1) if v not in by_version]
    if missing:
        raise ValueError(f"no schema step for version {missing[0]}")
    return tuple(
        tuple(
            statement
            for step in sorted(by_version[version], key=lambda s: order[s.family])
            for statement in step.statements
        )
        for version in range(1, top + 1)
    )


@functools.cache
def migrations() -> tuple[tuple[str, ...], ...]:
    """The forward migrations of every family, one tuple of statements per version.

    The families' modules are imported here, on first use (the master data's module
    imports the store's core, so the core cannot import it at its own import).

    Raises:
        ValueError: The families do not add up to :data:`SCHEMA_VERSION` versions.
    """
    from amparex_adapters.masterdata import sql as masterdata

    from . import cards, interfaces, orders, templates, uploads

    modules = (interfaces, templates, orders, cards, uploads, masterdata)
    assembled = assemble(step for module in modules for step in module.SCHEMA)
    if len(assembled) != SCHEMA_VERSION:
        raise ValueError(f"the schema families declare {len(assembled)} versions")
    return assembled
