"""The storage contract (IF7–IF9, CO4, CO13–CO17, CR3, LL8) on every store of factories.py.

Memory, SQLite (file and in-memory) and PostgreSQL run the kit's
:class:`~amparex_adapters.testing.contracts.StorageContract`: its plain tests, its state
machines against a dict model and its concurrency tests.
"""

from __future__ import annotations

from amparex_adapters.testing.contracts import OperationsContract, StorageContract


class TestStorage(StorageContract):
    """Every store (fixture ``make_storage`` in conftest.py)."""


class TestOperations(OperationsContract):
    """The run log and the alert ledger of every store (OP1, OP3)."""
