"""The store's schema: one version number, steps declared by each family in its own module.

Each family of tables declares what it adds at which version (a :class:`SchemaStep` per
version, in its module's ``SCHEMA``): the storage ports in
:mod:`amparex_adapters.storage.sql.interfaces`, ``…templates``, ``…orders``, ``…cards``,
``…uploads`` and ``…operations``, the master data in
:mod:`amparex_adapters.masterdata.sql`. The database keeps *one* version number:
version *n* runs the steps of every family for *n*, in the order of :data:`FAMILIES`.
Released steps never change; a new version adds steps.

======= ================================================================
version what it adds
======= ================================================================
1       the storage ports: interfaces, card templates, orders, batches,
        serials, cards, the upload ledger
2       master data for operators without a host application (``md_*``)
3       claims on batch deliveries (``batch_deliveries``, CO19; with the
        orders family)
4       indexes for paged order listings (``orders_placed``,
        ``orders_status_placed``)
5       the run log and the alert ledger (``runs``, ``alerts``; OP1,
        OP3; family ``operations``)
======= ================================================================

**The window** (OP5): code written for schema *N* works against schema *N* and against
*N + 1* when version *N + 1* only adds — new tables, nullable columns, indexes — so a
chain can upgrade its workstations over days. Whether a version only adds is judged from
its statements (:func:`is_additive`, cautious: anything else counts as a change) unless a
step says so itself (:attr:`SchemaStep.additive`). Each version the store applies is
recorded with the oldest code version that may use it (:attr:`SchemaVersion.compatible_from`),
so an older process can decide without knowing the newer steps.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Final

from amparex_core.domain._records import frozen

__all__ = [
    "FAMILIES",
    "SCHEMA_VERSION",
    "SchemaStep",
    "SchemaVersion",
    "assemble",
    "assemble_versions",
    "code_version",
    "is_additive",
    "migrations",
    "versions",
]

#: The schema version this library writes.
SCHEMA_VERSION: Final = 5

#: The families of tables, in the order their steps run within one version.
FAMILIES: Final = (
    "interfaces",
    "templates",
    "orders",
    "cards",
    "uploads",
    "masterdata",
    "operations",
)


@frozen
class SchemaStep:
    """What one family adds to the schema at one version.

    Attributes:
        version: The schema version the statements belong to.
        family: Who declares them (a name of :data:`FAMILIES`).
        statements: SQL with ``?`` placeholders; ``{blob}`` is the type of binary columns
            (``BLOB`` / ``BYTEA``).
        additive: Whether the step only adds (code of the version before may use the
            schema); ``None``: judged from the statements by :func:`is_additive`. Say
            ``False`` for a step whose statements only add but whose meaning changes
            (older code would write what the new one no longer reads).
    """

    version: int
    family: str
    statements: tuple[str, ...]
    additive: bool | None = None

    @property
    def only_adds(self) -> bool:
        """Whether code of the previous version may use a schema with this step."""
        if self.additive is not None:
            return self.additive
        return all(is_additive(statement) for statement in self.statements)


@frozen
class SchemaVersion:
    """One version of the schema: the statements of every family for it, in order.

    Attributes:
        number: The version.
        statements: What migrating to it runs.
        additive: Whether it only adds to the version before.
    """

    number: int
    statements: tuple[str, ...]
    additive: bool

    @property
    def compatible_from(self) -> int:
        """The oldest code schema version that may use a store at this version.

        The version before when this one only adds, else this one (version 1 creates
        everything and has no version before).
        """
        return self.number - 1 if self.additive and self.number > 1 else self.number


_CREATES: Final = re.compile(r"CREATE (TABLE|INDEX) ", re.IGNORECASE)
_ADDS_COLUMN: Final = re.compile(
    r"ALTER TABLE (IF EXISTS )?\S+ ADD (COLUMN )?(IF NOT EXISTS )?(?P<column>.*)", re.IGNORECASE
)
_CONSTRAINS: Final = re.compile(
    r"\b(NOT NULL|UNIQUE|PRIMARY|REFERENCES|CHECK|CONSTRAINT|FOREIGN|EXCLUDE)\b", re.IGNORECASE
)


def is_additive(statement: str) -> bool:
    """Whether *statement* only adds: a new table, a (non-unique) index, a nullable column.

    >>> from amparex_adapters.storage.sql.schema import is_additive
    >>> is_additive("CREATE INDEX orders_placed ON orders (placed_at, id)")
    True
    >>> is_additive("ALTER TABLE uploads ADD COLUMN holder TEXT")
    True
    >>> is_additive("ALTER TABLE uploads ADD COLUMN holder TEXT NOT NULL DEFAULT ''")
    False
    >>> is_additive("CREATE UNIQUE INDEX cards_holder ON cards (holder)")
    False
    >>> is_additive("UPDATE orders SET status = 'pending'")
    False
    """
    text = " ".join(statement.split())
    if _CREATES.match(text):
        return True
    column = _ADDS_COLUMN.match(text)
    return column is not None and not _CONSTRAINS.search(column["column"])


def assemble_versions(steps: Iterable[SchemaStep]) -> tuple[SchemaVersion, ...]:
    """Every version from 1 up: each version's families' statements in order.

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
    found = []
    for version in range(1, top + 1):
        ordered = sorted(by_version[version], key=lambda s: order[s.family])
        found.append(
            SchemaVersion(
                number=version,
                statements=tuple(s for step in ordered for s in step.statements),
                additive=all(step.only_adds for step in ordered),
            )
        )
    return tuple(found)


def assemble(steps: Iterable[SchemaStep]) -> tuple[tuple[str, ...], ...]:
    """The statements of each version from 1 up, each version's families in order.

    Raises:
        ValueError: A version from 1 to the highest has no step, or a family is unknown.
    """
    return tuple(version.statements for version in assemble_versions(steps))


@functools.cache
def versions() -> tuple[SchemaVersion, ...]:
    """Every version of the schema this library knows, from 1 to :data:`SCHEMA_VERSION`.

    The families' modules are imported here, on first use (the master data's steps
    import this module, so it cannot import them at its own import).

    Raises:
        ValueError: The families do not add up to :data:`SCHEMA_VERSION` versions.
    """
    from amparex_adapters.masterdata import _schema as masterdata

    from . import cards, interfaces, operations, orders, templates, uploads

    modules = (interfaces, templates, orders, cards, uploads, masterdata, operations)
    assembled = assemble_versions(step for module in modules for step in module.SCHEMA)
    if len(assembled) != SCHEMA_VERSION:
        raise ValueError(f"the schema families declare {len(assembled)} versions")
    return assembled


def code_version() -> int:
    """The schema version this code writes: the number of :func:`versions`."""
    return len(versions())


def migrations() -> tuple[tuple[str, ...], ...]:
    """The forward migrations of every family, one tuple of statements per version."""
    return tuple(version.statements for version in versions())
