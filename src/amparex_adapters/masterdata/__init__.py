"""Adapters of the masterdata port, and :func:`open_masterdata` to pick one by kind.

* :mod:`.sql` — :class:`~.sql.SqlMasterData`: master data in the store's own tables
  (SQLite, PostgreSQL), filled from bundles.
* :mod:`.bundle` — master-data bundles (TOML, JSON): read, checked, written.
* :mod:`.memory` — :class:`~.memory.MemoryMasterData`: records given in code.

A host application usually brings its own master data (see the tutorial). The kinds are
looked up in the ``amparex.masterdata`` entry points (:mod:`amparex_adapters.registry`);
amparex-core registers ``store`` (:func:`store_masterdata`) and ``memory``
(:func:`memory_masterdata`):

>>> from amparex_adapters.masterdata import open_masterdata
>>> from amparex_adapters.storage import open_storage
>>> store = open_storage("sqlite://")
>>> type(open_masterdata("store", storage=store)).__name__
'SqlMasterData'
>>> store.close()

Importing this package loads no third-party library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from amparex_core.ports.masterdata import MasterData
    from amparex_core.ports.storage import Storage

__all__ = ["memory_masterdata", "open_masterdata", "store_masterdata"]


def open_masterdata(kind: str, /, *, storage: Storage, **options: Any) -> MasterData:
    """Master data of *kind*, next to the open *storage*.

    Args:
        kind: ``store``, ``memory`` or a kind another distribution registers.
        storage: The open store (the ``store`` kind keeps its records there).
        **options: Passed to the kind's factory.

    Raises:
        AdapterUnknown: No installed adapter has *kind*.
        MissingExtraError: The kind's extra is not installed.
        ValueError: *options* have a bad value.
        TypeError: An option is unknown to the kind.
    """
    from amparex_adapters.registry import MASTERDATA, MasterDataFactory

    factory: MasterDataFactory = MASTERDATA.load(kind)
    return factory(storage=storage, **options)


def store_masterdata(*, storage: Storage) -> MasterData:
    """The ``store`` kind: master data in the store's own tables.

    A SQL store (SQLite, PostgreSQL) keeps them in its ``md_*`` tables
    (:class:`~.sql.SqlMasterData`, which imports bundles); a store without such tables
    (``memory://``, or one another distribution provides) gets master data in memory,
    living as long as the object.
    """
    from amparex_adapters.storage.sql import SqlDatabase

    if isinstance(storage, SqlDatabase):
        from .sql import SqlMasterData

        return SqlMasterData(storage)
    from .memory import MemoryMasterData

    return MemoryMasterData()


def memory_masterdata(*, storage: Storage | None = None) -> MasterData:
    """The ``memory`` kind: an empty :class:`~.memory.MemoryMasterData` (*storage* unused)."""
    from .memory import MemoryMasterData

    return MemoryMasterData()
